//! `cargo xtask soak`: the load half of the reliability checks, too slow for the default test
//! command. On the built-in local Juju it deploys the packed charm, then
//!
//! - runs `--concurrent` `juju run snapshot` calls at once against one unit: all complete, each
//!   with its own id, each with the results of its own params (that they never overlap is
//!   checked by `crates/juju-local`'s tests, with a trace the test charm writes);
//! - runs `--actions` `juju run snapshot` calls one after another: all complete, the state grows
//!   only by the task records (and the unit log and the charm's own snapshots), and no process,
//!   socket or temporary file is left behind.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, ensure};
use xshell::Shell;

use crate::local_juju::LocalJuju;
use juju_xtask::pack::Pack;
use juju_xtask::project::project;

#[derive(Debug, clap::Args)]
pub struct Soak {
    /// Sequential actions to run.
    #[arg(long, default_value_t = 1000)]
    pub actions: usize,
    /// Actions to start at once against one unit.
    #[arg(long, default_value_t = 50)]
    pub concurrent: usize,
}

impl Soak {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let started = Instant::now();
        let bin = juju_xtask::itest::build_juju_local(sh, &[])?;
        let charm = Pack {
            platform: Some(juju_xtask::itest::host_platform()?),
            analyse: false,
        }
        .pack(sh)?
        .into_iter()
        .next()
        .context("pack wrote no charm")?;
        let home = project()?.target_dir.join("soak");
        let juju = LocalJuju::fresh(bin, home, "soak")?;
        juju.deploy(&charm, "app")?;
        let sockets_before = agent_sockets()?;

        // Concurrent.
        let step = Instant::now();
        let handles: Vec<_> = (0..self.concurrent)
            .map(|i| {
                let juju = juju.clone();
                std::thread::spawn(move || snapshot(&juju, &format!("concurrent-{i}.tar.gz")))
            })
            .collect();
        let mut ids = BTreeSet::new();
        for handle in handles {
            let id = handle
                .join()
                .map_err(|_| anyhow::anyhow!("a concurrent run panicked"))??;
            ensure!(ids.insert(id.clone()), "task id {id} given twice");
        }
        println!(
            "soak: {} concurrent runs on one unit: all completed, {} distinct ids, each with its own results ({:.1?})",
            self.concurrent,
            ids.len(),
            step.elapsed()
        );

        // Sequential.
        let before = Usage::of(juju.home())?;
        let step = Instant::now();
        for i in 0..self.actions {
            snapshot(&juju, &format!("sequential-{i}.tar.gz"))
                .with_context(|| format!("sequential run {i}"))?;
        }
        let elapsed = step.elapsed();
        let after = Usage::of(juju.home())?;
        let other_growth = after.other as i64 - before.other as i64;
        let per_task = (after.tasks - before.tasks) / self.actions.max(1) as u64;
        println!(
            "soak: {} sequential runs in {elapsed:.1?} ({:.1?} each): task records +{} bytes ({per_task} per task), unit log +{} bytes, snapshots +{} bytes, everything else {other_growth:+} bytes",
            self.actions,
            elapsed / self.actions.max(1) as u32,
            after.tasks - before.tasks,
            after.log - before.log,
            after.snapshots - before.snapshots,
        );
        // The model's next-task counter gains digits; nothing else may grow.
        ensure!(
            other_growth <= 64,
            "state outside task records grew by {other_growth} bytes"
        );
        ensure!(
            after.temporary.is_empty(),
            "temporary files left behind: {:?}",
            after.temporary
        );
        let leaked = leaked_processes(juju.home())?;
        ensure!(leaked.is_empty(), "processes left running: {leaked:?}");
        let sockets_after = agent_sockets()?;
        let new_sockets: Vec<_> = sockets_after.difference(&sockets_before).collect();
        ensure!(
            new_sockets.is_empty(),
            "agent sockets left behind: {new_sockets:?}"
        );
        println!("soak: no leaked processes, sockets or temporary files");
        println!("soak: passed in {:.1?}", started.elapsed());
        Ok(())
    }
}

/// Runs the snapshot action; it must complete with the results of its own params. Returns the
/// task id.
fn snapshot(juju: &LocalJuju, filename: &str) -> anyhow::Result<String> {
    let task = juju.run(
        "app",
        "snapshot",
        &serde_json::json!({ "filename": filename }),
        None,
    )?;
    let expected = format!("Stored snapshot in {filename}.");
    ensure!(
        task.results.get("result") == Some(&expected.as_str().into()),
        "results of another task: {:?}",
        task.results
    );
    Ok(task.id)
}

/// Bytes under the home, split by what they are.
#[derive(Default)]
struct Usage {
    tasks: u64,
    log: u64,
    snapshots: u64,
    other: u64,
    temporary: Vec<PathBuf>,
}

impl Usage {
    fn of(home: &Path) -> anyhow::Result<Usage> {
        let mut usage = Usage::default();
        usage.walk(home)?;
        Ok(usage)
    }

    fn walk(&mut self, dir: &Path) -> anyhow::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let meta = fs::symlink_metadata(&path)?;
            if meta.is_dir() {
                self.walk(&path)?;
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") || name.starts_with("backup-") {
                self.temporary.push(path.clone());
            }
            let parent = path
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bucket = match (parent.as_str(), name.as_str()) {
                ("tasks", _) => &mut self.tasks,
                ("snapshots", _) => &mut self.snapshots,
                (_, "log") => &mut self.log,
                _ => &mut self.other,
            };
            *bucket += meta.len();
        }
        Ok(())
    }
}

/// Processes still running from the soak's home (charm processes) or named like hook tools.
fn leaked_processes(home: &Path) -> anyhow::Result<Vec<String>> {
    let home = home.display().to_string();
    let mut leaked = Vec::new();
    for entry in fs::read_dir("/proc")? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(&home) {
            leaked.push(format!("{name}: {cmdline}"));
        }
    }
    Ok(leaked)
}

/// The local Juju's agent sockets in the temp dir.
fn agent_sockets() -> anyhow::Result<BTreeSet<String>> {
    Ok(fs::read_dir(std::env::temp_dir())?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("juju-local-") && n.ends_with(".sock"))
        .collect())
}
