//! `cargo xtask bench`: the Rust workflow against the Python `ops` workflow, measured side by
//! side in one run on this machine, printed as a table with Python/Rust ratios and written with
//! machine details to `target/bench/bench.json`.
//!
//! Both charms run under the same local Juju (a static release build of `juju-local`, state
//! under `target/bench/juju-home`): the example charm packed by `cargo xtask pack`, and the same
//! charm in Python with `ops` (`bench/snapshot-py`) packed with its venv. Latencies are wall
//! times of the `juju` commands; "charm process" is the dispatch process alone, from spawn to
//! exit, as the local Juju records it; peak RSS is `ru_maxrss` through GNU time as the dispatch
//! wrapper (the charm process and the hook tools it waited for). Every figure is the median
//! over the runs after warm-up, with the interquartile range in brackets.

mod charms;
mod stats;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use xshell::{Shell, cmd};

use crate::local_juju::LocalJuju;
use juju_xtask::itest::host_arch;
use juju_xtask::pack::Pack;
use juju_xtask::project::project;
use stats::{Figure, Row, Unit};

/// Runs before the timed ones, not counted.
const WARM_UP: usize = 3;

/// Result keys Juju adds for the charm process, not set by the charm.
const PROCESS_RESULT_KEYS: [&str; 5] = [
    "return-code",
    "stdout",
    "stdout-encoding",
    "stderr",
    "stderr-encoding",
];

#[derive(Debug, clap::Args)]
pub struct Bench {
    /// Timed runs per latency figure (after warm-up runs that are not counted).
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    /// Skip the slow figures: cold pack, charmcraft pack and the 10 MB data set.
    #[arg(long)]
    pub quick: bool,
}

impl Bench {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        if self.runs == 0 {
            bail!("--runs must be at least 1");
        }
        let started = Instant::now();
        charms::require_python(sh)?;
        let dir = project()?.target_dir.join("bench");
        fs::create_dir_all(&dir)?;
        let mut rows = Vec::new();

        // Packing.
        let platform = juju_xtask::itest::host_platform()?;
        let pack = Pack {
            platform: Some(platform.clone()),
            analyse: false,
        };
        eprintln!("bench: packing the Rust charm");
        let rust_charm = pack.pack(sh)?.into_iter().next().context("no charm")?;
        let warm: Vec<Duration> = (0..3)
            .map(|_| time(|| pack.pack(sh).map(drop)))
            .collect::<anyhow::Result<_>>()?;
        let cold = if self.quick {
            Err("skipped (--quick)".to_owned())
        } else {
            cold_pack(&dir, &platform).map(|d| Figure::times(&[d]))
        };
        let charmcraft = if self.quick {
            Err("skipped (--quick)".to_owned())
        } else {
            charmcraft_pack(sh, &dir).map_err(|e| format!("{e:#}"))
        };
        rows.push(Row {
            section: "pack",
            name: "pack an already-built charm: xtask pack (warm) vs charmcraft pack".into(),
            rust: Ok(Figure::times(&warm)),
            python: charmcraft,
        });
        rows.push(Row {
            section: "pack",
            name: "cold pack (build from an empty target dir)".into(),
            rust: cold,
            python: Err("charmcraft builds Python charms in LXD; not measurable here".into()),
        });

        eprintln!("bench: building the Python charms and the echo charms");
        let venv = charms::charm_venv(sh, &dir)?;
        let python_charm = dir.join("snapshot-py.charm");
        charms::pack_python(&charms::source("snapshot-py")?, &venv, &[], &python_charm)?;
        let echo_python = dir.join("echo-py.charm");
        charms::pack_python(
            &charms::source("echo-py")?,
            &venv,
            &[("actions.yaml", charms::echo_actions_yaml())],
            &echo_python,
        )?;
        let static_target = juju_xtask::pack::rust_target(&host_arch()?)?;
        let echo_rust = dir.join("echo-rust.charm");
        charms::pack_rust_echo(sh, static_target, &echo_rust)?;
        rows.push(Row {
            section: "size",
            name: ".charm file".into(),
            rust: Ok(Figure::bytes(fs::metadata(&rust_charm)?.len())),
            python: Ok(Figure::bytes(fs::metadata(&python_charm)?.len())),
        });

