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

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelRecord {
    pub name: String,
    pub uuid: String,
    pub next_id: u64,
    /// When the model was added, in Unix seconds (0 in records from before it was kept).
    #[serde(default)]
    pub created: i64,
    /// Model config set with `model-config k=v` (the defaults are in `cli::model_config`).
    #[serde(default)]
    pub config: Map<String, Value>,
    /// The next storage instance number (Juju's `stores` sequence, one per model).
    #[serde(default)]
    pub next_storage: u64,
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

/// An application: its charm, config and leader settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRecord {
    pub name: String,
    pub charm: String,
    /// The local charm's revision: 0 at deploy, one more at each `refresh` (as Juju numbers
    /// local charms). Records written before refresh existed have none, and read as 0.
    #[serde(default)]
    pub revision: u32,
    pub units: Vec<u32>,
    /// Config values set with `deploy --config` or `config app k=v` (defaults come from the charm).
    pub config: Map<String, Value>,
    pub leader_settings: Map<String, Value>,
    /// The application status the leader set (`status-set --application`); `juju status`
    /// derives one from the units until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The next unit number (numbers are never reused); 0 in records from before it was kept,
    /// which then read as one more than the highest unit.
    #[serde(default)]
    pub next_unit: u32,
    /// Bumped each time the leader settings change (non-leaders run `leader-settings-changed`
    /// until they have seen it).
    #[serde(default)]
    pub leader_settings_version: u64,
    /// The application's databag in each of its relations, by relation id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub relation_data: BTreeMap<u32, Databag>,
    /// Set by `remove-application`: its units are dying, and it goes when the last one has.
    #[serde(default)]
    pub dying: bool,
    /// The storage directives its units get, by store (`deploy --storage` with the charm's
    /// defaults filled in).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub storage: BTreeMap<String, crate::storage::Directive>,
    /// Set by `juju expose`, cleared by `juju unexpose`.
    #[serde(default)]
    pub exposed: bool,
}

impl AppRecord {
    /// Allocates `count` new unit numbers, never reusing one.
    pub fn allocate_units(&mut self, count: u32) -> Vec<u32> {
        let floor = self.units.iter().max().map_or(0, |n| n + 1);
        let first = self.next_unit.max(floor);
        self.next_unit = first + count;
        (first..first + count).collect()
    }
}

/// A relation databag: its settings, and a version bumped each time a hook commits a change to
/// them (what units compare to know they have a `-changed` hook to run).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Databag {
    pub data: BTreeMap<String, String>,
    pub version: u64,
}

impl Databag {
    /// Replaces the settings with `data`; whether they changed (then the version went up).
    pub fn commit(&mut self, data: BTreeMap<String, String>) -> bool {
        if self.data == data {
            return false;
        }
        self.data = data;
        self.version += 1;
        true
    }
}

/// A unit in one relation: its own databag while it is in scope (kept after it leaves, as Juju
/// keeps a departed unit's settings readable), and its view of the relation (Juju's uniter
/// relation state: the remote members it has joined and the versions of their databags and of
/// the remote application's it has seen, and the `-changed` owed to a just-joined unit).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UnitRelation {
    pub in_scope: bool,
    /// `-relation-created` has run.
    pub created: bool,
    pub bag: Databag,
    pub members: BTreeMap<String, u64>,
    pub app_version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_pending: Option<String>,
}

impl UnitRelation {
    /// A unit entering scope: its databag seeded as Juju seeds it (`EnterScope`).
    pub fn entering() -> UnitRelation {
        let data = [
            ("egress-subnets", "127.0.0.1/32"),
            ("ingress-address", "127.0.0.1"),
            ("private-address", "127.0.0.1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        UnitRelation {
            in_scope: true,
            bag: Databag { data, version: 1 },
            ..UnitRelation::default()
        }
    }
}

/// The model's relations and the next relation id (allocated per model from 0, as Juju's
/// `relation` sequence).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Relations {
    pub next_id: u32,
    pub relations: Vec<Relation>,
}

impl Relations {
    pub fn get(&self, id: u32) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The relations an application takes part in.
    pub fn of_app<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations
            .iter()
            .filter(move |r| r.endpoints.iter().any(|e| e.app == app))
    }
}

/// One relation: its id, Juju's key (requirer first, then provider; `app:ep` for a peer
/// relation), interface, scope and endpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Relation {
    pub id: u32,
    pub key: String,
    pub interface: String,
    pub scope: String,
    pub endpoints: Vec<RelationEndpoint>,
    /// Set by `remove-relation` (or the removal of one of its applications): its units depart
    /// and break it, and it goes when none is left in scope.
    #[serde(default)]
    pub dying: bool,
}

