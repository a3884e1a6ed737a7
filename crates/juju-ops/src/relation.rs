//! Relations: endpoints declared in Rust, the relation hooks, and what Juju tells a relation
//! hook about its relation.

use std::fmt;

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