        let juju = start_local_juju(sh, &dir, static_target)?;
        eprintln!("bench: deploying both charms to the local Juju");
        juju.deploy(&rust_charm, "rust")?;
        juju.deploy(&python_charm, "python")?;
        juju.deploy(&echo_rust, "echo-rust")?;
        juju.deploy(&echo_python, "echo-python")?;

        // Actions and hooks. Snapshot file names are unique across the whole run; `kind` is the
        // compression param, gzip (the default) when absent.
        let ran = std::cell::Cell::new(0);
        let snapshot = |app: &str, kind: Option<&str>, wrapper: Option<&str>| {
            ran.set(ran.get() + 1);
            let extension = match kind {
                Some("bzip2") => "bz2",
                Some("xz") => "xz",
                _ => "gz",
            };
            let mut params = vec![format!("filename=bench-{}.tar.{extension}", ran.get())];
            params.extend(kind.map(|k| format!("compression.kind={k}")));
            run_action(&juju, app, "snapshot", &params, wrapper)
        };
        eprintln!("bench: action latency ({} runs per charm)", self.runs);
        let rust_runs = after_warm_up(self.runs, |_| snapshot("rust", None, None))?;
        let python_runs = after_warm_up(self.runs, |_| snapshot("python", None, None))?;
        rows.extend(ActionRun::rows(
            "action `snapshot` (demo data)",
            "`juju run` wall time",
            &rust_runs,
            &python_runs,
        ));

        eprintln!("bench: hook latency (config-changed)");
        let hook = |app: &str| after_warm_up(self.runs, |i| config_changed(&juju, app, i, None));
        rows.extend(ActionRun::rows(
            "hook `config-changed`",
            "`juju config` wall time",
            &hook("rust")?,
            &hook("python")?,
        ));

        eprintln!("bench: peak RSS of the charm processes");
        let probe = RssProbe::new(sh, &dir);
        let rss_runs = self.runs.min(5);
        rows.push(probe.row("hook `config-changed`", |app, wrapper| {
            (0..rss_runs).try_for_each(|i| config_changed(&juju, app, i, Some(wrapper)).map(drop))
        }));
        rows.push(probe.row("action `snapshot` (demo data)", |app, wrapper| {
            (0..rss_runs).try_for_each(|_| snapshot(app, None, Some(wrapper)).map(drop))
        }));

        eprintln!("bench: scale (params and result keys)");
        for keys in [1, 10, 100] {
            let params: Vec<String> = (1..=keys).map(|i| format!("p{i}=value-{i}")).collect();
            let runs = |app: &str| {
                after_warm_up(self.runs, |_| run_action(&juju, app, "echo", &params, None))
            };
            let (rust, python) = (runs("echo-rust")?, runs("echo-python")?);
            for run in rust.iter().chain(&python) {
                if run.result_keys != keys {
                    bail!(
                        "the echo charm returned {} results for {keys} params",
                        run.result_keys
                    );
                }
            }
            rows.push(Row {
                section: "scale",
                name: format!("`juju run` echo, {keys} param(s) and result key(s)"),
                rust: Ok(ActionRun::walls(&rust)),
                python: Ok(ActionRun::walls(&python)),
            });
        }

