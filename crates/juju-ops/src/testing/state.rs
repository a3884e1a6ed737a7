//! What a harness run takes and gives: the [`Event`] to run, the [`State`] it sees, and the
//! [`Output`] (or [`RunError`]) it produces.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Value};

use super::network::{OpenedPorts, rendered};
use super::relation::{Databag, Relation};
use super::secrets::Secret;
use super::storage::Storage;
use crate::network::NetworkInfo;
use crate::params::ParamErrors;
use crate::ports::{OpenedPort, Port};
use crate::relation::RelationKind;
use crate::secret::{Secret as SecretUri, SecretKind};
use crate::storage::StorageKind;
use crate::tools::{LogLevel, StatusName};

/// What to run: an action (with params), a hook, or a relation hook.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Action {
        name: String,
        params: Value,
        id: Option<String>,
    },
    /// A hook that is not a relation hook (`install`, `leader-elected`, …).
    Hook(String),
    /// `<endpoint>-relation-<kind>` for the relation `<endpoint>:<id>` of the state; build it
    /// with [`Event::relation_created`] and its siblings.
    Relation {
        kind: RelationKind,
        endpoint: String,
        id: u32,
        /// The remote unit's number (`JUJU_REMOTE_UNIT` is `<remote app>/<n>`); `None` in
        /// `-created`, `-broken` and an application-level `-changed`.
        remote_unit: Option<u32>,
        /// `JUJU_DEPARTING_UNIT` in `-departed`, when it is not the remote unit (this unit, when
        /// it is the one leaving).
        departing_unit: Option<String>,
    },
    /// `<name>-storage-<kind>` for the storage instance `<name>/<index>` of the state; build it
    /// with [`Event::storage_attached`] or [`Event::storage_detaching`].
    Storage {
        kind: StorageKind,
        name: String,
        index: u32,
    },
    /// A secret hook for the secret `id` of the state; build it with [`Event::secret_changed`]
    /// and its siblings.
    Secret {
        kind: SecretKind,
        id: SecretUri,
        /// `JUJU_SECRET_REVISION`: in `secret-expired` and `secret-remove` only.
        revision: Option<u32>,
    },
}

impl Event {
    /// The action `name`, with no params yet.
    pub fn action(name: &str) -> Event {
        Event::Action {
            name: name.to_owned(),
            params: Value::Object(Map::new()),
            id: None,
        }
    }

    /// The hook `name` (`install`, `config-changed`, `db-relation-changed`, …).
    pub fn hook(name: impl AsRef<str>) -> Event {
        Event::Hook(name.as_ref().to_owned())
    }

    pub fn install() -> Event {
        Event::hook("install")
    }

    pub fn start() -> Event {
        Event::hook("start")
    }

    pub fn config_changed() -> Event {
        Event::hook("config-changed")
    }

    pub fn stop() -> Event {
        Event::hook("stop")
    }

    pub fn remove() -> Event {
        Event::hook("remove")
    }

    pub fn update_status() -> Event {
        Event::hook("update-status")
    }

    pub fn upgrade_charm() -> Event {
        Event::hook("upgrade-charm")
    }

    /// `leader-elected`: Juju runs it on the leader only (the state must say `leader(true)`).
    pub fn leader_elected() -> Event {
        Event::hook("leader-elected")
    }

    /// `leader-settings-changed`: Juju runs it on the other units only (the state must say
    /// `leader(false)`).
    pub fn leader_settings_changed() -> Event {
        Event::hook("leader-settings-changed")
    }

    fn relation(kind: RelationKind, relation: &Relation, remote_unit: Option<u32>) -> Event {
        Event::Relation {
            kind,
            endpoint: relation.endpoint.clone(),
            id: relation.id,
            remote_unit,
            departing_unit: None,
        }
    }

    /// `<endpoint>-relation-created`: the relation exists; no remote unit yet.
    pub fn relation_created(relation: &Relation) -> Event {
        Event::relation(RelationKind::Created, relation, None)
    }

    /// `<endpoint>-relation-joined` for the remote unit `n` (a peer's number, on a peer
    /// relation).
    pub fn relation_joined(relation: &Relation, n: u32) -> Event {
        Event::relation(RelationKind::Joined, relation, Some(n))
    }

