//! Schema checks when a schema is read: what gojsonschema's `parseSchema` refuses (so Juju
//! refuses the charm), and what the runtime would not enforce as Juju does.
//!
//! Refused beyond gojsonschema, each with the keyword and its place in the message:
//! - Keywords of later drafts (`const`, `contains`, `propertyNames`, `if`/`then`/`else`, …): Juju
//!   validates with draft 4 and ignores them, so they would look enforced and not be.
//! - Regular expressions the runtime's engine (`regex-lite`, chosen to keep the charm binary
//!   small) cannot run as Go's RE2 does: Unicode classes (`\p{..}`), Unicode case folding
//!   (`(?i)` with non-ASCII text), and `regex-lite` syntax that RE2 lacks (`\<`, `\b{..}`, `\u`).
//! - Empty `enum`, `anyOf`, `oneOf`, `allOf` (gojsonschema silently ignores them; draft 4
//!   forbids them) and `type` arrays naming an unknown type (gojsonschema ignores the name).

use regex_lite::Regex;
use serde_json::{Map, Value};

use super::validate::{TYPES, json_equal};
use crate::messages::json_kind;

/// Keywords from drafts after 4: Juju's validator ignores them.
const LATER_DRAFTS: [&str; 13] = [
    "const",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "prefixItems",
    "dependentRequired",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
    "minContains",
    "maxContains",
];

/// Whether `name` is a kebab-case param name: lowercase letters and digits in words joined by
/// single hyphens (`^[a-z0-9]+(-[a-z0-9]+)*$`), as Juju's action names and charmcraft expect.
pub fn is_param_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Compiles a `pattern` or `patternProperties` key, refusing what would not behave as in Go.
pub(super) fn regex(pattern: &str) -> Result<Regex, String> {
    for go_lacks in ["\\<", "\\>", "\\b{", "\\B{", "\\u", "\\U"] {
        if pattern.contains(go_lacks) {
            return Err(format!(
                "regular expression {pattern:?} uses `{go_lacks}`, which Go's RE2 (Juju) does not accept"
            ));
        }
    }
    if pattern.contains("(?i") && !pattern.is_ascii() {
        return Err(format!(
            "regular expression {pattern:?} is case-insensitive with non-ASCII text: Go folds Unicode case, the runtime only ASCII"
        ));
    }
    Regex::new(pattern).map_err(|e| {
        format!(
            "regular expression {pattern:?} is invalid or uses a feature the runtime cannot check (such as Unicode classes `\\p{{..}}`): {e}"
        )
    })
}

/// Checks `schema`, found at `at` (a dotted place such as `params.filename`), as Juju would
/// when reading the charm, plus the refusals listed in the module docs.
pub fn check_schema(schema: &Value, at: &str) -> Result<(), String> {
    let Value::Object(m) = schema else {
        return Err(format!(
            "`{at}` must be a schema (a mapping), not {}",
            json_kind(schema)
        ));
    };
    let place = |key: &str| format!("`{at}.{key}`");
    let fail = |key: &str, why: &str| Err(format!("{}: {why}", place(key)));
    for key in ["$ref", "$schema"] {
        if m.contains_key(key) {
            return fail(
                key,
                "not supported by Juju (\"not compatible with this version of juju\")",
            );
        }
    }
    for key in LATER_DRAFTS {
        if m.contains_key(key) {
            return fail(
                key,
                &format!(
                    "`{key}` is not a JSON Schema draft-4 keyword: Juju validates with draft 4 and ignores it, so it would not be enforced"
                ),
            );
        }
    }
    for key in ["$id", "title", "description"] {
        if let Some(v) = m.get(key)
            && !v.is_string()
        {
            return fail(key, &format!("must be a string, not {}", json_kind(v)));
        }
    }
    check_type(m, at)?;
    for key in [
        "definitions",
        "properties",
        "patternProperties",
        "dependencies",
    ] {
        match m.get(key) {
            None => {}
            Some(Value::Object(children)) => {
                for (name, child) in children {
                    let child_at = format!("{at}.{key}.{name}");
                    if key == "patternProperties" {
                        regex(name).map_err(|e| format!("`{child_at}`: {e}"))?;
                    }
                    if key == "dependencies"
                        && let Value::Array(names) = child
                    {
                        if names.iter().all(Value::is_string) {
                            continue;
                        }
                        return Err(format!(
                            "`{child_at}`: must be a schema or a list of param names"
                        ));
                    }
                    check_schema(child, &child_at)?;
                }
            }
            Some(other) => {
                return fail(key, &format!("must be a mapping, not {}", json_kind(other)));
            }
        }
    }
    for key in ["additionalProperties", "additionalItems"] {
        match m.get(key) {
            None | Some(Value::Bool(_)) => {}
            Some(child) => check_schema(child, &format!("{at}.{key}"))?,
        }
    }
    match m.get("items") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_schema(item, &format!("{at}.items.{i}"))?;
            }
        }
        Some(item) => check_schema(item, &format!("{at}.items"))?,
    }
    if let Some(not) = m.get("not") {
        check_schema(not, &format!("{at}.not"))?;
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        match m.get(key) {
            None => {}
            Some(Value::Array(alts)) if alts.is_empty() => {
                return fail(
                    key,
                    "must list at least one schema (Juju would ignore an empty list)",
                );
            }
            Some(Value::Array(alts)) => {
                for (i, alt) in alts.iter().enumerate() {
                    check_schema(alt, &format!("{at}.{key}.{i}"))?;
                }
            }
            Some(other) => {
                return fail(
                    key,
                    &format!("must be a list of schemas, not {}", json_kind(other)),
                );
            }
        }
    }
    check_numbers(m, at)?;
    check_counts(m, at)?;
    match m.get("pattern") {
        None => {}
        Some(Value::String(p)) => {
            regex(p).map_err(|e| format!("{}: {e}", place("pattern")))?;
        }
        Some(other) => {
            return fail(
                "pattern",
                &format!("must be a string, not {}", json_kind(other)),
            );
        }
    }
    if let Some(v) = m.get("uniqueItems")
        && !v.is_boolean()
    {
        return fail(
            "uniqueItems",
            &format!("must be true or false, not {}", json_kind(v)),
        );
    }
    match m.get("required") {
        None => {}
        Some(Value::Array(names)) => {
            for (i, name) in names.iter().enumerate() {
                if !name.is_string() {
                    return fail("required", &format!("must list param names, found {name}"));
                }
                if names[..i].contains(name) {
                    return fail("required", &format!("lists {name} twice"));
                }
            }
        }
        Some(other) => {
            return fail(
                "required",
                &format!("must be a list, not {}", json_kind(other)),
            );
        }
    }
    match m.get("enum") {
        None => {}
        Some(Value::Array(choices)) if choices.is_empty() => {
            return fail(
                "enum",
                "must list at least one value (Juju would ignore an empty list)",
            );
        }
        Some(Value::Array(choices)) => {
            for (i, choice) in choices.iter().enumerate() {
                if choices[..i].iter().any(|c| json_equal(c, choice)) {
                    return fail("enum", &format!("lists {choice} twice"));
                }
            }
        }
        Some(other) => return fail("enum", &format!("must be a list, not {}", json_kind(other))),
    }
    Ok(())
}

