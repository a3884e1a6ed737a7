//! The records the local Juju keeps as JSON files: the model's, an application's, a unit's
//! (with its view of its relations), the relations, and a task's; the unit and task records
//! are also, read-only, the public types of [`crate::records`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::now_string;

/// The model's record (`model.json`).
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
