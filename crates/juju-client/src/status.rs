//! [`Status`]: `juju status --format json`, one serde type per JSON shape, plus the predicates
//! [`crate::Juju::wait`] is usually given: workload and agent states ([`all_active`],
//! [`all_agents_idle`], [`any_error`]), relations ([`is_related`]) and unit counts
//! ([`unit_count`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// `juju status --format json` (the parts tests look at; unknown fields are ignored).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Status {
    #[serde(default)]
    pub model: ModelInfo,
    #[serde(default)]
    pub applications: BTreeMap<String, AppStatus>,
    /// The model's storage (`{}` when there is none; jubilant's `Status.storage`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub storage: crate::storage::CombinedStorage,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ModelInfo {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AppStatus {
    #[serde(default)]
    pub charm: String,
    /// Whether the application is exposed (`juju expose`).
    #[serde(default)]
    pub exposed: bool,
    #[serde(default)]
    pub application_status: StatusInfo,
    /// The units of a principal application; a subordinate application's units are under its
    /// principals' units (see [`Status::units_of`]).
    #[serde(default)]
    pub units: BTreeMap<String, UnitStatus>,
    #[serde(default)]
    pub version: String,
    /// The application's relations: each endpoint with a relation, and what is at the other
    /// end of each (see [`Status::relations_of`] and [`is_related`]). A peer endpoint names the
    /// application itself.
    #[serde(default, deserialize_with = "null_as_default")]
    pub relations: BTreeMap<String, Vec<AppStatusRelation>>,
    /// For a subordinate application, the principal applications it is attached to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub subordinate_to: Vec<String>,
}

/// One relation of an endpoint in [`AppStatus::relations`]: `{related-application, interface,
/// scope}` (jubilant's `AppStatusRelation`). Juju before 3.1 printed the related application's
/// name alone, which reads as a relation with an empty interface and scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "RelationJson")]
pub struct AppStatusRelation {
    /// The application at the other end (this application on a peer relation).
    pub related_application: String,
    /// The interface both endpoints share.
    pub interface: String,
    /// `global`, or `container` for a relation with a subordinate.
    pub scope: String,
}

/// The two shapes of an entry of `relations.<endpoint>`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RelationJson {
    Full {
        #[serde(
            default,
            rename = "related-application",
            deserialize_with = "null_as_default"
        )]
        related_application: String,
        #[serde(default, deserialize_with = "null_as_default")]
        interface: String,
        #[serde(default, deserialize_with = "null_as_default")]
        scope: String,
    },
    Name(String),
}

impl From<RelationJson> for AppStatusRelation {
    fn from(json: RelationJson) -> Self {
        match json {
            RelationJson::Full {
                related_application,
                interface,
                scope,
            } => AppStatusRelation {
                related_application,
                interface,
                scope,
            },
            RelationJson::Name(related_application) => AppStatusRelation {
                related_application,
                ..AppStatusRelation::default()
            },
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct UnitStatus {
    #[serde(default)]
    pub workload_status: StatusInfo,
    #[serde(default)]
    pub juju_status: StatusInfo,
    /// Whether this unit is its application's leader.
    #[serde(default, deserialize_with = "null_as_default")]
    pub leader: bool,
    /// The machine the unit runs on (empty on Kubernetes).
    #[serde(default, deserialize_with = "null_as_default")]
    pub machine: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub address: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub public_address: String,
    /// The ports the unit opened (`8080/tcp`, `icmp`, …).
    #[serde(default, deserialize_with = "null_as_default")]
    pub open_ports: Vec<String>,
    /// The units of subordinate applications attached to this unit, by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub subordinates: BTreeMap<String, UnitStatus>,
}

/// `null` (which Go prints for an empty map or slice) as the default, like jubilant's `or {}`.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `{current, message}` of a workload or agent status.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct StatusInfo {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub message: String,
}

impl Status {
    /// One line per unit: `app/0 active/idle "message"`.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for app in self.applications.values() {
            for (name, unit) in &app.units {
                out.push_str(&format!(
                    "  {name} {}/{} {:?}\n",
                    unit.workload_status.current,
                    unit.juju_status.current,
                    unit.workload_status.message
                ));
            }
        }
        if out.is_empty() {
            out.push_str("  (no units)\n");
        }
        out
    }

    /// The units of `app` by name, including a subordinate application's units (found under
    /// the units of the applications in its `subordinate-to`); empty when there is no such
    /// application (jubilant's `Status.get_units`).
    pub fn units_of(&self, app: &str) -> BTreeMap<&str, &UnitStatus> {
        let Some(info) = self.applications.get(app) else {
            return BTreeMap::new();
        };
        if info.subordinate_to.is_empty() {
            return info.units.iter().map(|(k, v)| (k.as_str(), v)).collect();
        }
        let prefix = format!("{app}/");
        info.subordinate_to
            .iter()
            .filter_map(|principal| self.applications.get(principal))
            .flat_map(|principal| principal.units.values())
            .flat_map(|unit| unit.subordinates.iter())
            .filter(|(name, _)| name.starts_with(&prefix))
            .map(|(k, v)| (k.as_str(), v))
            .collect()
    }

