//! Relations in a harness [`State`]: the [`Relation`] a test puts in the state (its databags,
//! remote units or peers), the endpoints `charmcraft.yaml` declares, and the relation tools of
//! the in-memory backend ([`RelationTools`]). (The checks a state's relations must pass are in
//! `consistency.rs`.)

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

use super::State;
use super::backend::failed;
use crate::event::UnitEnv;
use crate::names;
use crate::relation::{RelationKind, Role};
use crate::tools::{self, ToolError};

/// A relation databag: every key and value is a string, as Juju stores them.
pub type Databag = BTreeMap<String, String>;

/// The address Juju's seeded keys hold in the harness (a documentation address, RFC 5737), as in
/// Scenario.
pub const DEFAULT_ADDRESS: &str = "192.0.2.0";

/// Ids handed to relations that were not given one: unique within the test process.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// The bag Juju seeds a unit's databag with when it enters a relation's scope:
/// `egress-subnets`, `ingress-address` and `private-address`, each [`DEFAULT_ADDRESS`].
pub fn default_unit_data() -> Databag {
    ["egress-subnets", "ingress-address", "private-address"]
        .into_iter()
        .map(|k| (k.to_owned(), DEFAULT_ADDRESS.to_owned()))
        .collect()
}

fn bag<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Databag {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

/// One relation of the unit under test, with every databag it can see.
///
/// A regular relation ([`Relation::new`]) relates this application to `remote_app`, whose units
/// are `remote_units_data`' keys (`<remote_app>/<n>`). A peer relation ([`Relation::peer`])
/// relates the units of this application: `remote_units_data` then holds the *other* units of
/// this application (set it with [`peers_data`](Relation::peers_data)), the remote application
/// is this unit's own, and the application bag is `local_app_data` (so `remote_app` and
/// `remote_app_data` stay empty).
///
/// ```
/// # extern crate juju_ops as ops;
/// use ops::testing::Relation;
///
/// let db = Relation::new("database")
///     .remote_app("pg")
///     .remote_app_data([("endpoints", "10.0.0.1:5432")])
///     .remote_unit_data(1, [("host", "pg-1")]);
/// assert_eq!(db.remote_unit_names(), ["pg/0", "pg/1"]);
///
/// let peers = Relation::peer("cluster").peer_data(1, [("role", "replica")]);
/// assert!(peers.peer);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The endpoint of this charm the relation is on (`requires:`/`provides:`/`peers:` key).
    pub endpoint: String,
    /// The interface; when set, it must be the one `charmcraft.yaml` declares.
    pub interface: Option<String>,
    /// The relation id (`JUJU_RELATION_ID` is `<endpoint>:<id>`). [`Relation::new`] and
    /// [`Relation::peer`] take the next id unique in the test process; set one with
    /// [`id`](Relation::id).
    pub id: u32,
    /// Whether this is a peer relation (see the type's docs).
    pub peer: bool,
    /// The remote application (`"remote"` unless set); empty for a peer relation.
    pub remote_app: String,
    /// This application's bag: written by the leader, read by the leader (and by every unit on
    /// a peer relation).
    pub local_app_data: Databag,
    /// This unit's bag; Juju seeds it with [`default_unit_data`].
    pub local_unit_data: Databag,
    /// The remote application's bag; empty for a peer relation.
    pub remote_app_data: Databag,
    /// The remote units by number, with their bags (default: unit 0 with
    /// [`default_unit_data`]); for a peer relation, the other units of this application (default:
    /// none).
    pub remote_units_data: BTreeMap<u32, Databag>,
}

impl Relation {
    /// A relation on `endpoint` with the remote application `remote`, one remote unit
    /// (`remote/0`) and Juju's seeded unit bags.
    pub fn new(endpoint: impl Into<String>) -> Relation {
        Relation {
            endpoint: endpoint.into(),
            interface: None,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            peer: false,
            remote_app: "remote".to_owned(),
            local_app_data: Databag::new(),
            local_unit_data: default_unit_data(),
            remote_app_data: Databag::new(),
            remote_units_data: BTreeMap::from([(0, default_unit_data())]),
        }
    }

    /// The peer relation on `endpoint` (declared under `peers:`), with no other unit yet.
    pub fn peer(endpoint: impl Into<String>) -> Relation {
        Relation {
            peer: true,
            remote_app: String::new(),
            remote_units_data: BTreeMap::new(),
            ..Relation::new(endpoint)
        }
    }

