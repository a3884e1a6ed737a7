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
//! and the handler sees the environment Juju sets ([`UnitEnv::relation`]): no remote unit in
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

mod backend;
mod consistency;
mod network;
mod relation;
mod secrets;
mod state;
mod storage;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use self::backend::Backend;
use self::consistency::UnitName;
pub use self::network::{OpenedPorts, default_network};
use self::relation::EndpointSpec;
pub use self::relation::{DEFAULT_ADDRESS, Databag, Relation, default_unit_data};
pub use self::secrets::Secret;
pub use self::state::{ActionFailed, Event, LogLine, Output, RunError, State, StatusValue};
pub use self::storage::Storage;
use crate::charm::{Charm, Dispatch, EventKind, Outcome};
use crate::event::UnitEnv;
use crate::params;
use crate::relation::{RelationEnv, RelationKind};
use crate::schema::ActionSpec;
use crate::storage::{StorageEnv, StorageId, StorageInfo, StorageKind, StorageType};

/// The sections of `charmcraft.yaml` that declare endpoints, one per [`Role`](crate::Role).
const ENDPOINT_SECTIONS: [&str; 3] = ["requires", "provides", "peers"];

/// A `charmcraft.yaml` larger than this is refused before parsing.
const MAX_YAML_BYTES: usize = 4 * 1024 * 1024;

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
    /// The same three sections as written in the file, to compare with the Rust endpoints.
    endpoint_sections: Map<String, Value>,
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

/// `charmcraft.yaml` could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for YamlError {}

