//! A built `juju-local` with its own state directory and one model, as `bench` and `soak` drive
//! it: every command through the Juju client (`juju-client`, as a charm's tests use it), and the
//! figures the local Juju records for benchmarks (a task's or a unit's last hook's process time
//! and tool calls) through its typed `records` API.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use juju::{Juju, RemoveRelationOptions, Task};
use juju_local::records::{self, TaskRecord, UnitRecord};
use serde_json::Value;

/// The environment variable naming a wrapper the local Juju runs `dispatch` through.
const DISPATCH_WRAPPER: &str = "JUJU_LOCAL_DISPATCH_WRAPPER";

#[derive(Debug, Clone)]
pub struct LocalJuju {
    juju: Juju,
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
        let juju = Juju::new(bin).with_env("JUJU_LOCAL_HOME", home.display().to_string());
        juju.add_model(model)?;
        Ok(LocalJuju {
            juju: juju.with_model(model),
            home,
            model: model.to_owned(),
        })
    }

    /// Puts `dir` first on the `PATH` the local Juju (and so every charm process) gets.
    pub fn with_path_first(mut self, dir: &Path) -> LocalJuju {
        let mut paths = vec![dir.to_path_buf()];
        if let Some(path) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&path));
        }
        if let Ok(path) = std::env::join_paths(paths) {
            self.juju = self
                .juju
                .with_env("PATH", path.to_string_lossy().into_owned());
        }
        self
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The client, running `dispatch` through `wrapper` when given.
    fn client(&self, wrapper: Option<&str>) -> Juju {
        match wrapper {
            Some(w) => self.juju.clone().with_env(DISPATCH_WRAPPER, w),
            None => self.juju.clone(),
        }
    }

    pub fn deploy(&self, charm: &Path, app: &str) -> anyhow::Result<()> {
        self.juju.deploy(charm, Some(app), &Default::default())?;
        Ok(())
    }

    /// `juju run <app>/0 <action>` with `params`: the task, which must have completed.
    pub fn run(
        &self,
        app: &str,
        action: &str,
        params: &Value,
        wrapper: Option<&str>,
    ) -> anyhow::Result<Task> {
        let unit = format!("{app}/0");
        let task = self
            .client(wrapper)
            .run(&unit, action, params)
            .with_context(|| format!("the {action} action on {unit} did not complete"))?;
        Ok(task)
    }

    /// `juju config <app> key=value`.
    pub fn config(
        &self,
        app: &str,
        key: &str,
        value: &str,
        wrapper: Option<&str>,
    ) -> anyhow::Result<()> {
        self.client(wrapper).set_config(app, &[(key, value)])?;
        Ok(())
    }

    /// `juju integrate <app1> <app2>`; the hooks it starts have run when it returns.
    pub fn integrate(&self, app1: &str, app2: &str) -> anyhow::Result<()> {
        self.juju.integrate(app1, app2)?;
        Ok(())
    }

    /// `juju remove-relation <app1> <app2>`; the units have left the relation when it returns.
    pub fn remove_relation(&self, app1: &str, app2: &str) -> anyhow::Result<()> {
        self.juju
            .remove_relation(app1, app2, &RemoveRelationOptions::default())?;
        Ok(())
    }

    /// The workload status message of unit `<app>/0`, as `juju status` shows it.
    pub fn workload_message(&self, app: &str) -> anyhow::Result<String> {
        let unit = format!("{app}/0");
        let status = self.juju.status()?;
        status
            .applications
            .get(app)
            .and_then(|a| a.units.get(&unit))
            .map(|u| u.workload_status.message.clone())
            .with_context(|| format!("`juju status` shows no {unit}"))
    }

    /// Where unit `<app>/0`'s instance of the charm's storage `name` is, as `juju storage`
    /// shows it.
    pub fn storage_location(&self, app: &str, name: &str) -> anyhow::Result<PathBuf> {
        let unit = format!("{app}/0");
        let storage = self.juju.storage()?;
        storage
            .storage
            .iter()
            .filter(|(id, _)| id.split_once('/').is_some_and(|(store, _)| store == name))
            .find_map(|(_, instance)| instance.location_on(&unit))
            .filter(|location| !location.is_empty())
            .map(PathBuf::from)
            .with_context(|| format!("{unit} has no {name} storage attached"))
    }

    /// The directory of unit `<app>/0`: the parent of its charm directory, where `juju exec`
    /// runs.
    pub fn unit_dir(&self, app: &str) -> anyhow::Result<PathBuf> {
        let task = self.juju.exec(format!("{app}/0"), ["pwd"])?;
        let charm_dir = PathBuf::from(task.stdout.trim());
        charm_dir
            .parent()
            .map(Path::to_path_buf)
            .with_context(|| format!("{app}/0 runs in {}", charm_dir.display()))
    }

    /// A task's record (with the charm process's time and tool calls).
    pub fn task_record(&self, id: &str) -> anyhow::Result<TaskRecord> {
        Ok(records::task(&self.home, &self.model, id)?)
    }

    /// Unit `<app>/0`'s record (with its last hook).
    pub fn unit_record(&self, app: &str) -> anyhow::Result<UnitRecord> {
        Ok(records::unit(&self.home, &self.model, &format!("{app}/0"))?)
    }
}
