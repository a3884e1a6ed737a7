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
//!
//! The relation section relates both twins to one database, the integration tests' PostgreSQL
//! stand-in (a Python `ops` charm, the same for both sides): `juju integrate` with it, timed
//! until both ends' hooks have run and the twin has written `.pgpass` (then `remove-relation`,
//! untimed); and, with both related, the stand-in's `rotate-password` action, which makes a new
//! revision of each twin's user secret, so each twin runs `secret-changed` (read the secret,
//! rewrite `.pgpass`), whose charm process and hook-tool calls the local Juju records as the
//! unit's last hook.

mod baselines;
mod charms;
mod relation;
mod rss;
mod stats;

use baselines::{charmcraft_pack, cold_pack, unit_tests};

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use xshell::{Shell, cmd};

use crate::local_juju::LocalJuju;
use juju_xtask::itest::host_arch;
use juju_xtask::pack::Pack;
use juju_xtask::project::project;
use relation::DATABASE;
use rss::RssProbe;
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

        let rust_charm = self.pack_section(sh, &dir, &mut rows)?;
        eprintln!("bench: building the Python charms and the echo charms");
        let venv = charms::charm_venv(sh, &dir)?;
        let charms = Charms::build(sh, &dir, &venv, rust_charm)?;
        rows.push(Row {
            section: "size",
            name: ".charm file".into(),
            rust: Ok(Figure::bytes(fs::metadata(&charms.rust)?.len())),
            python: Ok(Figure::bytes(fs::metadata(&charms.python)?.len())),
        });

        let juju = charms.deploy(sh, &dir)?;
        let snapshots = Snapshots {
            juju: &juju,
            ran: std::cell::Cell::new(0),
        };
        self.latency_section(&juju, &snapshots, &mut rows)?;
        self.rss_section(sh, &dir, &juju, &snapshots, &mut rows);
        self.scale_section(&juju, &mut rows)?;
        self.relation_section(&juju, &mut rows)?;
        if !self.quick {
            self.data_set_section(&juju, &snapshots, &mut rows)?;
        }
        eprintln!("bench: unit tests (harness vs ops.testing)");
        rows.extend(unit_tests(sh, &dir, self.runs.clamp(1, 5))?);
        self.report(sh, &dir, &venv, rows, started)
    }

    /// Packing: the warm re-pack against charmcraft's, and the cold build. Returns the charm.
    fn pack_section(&self, sh: &Shell, dir: &Path, rows: &mut Vec<Row>) -> anyhow::Result<PathBuf> {
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
            cold_pack(dir, &platform).map(|d| Figure::times(&[d]))
        };
        let charmcraft = if self.quick {
            Err("skipped (--quick)".to_owned())
        } else {
            charmcraft_pack(sh, dir).map_err(|e| format!("{e:#}"))
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
        Ok(rust_charm)
    }

    /// Action and hook latency, Rust against Python.
    fn latency_section(
        &self,
        juju: &LocalJuju,
        snapshots: &Snapshots<'_>,
        rows: &mut Vec<Row>,
    ) -> anyhow::Result<()> {
        eprintln!("bench: action latency ({} runs per charm)", self.runs);
        let rust_runs = after_warm_up(self.runs, |_| snapshots.run("rust", None, None))?;
        let python_runs = after_warm_up(self.runs, |_| snapshots.run("python", None, None))?;
        rows.extend(ActionRun::rows(
            "action `snapshot` (demo data)",
            "`juju run` wall time",
            &rust_runs,
            &python_runs,
        ));
        eprintln!("bench: hook latency (config-changed)");
        let hook = |app: &str| after_warm_up(self.runs, |i| config_changed(juju, app, i, None));
        rows.extend(ActionRun::rows(
            "hook `config-changed`",
            "`juju config` wall time",
            &hook("rust")?,
            &hook("python")?,
        ));
        Ok(())
    }

    /// Peak RSS of the charm processes, through GNU time as the dispatch wrapper.
    fn rss_section(
        &self,
        sh: &Shell,
        dir: &Path,
        juju: &LocalJuju,
        snapshots: &Snapshots<'_>,
        rows: &mut Vec<Row>,
    ) {
        eprintln!("bench: peak RSS of the charm processes");
        let probe = RssProbe::new(sh, dir);
        let rss_runs = self.runs.min(5);
        rows.push(probe.row("hook `config-changed`", |app, wrapper| {
            (0..rss_runs).try_for_each(|i| config_changed(juju, app, i, Some(wrapper)).map(drop))
        }));
        rows.push(probe.row("action `snapshot` (demo data)", |app, wrapper| {
            (0..rss_runs).try_for_each(|_| snapshots.run(app, None, Some(wrapper)).map(drop))
        }));
    }

    /// The echo charms with 1, 10 and 100 params and result keys.
    fn scale_section(&self, juju: &LocalJuju, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        eprintln!("bench: scale (params and result keys)");
        for keys in [1, 10, 100] {
            let params: Value = (1..=keys)
                .map(|i| (format!("p{i}"), Value::from(format!("value-{i}"))))
                .collect::<serde_json::Map<_, _>>()
                .into();
            let runs = |app: &str| {
                after_warm_up(self.runs, |_| run_action(juju, app, "echo", &params, None))
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
        Ok(())
    }

    /// A snapshot of a 10 MiB table with each codec: the compression itself dominates.
    fn data_set_section(
        &self,
        juju: &LocalJuju,
        snapshots: &Snapshots<'_>,
        rows: &mut Vec<Row>,
    ) -> anyhow::Result<()> {
        const SIZE: usize = 10 * 1024 * 1024;
        eprintln!("bench: snapshot of a 10 MiB data set per codec");
        // Into the data storage, which both charms archive.
        let data_sets = ["rust", "python"]
            .into_iter()
            .map(|app| Ok(juju.storage_location(app, "data")?.join("bench-10mib.csv")))
            .collect::<anyhow::Result<Vec<PathBuf>>>()?;
        for data in &data_sets {
            charms::write_data_set(data, SIZE)?;
        }
        // A few runs, no warm-up.
        let codec_runs = self.runs.clamp(1, 3);
        for kind in ["gzip", "bzip2", "xz"] {
            let runs = |app: &str| {
                (0..codec_runs)
                    .map(|_| snapshots.run(app, Some(kind), None))
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
        for data in &data_sets {
            let _ = fs::remove_file(data);
        }
        Ok(())
    }

    /// Prints the table and writes `bench.json` with the machine's details.
    fn report(
        &self,
        sh: &Shell,
        dir: &Path,
        venv: &Path,
        mut rows: Vec<Row>,
        started: Instant,
    ) -> anyhow::Result<()> {
        // Group the rows by section, in the order the sections first appear.
        let sections: Vec<&str> = rows.iter().map(|r| r.section).collect();
        rows.sort_by_key(|r| sections.iter().position(|s| *s == r.section));
        let machine = machine(sh, venv);
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

/// The five charms the bench deploys.
struct Charms {
    rust: PathBuf,
    python: PathBuf,
    echo_rust: PathBuf,
    echo_python: PathBuf,
    /// The database of the relation section.
    stand_in: PathBuf,
}

impl Charms {
    /// Packs the Python charms with `venv`, and the Rust echo charm; `rust` is already packed.
    fn build(sh: &Shell, dir: &Path, venv: &Path, rust: PathBuf) -> anyhow::Result<Charms> {
        let python = dir.join("snapshot-py.charm");
        charms::pack_python(&charms::source("snapshot-py")?, venv, &[], &python)?;
        let echo_python = dir.join("echo-py.charm");
        charms::pack_python(
            &charms::source("echo-py")?,
            venv,
            &[("actions.yaml", charms::echo_actions_yaml())],
            &echo_python,
        )?;
        let echo_rust = dir.join("echo-rust.charm");
        charms::pack_rust_echo(sh, static_target()?, &echo_rust)?;
        let stand_in = dir.join("postgresql-stand-in.charm");
        charms::pack_python(
            &charms::test_charm_source("postgresql-stand-in")?,
            venv,
            &[],
            &stand_in,
        )?;
        Ok(Charms {
            rust,
            python,
            echo_rust,
            echo_python,
            stand_in,
        })
    }

    /// Starts the local Juju and deploys the five charms as `rust`, `python`, `echo-rust`,
    /// `echo-python` and [`DATABASE`]; checks that both twins wrote their demo data into their
    /// `data` storage.
    fn deploy(&self, sh: &Shell, dir: &Path) -> anyhow::Result<LocalJuju> {
        let juju = start_local_juju(sh, dir, static_target()?)?;
        eprintln!("bench: deploying the charms to the local Juju");
        juju.deploy(&self.rust, "rust")?;
        juju.deploy(&self.python, "python")?;
        juju.deploy(&self.echo_rust, "echo-rust")?;
        juju.deploy(&self.echo_python, "echo-python")?;
        juju.deploy(&self.stand_in, DATABASE)?;
        for app in ["rust", "python"] {
            let data = juju.storage_location(app, "data")?;
            if !data.join("users.csv").is_file() {
                bail!(
                    "{app}/0 did not write its demo data into its data storage {}",
                    data.display()
                );
            }
        }
        Ok(juju)
    }
}

/// The Rust target of static builds on this machine.
fn static_target() -> anyhow::Result<&'static str> {
    juju_xtask::pack::rust_target(&host_arch()?)
}

/// Runs `snapshot` with file names unique across the whole bench.
struct Snapshots<'a> {
    juju: &'a LocalJuju,
    ran: std::cell::Cell<usize>,
}

impl Snapshots<'_> {
    /// `kind` is the compression param (gzip, the default, when absent); `wrapper` wraps
    /// dispatch (the RSS probe).
    fn run(
        &self,
        app: &str,
        kind: Option<&str>,
        wrapper: Option<&str>,
    ) -> anyhow::Result<ActionRun> {
        self.ran.set(self.ran.get() + 1);
        let extension = match kind {
            Some("bzip2") => "bz2",
            Some("xz") => "xz",
            _ => "gz",
        };
        let mut params = json!({"filename": format!("bench-{}.tar.{extension}", self.ran.get())});
        if let Some(kind) = kind {
            params["compression"] = json!({"kind": kind});
        }
        run_action(self.juju, app, "snapshot", &params, wrapper)
    }
}

pub(crate) fn time(f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
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
    let juju = LocalJuju::fresh(bin, dir.join("juju-home"), "bench")?;
    Ok(match interpreter_dir(sh) {
        Some(dir) => juju.with_path_first(&dir),
        None => juju,
    })
}

/// The directory of the real `python3` (`sys.executable`, links resolved), which the Python
/// charms' `#!/usr/bin/env python3` should find first, as it finds `/usr/bin/python3` on a
/// Juju machine: a version manager's `python3` on `PATH` (pyenv's shim is a shell script that
/// starts several processes) would add its own start-up to every Python charm process.
fn interpreter_dir(sh: &Shell) -> Option<PathBuf> {
    let exe = cmd!(
        sh,
        "python3 -c 'import os, sys; print(os.path.realpath(sys.executable))'"
    )
    .quiet()
    .read()
    .ok()?;
    let dir = Path::new(exe.trim()).parent()?.to_path_buf();
    dir.join("python3").is_file().then_some(dir)
}

/// `juju run <app>/0 <action> <params>`, timed, with the charm process's figures from the task
/// record.
fn run_action(
    juju: &LocalJuju,
    app: &str,
    action: &str,
    params: &Value,
    wrapper: Option<&str>,
) -> anyhow::Result<ActionRun> {
    let started = Instant::now();
    let task = juju.run(app, action, params, wrapper)?;
    let wall = started.elapsed();
    let record = juju.task_record(&task.id)?;
    Ok(ActionRun {
        wall,
        process: Duration::from_micros(record.process_micros()),
        tool_calls: record.tool_calls(),
        result_keys: task
            .results
            .keys()
            .filter(|k| !PROCESS_RESULT_KEYS.contains(&k.as_str()))
            .count(),
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
        "./../data"
    } else {
        "../data"
    };
    let started = Instant::now();
    juju.config(app, "data-dir", value, wrapper)?;
    let wall = started.elapsed();
    let unit = juju.unit_record(app)?;
    let hook = unit
        .last_hook()
        .filter(|hook| hook.name() == "config-changed")
        .with_context(|| format!("`juju config` on {app} ran no config-changed hook"))?;
    Ok(ActionRun {
        wall,
        process: Duration::from_micros(hook.process_micros()),
        tool_calls: hook.tool_calls(),
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
