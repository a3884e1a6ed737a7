//! Juju schemas generated from Rust types: action specs for `actions:` and `config: options:`.
//!
//! The param and config structs are the single source of truth. This module turns their
//! `schemars` schema into what a charmcraft user writes by hand: plain JSON Schema draft-4
//! keywords, everything inlined (no `$ref`, `$schema`, `definitions`, `title`, `format`), and for
//! an action `description`, `params`, `required` and an explicit `additionalProperties`.
//! `Option<T>` is `T`, not required; a unit-variant enum is a plain `enum:` of its serde names
//! (schemars emits `oneOf` when the variants have doc comments: it is merged back, and the
//! variant docs are dropped).

use std::fmt;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

/// The schema of one action, as it appears under `actions.<name>` in `charmcraft.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSpec {
    pub name: String,
    pub description: String,
    /// `params`: property name → JSON Schema.
    pub params: Map<String, Value>,
    /// Required top-level params.
    pub required: Vec<String>,
    /// `additionalProperties` at the top level; `None` when the YAML leaves it out (Juju 3 then
    /// accepts unknown params, Juju 4 refuses them).
    pub additional_properties: Option<Value>,
    /// Every other key of the action (`title`, `minProperties`, `dependencies`, `anyOf`, …):
    /// Juju copies them verbatim into the params schema and enforces them.
    pub extra: Map<String, Value>,
}

/// Action keys Juju reads itself rather than copying into the params schema.
const ACTION_KEYS: [&str; 6] = [
    "description",
    "required",
    "params",
    "parallel",
    "execution-group",
    "additionalProperties",
];

