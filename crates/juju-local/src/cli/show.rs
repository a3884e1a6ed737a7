//! `juju show-model` and `juju show-unit`, in the shapes Juju 3.6 prints
//! (`cmd/juju/common.ModelInfo` and `cmd/juju/application.UnitInfo`, with its `relation-info`
//! as the application facade's `relationData` builds it): objects keyed by the model's short
//! name or the unit's name, fields in Juju's order.

use serde_json::{Value, json};

use super::{FORMAT, MODEL, Output};
use crate::args::Args;
use crate::error::{Result, usage};
use crate::state::{self, CONTROLLER, Home, JUJU_VERSION, Model, USER};

/// `juju show-model [MODEL] [--format json|yaml]`: the model's details (default YAML).
pub fn show_model(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[MODEL, FORMAT, (&["utc"], false)])?;
    let reference = match a.positional.as_slice() {
        [] => a.get("model"),
        [one] => Some(one.as_str()),
        [_, extra, ..] => return Err(usage(format!("unrecognized args: [\"{extra}\"]"))),
    };
    let model = home.resolve_model(reference)?;
    let record = model.record()?;
    let machines: Vec<(String, Value)> = (0..unit_count(&model))
        .map(|n| (n.to_string(), json!({"cores": 0})))
        .collect();
    let since = friendly_time(record.created, state::now().0);
    let mut fields = vec![
        ("name", json!(format!("{USER}/{}", record.name))),
        ("short-name", json!(record.name)),
        ("model-uuid", json!(record.uuid)),
        ("model-type", json!("iaas")),
        ("controller-uuid", json!(home.controller_uuid()?)),
        ("controller-name", json!(CONTROLLER)),
        ("is-controller", json!(false)),
        ("owner", json!(USER)),
        ("cloud", json!("localhost")),
        ("region", json!("localhost")),
        ("type", json!("lxd")),
        ("life", json!("alive")),
        ("status", json!({"current": "available", "since": since})),
        (
            "users",
            json!({USER: {"display-name": USER, "access": "admin", "last-connection": "just now"}}),
        ),
    ];
    if !machines.is_empty() {
        fields.push(("machines", Value::Object(machines.into_iter().collect())));
    }
    fields.extend([
        ("sla", json!("unsupported")),
        ("agent-version", json!(JUJU_VERSION)),
        (
            "credential",
            json!({"name": "localhost", "owner": USER, "cloud": "localhost", "validity-check": "valid"}),
        ),
        (
            "supported-features",
            json!([{"name": "juju", "description": "the version of Juju used by the model", "version": JUJU_VERSION}]),
        ),
    ]);
    Ok(Output::out(keyed(&record.name, &fields, a.get("format"))?))
}

/// `juju show-unit UNIT [--format json|yaml]`: the unit's details (default YAML).
pub fn show_unit(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["app"], false),
            (&["endpoint"], true),
            (&["related-unit"], true),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let [unit_arg] = a.positional.as_slice() else {
        return Err(usage("an unit name must be supplied"));
    };
    let (app_name, number) = model.resolve_unit(unit_arg)?;
    let app = model.app(&app_name)?;
    let unit = model.unit(&app_name, number)?;
    let mut fields = Vec::new();
    if !unit.version.is_empty() {
        fields.push(("workload-version", json!(unit.version)));
    }
    fields.extend([
        ("machine", json!(machine_of(&model, &app_name, number))),
        (
            "opened-ports",
            json!(crate::ports::unique_strings(
                &crate::ports::grouped_from_strings(&unit.ports)
            )),
        ),
        ("public-address", json!("127.0.0.1")),
        (
            "charm",
            json!(format!("local:{}-{}", app.charm, app.revision)),
        ),
        ("leader", json!(unit.leader)),
        ("life", json!(if unit.dying { "dying" } else { "alive" })),
    ]);
    let filter = InfoFilter {
        endpoint: a.get("endpoint"),
        related_unit: a.get("related-unit"),
        app_only: a.has("app"),
    };
    let info = relation_info(&model, &unit, &filter)?;
    if !info.is_empty() {
        fields.push(("relation-info", Value::Array(info)));
    }
    Ok(Output::out(keyed(&unit.name(), &fields, a.get("format"))?))
}

/// `show-unit`'s `--endpoint`, `--related-unit` and `--app`.
struct InfoFilter<'a> {
    endpoint: Option<&'a str>,
    related_unit: Option<&'a str>,
    app_only: bool,
}

