//! A typed client for the `juju` CLI, the Rust counterpart of Python's `jubilant`.
//!
//! Every call goes through one choke point ([`Juju::cli`]) that runs the CLI and turns a non-zero
//! exit into a [`CliError`] carrying the argv, exit code and output. Each JSON shape has one
//! serde type. [`Juju::run`] returns a [`Task`], or [`Error::Task`] when the task did not succeed;
//! [`Juju::wait`] polls `status` until a predicate holds on consecutive polls; [`TempModel`]
//! destroys its model when dropped. Whether the CLI is a real controller's `juju` or the
//! built-in `juju-local` is invisible here.
//!
//! ```no_run
//! # extern crate juju_client as juju;
//! use juju::{Juju, Task};
//! use serde_json::json;
//!
//! let juju = Juju::from_env().temp_model("itest")?;
//! juju.deploy("target/charm/my-charm_amd64.charm".as_ref(), None, &Default::default())?;
//! juju.wait(|s| juju::all_active(s, &["my-charm"]), &Default::default())?;
//! let task: Task = juju.run("my-charm/0", "snapshot", &json!({"filename": "db.tar.gz"}))?;
//! assert!(task.success());
//! # Ok::<(), juju::Error>(())
//! ```

mod status;
mod task;

use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

pub use status::{
    AppStatus, ModelInfo, Status, StatusInfo, UnitStatus, all_active, all_agents_idle, any_error,
};
pub use task::{Task, TaskError};

/// A `juju` command that exited non-zero (or could not be started).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
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
        argv: Vec<String>,
        reason: String,
    },
    /// [`Juju::wait`] ran out of time or hit its error predicate.
    Wait {
        reason: String,
        status: Box<Option<Status>>,
    },
    Io(String),
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
        }
    }
}

impl std::error::Error for Error {}

impl From<CliError> for Error {
    fn from(e: CliError) -> Self {
        Error::Cli(e)
    }
}

/// Options for [`Juju::deploy`].
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Number of units (default 1).
    pub num_units: Option<u32>,
    /// `--config key=value` pairs.
    pub config: Vec<(String, String)>,
}

/// A condition on the model's status.
pub type StatusPredicate = Box<dyn Fn(&Status) -> bool>;

/// Options for [`Juju::wait`].
pub struct WaitOptions {
    /// Give up after this long (default 3 minutes).
    pub timeout: Duration,
    /// Pause between polls (default 1 s).
    pub delay: Duration,
    /// How many consecutive polls `ready` must hold on (default 3, as jubilant).
    pub successes: u32,
    /// Stop early with an error when this holds (e.g. [`any_error`]).
    pub error: Option<StatusPredicate>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(180),
            delay: Duration::from_secs(1),
            successes: 3,
            error: Some(Box::new(|s: &Status| any_error(s, &[]))),
        }
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout", &self.timeout)
            .field("delay", &self.delay)
            .field("successes", &self.successes)
            .field("error", &self.error.is_some())
            .finish()
    }
}

/// A handle on the `juju` CLI, optionally bound to a model.
#[derive(Debug, Clone)]
pub struct Juju {
    cli: PathBuf,
    model: Option<String>,
    /// `--wait` given to `juju run` (client-side wait for results).
    wait: Option<Duration>,
    env: Vec<(String, String)>,
    verbose: bool,
}

impl Juju {
    /// A client for the CLI at `cli` (a path, or a name looked up on `PATH`).
    pub fn new(cli: impl Into<PathBuf>) -> Juju {
        Juju {
            cli: cli.into(),
            model: None,
            wait: None,
            env: Vec::new(),
            verbose: std::env::var_os("JUJU_CLIENT_LOG").is_some(),
        }
    }

    /// The CLI named by `$JUJU_CLI` (else `juju`), bound to `$JUJU_MODEL` when set.
    pub fn from_env() -> Juju {
        let juju = Juju::new(
            std::env::var_os("JUJU_CLI").map_or_else(|| PathBuf::from("juju"), PathBuf::from),
        );
        match std::env::var("JUJU_MODEL") {
            Ok(model) if !model.is_empty() => juju.with_model(model),
            _ => juju,
        }
    }

    /// This client bound to `model` (passed as `--model` to every model command).
    pub fn with_model(mut self, model: impl Into<String>) -> Juju {
        self.model = Some(model.into());
        self
    }

    /// The `--wait` duration for `juju run`.
    pub fn with_run_wait(mut self, wait: Duration) -> Juju {
        self.wait = Some(wait);
        self
    }

