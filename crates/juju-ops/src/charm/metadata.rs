//! What a charm declares to Juju: its endpoints as `charmcraft.yaml` writes them, the hooks it
//! handles, and [`Charm::schema_json`], the document `cargo xtask sync` writes from them, under
//! Juju's rules: the hook names Juju runs ([`STANDARD_HOOKS`], and the relation, storage and
//! workload hooks), endpoint names (`juju/charm` `meta.go`) and reserved names.

use std::fmt;

use serde_json::{Map, Value, json};

use super::Charm;
use crate::messages::list_or_none;
use crate::names;
use crate::relation::{Endpoint, RelationKind, Role};
use crate::schema::{self, SchemaError};

/// An endpoint's `charmcraft.yaml` entry, from its [`Endpoint`] type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DeclaredEndpoint {
    interface: &'static str,
    role: Role,
    limit: Option<u32>,
    optional: bool,
}

impl DeclaredEndpoint {
    pub(super) fn of<E: Endpoint>() -> DeclaredEndpoint {
        DeclaredEndpoint {
            interface: E::INTERFACE,
            role: E::ROLE,
            limit: E::LIMIT,
            optional: E::OPTIONAL,
        }
    }

    /// The entry as charmcraft writes it: `limit` only when set, `optional` only when true
    /// (charmcraft's defaults are no limit and `false`).
    fn to_json(self) -> Value {
        let mut entry = Map::new();
        entry.insert("interface".into(), json!(self.interface));
        if let Some(limit) = self.limit {
            entry.insert("limit".into(), json!(limit));
        }
        if self.optional {
            entry.insert("optional".into(), json!(true));
        }
        Value::Object(entry)
    }
}

impl fmt::Display for DeclaredEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.role.section(), self.interface)?;
        if let Some(limit) = self.limit {
            write!(f, ", limit {limit}")?;
        }
        if self.optional {
            write!(f, ", optional")?;
        }
        Ok(())
    }
}

/// The hooks Juju runs that belong to no relation, storage or container: every unit hook of
/// Juju 3.x (`juju/charm` `hooks.go`) and 4.x (`internal/charm/hooks`), and the secret hooks.
pub const STANDARD_HOOKS: [&str; 18] = [
    "install",
    "start",
    "config-changed",
    "upgrade-charm",
    "stop",
    "remove",
    "collect-metrics",
    "meter-status-changed",
    "leader-elected",
    "leader-deposed",
    "leader-settings-changed",
    "update-status",
    "pre-series-upgrade",
    "post-series-upgrade",
    "secret-changed",
    "secret-expired",
    "secret-remove",
    "secret-rotate",
];

/// The storage hooks, `<storage>-<kind>`.
pub const STORAGE_HOOK_KINDS: [&str; 2] = ["storage-attached", "storage-detaching"];

/// The workload hooks, `<container>-<kind>`.
pub const WORKLOAD_HOOK_KINDS: [&str; 4] = [
    "pebble-ready",
    "pebble-custom-notice",
    "pebble-check-failed",
    "pebble-check-recovered",
];

/// The endpoint every charm has without declaring it (subordinates relate to it).
const IMPLICIT_ENDPOINT: &str = "juju-info";

/// Juju reserves `juju` and `juju-*` for relation names and provided interfaces
/// (`juju/charm` `meta.go`, `reservedName`).
fn is_reserved(name: &str) -> bool {
    name == "juju" || name.starts_with("juju-")
}

/// Hooks a charm commonly handles. Any other hook name can be given as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hook {
    Install,
    Start,
    Stop,
    Remove,
    ConfigChanged,
    UpdateStatus,
    UpgradeCharm,
    LeaderElected,
    LeaderSettingsChanged,
    PostSeriesUpgrade,
}

impl Hook {
    /// The hook name as Juju spells it.
    pub fn name(self) -> &'static str {
        match self {
            Hook::Install => "install",
            Hook::Start => "start",
            Hook::Stop => "stop",
            Hook::Remove => "remove",
            Hook::ConfigChanged => "config-changed",
            Hook::UpdateStatus => "update-status",
            Hook::UpgradeCharm => "upgrade-charm",
            Hook::LeaderElected => "leader-elected",
            Hook::LeaderSettingsChanged => "leader-settings-changed",
            Hook::PostSeriesUpgrade => "post-series-upgrade",
        }
    }
}

impl AsRef<str> for Hook {
    fn as_ref(&self) -> &str {
        self.name()
    }
}