fn check_type(m: &Map<String, Value>, at: &str) -> Result<(), String> {
    let bad = |t: &str| {
        format!(
            "`{at}.type`: {t:?} is not a valid type (one of {})",
            TYPES.join(", ")
        )
    };
    match m.get("type") {
        None => Ok(()),
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) => Ok(()),
        Some(Value::String(t)) => Err(bad(t)),
        Some(Value::Array(types)) => {
            for (i, t) in types.iter().enumerate() {
                match t.as_str() {
                    Some(name) if !TYPES.contains(&name) => return Err(bad(name)),
                    Some(_) if types[..i].contains(t) => {
                        return Err(format!("`{at}.type`: {t} is listed twice"));
                    }
                    Some(_) => {}
                    None => return Err(format!("`{at}.type`: must list type names, found {t}")),
                }
            }
            Ok(())
        }
        Some(other) => Err(format!(
            "`{at}.type`: must be a type name or a list of them, not {}",
            json_kind(other)
        )),
    }
}

fn check_numbers(m: &Map<String, Value>, at: &str) -> Result<(), String> {
    for key in ["multipleOf", "minimum", "maximum"] {
        match m.get(key) {
            None => {}
            Some(Value::Number(n))
                if key == "multipleOf" && n.as_f64().is_none_or(|f| f <= 0.0) =>
            {
                return Err(format!("`{at}.{key}`: must be greater than 0"));
            }
            Some(Value::Number(_)) => {}
            Some(other) => {
                return Err(format!(
                    "`{at}.{key}`: must be a number, not {}",
                    json_kind(other)
                ));
            }
        }
    }
    for (key, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match m.get(key) {
            None => {}
            Some(Value::Bool(_)) if m.contains_key(bound) => {}
            Some(Value::Bool(_)) => {
                return Err(format!("`{at}.{key}`: cannot be used without `{bound}`"));
            }
            Some(other) => {
                return Err(format!(
                    "`{at}.{key}`: must be true or false in draft 4 (a number is the draft-6 form), not {}",
                    json_kind(other)
                ));
            }
        }
    }
    if let (Some(min), Some(max)) = (
        m.get("minimum").and_then(Value::as_f64),
        m.get("maximum").and_then(Value::as_f64),
    ) && min > max
    {
        return Err(format!(
            "`{at}`: minimum {min} is greater than maximum {max}"
        ));
    }
    Ok(())
}

fn check_counts(m: &Map<String, Value>, at: &str) -> Result<(), String> {
    let mut counts = Map::new();
    for key in [
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
    ] {
        let Some(v) = m.get(key) else { continue };
        let whole = v
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= super::SAFE_INTEGER);
        if whole.is_none() {
            return Err(format!(
                "`{at}.{key}`: must be a whole number of at least 0, not {v}"
            ));
        }
        counts.insert(key.to_owned(), v.clone());
    }
    for (min, max) in [
        ("minLength", "maxLength"),
        ("minProperties", "maxProperties"),
    ] {
        if let (Some(lo), Some(hi)) = (
            counts.get(min).and_then(Value::as_f64),
            counts.get(max).and_then(Value::as_f64),
        ) && lo > hi
        {
            return Err(format!("`{at}`: {min} {lo} is greater than {max} {hi}"));
        }
    }
    Ok(())
}
