//! The local Juju's state on disk: a controller file, and per model the model, application,
//! unit and task records as JSON files. Every write goes to a temporary file and is renamed into
//! place, so a command killed at any point leaves readable state. Locks are `flock`s on files;
//! times print as Go prints them. The unit and task records are also, read-only, the public
//! types of [`crate::records`].
//!
//! ```text
//! $JUJU_LOCAL_HOME/controller.json                       current model
//! $JUJU_LOCAL_HOME/models/<model>/model.json             name, uuid, next task id
//! $JUJU_LOCAL_HOME/models/<model>/model.lock             serialises id allocation and app changes
//! $JUJU_LOCAL_HOME/models/<model>/relations.json         the relations (and the next relation id)
//! $JUJU_LOCAL_HOME/models/<model>/hooks.lock             held by whoever runs hooks across units
//! $JUJU_LOCAL_HOME/models/<model>/tasks/<id>.json        actions and exec results
//! $JUJU_LOCAL_HOME/models/<model>/apps/<app>/app.json    charm, revision, config, leader settings,
//!                                                        the application's relation databags
//! $JUJU_LOCAL_HOME/models/<model>/apps/<app>/charm/      the unpacked charm new units start from
//! $JUJU_LOCAL_HOME/models/<model>/apps/<app>/<n>/        one unit: unit.json (with its relation
//!                                                        databags and view, storage and ports),
//!                                                        unit.lock, log, charm/, and its storage
//!                                                        instances in storage/ and root/
//! ```
//!
//! Lock order: `hooks.lock`, then a unit's `unit.lock`, then `model.lock`; nobody takes a lock
//! earlier in that order while holding a later one.
//!
//! Here the layout ([`Home`], [`Model`]: where each record lives, reading and saving it);
//! `records.rs` the record types, `io.rs` JSON files, atomic writes, locks and log lines, and
//! `clock.rs` the time and ids.

mod clock;
mod io;
mod records;

use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use clock::{go_time, now, now_string, rfc3339, unique_hex, utc, uuid};
pub use io::{append_log, lock, read_json, write_atomic, write_json};
pub use records::{
    AppRecord, HookRun, ModelRecord, Relation, RelationEndpoint, Relations, Status, TaskRecord,
    UnitRecord, UnitRelation,
};

use crate::error::{Result, run_error};

/// The version this local Juju reports (the Juju release whose behaviour it follows).
pub const JUJU_VERSION: &str = "3.6.7";
/// The controller name `controllers`/`show-controller` report.
pub const CONTROLLER: &str = "juju-local";
/// The one user of the local controller, who owns every model (Juju's default admin user).
pub const USER: &str = "admin";

/// Splits a model reference `[controller:][user/]model` into its parts, as the Juju client
/// does (`controller:` first, then `user/`).
pub fn parse_model_ref(reference: &str) -> (Option<&str>, Option<&str>, &str) {
    let (controller, rest) = match reference.split_once(':') {
        Some((c, rest)) => (Some(c), rest),
        None => (None, reference),
    };
    let (user, model) = match rest.split_once('/') {
        Some((u, m)) => (Some(u), m),
        None => (None, rest),
    };
    (controller, user, model)
}

/// The root of the local Juju's state.
#[derive(Debug, Clone)]
pub struct Home {
    pub root: PathBuf,
}

impl Home {
    /// `$JUJU_LOCAL_HOME`, else `$XDG_DATA_HOME/juju-local`, else `~/.local/share/juju-local`.
    pub fn from_env() -> Home {
        let root = std::env::var_os("JUJU_LOCAL_HOME")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_DATA_HOME").map(|d| PathBuf::from(d).join("juju-local"))
            })
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/juju-local"))
            })
            .unwrap_or_else(|| std::env::temp_dir().join("juju-local"));
        Home { root }
    }

    pub fn models_dir(&self) -> PathBuf {
        self.root.join("models")
    }

    pub fn model_dir(&self, model: &str) -> PathBuf {
        self.models_dir().join(model)
    }

    pub fn current_model(&self) -> Option<String> {
        self.controller()
            .current_model
            .filter(|m| self.model_dir(m).join("model.json").exists())
    }

    fn controller(&self) -> Controller {
        read_json(&self.root.join("controller.json")).unwrap_or_default()
    }

    pub fn set_current_model(&self, model: Option<&str>) -> Result<()> {
        fs::create_dir_all(&self.root)?;
        let _lock = lock(&self.root.join("controller.lock"))?;
        let mut controller = self.controller();
        controller.current_model = model.map(str::to_owned);
        write_json(&self.root.join("controller.json"), &controller)
    }

    /// The controller's UUID, made (and kept) the first time it is asked for.
    pub fn controller_uuid(&self) -> Result<String> {
        if let Some(uuid) = self.controller().uuid {
            return Ok(uuid);
        }
        fs::create_dir_all(&self.root)?;
        let _lock = lock(&self.root.join("controller.lock"))?;
        let mut controller = self.controller();
        if let Some(uuid) = &controller.uuid {
            return Ok(uuid.clone());
        }
        let uuid = self::uuid();
        controller.uuid = Some(uuid.clone());
        write_json(&self.root.join("controller.json"), &controller)?;
        Ok(uuid)
    }

    /// The model named by `-m` (`[controller:][user/]model`, as Juju takes it: the controller
    /// must be the local one and the user `admin`), else the current one.
    pub fn resolve_model(&self, flag: Option<&str>) -> Result<Model> {
        let name = match flag {
            Some(reference) => {
                let (controller, user, name) = parse_model_ref(reference);
                if let Some(controller) = controller.filter(|c| *c != CONTROLLER) {
                    return Err(run_error(format!("controller {controller} not found")));
                }
                if user.is_some_and(|u| u != USER) || name.is_empty() {
                    let shown = reference.rsplit(':').next().unwrap_or(reference);
                    return Err(run_error(format!("model \"{shown}\" not found")));
                }
                name.to_owned()
            }
            None => self
                .current_model()
                .ok_or_else(|| run_error("no current model; use --model or add-model"))?,
        };
        let dir = self.model_dir(&name);
        if name.starts_with('.') || !dir.join("model.json").exists() {
            return Err(run_error(format!("model \"{name}\" not found")));
        }
        Ok(Model { name, dir })
    }

    pub fn model_names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.models_dir())
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().join("model.json").exists())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Controller {
    current_model: Option<String>,
    /// Made on first use; records from before it existed have none until then.
    #[serde(default)]
    uuid: Option<String>,
}