    /// An environment variable for every CLI call (e.g. `JUJU_LOCAL_HOME`).
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Juju {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    pub fn cli_path(&self) -> &Path {
        &self.cli
    }

    /// The environment variables given to every CLI call ([`Juju::with_env`]).
    pub fn env(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Runs `juju <args>` (with `--model` when `with_model` and a model is set): the one choke
    /// point for every call. Returns stdout and stderr, or a [`CliError`].
    pub fn cli(&self, args: &[&str], with_model: bool) -> Result<(String, String), CliError> {
        let mut argv: Vec<String> = vec![self.cli.display().to_string()];
        argv.extend(args.iter().take(1).map(|s| (*s).to_owned()));
        if with_model && let Some(model) = &self.model {
            argv.push("--model".into());
            argv.push(model.clone());
        }
        argv.extend(args.iter().skip(1).map(|s| (*s).to_owned()));
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
            Ok((stdout, stderr))
        } else {
            Err(CliError {
                argv,
                code: output.status.code(),
                stdout,
                stderr,
            })
        }
    }

    fn json(&self, args: &[&str], with_model: bool) -> Result<Value, Error> {
        let (stdout, _) = self.cli(args, with_model)?;
        serde_json::from_str(&stdout).map_err(|e| Error::Parse {
            argv: args.iter().map(|s| (*s).to_owned()).collect(),
            reason: e.to_string(),
        })
    }

    /// `juju version`.
    pub fn version(&self) -> Result<String, Error> {
        Ok(self.cli(&["version"], false)?.0.trim().to_owned())
    }

    /// `juju add-model NAME --no-switch`.
    pub fn add_model(&self, name: &str) -> Result<(), Error> {
        self.cli(&["add-model", "--no-switch", name], false)?;
        Ok(())
    }

    /// `juju destroy-model NAME --no-prompt --destroy-storage --force`.
    pub fn destroy_model(&self, name: &str) -> Result<(), Error> {
        self.cli(
            &[
                "destroy-model",
                name,
                "--no-prompt",
                "--destroy-storage",
                "--force",
            ],
            false,
        )?;
        Ok(())
    }

    /// Creates a uniquely named model and returns a guard that destroys it when dropped.
    pub fn temp_model(&self, prefix: &str) -> Result<TempModel, Error> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("{prefix}-{}-{:05x}", std::process::id(), nanos % 0xfffff);
        self.add_model(&name)?;
        Ok(TempModel {
            juju: self.clone().with_model(name),
            keep: false,
        })
    }