    /// Sets the id (unique among the state's relations).
    pub fn id(mut self, id: u32) -> Relation {
        self.id = id;
        self
    }

    pub fn interface(mut self, interface: impl Into<String>) -> Relation {
        self.interface = Some(interface.into());
        self
    }

    /// Sets the remote application's name (not for a peer relation).
    pub fn remote_app(mut self, name: impl Into<String>) -> Relation {
        self.remote_app = name.into();
        self
    }

    /// Replaces this application's bag.
    pub fn local_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.local_app_data = bag(pairs);
        self
    }

    /// Replaces this unit's bag (Juju's seeded keys included: add them back with
    /// [`default_unit_data`] if the charm reads them).
    pub fn local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.local_unit_data = bag(pairs);
        self
    }

    /// Replaces the remote application's bag.
    pub fn remote_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_app_data = bag(pairs);
        self
    }

    /// Replaces every remote unit: the relation's remote units are exactly these.
    pub fn remote_units_data(
        mut self,
        units: impl IntoIterator<Item = (u32, Databag)>,
    ) -> Relation {
        self.remote_units_data = units.into_iter().collect();
        self
    }

    /// Adds (or replaces) remote unit `n` with this bag.
    pub fn remote_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        n: u32,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_units_data.insert(n, bag(pairs));
        self
    }

    /// For a peer relation: replaces the other units of this application (never this unit).
    pub fn peers_data(self, units: impl IntoIterator<Item = (u32, Databag)>) -> Relation {
        self.remote_units_data(units)
    }

    /// For a peer relation: adds (or replaces) the other unit `n` of this application.
    pub fn peer_data<K: Into<String>, V: Into<String>>(
        self,
        n: u32,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_unit_data(n, pairs)
    }

    /// For a peer relation, the other units of this application and their bags (the same map
    /// as `remote_units_data`).
    pub fn peers(&self) -> &BTreeMap<u32, Databag> {
        &self.remote_units_data
    }

    /// `<endpoint>:<id>`, as `JUJU_RELATION_ID` and `relation-ids` spell it.
    pub fn relation_id(&self) -> String {
        format!("{}:{}", self.endpoint, self.id)
    }

    /// The remote units' names as `relation-list` prints them, sorted as Juju sorts them (as
    /// strings: `pg/10` before `pg/2`). A peer relation's units are named after `remote_app`,
    /// which is empty until the harness runs: use the names in the run's `relation-list`.
    pub fn remote_unit_names(&self) -> Vec<String> {
        self.unit_names(&self.remote_app)
    }

    pub(super) fn unit_names(&self, app: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .remote_units_data
            .keys()
            .map(|n| format!("{app}/{n}"))
            .collect();
        names.sort();
        names
    }
}

/// An endpoint declared in `charmcraft.yaml` under `requires:`, `provides:` or `peers:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EndpointSpec {
    pub(super) role: Role,
    pub(super) interface: Option<String>,
    pub(super) limit: Option<u64>,
}

/// Reads the endpoints of `charmcraft.yaml`, plus the `juju-info` endpoint Juju gives every
/// charm.
pub(super) fn endpoints_from_yaml(
    root: &serde_json::Map<String, Value>,
) -> Result<BTreeMap<String, EndpointSpec>, String> {
    let mut endpoints: BTreeMap<String, EndpointSpec> = BTreeMap::new();
    for role in [Role::Requires, Role::Provides, Role::Peers] {
        let section = role.section();
        let entries = match root.get(section) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(entries)) => entries,
            Some(_) => return Err(format!("`{section}` must be a mapping of endpoint names")),
        };
        for (name, body) in entries {
            let (interface, limit) = match body {
                // The short form `db: mysql` names the interface only.
                Value::String(interface) => (Some(interface.clone()), None),
                Value::Object(fields) => {
                    let interface = match fields.get("interface") {
                        None | Some(Value::Null) => None,
                        Some(Value::String(s)) => Some(s.clone()),
                        Some(_) => {
                            return Err(format!("{section}.{name}.interface must be a string"));
                        }
                    };
                    // `limit: 0`, like no limit, lets the endpoint have any number of relations
                    // (`enforceMaxRelationLimit`).
                    let limit = match fields.get("limit") {
                        None | Some(Value::Null) => None,
                        Some(v) => Some(v.as_u64().ok_or_else(|| {
                            format!(
                                "{section}.{name}.limit must be a non-negative integer, not {v}"
                            )
                        })?)
                        .filter(|&limit| limit > 0),
                    };
                    (interface, limit)
                }
                other => {
                    return Err(format!(
                        "{section}.{name} must be a mapping (interface:, limit:, …), not {other}"
                    ));
                }
            };
            if let Some(previous) = endpoints.get(name) {
                return Err(format!(
                    "endpoint {name:?} is declared under both {}: and {section}:",
                    previous.role.section()
                ));
            }
            endpoints.insert(
                name.clone(),
                EndpointSpec {
                    role,
                    interface,
                    limit,
                },
            );
        }
    }
    endpoints
        .entry("juju-info".to_owned())
        .or_insert(EndpointSpec {
            role: Role::Provides,
            interface: Some("juju-info".to_owned()),
            limit: None,
        });
    Ok(endpoints)
}