/// One end of a relation: the application, its endpoint and role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationEndpoint {
    pub app: String,
    pub name: String,
    /// `provider`, `requirer` or `peer`.
    pub role: String,
}

impl Relation {
    pub fn is_peer(&self) -> bool {
        self.endpoints.len() == 1
    }

    /// The application's end of the relation.
    pub fn endpoint_of(&self, app: &str) -> Option<&RelationEndpoint> {
        self.endpoints.iter().find(|e| e.app == app)
    }

    /// The other end, seen from `app` (its own end in a peer relation).
    pub fn other_end(&self, app: &str) -> Option<&RelationEndpoint> {
        match self.endpoints.as_slice() {
            [peer] if peer.app == app => Some(peer),
            [a, b] if a.app == app => Some(b),
            [a, b] if b.app == app => Some(a),
            _ => None,
        }
    }
}

/// A status value as `juju status` prints it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub current: String,
    pub message: String,
    pub since: String,
}

impl Status {
    pub fn new(current: &str, message: &str) -> Status {
        Status {
            current: current.to_owned(),
            message: message.to_owned(),
            since: now_string(),
        }
    }
}

/// A unit: statuses, leadership, workload version and charm state. Public, read-only, through
/// [`crate::records`]: [`UnitRecord::name`] and [`UnitRecord::last_hook`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitRecord {
    pub(crate) app: String,
    pub(crate) number: u32,
    pub(crate) workload: Status,
    pub(crate) agent: Status,
    /// Set once the charm has set a status itself (then Juju stops setting `unknown`).
    pub(crate) status_set_by_charm: bool,
    pub(crate) leader: bool,
    pub(crate) version: String,
    pub(crate) charm_state: Map<String, Value>,
    /// The last hook the unit ran, timed (not part of Juju's output; for benchmarks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) last_hook: Option<HookRun>,
    /// Whether `install` succeeded (a unit whose install failed runs nothing more, as a Juju
    /// unit in error waits; records from before it was kept read as installed).
    #[serde(default = "yes")]
    pub(crate) installed: bool,
    /// Set by `remove-unit` (or `remove-application`): the unit departs its relations, runs
    /// `stop` and `remove`, and goes.
    #[serde(default)]
    pub(crate) dying: bool,
    /// The unit became leader and has yet to run `leader-elected`.
    #[serde(default)]
    pub(crate) elected_pending: bool,
    /// The application's leader-settings version this unit last ran a hook for.
    #[serde(default)]
    pub(crate) leader_settings_seen: u64,
    /// The unit in each relation it has entered, by relation id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) relations: BTreeMap<u32, UnitRelation>,
    /// The relation whose hook failed, when the unit is in error from one (`juju status` names
    /// the other end, as Juju's formatter does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error_relation: Option<u32>,
    /// Storage and ports: the unit's storage instances, and its opened port ranges by
    /// endpoint (`""`: every endpoint).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) storage: Vec<crate::storage::Instance>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) ports: BTreeMap<String, Vec<String>>,
}

fn yes() -> bool {
    true
}

/// One hook run: which hook, and the charm process's wall time and hook-tool calls.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HookRun {
    pub(crate) name: String,
    pub(crate) process_micros: u64,
    pub(crate) tool_calls: u64,
}

impl UnitRecord {
    /// The unit's name, `<app>/<number>`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.app, self.number)
    }

    /// A new unit, before `install`.
    pub(crate) fn new(app: &str, number: u32, leader: bool) -> UnitRecord {
        UnitRecord {
            app: app.to_owned(),
            number,
            workload: Status::new("waiting", "agent initialising"),
            agent: Status::new("allocating", ""),
            status_set_by_charm: false,
            leader,
            version: String::new(),
            charm_state: Map::new(),
            last_hook: None,
            installed: false,
            dying: false,
            elected_pending: false,
            leader_settings_seen: 0,
            relations: BTreeMap::new(),
            error_relation: None,
            storage: Vec::new(),
            ports: BTreeMap::new(),
        }
    }

    /// The last hook the unit ran, with its timing; `None` before the first hook (actions and
    /// `exec` commands are not hooks and do not change it).
    pub fn last_hook(&self) -> Option<&HookRun> {
        self.last_hook.as_ref()
    }
}

impl HookRun {
    /// The hook's name (`install`, `config-changed`, …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The charm process's wall time, spawn to exit, in microseconds.
    pub fn process_micros(&self) -> u64 {
        self.process_micros
    }

    /// How many hook-tool calls the charm process made.
    pub fn tool_calls(&self) -> u64 {
        self.tool_calls
    }
}