    /// `<endpoint>-relation-changed` for the remote application's bag: no remote unit, as Juju
    /// sends it. For a remote unit's bag, add [`remote_unit`](Event::remote_unit).
    pub fn relation_changed(relation: &Relation) -> Event {
        Event::relation(RelationKind::Changed, relation, None)
    }

    /// `<endpoint>-relation-departed`: the remote unit `n` left. The departing unit is that
    /// unit unless set with [`departing_unit`](Event::departing_unit). In the hook,
    /// `relation-list` no longer lists unit `n`, and its bag can still be read.
    pub fn relation_departed(relation: &Relation, n: u32) -> Event {
        Event::relation(RelationKind::Departed, relation, Some(n))
    }

    /// `<endpoint>-relation-broken`: the relation is going away (never sent for a peer
    /// relation); `relation-list` is empty.
    pub fn relation_broken(relation: &Relation) -> Event {
        Event::relation(RelationKind::Broken, relation, None)
    }

    /// Sets the remote unit (`JUJU_REMOTE_UNIT` = `<remote app>/<n>`) of a relation event.
    pub fn remote_unit(mut self, n: u32) -> Event {
        if let Event::Relation { remote_unit, .. } = &mut self {
            *remote_unit = Some(n);
        }
        self
    }

    /// Sets the departing unit of a `-departed` event (e.g. this unit, when it is the one
    /// leaving).
    pub fn departing_unit(mut self, unit: impl Into<String>) -> Event {
        if let Event::Relation { departing_unit, .. } = &mut self {
            *departing_unit = Some(unit.into());
        }
        self
    }

    /// `<name>-storage-attached` for `storage`, an instance in the state: the handler sees
    /// `JUJU_STORAGE_ID`, `JUJU_STORAGE_LOCATION` and `JUJU_STORAGE_KIND` (Juju runs it before
    /// `install` on a machine).
    pub fn storage_attached(storage: &Storage) -> Event {
        Event::Storage {
            kind: StorageKind::Attached,
            name: storage.name.clone(),
            index: storage.index,
        }
    }

    /// `<name>-storage-detaching` for `storage`, an instance in the state (Juju runs it only
    /// for an instance whose `-storage-attached` succeeded).
    pub fn storage_detaching(storage: &Storage) -> Event {
        Event::Storage {
            kind: StorageKind::Detaching,
            name: storage.name.clone(),
            index: storage.index,
        }
    }

    /// The hook or action name: `install`, `db-relation-changed`, `snapshot`, …
    pub fn name(&self) -> String {
        match self {
            Event::Action { name, .. } | Event::Hook(name) => name.clone(),
            Event::Relation { kind, endpoint, .. } => kind.hook_name(endpoint),
            Event::Storage { kind, name, .. } => kind.hook_name(name),
            Event::Secret { kind, .. } => kind.hook_name().to_owned(),
        }
    }

    /// Sets the action's params from a JSON value (a loose map, as a user types them).
    pub fn params(mut self, value: Value) -> Event {
        if let Event::Action { params, .. } = &mut self {
            *params = value;
        }
        self
    }

    /// Sets the action's params from a typed value (serialised with its serde names).
    pub fn typed_params<P: Serialize>(self, value: &P) -> Event {
        let json = serde_json::to_value(value).unwrap_or(Value::Null);
        self.params(json)
    }

    /// Sets the task id (`event.id()`); by default ids increase from 1 per context.
    pub fn id(mut self, new_id: impl Into<String>) -> Event {
        if let Event::Action { id, .. } = &mut self {
            *id = Some(new_id.into());
        }
        self
    }
}

/// A status set by the charm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusValue {
    pub name: StatusName,
    pub message: String,
}

