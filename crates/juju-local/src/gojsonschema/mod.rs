//! Juju's action-param validation, as `github.com/juju/gojsonschema` (e1ad140, the fork's last
//! commit) and Juju's `internal/charm/actions.go` do it: the schema Juju builds from an
//! `actions.yaml` body ([`action_schema`]: `description`, `type: object`, `title`, `properties`,
//! and every other key copied), draft-4 validation with gojsonschema's rules and messages
//! ([`validate`]: `(root).q : must be of type integer, given "x"`; `integer` is a float64 with no
//! fraction within ±(2^53-1); `format` is not checked; number errors quote the number), and
//! `InsertDefaults` ([`insert_defaults`]), including its recovered panic on a user map for a
//! property whose schema has no `properties`.

use serde_json::{Map, Value};

use crate::gojson::{json_float, marshal};

mod schema;

pub use schema::{action_schema, insert_defaults};

#[derive(Default)]
struct Outcome {
    errors: Vec<String>,
    score: i64,
}

impl Outcome {
    fn add(&mut self, context: &str, value: &Value, description: String) {
        self.errors.push(format!(
            "{context} : {description}, given {}",
            marshal(value)
        ));
        self.score -= 2;
    }

    fn merge(&mut self, other: Outcome) {
        self.errors.extend(other.errors);
        self.score += other.score;
    }
}

/// Validates `doc` against `schema`; one message per violation, as `ResultError.String()`.
pub fn validate(schema: &Value, doc: &Value) -> Vec<String> {
    let mut out = Outcome::default();
    recurse(schema, doc, "(root)", &mut out);
    out.errors
}

fn sub(schema: &Value, doc: &Value, context: &str) -> Outcome {
    let mut out = Outcome::default();
    recurse(schema, doc, context, &mut out);
    out
}

fn types_of(schema: &Value) -> Vec<String> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// `isFloat64AnInteger`: whole and within ±(2^53 - 1).
pub fn is_integer(f: f64) -> bool {
    f.is_finite() && f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_991.0
}

fn recurse(schema: &Value, node: &Value, context: &str, out: &mut Outcome) {
    let types = types_of(schema);
    let has = |t: &str| types.iter().any(|x| x == t);
    let kind = match node {
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Bool(_) => "boolean",
        Value::String(_) => "string",
        Value::Number(_) => "number",
    };
    let type_ok = match node {
        Value::Number(n) => {
            has("number") || (has("integer") && is_integer(n.as_f64().unwrap_or(f64::NAN)))
        }
        _ => has(kind),
    };
    if !types.is_empty() && !type_ok {
        let shown = if types.len() > 1 {
            format!("[{}]", types.join(","))
        } else {
            types[0].clone()
        };
        out.add(context, node, format!("must be of type {shown}"));
        return;
    }
    validate_schema(schema, node, context, out);
    match node {
        Value::Array(items) => validate_array(schema, items, node, context, out),
        Value::Object(map) => validate_object(schema, map, node, context, out),
        _ => {}
    }
    if let Value::Number(n) = node {
        validate_number(schema, n.as_f64().unwrap_or(0.0), context, out);
    }
    validate_enum(schema, node, context, out);
    if let Value::String(s) = node {
        validate_string(schema, s, node, context, out);
    }
    if let (Value::Object(map), Some(Value::Object(props))) = (node, schema.get("properties")) {
        for (name, prop) in props {
            if let Some(child) = map.get(name) {
                recurse(prop, child, &format!("{context}.{name}"), out);
            }
        }
    }
    out.score += 1;
}

