//! A typed client for the `juju` CLI, the Rust counterpart of Python's `jubilant`.
//!
//! Every call goes through one choke point, [`Juju::cli`] (which adds `--model` when the client
//! is bound to a model) or [`Juju::cli_without_model`], that runs the CLI and turns a non-zero
//! exit into a [`CliError`] carrying the argv, exit code and output; both are public for the
//! commands this client does not wrap. Each JSON shape has one serde type ([`Status`],
//! [`Task`], [`UnitInfo`]). [`Juju::run`] returns a [`Task`], or [`Error::Task`] when the task
//! did not succeed; [`Juju::wait`] polls `status` until a predicate holds on consecutive polls;
//! [`TempModel`] destroys its model when dropped. Whether the CLI is a real controller's `juju`
//! or the built-in `juju-local` is invisible here.
//!
//! Relations and scale: [`Juju::integrate`] and [`Juju::remove_relation`] take `app` or
//! `app:endpoint`; [`Juju::add_unit`], [`Juju::remove_unit`] and [`Juju::remove_application`]
//! change the units. None of them waits, so each is followed by a [`Juju::wait`] on a
//! predicate: [`is_related`] (both ends list each other in `status`), [`unit_count`],
//! [`Status::relations_of`] and [`Status::units_of`] (a subordinate's units included).
//! [`Juju::show_unit`] shows what a unit sees of its relations: every databag, typed as
//! [`RelationData`].
//!
//! Storage and ports: [`DeployOptions::storage`] passes `--storage`, [`Juju::add_storage`] adds
//! instances to a unit and returns their ids, and [`Juju::storage`] lists them
//! ([`CombinedStorage`], also [`Status::storage`]); a unit's opened ports are
//! [`UnitStatus::open_ports`] and [`UnitInfo::opened_ports`], an application's exposure
//! [`AppStatus::exposed`].
//! Secrets: [`Juju::add_secret`] makes a user secret (its content goes to the CLI in a file,
//! never on the command line) and returns its [`SecretUri`]; [`Juju::update_secret`],
//! [`Juju::grant_secret`], [`Juju::revoke_secret`] and [`Juju::remove_secret`] change it;
//! [`Juju::show_secret`], [`Juju::show_secret_revisions`], [`Juju::reveal_secret`] (a
//! [`RevealedSecret`] with the content) and [`Juju::secrets`] read any secret of the model.
//!
//! ```no_run
//! # extern crate juju_client as juju;
//! use juju::{Juju, Task};
//! use serde_json::json;
//!
//! let juju = Juju::from_env().temp_model("itest")?;
//! juju.deploy("target/charm/my-charm_amd64.charm", None, &Default::default())?;
//! juju.wait(|s| juju::all_active(s, &["my-charm"]), &Default::default())?;
//! let task: Task = juju.run("my-charm/0", "snapshot", &json!({"filename": "db.tar.gz"}))?;
//! assert!(task.success());
//! let listing = juju.exec("my-charm/0", ["ls", "-l", "../snapshots"])?.stdout;
//! let log = juju.cli(["debug-log", "--replay", "--no-tail", "--level", "ERROR"])?.stdout;
//!
//! juju.deploy("postgresql", None, &Default::default())?;
//! juju.integrate("my-charm:database", "postgresql")?;
//! juju.wait(|s| juju::is_related(s, "my-charm:database", "postgresql"), &Default::default())?;
//! let info = juju.show_unit("my-charm/0")?;
//! let db = info.relations_on("database").next().map(|r| &r.application_data);
//! juju.add_unit("my-charm", &juju::AddUnitOptions { num_units: 2, ..Default::default() })?;
//! juju.wait(|s| juju::unit_count(s, "my-charm") == 3, &Default::default())?;
//!
//! let uri = juju.add_secret("api-token", [("token", "s3cret")], Some("the API token"))?;
//! juju.grant_secret("api-token", ["my-charm"])?;
//! juju.set_config("my-charm", &[("token", &uri)])?;
//! assert_eq!(juju.reveal_secret(&uri, None)?.content["token"], "s3cret");
//! # Ok::<(), juju::Error>(())
//! ```

mod action;
mod apps;
mod cli;
pub mod itest;
mod model;
mod secret;
mod status;
mod storage;
mod task;
mod unit;
mod wait;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

