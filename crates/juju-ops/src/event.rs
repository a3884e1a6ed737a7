//! What a handler receives: the [`Unit`] it runs on (with the [`UnitEnv`] Juju set), a
//! [`HookEvent`] or, for actions, the typed [`ActionEvent`]; and the errors of reading config,
//! leadership data and charm state, and of setting results. (Relation hooks receive a
//! [`RelationEvent`](crate::RelationEvent), in `relation.rs`.)
//!
//! Methods taking a message take `impl AsRef<str>`: a `&str`, or a `String` from `format!`.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::databag::{self, Databag, DatabagError, DatabagErrorKind};
use crate::relation::RelationEnv;
use crate::results::{self, KeyError};
use crate::secret::SecretEnv;
use crate::storage::StorageEnv;
use crate::tools::{HookTools, LogLevel, StatusInfo, StatusName, StatusTarget, ToolError};

/// Facts about the running unit, read once from the environment Juju sets (contract §1.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitEnv {
    /// `JUJU_UNIT_NAME`, e.g. `snapshot/0`.
    pub unit_name: String,
    /// `JUJU_MODEL_NAME`.
    pub model_name: String,
    /// `JUJU_CHARM_DIR` (the process's working directory under Juju).
    pub charm_dir: PathBuf,
    /// `JUJU_ACTION_UUID`: the task id (numeric in Juju 3) when running an action.
    pub action_id: String,
    /// `JUJU_VERSION`.
    pub juju_version: String,
    /// The relation of a relation hook; `None` in any other event.
    pub relation: Option<RelationEnv>,
    /// The storage instance of a storage hook; `None` in any other event.
    pub storage: Option<StorageEnv>,
    /// The secret of a secret hook (`JUJU_SECRET_*`); `None` in any other event.
    pub secret: Option<SecretEnv>,
}

impl UnitEnv {
    /// Reads the variables Juju sets for a hook or action.
    pub fn from_env() -> UnitEnv {
        let var = |k: &str| std::env::var(k).unwrap_or_default();
        let charm_dir = std::env::var_os("JUJU_CHARM_DIR")
            .or_else(|| std::env::var_os("CHARM_DIR"))
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        UnitEnv {
            unit_name: var("JUJU_UNIT_NAME"),
            model_name: var("JUJU_MODEL_NAME"),
            charm_dir,
            action_id: var("JUJU_ACTION_UUID"),
            juju_version: var("JUJU_VERSION"),
            relation: RelationEnv::from_vars(|k| std::env::var(k).ok()),
            storage: StorageEnv::from_vars(|k| std::env::var(k).ok()),
            secret: SecretEnv::from_vars(|k| std::env::var(k).ok()),
        }
    }
}

/// The unit a handler runs on: logging, status, config, leadership and its data, charm state and
/// relations, through the hook tools.
pub struct Unit<'a> {
    tools: &'a mut dyn HookTools,
    env: &'a UnitEnv,
}

impl<'a> Unit<'a> {
    pub(crate) fn new(tools: &'a mut dyn HookTools, env: &'a UnitEnv) -> Self {
        Unit { tools, env }
    }

    /// The environment Juju gave this run.
    pub fn env(&self) -> &UnitEnv {
        self.env
    }

    /// Writes a line to the unit's log (`juju-log`), visible in `juju debug-log`.
    pub fn juju_log(&mut self, level: LogLevel, message: impl AsRef<str>) -> Result<(), ToolError> {
        self.tools.juju_log(level, message.as_ref())
    }

    /// `juju-log` at INFO.
    pub fn info(&mut self, message: impl AsRef<str>) -> Result<(), ToolError> {
        self.juju_log(LogLevel::Info, message)
    }

    /// `juju-log` at WARNING.
    pub fn warn(&mut self, message: impl AsRef<str>) -> Result<(), ToolError> {
        self.juju_log(LogLevel::Warning, message)
    }

    /// `juju-log` at ERROR.
    pub fn error(&mut self, message: impl AsRef<str>) -> Result<(), ToolError> {
        self.juju_log(LogLevel::Error, message)
    }

    /// Sets this unit's workload status (`status-set`).
    pub fn set_status(
        &mut self,
        status: StatusName,
        message: impl AsRef<str>,
    ) -> Result<(), ToolError> {
        self.tools
            .status_set(StatusTarget::Unit, status, message.as_ref())
    }

    /// Sets the application's status (`status-set --application`); Juju allows it on the leader only.
    pub fn set_app_status(
        &mut self,
        status: StatusName,
        message: impl AsRef<str>,
    ) -> Result<(), ToolError> {
        self.tools
            .status_set(StatusTarget::Application, status, message.as_ref())
    }

