//! Relations: endpoints declared in Rust, the relation hooks, what Juju tells a relation hook
//! about its relation, and typed access to the relation's databags under Juju's rules.
//!
//! [`Unit::relations`] lists an endpoint's relations as [`Relation`] handles;
//! [`Unit::relation_data`] gives a [`RelationData`] view of one, and a relation hook's
//! [`RelationEvent`] has the same methods for its own relation. Who may read and write which
//! bag is checked before any hook tool is called, with ops' messages
//! (`juju-relations-secrets.md` §1.4):
//!
//! | bag | read | write |
//! |---|---|---|
//! | this unit's | yes | yes |
//! | this application's | the leader; any unit on a peer relation | the leader |
//! | a remote unit's | yes | no API |
//! | the remote application's | yes | no API |
//!
//! Writing a remote bag does not compile: the view has no method for it.
//!
//! Here: endpoints ([`Endpoint`], [`Role`]), the relation hooks ([`RelationKind`]), the
//! relation environment ([`RelationEnv`]), [`Relation`] handles, [`RelationError`] and
//! [`Unit::relations`]; `data.rs`: the [`RelationData`] view with the access rules;
//! `event.rs`: [`RelationEvent`] and the runner of its handlers.

mod data;
mod event;

use std::fmt;
use std::marker::PhantomData;

pub use self::data::RelationData;
pub use self::event::RelationEvent;
pub(crate) use self::event::relation_runner;
use crate::databag::DatabagError;
use crate::event::Unit;
use crate::tools::ToolError;

/// The role of an endpoint, as `charmcraft.yaml` groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// `requires:`: this charm consumes the interface.
    Requires,
    /// `provides:`: this charm offers the interface.
    Provides,
    /// `peers:`: the units of this application talk to each other (Juju creates the relation
    /// at deploy).
    Peers,
}

impl Role {
    /// The `charmcraft.yaml` section: `requires`, `provides` or `peers`.
    pub fn section(self) -> &'static str {
        match self {
            Role::Requires => "requires",
            Role::Provides => "provides",
            Role::Peers => "peers",
        }
    }
}

/// An endpoint of the charm: a type per endpoint, so a misspelt endpoint does not compile.
///
/// ```
/// # extern crate juju_ops as ops;
/// use ops::{Endpoint, Role};
///
/// /// The database this charm backs up.
/// struct Database;
///
/// impl Endpoint for Database {
///     const NAME: &'static str = "database";
///     const INTERFACE: &'static str = "postgresql_client";
///     const ROLE: Role = Role::Requires;
///     const LIMIT: Option<u32> = Some(1);
/// }
/// ```
pub trait Endpoint: 'static {
    /// The endpoint name (`requires: <NAME>:`): lowercase letters, digits and hyphens.
    const NAME: &'static str;
    /// The interface name both sides must share (`interface:`).
    const INTERFACE: &'static str;
    const ROLE: Role;
    /// The most relations this endpoint may have at once (`limit:`); `None` for no limit.
    const LIMIT: Option<u32> = None;
    /// Whether the charm works without this relation (`optional:`).
    const OPTIONAL: bool = false;
}

/// The relation hooks Juju runs for an endpoint: `<endpoint>-relation-<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RelationKind {
    /// The relation exists (no remote unit yet).
    Created,
    /// A remote unit entered the relation.
    Joined,
    /// A remote unit's databag, or (with no remote unit) the remote application's, changed.
    Changed,
    /// A remote unit left the relation.
    Departed,
    /// The relation is gone (never sent for a peer relation).
    Broken,
}

impl RelationKind {
    /// Every kind, in the order Juju first runs them.
    pub const ALL: [RelationKind; 5] = [
        RelationKind::Created,
        RelationKind::Joined,
        RelationKind::Changed,
        RelationKind::Departed,
        RelationKind::Broken,
    ];

    /// The suffix after `-relation-`: `created`, `joined`, …
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::Created => "created",
            RelationKind::Joined => "joined",
            RelationKind::Changed => "changed",
            RelationKind::Departed => "departed",
            RelationKind::Broken => "broken",
        }
    }

    /// The hook name for `endpoint`: `<endpoint>-relation-<kind>`.
    pub fn hook_name(self, endpoint: &str) -> String {
        format!("{endpoint}-relation-{}", self.as_str())
    }

    /// Splits a hook name such as `db-relation-changed` into its endpoint and kind.
    pub fn parse_hook(hook: &str) -> Option<(&str, RelationKind)> {
        let (endpoint, kind) = hook.rsplit_once("-relation-")?;
        let kind = RelationKind::ALL.into_iter().find(|k| k.as_str() == kind)?;
        (!endpoint.is_empty()).then_some((endpoint, kind))
    }
}