/// The world a run sees, and (in [`Output::state`]) what it left.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Config values set by the operator; unset options get the YAML defaults.
    pub config: Map<String, Value>,
    pub leader: bool,
    pub unit_status: Option<StatusValue>,
    pub app_status: Option<StatusValue>,
    pub workload_version: Option<String>,
    /// The charm directory (`JUJU_CHARM_DIR`). When `None`, each run gets a fresh, empty
    /// `charm` directory inside the [`Context`](super::Context)'s temporary directory (with room for siblings
    /// such as `../data`), deleted when the context is dropped; [`Output::state`] names it.
    pub charm_dir: Option<PathBuf>,
    /// `JUJU_UNIT_NAME`; `<charm name>/0` when `None`.
    pub unit_name: Option<String>,
    pub model_name: String,
    /// The relations this unit is in, with their databags. In [`Output::state`], the bags hold
    /// what the charm wrote if the run succeeded (Juju commits relation data only then).
    pub relations: Vec<Relation>,
    /// The application's leader settings (`leader-get`/`leader-set`). `leader-set` writes at
    /// once in Juju, so a failed run keeps what it wrote.
    pub leader_settings: Databag,
    /// The unit's charm state (`state-get`/`state-set`/`state-delete`), committed only when the
    /// run succeeds.
    pub charm_state: Databag,
    /// The storage instances attached to the unit (`storage-list`, `storage-get`). In
    /// [`Output::state`], with the location each had.
    pub storages: Vec<Storage>,
    /// The ports the unit has open, by endpoint (`""`: every endpoint). In [`Output::state`],
    /// with the run's `open-port`/`close-port` applied if it succeeded.
    pub opened_ports: OpenedPorts,
    /// The network of a binding (`network-get`), where it is not the harness's
    /// [`default_network`](super::default_network); every endpoint, extra binding and
    /// `juju-info` has one.
    pub networks: BTreeMap<String, NetworkInfo>,
    /// The secrets the unit owns or was granted. In [`Output::state`], what the charm created,
    /// changed, granted, revoked and removed if the run succeeded (Juju commits those only
    /// then); a consumer's refreshed revision and labels set through `secret-get` either way.
    pub secrets: Vec<Secret>,
}

impl Default for State {
    fn default() -> Self {
        State {
            config: Map::new(),
            leader: true,
            unit_status: None,
            app_status: None,
            workload_version: None,
            charm_dir: None,
            unit_name: None,
            model_name: "test".to_owned(),
            relations: Vec::new(),
            leader_settings: Databag::new(),
            charm_state: Databag::new(),
            storages: Vec::new(),
            opened_ports: OpenedPorts::new(),
            networks: BTreeMap::new(),
            secrets: Vec::new(),
        }
    }
}

impl State {
    /// Sets a config option.
    pub fn config(mut self, key: &str, value: impl Into<Value>) -> State {
        self.config.insert(key.to_owned(), value.into());
        self
    }

    pub fn leader(mut self, leader: bool) -> State {
        self.leader = leader;
        self
    }

    pub fn charm_dir(mut self, dir: impl Into<PathBuf>) -> State {
        self.charm_dir = Some(dir.into());
        self
    }

    pub fn unit_name(mut self, name: impl Into<String>) -> State {
        self.unit_name = Some(name.into());
        self
    }

    /// Adds a relation.
    pub fn relation(mut self, relation: Relation) -> State {
        self.relations.push(relation);
        self
    }