    /// Sets the workload version shown by `juju status` (`application-version-set`).
    pub fn set_workload_version(&mut self, version: impl AsRef<str>) -> Result<(), ToolError> {
        self.tools.application_version_set(version.as_ref())
    }

    /// Whether this unit is the leader (`is-leader --format=json`).
    pub fn is_leader(&mut self) -> Result<bool, ToolError> {
        self.tools.is_leader()
    }

    /// The application config as the charm's typed config struct (`config-get --format=json`).
    pub fn config<C: DeserializeOwned>(&mut self) -> Result<C, ConfigError> {
        let map = self.tools.config_get().map_err(ConfigError::Tool)?;
        serde_json::from_value(Value::Object(map)).map_err(|e| ConfigError::Invalid {
            reason: e.to_string(),
        })
    }

    /// This unit's workload status as Juju holds it (`status-get`): what the charm set, or
    /// one Juju set (`unknown`, `error`, …).
    pub fn status(&mut self) -> Result<StatusInfo, ToolError> {
        self.tools.status_get(StatusTarget::Unit)
    }

    /// The application's status (`status-get --application`); Juju gives it to the leader.
    pub fn app_status(&mut self) -> Result<StatusInfo, ToolError> {
        self.tools.status_get(StatusTarget::Application)
    }

    /// The leader settings (`leader-get`) as `T`, in `T`'s encoding. Any unit may read them.
    pub fn leader_data<T: Databag>(&mut self) -> Result<T, DataError> {
        let data = self.tools.leader_get().map_err(DataError::Tool)?;
        databag::decode(&data).map_err(|e| DataError::Databag(e.in_bag(LEADER_BAG)))
    }

    /// Writes `value`'s fields into the leader settings (`leader-set`); `None` fields delete
    /// their keys. The leader only: on another unit it fails with Juju's message before
    /// `leader-set` runs. Unlike relation data and charm state, Juju writes leader settings at
    /// once, not when the hook succeeds.
    pub fn set_leader_data<T: Databag>(&mut self, value: &T) -> Result<(), DataError> {
        let data = databag::encode(value).map_err(|e| DataError::Databag(e.in_bag(LEADER_BAG)))?;
        // leader-set takes key=value arguments, split at the first `=`.
        if let Some(key) = data.keys().find(|k| k.is_empty() || k.contains('=')) {
            return Err(DataError::Databag(DatabagError {
                bag: LEADER_BAG.to_owned(),
                kind: DatabagErrorKind::Other {
                    reason: format!(
                        "leader-set cannot write the key {key:?} (empty, or holding `=`)"
                    ),
                },
            }));
        }
        if !self.tools.is_leader().map_err(DataError::Tool)? {
            return Err(DataError::NotLeader);
        }
        if data.is_empty() {
            return Ok(());
        }
        self.tools.leader_set(&data).map_err(DataError::Tool)
    }

    /// The charm state (`state-get`) as `T`: typed state that survives between events, kept
    /// by Juju for this unit.
    pub fn state<T: Databag>(&mut self) -> Result<T, DataError> {
        let data = self.tools.state_get().map_err(DataError::Tool)?;
        databag::decode(&data).map_err(|e| DataError::Databag(e.in_bag(STATE_BAG)))
    }

    /// Writes `value`'s fields into the charm state (`state-set --file -`; each `None` field
    /// deleted with `state-delete`). Juju commits it when the hook succeeds. Keys `T` does not
    /// name are left as they are.
    pub fn set_state<T: Databag>(&mut self, value: &T) -> Result<(), DataError> {
        let data = databag::encode(value).map_err(|e| DataError::Databag(e.in_bag(STATE_BAG)))?;
        let (deleted, set): (BTreeMap<String, String>, BTreeMap<String, String>) =
            data.into_iter().partition(|(_, v)| v.is_empty());
        if !set.is_empty() {
            self.tools.state_set(&set).map_err(DataError::Tool)?;
        }
        for key in deleted.keys() {
            self.tools.state_delete(key).map_err(DataError::Tool)?;
        }
        Ok(())
    }

    pub(crate) fn tools(&mut self) -> &mut dyn HookTools {
        self.tools
    }
}

const LEADER_BAG: &str = "leader settings";
const STATE_BAG: &str = "charm state";

/// Leader settings or charm state could not be read or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum DataError {
    /// [`Unit::set_leader_data`] on a unit that is not the leader.
    NotLeader,
    /// The data does not decode into the type asked for, or the value cannot be written.
    Databag(DatabagError),
    Tool(ToolError),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Juju 3.6's `leader-set` message on a unit that is not the leader.
            DataError::NotLeader => f.write_str(
                "cannot write leadership settings: cannot write settings: not the leader",
            ),
            DataError::Databag(e) => write!(f, "{e}"),
            DataError::Tool(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::NotLeader => None,
            DataError::Databag(e) => Some(e),
            DataError::Tool(e) => Some(e),
        }
    }
}