impl Context {
    /// A context for `charm`, with the actions, config and endpoints declared in the `charmcraft.yaml` at
    /// `path` (typically `concat!(env!("CARGO_MANIFEST_DIR"), "/../charmcraft.yaml")`).
    pub fn new(charm: Charm, path: impl AsRef<Path>) -> Result<Context, YamlError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| YamlError {
            path: path.display().to_string(),
            message: format!("cannot read: {e}"),
        })?;
        Context::from_yaml_str(charm, &text).map_err(|e| YamlError {
            path: path.display().to_string(),
            ..e
        })
    }

    /// Like [`Context::new`], from the text of a `charmcraft.yaml`.
    pub fn from_yaml_str(charm: Charm, text: &str) -> Result<Context, YamlError> {
        let err = |message: String| YamlError {
            path: "charmcraft.yaml".into(),
            message,
        };
        if text.len() > MAX_YAML_BYTES {
            return Err(err(format!(
                "{} bytes is over the {MAX_YAML_BYTES}-byte limit",
                text.len()
            )));
        }
        let root: Value =
            serde_saphyr::from_str(text).map_err(|e| err(format!("invalid YAML: {e}")))?;
        let Value::Object(root) = root else {
            return Err(err("the document must be a mapping".into()));
        };
        let charm_name = root
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("charm")
            .to_owned();
        let mut specs = BTreeMap::new();
        match root.get("actions") {
            None | Some(Value::Null) => {}
            Some(Value::Object(actions)) => {
                for (name, body) in actions {
                    let spec = ActionSpec::from_yaml_value(name, body)
                        .map_err(|e| err(format!("actions.{name}: {}", e.reason)))?;
                    specs.insert(name.clone(), spec);
                }
            }
            Some(_) => return Err(err("`actions` must be a mapping of action names".into())),
        }
        let options = match root.get("config").and_then(|c| c.get("options")) {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(options)) => options.clone(),
            Some(_) => return Err(err("`config.options` must be a mapping".into())),
        };
        let endpoints = relation::endpoints_from_yaml(&root).map_err(err)?;
        let storage_specs = storage::storage_from_yaml(&root).map_err(err)?;
        let extra_bindings = network::extra_bindings_from_yaml(&root).map_err(err)?;
        let endpoint_sections = ENDPOINT_SECTIONS
            .iter()
            .filter_map(|&section| Some((section.to_owned(), root.get(section)?.clone())))
            .collect();
        Ok(Context {
            charm,
            charm_name,
            specs,
            options,
            endpoints,
            endpoint_sections,
            storage_specs,
            extra_bindings,
            next_id: 0,
            scratch: None,
            next_dir: 0,
            history: Vec::new(),
        })
    }

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

    /// Refuses a charm that handles a hook Juju would never send it (judged by the endpoints
    /// `charmcraft.yaml` declares), and, when the charm declares its endpoints in Rust, a
    /// `charmcraft.yaml` whose endpoints differ from them (`cargo xtask sync` writes them).
    fn check_charm(&self) -> Result<(), RunError> {
        let mut problems: Vec<String> = self
            .charm
            .hook_problems()
            .into_iter()
            .filter(|hook| {
                !RelationKind::parse_hook(hook)
                    .is_some_and(|(endpoint, _)| self.endpoints.contains_key(endpoint))
            })
            .map(|hook| {
                let declared: Vec<&str> = self.endpoints.keys().map(String::as_str).collect();
                format!(
                    "the charm handles {hook:?}, a hook Juju never sends it (endpoints in charmcraft.yaml: {})",
                    declared.join(", ")
                )
            })
            .collect();
        for hook in self.charm.hook_names() {
            if let Some((name, _)) = StorageKind::parse_hook(hook)
                && !self.storage_specs.contains_key(name)
            {
                problems.push(format!(
                    "the charm handles {hook:?}, but charmcraft.yaml declares no storage {name:?} \
                     (storage: {})",
                    if self.storage_specs.is_empty() {
                        "none".to_owned()
                    } else {
                        self.storage_specs
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ));
            }
        }
        if problems.is_empty() && self.charm.declares_endpoints() {
            match self.charm.schema_json() {
                Err(e) => problems.push(format!(
                    "the charm cannot be synced to charmcraft.yaml: {e}"
                )),
                Ok(schema) => {
                    let empty = Value::Object(Map::new());
                    for section in ENDPOINT_SECTIONS {
                        let rust = schema.get(section).unwrap_or(&empty);
                        let yaml = match self.endpoint_sections.get(section) {
                            None | Some(Value::Null) => &empty,
                            Some(yaml) => yaml,
                        };
                        if rust != yaml {
                            problems.push(format!(
                                "charmcraft.yaml's `{section}:` differs from the endpoints the charm declares in Rust: run `cargo xtask sync`"
                            ));
                        }
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RunError::Inconsistent { problems })
        }
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

    fn check_action(&self, name: &str) -> Result<&ActionSpec, RunError> {
        let Some(spec) = self.specs.get(name) else {
            let declared: Vec<&str> = self.specs.keys().map(String::as_str).collect();
            return Err(RunError::Inconsistent {
                problems: vec![format!(
                    "action {name:?} is not declared in charmcraft.yaml (declared: {})",
                    if declared.is_empty() {
                        "none".to_owned()
                    } else {
                        declared.join(", ")
                    }
                )],
            });
        };
        if let Some(Ok(rust)) = self.charm.action_spec(name)
            && rust.to_yaml_value() != spec.to_yaml_value()
        {
            return Err(RunError::Inconsistent {
                problems: vec![format!(
                    "charmcraft.yaml's actions.{name} differs from the Rust params type: run `cargo xtask sync`"
                )],
            });
        }
        Ok(spec)
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
        self.prepare_storage_and_network(&event, &state, &mut env, &mut backend)?;
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
        self.prepare_storage_and_network(&event, &state, &mut env, &mut backend)?;
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
    fn scratch_root(&mut self) -> Result<PathBuf, RunError> {
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

fn harness_error(what: &str, e: std::io::Error) -> RunError {
    RunError::Harness {
        message: format!("cannot create {what}: {e}"),
    }
}

// Storage, ports and network.

impl Context {
    /// Where the harness puts `storage` when it names no location: `storage/<name>/<index>`
    /// inside the context's temporary directory, the same for every run of this context, created
    /// on first use (a directory for a filesystem storage, an empty file standing for a block
    /// device). Write files there before a run, read them after.
    pub fn storage_location(&mut self, storage: &Storage) -> Result<PathBuf, RunError> {
        if let Some(location) = &storage.location {
            return Ok(location.clone());
        }
        let root = self.scratch_root()?;
        let path = root
            .join("storage")
            .join(&storage.name)
            .join(storage.index.to_string());
        let what = |e| harness_error(&path.display().to_string(), e);
        match self.storage_specs.get(&storage.name).map(|spec| spec.kind) {
            Some(StorageType::Block) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(what)?;
                }
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(what)?;
            }
            _ => std::fs::create_dir_all(&path).map_err(what)?,
        }
        Ok(path)
    }

    /// The names `network-get` and `open-port --endpoints` know: the endpoints (with
    /// `juju-info`) and extra bindings.
    fn bindings(&self) -> BTreeSet<String> {
        self.endpoints
            .keys()
            .chain(&self.extra_bindings)
            .cloned()
            .collect()
    }

    /// Gives the backend the run's storage (with locations), networks and ports, and a storage
    /// event its `JUJU_STORAGE_*` variables.
    fn prepare_storage_and_network(
        &mut self,
        event: &Event,
        state: &State,
        env: &mut UnitEnv,
        backend: &mut Backend,
    ) -> Result<(), RunError> {
        let mut attached = Vec::with_capacity(state.storages.len());
        for storage in &state.storages {
            let (Some(id), Some(spec)) = (
                StorageId::new(&storage.name, storage.index),
                self.storage_specs.get(&storage.name),
            ) else {
                continue;
            };
            let kind = spec.kind;
            let location = self.storage_location(storage)?;
            attached.push((id, StorageInfo { kind, location }));
        }
        attached.sort_by(|a, b| a.0.cmp(&b.0));
        if let Event::Storage { name, index, .. } = event
            && let Some((id, info)) = attached
                .iter()
                .find(|(id, _)| id.name() == name && id.index() == *index)
        {
            env.storage = Some(StorageEnv {
                id: id.clone(),
                location: Some(info.location.clone()),
                kind: Some(info.kind),
            });
            backend.storage.hook = Some(id.clone());
        }
        backend.storage.attached = attached;
        backend.storage.specs = self.storage_specs.clone();

        let bindings = self.bindings();
        let mut networks: BTreeMap<String, _> = bindings
            .iter()
            .map(|b| (b.clone(), default_network()))
            .collect();
        networks.extend(state.networks.clone());
        backend.network.networks = networks;
        backend.network.bindings = bindings;
        backend.network.committed = state.opened_ports.clone();
        backend.network.unit = env.unit_name.clone();
        backend.network.relation_ids = state.relations.iter().map(|r| r.id).collect();
        Ok(())
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