        if !self.quick {
            const SIZE: usize = 10 * 1024 * 1024;
            eprintln!("bench: snapshot of a 10 MiB data set per codec");
            for app in ["rust", "python"] {
                let data = juju.unit_dir(app).join("data/bench-10mib.csv");
                charms::write_data_set(&data, SIZE)?;
            }
            // The codec dominates here: a few runs, no warm-up.
            let codec_runs = self.runs.clamp(1, 3);
            for kind in ["gzip", "bzip2", "xz"] {
                let runs = |app: &str| {
                    (0..codec_runs)
                        .map(|_| snapshot(app, Some(kind), None))
                        .collect::<anyhow::Result<Vec<_>>>()
                };
                let (rust, python) = (runs("rust")?, runs("python")?);
                rows.push(Row {
                    section: "10 MiB data set (compression quality 5)",
                    name: format!("`juju run snapshot`, {kind}"),
                    rust: Ok(ActionRun::walls(&rust)),
                    python: Ok(ActionRun::walls(&python)),
                });
            }
            for app in ["rust", "python"] {
                let _ = fs::remove_file(juju.unit_dir(app).join("data/bench-10mib.csv"));
            }
        }

        eprintln!("bench: unit tests (harness vs ops.testing)");
        rows.extend(unit_tests(sh, &dir, self.runs.clamp(1, 5))?);

        // Group the rows by section, in the order the sections first appear.
        let sections: Vec<&str> = rows.iter().map(|r| r.section).collect();
        rows.sort_by_key(|r| sections.iter().position(|s| *s == r.section));
        let machine = machine(sh, &venv);
        let report = json!({
            "command": format!("cargo xtask bench --runs {}{}", self.runs, if self.quick { " --quick" } else { "" }),
            "machine": machine,
            "warm_up_runs": WARM_UP,
            "runs": self.runs,
            "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
        });
        let json_path = dir.join("bench.json");
        fs::write(&json_path, serde_json::to_string_pretty(&report)? + "\n")?;
        println!(
            "\n{} on {} ({} cores), {}; median [q1–q3] of {} runs after {WARM_UP} warm-up runs",
            machine["date"].as_str().unwrap_or("?"),
            machine["cpu"].as_str().unwrap_or("?"),
            machine["cores"],
            machine["os"].as_str().unwrap_or("?"),
            self.runs,
        );
        print!("{}", stats::table(&rows));
        println!(
            "\nwritten to {} in {:.0?}",
            json_path.display(),
            started.elapsed()
        );
        Ok(())
    }
}

fn time(f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let started = Instant::now();
    f()?;
    Ok(started.elapsed())
}

/// One `juju run` of the bench.
struct ActionRun {
    wall: Duration,
    process: Duration,
    tool_calls: u64,
    result_keys: usize,
}

impl ActionRun {
    /// The wall times of `runs`.
    fn walls(runs: &[ActionRun]) -> Figure {
        Figure::times(&runs.iter().map(|r| r.wall).collect::<Vec<_>>())
    }

    fn rows(
        section: &'static str,
        wall: &str,
        rust: &[ActionRun],
        python: &[ActionRun],
    ) -> Vec<Row> {
        let figure = |runs: &[ActionRun], f: fn(&ActionRun) -> Duration| {
            Ok(Figure::times(&runs.iter().map(f).collect::<Vec<_>>()))
        };
        let spawned = |runs: &[ActionRun]| {
            // The charm process itself, and one per hook-tool call.
            Ok(Figure::counts(
                &runs.iter().map(|r| 1 + r.tool_calls).collect::<Vec<_>>(),
            ))
        };
        vec![
            Row {
                section,
                name: wall.into(),
                rust: figure(rust, |r| r.wall),
                python: figure(python, |r| r.wall),
            },
            Row {
                section,
                name: "charm process (dispatch start to exit)".into(),
                rust: figure(rust, |r| r.process),
                python: figure(python, |r| r.process),
            },
            Row {
                section,
                name: "processes spawned (charm + hook tools)".into(),
                rust: spawned(rust),
                python: spawned(python),
            },
        ]
    }
}