impl Charm {
    /// The charm's schemas as JSON: `{"actions": {name: spec}, "config": {"options": …},
    /// "requires": {…}, "provides": {…}, "peers": {…}, "hooks": [name, …]}`. This is what
    /// `cargo xtask sync` writes into `charmcraft.yaml` and checks it against.
    ///
    /// Each endpoint is `{"interface": …}`, with `limit` when set and `optional` when true;
    /// the three endpoint sections are always present. `hooks` lists every hook the charm
    /// handles, sorted. It fails on an invalid or conflicting endpoint and on a hook Juju would
    /// never run (see [`Charm::hook_problems`]).
    pub fn schema_json(&self) -> Result<Value, SchemaError> {
        let mut actions = Map::new();
        for spec in self.action_specs()? {
            actions.insert(spec.name.clone(), spec.to_yaml_value());
        }
        let mut out = Map::new();
        out.insert("actions".into(), Value::Object(actions));
        if let Some(options) = self.config_options()? {
            out.insert("config".into(), json!({ "options": options }));
        }
        self.check_endpoints()?;
        let problems = self.hook_problems();
        if !problems.is_empty() {
            return Err(SchemaError::new(
                schema::HOOKS_SUBJECT,
                format!(
                    "the charm handles {}, which Juju never runs: a hook is one of Juju's \
                     ({}), <endpoint>-relation-<{}> for a declared endpoint, \
                     <storage>-{{{}}} or <container>-{{{}}}; declared endpoints: {} \
                     (declare one with Charm::endpoint::<E>() or Charm::on_relation)",
                    quoted_list(&problems),
                    STANDARD_HOOKS.join(", "),
                    RelationKind::ALL.map(RelationKind::as_str).join("|"),
                    STORAGE_HOOK_KINDS.join(","),
                    WORKLOAD_HOOK_KINDS.join(","),
                    list_or_none(self.endpoints.keys()),
                ),
            ));
        }
        for role in [Role::Requires, Role::Provides, Role::Peers] {
            let section: Map<String, Value> = self
                .endpoints
                .iter()
                .filter(|(_, declared)| declared.role == role)
                .map(|(name, declared)| ((*name).to_owned(), declared.to_json()))
                .collect();
            out.insert(role.section().into(), Value::Object(section));
        }
        out.insert("hooks".into(), json!(self.hook_names()));
        Ok(Value::Object(out))
    }
    /// The hooks registered by name with [`Charm::on`] that Juju would never run, sorted: a
    /// name that is none of Juju's hooks ([`STANDARD_HOOKS`]), nor
    /// `<endpoint>-relation-<kind>` for a declared endpoint (or the implicit `juju-info`), nor
    /// `<name>-storage-attached|detaching`, nor `<name>-pebble-ready|custom-notice|check-failed|
    /// check-recovered`. (Whether the storage or container exists is `charmcraft.yaml`'s to
    /// say, and `cargo xtask sync` checks it.)
    pub fn hook_problems(&self) -> Vec<String> {
        self.named_hooks
            .iter()
            .filter(|hook| !self.is_known_hook(hook))
            .cloned()
            .collect()
    }

    fn is_known_hook(&self, hook: &str) -> bool {
        let scoped = |kinds: &[&str]| {
            kinds.iter().any(|kind| {
                hook.strip_suffix(kind)
                    .and_then(|prefix| prefix.strip_suffix('-'))
                    .is_some_and(names::is_endpoint_name)
            })
        };
        STANDARD_HOOKS.contains(&hook)
            || RelationKind::parse_hook(hook).is_some_and(|(endpoint, _)| {
                endpoint == IMPLICIT_ENDPOINT || self.endpoints.contains_key(endpoint)
            })
            || scoped(&STORAGE_HOOK_KINDS)
            || scoped(&WORKLOAD_HOOK_KINDS)
    }

    /// Juju's rules for endpoints (`juju/charm` `meta.go`, `Check`): a valid name, not
    /// reserved, an interface (not reserved unless required), one declaration per name.
    fn check_endpoints(&self) -> Result<(), SchemaError> {
        let error = |reason: String| Err(SchemaError::new(schema::ENDPOINTS_SUBJECT, reason));
        if let Some(conflict) = self.endpoint_conflicts.first() {
            return error(conflict.clone());
        }
        for (name, declared) in &self.endpoints {
            if !names::is_endpoint_name(name) {
                return error(format!(
                    "endpoint {name:?} is not a valid name: lowercase letters, digits and hyphens, starting with a letter"
                ));
            }
            if is_reserved(name) {
                return error(format!(
                    "endpoint {name:?} uses a name Juju reserves (juju and juju-*)"
                ));
            }
            if declared.interface.is_empty() {
                return error(format!("endpoint {name:?} has no interface"));
            }
            if declared.role != Role::Requires && is_reserved(declared.interface) {
                return error(format!(
                    "endpoint {name:?} ({}) uses interface {:?}, which Juju reserves (juju and juju-*)",
                    declared.role.section(),
                    declared.interface
                ));
            }
        }
        Ok(())
    }
}

/// `"a", "b"`.
fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("{item:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
