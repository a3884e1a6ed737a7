//! The in-process test harness: the Rust answer to `ops.testing` (Scenario), stricter than it.
//!
//! A [`Context`] holds the charm and what its `charmcraft.yaml` declares (actions, config,
//! endpoints). [`Context::run`]
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
//!
//! # Relations, leadership and charm state
//!
//! A [`State`] also holds the unit's [`Relation`]s with every databag the unit can see, the
//! leader settings and the unit's charm state. `charmcraft.yaml`'s `requires:`, `provides:` and
//! `peers:` say which relations may exist: before anything runs, the harness refuses (with
//! [`RunError::Inconsistent`], naming each problem and its fix) a relation on an undeclared
//! endpoint, a peer endpoint without [`Relation::peer`] (or the reverse), duplicate ids, more
//! relations than an endpoint's `limit`, a peer relation whose `peers_data` holds the unit under
//! test, an event whose relation or remote unit the state does not have, `-relation-broken` for a
//! peer relation, and a relation hook named by string ([`Event::hook`]), which would run without
//! its relation.
//!
//! A relation event is built from a relation of the state ([`Event::relation_created`],
//! [`relation_joined`](Event::relation_joined), [`relation_changed`](Event::relation_changed),
//! [`relation_departed`](Event::relation_departed), [`relation_broken`](Event::relation_broken)),
//! and the handler sees the environment Juju sets ([`UnitEnv::relation`](crate::UnitEnv::relation)): no remote unit in
//! `-created`, `-broken` and an application-level `-changed`, this unit's own application as the
//! remote one on a peer relation, a departing unit in `-departed` only. The relation hook tools
//! follow Juju's rules and messages: a non-leader reads its own application's bag only on a peer
//! relation and never writes it (`cannot write relation settings`), `leader-set` on a non-leader
//! fails, `relation-list` leaves out the departing unit in `-departed` and is empty in `-broken`.
//!
//! Juju commits relation data and charm state only when the hook succeeds: [`Output::state`]
//! carries what the charm wrote after a successful run, and after a failed one
//! ([`RunError::HookFailed`], [`RunError::Panicked`]) the data as it was. Leader settings and
//! statuses, which Juju writes at once, keep what the run set either way.
//!
//! ```
//! # extern crate juju_ops as ops;
//! use ops::testing::{Context, Event, Relation, RunError, State};
//! use ops::{Charm, StatusName};
//!
//! let yaml = r#"
//! name: blog
//! requires:
//!   database: {interface: postgresql_client, limit: 1}
//! peers:
//!   cluster: {interface: blog_peers}
//! "#;
//! let charm = Charm::new().on("database-relation-changed", |event| {
//!     let relation = event.env().relation.clone().expect("a relation hook");
//!     let changed = relation.remote_unit.unwrap_or(relation.remote_app);
//!     event.set_status(StatusName::Active, format!("{changed} changed"))?;
//!     Ok(())
//! });
//! let mut ctx = Context::from_yaml_str(charm, yaml).unwrap();
//!
//! let db = Relation::new("database")
//!     .remote_app("pg")
//!     .remote_app_data([("endpoints", "10.0.0.1:5432")]);
//! let state = State::default()
//!     .relation(db.clone())
//!     .relation(Relation::peer("cluster"));
//!
//! // The remote application's bag changed: Juju names no remote unit.
//! let out = ctx.run(Event::relation_changed(&db), state.clone()).unwrap();
//! assert_eq!(out.statuses[0].message, "pg changed");
//! let out = ctx.run(Event::relation_changed(&db).remote_unit(0), state.clone()).unwrap();
//! assert_eq!(out.statuses[0].message, "pg/0 changed");
//! let after = out.state.get_relation(db.id).unwrap();
//! assert_eq!(after.remote_app_data["endpoints"], "10.0.0.1:5432");
//!
//! // Juju could not send these: refused before the handler runs.
//! let err = ctx.run(Event::relation_joined(&db, 3), state.clone()).unwrap_err();
//! assert!(err.to_string().contains("the unit pg/3, which is not in the relation"), "{err}");
//! let err = ctx.run(Event::hook("database-relation-changed"), state).unwrap_err();
//! assert!(matches!(err, RunError::Inconsistent { .. }));
//! ```
//!
//! # Storage, ports and networks
//!
//! A [`State`] holds the unit's [`Storage`] instances, its open ports by endpoint and, where a
//! test needs other addresses than the default ones, the network of a binding.
//! `charmcraft.yaml`'s `storage:` says which storage exists and its `type:`; each instance gets a
//! real location inside the context's temporary directory, the same in every run of the context
//! ([`Context::storage_location`]). [`Event::storage_attached`] and
//! [`Event::storage_detaching`] set `JUJU_STORAGE_ID`, `JUJU_STORAGE_LOCATION` and
//! `JUJU_STORAGE_KIND` (Scenario sets the first only). Refused before anything runs: storage
//! `charmcraft.yaml` does not declare, an instance twice, more instances than `multiple: range:`
//! allows, a storage event whose instance the state lacks or that is named by string, and a
//! charm handling a storage hook for undeclared storage.
//!
//! Ports are ranges (`8000-8010/udp`) and ICMP, open on every endpoint or on some
//! (`--endpoints`), as in Juju. Opening and closing follow the hook context's rules (an
//! overlapping range is refused with Juju's message); `opened-ports` shows this hook's requests
//! merged in, as newer Juju does; the changes are committed as the controller merges them and
//! only when the run succeeds, and an endpoint the charm does not have fails the run as Juju's
//! commit fails. `storage-add` is recorded in [`Output::storage_added`] when the run succeeds.
//!
//! Every endpoint, extra binding and `juju-info` has a network: Scenario's `192.0.2.0` unless
//! [`State::network`] sets another ([`default_network`]); `network-get` for any other name fails
//! with Juju's `no network config found for binding "x"`.
//!
//! ```
//! # extern crate juju_ops as ops;
//! use ops::testing::{Context, Event, State, Storage};
//! use ops::{Charm, Port, StorageKind};
//!
//! let yaml = r#"
//! name: cache
//! provides:
//!   metrics: {interface: prometheus_scrape}
//! storage:
//!   data: {type: filesystem, location: /srv/cache}
//! "#;
//! let charm = Charm::new().on_storage("data", StorageKind::Attached, |event| {
//!     std::fs::write(event.location().join("ready"), "")?;
//!     event.open_port(Port::tcp(11211))?;
//!     event.open_port_for(Port::tcp(9150), &["metrics"])?;
//!     Ok(())
//! });
//! let mut ctx = Context::from_yaml_str(charm, yaml).unwrap();
//! let data = Storage::new("data");
//! let state = State::default().storage(data.clone());
//! let out = ctx.run(Event::storage_attached(&data), state).unwrap();
//! let ports: Vec<String> = out.state.ports().iter().map(|p| p.to_string()).collect();
//! assert_eq!(ports, ["9150/tcp (metrics)", "11211/tcp (*)"]);
//! assert!(ctx.storage_location(&data).unwrap().join("ready").is_file());
//! ```
//!
//! # Secrets
//!
//! A [`State`] holds the [`Secret`]s the unit sees: ones it or its application owns
//! ([`Secret::owner`]), and ones granted to it (no owner), each with the content of the revision
//! a consumer tracks and of the latest one, its label, description, expiry, rotation policy and
//! (for an owned secret) its grants per relation. The `secret-*` tools follow Juju's rules and
//! messages: an owner (the unit, or any unit of the owning application) reads the latest
//! revision; a consumer reads the revision it tracks, `--peek` the latest without moving, and
//! `--refresh` moves (at once, as Juju saves it); a secret no longer granted gives `permission
//! denied`, an unknown one `secret "<uri>" not found`, an unknown label `consumer label "L" not
//! found`; only the leader creates or manages an application's secret (`this unit is not the
//! leader`), and `secret-info-get` and `secret-ids` list the application's secrets to the
//! leader only; content equal to the latest revision's makes no new revision (Juju 3.6).
//! What the charm creates, sets, grants, revokes and removes is committed only when the hook
//! succeeds, and a change Juju accepts from the tool but refuses when committing (a secret the
//! unit does not own, a label taken) fails the run as it fails the hook. [`Output::state`]
//! shows the result: new secrets with their URIs, owner, content and label, new revisions,
//! grants, removed revisions (a secret whose every revision was removed is gone).
//!
//! Secret events come from a secret of the state ([`Event::secret_changed`],
//! [`secret_rotate`](Event::secret_rotate), [`secret_expired`](Event::secret_expired),
//! [`secret_remove`](Event::secret_remove)), with `JUJU_SECRET_ID`, `JUJU_SECRET_LABEL` and,
//! for the last two, `JUJU_SECRET_REVISION`. The harness refuses a secret event whose secret is
//! not in the state, `secret-changed` for a secret the unit owns or one without a newer
//! revision, the owner's events for a secret it does not own (and for an application's secret,
//! on a unit that is not the leader), a secret hook named by string, and a `secret` config value
//! that is not a secret URI.
//!
//! ```
//! # extern crate juju_ops as ops;
//! use ops::testing::{Context, Event, Secret, State};
//! use ops::{Charm, SecretContent, SecretEvent, SecretKind, SecretOwner};
//!
//! let charm = Charm::new().on_secret(SecretKind::Changed, |event: &mut SecretEvent| {
//!     let content: SecretContent = event.refresh_content()?;
//!     event.info(format!("now {} keys", content.len()))?;
//!     Ok(())
//! });
//! let mut ctx = Context::from_yaml_str(charm, "name: app").unwrap();
//!
//! let token = Secret::new([("token", "old")]).latest_content([("token", "new")]);
//! let out = ctx.run(Event::secret_changed(&token), State::default().secret(token.clone())).unwrap();
//! let after = out.state.get_secret(&token.id).unwrap();
//! assert_eq!(after.tracked_revision, 2);
//! assert_eq!(after.tracked_content.get("token"), Some("new"));
//!
//! // Juju sends secret-changed to consumers only.
//! let owned = token.clone().owner(SecretOwner::Unit);
//! assert!(ctx.run(Event::secret_changed(&owned), State::default().secret(owned.clone())).is_err());
//! ```
//!
//! Here: [`Context`]; `charmcraft.rs` reads `charmcraft.yaml` and checks the charm against it;
//! `run.rs` runs an event; `state.rs` holds the state, events and output; a module per domain
//! (`relation.rs` with `consistency.rs`, `storage.rs`, `network.rs`, `secrets/`) holds what a
//! state has of it, its checks and its hook tools; `backend.rs` is the in-memory
//! [`HookTools`](crate::HookTools) they make up.

