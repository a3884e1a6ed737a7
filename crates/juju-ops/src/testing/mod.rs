//! The in-process test harness: the Rust answer to `ops.testing` (Scenario), stricter than it.
//!
//! A [`Context`] holds the charm and the schema its `charmcraft.yaml` declares. [`Context::run`]
//! takes an [`Event`] and a [`State`], runs the charm's handler in process through the same
//! [`Charm::dispatch`] the runtime uses (only the hook-tool backend is swapped for an in-memory
//! one), and returns an [`Output`]: action logs, results (nested as Juju stores them, and
//! flattened), `juju-log` lines, statuses and the state after the run. A run whose [`State`]
//! names no charm directory gets a fresh one inside a temporary directory that the context
//! deletes when it is dropped.
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

mod backend;
mod state;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use self::backend::Backend;
pub use self::state::{ActionFailed, Event, LogLine, Output, RunError, State, StatusValue};
use crate::charm::{Charm, Dispatch, Outcome};
use crate::event::UnitEnv;
use crate::params;
use crate::schema::ActionSpec;

/// A `charmcraft.yaml` larger than this is refused before parsing.
const MAX_YAML_BYTES: usize = 4 * 1024 * 1024;

/// The charm under test and the schema its `charmcraft.yaml` declares.
///
/// Runs whose [`State`] names no charm directory get one inside a temporary directory that the
/// context owns and deletes when dropped: paths in its outputs are valid while it lives.
pub struct Context {
    charm: Charm,
    charm_name: String,
    specs: BTreeMap<String, ActionSpec>,
    options: Map<String, Value>,
    next_id: u64,
    /// Holds the charm directories of runs that named none; created on first use.
    scratch: Option<tempfile::TempDir>,
    next_dir: u64,
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
            scratch: None,
            next_dir: 0,
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
        let env = self.env(&state, Some(&id))?;
        let mut backend = Backend::new(&state, &self.options, Some(prepared.clone()));
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
        let env = self.env(&state, None)?;
        let mut backend = Backend::new(&state, &self.options, None);
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

    fn env(&mut self, state: &State, id: Option<&str>) -> Result<UnitEnv, RunError> {
        let charm_dir = match &state.charm_dir {
            Some(dir) => dir.clone(),
            None => self.fresh_charm_dir()?,
        };
        Ok(UnitEnv {
            unit_name: state
                .unit_name
                .clone()
                .unwrap_or_else(|| format!("{}/0", self.charm_name)),
            model_name: state.model_name.clone(),
            charm_dir,
            action_id: id.unwrap_or_default().to_owned(),
            juju_version: "3.6.7".to_owned(),
            relation: None,
        })
    }

    /// A new, empty `charm` directory for a run whose state names none: `<n>/charm` inside the
    /// context's temporary directory (created on first use, with an unpredictable name), so
    /// relative paths such as `../data` stay inside it too.
    fn fresh_charm_dir(&mut self) -> Result<PathBuf, RunError> {
        let harness_error = |what: &str, e: std::io::Error| RunError::Harness {
            message: format!("cannot create {what}: {e}"),
        };
        let root = match &self.scratch {
            Some(scratch) => scratch.path().to_path_buf(),
            None => {
                let scratch = tempfile::Builder::new()
                    .prefix("ops-testing-")
                    .tempdir()
                    .map_err(|e| harness_error("a temporary directory", e))?;
                let root = scratch.path().to_path_buf();
                self.scratch = Some(scratch);
                root
            }
        };
        self.next_dir += 1;
        let dir = root.join(self.next_dir.to_string()).join("charm");
        std::fs::create_dir_all(&dir).map_err(|e| harness_error(&dir.display().to_string(), e))?;
        Ok(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Hook;

    #[test]
    fn runs_without_a_charm_dir_get_a_temporary_one_deleted_with_the_context() {
        let charm = Charm::new().on(Hook::Install, |event| {
            std::fs::write(event.env().charm_dir.join("../data"), "demo")?;
            Ok(())
        });
        let mut ctx = Context::from_yaml_str(charm, "name: demo\n").unwrap();
        let first = ctx.run(Event::install(), State::default()).unwrap();
        let second = ctx.run(Event::install(), State::default()).unwrap();
        let first = first.state.charm_dir.unwrap();
        let second = second.state.charm_dir.unwrap();
        assert_ne!(first, second);
        assert!(first.is_dir() && first.ends_with("charm"), "{first:?}");
        assert!(first.with_file_name("data").is_file());

        let root = first.parent().and_then(Path::parent).unwrap().to_path_buf();
        assert_eq!(second.parent().and_then(Path::parent), Some(root.as_path()));
        let name = root.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("ops-testing-"), "{name}");
        drop(ctx);
        assert!(!root.exists(), "{root:?} is left behind");
    }
}