/// A model directory.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub dir: PathBuf,
}

impl Model {
    pub fn record(&self) -> Result<ModelRecord> {
        read_json(&self.dir.join("model.json"))
    }

    /// Holds the model lock while `f` runs.
    pub fn locked<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let _lock = lock(&self.dir.join("model.lock"))?;
        f()
    }

    /// Allocates the next task id.
    pub fn next_id(&self) -> Result<u64> {
        self.locked(|| {
            let mut record = self.record()?;
            record.next_id += 1;
            write_json(&self.dir.join("model.json"), &record)?;
            Ok(record.next_id)
        })
    }

    /// Holds the hooks lock while `f` runs: whoever runs hooks on several units (a command and
    /// the hooks that follow from it, or a task's worker settling what its task changed) holds
    /// it, so hooks across units run in one deterministic order. Taken before any unit lock.
    pub fn hooks_locked<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let _lock = lock(&self.dir.join("hooks.lock"))?;
        f()
    }

    /// The model's relations (none before the first `integrate` or peer relation).
    pub fn relations(&self) -> Result<Relations> {
        let path = self.dir.join("relations.json");
        if !path.exists() {
            return Ok(Relations::default());
        }
        read_json(&path)
    }

    /// Saves the relations (the caller holds the model lock).
    pub fn save_relations(&self, relations: &Relations) -> Result<()> {
        write_json(&self.dir.join("relations.json"), relations)
    }

    pub fn app_dir(&self, app: &str) -> PathBuf {
        self.dir.join("apps").join(app)
    }

    /// The application's copy of its charm, which units added later start from; before it was
    /// kept, the first unit's.
    pub fn app_charm_dir(&self, app: &AppRecord) -> PathBuf {
        let kept = self.app_dir(&app.name).join("charm");
        match app.units.first() {
            Some(n) if !kept.exists() => self.unit_dir(&app.name, *n).join("charm"),
            _ => kept,
        }
    }

    pub fn app(&self, app: &str) -> Result<AppRecord> {
        read_json(&self.app_dir(app).join("app.json"))
            .map_err(|_| run_error(format!("application \"{app}\" not found")))
    }

    pub fn save_app(&self, app: &AppRecord) -> Result<()> {
        write_json(&self.app_dir(&app.name).join("app.json"), app)
    }

    pub fn app_names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.dir.join("apps"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().join("app.json").exists())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    pub fn unit_dir(&self, app: &str, number: u32) -> PathBuf {
        self.app_dir(app).join(number.to_string())
    }

    pub fn unit(&self, app: &str, number: u32) -> Result<UnitRecord> {
        read_json(&self.unit_dir(app, number).join("unit.json"))
            .map_err(|_| run_error(format!("unit \"{app}/{number}\" not found")))
    }

    pub fn save_unit(&self, unit: &UnitRecord) -> Result<()> {
        write_json(
            &self.unit_dir(&unit.app, unit.number).join("unit.json"),
            unit,
        )
    }

    /// Resolves `app/N` or `app/leader` to (app, number).
    pub fn resolve_unit(&self, name: &str) -> Result<(String, u32)> {
        let Some((app, which)) = name.split_once('/') else {
            return Err(crate::error::usage(format!("invalid unit name \"{name}\"")));
        };
        let record = self.app(app)?;
        let number = if which == "leader" {
            record
                .units
                .iter()
                .copied()
                .find(|n| self.unit(app, *n).is_ok_and(|u| u.leader))
                .ok_or_else(|| run_error(format!("application \"{app}\" has no leader")))?
        } else {
            which
                .parse::<u32>()
                .map_err(|_| crate::error::usage(format!("invalid unit name \"{name}\"")))?
        };
        if !record.units.contains(&number) {
            return Err(run_error(format!("unit \"{app}/{number}\" not found")));
        }
        Ok((app.to_owned(), number))
    }

    /// The model's log: every unit's lines in the order they were written, kept when a unit
    /// or application goes (as Juju keeps them), read by `debug-log`.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("log")
    }

    pub fn task_path(&self, id: u64) -> PathBuf {
        self.dir.join("tasks").join(format!("{id}.json"))
    }
}