// The in-memory relation tools.

/// The relation a relation hook runs for, as far as the tools need it.
struct HookRelation {
    id: u32,
    kind: RelationKind,
    remote_unit: Option<String>,
}

/// The relation tools of the in-memory backend (`relation-ids`, `-list`, `-get`, `-set`), with
/// the facade's rules and messages; writes go to working copies of the relations, which the
/// backend commits when the run succeeds.
pub(super) struct RelationTools {
    unit_name: String,
    app: String,
    leader: bool,
    /// The role of each declared endpoint (for the relation key in Juju's messages).
    roles: BTreeMap<String, Role>,
    /// The relations, with this run's writes.
    pub(super) relations: Vec<Relation>,
    /// The relation the hook runs for, if any.
    hook: Option<HookRelation>,
}

impl RelationTools {
    /// The tools for one run of `env.unit_name` (whose environment names the hook's relation,
    /// if any: `kind` is then its hook kind).
    pub(super) fn new(
        state: &State,
        env: &UnitEnv,
        kind: Option<RelationKind>,
        endpoints: &BTreeMap<String, EndpointSpec>,
    ) -> RelationTools {
        let hook = match (&env.relation, kind) {
            (Some(relation), Some(kind)) => Some(HookRelation {
                id: relation.id,
                kind,
                remote_unit: relation.remote_unit.clone(),
            }),
            _ => None,
        };
        RelationTools {
            unit_name: env.unit_name.clone(),
            app: env
                .unit_name
                .split_once('/')
                .map_or(env.unit_name.as_str(), |(app, _)| app)
                .to_owned(),
            leader: state.leader,
            roles: endpoints
                .iter()
                .map(|(name, spec)| (name.clone(), spec.role))
                .collect(),
            relations: state.relations.clone(),
            hook,
        }
    }

    /// The remote application of relation `relation_id` (this unit's own on a peer relation).
    pub(super) fn remote_app_of(&self, relation_id: u32) -> Option<&str> {
        let relation = self.relations.iter().find(|r| r.id == relation_id)?;
        Some(self.remote_app(relation))
    }

    /// The relation `id`, or `relation-*`'s refusal of `-r <id>` (an `Init` error: exit 2).
    fn relation(&self, id: u32, argv: &[String]) -> Result<&Relation, ToolError> {
        self.relations.iter().find(|r| r.id == id).ok_or_else(|| {
            failed(
                argv.to_vec(),
                2,
                format!("invalid value \"{id}\" for option -r: relation not found"),
            )
        })
    }

    /// The relation's remote application: this unit's own on a peer relation.
    fn remote_app<'a>(&'a self, relation: &'a Relation) -> &'a str {
        if relation.peer {
            &self.app
        } else {
            &relation.remote_app
        }
    }

    /// The relation's key as Juju's state names it in messages: the requirer's `app:endpoint`
    /// first, or `app:endpoint` alone for a peer relation. The harness does not know the remote
    /// endpoint's name and writes the local one in its place.
    fn relation_key(&self, relation: &Relation) -> String {
        let local = format!("{}:{}", self.app, relation.endpoint);
        if relation.peer {
            return local;
        }
        let remote = format!("{}:{}", relation.remote_app, relation.endpoint);
        match self.roles.get(&relation.endpoint) {
            Some(Role::Provides) => format!("{remote} {local}"),
            _ => format!("{local} {remote}"),
        }
    }