impl ActionSpec {
    /// Builds the spec of the action whose params are `P`.
    pub fn of<P: JsonSchema>(name: &str) -> Result<ActionSpec, SchemaError> {
        check_action_name(name)?;
        let root = juju_schema_for::<P>();
        let mut root = match root {
            Value::Object(map) => map,
            _ => return Err(SchemaError::new(name, "the params type must be a struct")),
        };
        if root.get("type") != Some(&json!("object")) {
            return Err(SchemaError::new(
                name,
                "the params type must be a struct with named fields",
            ));
        }
        let params = match root.remove("properties") {
            Some(Value::Object(props)) => props,
            None => Map::new(),
            Some(_) => return Err(SchemaError::new(name, "`properties` is not a map")),
        };
        let required = match root.remove("required") {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let additional_properties =
            Some(root.remove("additionalProperties").unwrap_or(json!(true)));
        let description = match root.remove("description") {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        // The root's own keywords (`#[schemars(extend(..))]`, …) go to the schema as in the YAML;
        // `type` is the action's object, and a root `default` is what Juju builds itself.
        for key in ["type", "default", "title"] {
            root.remove(key);
        }
        let spec = ActionSpec {
            name: name.to_owned(),
            description,
            params,
            required,
            additional_properties,
            extra: root,
        };
        spec.check()?;
        Ok(spec)
    }

    /// Reads a spec from the value under `actions.<name>` of `charmcraft.yaml`/`actions.yaml`,
    /// with Juju's rules (`ReadActionsYaml`): typed `description`, `title`, `required`,
    /// `parallel`, `execution-group` and `params`; every other key copied into the schema; the
    /// schema then checked as gojsonschema would, plus [`crate::params::check_schema`]'s
    /// refusals of what the runtime would not enforce.
    pub fn from_yaml_value(name: &str, body: &Value) -> Result<ActionSpec, SchemaError> {
        check_action_name(name)?;
        let body = match body {
            Value::Null => return Ok(ActionSpec::empty(name)),
            Value::Object(map) => map,
            other => {
                return Err(SchemaError::new(
                    name,
                    format!("the action must be a mapping, not {other}"),
                ));
            }
        };
        if let Some(bad) = find_key(&Value::Object(body.clone()), &["$ref", "$schema"]) {
            return Err(SchemaError::new(
                name,
                format!("schema key {bad:?} is not supported by Juju"),
            ));
        }
        let typed = |key: &str, ok: fn(&Value) -> bool, what: &str| match body.get(key) {
            Some(v) if !ok(v) => Err(SchemaError::new(name, format!("`{key}` must be {what}"))),
            _ => Ok(()),
        };
        typed("description", Value::is_string, "a string")?;
        typed("title", Value::is_string, "a string")?;
        typed("execution-group", Value::is_string, "a string")?;
        typed("parallel", Value::is_boolean, "true or false")?;
        let description = match body.get("description") {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let params = match body.get("params") {
            None => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            // Juju: `params failed to parse as a map`, also for an empty `params:`.
            Some(_) => return Err(SchemaError::new(name, "`params` must be a mapping")),
        };
        let required = match body.get("required") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        SchemaError::new(
                            name,
                            format!("`required` must list param names, found {v}"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(SchemaError::new(name, "`required` must be a list")),
        };
        if body.contains_key("properties") {
            return Err(SchemaError::new(
                name,
                "`properties` at the action level: declare the params under `params` (Juju would use one or the other at random)",
            ));
        }
        let extra: Map<String, Value> = body
            .iter()
            .filter(|(k, _)| !ACTION_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let spec = ActionSpec {
            name: name.to_owned(),
            description,
            params,
            required,
            additional_properties: body.get("additionalProperties").cloned(),
            extra,
        };
        spec.check()?;
        Ok(spec)
    }

    /// Checks the params schema as Juju would when reading the charm, plus the refusals of
    /// [`crate::params::check_schema`]; the message names the keyword and where it is.
    pub fn check(&self) -> Result<(), SchemaError> {
        let fail = |reason: String| SchemaError::new(&self.name, reason);
        for (param, schema) in &self.params {
            crate::params::check_schema(schema, &format!("params.{param}")).map_err(fail)?;
        }
        let mut root = match self.params_schema() {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        root.remove("properties");
        crate::params::check_schema(&Value::Object(root), "")
            .map_err(|e| fail(e.replacen("`.", "`", 1)))
    }

    fn empty(name: &str) -> ActionSpec {
        ActionSpec {
            name: name.to_owned(),
            description: String::new(),
            params: Map::new(),
            required: Vec::new(),
            additional_properties: None,
            extra: Map::new(),
        }
    }

    /// The spec as the mapping written under `actions.<name>`, keys sorted.
    pub fn to_yaml_value(&self) -> Value {
        let mut body = Map::new();
        if let Some(ap) = &self.additional_properties {
            body.insert("additionalProperties".into(), ap.clone());
        }
        if !self.description.is_empty() {
            body.insert(
                "description".into(),
                Value::String(self.description.clone()),
            );
        }
        body.insert("params".into(), Value::Object(self.params.clone()));
        if !self.required.is_empty() {
            body.insert("required".into(), json!(self.required));
        }
        for (key, value) in &self.extra {
            body.insert(key.clone(), value.clone());
        }
        sorted(Value::Object(body))
    }

    /// The JSON Schema Juju validates params against: `{type: object, properties, required,
    /// additionalProperties}` and the action's other keys, copied as Juju copies them.
    pub fn params_schema(&self) -> Value {
        let mut schema = Map::new();
        for (key, value) in &self.extra {
            schema.insert(key.clone(), value.clone());
        }
        schema.entry("type").or_insert_with(|| json!("object"));
        schema.insert("properties".into(), Value::Object(self.params.clone()));
        if !self.required.is_empty() {
            schema.insert("required".into(), json!(self.required));
        }
        if let Some(ap) = &self.additional_properties {
            schema.insert("additionalProperties".into(), ap.clone());
        }
        Value::Object(schema)
    }
}

/// Config option types Juju knows (`juju/charm` `config.go`).
pub const CONFIG_TYPES: [&str; 5] = ["string", "int", "float", "boolean", "secret"];

/// Builds `config: options:` from a config struct: one option per field, with `type`, `default`
/// and `description`. Integer fields are `int`, numbers `float`, [`crate::Secret`] fields `secret`.
pub fn config_options<C: JsonSchema>() -> Result<Map<String, Value>, SchemaError> {
    let root = juju_schema_for::<C>();
    let props = match root.get("properties") {
        Some(Value::Object(props)) => props,
        _ if root.get("type") == Some(&json!("object")) => return Ok(Map::new()),
        _ => {
            return Err(SchemaError::new(
                "config",
                "the config type must be a struct",
            ));
        }
    };
    let raw = raw_schema_for::<C>();
    let mut options = Map::new();
    for (name, schema) in props {
        let format = raw
            .get("properties")
            .and_then(|p| p.get(name))
            .and_then(|p| p.get("format"))
            .and_then(Value::as_str);
        check_config_field(name, schema, format)?;
        let juju_type = if schema.get("x-juju-type") == Some(&json!("secret")) {
            "secret"
        } else {
            match schema.get("type").and_then(Value::as_str) {
                Some("string") => "string",
                Some("integer") => "int",
                Some("number") => "float",
                Some("boolean") => "boolean",
                other => {
                    return Err(SchemaError::new(
                        "config",
                        format!(
                            "option {name:?} has type {}; Juju config options are string, int, float, boolean or secret",
                            other.unwrap_or("(none)")
                        ),
                    ));
                }
            }
        };
        let mut option = Map::new();
        option.insert("type".into(), json!(juju_type));
        if let Some(default) = schema.get("default")
            && !default.is_null()
        {
            option.insert("default".into(), default.clone());
        }
        if let Some(description) = schema.get("description") {
            option.insert("description".into(), description.clone());
        }
        options.insert(name.clone(), Value::Object(option));
    }
    Ok(match sorted(Value::Object(options)) {
        Value::Object(map) => map,
        _ => unreachable!("sorted keeps the shape"),
    })
}

/// What a config field's schema may hold besides bounds its Rust type implies: Juju config
/// options have a type, a default and a description, and nothing that validates a value.
const CONFIG_FIELD_KEYS: [&str; 9] = [
    "type",
    "default",
    "description",
    "x-juju-type",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
];

/// The `minimum`/`maximum` schemars writes for a Rust integer type (`u8` is 0..=255, `u32` and
/// `NonZeroU32` have a minimum); those only restate the type, which `Config` parsing enforces.
fn implied_bound(format: Option<&str>, key: &str, value: &Value) -> bool {
    let Some(n) = value.as_f64() else {
        return false;
    };
    let (min, max) = match format {
        Some("int8") => (-128.0, Some(127.0)),
        Some("int16") => (-32768.0, Some(32767.0)),
        Some("uint8") => (0.0, Some(255.0)),
        Some("uint16") => (0.0, Some(65535.0)),
        Some("uint32" | "uint64" | "uint128" | "uint") => (0.0, None),
        _ => return false,
    };
    match key {
        "minimum" => n == min || (min == 0.0 && n == 1.0),
        "maximum" => Some(n) == max,
        _ => false,
    }
}

/// Refuses a config field with a validation keyword (`#[schemars(range(..))]`, `regex`,
/// `length`, …): Juju's config has no bounds, so it would silently not be enforced.
fn check_config_field(name: &str, schema: &Value, format: Option<&str>) -> Result<(), SchemaError> {
    let Value::Object(map) = schema else {
        return Ok(());
    };
    for (key, value) in map {
        if CONFIG_FIELD_KEYS.contains(&key.as_str()) || implied_bound(format, key, value) {
            continue;
        }
        return Err(SchemaError::new(
            "config",
            format!(
                "option {name:?} has `{key}`: Juju config options have a type, a default and a description only, so Juju would not enforce it; check the value in the charm instead"
            ),
        ));
    }
    Ok(())
}

/// `T`'s schema as schemars writes it, inlined, before [`simplify`] (which drops `format`).
fn raw_schema_for<T: JsonSchema>() -> Value {
    SchemaSettings::draft07()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// Generates `T`'s schema inlined, then rewrites it to the draft-4 subset Juju and charmcraft
/// users write by hand.
fn juju_schema_for<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft07()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut value = schema.to_value();
    simplify(&mut value);
    sorted(value)
}

/// Removes keywords that are not draft-4 or that a hand-written charmcraft.yaml never has.
fn simplify(value: &mut Value) {
    let Value::Object(map) = value else { return };
    for key in ["$schema", "$defs", "definitions", "title", "format", "$id"] {
        map.remove(key);
    }
    // `Option<T>` gives `type: [T, "null"]`: the param is simply not required.
    if let Some(Value::Array(types)) = map.get("type") {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let replacement = if kept.len() == 1 {
            kept[0].clone()
        } else {
            Value::Array(kept)
        };
        map.insert("type".into(), replacement);
    }
    if map.get("default") == Some(&Value::Null) {
        map.remove("default");
    }
    // `const` (draft 6) → a one-value `enum`.
    if let Some(c) = map.remove("const") {
        map.insert("enum".into(), json!([c]));
    }
    // Unit-variant enums with doc comments come out as `oneOf: [{enum|const …}]`: merge them.
    if let Some(Value::Array(variants)) = map.get("oneOf") {
        let mut values = Vec::new();
        let all_enums = variants.iter().all(|v| {
            let mut v = v.clone();
            simplify(&mut v);
            match v.get("enum") {
                Some(Value::Array(e)) => {
                    values.extend(e.iter().cloned());
                    true
                }
                _ => false,
            }
        });
        if all_enums {
            map.remove("oneOf");
            map.insert("enum".into(), Value::Array(values));
            if !map.contains_key("type") {
                map.insert("type".into(), json!("string"));
            }
        }
    }
    // `anyOf: [{…}, {type: null}]` from `Option<Struct>` → the struct schema.
    if let Some(Value::Array(alts)) = map.get("anyOf") {
        let non_null: Vec<Value> = alts
            .iter()
            .filter(|a| a.get("type") != Some(&json!("null")))
            .cloned()
            .collect();
        if non_null.len() == 1 {
            map.remove("anyOf");
            if let Value::Object(inner) = non_null[0].clone() {
                for (k, v) in inner {
                    map.entry(k).or_insert(v);
                }
            }
        }
    }
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(props)) = map.get_mut(key) {
            for prop in props.values_mut() {
                simplify(prop);
            }
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key) {
            simplify(inner);
        }
    }
    // An object default that merely repeats its properties' defaults is what Juju builds by
    // itself (`InsertDefaults`), so it is left out, as a hand-written schema would.
    if let (Some(default), Some(Value::Object(props))) = (map.get("default"), map.get("properties"))
    {
        let built: Map<String, Value> = props
            .iter()
            .filter_map(|(k, v)| v.get("default").map(|d| (k.clone(), d.clone())))
            .collect();
        if *default == Value::Object(built) {
            map.remove("default");
        }
    }
}

/// Returns `value` with every map's keys in sorted order, whatever `serde_json` map type is in use.
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn find_key(value: &Value, keys: &[&str]) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if keys.contains(&k.as_str()) {
                Some(k.clone())
            } else {
                find_key(v, keys)
            }
        }),
        Value::Array(items) => items.iter().find_map(|v| find_key(v, keys)),
        _ => None,
    }
}

