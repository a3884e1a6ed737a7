//! Draft-4 validation with gojsonschema's semantics (`validation.go` in juju/gojsonschema,
//! e1ad140, the version Juju pins as v1.0.0).
//!
//! Where gojsonschema departs from the draft-4 text, this follows gojsonschema, because Juju
//! validates with it both at enqueue and on the unit:
//! - Every number is a float64: `integer` is a float64 with no fraction within ±(2^53 − 1) (so
//!   `5.0` is an integer and `2^53` is not), and `multipleOf` holds when `value / multipleOf` is
//!   such an integer.
//! - A type mismatch stops the checks of that schema (no `anyOf`, `enum`, … errors after it).
//! - An explicit `additionalProperties: true` switches `patternProperties` off.
//! - Tuple `items` (an array of schemas) are checked only when the array has exactly as many
//!   items; with more, only `additionalItems` applies; with fewer, nothing.
//! - Empty `enum`, `anyOf`, `oneOf`, `allOf` are ignored (`check_schema` refuses them).

use regex_lite::Regex;
use serde_json::{Number, Value};

use super::ParamError;

/// The largest magnitude gojsonschema accepts as an `integer`: 2^53 − 1.
pub const SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The type names gojsonschema knows.
pub(super) const TYPES: [&str; 7] = [
    "array", "boolean", "integer", "number", "null", "object", "string",
];

/// gojsonschema's `isFloat64AnInteger`.
fn is_integer(f: f64) -> bool {
    f.is_finite() && f.abs() <= SAFE_INTEGER && f.fract() == 0.0
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
        "integer" => value.as_f64().is_some_and(is_integer),
        _ => false,
    }
}

fn describe_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.as_f64().is_some_and(is_integer) => "integer",
        Value::Number(n) if n.is_f64() => "number",
        // An integer outside ±(2^53 − 1): Juju reads it as a float64 that may not be exact.
        Value::Number(_) => "an integer beyond ±9007199254740991 (Juju reads numbers as float64)",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// JSON equality as gojsonschema sees it (it compares JSON encodings of float64 documents):
/// numbers are equal when their float64 values are, at any depth.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn num(f: f64) -> String {
    if is_integer(f) {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// A non-negative whole count (`minLength`, …), given as an integer or an integral float.
fn count(value: Option<&Value>) -> Option<u64> {
    let f = value?.as_f64()?;
    (is_integer(f) && f >= 0.0).then_some(f as u64)
}

/// The non-empty array under `key`, as gojsonschema ignores empty `anyOf`/`oneOf`/`allOf`/`enum`.
fn non_empty<'a>(schema: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a [Value]> {
    match schema.get(key) {
        Some(Value::Array(items)) if !items.is_empty() => Some(items),
        _ => None,
    }
}

/// The errors of `value` against `schema`, leaving `value` as it is.
fn errors_of(schema: &Value, value: &Value, path: &str) -> Vec<ParamError> {
    let mut copy = value.clone();
    let mut errors = Vec::new();
    validate(schema, &mut copy, path, &mut errors);
    errors
}

fn error(errors: &mut Vec<ParamError>, path: &str, message: String, given: Option<&Value>) {
    errors.push(ParamError {
        path: path.to_owned(),
        message,
        given: given.cloned(),
    });
}

/// Validates `value` against `schema`, appending every error; integral floats become integers
/// where the schema says `integer`.
pub(super) fn validate(
    schema: &Value,
    value: &mut Value,
    path: &str,
    errors: &mut Vec<ParamError>,
) {
    let Value::Object(s) = schema else {
        return;
    };

    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let types: Vec<&str> = types.into_iter().filter(|t| TYPES.contains(t)).collect();
    if !types.is_empty() {
        if !types.iter().any(|t| type_matches(t, value)) {
            let want = if types.len() == 1 {
                types[0].to_owned()
            } else {
                format!("[{}]", types.join(","))
            };
            let message = format!("must be of type {want}, not {}", describe_type(value));
            error(errors, path, message, Some(value));
            return;
        }
        if types.contains(&"integer")
            && value.is_f64()
            && let Some(f) = value.as_f64().filter(|f| is_integer(*f))
        {
            // Exact: `is_integer` bounds it within ±(2^53 − 1).
            *value = Value::Number(Number::from(f as i64));
        }
    }

    combinators(s, value, path, errors);

    if let Some(choices) = non_empty(s, "enum")
        && !choices.iter().any(|c| json_equal(c, value))
    {
        let list: Vec<String> = choices.iter().map(Value::to_string).collect();
        let message = format!("must be one of {}", list.join(", "));
        error(errors, path, message, Some(value));
    }

    match &*value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                number(s, f, path, errors, value);
            }
        }
        Value::String(text) => string(s, text, path, errors, value),
        Value::Array(_) => array(s, value, path, errors),
        Value::Object(_) => object(s, value, path, errors),
        _ => {}
    }
}