mod backend;
mod charmcraft;
mod consistency;
mod network;
mod relation;
mod run;
mod secrets;
mod state;
mod storage;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

pub use self::charmcraft::YamlError;
pub use self::network::{OpenedPorts, default_network};
use self::relation::EndpointSpec;
pub use self::relation::{DEFAULT_ADDRESS, Databag, Relation, default_unit_data};
pub use self::secrets::Secret;
pub use self::state::{ActionFailed, Event, LogLine, Output, RunError, State, StatusValue};
pub use self::storage::Storage;
use crate::charm::Charm;
use crate::schema::ActionSpec;

/// The charm under test and the schema its `charmcraft.yaml` declares.
///
/// Runs whose [`State`] names no charm directory get one inside a temporary directory that the
/// context owns and deletes when dropped: paths in its outputs are valid while it lives.
pub struct Context {
    charm: Charm,
    charm_name: String,
    specs: BTreeMap<String, ActionSpec>,
    options: Map<String, Value>,
    /// `requires:`, `provides:` and `peers:`, with the implicit `juju-info`.
    endpoints: BTreeMap<String, EndpointSpec>,
    /// Why the charm does not fit `charmcraft.yaml` (found once, when the context is made; every
    /// run is refused with them): see `Context::find_charm_problems`.
    charm_problems: Vec<String>,
    /// `storage:`.
    storage_specs: BTreeMap<String, storage::StorageSpec>,
    /// `extra-bindings:`.
    extra_bindings: BTreeSet<String>,
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
            .field("endpoints", &self.endpoints.keys().collect::<Vec<_>>())
            .field("runs", &self.history.len())
            .finish()
    }
}