/// Architectures Juju accepts in a charm's manifest (`juju/utils` `arch`): the rule `pack` and the
/// local Juju's deploy check share.
pub const ARCHITECTURES: [&str; 7] = [
    "amd64", "arm64", "armhf", "i386", "ppc64el", "riscv64", "s390x",
];

/// Checks an action name against Juju's rule and its reserved names.
pub fn check_action_name(name: &str) -> Result<(), SchemaError> {
    if !crate::results::is_valid_segment(name) {
        return Err(SchemaError::new(
            name,
            "action names must start and end with a lowercase letter or digit and contain only lowercase letters, digits and hyphens",
        ));
    }
    if name == "juju" || name.starts_with("juju-") {
        return Err(SchemaError::new(
            name,
            "\"juju\" and the \"juju-\" prefix are reserved by Juju",
        ));
    }
    Ok(())
}

/// The [`SchemaError::action`] of an error in the charm's endpoints.
pub const ENDPOINTS_SUBJECT: &str = "charm endpoints";
/// The [`SchemaError::action`] of an error in the hooks the charm handles.
pub const HOOKS_SUBJECT: &str = "charm hooks";

/// A Rust type or YAML body that cannot be a Juju action or config schema, or endpoints and
/// hooks Juju would refuse or never run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The action name (or `config`, [`ENDPOINTS_SUBJECT`], [`HOOKS_SUBJECT`]).
    pub action: String,
    pub reason: String,
}

