//! Action param validation and default insertion, following Juju's rules.
//!
//! Juju validates `juju run` params with JSON Schema draft 4 against the action's schema, then
//! inserts the schema's defaults (top level, and nested objects that declare `properties`). The
//! runtime and the testing harness both go through [`prepare`], so a handler never sees params
//! Juju would refuse, and every bad field is reported at once with its path.

use std::fmt;

use serde_json::{Map, Number, Value};

use crate::schema::ActionSpec;

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
    validate(&schema, &mut value, "", &mut errors);
    if !errors.is_empty() {
        return Err(ParamErrors {
            action: spec.name.clone(),
            errors,
        });
    }
    insert_defaults(&schema, &mut value);
    Ok(value)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn type_matches(ty: &str, value: &Value) -> bool {
    match ty {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|f| f.fract() == 0.0) && value.is_number(),
        _ => true,
    }
}

fn describe_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Draft-4 validation of the keywords action schemas use; collects every error.
fn validate(schema: &Value, value: &mut Value, path: &str, errors: &mut Vec<ParamError>) {
    let Value::Object(schema) = schema else {
        return;
    };
    let err = |errors: &mut Vec<ParamError>, message: String, given: &Value| {
        errors.push(ParamError {
            path: path.to_owned(),
            message,
            given: Some(given.clone()),
        });
    };

    if let Some(ty) = schema.get("type") {
        let types: Vec<&str> = match ty {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
            let want = if types.len() == 1 {
                types[0].to_owned()
            } else {
                format!("[{}]", types.join(","))
            };
            err(
                errors,
                format!("must be of type {want}, not {}", describe_type(value)),
                value,
            );
            return;
        }
        if types == ["integer"]
            && let Some(f) = value.as_f64().filter(|_| value.is_f64())
        {
            // Exact: `type_matches` checked there is no fraction.
            #[allow(clippy::cast_possible_truncation)] // reason: checked integral above
            if f.abs() < 9.007_199_254_740_992e15 {
                *value = Value::Number(Number::from(f as i64));
            }
        }
    }

    if let Some(Value::Array(choices)) = schema.get("enum")
        && !choices.iter().any(|c| json_equal(c, value))
    {
        let list: Vec<String> = choices.iter().map(Value::to_string).collect();
        err(errors, format!("must be one of {}", list.join(", ")), value);
    }

    if let Some(n) = value.as_f64() {
        let exclusive = |k: &str| schema.get(k).and_then(Value::as_bool).unwrap_or(false);
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            if exclusive("exclusiveMinimum") && n <= min {
                err(errors, format!("must be greater than {}", num(min)), value);
            } else if n < min {
                err(
                    errors,
                    format!("must be greater than or equal to {}", num(min)),
                    value,
                );
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            if exclusive("exclusiveMaximum") && n >= max {
                err(errors, format!("must be less than {}", num(max)), value);
            } else if n > max {
                err(
                    errors,
                    format!("must be less than or equal to {}", num(max)),
                    value,
                );
            }
        }
    }

    if let Value::String(s) = &*value {
        let len = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && len < min
        {
            err(
                errors,
                format!("must be at least {min} characters long"),
                value,
            );
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && len > max
        {
            err(
                errors,
                format!("must be at most {max} characters long"),
                value,
            );
        }
    }

    if let Value::Array(items) = value {
        let len = items.len() as u64;
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && len < min
        {
            errors.push(ParamError {
                path: path.to_owned(),
                message: format!("must have at least {min} items"),
                given: None,
            });
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && len > max
        {
            errors.push(ParamError {
                path: path.to_owned(),
                message: format!("must have at most {max} items"),
                given: None,
            });
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter_mut().enumerate() {
                validate(item_schema, item, &join(path, &i.to_string()), errors);
            }
        }
    }

    if let Value::Object(map) = value {
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(name) {
                    errors.push(ParamError {
                        path: join(path, name),
                        message: "required parameter is missing".into(),
                        given: None,
                    });
                }
            }
        }
        let empty = Map::new();
        let props = match schema.get("properties") {
            Some(Value::Object(p)) => p,
            _ => &empty,
        };
        for (key, item) in map.iter_mut() {
            let item_path = join(path, key);
            if let Some(prop_schema) = props.get(key) {
                validate(prop_schema, item, &item_path, errors);
            } else {
                match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(ParamError {
                        path: item_path,
                        message: "unknown parameter (the schema sets additionalProperties: false)"
                            .into(),
                        given: None,
                    }),
                    Some(extra @ Value::Object(_)) => validate(extra, item, &item_path, errors),
                    _ => {}
                }
            }
        }
    }
}