fn validate_schema(schema: &Value, node: &Value, context: &str, out: &mut Outcome) {
    if let Some(Value::Array(any)) = schema
        .get("anyOf")
        .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
    {
        let mut best: Option<Outcome> = None;
        let mut valid = false;
        for s in any {
            let r = sub(s, node, context);
            if r.errors.is_empty() {
                valid = true;
                break;
            }
            if best.as_ref().is_none_or(|b| r.score > b.score) {
                best = Some(r);
            }
        }
        if !valid {
            out.add(
                context,
                node,
                "must validate at least one schema (anyOf)".into(),
            );
            if let Some(b) = best {
                out.merge(b);
            }
        }
    }
    if let Some(Value::Array(one)) = schema
        .get("oneOf")
        .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
    {
        let mut valid = 0;
        let mut best: Option<Outcome> = None;
        for s in one {
            let r = sub(s, node, context);
            if r.errors.is_empty() {
                valid += 1;
            } else if valid == 0 && best.as_ref().is_none_or(|b| r.score > b.score) {
                best = Some(r);
            }
        }
        if valid != 1 {
            out.add(
                context,
                node,
                "must validate one and only one schema (oneOf)".into(),
            );
            if valid == 0
                && let Some(b) = best
            {
                out.merge(b);
            }
        }
    }
    if let Some(Value::Array(all)) = schema
        .get("allOf")
        .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
    {
        let mut valid = 0;
        for s in all {
            let r = sub(s, node, context);
            if r.errors.is_empty() {
                valid += 1;
            }
            out.merge(r);
        }
        if valid != all.len() {
            out.add(
                context,
                node,
                "must validate all the schemas (allOf)".into(),
            );
        }
    }
    if let Some(not) = schema.get("not").filter(|n| n.is_object())
        && sub(not, node, context).errors.is_empty()
    {
        out.add(context, node, "must not validate the schema (not)".into());
    }
    if let (Some(Value::Object(deps)), Value::Object(map)) = (schema.get("dependencies"), node) {
        for key in map.keys() {
            match deps.get(key) {
                Some(Value::Array(needed)) => {
                    for n in needed.iter().filter_map(Value::as_str) {
                        if !map.contains_key(n) {
                            out.add(context, node, format!("has a dependency on {n}"));
                        }
                    }
                }
                Some(dep @ Value::Object(_)) => recurse(dep, node, context, out),
                _ => {}
            }
        }
    }
    out.score += 1;
}

fn as_count(v: Option<&Value>) -> Option<usize> {
    v.and_then(Value::as_f64)
        .filter(|f| is_integer(*f) && *f >= 0.0)
        .map(|f| f as usize)
}