    /// `juju deploy CHARM [APP] [--num-units N] [--config k=v]…`.
    pub fn deploy(
        &self,
        charm: &Path,
        app: Option<&str>,
        options: &DeployOptions,
    ) -> Result<(), Error> {
        let charm = charm.display().to_string();
        let mut args: Vec<String> = vec!["deploy".into(), charm];
        args.extend(app.map(str::to_owned));
        if let Some(n) = options.num_units {
            args.push("--num-units".into());
            args.push(n.to_string());
        }
        for (k, v) in &options.config {
            args.push("--config".into());
            args.push(format!("{k}={v}"));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.cli(&refs, true)?;
        Ok(())
    }

    /// `juju refresh APP --path CHARM`: upgrades the application to a local charm file with the
    /// same charm name. Each unit then runs `upgrade-charm` and `config-changed`; a controller
    /// does that after the call returns (so [`Juju::wait`] for the units), `juju-local` before.
    pub fn refresh(&self, app: &str, charm: &Path) -> Result<(), Error> {
        let charm = charm.display().to_string();
        self.cli(&["refresh", app, "--path", &charm], true)?;
        Ok(())
    }

    /// `juju status --format json`.
    pub fn status(&self) -> Result<Status, Error> {
        let value = self.json(&["status", "--format", "json"], true)?;
        serde_json::from_value(value).map_err(|e| Error::Parse {
            argv: vec!["status".into()],
            reason: e.to_string(),
        })
    }

    /// Polls `status` until `ready` holds on `successes` consecutive polls (jubilant's `wait`).
    pub fn wait(
        &self,
        ready: impl Fn(&Status) -> bool,
        options: &WaitOptions,
    ) -> Result<Status, Error> {
        let deadline = Instant::now() + options.timeout;
        let mut streak = 0;
        loop {
            let status = self.status()?;
            if options.error.as_ref().is_some_and(|error| error(&status)) {
                return Err(Error::Wait {
                    reason: format!(
                        "error predicate matched while waiting:\n{}",
                        status.summary()
                    ),
                    status: Box::new(Some(status)),
                });
            }
            if ready(&status) {
                streak += 1;
                if streak >= options.successes.max(1) {
                    return Ok(status);
                }
            } else {
                streak = 0;
            }
            let last = Some(status);
            if Instant::now() >= deadline {
                let summary = last.as_ref().map(Status::summary).unwrap_or_default();
                return Err(Error::Wait {
                    reason: format!(
                        "timed out after {:?} waiting for the model:\n{summary}",
                        options.timeout
                    ),
                    status: Box::new(last),
                });
            }
            std::thread::sleep(options.delay);
        }
    }

    /// `juju run UNIT ACTION --format json [--params FILE]`, parsed as jubilant parses it.
    /// Returns the task when it succeeded, else [`Error::Task`].
    pub fn run(&self, unit: &str, action: &str, params: &Value) -> Result<Task, Error> {
        let mut args: Vec<String> = vec![
            "run".into(),
            "--format".into(),
            "json".into(),
            unit.into(),
            action.into(),
        ];
        if let Some(wait) = self.wait {
            args.push("--wait".into());
            args.push(format!("{}s", wait.as_secs().max(1)));
        }
        let params_file = match params {
            Value::Object(map) if !map.is_empty() => Some(ParamsFile::write(params)?),
            Value::Null | Value::Object(_) => None,
            other => {
                return Err(Error::Io(format!(
                    "action params must be a JSON object, got {other}"
                )));
            }
        };
        if let Some(file) = &params_file {
            args.push("--params".into());
            args.push(file.path.display().to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (stdout, stderr) = match self.cli(&refs, true) {
            Ok(out) => out,
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
            Err(e) if e.stderr.contains("task failed") => (e.stdout, e.stderr),
            Err(e) => return Err(e.into()),
        };
        let task = parse_task(&stdout).map_err(|reason| match reason {
            None => Error::NotScheduled {
                action: action.into(),
                stderr: stderr.clone(),
            },
            Some(reason) => Error::Parse {
                argv: args.clone(),
                reason,
            },
        })?;
        task.into_result()
    }

    /// `juju exec --unit UNIT --format json -- COMMAND…`; a non-zero exit is [`Error::Task`].
    pub fn exec(&self, unit: &str, command: &[&str]) -> Result<Task, Error> {
        let mut args = vec!["exec", "--format", "json", "--unit", unit, "--"];
        args.extend(command);
        let (stdout, stderr) = match self.cli(&args, true) {
            Ok(out) => out,
            Err(e) if e.stderr.contains("task failed") => (e.stdout, e.stderr),
            Err(e) => return Err(e.into()),
        };
        let task = parse_task(&stdout).map_err(|reason| Error::Parse {
            argv: args.iter().map(|s| (*s).to_owned()).collect(),
            reason: reason.unwrap_or_else(|| format!("no task in the output; stderr:\n{stderr}")),
        })?;
        task.into_result()
    }

    /// `juju show-task ID --format json`.
    pub fn show_task(&self, id: &str) -> Result<Task, Error> {
        let value = self.json(&["show-task", id, "--format", "json"], true)?;
        Task::from_json(&value).map_err(|reason| Error::Parse {
            argv: vec!["show-task".into(), id.into()],
            reason,
        })
    }

    /// The application's config values (`juju config APP --format json`, `settings.*.value`).
    pub fn config(&self, app: &str) -> Result<Map<String, Value>, Error> {
        let value = self.json(&["config", app, "--format", "json"], true)?;
        let settings = value
            .get("settings")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Ok(settings
            .into_iter()
            .filter_map(|(k, v)| v.get("value").cloned().map(|v| (k, v)))
            .collect())
    }

    /// `juju config APP k=v…`.
    pub fn set_config(&self, app: &str, values: &[(&str, &str)]) -> Result<(), Error> {
        let pairs: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["config", app];
        args.extend(pairs.iter().map(String::as_str));
        self.cli(&args, true)?;
        Ok(())
    }

    /// The last `limit` lines of `juju debug-log`.
    pub fn debug_log(&self, limit: usize) -> Result<String, Error> {
        let limit = limit.to_string();
        Ok(self
            .cli(
                &["debug-log", "--replay", "--no-tail", "--limit", &limit],
                true,
            )?
            .0)
    }
}

/// Parses `juju run`/`exec` JSON (keyed by unit) into its first task; `Err(None)` when empty.
fn parse_task(stdout: &str) -> Result<Task, Option<String>> {
    if stdout.trim().is_empty() {
        return Err(None);
    }
    let value: Value = serde_json::from_str(stdout).map_err(|e| Some(e.to_string()))?;
    let Value::Object(by_unit) = value else {
        return Err(Some("expected a JSON object keyed by unit".into()));
    };
    // Not by unit name: `app/leader` comes back as `app/N`.
    let Some(first) = by_unit.values().next() else {
        return Err(None);
    };
    Task::from_json(first).map_err(Some)
}

/// The params of `juju run`, in a temporary file removed on drop (JSON is valid YAML).
struct ParamsFile {
    path: PathBuf,
}

impl ParamsFile {
    fn write(params: &Value) -> Result<ParamsFile, Error> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path =
            std::env::temp_dir().join(format!("juju-params-{}-{nanos}.yaml", std::process::id()));
        std::fs::write(&path, params.to_string())
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
        Ok(ParamsFile { path })
    }
}

impl Drop for ParamsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A model that is destroyed when this guard is dropped (unless [`TempModel::keep`] was called).
#[derive(Debug)]
pub struct TempModel {
    juju: Juju,
    keep: bool,
}

impl TempModel {
    /// Keep the model after the guard is dropped (for inspection).
    pub fn keep(&mut self) {
        self.keep = true;
    }

    pub fn name(&self) -> &str {
        self.juju.model().unwrap_or_default()
    }
}

impl Deref for TempModel {
    type Target = Juju;
    fn deref(&self) -> &Juju {
        &self.juju
    }
}

impl Drop for TempModel {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if let Some(model) = self.juju.model()
            && let Err(e) = self.juju.destroy_model(model)
        {
            eprintln!("warning: cannot destroy model {model}: {e}");
        }
    }
}
