//! The in-process test harness: the Rust answer to `ops.testing` (Scenario), stricter than it.
//!
//! A [`Context`] holds the charm and the schema its `charmcraft.yaml` declares. [`Context::run`]
//! takes an [`Event`] and a [`State`], runs the charm's handler in process through the same
//! [`Charm::dispatch`] the runtime uses (only the hook-tool backend is swapped for an in-memory
//! one), and returns an [`Output`]: action logs, results (nested as Juju stores them, and
//! flattened), `juju-log` lines, statuses and the state after the run.
//!
//! Before the handler runs, params go through Juju's own checks against the schema in
//! `charmcraft.yaml` (required, types, enum, minimum/maximum, nested objects,
//! `additionalProperties`, defaults inserted as Juju inserts them), so a test cannot pass on params
//! Juju would refuse. Params Juju refuses are [`RunError::InvalidParams`]; an action whose handler
//! called `fail` (or returned an error) is [`RunError::ActionFailed`], which still carries the
//! logs and results.
//!
//! ```
//! # extern crate juju_ops as ops;
//! use ops::testing::{Context, Event, RunError, State};
//! use ops::{Action, ActionEvent, Charm, HandlerResult};
//! use serde_json::json;
//!
//! /// Greet someone.
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! #[serde(deny_unknown_fields, rename_all = "kebab-case")]
//! struct Greet {
//!     /// Who to greet.
//!     name: String,
//! }
//!
//! impl Action for Greet {
//!     const NAME: &'static str = "greet";
//! }
//!
//! fn on_greet(event: &mut ActionEvent<Greet>) -> HandlerResult {
//!     if event.params().name.is_empty() {
//!         event.fail("nobody to greet")?;
//!         return Ok(());
//!     }
//!     event.log("greeting")?;
//!     event.set_results(&json!({"greeting": {"text": format!("hello, {}", event.params().name)}}))?;
//!     Ok(())
//! }
//!
//! let yaml = r#"
//! name: greeter
//! actions:
//!   greet:
//!     description: Greet someone.
//!     params:
//!       name: {type: string, description: Who to greet.}
//!     required: [name]
//!     additionalProperties: false
//! "#;
//! let mut ctx = Context::from_yaml_str(Charm::new().action(on_greet), yaml).unwrap();
//!
//! let out = ctx.run(Event::action("greet").params(json!({"name": "ada"})), State::default()).unwrap();
//! assert_eq!(out.action_logs, ["greeting"]);
//! assert_eq!(out.action_results, json!({"greeting": {"text": "hello, ada"}}));
//! assert_eq!(out.action_results_flat, [("greeting.text".to_owned(), "hello, ada".to_owned())]);
//!
//! let Err(RunError::ActionFailed(failed)) = ctx.run(Event::action("greet").params(json!({"name": ""})), State::default())
//! else { panic!() };
//! assert_eq!(failed.message, "nobody to greet");
//!
//! let err = ctx.run(Event::action("greet").params(json!({"name": 1, "x": 2})), State::default()).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "Error in action parameters: name: must be of type string, not integer, given 1; \
//!      x: unknown parameter (the schema sets additionalProperties: false)"
//! );
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::charm::{Charm, Dispatch, Outcome};
use crate::event::UnitEnv;
use crate::params::{self, ParamErrors};
use crate::results;
use crate::schema::{ActionSpec, sorted};
use crate::tools::{HookTools, LogLevel, StatusName, ToolError};

/// A `charmcraft.yaml` larger than this is refused before parsing.
const MAX_YAML_BYTES: usize = 4 * 1024 * 1024;

/// The charm under test and the schema its `charmcraft.yaml` declares.
pub struct Context {
    charm: Charm,
    charm_name: String,
    specs: BTreeMap<String, ActionSpec>,
    options: Map<String, Value>,
    next_id: u64,
    /// Every run's output (failed actions included), oldest first.
    pub history: Vec<Output>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("charm", &self.charm)
            .field("actions", &self.specs.keys().collect::<Vec<_>>())
            .field("runs", &self.history.len())
            .finish()
    }
}

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
    /// The charm directory (`JUJU_CHARM_DIR`); a fresh temporary directory when `None`.
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
        }
    }
}

impl std::error::Error for RunError {}

/// `charmcraft.yaml` could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for YamlError {}

