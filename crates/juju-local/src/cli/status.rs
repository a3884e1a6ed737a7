//! `juju status`: applications, units and machines from the model's records, in Juju's JSON
//! and YAML shapes or its tabular summary.

use serde_json::{Map, Value, json};

use super::{FORMAT, MODEL, Output};
use crate::args::Args;
use crate::error::Result;
use crate::state::{CONTROLLER, Home, JUJU_VERSION};

/// `juju status`: the model, its machines (one per unit) and applications, as JSON, YAML or
/// Juju's tabular summary.
pub fn status(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["relations"], false),
            (&["storage"], false),
            (&["utc"], false),
            (&["color"], false),
            (&["no-color"], false),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let record = model.record()?;
    let mut applications = Map::new();
    let mut machines = Map::new();
    for app_name in model.app_names() {
        let app = model.app(&app_name)?;
        let mut units = Map::new();
        let mut app_status = json!({"current": "unknown", "message": ""});
        let mut version = String::new();
        for number in &app.units {
            let Ok(unit) = model.unit(&app_name, *number) else {
                continue;
            };
            let machine = (machines.len()).to_string();
            machines.insert(machine.clone(), json!({"juju-status": {"current": "started"}, "dns-name": "127.0.0.1", "base": {"name": "ubuntu", "channel": "24.04"}}));
            if unit.leader || app_status["current"] == "unknown" {
                app_status = json!({"current": unit.workload.current, "message": unit.workload.message, "since": unit.workload.since});
            }
            if !unit.version.is_empty() {
                version.clone_from(&unit.version);
            }
            let mut entry = json!({
                "workload-status": {"current": unit.workload.current, "message": unit.workload.message, "since": unit.workload.since},
                "juju-status": {"current": unit.agent.current, "message": unit.agent.message, "since": unit.agent.since, "version": JUJU_VERSION},
                "machine": machine,
                "public-address": "127.0.0.1",
            });
            if unit.leader {
                entry["leader"] = Value::Bool(true);
            }
            units.insert(unit.name(), entry);
        }
        if let Some(status) = &app.status {
            app_status = json!({"current": status.current, "message": status.message, "since": status.since});
        }
        let mut entry = json!({
            "charm": app.charm,
            "charm-name": app.charm,
            "charm-origin": "local",
            "charm-rev": app.revision,
            "exposed": false,
            "base": {"name": "ubuntu", "channel": "24.04"},
            "application-status": app_status,
            "units": units,
        });
        if !version.is_empty() {
            entry["version"] = Value::String(version);
        }
        applications.insert(app_name, entry);
    }
    let value = json!({
        "model": {"name": record.name, "type": "iaas", "controller": CONTROLLER, "cloud": "localhost", "region": "localhost", "version": JUJU_VERSION, "model-status": {"current": "available"}},
        "machines": machines,
        "applications": applications,
    });
    match a.get("format") {
        Some("json") => Ok(Output::out(format!("{value}\n"))),
        Some("yaml") => Ok(Output::out(
            serde_saphyr::to_string(&value).unwrap_or_default(),
        )),
        _ => Ok(Output::out(tabular_status(&value))),
    }
}

/// The tabular `juju status`: the model line and one line per unit.
fn tabular_status(value: &Value) -> String {
    let mut out = format!(
        "Model  Controller  Cloud/Region         Version\n{}  {CONTROLLER}  localhost/localhost  {JUJU_VERSION}\n\nUnit  Workload  Agent  Message\n",
        value["model"]["name"].as_str().unwrap_or_default()
    );
    for app in value["applications"]
        .as_object()
        .into_iter()
        .flat_map(Map::values)
    {
        for (name, unit) in app["units"].as_object().into_iter().flatten() {
            out.push_str(&format!(
                "{name}{}  {}  {}  {}\n",
                if unit["leader"] == true { "*" } else { "" },
                unit["workload-status"]["current"]
                    .as_str()
                    .unwrap_or_default(),
                unit["juju-status"]["current"].as_str().unwrap_or_default(),
                unit["workload-status"]["message"]
                    .as_str()
                    .unwrap_or_default()
            ));
        }
    }
    out
}
