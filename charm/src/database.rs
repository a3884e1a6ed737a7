//! The `database` relation: this charm requires a PostgreSQL database over `postgresql_client`,
//! in the data-platform libraries' wire format (`data_interfaces` v0, the variant where the
//! credentials travel in the relation data).
//!
//! The requirer's leader names the database it wants in its application bag when the relation is
//! created; the provider's leader answers in its own application bag with the endpoints and a
//! user. Every unit reads the answer: the status says which database the unit uses, and the
//! `connection-info` action shows it. When the relation goes away the unit says so and the
//! action fails until a database is related again.

use ops::databag::{Databag, Encoding};
use ops::{ActionEvent, Endpoint, HandlerResult, RelationEvent, Role, StatusName, Unit};
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

/// What the requirer writes into its application bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DatabaseRequest {
    pub database: String,
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

impl DatabaseProvided {
    /// The credentials, once the provider has sent all of them.
    pub fn credentials(&self) -> Option<Credentials> {
        Some(Credentials {
            database: self.database.clone()?,
            endpoints: self.endpoints.clone()?,
            username: self.username.clone()?,
            password: self.password.clone()?,
        })
    }
}

/// `database-relation-created`: the leader asks for the database.
pub fn on_created(event: &mut RelationEvent<Database>) -> HandlerResult {
    if event.is_leader()? {
        event.write_local_app(&DatabaseRequest {
            database: DATABASE.to_owned(),
        })?;
    }
    Ok(())
}

/// `database-relation-changed`: the provider may have answered.
pub fn on_changed(event: &mut RelationEvent<Database>) -> HandlerResult {
    let provided: DatabaseProvided = event.read_remote_app()?;
    match provided.credentials() {
        Some(credentials) => {
            let message = format!(
                "{READY}; database {} at {}",
                credentials.database, credentials.endpoints
            );
            event.set_status(StatusName::Active, message)?;
        }
        None => event.set_status(StatusName::Waiting, "waiting for database credentials")?,
    }
    Ok(())
}

/// `database-relation-broken`: the database is gone.
pub fn on_broken(event: &mut RelationEvent<Database>) -> HandlerResult {
    let provider = event.relation().remote_app().to_owned();
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
        .credentials()
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
        }))?,
        Err(message) => event.fail(message)?,
    }
    Ok(())
}