    /// The leader unit of `app` (`db/0`), if status shows one.
    pub fn leader(&self, app: &str) -> Option<&str> {
        self.units_of(app)
            .into_iter()
            .find_map(|(name, unit)| unit.leader.then_some(name))
    }

    /// The relations of `app`, one `(endpoint, relation)` pair per relation, in endpoint order;
    /// empty when there is no such application. `app` may be `app:endpoint`, for that
    /// endpoint's relations only.
    pub fn relations_of(&self, app: &str) -> Vec<(&str, &AppStatusRelation)> {
        let (app, endpoint) = split_endpoint(app);
        let Some(info) = self.applications.get(app) else {
            return Vec::new();
        };
        info.relations
            .iter()
            .filter(|(name, _)| endpoint.is_none_or(|e| e == name.as_str()))
            .flat_map(|(name, relations)| relations.iter().map(move |r| (name.as_str(), r)))
            .collect()
    }
}

/// `app:endpoint` → `("app", Some("endpoint"))`, `app` → `("app", None)`.
fn split_endpoint(name: &str) -> (&str, Option<&str>) {
    match name.split_once(':') {
        Some((app, endpoint)) => (app, Some(endpoint)),
        None => (name, None),
    }
}

fn units<'a>(status: &'a Status, apps: &'a [&str]) -> impl Iterator<Item = &'a UnitStatus> + 'a {
    status
        .applications
        .keys()
        .filter(move |name| apps.is_empty() || apps.contains(&name.as_str()))
        .flat_map(|name| status.units_of(name).into_values())
}

/// Every unit of `apps` (all apps when empty) is `active`, and each app named has at least one
/// (a subordinate application's units are those attached to its principals' units).
pub fn all_active(status: &Status, apps: &[&str]) -> bool {
    let present = apps.iter().all(|a| !status.units_of(a).is_empty());
    present && units(status, apps).all(|u| u.workload_status.current == "active")
}

/// Every unit's agent of `apps` is `idle`.
pub fn all_agents_idle(status: &Status, apps: &[&str]) -> bool {
    units(status, apps).all(|u| u.juju_status.current == "idle")
}

/// Some unit of `apps` is in `error` (workload or agent).
pub fn any_error(status: &Status, apps: &[&str]) -> bool {
    units(status, apps)
        .any(|u| u.workload_status.current == "error" || u.juju_status.current == "error")
}

/// The number of units `app` has in `status` (a subordinate application's included); 0 when
/// there is no such application. For waiting on [`crate::Juju::add_unit`] and
/// [`crate::Juju::remove_unit`]: `juju.wait(|s| unit_count(s, "db") == 3, …)`.
pub fn unit_count(status: &Status, app: &str) -> usize {
    status.units_of(app).len()
}

/// Whether `a` and `b` are related in `status`, each given as `app` or `app:endpoint`, in
/// either order: `a` lists `b`'s application under its relations (on `a`'s endpoint, when
/// given), and, when `b` is an application of the model, `b` lists `a`'s application (on `b`'s
/// endpoint, when given) with the same interface. An application that is not in
/// `applications` (a cross-model one) is only seen from the other side. For a peer relation,
/// both are the same application: `is_related(s, "db:replicas", "db")`.
///
/// ```
/// # extern crate juju_client as juju;
/// let status: juju::Status = serde_json::from_str(r#"{"applications": {
///     "db": {"relations": {"db": [{"related-application": "web", "interface": "pg", "scope": "global"}]}},
///     "web": {"relations": {"database": [{"related-application": "db", "interface": "pg", "scope": "global"}]}}
/// }}"#)?;
/// assert!(juju::is_related(&status, "web:database", "db"));
/// assert!(!juju::is_related(&status, "web:other", "db"));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn is_related(status: &Status, a: &str, b: &str) -> bool {
    let (a_app, _) = split_endpoint(a);
    let (b_app, _) = split_endpoint(b);
    let a_side: Vec<&AppStatusRelation> = status
        .relations_of(a)
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| r.related_application == b_app)
        .collect();
    if a_side.is_empty() {
        return false;
    }
    if !status.applications.contains_key(b_app) {
        return true;
    }
    status.relations_of(b).into_iter().any(|(_, r)| {
        r.related_application == a_app && a_side.iter().any(|x| x.interface == r.interface)
    })
}