impl fmt::Display for RelationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What Juju tells a relation hook about its relation (`JUJU_RELATION*`, `JUJU_REMOTE_*`,
/// `JUJU_DEPARTING_UNIT`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelationEnv {
    /// `JUJU_RELATION`: the endpoint name.
    pub endpoint: String,
    /// The number in `JUJU_RELATION_ID` (`endpoint:id`).
    pub id: u32,
    /// `JUJU_REMOTE_APP` (this unit's own application on a peer relation).
    pub remote_app: String,
    /// `JUJU_REMOTE_UNIT`: empty in `-created`, `-broken` and an application-level `-changed`.
    pub remote_unit: Option<String>,
    /// `JUJU_DEPARTING_UNIT`: set in `-departed` only.
    pub departing_unit: Option<String>,
}

impl RelationEnv {
    /// Reads the relation variables through `var`, `None` outside a relation hook (no
    /// `JUJU_RELATION_ID`, or one that is not `endpoint:number`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<RelationEnv> {
        let relation_id = var("JUJU_RELATION_ID")?;
        let (endpoint, id) = relation_id.rsplit_once(':')?;
        let id = id.parse().ok()?;
        let non_empty = |k: &str| var(k).filter(|v| !v.is_empty());
        Some(RelationEnv {
            endpoint: var("JUJU_RELATION").unwrap_or_else(|| endpoint.to_owned()),
            id,
            remote_app: var("JUJU_REMOTE_APP").unwrap_or_default(),
            remote_unit: non_empty("JUJU_REMOTE_UNIT"),
            departing_unit: non_empty("JUJU_DEPARTING_UNIT"),
        })
    }
}

/// One relation of endpoint `E`: its id and the remote application. Plain data: clone it, keep
/// it, pass it to [`Unit::relation_data`].
pub struct Relation<E: Endpoint> {
    id: u32,
    remote_app: String,
    endpoint: PhantomData<fn() -> E>,
}

impl<E: Endpoint> Relation<E> {
    /// The handle for relation `id` of `E`, whose other side is `remote_app` (this unit's own
    /// application on a peer relation). Usually obtained from [`Unit::relations`] or
    /// [`RelationEvent::relation`].
    pub fn new(id: u32, remote_app: impl Into<String>) -> Relation<E> {
        Relation {
            id,
            remote_app: remote_app.into(),
            endpoint: PhantomData,
        }
    }

    /// The relation's number (the `N` of `-r N`).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The endpoint name, `E::NAME`.
    pub fn endpoint(&self) -> &'static str {
        E::NAME
    }

    /// The application on the other side (this unit's own application on a peer relation).
    pub fn remote_app(&self) -> &str {
        &self.remote_app
    }

    /// Whether `E` is a peer endpoint.
    pub fn is_peer(&self) -> bool {
        E::ROLE == Role::Peers
    }
}

/// Juju's relation id: `endpoint:id` (`db:3`), as in `JUJU_RELATION_ID`.
impl<E: Endpoint> fmt::Display for Relation<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", E::NAME, self.id)
    }
}

impl<E: Endpoint> fmt::Debug for Relation<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relation")
            .field("endpoint", &E::NAME)
            .field("id", &self.id)
            .field("remote_app", &self.remote_app)
            .finish()
    }
}

impl<E: Endpoint> Clone for Relation<E> {
    fn clone(&self) -> Self {
        Relation::new(self.id, self.remote_app.clone())
    }
}

impl<E: Endpoint> PartialEq for Relation<E> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.remote_app == other.remote_app
    }
}

impl<E: Endpoint> Eq for Relation<E> {}

/// A relation's databags could not be read or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum RelationError {
    /// A unit that is not the leader asked for its own application's bag on a relation that is
    /// not a peer relation (ops' `RelationDataAccessError`).
    CannotReadOwnAppBag { relation: String, unit: String },
    /// A unit that is not the leader tried to write its application's bag.
    CannotWriteAppBag { relation: String, unit: String },
    /// `read_remote_unit` was given a unit that is not a unit of the remote application.
    NotARemoteUnit {
        relation: String,
        unit: String,
        remote_app: String,
    },
    /// A bag does not decode into the type asked for, or a value cannot be written as a bag.
    Databag(DatabagError),
    /// A hook tool failed.
    Tool { relation: String, error: ToolError },
    /// `relation-ids` printed something that is not `<endpoint>:<number>`.
    BadRelationId { endpoint: String, printed: String },
    /// A typed relation handler ran without a relation in the environment
    /// (`JUJU_RELATION_ID`).
    NoRelation { hook: String },
    /// A typed relation handler ran for a relation of another endpoint.
    WrongEndpoint {
        hook: String,
        expected: &'static str,
        relation: String,
    },
}

