//! Action parameters for `juju run`: parsing `key=value` arguments (dotted keys nest, values are
//! YAML 1.1 as yaml.v2 reads them) and Juju's enqueue-time validation against the schema Juju
//! builds for the action (gojsonschema's draft 4, its messages, then defaults inserted), with
//! [`ScheduleError`] saying why an action cannot be scheduled.

use std::fmt;

use serde_json::{Map, Value};

use crate::charm::CharmInfo;
use crate::error::{Result, run_error, usage};
use crate::{gojson, gojsonschema};

/// Why an action could not be scheduled; `juju run` prints it after "failed to schedule any
/// tasks", in Juju's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// The unit's charm defines no action of that name.
    UnknownAction { action: String, unit: String },
    /// The action's body is not a schema Juju accepts (Juju's whole message).
    InvalidSchema(String),
    /// The parameters break the schema: one message per violation.
    Invalid(Vec<String>),
    /// Inserting defaults failed (gojsonschema's recovered panic).
    Defaults(String),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::UnknownAction { action, unit } => {
                write!(f, "action \"{action}\" not defined on unit \"{unit}\"")
            }
            ScheduleError::InvalidSchema(message) | ScheduleError::Defaults(message) => {
                f.write_str(message)
            }
            ScheduleError::Invalid(errors) => {
                write!(f, "validation failed: {}", errors.join("; "))
            }
        }
    }
}

impl std::error::Error for ScheduleError {}

/// Parses `k=v` action arguments into `into` as `juju run` does (`Init`, `enqueueActions`):
/// each key segment must match the action-name rule (usage error, exit 2), dotted keys nest,
/// values are read as YAML 1.1 by yaml.v2 unless `string_args`; a value that is not valid YAML
/// fails the command (exit 1) with yaml.v2's message.
pub fn parse_action_args(
    pairs: &[String],
    string_args: bool,
    into: &mut Map<String, Value>,
) -> Result<()> {
    let mut parsed = Vec::new();
    for pair in pairs {
        let Some((key, raw)) = pair.split_once('=') else {
            return Err(usage(format!(
                "argument {pair:?} must be of the form key.key.key...=value"
            )));
        };
        let segments: Vec<&str> = key.split('.').collect();
        if let Some(bad) = segments.iter().find(|s| !ops::results::is_valid_segment(s)) {
            return Err(usage(format!(
                "key {bad:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens"
            )));
        }
        parsed.push((segments, raw));
    }
    for (segments, raw) in parsed {
        let value = if string_args {
            Value::String(raw.to_owned())
        } else {
            crate::yaml11::parse_value(raw).map_err(run_error)?
        };
        insert_nested(into, &segments, value);
    }
    Ok(())
}

/// Inserts `value` at the dotted `path` of `map`, making (or replacing non-object values with)
/// the intermediate objects (Juju's `addValueToMap`).
fn insert_nested(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert((*last).to_owned(), value);
        }
        [first, rest @ ..] => {
            let slot = map
                .entry((*first).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                insert_nested(inner, rest, value);
            }
        }
    }
}

/// Juju's enqueue-time handling of `params` for `action` on `unit`: the params pass through
/// JSON (every number a float64), are validated with gojsonschema against the schema Juju
/// builds from the action's body, then get the schema's defaults.
pub fn validate_params(
    info: &CharmInfo,
    action: &str,
    unit: &str,
    params: Value,
) -> std::result::Result<Value, ScheduleError> {
    let Some(body) = info.actions.get(action) else {
        return Err(ScheduleError::UnknownAction {
            action: action.to_owned(),
            unit: unit.to_owned(),
        });
    };
    let schema = gojsonschema::action_schema(action, body).map_err(ScheduleError::InvalidSchema)?;
    let params = gojson::as_float64(params);
    let errors = gojsonschema::validate(&schema, &params);
    if !errors.is_empty() {
        return Err(ScheduleError::Invalid(errors));
    }
    let mut map = match params {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    gojsonschema::insert_defaults(&schema, &mut map).map_err(ScheduleError::Defaults)?;
    Ok(gojson::as_float64(Value::Object(map)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(pairs: &[&str], string_args: bool) -> Result<Value> {
        let pairs: Vec<String> = pairs.iter().map(|p| (*p).to_owned()).collect();
        let mut map = Map::new();
        parse_action_args(&pairs, string_args, &mut map)?;
        Ok(Value::Object(map))
    }

    #[test]
    fn dotted_keys_nest_and_values_are_yaml() -> Result<()> {
        assert_eq!(
            parse(&["a.b=1", "a.c=x", "d=", "e=yes", "f=0777"], false)?,
            json!({"a": {"b": 1, "c": "x"}, "d": "", "e": true, "f": 511})
        );
        assert_eq!(parse(&["x=[unclosed"], false).map_err(|e| e.code), Err(1));
        assert_eq!(parse(&["n=1"], true)?, json!({"n": "1"}));
        assert_eq!(parse(&["a=1", "a.b=2"], false)?, json!({"a": {"b": 2}}));
        Ok(())
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        assert_eq!(parse(&["novalue"], false).map_err(|e| e.code), Err(2));
        assert_eq!(parse(&["Bad=1"], false).map_err(|e| e.code), Err(2));
    }

    #[test]
    fn schedule_errors_read_as_juju_prints_them() {
        let unknown = validate_params(&CharmInfo::default(), "go", "app/0", json!({}));
        assert_eq!(
            unknown.map_err(|e| e.to_string()),
            Err("action \"go\" not defined on unit \"app/0\"".to_owned())
        );
        assert_eq!(
            ScheduleError::Invalid(vec!["a".into(), "b".into()]).to_string(),
            "validation failed: a; b"
        );
    }
}
