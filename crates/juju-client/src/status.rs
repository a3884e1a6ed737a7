//! [`Status`]: `juju status --format json`, one serde type per JSON shape, plus the predicates
//! [`crate::Juju::wait`] is usually given.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `juju status --format json` (the parts tests look at; unknown fields are ignored).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Status {
    #[serde(default)]
    pub model: ModelInfo,
    #[serde(default)]
    pub applications: BTreeMap<String, AppStatus>,
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
    #[serde(default)]
    pub application_status: StatusInfo,
    #[serde(default)]
    pub units: BTreeMap<String, UnitStatus>,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct UnitStatus {
    #[serde(default)]
    pub workload_status: StatusInfo,
    #[serde(default)]
    pub juju_status: StatusInfo,
    #[serde(default)]
    pub leader: bool,
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
}

fn units<'a>(status: &'a Status, apps: &'a [&str]) -> impl Iterator<Item = &'a UnitStatus> + 'a {
    status
        .applications
        .iter()
        .filter(move |(name, _)| apps.is_empty() || apps.contains(&name.as_str()))
        .flat_map(|(_, app)| app.units.values())
}

/// Every unit of `apps` (all apps when empty) is `active`, and there is at least one.
pub fn all_active(status: &Status, apps: &[&str]) -> bool {
    let present = apps.iter().all(|a| {
        status
            .applications
            .get(*a)
            .is_some_and(|app| !app.units.is_empty())
    });
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
