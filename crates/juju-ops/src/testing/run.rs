//! Running one event: the consistency checks, the environment Juju would give the charm, the
//! in-memory backend, [`Charm::dispatch`](crate::Charm::dispatch), and the commit Juju makes
//! (or refuses) afterwards.

use std::path::PathBuf;

use serde_json::Value;

use super::backend::Backend;
use super::consistency::{self, UnitName};
use super::{ActionFailed, Context, Event, Output, RunError, State, network, secrets, storage};
use crate::charm::{Dispatch, EventKind, Outcome};
use crate::event::UnitEnv;
use crate::params;
use crate::relation::{RelationEnv, RelationKind};

impl Context {
    /// Runs `event` against `state`.
    pub fn run(&mut self, event: Event, state: State) -> Result<Output, RunError> {
        self.check_charm()?;
        match &event {
            Event::Action { name, params, id } => {
                let (name, raw, id) = (name.clone(), params.clone(), id.clone());
                self.run_action(event, &name, &raw, id, state)
            }
            Event::Hook(_)
            | Event::Relation { .. }
            | Event::Storage { .. }
            | Event::Secret { .. } => self.run_hook(event, state),
        }
    }

    /// `JUJU_UNIT_NAME`: the state's, or `<charm name>/0`.
    fn unit_name(&self, state: &State) -> String {
        state
            .unit_name
            .clone()
            .unwrap_or_else(|| format!("{}/0", self.charm_name))
    }

    /// Refuses a state and event Juju could not produce (see the `consistency` module).
    fn check_consistency(
        &self,
        event: &Event,
        state: &State,
        unit_name: &str,
    ) -> Result<(), RunError> {
        let unit = UnitName::parse(unit_name);
        let mut problems = consistency::check(state, event, &self.endpoints, &unit);
        storage::check(state, event, &self.storage_specs, &mut problems);
        network::check(state, &self.bindings(), &mut problems);
        problems.extend(secrets::check(state, event, &self.options, &unit));
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RunError::Inconsistent { problems })
        }
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
        let unit_name = self.unit_name(&state);
        self.check_consistency(&event, &state, &unit_name)?;
        let prepared = params::prepare(spec, raw).map_err(RunError::InvalidParams)?;
        let id = id.unwrap_or_else(|| {
            self.next_id += 1;
            self.next_id.to_string()
        });
        let mut env = self.env(&state, unit_name, Some(&id), None)?;
        let mut backend = Backend::new(
            &state,
            &self.options,
            Some(prepared.clone()),
            &env,
            None,
            &self.endpoints,
        );
        self.prepare_storage(&event, &state, &mut env, &mut backend)?;
        self.prepare_network(&state, &env, &mut backend);
        let outcome = self
            .charm
            .dispatch(&Dispatch::Action(name.to_owned()), &mut backend, &env);
        // A failed action still exits 0 and Juju commits it, unless committing fails.
        let (outcome, committed) = commit(outcome, EventKind::Action, &backend);
        let output = backend.into_output(event, state, env, Some(id), Some(prepared), committed);
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

    fn run_hook(&mut self, event: Event, state: State) -> Result<Output, RunError> {
        let unit_name = self.unit_name(&state);
        self.check_consistency(&event, &state, &unit_name)?;
        let (relation, kind) = relation_env(&event, &state, &unit_name);
        let mut env = self.env(&state, unit_name, None, relation)?;
        env.secret = secrets::secret_env(&event, &state);
        let mut backend = Backend::new(&state, &self.options, None, &env, kind, &self.endpoints);
        self.prepare_storage(&event, &state, &mut env, &mut backend)?;
        self.prepare_network(&state, &env, &mut backend);
        let outcome = self
            .charm
            .dispatch(&Dispatch::Hook(event.name()), &mut backend, &env);
        let (outcome, committed) = commit(outcome, EventKind::Hook, &backend);
        let output = backend.into_output(event, state, env, None, None, committed);
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

    fn env(
        &mut self,
        state: &State,
        unit_name: String,
        id: Option<&str>,
        relation: Option<RelationEnv>,
    ) -> Result<UnitEnv, RunError> {
        let charm_dir = match &state.charm_dir {
            Some(dir) => dir.clone(),
            None => self.fresh_charm_dir()?,
        };
        Ok(UnitEnv {
            unit_name,
            model_name: state.model_name.clone(),
            charm_dir,
            action_id: id.unwrap_or_default().to_owned(),
            juju_version: "3.6.7".to_owned(),
            relation,
            storage: None,
            secret: None,
        })
    }

    /// A new, empty `charm` directory for a run whose state names none: `<n>/charm` inside the
    /// context's temporary directory (created on first use, with an unpredictable name), so
    /// relative paths such as `../data` stay inside it too.
    fn fresh_charm_dir(&mut self) -> Result<PathBuf, RunError> {
        let root = self.scratch_root()?;
        self.next_dir += 1;
        let dir = root.join(self.next_dir.to_string()).join("charm");
        std::fs::create_dir_all(&dir).map_err(|e| harness_error(&dir.display().to_string(), e))?;
        Ok(dir)
    }
}