impl Context {
    /// A context for `charm`, with the actions and config declared in the `charmcraft.yaml` at
    /// `path` (typically `concat!(env!("CARGO_MANIFEST_DIR"), "/../charmcraft.yaml")`).
    pub fn new(charm: Charm, path: impl AsRef<Path>) -> Result<Context, YamlError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| YamlError {
            path: path.display().to_string(),
            message: format!("cannot read: {e}"),
        })?;
        Context::from_yaml_str(charm, &text).map_err(|e| YamlError {
            path: path.display().to_string(),
            ..e
        })
    }

    /// Like [`Context::new`], from the text of a `charmcraft.yaml`.
    pub fn from_yaml_str(charm: Charm, text: &str) -> Result<Context, YamlError> {
        let err = |message: String| YamlError {
            path: "charmcraft.yaml".into(),
            message,
        };
        if text.len() > MAX_YAML_BYTES {
            return Err(err(format!(
                "{} bytes is over the {MAX_YAML_BYTES}-byte limit",
                text.len()
            )));
        }
        let root: Value =
            serde_saphyr::from_str(text).map_err(|e| err(format!("invalid YAML: {e}")))?;
        let Value::Object(root) = root else {
            return Err(err("the document must be a mapping".into()));
        };
        let charm_name = root
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("charm")
            .to_owned();
        let mut specs = BTreeMap::new();
        match root.get("actions") {
            None | Some(Value::Null) => {}
            Some(Value::Object(actions)) => {
                for (name, body) in actions {
                    let spec = ActionSpec::from_yaml_value(name, body)
                        .map_err(|e| err(format!("actions.{name}: {}", e.reason)))?;
                    specs.insert(name.clone(), spec);
                }
            }
            Some(_) => return Err(err("`actions` must be a mapping of action names".into())),
        }
        let options = match root.get("config").and_then(|c| c.get("options")) {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(options)) => options.clone(),
            Some(_) => return Err(err("`config.options` must be a mapping".into())),
        };
        Ok(Context {
            charm,
            charm_name,
            specs,
            options,
            next_id: 0,
            history: Vec::new(),
        })
    }

    /// Runs `event` against `state`.
    pub fn run(&mut self, event: Event, state: State) -> Result<Output, RunError> {
        match &event {
            Event::Action { name, params, id } => {
                let (name, raw, id) = (name.clone(), params.clone(), id.clone());
                self.run_action(event, &name, &raw, id, state)
            }
            Event::Hook(name) => {
                let name = name.clone();
                self.run_hook(event, &name, state)
            }
        }
    }

    fn check_action(&self, name: &str) -> Result<&ActionSpec, RunError> {
        let Some(spec) = self.specs.get(name) else {
            let declared: Vec<&str> = self.specs.keys().map(String::as_str).collect();
            return Err(RunError::Inconsistent {
                problems: vec![format!(
                    "action {name:?} is not declared in charmcraft.yaml (declared: {})",
                    if declared.is_empty() {
                        "none".to_owned()
                    } else {
                        declared.join(", ")
                    }
                )],
            });
        };
        if let Some(Ok(rust)) = self.charm.action_spec(name)
            && rust.to_yaml_value() != spec.to_yaml_value()
        {
            return Err(RunError::Inconsistent {
                problems: vec![format!(
                    "charmcraft.yaml's actions.{name} differs from the Rust params type: run `cargo xtask sync`"
                )],
            });
        }
        Ok(spec)
    }

    fn run_action(
        &mut self,
        event: Event,
        name: &str,
        raw: &Value,
        id: Option<String>,
        state: State,
    ) -> Result<Output, RunError> {
        let spec = self.check_action(name)?;
        let prepared = params::prepare(spec, raw).map_err(RunError::InvalidParams)?;
        let id = id.unwrap_or_else(|| {
            self.next_id += 1;
            self.next_id.to_string()
        });
        let mut backend = Backend::new(&state, &self.options, Some(prepared.clone()));
        let env = self.env(&state, Some(&id));
        let outcome = self
            .charm
            .dispatch(&Dispatch::Action(name.to_owned()), &mut backend, &env);
        let output = backend.into_output(event, state, env, Some(id), Some(prepared));
        self.history.push(output.clone());
        match outcome {
            Outcome::Completed | Outcome::Skipped => match &output.failure {
                Some(message) => Err(RunError::ActionFailed(Box::new(ActionFailed {
                    message: message.clone(),
                    output,
                }))),
                None => Ok(output),
            },
            Outcome::Refused { message } | Outcome::Errored { message } => {
                Err(RunError::ActionFailed(Box::new(ActionFailed {
                    message,
                    output,
                })))
            }
            Outcome::Panicked { message } => Err(RunError::Panicked {
                message,
                output: Box::new(output),
            }),
        }
    }

    fn run_hook(&mut self, event: Event, name: &str, state: State) -> Result<Output, RunError> {
        let mut backend = Backend::new(&state, &self.options, None);
        let env = self.env(&state, None);
        let outcome = self
            .charm
            .dispatch(&Dispatch::Hook(name.to_owned()), &mut backend, &env);
        let output = backend.into_output(event, state, env, None, None);
        self.history.push(output.clone());
        match outcome {
            Outcome::Completed | Outcome::Skipped | Outcome::Refused { .. } => Ok(output),
            Outcome::Errored { message } => Err(RunError::HookFailed {
                message,
                output: Box::new(output),
            }),
            Outcome::Panicked { message } => Err(RunError::Panicked {
                message,
                output: Box::new(output),
            }),
        }
    }

    fn env(&self, state: &State, id: Option<&str>) -> UnitEnv {
        let charm_dir = state.charm_dir.clone().unwrap_or_else(fresh_dir);
        UnitEnv {
            unit_name: state
                .unit_name
                .clone()
                .unwrap_or_else(|| format!("{}/0", self.charm_name)),
            model_name: state.model_name.clone(),
            charm_dir,
            action_id: id.unwrap_or_default().to_owned(),
            juju_version: "3.6.7".to_owned(),
        }
    }
}

