//! What a harness run takes and gives: the [`Event`] to run, the [`State`] it sees, and the
//! [`Output`] (or [`RunError`]) it produces.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::params::ParamErrors;
use crate::tools::{LogLevel, StatusName};

/// What to run: an action (with params) or a hook.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Action {
        name: String,
        params: Value,
        id: Option<String>,
    },
    Hook(String),
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
    /// The state after the run.
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
    /// A hook handler returned an error (Juju would put the unit in error state).
    HookFailed {
        message: String,
        output: Box<Output>,
    },
    /// The handler panicked.
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