/// A finished (or running) action or exec. Public, read-only, through [`crate::records`]: its
/// id, unit, action, status and the process's timing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskRecord {
    pub(crate) id: String,
    pub(crate) unit: String,
    pub(crate) action: String,
    pub(crate) status: String,
    pub(crate) message: String,
    pub(crate) results: Map<String, Value>,
    pub(crate) log: Vec<String>,
    pub(crate) enqueued: String,
    pub(crate) started: String,
    pub(crate) completed: String,
    /// Wall time of the charm process in microseconds (not part of Juju's output; for benchmarks).
    #[serde(default)]
    pub(crate) process_micros: u64,
    /// Hook-tool calls the charm process made (not part of Juju's output; for benchmarks).
    #[serde(default)]
    pub(crate) tool_calls: u64,
}

impl TaskRecord {
    /// The task id, as `juju run` prints it (`"1"`, `"2"`, …).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The unit it ran on, `<app>/<number>`.
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// The action's name (`juju-exec` for an `exec` command).
    pub fn action(&self) -> &str {
        &self.action
    }

    /// `completed` or `failed`.
    pub fn status(&self) -> &str {
        &self.status
    }

    /// The charm process's wall time, spawn to exit, in microseconds (0 when no process ran).
    pub fn process_micros(&self) -> u64 {
        self.process_micros
    }

    /// How many hook-tool calls the charm process made.
    pub fn tool_calls(&self) -> u64 {
        self.tool_calls
    }
}

/// Reads a JSON record.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path)
        .map_err(|e| run_error(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| run_error(format!("corrupt state file {}: {e}", path.display())))
}

/// Writes a JSON record atomically (see [`write_atomic`]).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| run_error(e.to_string()))?;
    write_atomic(path, text.as_bytes())
}

/// Writes `bytes` to a temporary file beside `path` (`.<name>.XXXXXX.tmp`, removed if anything
/// fails) and renames it into place: readers see the old or the new content, never a torn write,
/// even when the writer is killed. There is no fsync: the state must survive a killed command,
/// not a power cut (this is a test tool), and an fsync per write would cost about a millisecond
/// on every `juju run`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let result = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        // As `File::create` does: readable as the umask allows, not only by the owner.
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .and_then(|mut temp| {
            temp.write_all(bytes)?;
            temp.persist(path).map_err(|e| e.error)?;
            Ok(())
        });
    result.map_err(|e| run_error(format!("cannot write {}: {e}", path.display())))
}

/// An exclusive lock held until the returned file is dropped (the kernel releases it if the
/// process dies).
pub fn lock(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    file.lock()
        .map_err(|e| run_error(format!("cannot lock {}: {e}", path.display())))?;
    Ok(file)
}

/// Appends one line to a unit's log.
pub fn append_log(path: &Path, line: &str) -> Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(format!("{line}\n").as_bytes())?;
    Ok(())
}

/// Seconds and nanoseconds since the Unix epoch.
pub fn now() -> (i64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        d.subsec_nanos(),
    )
}

/// Now, as Go's `time.Time.String()` prints a UTC time: `2024-05-01 10:00:00 +0000 UTC`.
pub fn now_string() -> String {
    go_time(now().0)
}

/// A Unix time as Go's `time.Time.String()` prints it in UTC (`2024-05-01 10:00:00 +0000 UTC`);
/// a time beyond the years 1 to 9999 reads as the epoch.
pub fn go_time(secs: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} +0000 UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A random-enough hex string (time, pid and a counter through a hash); ids, not secrets.
pub fn unique_hex(len: usize) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    while out.len() < len {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        hasher.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out.truncate(len);
    out
}

/// A UUID-shaped identifier.
pub fn uuid() -> String {
    let h = unique_hex(32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_go_prints_utc() {
        assert_eq!(go_time(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(go_time(-1), "1969-12-31 23:59:59 +0000 UTC");
        assert_eq!(go_time(951_782_400), "2000-02-29 00:00:00 +0000 UTC");
        assert_eq!(go_time(1_714_557_600), "2024-05-01 10:00:00 +0000 UTC");
        assert_eq!(go_time(4_102_444_799), "2099-12-31 23:59:59 +0000 UTC");
        assert_eq!(go_time(-62_135_596_800), "0001-01-01 00:00:00 +0000 UTC");
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("sub").join("record.json");
        write_atomic(&path, b"one")?;
        write_atomic(&path, b"two")?;
        assert_eq!(fs::read(&path)?, b"two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap_or(dir.path()))?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(names, ["record.json"]);
        // Modes as `File::create` gives them (0o666 less the umask), not a temporary file's 0o600.
        let plain = dir.path().join("plain");
        File::create(&plain)?;
        let mode = |p: &Path| fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode(&path)?, mode(&plain)?);
        Ok(())
    }
}