/// JSON equality where `5` and `5.0` are the same number (gojsonschema compares float64s).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn num(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
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
mod tests {
    use serde_json::json;

    use super::*;

    /// The docs' snapshot action, as charmcraft.yaml declares it.
    fn snapshot_spec(additional: Option<Value>) -> ActionSpec {
        let mut body = json!({
            "description": "Take a snapshot of the database.",
            "params": {
                "filename": {"type": "string", "description": "The name of the snapshot file."},
                "compression": {
                    "type": "object",
                    "description": "The type of compression to use.",
                    "properties": {
                        "kind": {"type": "string", "enum": ["gzip", "bzip2", "xz"], "default": "gzip"},
                        "quality": {"type": "integer", "default": 5, "minimum": 0, "maximum": 9}
                    },
                    "additionalProperties": false
                }
            },
            "required": ["filename"]
        });
        if let Some(ap) = additional {
            body["additionalProperties"] = ap;
        }
        ActionSpec::from_yaml_value("snapshot", &body).unwrap()
    }

    fn check(params: Value) -> Result<Value, String> {
        prepare(&snapshot_spec(Some(json!(false))), &params).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_are_inserted_after_validation() {
        assert_eq!(
            check(json!({"filename": "a"})).unwrap(),
            json!({"filename": "a", "compression": {"kind": "gzip", "quality": 5}})
        );
        assert_eq!(
            check(json!({"filename": "a", "compression": {"quality": 2}})).unwrap(),
            json!({"filename": "a", "compression": {"kind": "gzip", "quality": 2}})
        );
        assert_eq!(
            check(Value::Null).unwrap_err(),
            "Error in action parameters: filename: required parameter is missing"
        );
    }

    #[test]
    fn every_bad_field_is_named_with_its_path() {
        let cases = [
            (json!({}), "filename: required parameter is missing"),
            (
                json!({"filename": "a", "compression": {"quality": 12}}),
                "compression.quality: must be less than or equal to 9, given 12",
            ),
            (
                json!({"filename": "a", "compression": {"quality": -1}}),
                "compression.quality: must be greater than or equal to 0, given -1",
            ),
            (
                json!({"filename": "a", "compression": {"kind": "zip"}}),
                "compression.kind: must be one of \"gzip\", \"bzip2\", \"xz\", given \"zip\"",
            ),
            (
                json!({"filename": "a", "compression": {"quality": "high"}}),
                "compression.quality: must be of type integer, not string, given \"high\"",
            ),
            (
                json!({"filename": "a", "compression": {"quality": 2.5}}),
                "compression.quality: must be of type integer, not number, given 2.5",
            ),
            (
                json!({"filename": 123}),
                "filename: must be of type string, not integer, given 123",
            ),
            (
                json!({"filename": "a", "compression": "gzip"}),
                "compression: must be of type object, not string, given \"gzip\"",
            ),
            (
                json!({"filename": "a", "bogus": 1}),
                "bogus: unknown parameter (the schema sets additionalProperties: false)",
            ),
            (
                json!({"filename": "a", "compression": {"level": 3}}),
                "compression.level: unknown parameter",
            ),
            (json!([1]), "must be of type object, not array"),
        ];
        for (params, want) in cases {
            let got = check(params.clone()).unwrap_err();
            assert!(got.starts_with("Error in action parameters: "), "{got}");
            assert!(got.contains(want), "{params}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn all_errors_are_reported_at_once() {
        let got =
            check(json!({"compression": {"quality": 12, "kind": "zip"}, "x": 1})).unwrap_err();
        assert_eq!(
            got,
            "Error in action parameters: filename: required parameter is missing; \
             compression.kind: must be one of \"gzip\", \"bzip2\", \"xz\", given \"zip\"; \
             compression.quality: must be less than or equal to 9, given 12; \
             x: unknown parameter (the schema sets additionalProperties: false)"
        );
    }

    #[test]
    fn huge_values_are_validated_whole_and_quoted_short() {
        let spec = snapshot_spec(Some(json!(false)));
        let big = "x".repeat(1024 * 1024);
        let params = prepare(&spec, &json!({"filename": big.clone()})).unwrap();
        assert_eq!(params["filename"].as_str().map(str::len), Some(big.len()));
        let message = prepare(
            &spec,
            &json!({"filename": "f", "compression": {"kind": big}}),
        )
        .unwrap_err()
        .to_string();
        assert!(message.len() < 300, "{message}");
        // The JSON string's quotes count too.
        assert!(
            message.ends_with(&format!("… ({} bytes)", big.len() + 2)),
            "{message}"
        );
    }

    #[test]
    fn keys_with_underscores_or_upper_case_are_not_the_declared_params() {
        // Juju matches param names exactly: `file_name` and `Filename` are other, unknown keys.
        let spec = snapshot_spec(Some(json!(false)));
        let err = prepare(&spec, &json!({"file_name": "a", "Filename": "b"})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Error in action parameters: filename: required parameter is missing; \
             Filename: unknown parameter (the schema sets additionalProperties: false); \
             file_name: unknown parameter (the schema sets additionalProperties: false)"
        );
    }

    #[test]
    fn additional_properties_absent_means_juju3_default_true() {
        let spec = snapshot_spec(None);
        assert_eq!(
            prepare(&spec, &json!({"filename": "a", "extra": [1]})).unwrap()["extra"],
            json!([1])
        );
        let spec = snapshot_spec(Some(json!({"type": "string"})));
        assert_eq!(
            prepare(&spec, &json!({"filename": "a", "extra": 1}))
                .unwrap_err()
                .to_string(),
            "Error in action parameters: extra: must be of type string, not integer, given 1"
        );
    }

    #[test]
    fn integral_floats_are_integers_as_juju_passes_float64() {
        let got = check(json!({"filename": "a", "compression": {"quality": 7.0}})).unwrap();
        assert_eq!(got["compression"]["quality"], json!(7));
        assert!(got["compression"]["quality"].is_i64());
    }

    #[test]
    fn exclusive_bounds_lengths_and_items() {
        let spec = ActionSpec::from_yaml_value(
            "a",
            &json!({"params": {
                "n": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "exclusiveMaximum": true},
                "s": {"type": "string", "minLength": 2, "maxLength": 3},
                "l": {"type": "array", "items": {"type": "integer"}, "maxItems": 2},
                "u": {"type": ["string", "null"]}
            }}),
        )
        .unwrap();
        let err = |v: Value| prepare(&spec, &v).unwrap_err().to_string();
        assert!(err(json!({"n": 0})).contains("n: must be greater than 0, given 0"));
        assert!(err(json!({"n": 1})).contains("n: must be less than 1, given 1"));
        assert!(err(json!({"s": "a"})).contains("s: must be at least 2 characters long"));
        assert!(err(json!({"s": "abcd"})).contains("s: must be at most 3 characters long"));
        assert!(err(json!({"l": [1, "x"]})).contains("l.1: must be of type integer"));
        assert!(err(json!({"l": [1, 2, 3]})).contains("l: must have at most 2 items"));
        assert!(err(json!({"u": 1})).contains("u: must be of type [string,null], not integer"));
        assert!(prepare(&spec, &json!({"n": 0.5, "s": "ab", "l": [1], "u": null})).is_ok());
    }

    #[test]
    fn nested_defaults_follow_juju_insert_defaults() {
        let spec = ActionSpec::from_yaml_value(
            "a",
            &json!({"params": {
                "outer": {"type": "object", "properties": {
                    "inner": {"type": "object", "properties": {"x": {"type": "integer", "default": 1}}},
                    "none": {"type": "object", "properties": {"y": {"type": "integer"}}}
                }},
                "list": {"type": "array", "default": ["a"]}
            }}),
        )
        .unwrap();
        assert_eq!(
            prepare(&spec, &json!({})).unwrap(),
            json!({"outer": {"inner": {"x": 1}}, "list": ["a"]})
        );
        assert_eq!(
            prepare(&spec, &json!({"outer": {"inner": {"x": 3}}, "list": []})).unwrap(),
            json!({"outer": {"inner": {"x": 3}}, "list": []})
        );
    }
}
