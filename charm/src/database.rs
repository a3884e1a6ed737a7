//! The `database` relation: this charm requires a PostgreSQL database over `postgresql_client`,
//! in the data-platform libraries' wire format (`data_interfaces` v0), as current PostgreSQL
//! charms speak it: the credentials travel in a secret.
//!
//! The requirer's leader names the database it wants, and the fields it wants as secrets
//! (`requested-secrets`), in its application bag when the relation is created. The provider's
//! leader answers in its own application bag with the endpoints, and the user in an
//! application-owned secret granted to the relation, named by `secret-user` (a provider that
//! was asked for no secrets writes `username` and `password` in plain text, which is read too).
//! Every unit reads the answer and writes the user into a `.pgpass` file beside its data (mode
//! 0600), where `pg_dump` and `psql` find it; the status says which database the unit uses, and
//! the `connection-info` action shows it without the password. When the provider changes the
//! password (a new revision of the secret, `secret-changed`) the unit moves to it. When the
//! relation goes away the unit deletes the file and says so, and the action fails until a
//! database is related again.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ops::databag::{Databag, Encoding};
use ops::{
    ActionEvent, Endpoint, HandlerResult, RelationEvent, Role, Secret, SecretEvent, SecretRead,
    StatusName, Unit,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actions::ConnectionInfo;

/// The database name this charm asks for.
pub const DATABASE: &str = "snapshot-demo";

/// The status message of a unit without a database (the `start` hook's).
pub const READY: &str = "ready";

/// The endpoint: `requires: database: {interface: postgresql_client, limit: 1, optional: true}`.
pub struct Database;

impl Endpoint for Database {
    const NAME: &'static str = "database";
    const INTERFACE: &'static str = "postgresql_client";
    const ROLE: Role = Role::Requires;
    const LIMIT: Option<u32> = Some(1);
    /// Snapshots work without a database.
    const OPTIONAL: bool = true;
}

/// The fields this charm asks to receive in a secret (data_interfaces' `user` group).
pub const REQUESTED_SECRETS: [&str; 2] = ["username", "password"];

/// What the requirer writes into its application bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DatabaseRequest {
    pub database: String,
    /// Written as a JSON list, as data_interfaces writes it.
    pub requested_secrets: Vec<String>,
}

impl Databag for DatabaseRequest {
    const ENCODING: Encoding = Encoding::Plain;
}

/// What the provider answers in its application bag; every field is absent until it answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DatabaseProvided {
    pub database: Option<String>,
    /// Comma-separated `host:port`.
    pub endpoints: Option<String>,
    pub read_only_endpoints: Option<String>,
    /// The secret holding `username` and `password`, when they were asked for as secrets.
    pub secret_user: Option<Secret>,
    /// In plain text only when they were not asked for as secrets.
    pub username: Option<String>,
    pub password: Option<String>,
    pub version: Option<String>,
}

impl Databag for DatabaseProvided {
    const ENCODING: Encoding = Encoding::Plain;
}

/// A complete answer: what a client needs to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub database: String,
    pub endpoints: String,
    pub username: String,
    pub password: String,
}

/// The content of the `secret-user` secret.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct UserSecret {
    pub username: String,
    pub password: String,
}

impl DatabaseProvided {
    /// The credentials, once the provider has sent all of them: the user from `secret-user`
    /// (read as `read` says), else from the plain fields.
    pub fn credentials(
        &self,
        unit: &mut Unit,
        read: SecretRead,
    ) -> Result<Option<Credentials>, ops::SecretError> {
        let (Some(database), Some(endpoints)) = (&self.database, &self.endpoints) else {
            return Ok(None);
        };
        let (username, password) = match (&self.secret_user, &self.username, &self.password) {
            (Some(secret), _, _) => {
                let user: UserSecret = match read {
                    SecretRead::Tracked => unit.secret_content(secret)?,
                    SecretRead::Peek => unit.peek_secret_content(secret)?,
                    SecretRead::Refresh => unit.refresh_secret_content(secret)?,
                };
                (user.username, user.password)
            }
            (None, Some(username), Some(password)) => (username.clone(), password.clone()),
            _ => return Ok(None),
        };
        Ok(Some(Credentials {
            database: database.clone(),
            endpoints: endpoints.clone(),
            username,
            password,
        }))
    }
}

/// Where the unit keeps the credentials for PostgreSQL's clients: `.pgpass` beside the charm
/// directory.
pub fn pgpass_path(charm_dir: &Path) -> PathBuf {
    charm_dir.join("../.pgpass")
}

