//! Action param validation and default insertion, following Juju's rules.
//!
//! Juju validates `juju run` params with JSON Schema draft 4 (gojsonschema) against the action's
//! schema, then inserts the schema's defaults (top level, and nested objects that declare
//! `properties`). The runtime and the testing harness both go through [`prepare`], so a handler
//! never sees params Juju would refuse, and every bad field is reported at once with its path.
//!
//! Every draft-4 validation keyword is enforced with gojsonschema's semantics ([`validate`]);
//! [`check_schema`] refuses, when the schema is read, what gojsonschema would refuse and the few
//! things the runtime cannot enforce the same way (later-draft keywords, which Juju ignores, and
//! regular expressions using features the runtime's engine lacks).

mod check;
mod validate;

use std::fmt;

use serde_json::{Map, Value};

use crate::schema::ActionSpec;

pub use check::{check_schema, is_param_name};
pub use validate::{SAFE_INTEGER, json_equal};

/// How much of a bad value an error message quotes.
const MAX_GIVEN: usize = 64;

/// One param that breaks the action's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    /// Dotted path of the offending field (`compression.quality`); empty for the params as a whole.
    pub path: String,
    pub message: String,
    /// The value given, when there was one.
    pub given: Option<Value>,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{}: {}", self.path, self.message)?;
        }
        if let Some(given) = &self.given {
            // A huge value is shown by its start and size: the message goes into `action-fail`.
            let text = given.to_string();
            if text.len() > MAX_GIVEN {
                let end = (0..=MAX_GIVEN)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                write!(f, ", given {}… ({} bytes)", &text[..end], text.len())?;
            } else {
                write!(f, ", given {text}")?;
            }
        }
        Ok(())
    }
}

/// Every problem found in an action's params; shown as `Error in action parameters: …`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamErrors {
    pub action: String,
    pub errors: Vec<ParamError>,
}

impl fmt::Display for ParamErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Error in action parameters: ")?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParamErrors {}

/// Validates `params` against `spec` the way Juju does, then inserts defaults.
///
/// Integers that arrive as floats without a fraction (Juju passes numbers as float64) are
/// normalised to integers where the schema says `integer`.
pub fn prepare(spec: &ActionSpec, params: &Value) -> Result<Value, ParamErrors> {
    let schema = spec.params_schema();
    let mut value = match params {
        Value::Null => Value::Object(Map::new()),
        other => other.clone(),
    };
    let mut errors = Vec::new();
    validate::validate(&schema, &mut value, "", &mut errors);
    if !errors.is_empty() {
        return Err(ParamErrors {
            action: spec.name.clone(),
            errors,
        });
    }
    insert_defaults(&schema, &mut value);
    Ok(value)
}

/// Validates `value` against a draft-4 `schema` with gojsonschema's semantics, collecting every
/// error (paths relative to `value`). The schema should have passed [`check_schema`]; parts of
/// an unchecked schema that are malformed are ignored.
pub fn validate(schema: &Value, value: &mut Value) -> Vec<ParamError> {
    let mut errors = Vec::new();
    validate::validate(schema, value, "", &mut errors);
    errors
}

/// Juju's `InsertDefaults`: a missing key with a `default` gets it; a missing key whose schema
/// has `properties` gets a sub-map built from the nested defaults (only when there is one); a
/// given map is walked and its missing nested defaults filled in.
pub fn insert_defaults(schema: &Value, value: &mut Value) {
    let (Some(Value::Object(props)), Value::Object(map)) = (schema.get("properties"), value) else {
        return;
    };
    for (key, prop) in props {
        match map.get_mut(key) {
            Some(existing) => {
                if existing.is_object() {
                    insert_defaults(prop, existing);
                }
            }
            None => {
                if let Some(default) = prop.get("default") {
                    map.insert(key.clone(), default.clone());
                } else if prop.get("properties").is_some() {
                    let mut sub = Value::Object(Map::new());
                    insert_defaults(prop, &mut sub);
                    if sub.as_object().is_some_and(|m| !m.is_empty()) {
                        map.insert(key.clone(), sub);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
