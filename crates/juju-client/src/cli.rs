//! The choke point every call goes through ([`Juju::cli`], [`Juju::cli_without_model`]) and
//! what it returns or fails with: [`CliOutput`], [`CliError`] and the crate's [`Error`].

use std::fmt;
use std::process::Command;

use serde::de::DeserializeOwned;

use crate::{Juju, Status, TaskError};

/// What a `juju` command that exited zero printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliOutput {
    /// The command line as run: the CLI, then the arguments (with `--model` when given).
    pub argv: Vec<String>,
    pub stdout: String,
    pub stderr: String,
}

/// A `juju` command that exited non-zero (or could not be started).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The command line as run: the CLI, then the arguments (with `--model` when given).
    pub argv: Vec<String>,
    /// `None` when the process could not be started or was killed.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self
            .code
            .map_or_else(|| "no exit code".to_owned(), |c| format!("exit code {c}"));
        write!(f, "`{}` failed with {code}", self.argv.join(" "))?;
        let stderr = self.stderr.trim();
        if !stderr.is_empty() {
            write!(f, ":\n{stderr}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

/// Everything the client can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    Cli(CliError),
    /// The task ran and did not succeed.
    Task(Box<TaskError>),
    /// `juju run` gave up waiting for the task.
    Timeout {
        action: String,
        stderr: String,
    },
    /// The action is not defined by the charm, or no task was scheduled (stderr says why).
    NotScheduled {
        action: String,
        stderr: String,
    },
    /// The CLI printed something that is not what its `--format json` promises.
    Parse {
        /// The command line as run, as in [`CliError::argv`].
        argv: Vec<String>,
        reason: String,
    },
    /// [`Juju::wait`] ran out of time or hit its error predicate.
    Wait {
        reason: String,
        status: Box<Option<Status>>,
    },
    /// The params of [`Juju::run`] are not a JSON object, or cannot be written to a file.
    Io(String),
    /// An integration test runs without what `cargo xtask itest` hands it: the variable named.
    NotInItest {
        variable: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Cli(e) => write!(f, "{e}"),
            Error::Task(e) => write!(f, "{e}"),
            Error::Timeout { action, stderr } => write!(
                f,
                "timed out waiting for action {action:?}, stderr:\n{stderr}"
            ),
            Error::NotScheduled { action, stderr } => {
                write!(f, "error running action {action:?}, stderr:\n{stderr}")
            }
            Error::Parse { argv, reason } => write!(
                f,
                "cannot parse the output of `{}`: {reason}",
                argv.join(" ")
            ),
            Error::Wait { reason, .. } => write!(f, "{reason}"),
            Error::Io(e) => write!(f, "{e}"),
            Error::NotInItest { variable } => write!(
                f,
                "{variable} is not set: these tests need a Juju model and a packed charm; run them with `cargo xtask itest`"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl CliError {
    /// What the command printed, for a command whose non-zero exit still printed its result
    /// (`juju run` and `juju exec` exit non-zero when the task failed).
    pub(crate) fn into_output(self) -> CliOutput {
        CliOutput {
            argv: self.argv,
            stdout: self.stdout,
            stderr: self.stderr,
        }
    }
}

impl From<CliError> for Error {
    fn from(e: CliError) -> Self {
        Error::Cli(e)
    }
}

impl Juju {
    /// Runs `juju <args>` with `--model <model>` after the command name when this client is
    /// bound to a model ([`Juju::with_model`]), for commands that act on a model (`status`,
    /// `deploy`, `run`, …); jubilant's `cli(..., include_model=True)`. Every command of this
    /// client goes through here or [`Juju::cli_without_model`]. A non-zero exit is a
    /// [`CliError`] with the output.
    ///
    /// ```no_run
    /// # extern crate juju_client as juju;
    /// let juju = juju::Juju::from_env();
    /// let status = juju.cli(["status", "--format", "yaml"])?.stdout;
    /// # Ok::<(), juju::CliError>(())
    /// ```
    pub fn cli<S: AsRef<str>>(
        &self,
        args: impl IntoIterator<Item = S>,
    ) -> Result<CliOutput, CliError> {
        self.call(argv(self, args, self.model.as_deref()))
    }

    /// Runs `juju <args>` without `--model`, for commands that take no model (`version`,
    /// `models`, `add-model`, …) or name it themselves; otherwise as [`Juju::cli`].
    pub fn cli_without_model<S: AsRef<str>>(
        &self,
        args: impl IntoIterator<Item = S>,
    ) -> Result<CliOutput, CliError> {
        self.call(argv(self, args, None))
    }

    /// [`Juju::cli`], with stdout parsed as `T` (the caller passes `--format json`).
    pub(crate) fn cli_json<T: DeserializeOwned, S: AsRef<str>>(
        &self,
        args: impl IntoIterator<Item = S>,
    ) -> Result<T, Error> {
        let output = self.cli(args)?;
        parse_json(&output.stdout, output.argv)
    }

    fn call(&self, argv: Vec<String>) -> Result<CliOutput, CliError> {
        if self.verbose {
            eprintln!("juju: {}", argv.join(" "));
        }
        let output = Command::new(&self.cli)
            .args(&argv[1..])
            .envs(self.env.iter().cloned())
            .output();
        let output = match output {
            Ok(output) => output,
            Err(e) => {
                return Err(CliError {
                    argv,
                    code: None,
                    stdout: String::new(),
                    stderr: format!("cannot run {}: {e}", self.cli.display()),
                });
            }
        };
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if output.status.success() {
            Ok(CliOutput {
                argv,
                stdout,
                stderr,
            })
        } else {
            Err(CliError {
                argv,
                code: output.status.code(),
                stdout,
                stderr,
            })
        }
    }
}

/// Parses JSON the CLI printed for `argv` as `T`, by way of a [`serde_json::Value`] (so a
/// repeated key is the last one, as everywhere else in the client).
pub(crate) fn parse_json<T: DeserializeOwned>(stdout: &str, argv: Vec<String>) -> Result<T, Error> {
    serde_json::from_str::<serde_json::Value>(stdout)
        .and_then(T::deserialize)
        .map_err(|e| Error::Parse {
            argv,
            reason: e.to_string(),
        })
}

/// The command line for `args`: the CLI, the command name, `--model <model>` when given, the
/// rest of the arguments.
fn argv<S: AsRef<str>>(
    juju: &Juju,
    args: impl IntoIterator<Item = S>,
    model: Option<&str>,
) -> Vec<String> {
    let mut args = args.into_iter().map(|a| a.as_ref().to_owned());
    let mut argv = vec![juju.cli.display().to_string()];
    argv.extend(args.next());
    if let Some(model) = model {
        argv.push("--model".into());
        argv.push(model.to_owned());
    }
    argv.extend(args);
    argv
}
