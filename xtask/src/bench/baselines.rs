//! The figures measured outside the local Juju: packing (cold, and charmcraft's own pack of the
//! same tree) and the unit tests (the harness against `ops.testing`).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use xshell::{Shell, cmd};

use super::charms;
use super::stats::{Figure, Row};
use super::time;
use juju_xtask::project::project;

/// `cargo xtask pack` into an empty target dir (the xtask binary itself, so xtask's own build is
/// not counted); the dir is removed afterwards.
pub fn cold_pack(dir: &Path, platform: &str) -> Result<Duration, String> {
    let target = dir.join("cold-target");
    let _ = fs::remove_dir_all(&target);
    eprintln!("bench: cold pack into an empty {}", target.display());
    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let status = Command::new(xtask)
        .args(["pack", "--platform", platform])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&project().map_err(|e| format!("{e:#}"))?.root)
        .status()
        .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    let _ = fs::remove_dir_all(&target);
    if !status.success() {
        return Err(format!("cold pack failed ({status})"));
    }
    Ok(elapsed)
}

/// `charmcraft pack --destructive-mode` of the same charm through its `dump` part, the only way
/// charmcraft packs on a host that is not the charm's base: charmcraft from PyPI on the system
/// Python (for `python3-apt`), with the host-base check bypassed.
pub fn charmcraft_pack(sh: &Shell, dir: &Path) -> anyhow::Result<Figure> {
    const WRAPPER: &str = "import sys\nimport craft_application.services.lifecycle as lifecycle\nlifecycle.LifecycleService._validate_build_plan = lambda self: None\nfrom charmcraft.application.main import main\nsys.argv = ['charmcraft', *sys.argv[1:]]\nsys.exit(main())\n";
    if cmd!(sh, "/usr/bin/python3 -c 'import apt'")
        .quiet()
        .ignore_stderr()
        .run()
        .is_err()
    {
        bail!("needs the system python3 with python3-apt");
    }
    let bin = juju_xtask::oracle::system_venv(
        sh,
        "charmcraft-system",
        &[juju_xtask::oracle::CHARMCRAFT],
        &[juju_xtask::oracle::PYOPENSSL],
    )?;
    let python = bin.join("python");
    let script = dir.join("charmcraft-nobasecheck.py");
    fs::write(&script, WRAPPER)?;
    let root = &project()?.root;
    let prime = project()?.target_dir.join("charm/prime");
    let yaml = fs::read_to_string(root.join("charmcraft.yaml"))?.replace(
        "source: target/charm/prime",
        &format!("source: {}", prime.display()),
    );
    let mut samples = Vec::new();
    for i in 0..3 {
        let work = dir.join(format!("charmcraft-{i}"));
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work)?;
        fs::write(work.join("charmcraft.yaml"), &yaml)?;
        let _dir = sh.push_dir(&work);
        let started = Instant::now();
        let out = cmd!(sh, "{python} {script} pack --destructive-mode")
            .quiet()
            .ignore_status()
            .output()?;
        samples.push(started.elapsed());
        let packed = fs::read_dir(&work)?
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "charm"));
        if !out.status.success() || !packed {
            let stderr = juju_xtask::oracle::charmcraft_report(&out.stderr);
            let reason = stderr
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("no output");
            bail!("charmcraft pack failed: {reason}");
        }
        let _ = fs::remove_dir_all(&work);
    }
    Ok(Figure::times(&samples))
}

/// The example charm's unit tests (harness, `charm/tests/snapshot.rs`) against the same cases in
/// `ops.testing` (`bench/snapshot-py/tests/test_charm.py`): run time of the test processes only;
/// the Rust test build is reported on its own line. The Python twin's other tests run once,
/// untimed, and must pass.
pub fn unit_tests(sh: &Shell, dir: &Path, runs: usize) -> anyhow::Result<Vec<Row>> {
    let project = project()?;
    let test_source = project.root.join("charm/tests/snapshot.rs");
    // Build, touch the test source, then time the rebuild: what an edit of the tests costs.
    let test_args = [
        "test",
        "--quiet",
        "--package",
        &project.charm.package,
        "--test",
        "snapshot",
        "--no-run",
    ];
    juju_xtask::util::cargo_executable(sh, &test_args, "snapshot")
        .context("building the charm's unit tests failed")?;
    fs::File::options()
        .append(true)
        .open(&test_source)?
        .set_modified(std::time::SystemTime::now())?;
    let started = Instant::now();
    let test_binary = juju_xtask::util::cargo_executable(sh, &test_args, "snapshot")?;
    let build_time = started.elapsed();
    let rust: Vec<Duration> = (0..runs)
        .map(|_| {
            time(|| {
                cmd!(sh, "{test_binary} --quiet")
                    .quiet()
                    .ignore_stdout()
                    .run()
                    .context("the Rust unit tests failed")
            })
        })
        .collect::<anyhow::Result<_>>()?;

    let bin = juju_xtask::oracle::venv(
        sh,
        "ops-testing",
        &[
            juju_xtask::oracle::OPS_TESTING,
            juju_xtask::oracle::PYDANTIC,
            juju_xtask::oracle::PYTEST,
        ],
    )?;
    let python = bin.join("python");
    let charm = charms::source("snapshot-py")?;
    let pycache = dir.join("pycache");
    let _dir = sh.push_dir(&charm);
    // Every test of the Python twin once, untimed (the timed runs are the same cases only).
    cmd!(sh, "{python} -m pytest -q -p no:cacheprovider tests")
        .env("PYTHONPATH", "src")
        .env("PYTHONPYCACHEPREFIX", &pycache)
        .quiet()
        .ignore_stdout()
        .run()
        .context("the Python twin's ops.testing tests failed")?;
    let python_runs: Vec<Duration> = (0..runs)
        .map(|_| {
            time(|| {
                cmd!(
                    sh,
                    "{python} -m pytest -q -p no:cacheprovider tests/test_charm.py"
                )
                .env("PYTHONPATH", "src")
                .env("PYTHONPYCACHEPREFIX", &pycache)
                .quiet()
                .ignore_stdout()
                .run()
                .context("the ops.testing unit tests failed")
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(vec![
        Row {
            section: "unit tests (snapshot charm, same cases)",
            name: "test run (harness vs ops.testing + pytest)".into(),
            rust: Ok(Figure::times(&rust)),
            python: Ok(Figure::times(&python_runs)),
        },
        Row {
            section: "unit tests (snapshot charm, same cases)",
            name: "rebuild after editing the tests".into(),
            rust: Ok(Figure::times(&[build_time])),
            python: Err("no build step".into()),
        },
    ])
}
