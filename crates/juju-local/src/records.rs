//! The records the local Juju keeps for benchmarks, as a typed read-only view of its state
//! files: a task's charm-process wall time and hook-tool calls ([`task`]), and a unit's last hook
//! with the same timings ([`unit()`]). These fields are not part of Juju's output and are never
//! printed by the CLI; read them here rather than parsing the state files, whose layout is
//! private.
//!
//! Every function takes the local Juju's home (the `JUJU_LOCAL_HOME` it ran with) and reads the
//! record as it is on disk now; records are replaced atomically, so a read never sees a torn
//! write.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

pub use crate::state::{HookRun, TaskRecord, UnitRecord};

/// Why a record could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A model, unit or task name that cannot name a record (e.g. `app` without `/<number>`,
    /// a task id that is not a number, or a name with a path separator).
    InvalidName { what: &'static str, name: String },
    /// The record's file could not be read; a missing model, unit or task is
    /// [`io::ErrorKind::NotFound`].
    Read { path: PathBuf, source: io::Error },
    /// The record's file is not a record of that kind.
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidName { what, name } => write!(f, "invalid {what} name {name:?}"),
            Error::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Parse { path, source } => {
                write!(f, "corrupt state file {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidName { .. } => None,
            Error::Read { source, .. } => Some(source),
            Error::Parse { source, .. } => Some(source),
        }
    }
}

/// Task `id` (as `juju run` prints it: `"1"`, `"2"`, …) of `model`, under the local Juju's
/// `home`: an action's or `exec` command's record, with [`TaskRecord::process_micros`] and
/// [`TaskRecord::tool_calls`].
pub fn task(home: &Path, model: &str, id: &str) -> Result<TaskRecord, Error> {
    let model_dir = model_dir(home, model)?;
    let id: u64 = id.parse().map_err(|_| Error::InvalidName {
        what: "task",
        name: id.to_owned(),
    })?;
    read(&model_dir.join("tasks").join(format!("{id}.json")))
}

/// Unit `unit` (`<app>/<number>`) of `model`, under the local Juju's `home`, with
/// [`UnitRecord::last_hook`].
pub fn unit(home: &Path, model: &str, unit: &str) -> Result<UnitRecord, Error> {
    let model_dir = model_dir(home, model)?;
    let invalid = || Error::InvalidName {
        what: "unit",
        name: unit.to_owned(),
    };
    let (app, number) = unit.split_once('/').ok_or_else(invalid)?;
    let number: u32 = number.parse().map_err(|_| invalid())?;
    if !is_plain_name(app) {
        return Err(invalid());
    }
    read(
        &model_dir
            .join("apps")
            .join(app)
            .join(number.to_string())
            .join("unit.json"),
    )
}

/// The directory of `model` under `home`, refusing names that would leave it.
fn model_dir(home: &Path, model: &str) -> Result<PathBuf, Error> {
    if !is_plain_name(model) {
        return Err(Error::InvalidName {
            what: "model",
            name: model.to_owned(),
        });
    }
    Ok(home.join("models").join(model))
}

/// Whether `name` is one path component that stays where it is joined.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\0'])
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::Parse {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_leave_the_home_are_refused() {
        let home = Path::new("/nonexistent");
        for (model, id) in [
            ("..", "1"),
            ("a/b", "1"),
            ("", "1"),
            ("m", "../1"),
            ("m", "x"),
        ] {
            assert!(
                matches!(task(home, model, id), Err(Error::InvalidName { .. })),
                "{model} {id}"
            );
        }
        for name in ["app", "app/x", "../0", "./0", "a/b/0", "/0"] {
            assert!(
                matches!(unit(home, "m", name), Err(Error::InvalidName { .. })),
                "{name}"
            );
        }
    }

    #[test]
    fn a_missing_record_is_not_found() {
        let Err(Error::Read { source, .. }) = task(Path::new("/nonexistent"), "m", "1") else {
            panic!("expected a read error");
        };
        assert_eq!(source.kind(), io::ErrorKind::NotFound);
    }
}