/// The local Juju for the bench: a static (musl) release build, as Juju's own hook tools are
/// static Go binaries (a hook tool then starts in about half the time of a dynamically linked
/// one), with its state under `dir`.
fn start_local_juju(sh: &Shell, dir: &Path, target: &str) -> anyhow::Result<LocalJuju> {
    eprintln!("bench: building juju-local (release, {target})");
    let bin = juju_xtask::itest::build_juju_local(sh, &["--release", "--target", target])?;
    LocalJuju::fresh(bin, dir.join("juju-home"), "bench")
}

/// `juju run <app>/0 <action> <params>`, timed, with the charm process's figures from the task
/// record.
fn run_action(
    juju: &LocalJuju,
    app: &str,
    action: &str,
    params: &[String],
    wrapper: Option<&str>,
) -> anyhow::Result<ActionRun> {
    let started = Instant::now();
    let task = juju.run(app, action, params, wrapper)?;
    let wall = started.elapsed();
    let id = task["id"].as_str().context("the task has no id")?;
    let record = juju.task_record(id)?;
    Ok(ActionRun {
        wall,
        process: Duration::from_micros(record["process_micros"].as_u64().unwrap_or(0)),
        tool_calls: record["tool_calls"].as_u64().unwrap_or(0),
        result_keys: task["results"].as_object().map_or(0, |r| {
            r.keys()
                .filter(|k| !PROCESS_RESULT_KEYS.contains(&k.as_str()))
                .count()
        }),
    })
}

/// `juju config <app> data-dir=…`, alternating between two spellings of the same directory so
/// every call changes the value and fires `config-changed`; timed, with the hook's figures from
/// the unit record.
fn config_changed(
    juju: &LocalJuju,
    app: &str,
    i: usize,
    wrapper: Option<&str>,
) -> anyhow::Result<ActionRun> {
    let value = if i.is_multiple_of(2) {
        "data-dir=./../data"
    } else {
        "data-dir=../data"
    };
    let started = Instant::now();
    juju.ok(&["config", "-m", juju.model(), app, value], wrapper)?;
    let wall = started.elapsed();
    let unit = juju.unit_record(app)?;
    let hook = &unit["last_hook"];
    if hook["name"] != "config-changed" {
        bail!("`juju config` on {app} ran no config-changed hook (last hook: {hook})");
    }
    Ok(ActionRun {
        wall,
        process: Duration::from_micros(hook["process_micros"].as_u64().unwrap_or(0)),
        tool_calls: hook["tool_calls"].as_u64().unwrap_or(0),
        result_keys: 0,
    })
}

/// `WARM_UP + runs` calls of `f`, keeping the results of the last `runs`.
fn after_warm_up<T>(
    runs: usize,
    mut f: impl FnMut(usize) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let all = (0..WARM_UP + runs)
        .map(&mut f)
        .collect::<anyhow::Result<Vec<T>>>()?;
    Ok(all.into_iter().skip(WARM_UP).collect())
}

/// Peak RSS through GNU time as the local Juju's dispatch wrapper
/// (`JUJU_LOCAL_DISPATCH_WRAPPER`): `wait4`'s `ru_maxrss` of the charm process, which includes
/// the hook tools it waited for. (A wrapper in Python would not do: a child forked from a
/// Python process inherits its high-water mark.)
struct RssProbe {
    time: Result<PathBuf, String>,
    dir: PathBuf,
}

impl RssProbe {
    fn new(sh: &Shell, dir: &Path) -> RssProbe {
        let time = PathBuf::from("/usr/bin/time");
        let gnu = cmd!(sh, "{time} --version")
            .quiet()
            .ignore_status()
            .output()
            .is_ok_and(|o| {
                String::from_utf8_lossy(&o.stdout).contains("GNU")
                    || String::from_utf8_lossy(&o.stderr).contains("GNU")
            });
        RssProbe {
            time: if gnu {
                Ok(time)
            } else {
                Err("needs GNU time at /usr/bin/time (Debian/Ubuntu package `time`)".into())
            },
            dir: dir.join("rss"),
        }
    }

