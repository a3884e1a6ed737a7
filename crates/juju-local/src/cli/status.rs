//! `juju status`: applications (with their relations), units and machines from the model's
//! records, in Juju's JSON and YAML shapes or its tabular summary.

use serde_json::{Map, Value, json};

use super::{FORMAT, MODEL, Output};
use crate::args::Args;
use crate::error::Result;
use crate::state::{CONTROLLER, Home, JUJU_VERSION, Relation, Relations};

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
    let relations = model.relations()?;
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
            // Juju's formatter names the other end of the relation whose hook failed.
            let mut message = unit.workload.message.clone();
            if unit.workload.current == "error"
                && let Some(other) = unit
                    .error_relation
                    .and_then(|id| relations.get(id))
                    .and_then(|r| r.other_end(&app_name))
            {
                message = format!("{message} for {}:{}", other.app, other.name);
            }
            let mut entry = json!({
                "workload-status": {"current": unit.workload.current, "message": message, "since": unit.workload.since},
                "juju-status": {"current": unit.agent.current, "message": unit.agent.message, "since": unit.agent.since, "version": JUJU_VERSION},
                "machine": machine,
                "public-address": "127.0.0.1",
            });
            if unit.leader {
                entry["leader"] = Value::Bool(true);
            }
            // Ports: the unit's opened ranges, sorted (`open-ports`, left out when none).
            let ports =
                crate::ports::unique_strings(&crate::ports::grouped_from_strings(&unit.ports));
            if !ports.is_empty() {
                entry["open-ports"] = json!(ports);
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
            "exposed": app.exposed,
            "base": {"name": "ubuntu", "channel": "24.04"},
            "application-status": app_status,
            "units": units,
        });
        if !version.is_empty() {
            entry["version"] = Value::String(version);
        }
        let related = app_relations(&relations, &app_name);
        if !related.is_empty() {
            entry["relations"] = Value::Object(related);
        }
        applications.insert(app_name, entry);
    }
    let mut value = json!({
        "model": {"name": record.name, "type": "iaas", "controller": CONTROLLER, "cloud": "localhost", "region": "localhost", "version": JUJU_VERSION, "model-status": {"current": "available"}},
        "machines": machines,
        "applications": applications,
    });
    // Storage: always in `--format json|yaml` (`{}` when there is none), as Juju's formatter
    // fills it for non-tabular formats; `--storage` is for tables.
    value["storage"] = super::storage::status_section(&model).unwrap_or_else(|| json!({}));
    match a.get("format") {
        Some("json") => Ok(Output::out(format!("{value}\n"))),
        Some("yaml") => Ok(Output::out(
            serde_saphyr::to_string(&value).unwrap_or_default(),
        )),
        _ => {
            let mut text = tabular_status(&value);
            if a.has("relations") && !relations.relations.is_empty() {
                text.push_str(&relations_table(&relations));
            }
            Ok(Output::out(text))
        }
    }
}

/// `juju status --relations`' table: provider, requirer, interface and type (`peer` or
/// `regular`), columns padded as Go's tabwriter pads them.
fn relations_table(relations: &Relations) -> String {
    let mut rows: Vec<[String; 5]> = relations
        .relations
        .iter()
        .map(|r| {
            let name = |e: &crate::state::RelationEndpoint| format!("{}:{}", e.app, e.name);
            let provider = r
                .endpoints
                .iter()
                .find(|e| e.role != "requirer")
                .map(name)
                .unwrap_or_default();
            let requirer = r
                .endpoints
                .iter()
                .find(|e| e.role != "provider")
                .map(name)
                .unwrap_or_default();
            let kind = if r.is_peer() { "peer" } else { "regular" };
            let message = if r.dying { "departing" } else { "" };
            [
                provider,
                requirer,
                r.interface.clone(),
                kind.to_owned(),
                message.to_owned(),
            ]
        })
        .collect();
    rows.sort();
    rows.insert(
        0,
        [
            "Integration provider".to_owned(),
            "Requirer".to_owned(),
            "Interface".to_owned(),
            "Type".to_owned(),
            "Message".to_owned(),
        ],
    );
    format!("\n{}", super::tabulate(&rows))
}

/// An application's relations as `juju status` prints them (3.1+): each endpoint maps to the
/// related applications (its own for a peer relation), each with the interface and scope.
fn app_relations(relations: &Relations, app: &str) -> Map<String, Value> {
    let mut out: Map<String, Value> = Map::new();
    let mut entries: Vec<(String, String, &Relation)> = relations
        .of_app(app)
        .filter_map(|r| {
            let mine = r.endpoint_of(app)?;
            let other = r.other_end(app)?;
            Some((mine.name.clone(), other.app.clone(), r))
        })
        .collect();
    entries.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    for (endpoint, other, relation) in entries {
        let list = out
            .entry(endpoint)
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            items.push(json!({
                "related-application": other,
                "interface": relation.interface,
                "scope": relation.scope,
            }));
        }
    }
    out
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