impl SchemaError {
    pub(crate) fn new(action: &str, reason: impl Into<String>) -> Self {
        SchemaError {
            action: action.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The subjects with a space are not action names (Juju's action names have none).
        if self.action == ENDPOINTS_SUBJECT || self.action == HOOKS_SUBJECT {
            write!(f, "{}: {}", self.action, self.reason)
        } else {
            write!(f, "action {:?}: {}", self.action, self.reason)
        }
    }
}

impl std::error::Error for SchemaError {}

#[cfg(test)]
mod tests {
    use schemars::JsonSchema;
    use serde_json::json;

    use super::*;

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)] // reason: only the schema is used
    enum Plain {
        Gzip,
        Bzip2,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)] // reason: only the schema is used
    enum Documented {
        /// The fast one.
        Gzip,
        /// The small one.
        Bzip2,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)] // reason: only the schema is used
    struct Params {
        plain: Plain,
        documented: Documented,
    }

    /// schemars turns a unit-variant enum with variant doc comments into `oneOf` of `const`s;
    /// `simplify` merges that back, so variant docs change nothing in `charmcraft.yaml`.
    #[test]
    fn variant_doc_comments_still_give_a_plain_enum() {
        let raw = SchemaSettings::draft07()
            .with(|s| s.inline_subschemas = true)
            .into_generator()
            .into_root_schema_for::<Documented>()
            .to_value();
        assert!(raw.get("oneOf").is_some(), "{raw}");

        let spec = ActionSpec::of::<Params>("p").unwrap();
        let plain = json!({"enum": ["gzip", "bzip2"], "type": "string"});
        assert_eq!(spec.params["plain"], plain);
        assert_eq!(spec.params["documented"], plain);
    }
}
