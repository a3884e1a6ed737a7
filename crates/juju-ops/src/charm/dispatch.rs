//! The event named by `JUJU_DISPATCH_PATH` ([`Dispatch`]), and how one dispatch ends
//! ([`Outcome`]): a handler's result or panic reported where Juju shows it (`juju-log`,
//! `action-fail`, stderr) and turned into the exit code Juju reads.

use std::any::Any;
use std::fmt;
use std::str::FromStr;

use super::HandlerResult;
use crate::event::Unit;
use crate::params::ParamErrors;
use crate::tools::{HookTools, LogLevel};

/// How one dispatch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handler returned `Ok` (for an action: possibly after calling `fail`).
    Completed,
    /// No handler for this hook: nothing ran.
    Skipped,
    /// The action could not start (unknown action, invalid params); `action-fail` was called.
    Refused { message: String },
    /// The handler returned an error; for an action `action-fail` was called with it.
    Errored { message: String },
    /// The handler panicked.
    Panicked { message: String },
}

impl Outcome {
    /// The process exit code Juju should see after an event of `kind`: non-zero only for a
    /// panic, or a hook handler error (so Juju puts the unit in error state). A failed action
    /// exits 0: `action-fail` already reported it.
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::{EventKind, Outcome};
    ///
    /// let errored = Outcome::Errored { message: "no disk".into() };
    /// assert_eq!(errored.exit_code(EventKind::Hook), 1);
    /// assert_eq!(errored.exit_code(EventKind::Action), 0);
    /// ```
    pub fn exit_code(&self, kind: EventKind) -> u8 {
        match self {
            Outcome::Completed | Outcome::Skipped | Outcome::Refused { .. } => 0,
            Outcome::Errored { .. } if kind == EventKind::Action => 0,
            Outcome::Errored { .. } | Outcome::Panicked { .. } => 1,
        }
    }
}

/// Whether an event is a hook or an action: they report a failed handler differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Hook,
    Action,
}

/// The event named by `JUJU_DISPATCH_PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    Hook(String),
    Action(String),
}

impl Dispatch {
    /// Parses `hooks/<name>` or `actions/<name>` (also available as [`str::parse`]).
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::{Dispatch, EventKind};
    ///
    /// let event = Dispatch::parse("actions/snapshot").unwrap();
    /// assert_eq!(event, Dispatch::Action("snapshot".into()));
    /// assert_eq!(event.kind(), EventKind::Action);
    /// assert_eq!(Dispatch::parse("install").unwrap_err().path, "install");
    /// ```
    pub fn parse(path: &str) -> Result<Dispatch, DispatchPathError> {
        match path.split_once('/') {
            Some(("hooks", name)) if !name.is_empty() && !name.contains('/') => {
                Ok(Dispatch::Hook(name.to_owned()))
            }
            Some(("actions", name)) if !name.is_empty() && !name.contains('/') => {
                Ok(Dispatch::Action(name.to_owned()))
            }
            _ => Err(DispatchPathError {
                path: path.to_owned(),
            }),
        }
    }

    /// Whether this is a hook or an action.
    pub fn kind(&self) -> EventKind {
        match self {
            Dispatch::Hook(_) => EventKind::Hook,
            Dispatch::Action(_) => EventKind::Action,
        }
    }

    /// The hook or action name.
    pub fn name(&self) -> &str {
        match self {
            Dispatch::Hook(name) | Dispatch::Action(name) => name,
        }
    }
}

impl FromStr for Dispatch {
    type Err = DispatchPathError;

    fn from_str(path: &str) -> Result<Dispatch, DispatchPathError> {
        Dispatch::parse(path)
    }
}

/// A `JUJU_DISPATCH_PATH` that is neither `hooks/<name>` nor `actions/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchPathError {
    /// The path as given.
    pub path: String,
}

impl fmt::Display for DispatchPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "JUJU_DISPATCH_PATH is {:?}; expected hooks/<name> or actions/<name>",
            self.path
        )
    }
}

impl std::error::Error for DispatchPathError {}

/// Fails the action before its handler runs.
pub(super) fn refuse(tools: &mut dyn HookTools, message: String) -> Outcome {
    if let Err(e) = tools.action_fail(&message) {
        eprintln!("{message}\n(and action-fail failed: {e})");
    }
    Outcome::Refused { message }
}

pub(super) fn refuse_params(tools: &mut dyn HookTools, errors: &ParamErrors) -> Outcome {
    refuse(tools, errors.to_string())
}
/// Turns a handler's result (or panic) into an outcome, reporting errors where Juju shows them.
pub(crate) fn finish(
    unit: &mut Unit<'_>,
    what: &str,
    result: Result<HandlerResult, Box<dyn Any + Send>>,
    kind: EventKind,
) -> Outcome {
    match result {
        Ok(Ok(())) => Outcome::Completed,
        Ok(Err(error)) => {
            let message = error.to_string();
            eprintln!("error: {what} failed: {message}");
            let _ = unit.juju_log(LogLevel::Error, format!("{what} failed: {message}"));
            if kind == EventKind::Action
                && let Err(e) = unit.tools().action_fail(&message)
            {
                eprintln!("error: action-fail failed: {e}");
            }
            Outcome::Errored { message }
        }
        Err(payload) => {
            let message = panic_message(payload.as_ref());
            // The default panic hook already printed the message and location to stderr, which
            // Juju stores in the task's results and the unit log.
            let _ = unit.juju_log(LogLevel::Error, format!("{what} panicked: {message}"));
            Outcome::Panicked { message }
        }
    }
}
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