fn validate_array(schema: &Value, items: &[Value], node: &Value, context: &str, out: &mut Outcome) {
    match schema.get("items") {
        Some(single @ Value::Object(_)) => {
            for (i, item) in items.iter().enumerate() {
                let r = sub(single, item, &format!("{context}.{i}"));
                out.merge(r);
            }
        }
        Some(Value::Array(tuple)) if !tuple.is_empty() => {
            if tuple.len() == items.len() {
                for (i, (s, item)) in tuple.iter().zip(items).enumerate() {
                    out.merge(sub(s, item, &format!("{context}.{i}")));
                }
            } else if tuple.len() < items.len() {
                match schema.get("additionalItems") {
                    Some(Value::Bool(false)) => {
                        out.add(context, node, "no additional item allowed on array".into());
                    }
                    Some(extra @ Value::Object(_)) => {
                        for (i, item) in items.iter().enumerate().skip(tuple.len()) {
                            out.merge(sub(extra, item, &format!("{context}.{i}")));
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    if let Some(min) = as_count(schema.get("minItems"))
        && items.len() < min
    {
        out.add(
            context,
            node,
            format!("array must have at least {min} items"),
        );
    }
    if let Some(max) = as_count(schema.get("maxItems"))
        && items.len() > max
    {
        out.add(
            context,
            node,
            format!("array must have at the most {max} items"),
        );
    }
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
        let mut seen: Vec<String> = Vec::new();
        for item in items {
            let s = marshal(item);
            if seen.contains(&s) {
                out.add(context, node, "array items must be unique".into());
            }
            seen.push(s);
        }
    }
    out.score += 1;
}

/// Whether `text` matches the regular expression `pattern` (Go `regexp` and the validator's
/// ECMA dialect agree on the patterns charms use).
fn matches(pattern: &str, text: &str) -> bool {
    let schema = serde_json::json!({"pattern": pattern});
    jsonschema::draft4::new(&schema).is_ok_and(|v| v.is_valid(&Value::String(text.to_owned())))
}

fn validate_object(
    schema: &Value,
    map: &Map<String, Value>,
    node: &Value,
    context: &str,
    out: &mut Outcome,
) {
    if let Some(min) = as_count(schema.get("minProperties"))
        && map.len() < min
    {
        out.add(
            context,
            node,
            format!("must have at least {min} properties"),
        );
    }
    if let Some(max) = as_count(schema.get("maxProperties"))
        && map.len() > max
    {
        out.add(
            context,
            node,
            format!("must have at the most {max} properties"),
        );
    }
    if let Some(Value::Array(required)) = schema.get("required") {
        for r in required.iter().filter_map(Value::as_str) {
            if map.contains_key(r) {
                out.score += 1;
            } else {
                out.add(
                    context,
                    node,
                    format!("\"{r}\" property is missing and required"),
                );
            }
        }
    }
    let props = schema.get("properties").and_then(Value::as_object);
    let patterns = schema.get("patternProperties").and_then(Value::as_object);
    let pattern_property = |key: &str, value: &Value, out: &mut Outcome| -> (bool, bool) {
        let mut has = false;
        let mut valid = false;
        for (p, s) in patterns.into_iter().flatten() {
            if matches(p, key) {
                has = true;
                let r = sub(s, value, &format!("{context}.{key}"));
                if r.errors.is_empty() {
                    valid = true;
                }
                out.merge(r);
            }
        }
        if valid {
            out.score += 1;
        }
        (has, valid)
    };
    match schema.get("additionalProperties") {
        Some(additional @ (Value::Bool(_) | Value::Object(_))) => {
            for (key, value) in map {
                let found = props.is_some_and(|p| p.contains_key(key));
                let (has, matched) = pattern_property(key, value, out);
                let extra = if found {
                    has && !matched
                } else {
                    !has || !matched
                };
                if !extra {
                    continue;
                }
                match additional {
                    Value::Bool(false) => out.add(
                        context,
                        node,
                        format!("additional property \"{key}\" is not allowed"),
                    ),
                    Value::Object(_) => out.merge(sub(additional, value, context)),
                    _ => {}
                }
            }
        }
        _ => {
            for (key, value) in map {
                let (has, matched) = pattern_property(key, value, out);
                if has && !matched {
                    let names: Vec<String> = patterns
                        .into_iter()
                        .flatten()
                        .map(|(p, _)| format!("\"{p}\""))
                        .collect();
                    let shown = if names.len() == 1 {
                        names[0].clone()
                    } else {
                        format!("[{}]", names.join(","))
                    };
                    out.add(
                        context,
                        node,
                        format!("property \"{key}\" does not match pattern {shown}"),
                    );
                }
            }
        }
    }
    out.score += 1;
}

fn validate_enum(schema: &Value, node: &Value, context: &str, out: &mut Outcome) {
    if let Some(Value::Array(values)) = schema.get("enum")
        && !values.is_empty()
    {
        let shown: Vec<String> = values.iter().map(marshal).collect();
        if !shown.contains(&marshal(node)) {
            out.add(
                context,
                node,
                format!("must match one of the enum values [{}]", shown.join(",")),
            );
        }
    }
    out.score += 1;
}

fn validate_string(schema: &Value, s: &str, node: &Value, context: &str, out: &mut Outcome) {
    let len = s.chars().count();
    if let Some(min) = as_count(schema.get("minLength"))
        && len < min
    {
        out.add(
            context,
            node,
            format!("string length must be greater or equal to {min}"),
        );
    }
    if let Some(max) = as_count(schema.get("maxLength"))
        && len > max
    {
        out.add(
            context,
            node,
            format!("string length must be lower or equal to {max}"),
        );
    }
    if let Some(Value::String(p)) = schema.get("pattern")
        && !matches(p, s)
    {
        out.add(context, node, format!("does not match pattern '{p}'"));
    }
    out.score += 1;
}

/// `resultErrorFormatNumber`: an integer without a fraction, else `%g`.
fn format_number(f: f64) -> String {
    if is_integer(f) {
        format!("{}", f as i64)
    } else {
        json_float(f)
    }
}

fn validate_number(schema: &Value, f: f64, context: &str, out: &mut Outcome) {
    // gojsonschema passes the number formatted as a string, so it prints quoted.
    let given = Value::String(format_number(f));
    if let Some(m) = schema.get("multipleOf").and_then(Value::as_f64)
        && !is_integer(f / m)
    {
        out.add(
            context,
            &given,
            format!("must be a multiple of {}", crate::gojson::g_float(m)),
        );
    }
    let flag = |k: &str| schema.get(k) == Some(&Value::Bool(true));
    // The message texts are gojsonschema's, swapped as it has them.
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        if flag("exclusiveMaximum") {
            if f >= max {
                let msg = format!("must be lower than or equal to {}", format_number(max));
                out.add(context, &given, msg);
            }
        } else if f > max {
            out.add(
                context,
                &given,
                format!("must be lower than {}", format_number(max)),
            );
        }
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        if flag("exclusiveMinimum") {
            if f <= min {
                let msg = format!("must be greater than or equal to {}", format_number(min));
                out.add(context, &given, msg);
            }
        } else if f < min {
            out.add(
                context,
                &given,
                format!("must be greater than {}", format_number(min)),
            );
        }
    }
    out.score += 1;
}