pub use apps::{AddUnitOptions, RemoveOptions, RemoveRelationOptions};
pub use cli::{CliError, CliOutput, Error};
pub use model::TempModel;
pub use secret::{
    RevealedSecret, SecretAccess, SecretInfo, SecretRevision, SecretUri, UpdateSecretOptions,
};
pub use status::{
    AppStatus, AppStatusRelation, ModelInfo, Status, StatusInfo, UnitStatus, all_active,
    all_agents_idle, any_error, is_related, unit_count,
};
pub use storage::{
    CombinedStorage, EntityStatus, StorageAttachments, StorageInfo, UnitStorageAttachment,
};
pub use task::{Task, TaskError};
pub use unit::{RelationData, UnitInfo, UnitRelationData};
pub use wait::{StatusPredicate, WaitOptions};

/// Options for [`Juju::deploy`].
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Number of units (default 1).
    pub num_units: Option<u32>,
    /// `--config key=value` pairs.
    pub config: Vec<(String, String)>,
    /// `--storage name=directive` pairs, a directive being `POOL,COUNT,SIZE` in any order,
    /// each optional (`("data", "tmpfs,1G")`, as jubilant's `storage={'data': 'tmpfs,1G'}`).
    pub storage: Vec<(String, String)>,
    /// `--attach-storage`: existing storage to attach to the new unit (`data/0`), joined with
    /// commas. Not available on Kubernetes models, nor on `juju-local`, which keeps no
    /// detached storage.
    pub attach_storage: Vec<String>,
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
    /// A client for the CLI at `cli` (a path, or a name looked up on `PATH`). Every command line
    /// is printed to stderr when `$JUJU_CLIENT_LOG` is set.
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

    /// This client bound to `model` (passed as `--model` by [`Juju::cli`], so to every model
    /// command).
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

    /// The model this client is bound to, if any.
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// The CLI this client runs.
    pub fn cli_path(&self) -> &Path {
        &self.cli
    }

    /// The environment variables given to every CLI call ([`Juju::with_env`]).
    pub fn env(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `juju version`.
    pub fn version(&self) -> Result<String, Error> {
        Ok(self
            .cli_without_model(["version"])?
            .stdout
            .trim()
            .to_owned())
    }

    /// `juju deploy CHARM [APP] [--attach-storage S,…] [--num-units N] [--config k=v]…
    /// [--storage name=directive]…`.
    pub fn deploy(
        &self,
        charm: impl AsRef<Path>,
        app: Option<&str>,
        options: &DeployOptions,
    ) -> Result<(), Error> {
        let mut args: Vec<String> = vec!["deploy".into(), charm.as_ref().display().to_string()];
        args.extend(app.map(str::to_owned));
        if !options.attach_storage.is_empty() {
            args.push("--attach-storage".into());
            args.push(options.attach_storage.join(","));
        }
        if let Some(n) = options.num_units {
            args.push("--num-units".into());
            args.push(n.to_string());
        }
        for (k, v) in &options.config {
            args.push("--config".into());
            args.push(format!("{k}={v}"));
        }
        for (name, directive) in &options.storage {
            args.push("--storage".into());
            args.push(format!("{name}={directive}"));
        }
        self.cli(&args)?;
        Ok(())
    }

    /// `juju refresh APP --path CHARM`: upgrades the application to a local charm file with the
    /// same charm name. Each unit then runs `upgrade-charm` and `config-changed`; a controller
    /// does that after the call returns (so [`Juju::wait`] for the units), `juju-local` before.
    pub fn refresh(&self, app: impl AsRef<str>, charm: impl AsRef<Path>) -> Result<(), Error> {
        let charm = charm.as_ref().display().to_string();
        self.cli(["refresh", app.as_ref(), "--path", &charm])?;
        Ok(())
    }

    /// `juju status --format json`.
    pub fn status(&self) -> Result<Status, Error> {
        self.cli_json(["status", "--format", "json"])
    }

    /// The application's config values (`juju config APP --format json`, `settings.*.value`).
    pub fn config(&self, app: impl AsRef<str>) -> Result<Map<String, Value>, Error> {
        let value: Value = self.cli_json(["config", app.as_ref(), "--format", "json"])?;
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

    /// `juju config APP k=v…`, e.g. `set_config("db", &[("level", 4)])`.
    pub fn set_config<K: fmt::Display, V: fmt::Display>(
        &self,
        app: impl AsRef<str>,
        values: &[(K, V)],
    ) -> Result<(), Error> {
        let mut args = vec!["config".to_owned(), app.as_ref().to_owned()];
        args.extend(values.iter().map(|(k, v)| format!("{k}={v}")));
        self.cli(&args)?;
        Ok(())
    }

    /// The last `limit` lines of `juju debug-log`.
    pub fn debug_log(&self, limit: usize) -> Result<String, Error> {
        let limit = limit.to_string();
        Ok(self
            .cli(["debug-log", "--replay", "--no-tail", "--limit", &limit])?
            .stdout)
    }
}