/// Writes `credentials` as a `.pgpass` line per endpoint (`host:port:database:user:password`),
/// readable by the owner only, replacing the file whole.
pub fn write_pgpass(charm_dir: &Path, credentials: &Credentials) -> std::io::Result<()> {
    let escape = |s: &str| s.replace('\\', "\\\\").replace(':', "\\:");
    let mut text = String::new();
    for endpoint in credentials.endpoints.split(',') {
        let (host, port) = endpoint.rsplit_once(':').unwrap_or((endpoint, "5432"));
        text.push_str(&format!(
            "{}:{}:{}:{}:{}\n",
            escape(host),
            escape(port),
            escape(&credentials.database),
            escape(&credentials.username),
            escape(&credentials.password)
        ));
    }
    let path = pgpass_path(charm_dir);
    let temp = path.with_extension("new");
    let _ = std::fs::remove_file(&temp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)?;
    file.write_all(text.as_bytes())?;
    std::fs::rename(&temp, &path)
}

/// `database-relation-created`: the leader asks for the database and for the user as a secret.
pub fn on_created(event: &mut RelationEvent<Database>) -> HandlerResult {
    if event.is_leader()? {
        event.write_local_app(&DatabaseRequest {
            database: DATABASE.to_owned(),
            requested_secrets: REQUESTED_SECRETS.map(str::to_owned).to_vec(),
        })?;
    }
    Ok(())
}

/// `database-relation-changed`: the provider may have answered.
pub fn on_changed(event: &mut RelationEvent<Database>) -> HandlerResult {
    let provided: DatabaseProvided = event.read_remote_app()?;
    use_credentials(event, &provided, SecretRead::Tracked)
}

/// `secret-changed`: the provider changed the user's secret (a new password); move to it.
pub fn on_secret_changed(event: &mut SecretEvent) -> HandlerResult {
    let secret = event.secret().clone();
    for relation in event.relations::<Database>()? {
        let provided: DatabaseProvided = event.relation_data(&relation).read_remote_app()?;
        if provided
            .secret_user
            .as_ref()
            .is_some_and(|s| s.same_secret(&secret))
        {
            return use_credentials(event, &provided, SecretRead::Refresh);
        }
    }
    Ok(())
}

/// Writes the credentials `provided` names into `.pgpass` and says so in the status.
fn use_credentials(
    unit: &mut Unit,
    provided: &DatabaseProvided,
    read: SecretRead,
) -> HandlerResult {
    match provided.credentials(unit, read)? {
        Some(credentials) => {
            write_pgpass(&unit.env().charm_dir, &credentials)?;
            let message = format!(
                "{READY}; database {} at {}",
                credentials.database, credentials.endpoints
            );
            unit.set_status(StatusName::Active, message)?;
        }
        None => unit.set_status(StatusName::Waiting, "waiting for database credentials")?,
    }
    Ok(())
}

/// `database-relation-broken`: the database is gone, and so are its credentials.
pub fn on_broken(event: &mut RelationEvent<Database>) -> HandlerResult {
    let provider = event.relation().remote_app().to_owned();
    match std::fs::remove_file(pgpass_path(&event.env().charm_dir)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    event.info(format!("the database relation with {provider} was removed"))?;
    event.set_status(StatusName::Active, READY)?;
    Ok(())
}

/// The credentials of the related database: `Err` with what to do when there are none yet.
pub fn credentials(unit: &mut Unit) -> Result<Credentials, String> {
    let relations = unit.relations::<Database>().map_err(|e| e.to_string())?;
    let Some(relation) = relations.first() else {
        let app = unit.app_name().to_owned();
        return Err(format!(
            "no database is related: relate one with `juju integrate {app} <database app>`"
        ));
    };
    let provided: DatabaseProvided = unit
        .relation_data(relation)
        .read_remote_app()
        .map_err(|e| e.to_string())?;
    provided
        .credentials(unit, SecretRead::Tracked)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{} has not sent the credentials yet", relation.remote_app()))
}

/// The `connection-info` action.
pub fn on_connection_info(event: &mut ActionEvent<ConnectionInfo>) -> HandlerResult {
    match credentials(event) {
        Ok(credentials) => event.set_results(&json!({
            "database": credentials.database,
            "endpoints": credentials.endpoints,
            "username": credentials.username,
            "password": if credentials.password.is_empty() { "empty" } else { "set" },
            "pgpass": pgpass_path(&event.env().charm_dir).display().to_string(),
        }))?,
        Err(message) => event.fail(message)?,
    }
    Ok(())
}