/// `anyOf`, `oneOf`, `allOf`, `not` and `dependencies` (gojsonschema's `validateSchema`).
fn combinators(
    s: &serde_json::Map<String, Value>,
    value: &mut Value,
    path: &str,
    errors: &mut Vec<ParamError>,
) {
    // The errors of the alternative that came closest, as gojsonschema reports them.
    let closest = |alts: &[Value]| -> Vec<ParamError> {
        alts.iter()
            .map(|alt| errors_of(alt, value, path))
            .min_by_key(Vec::len)
            .unwrap_or_default()
    };
    if let Some(alts) = non_empty(s, "anyOf")
        && !alts
            .iter()
            .any(|alt| errors_of(alt, value, path).is_empty())
    {
        let best = closest(alts);
        let message = "must match at least one of the schemas in anyOf".to_owned();
        error(errors, path, message, Some(value));
        errors.extend(best);
    }
    if let Some(alts) = non_empty(s, "oneOf") {
        let matched = alts
            .iter()
            .filter(|alt| errors_of(alt, value, path).is_empty())
            .count();
        if matched != 1 {
            let how = if matched == 0 {
                "none".to_owned()
            } else {
                matched.to_string()
            };
            let message = format!("must match exactly one of the schemas in oneOf, matches {how}");
            error(errors, path, message, Some(value));
            if matched == 0 {
                errors.extend(closest(alts));
            }
        }
    }
    if let Some(alts) = non_empty(s, "allOf") {
        for alt in alts {
            errors.extend(errors_of(alt, value, path));
        }
    }
    if let Some(not) = s.get("not")
        && not.is_object()
        && errors_of(not, value, path).is_empty()
    {
        let message = "must not match the schema in not".to_owned();
        error(errors, path, message, Some(value));
    }
    if let (Some(Value::Object(deps)), Value::Object(map)) = (s.get("dependencies"), &*value) {
        let present: Vec<String> = map
            .keys()
            .filter(|k| deps.contains_key(*k))
            .cloned()
            .collect();
        for key in present {
            match deps.get(&key) {
                Some(Value::Array(names)) => {
                    for name in names.iter().filter_map(Value::as_str) {
                        if value.get(name).is_none() {
                            let message =
                                format!("is given, so {name:?} is required too (dependencies)");
                            error(errors, &join(path, &key), message, None);
                        }
                    }
                }
                Some(dep @ Value::Object(_)) => validate(dep, value, path, errors),
                _ => {}
            }
        }
    }
}

fn number(
    s: &serde_json::Map<String, Value>,
    n: f64,
    path: &str,
    errors: &mut Vec<ParamError>,
    given: &Value,
) {
    let mut err = |message: String| error(errors, path, message, Some(given));
    if let Some(m) = s
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|m| *m > 0.0)
        && !is_integer(n / m)
    {
        err(format!("must be a multiple of {}", num(m)));
    }
    let exclusive = |k: &str| s.get(k).and_then(Value::as_bool).unwrap_or(false);
    if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
        if exclusive("exclusiveMaximum") && n >= max {
            err(format!("must be less than {}", num(max)));
        } else if n > max {
            err(format!("must be less than or equal to {}", num(max)));
        }
    }
    if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
        if exclusive("exclusiveMinimum") && n <= min {
            err(format!("must be greater than {}", num(min)));
        } else if n < min {
            err(format!("must be greater than or equal to {}", num(min)));
        }
    }
}

fn string(
    s: &serde_json::Map<String, Value>,
    text: &str,
    path: &str,
    errors: &mut Vec<ParamError>,
    given: &Value,
) {
    let len = text.chars().count() as u64;
    if let Some(min) = count(s.get("minLength"))
        && len < min
    {
        let message = format!("must be at least {min} characters long");
        error(errors, path, message, Some(given));
    }
    if let Some(max) = count(s.get("maxLength"))
        && len > max
    {
        let message = format!("must be at most {max} characters long");
        error(errors, path, message, Some(given));
    }
    if let Some(Value::String(pattern)) = s.get("pattern")
        && let Ok(re) = Regex::new(pattern)
        && !re.is_match(text)
    {
        let message = format!("does not match pattern '{pattern}'");
        error(errors, path, message, Some(given));
    }
}