/// The config could not be read as the charm's config type.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    Tool(ToolError),
    /// `config-get` returned a value the config struct does not accept.
    Invalid {
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Tool(e) => write!(f, "cannot read config: {e}"),
            ConfigError::Invalid { reason } => write!(
                f,
                "config does not match the charm's config type: {reason} (is config.yaml in sync? run `cargo xtask sync`)"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A hook (install, start, config-changed, …) being handled.
pub struct HookEvent<'a> {
    pub(crate) unit: Unit<'a>,
    pub(crate) name: &'a str,
}

impl HookEvent<'_> {
    /// The hook name, e.g. `config-changed`.
    pub fn name(&self) -> &str {
        self.name
    }
}

impl<'a> Deref for HookEvent<'a> {
    type Target = Unit<'a>;
    fn deref(&self) -> &Unit<'a> {
        &self.unit
    }
}

impl<'a> DerefMut for HookEvent<'a> {
    fn deref_mut(&mut self) -> &mut Unit<'a> {
        &mut self.unit
    }
}

/// A running action with validated, typed params `P`.
pub struct ActionEvent<'a, P> {
    pub(crate) unit: Unit<'a>,
    pub(crate) name: &'a str,
    pub(crate) params: P,
    pub(crate) id: String,
    pub(crate) failed: bool,
}

impl<P> ActionEvent<'_, P> {
    /// The validated params, with Juju's defaults applied.
    pub fn params(&self) -> &P {
        &self.params
    }

    /// The action name as declared.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The task id Juju gave this run (`JUJU_ACTION_UUID`; numeric in Juju 3). Unique per task:
    /// use it for temporary file names and log lines.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sends a progress message to the user running the action (`action-log`).
    pub fn log(&mut self, message: impl AsRef<str>) -> Result<(), ToolError> {
        self.unit.tools().action_log(message.as_ref())
    }

    /// Marks the action failed with `message` (`action-fail`). The handler keeps running, so
    /// usually `return` right after.
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// # use ops::{ActionEvent, HandlerResult};
    /// # #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// # struct Snapshot { filename: String }
    /// fn on_snapshot(event: &mut ActionEvent<Snapshot>) -> HandlerResult {
    ///     if event.params().filename.contains('/') {
    ///         event.fail(format!("Invalid filename {:?}", event.params().filename))?;
    ///         return Ok(());
    ///     }
    ///     event.log("snapshotting")?;
    ///     Ok(())
    /// }
    /// ```
    pub fn fail(&mut self, message: impl AsRef<str>) -> Result<(), ToolError> {
        self.failed = true;
        self.unit.tools().action_fail(message.as_ref())
    }

    /// Whether [`fail`](Self::fail) was called.
    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Sets results shown by `juju run`. `results` must serialise to a map; nested maps become
    /// dotted keys (`{"a": {"b": 1}}` → `a.b=1`) and values are stored as strings. Every key is
    /// checked against Juju's rules before any hook tool is called.
    pub fn set_results<R: Serialize + ?Sized>(&mut self, results: &R) -> Result<(), ResultsError> {
        let value = serde_json::to_value(results).map_err(|e| ResultsError::NotAMap {
            reason: e.to_string(),
        })?;
        let Value::Object(map) = value else {
            return Err(ResultsError::NotAMap {
                reason: format!("got {value}"),
            });
        };
        let pairs = results::flatten(&map).map_err(ResultsError::Key)?;
        self.unit
            .tools()
            .action_set(&pairs)
            .map_err(ResultsError::Tool)
    }
}

impl<'a, P> Deref for ActionEvent<'a, P> {
    type Target = Unit<'a>;
    fn deref(&self) -> &Unit<'a> {
        &self.unit
    }
}

impl<'a, P> DerefMut for ActionEvent<'a, P> {
    fn deref_mut(&mut self) -> &mut Unit<'a> {
        &mut self.unit
    }
}

/// Results that cannot be set.
#[derive(Debug)]
#[non_exhaustive]
pub enum ResultsError {
    /// A key Juju would refuse.
    Key(KeyError),
    /// The value given is not a map of results.
    NotAMap {
        reason: String,
    },
    Tool(ToolError),
}

impl fmt::Display for ResultsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultsError::Key(e) => write!(f, "cannot set action results: {e}"),
            ResultsError::NotAMap { reason } => {
                write!(
                    f,
                    "cannot set action results: results must be a map of keys to values ({reason})"
                )
            }
            ResultsError::Tool(e) => write!(f, "cannot set action results: {e}"),
        }
    }
}

impl std::error::Error for ResultsError {}