    /// Runs `runs(app, wrapper)` for both charms and reads the peaks.
    fn row(&self, section: &'static str, runs: impl Fn(&str, &str) -> anyhow::Result<()>) -> Row {
        let measure = |app: &str| -> Result<Figure, String> {
            let time = self.time.clone()?;
            fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
            let slug: String = section
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let out = self.dir.join(format!("{app}-{slug}.txt"));
            let _ = fs::remove_file(&out);
            let wrapper = format!("{} -a -o {} -f %M", time.display(), out.display());
            runs(app, &wrapper).map_err(|e| format!("{e:#}"))?;
            let kib: Vec<f64> = fs::read_to_string(&out)
                .map_err(|e| e.to_string())?
                .lines()
                .filter_map(|l| l.trim().parse::<f64>().ok())
                .collect();
            if kib.is_empty() {
                return Err("GNU time recorded nothing".into());
            }
            Ok(Figure::new(
                Unit::Bytes,
                kib.iter().map(|k| k * 1024.0).collect(),
            ))
        };
        Row {
            section,
            name: "peak RSS (charm process and its hook tools)".into(),
            rust: measure("rust"),
            python: measure("python"),
        }
    }
}

/// `cargo xtask pack` into an empty target dir (the xtask binary itself, so xtask's own build is
/// not counted); the dir is removed afterwards.
fn cold_pack(dir: &Path, platform: &str) -> Result<Duration, String> {
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
fn charmcraft_pack(sh: &Shell, dir: &Path) -> anyhow::Result<Figure> {
    const WRAPPER: &str = "import sys\nimport craft_application.services.lifecycle as lifecycle\nlifecycle.LifecycleService._validate_build_plan = lambda self: None\nfrom charmcraft.application.main import main\nsys.argv = ['charmcraft', *sys.argv[1:]]\nsys.exit(main())\n";
    if cmd!(sh, "/usr/bin/python3 -c 'import apt'")
        .quiet()
        .ignore_stderr()
        .run()
        .is_err()
    {
        bail!("needs the system python3 with python3-apt");
    }
    let bin =
        juju_xtask::oracle::system_venv(sh, "charmcraft-system", &["charmcraft"], &["pyOpenSSL"])?;
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

/// The example charm's unit tests (harness) against the same cases in `ops.testing`: run time
/// of the test processes only; the Rust test build is reported on its own line.
fn unit_tests(sh: &Shell, dir: &Path, runs: usize) -> anyhow::Result<Vec<Row>> {
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

    let bin = juju_xtask::oracle::venv(sh, "ops-testing", &["ops[testing]", "pydantic", "pytest"])?;
    let python = bin.join("python");
    let charm = charms::source("snapshot-py")?;
    let pycache = dir.join("pycache");
    let _dir = sh.push_dir(&charm);
    let python_runs: Vec<Duration> = (0..runs)
        .map(|_| {
            time(|| {
                cmd!(sh, "{python} -m pytest -q -p no:cacheprovider tests")
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

/// Date, machine and versions, for the report.
fn machine(sh: &Shell, venv: &Path) -> Value {
    let read = |c: xshell::Cmd<'_>| c.quiet().ignore_stderr().read().unwrap_or_default();
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let os = fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_default();
    let venv_s = venv.display().to_string();
    json!({
        "date": read(cmd!(sh, "date -u +%Y-%m-%dT%H:%MZ")),
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map_or(0, usize::from),
        "os": os,
        "kernel": fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim(),
        "rustc": read(cmd!(sh, "rustc --version")),
        "python": read(cmd!(sh, "python3 --version")),
        "ops": read(cmd!(sh, "python3 -c 'import ops; print(ops.__version__)'").env("PYTHONPATH", &venv_s)),
        "pydantic": read(cmd!(sh, "python3 -c 'import pydantic; print(pydantic.VERSION)'").env("PYTHONPATH", &venv_s)),
    })
}