fn array(
    s: &serde_json::Map<String, Value>,
    value: &mut Value,
    path: &str,
    errors: &mut Vec<ParamError>,
) {
    let Value::Array(items) = value else {
        return;
    };
    let len = items.len();
    match s.get("items") {
        Some(item_schema @ Value::Object(_)) => {
            for (i, item) in items.iter_mut().enumerate() {
                validate(item_schema, item, &join(path, &i.to_string()), errors);
            }
        }
        Some(Value::Array(tuple)) if !tuple.is_empty() => {
            if tuple.len() == len {
                for (i, (item_schema, item)) in tuple.iter().zip(items.iter_mut()).enumerate() {
                    validate(item_schema, item, &join(path, &i.to_string()), errors);
                }
            } else if tuple.len() < len {
                match s.get("additionalItems") {
                    Some(Value::Bool(false)) => {
                        let message = format!(
                            "must have at most {} items (additionalItems: false)",
                            tuple.len()
                        );
                        error(errors, path, message, None);
                    }
                    Some(extra @ Value::Object(_)) => {
                        for (i, item) in items.iter_mut().enumerate().skip(tuple.len()) {
                            validate(extra, item, &join(path, &i.to_string()), errors);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    if let Some(min) = count(s.get("minItems"))
        && (len as u64) < min
    {
        error(
            errors,
            path,
            format!("must have at least {min} items"),
            None,
        );
    }
    if let Some(max) = count(s.get("maxItems"))
        && (len as u64) > max
    {
        error(errors, path, format!("must have at most {max} items"), None);
    }
    if s.get("uniqueItems") == Some(&Value::Bool(true)) {
        let repeat = (0..len).find_map(|j| {
            (0..j)
                .find(|&i| json_equal(&items[i], &items[j]))
                .map(|i| (i, j))
        });
        if let Some((i, j)) = repeat {
            let message = format!("items must be unique (item {j} repeats item {i})");
            error(errors, path, message, None);
        }
    }
}

fn object(
    s: &serde_json::Map<String, Value>,
    value: &mut Value,
    path: &str,
    errors: &mut Vec<ParamError>,
) {
    let Value::Object(map) = value else {
        return;
    };
    let size = map.len() as u64;
    if let Some(min) = count(s.get("minProperties"))
        && size < min
    {
        error(
            errors,
            path,
            format!("must have at least {min} parameters"),
            None,
        );
    }
    if let Some(max) = count(s.get("maxProperties"))
        && size > max
    {
        error(
            errors,
            path,
            format!("must have at most {max} parameters"),
            None,
        );
    }
    if let Some(Value::Array(required)) = s.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !map.contains_key(name) {
                let message = "required parameter is missing".to_owned();
                error(errors, &join(path, name), message, None);
            }
        }
    }
    let empty = serde_json::Map::new();
    let props = match s.get("properties") {
        Some(Value::Object(p)) => p,
        _ => &empty,
    };
    let additional = s.get("additionalProperties");
    // gojsonschema looks at patternProperties only when additionalProperties is not `true`.
    let patterns: Vec<(Regex, &Value)> = match s.get("patternProperties") {
        Some(Value::Object(pp)) if additional != Some(&Value::Bool(true)) => pp
            .iter()
            .filter_map(|(p, schema)| Regex::new(p).ok().map(|re| (re, schema)))
            .collect(),
        _ => Vec::new(),
    };
    for (key, item) in map.iter_mut() {
        let item_path = join(path, key);
        let declared = props.get(key);
        if let Some(prop_schema) = declared {
            validate(prop_schema, item, &item_path, errors);
        }
        let mut matched = false;
        for (re, pattern_schema) in &patterns {
            if re.is_match(key) {
                matched = true;
                validate(pattern_schema, item, &item_path, errors);
            }
        }
        if declared.is_some() || matched {
            continue;
        }
        match additional {
            Some(Value::Bool(false)) => {
                let message =
                    "unknown parameter (the schema sets additionalProperties: false)".to_owned();
                error(errors, &item_path, message, None);
            }
            Some(extra @ Value::Object(_)) => validate(extra, item, &item_path, errors),
            _ => {}
        }
    }
}