impl fmt::Display for RelationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelationError::CannotReadOwnAppBag { relation, unit } => write!(
                f,
                "relation {relation}: {unit} is not leader and cannot read its own application databag"
            ),
            RelationError::CannotWriteAppBag { relation, unit } => write!(
                f,
                "relation {relation}: {unit} is not leader and cannot write application data."
            ),
            RelationError::NotARemoteUnit {
                relation,
                unit,
                remote_app,
            } => write!(
                f,
                "relation {relation}: {unit:?} is not a unit of the remote application {remote_app:?}"
            ),
            RelationError::Databag(e) => write!(f, "{e}"),
            RelationError::Tool { relation, error } => write!(f, "relation {relation}: {error}"),
            RelationError::BadRelationId { endpoint, printed } => write!(
                f,
                "relation-ids {endpoint} printed {printed:?}, not {endpoint}:<number>"
            ),
            RelationError::NoRelation { hook } => write!(
                f,
                "hook {hook:?} ran without a relation: JUJU_RELATION_ID is not set to <endpoint>:<number>"
            ),
            RelationError::WrongEndpoint {
                hook,
                expected,
                relation,
            } => write!(
                f,
                "hook {hook:?} is handled for endpoint {expected:?}, but Juju ran it for relation {relation}"
            ),
        }
    }
}

impl std::error::Error for RelationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RelationError::Databag(e) => Some(e),
            RelationError::Tool { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Splits `relation-ids` output (`db:3`) into the number, checking the endpoint.
fn parse_relation_id(endpoint: &str, printed: &str) -> Result<u32, RelationError> {
    printed
        .rsplit_once(':')
        .filter(|(name, _)| *name == endpoint)
        .and_then(|(_, id)| id.parse().ok())
        .ok_or_else(|| RelationError::BadRelationId {
            endpoint: endpoint.to_owned(),
            printed: printed.to_owned(),
        })
}

impl<'a> Unit<'a> {
    /// The relations of endpoint `E` (`relation-ids`, then `relation-list --app` for each
    /// remote application), in Juju's order (sorted by id as text).
    pub fn relations<E: Endpoint>(&mut self) -> Result<Vec<Relation<E>>, RelationError> {
        let ids = self
            .tools()
            .relation_ids(E::NAME)
            .map_err(|error| RelationError::Tool {
                relation: E::NAME.to_owned(),
                error,
            })?;
        let mut relations = Vec::with_capacity(ids.len());
        for printed in ids {
            let id = parse_relation_id(E::NAME, &printed)?;
            let remote_app =
                self.tools()
                    .relation_remote_app(id)
                    .map_err(|error| RelationError::Tool {
                        relation: printed.clone(),
                        error,
                    })?;
            relations.push(Relation::new(id, remote_app));
        }
        Ok(relations)
    }

    /// The databags of `relation`, read and written under Juju's access rules.
    pub fn relation_data<E: Endpoint>(
        &mut self,
        relation: &Relation<E>,
    ) -> RelationData<'_, 'a, E> {
        RelationData {
            unit: self,
            relation: relation.clone(),
        }
    }

    /// This unit's application: the part of `JUJU_UNIT_NAME` before the `/`.
    pub fn app_name(&self) -> &str {
        let unit = self.env().unit_name.as_str();
        unit.split_once('/').map_or(unit, |(app, _)| app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_names_round_trip() {
        for kind in RelationKind::ALL {
            let name = kind.hook_name("db-main");
            assert_eq!(RelationKind::parse_hook(&name), Some(("db-main", kind)));
        }
        assert_eq!(RelationKind::parse_hook("db-relation-gone"), None);
        assert_eq!(RelationKind::parse_hook("-relation-changed"), None);
        assert_eq!(RelationKind::parse_hook("install"), None);
    }

    #[test]
    fn the_relation_env_is_read_from_juju_s_variables() {
        let vars = [
            ("JUJU_RELATION", "db"),
            ("JUJU_RELATION_ID", "db:7"),
            ("JUJU_REMOTE_APP", "pg"),
            ("JUJU_REMOTE_UNIT", ""),
        ];
        let get = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let env = RelationEnv::from_vars(get).unwrap();
        assert_eq!(env.endpoint, "db");
        assert_eq!(env.id, 7);
        assert_eq!(env.remote_app, "pg");
        assert_eq!(env.remote_unit, None);
        assert_eq!(RelationEnv::from_vars(|_| None), None);
    }
}
