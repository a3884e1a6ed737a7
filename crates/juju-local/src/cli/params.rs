//! Action parameters for `juju run`: parsing `key=value` arguments (dotted keys nest, values are
//! YAML) and Juju's enqueue-time validation against the action's schema (draft-4 JSON Schema,
//! then defaults inserted), with [`ScheduleError`] saying why an action cannot be scheduled.

use std::fmt;

use serde_json::{Map, Value};

use crate::charm::CharmInfo;
use crate::error::{Result, usage};

/// Why an action could not be scheduled; `juju run` prints it after "failed to schedule any
/// tasks", in Juju's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// The unit's charm defines no action of that name.
    UnknownAction { action: String, unit: String },
    /// The action's `params` are not a valid schema.
    InvalidSchema { action: String, reason: String },
    /// The parameters break the schema: one message per violation.
    Invalid(Vec<String>),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::UnknownAction { action, unit } => {
                write!(f, "action \"{action}\" not defined on unit \"{unit}\"")
            }
            ScheduleError::InvalidSchema { action, reason } => {
                write!(
                    f,
                    "invalid params schema for action schema {action}: {reason}"
                )
            }
            ScheduleError::Invalid(errors) => {
                write!(f, "validation failed: {}", errors.join("; "))
            }
        }
    }
}

impl std::error::Error for ScheduleError {}

/// Parses `k=v` action arguments into `into`: dotted keys nest, values are YAML unless
/// `string_args` (or empty).
pub fn parse_action_args(
    pairs: &[String],
    string_args: bool,
    into: &mut Map<String, Value>,
) -> Result<()> {
    for pair in pairs {
        let Some((key, raw)) = pair.split_once('=') else {
            return Err(usage(format!(
                "argument {pair:?} must be of the form key...=value"
            )));
        };
        let segments: Vec<&str> = key.split('.').collect();
        if segments.iter().any(|s| !ops::results::is_valid_segment(s)) {
            return Err(usage(format!(
                "key {key:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens"
            )));
        }
        let value = if string_args || raw.is_empty() {
            Value::String(raw.to_owned())
        } else {
            serde_saphyr::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
        };
        insert_nested(into, &segments, value);
    }
    Ok(())
}

/// Inserts `value` at the dotted `path` of `map`, making (or replacing non-object values with)
/// the intermediate objects.
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

/// Juju's enqueue-time validation of `params` for `action` on `unit`: draft-4 JSON Schema, then
/// the schema's defaults inserted.
pub fn validate_params(
    info: &CharmInfo,
    action: &str,
    unit: &str,
    mut params: Value,
) -> std::result::Result<Value, ScheduleError> {
    let Some(body) = info.actions.get(action) else {
        return Err(ScheduleError::UnknownAction {
            action: action.to_owned(),
            unit: unit.to_owned(),
        });
    };
    let invalid_schema = |reason: String| ScheduleError::InvalidSchema {
        action: action.to_owned(),
        reason,
    };
    let spec = ops::schema::ActionSpec::from_yaml_value(action, body)
        .map_err(|e| invalid_schema(e.reason))?;
    let schema = spec.params_schema();
    let validator = jsonschema::draft4::new(&schema).map_err(|e| invalid_schema(e.to_string()))?;
    let errors: Vec<String> = validator
        .iter_errors(&params)
        .map(|e| {
            let path: String = e
                .instance_path()
                .as_str()
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| format!(".{s}"))
                .collect();
            format!("(root){path} : {e}")
        })
        .collect();
    if !errors.is_empty() {
        return Err(ScheduleError::Invalid(errors));
    }
    ops::params::insert_defaults(&schema, &mut params);
    Ok(params)
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
            parse(&["a.b=1", "a.c=x", "d=", "e=true"], false)?,
            json!({"a": {"b": 1, "c": "x"}, "d": "", "e": true})
        );
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