    /// Replaces the leader settings.
    pub fn leader_settings<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> State {
        self.leader_settings = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// Replaces the unit's charm state.
    pub fn charm_state<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> State {
        self.charm_state = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// The relation with this id.
    pub fn get_relation(&self, id: u32) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The relations on `endpoint`, in the state's order.
    pub fn get_relations(&self, endpoint: &str) -> Vec<&Relation> {
        self.relations
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .collect()
    }

    // Storage, ports and network.

    /// Attaches a storage instance.
    pub fn storage(mut self, storage: Storage) -> State {
        self.storages.push(storage);
        self
    }

    /// The storage instance `<name>/<index>`.
    pub fn get_storage(&self, name: &str, index: u32) -> Option<&Storage> {
        self.storages
            .iter()
            .find(|s| s.name == name && s.index == index)
    }

    /// Opens `port` for every endpoint, as if an earlier hook had.
    pub fn opened_port(mut self, port: Port) -> State {
        self.opened_ports
            .entry(String::new())
            .or_default()
            .insert(port);
        self
    }

    /// Opens `port` for these endpoints, as if an earlier hook had.
    pub fn opened_port_for(mut self, port: Port, endpoints: &[&str]) -> State {
        for endpoint in endpoints {
            self.opened_ports
                .entry((*endpoint).to_owned())
                .or_default()
                .insert(port);
        }
        self
    }

    /// The open ports as `opened-ports --endpoints` lists them: each once, sorted as Juju sorts
    /// them, with the endpoints it is open on.
    pub fn ports(&self) -> Vec<OpenedPort> {
        rendered(&self.opened_ports)
    }

    /// Sets the network of `binding` (an endpoint, extra binding or `juju-info`).
    pub fn network(mut self, binding: impl Into<String>, info: NetworkInfo) -> State {
        self.networks.insert(binding.into(), info);
        self
    }
}

/// A `juju-log` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub level: LogLevel,
    pub message: String,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The event that ran.
    pub event: Event,
    /// The task id the action saw.
    pub id: Option<String>,
    /// The params the handler received (after Juju's defaults).
    pub params: Option<Value>,
    /// `action-log` messages, in order.
    pub action_logs: Vec<String>,
    /// Results as Juju stores them: dotted keys nested, values strings.
    pub action_results: Value,
    /// Results as `action-set` received them: `(dotted key, value)`, in call order.
    pub action_results_flat: Vec<(String, String)>,
    /// The `action-fail` message, if the handler called it.
    pub failure: Option<String>,
    pub juju_log: Vec<LogLine>,
    /// Every unit status set, in order.
    pub statuses: Vec<StatusValue>,
    /// The storage instances `storage-add` asked for, by storage name, if the run succeeded
    /// (Juju commits them only then, and attaches them later, each with its
    /// `-storage-attached`).
    pub storage_added: BTreeMap<String, u32>,
    /// The state after the run: the statuses and leader settings it set and, if it succeeded,
    /// the relation data and charm state it wrote (Juju commits those only then). Find a
    /// relation with [`State::get_relation`] or [`State::get_relations`].
    pub state: State,
}

impl Output {
    /// The `juju-log` messages at `level`.
    pub fn juju_log_at(&self, level: LogLevel) -> Vec<&str> {
        self.juju_log
            .iter()
            .filter(|l| l.level == level)
            .map(|l| l.message.as_str())
            .collect()
    }
}

/// An action that ended failed: the `fail` message (or the handler's error), with everything the
/// run produced. Like Scenario's `ActionFailed`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionFailed {
    pub message: String,
    pub output: Output,
}

/// Why a run did not succeed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RunError {
    /// The test asks for something Juju would not do (unknown action, schema out of sync).
    Inconsistent { problems: Vec<String> },
    /// Juju would refuse these params before running anything on the unit.
    InvalidParams(ParamErrors),
    /// The handler called `fail`, returned an error, or the runtime refused to start it.
    ActionFailed(Box<ActionFailed>),
    /// A hook handler returned an error (Juju would put the unit in error state). As Juju
    /// commits nothing of a failed hook, the output's state keeps the relation data and charm
    /// state as they were before the run; statuses and leader settings, which Juju applies at
    /// once, keep what the hook set.
    HookFailed {
        message: String,
        output: Box<Output>,
    },
    /// The handler panicked. As for [`RunError::HookFailed`], the output's state keeps the
    /// relation data and charm state as they were.
    Panicked {
        message: String,
        output: Box<Output>,
    },
    /// The harness could not prepare the run (e.g. create the temporary charm directory).
    Harness { message: String },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Inconsistent { problems } => {
                write!(f, "inconsistent test: the following problems were found:")?;
                for p in problems {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
            RunError::InvalidParams(errors) => write!(f, "{errors}"),
            RunError::ActionFailed(failed) => write!(f, "action failed: {}", failed.message),
            RunError::HookFailed { message, .. } => write!(f, "hook failed: {message}"),
            RunError::Panicked { message, .. } => write!(f, "the handler panicked: {message}"),
            RunError::Harness { message } => {
                write!(f, "the harness could not prepare the run: {message}")
            }
        }
    }
}

impl std::error::Error for RunError {}
