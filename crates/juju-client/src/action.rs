//! Running things on units: [`Juju::run`] (an action), [`Juju::exec`] (a command) and
//! [`Juju::show_task`], each returning a [`Task`], told apart from the ways the CLI fails.

use std::io::Write;

use serde_json::{Map, Value};
use tempfile::NamedTempFile;

use crate::cli::parse_json;
use crate::{CliOutput, Error, Juju, Task};

impl Juju {
    /// `juju run UNIT ACTION --format json [--wait Ns] [--params FILE]`, parsed as jubilant
    /// parses it. `params` is a JSON object (or `null` for none). Returns the task when it
    /// succeeded, else [`Error::Task`]; [`Error::Timeout`] when `--wait` ran out
    /// ([`Juju::with_run_wait`]), [`Error::NotScheduled`] when the action is unknown or no task
    /// was scheduled.
    pub fn run(
        &self,
        unit: impl AsRef<str>,
        action: impl AsRef<str>,
        params: &Value,
    ) -> Result<Task, Error> {
        let action = action.as_ref();
        let mut args: Vec<String> = vec![
            "run".into(),
            "--format".into(),
            "json".into(),
            unit.as_ref().into(),
            action.into(),
        ];
        if let Some(wait) = self.wait {
            args.push("--wait".into());
            args.push(format!("{}s", wait.as_secs().max(1)));
        }
        // Lives until the end of this function, after the CLI has read it; removed on drop.
        let params_file = match params {
            Value::Object(map) if !map.is_empty() => Some(params_file(map)?),
            Value::Null | Value::Object(_) => None,
            other => {
                return Err(Error::Io(format!(
                    "action params must be a JSON object, got {other}"
                )));
            }
        };
        if let Some(file) = &params_file {
            args.push("--params".into());
            args.push(file.path().display().to_string());
        }
        let output = match self.cli(&args) {
            Ok(output) => output,
            Err(e) if e.stderr.contains("timed out") => {
                return Err(Error::Timeout {
                    action: action.into(),
                    stderr: e.stderr,
                });
            }
            Err(e) if e.stderr.contains("(not found)") => {
                return Err(Error::NotScheduled {
                    action: action.into(),
                    stderr: e.stderr,
                });
            }
            Err(e) if e.stderr.contains("task failed") => e.into_output(),
            Err(e) => return Err(e.into()),
        };
        match first_task(&output)? {
            Some(task) => task.into_result(),
            None => Err(Error::NotScheduled {
                action: action.into(),
                stderr: output.stderr,
            }),
        }
    }

    /// `juju exec --unit UNIT --format json -- COMMAND…`; a non-zero exit is [`Error::Task`].
    /// Juju joins the words with spaces and runs the line with a shell, so `["cat a || true"]`
    /// is one shell command, and `["sh", "-c", "cat a"]` runs `sh -c cat a`.
    pub fn exec<S: AsRef<str>>(
        &self,
        unit: impl AsRef<str>,
        command: impl IntoIterator<Item = S>,
    ) -> Result<Task, Error> {
        let mut args: Vec<String> = ["exec", "--format", "json", "--unit", unit.as_ref(), "--"]
            .map(str::to_owned)
            .into();
        args.extend(command.into_iter().map(|a| a.as_ref().to_owned()));
        let output = match self.cli(&args) {
            Ok(output) => output,
            Err(e) if e.stderr.contains("task failed") => e.into_output(),
            Err(e) => return Err(e.into()),
        };
        match first_task(&output)? {
            Some(task) => task.into_result(),
            None => Err(Error::Parse {
                argv: output.argv,
                reason: format!("no task in the output; stderr:\n{}", output.stderr),
            }),
        }
    }

    /// `juju show-task ID --format json`.
    pub fn show_task(&self, id: impl AsRef<str>) -> Result<Task, Error> {
        self.cli_json(["show-task", id.as_ref(), "--format", "json"])
    }
}

/// The first task of `juju run`/`exec` JSON (keyed by unit); `None` when there is none.
fn first_task(output: &CliOutput) -> Result<Option<Task>, Error> {
    if output.stdout.trim().is_empty() {
        return Ok(None);
    }
    let value: Value = parse_json(&output.stdout, output.argv.clone())?;
    let Value::Object(by_unit) = value else {
        return Err(Error::Parse {
            argv: output.argv.clone(),
            reason: "expected a JSON object keyed by unit".into(),
        });
    };
    // Not by unit name: `app/leader` comes back as `app/N`.
    let Some((_, task)) = by_unit.into_iter().next() else {
        return Ok(None);
    };
    serde_json::from_value(task)
        .map(Some)
        .map_err(|e| Error::Parse {
            argv: output.argv.clone(),
            reason: e.to_string(),
        })
}

/// The params of `juju run` in a new temporary file (JSON is valid YAML), with an
/// unpredictable name; the file is removed when the returned handle is dropped.
fn params_file(params: &Map<String, Value>) -> Result<NamedTempFile, Error> {
    let mut file = tempfile::Builder::new()
        .prefix("juju-params-")
        .suffix(".yaml")
        .tempfile()
        .map_err(|e| Error::Io(format!("cannot create a file for the action params: {e}")))?;
    let written = serde_json::to_writer(&mut file, params)
        .map_err(std::io::Error::from)
        .and_then(|()| file.flush());
    if let Err(e) = written {
        return Err(Error::Io(format!(
            "cannot write the action params to {}: {e}",
            file.path().display()
        )));
    }
    Ok(file)
}