/// `relation-info`, as Juju 3.6 builds it: for each relation of the unit's application (by
/// id), the other end's application databag and every unit of the other application, in scope
/// or not (in a peer relation, the unit itself is `local-unit`; otherwise `local-unit` is
/// Go's zero value, `{"in-scope": false, "data": null}`).
fn relation_info(
    model: &Model,
    unit: &state::UnitRecord,
    filter: &InfoFilter<'_>,
) -> Result<Vec<Value>> {
    let relations = model.relations()?;
    let mut out = Vec::new();
    let mut mine: Vec<&state::Relation> = relations.of_app(&unit.app).collect();
    mine.sort_by_key(|r| r.id);
    for relation in mine {
        let (Some(local), Some(other)) = (
            relation.endpoint_of(&unit.app),
            relation.other_end(&unit.app),
        ) else {
            continue;
        };
        if filter.endpoint.is_some_and(|e| e != local.name) {
            continue;
        }
        let app_data = model
            .app(&other.app)
            .ok()
            .and_then(|a| a.relation_data.get(&relation.id).map(|b| b.data.clone()))
            .unwrap_or_default();
        let mut entry = serde_json::Map::new();
        entry.insert("relation-id".into(), json!(relation.id));
        entry.insert("endpoint".into(), json!(local.name));
        entry.insert("related-endpoint".into(), json!(other.name));
        entry.insert("application-data".into(), json!(app_data));
        if filter.app_only {
            out.push(Value::Object(entry));
            continue;
        }
        let mut local_unit = json!({"in-scope": false, "data": null});
        let mut related = serde_json::Map::new();
        let other_app = model.app(&other.app).ok();
        let mut numbers = other_app.map(|a| a.units).unwrap_or_default();
        numbers.sort_unstable();
        for number in numbers {
            let Ok(record) = model.unit(&other.app, number) else {
                continue;
            };
            let name = record.name();
            if filter.related_unit.is_some_and(|u| u != name) {
                continue;
            }
            let scope = record.relations.get(&relation.id);
            let in_scope = scope.is_some_and(|r| r.in_scope);
            let data = match scope {
                Some(r) if in_scope => json!(r.bag.data),
                _ => json!({}),
            };
            let value = json!({"in-scope": in_scope, "data": data});
            if name == unit.name() {
                local_unit = value;
            } else {
                related.insert(name, value);
            }
        }
        let local_data = local_unit["data"]
            .as_object()
            .is_some_and(|d| !d.is_empty());
        let keep = filter.endpoint == Some(local.name.as_str())
            || !app_data.is_empty()
            || !related.is_empty()
            || local_data;
        entry.insert("local-unit".into(), local_unit);
        if !related.is_empty() {
            entry.insert("related-units".into(), Value::Object(related));
        }
        if keep {
            out.push(Value::Object(entry));
        }
    }
    Ok(out)
}

/// `{key: {fields…}}` as JSON (one line) or YAML, the fields in the order given (as Go prints a
/// struct).
fn keyed(key: &str, fields: &[(&str, Value)], format: Option<&str>) -> Result<String> {
    match format.unwrap_or("yaml") {
        "json" => {
            let inner: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}:{v}", Value::from(*k)))
                .collect();
            Ok(format!(
                "{{{}:{{{}}}}}\n",
                Value::from(key),
                inner.join(",")
            ))
        }
        "yaml" => {
            let mut out = format!("{}:\n", yaml_scalar(key));
            for (k, v) in fields {
                let text = serde_saphyr::to_string(v).unwrap_or_default();
                let nested = matches!(v, Value::Object(m) if !m.is_empty())
                    || matches!(v, Value::Array(a) if !a.is_empty());
                if nested {
                    out.push_str(&format!("  {k}:\n"));
                    for line in text.lines() {
                        out.push_str(&format!("    {line}\n"));
                    }
                } else {
                    out.push_str(&format!("  {k}: {}\n", text.trim_end()));
                }
            }
            Ok(out)
        }
        other => Err(usage(format!(
            "invalid value \"{other}\" for option --format: unknown format \"{other}\""
        ))),
    }
}

/// A key as YAML prints it (quoted only when it must be).
fn yaml_scalar(key: &str) -> String {
    serde_saphyr::to_string(&Value::from(key))
        .unwrap_or_default()
        .trim_end()
        .to_owned()
}

/// How many units the model has (`juju status` gives each its own machine).
fn unit_count(model: &Model) -> usize {
    model
        .app_names()
        .iter()
        .filter_map(|name| model.app(name).ok())
        .map(|app| {
            app.units
                .iter()
                .filter(|n| model.unit(&app.name, **n).is_ok())
                .count()
        })
        .sum()
}

/// The machine `juju status` shows the unit on: units are numbered across applications in
/// name order, as `status` numbers them.
fn machine_of(model: &Model, app_name: &str, number: u32) -> String {
    let mut machine = 0;
    for name in model.app_names() {
        let Ok(app) = model.app(&name) else { continue };
        for n in &app.units {
            if model.unit(&name, *n).is_err() {
                continue;
            }
            if name == app_name && *n == number {
                return machine.to_string();
            }
            machine += 1;
        }
    }
    machine.to_string()
}

/// A past time as Juju's show commands print it (`common.UserFriendlyDuration`): `just now`,
/// `N seconds/minutes/hours ago`, else the date.
fn friendly_time(when: i64, now: i64) -> String {
    let since = now.saturating_sub(when);
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    if since >= 24 * 3600 {
        state::go_time(when).chars().take(10).collect()
    } else if since >= 3600 {
        plural(since / 3600, "hour")
    } else if since >= 60 {
        plural(since / 60, "minute")
    } else if since >= 2 {
        format!("{since} seconds ago")
    } else {
        "just now".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_juju_prints_them() {
        assert_eq!(friendly_time(100, 101), "just now");
        assert_eq!(friendly_time(100, 110), "10 seconds ago");
        assert_eq!(friendly_time(0, 60), "1 minute ago");
        assert_eq!(friendly_time(0, 7300), "2 hours ago");
        assert_eq!(
            friendly_time(1_714_557_600, 1_714_557_600 + 90_000),
            "2024-05-01"
        );
    }

    #[test]
    fn keyed_output_keeps_the_field_order() -> Result<()> {
        let fields = [("b", json!(1)), ("a", json!({"x": "z"})), ("c", json!([]))];
        assert_eq!(
            keyed("k", &fields, Some("json"))?,
            "{\"k\":{\"b\":1,\"a\":{\"x\":\"z\"},\"c\":[]}}\n"
        );
        assert_eq!(
            keyed("app/0", &fields, None)?,
            "app/0:\n  b: 1\n  a:\n    x: z\n  c: []\n"
        );
        Ok(())
    }
}