/// A new, empty temporary directory for a run that did not name a charm directory.
fn fresh_dir() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir()
        .join(format!("ops-testing-{}-{n}", std::process::id()))
        .join("charm");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The in-memory hook tools: what Juju would record, kept in memory.
struct Backend {
    params: Option<Value>,
    config: Map<String, Value>,
    leader: bool,
    logs: Vec<String>,
    results: Vec<(String, String)>,
    failure: Option<String>,
    juju_log: Vec<LogLine>,
    statuses: Vec<StatusValue>,
    unit_status: Option<StatusValue>,
    app_status: Option<StatusValue>,
    version: Option<String>,
}

impl Backend {
    fn new(state: &State, options: &Map<String, Value>, params: Option<Value>) -> Backend {
        // config-get: YAML defaults, overridden by the state's values; unset options omitted.
        let mut config = Map::new();
        for (name, option) in options {
            if let Some(default) = option.get("default") {
                config.insert(name.clone(), default.clone());
            }
        }
        for (name, value) in &state.config {
            config.insert(name.clone(), value.clone());
        }
        config.retain(|_, v| !v.is_null());
        Backend {
            params,
            config,
            leader: state.leader,
            logs: Vec::new(),
            results: Vec::new(),
            failure: None,
            juju_log: Vec::new(),
            statuses: Vec::new(),
            unit_status: state.unit_status.clone(),
            app_status: state.app_status.clone(),
            version: state.workload_version.clone(),
        }
    }

    fn into_output(
        self,
        event: Event,
        mut state: State,
        env: UnitEnv,
        id: Option<String>,
        params: Option<Value>,
    ) -> Output {
        state.unit_status = self.unit_status;
        state.app_status = self.app_status;
        state.workload_version = self.version;
        state.charm_dir = Some(env.charm_dir);
        state.unit_name = Some(env.unit_name);
        let nested = results::nest(self.results.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Output {
            event,
            id,
            params,
            action_logs: self.logs,
            action_results: sorted(Value::Object(nested)),
            action_results_flat: self.results,
            failure: self.failure,
            juju_log: self.juju_log,
            statuses: self.statuses,
            state,
        }
    }

    fn not_in_action(&self, tool: &str) -> Result<(), ToolError> {
        if self.params.is_some() {
            return Ok(());
        }
        Err(ToolError {
            argv: vec![tool.to_owned()],
            kind: crate::tools::ToolErrorKind::Failed {
                code: Some(1),
                stderr: "ERROR not running an action\n".into(),
            },
        })
    }
}

impl HookTools for Backend {
    fn action_get(&mut self) -> Result<Value, ToolError> {
        self.not_in_action("action-get")?;
        Ok(self.params.clone().unwrap_or(Value::Null))
    }

    fn action_set(&mut self, pairs: &[(String, String)]) -> Result<(), ToolError> {
        self.not_in_action("action-set")?;
        self.results.extend(pairs.iter().cloned());
        Ok(())
    }

    fn action_log(&mut self, message: &str) -> Result<(), ToolError> {
        self.not_in_action("action-log")?;
        self.logs.push(message.to_owned());
        Ok(())
    }

    fn action_fail(&mut self, message: &str) -> Result<(), ToolError> {
        self.not_in_action("action-fail")?;
        self.failure = Some(message.to_owned());
        Ok(())
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), ToolError> {
        self.juju_log.push(LogLine {
            level,
            message: message.to_owned(),
        });
        Ok(())
    }

    fn status_set(
        &mut self,
        status: StatusName,
        message: &str,
        application: bool,
    ) -> Result<(), ToolError> {
        let value = StatusValue {
            name: status,
            message: message.to_owned(),
        };
        if application {
            if !self.leader {
                return Err(ToolError {
                    argv: vec!["status-set".into(), "--application".into()],
                    kind: crate::tools::ToolErrorKind::Failed {
                        code: Some(1),
                        stderr: "ERROR setting application status: this unit is not the leader\n"
                            .into(),
                    },
                });
            }
            self.app_status = Some(value);
        } else {
            self.statuses.push(value.clone());
            self.unit_status = Some(value);
        }
        Ok(())
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), ToolError> {
        self.version = Some(version.to_owned());
        Ok(())
    }

    fn config_get(&mut self) -> Result<Map<String, Value>, ToolError> {
        Ok(self.config.clone())
    }

    fn is_leader(&mut self) -> Result<bool, ToolError> {
        Ok(self.leader)
    }
}