    /// `relation-ids <endpoint>`: the ids of the endpoint's relations, as Juju sorts them.
    pub(super) fn ids(&self, endpoint: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .relations
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .map(Relation::relation_id)
            .collect();
        ids.sort();
        ids
    }

    /// `relation-list -r <id>`: the remote units that are members now.
    pub(super) fn list(&self, relation_id: u32) -> Result<Vec<String>, ToolError> {
        let relation =
            self.relation(relation_id, &tools::argv::relation_list(relation_id, false))?;
        let mut members = relation.unit_names(self.remote_app(relation));
        // The hook's relation: a departed unit is no longer a member, and in -broken every
        // member has departed (the uniter's `RemoveMember` before -departed).
        if let Some(hook) = &self.hook
            && hook.id == relation_id
        {
            match hook.kind {
                RelationKind::Broken => members.clear(),
                RelationKind::Departed => members.retain(|m| Some(m) != hook.remote_unit.as_ref()),
                _ => {}
            }
        }
        Ok(members)
    }

    /// `relation-list -r <id> --app`.
    pub(super) fn remote_app_tool(&self, relation_id: u32) -> Result<String, ToolError> {
        let relation =
            self.relation(relation_id, &tools::argv::relation_list(relation_id, true))?;
        Ok(self.remote_app(relation).to_owned())
    }

    /// `relation-get -r <id> [--app] - <member>`, with the facade's access rules.
    pub(super) fn get(
        &self,
        relation_id: u32,
        member: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>, ToolError> {
        let args = tools::argv::relation_get(relation_id, member, app);
        let relation = self.relation(relation_id, &args)?;
        let remote_app = self.remote_app(relation);
        let denied = || failed(args.clone(), 1, "permission denied");
        if app {
            // With --app, a unit name stands for its application.
            let target = if names::is_unit_name(member) {
                member.split_once('/').map_or(member, |(app, _)| app)
            } else {
                member
            };
            if target == self.app {
                // The leader reads its own bag (with this hook's writes); the other units may
                // read it on a peer relation only (`readLocalApplicationSettings`).
                return if self.leader || relation.peer {
                    Ok(relation.local_app_data.clone())
                } else {
                    Err(denied())
                };
            }
            return if !relation.peer && target == remote_app {
                Ok(relation.remote_app_data.clone())
            } else {
                Err(denied())
            };
        }
        if !names::is_unit_name(member) {
            let message = if names::is_application_name(member) {
                format!("expected unit name, got application name {member:?}")
            } else {
                format!("invalid unit name {member:?}")
            };
            return Err(failed(args, 2, message));
        }
        if member == self.unit_name {
            return Ok(relation.local_unit_data.clone());
        }
        let (member_app, n) = member.split_once('/').unwrap_or((member, ""));
        if member_app == remote_app
            && let Some(bag) = n
                .parse::<u32>()
                .ok()
                .and_then(|n| relation.remote_units_data.get(&n))
        {
            // A departed unit's bag stays readable while the relation exists.
            return Ok(bag.clone());
        }
        if member_app == remote_app || member_app == self.app {
            return Err(failed(
                args.clone(),
                1,
                format!(
                    "cannot read settings for unit {member:?} in relation {:?}: unit {member:?}: \
                     settings not found",
                    self.relation_key(relation)
                ),
            ));
        }
        Err(denied())
    }

    /// `relation-set -r <id> [--app]`: into this run's working copy (only the leader writes
    /// its application's bag).
    pub(super) fn set(
        &mut self,
        relation_id: u32,
        app: bool,
        data: &BTreeMap<String, String>,
    ) -> Result<(), ToolError> {
        let args = tools::argv::relation_set(relation_id, app);
        self.relation(relation_id, &args)?;
        if app && !self.leader {
            return Err(failed(args, 1, "cannot write relation settings"));
        }
        if let Some(relation) = self.relations.iter_mut().find(|r| r.id == relation_id) {
            let bag = if app {
                &mut relation.local_app_data
            } else {
                &mut relation.local_unit_data
            };
            apply(bag, data);
        }
        Ok(())
    }
}

/// Applies `relation-set`/`leader-set` pairs: an empty value deletes the key.
pub(super) fn apply(bag: &mut Databag, data: &BTreeMap<String, String>) {
    for (key, value) in data {
        if value.is_empty() {
            bag.remove(key);
        } else {
            bag.insert(key.clone(), value.clone());
        }
    }
}
