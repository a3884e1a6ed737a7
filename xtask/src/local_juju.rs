//! A built `juju-local` with its own state directory and one model, as `bench` and `soak` drive
//! it: commands run directly (no shell), failures carry the CLI's stderr, and the records the
//! local Juju keeps for benchmarks (task and hook timings) are read from its state files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct LocalJuju {
    bin: PathBuf,
    home: PathBuf,
    model: String,
}

impl LocalJuju {
    /// Starts from an empty `home` and adds `model`.
    pub fn fresh(bin: PathBuf, home: PathBuf, model: &str) -> anyhow::Result<LocalJuju> {
        if home.exists() {
            fs::remove_dir_all(&home)
                .with_context(|| format!("cannot clear {}", home.display()))?;
        }
        let juju = LocalJuju {
            bin,
            home,
            model: model.to_owned(),
        };
        juju.ok(&["add-model", "--no-switch", model], None)?;
        Ok(juju)
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Runs a command; `wrapper` is the dispatch wrapper for the charm processes it starts
    /// (`JUJU_LOCAL_DISPATCH_WRAPPER`). Fails with the CLI's output when it exits non-zero.
    pub fn ok(&self, args: &[&str], wrapper: Option<&str>) -> anyhow::Result<String> {
        let mut command = Command::new(&self.bin);
        command.args(args).env("JUJU_LOCAL_HOME", &self.home);
        match wrapper {
            Some(w) => command.env("JUJU_LOCAL_DISPATCH_WRAPPER", w),
            None => command.env_remove("JUJU_LOCAL_DISPATCH_WRAPPER"),
        };
        let out = command
            .output()
            .with_context(|| format!("cannot run {}", self.bin.display()))?;
        if !out.status.success() {
            bail!(
                "`juju {}` failed: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn deploy(&self, charm: &Path, app: &str) -> anyhow::Result<()> {
        let charm = charm.display().to_string();
        self.ok(&["deploy", "-m", &self.model, &charm, app], None)?;
        Ok(())
    }

    /// `juju run <app>/0 <action> <params> --format json`: the unit's task, which must have
    /// completed.
    pub fn run(
        &self,
        app: &str,
        action: &str,
        params: &[String],
        wrapper: Option<&str>,
    ) -> anyhow::Result<Value> {
        let unit = format!("{app}/0");
        let mut args = vec!["run", "-m", &self.model, "--format", "json", &unit, action];
        args.extend(params.iter().map(String::as_str));
        let stdout = self.ok(&args, wrapper)?;
        let mut json: Value = serde_json::from_str(&stdout)
            .with_context(|| format!("`juju run` printed no JSON: {stdout}"))?;
        let task = json[&unit].take();
        if task["status"] != "completed" {
            bail!("the {action} action on {unit} did not complete: {task}");
        }
        Ok(task)
    }

    /// The directory of unit `<app>/0`.
    pub fn unit_dir(&self, app: &str) -> PathBuf {
        self.model_dir().join("apps").join(app).join("0")
    }

    /// A task's record as the local Juju stores it (with `process_micros` and `tool_calls`).
    pub fn task_record(&self, id: &str) -> anyhow::Result<Value> {
        read_json(&self.model_dir().join("tasks").join(format!("{id}.json")))
    }

    /// Unit `<app>/0`'s record (with `last_hook`).
    pub fn unit_record(&self, app: &str) -> anyhow::Result<Value> {
        read_json(&self.unit_dir(app).join("unit.json"))
    }

    fn model_dir(&self) -> PathBuf {
        self.home.join("models").join(&self.model)
    }
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}
