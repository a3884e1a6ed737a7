//! The schema side of Juju's param handling: the schema `ReadActionsYaml` builds from an
//! `actions.yaml` body (with its `cleanse` and gojsonschema's schema checks, Juju's messages) and
//! gojsonschema's `InsertDefaults`, including its recovered panic.

use serde_json::{Map, Value};

const TYPES: [&str; 7] = [
    "array", "boolean", "integer", "number", "null", "object", "string",
];

/// The schema Juju validates an action's params against (`ReadActionsYaml`; Juju 3.x: no
/// `additionalProperties` default).
pub fn action_schema(name: &str, body: &Value) -> Result<Value, String> {
    let mut schema = Map::new();
    schema.insert("description".into(), Value::from("No description"));
    schema.insert("type".into(), Value::from("object"));
    schema.insert("title".into(), Value::from(name));
    schema.insert("properties".into(), Value::Object(Map::new()));
    let Value::Object(body) = body else {
        return Ok(Value::Object(schema));
    };
    for (key, value) in body {
        match key.as_str() {
            "description" | "title" | "execution-group" if !value.is_string() => {
                return Err(format!("value for schema key {key:?} must be a string"));
            }
            "required" if !value.is_array() => {
                return Err(format!("value for schema key {key:?} must be a YAML list"));
            }
            "parallel" if !value.is_boolean() => {
                return Err(format!("value for schema key {key:?} must be a bool"));
            }
            "parallel" | "execution-group" => {}
            "params" => {
                cleanse(value)?;
                if !value.is_object() {
                    return Err("params failed to parse as a map".into());
                }
                schema.insert("properties".into(), value.clone());
            }
            _ => {
                cleanse(value)?;
                schema.insert(key.clone(), value.clone());
            }
        }
    }
    let schema = Value::Object(schema);
    check(&schema).map_err(|e| format!("invalid params schema for action schema {name}: {e}"))?;
    Ok(schema)
}

/// `cleanse`: `$ref` and `$schema` are refused anywhere.
fn cleanse(value: &Value) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" || k == "$schema" {
                    return Err(format!(
                        "schema key {k:?} not compatible with this version of juju"
                    ));
                }
                cleanse(v)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(cleanse),
        _ => Ok(()),
    }
}

/// The schema checks of gojsonschema's `parseSchema` that a hand-written schema can trip.
fn check(schema: &Value) -> Result<(), String> {
    let Value::Object(m) = schema else {
        return Err("schema must be of type object".into());
    };
    match m.get("type") {
        None => {}
        Some(Value::String(t)) => check_type(t, &mut Vec::new())?,
        Some(Value::Array(ts)) => {
            let mut seen = Vec::new();
            for t in ts {
                let Value::String(t) = t else {
                    return Err("type must be of type string/array of strings".into());
                };
                check_type(t, &mut seen)?;
            }
        }
        Some(_) => return Err("type must be of type string/array of strings".into()),
    }
    if let Some(props) = m.get("properties") {
        let Value::Object(props) = props else {
            return Err("properties must be of type object".into());
        };
        for p in props.values() {
            if !p.is_object() {
                return Err("property must be of type schema".into());
            }
            check(p)?;
        }
    }
    if let Some(defs) = m.get("definitions") {
        match defs {
            Value::Object(d) if d.values().all(Value::is_object) => {}
            _ => return Err("definitions must be of type array of schemas".into()),
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(v @ Value::Object(_)) = m.get(key) {
            check(v)?;
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(items)) = m.get(key) {
            items.iter().try_for_each(check)?;
        }
    }
    Ok(())
}

fn check_type(t: &str, seen: &mut Vec<String>) -> Result<(), String> {
    if !TYPES.contains(&t) {
        return Err(format!("{t} is not a valid type"));
    }
    if seen.iter().any(|s| s == t) {
        return Err(format!("{t} type is duplicated"));
    }
    seen.push(t.to_owned());
    Ok(())
}

/// The message of the Go runtime panic gojsonschema's `InsertDefaults` recovers from when a
/// user-given map meets a property schema without `properties`.
const NIL_PROPERTIES_PANIC: &str = "schema error caused a panic: interface conversion: interface {} is nil, not map[string]interface {}";

/// `Schema.InsertDefaults`: fills in missing top-level defaults and nested ones under
/// `properties`; user maps are walked, other user values left alone.
pub fn insert_defaults(schema: &Value, params: &mut Map<String, Value>) -> Result<(), String> {
    let Some(Value::Object(props)) = schema.get("properties") else {
        return Err(NIL_PROPERTIES_PANIC.into());
    };
    iterate_and_insert(params, props)
}

fn iterate_and_insert(
    into: &mut Map<String, Value>,
    props: &Map<String, Value>,
) -> Result<(), String> {
    for (name, prop) in props {
        if let Some(existing) = into.get_mut(name) {
            if let Value::Object(inner) = existing {
                match prop.get("properties") {
                    Some(Value::Object(p)) => iterate_and_insert(inner, p)?,
                    _ => return Err(NIL_PROPERTIES_PANIC.into()),
                }
            }
            continue;
        }
        if let Some(default) = prop.get("default") {
            into.insert(name.clone(), default.clone());
            continue;
        }
        if let Some(Value::Object(p)) = prop.get("properties") {
            let mut built = Map::new();
            iterate_and_insert(&mut built, p)?;
            if !built.is_empty() {
                into.insert(name.clone(), Value::Object(built));
            }
        }
    }
    Ok(())
}