impl Context {
    /// The context's temporary directory, created on first use with an unpredictable name.
    pub(super) fn scratch_root(&mut self) -> Result<PathBuf, RunError> {
        if let Some(scratch) = &self.scratch {
            return Ok(scratch.path().to_path_buf());
        }
        let scratch = tempfile::Builder::new()
            .prefix("ops-testing-")
            .tempdir()
            .map_err(|e| harness_error("a temporary directory", e))?;
        let root = scratch.path().to_path_buf();
        self.scratch = Some(scratch);
        Ok(root)
    }
}

pub(super) fn harness_error(what: &str, e: std::io::Error) -> RunError {
    RunError::Harness {
        message: format!("cannot create {what}: {e}"),
    }
}

/// Whether Juju commits what a run changed, and the outcome once it tried: a run that succeeded
/// but whose changes Juju refuses to commit fails with the refusal, committing nothing.
fn commit(outcome: Outcome, kind: EventKind, backend: &Backend) -> (Outcome, bool) {
    if outcome.exit_code(kind) != 0 {
        return (outcome, false);
    }
    match backend.commit_problem() {
        None => (outcome, true),
        Some(message) => match outcome {
            Outcome::Completed | Outcome::Skipped => (Outcome::Errored { message }, false),
            other => (other, false),
        },
    }
}

/// The relation environment Juju gives a relation hook (`HookVars`): `JUJU_REMOTE_UNIT` empty in
/// `-created`, `-broken` and an application-level `-changed`, `JUJU_REMOTE_APP` this unit's own
/// application on a peer relation, `JUJU_DEPARTING_UNIT` in `-departed` only (the remote unit,
/// unless the event names another). `None` for any other event, or a relation the state does
/// not hold (which the consistency checks have refused).
fn relation_env(
    event: &Event,
    state: &State,
    unit_name: &str,
) -> (Option<RelationEnv>, Option<RelationKind>) {
    let Event::Relation {
        kind,
        id,
        remote_unit,
        departing_unit,
        ..
    } = event
    else {
        return (None, None);
    };
    let Some(relation) = state.get_relation(*id) else {
        return (None, None);
    };
    let remote_app = if relation.peer {
        UnitName::parse(unit_name).app.to_owned()
    } else {
        relation.remote_app.clone()
    };
    let remote_unit = remote_unit.map(|n| format!("{remote_app}/{n}"));
    let departing_unit = match kind {
        RelationKind::Departed => departing_unit.clone().or_else(|| remote_unit.clone()),
        _ => None,
    };
    let env = RelationEnv {
        endpoint: relation.endpoint.clone(),
        id: relation.id,
        remote_app,
        remote_unit,
        departing_unit,
    };
    (Some(env), Some(*kind))
}
