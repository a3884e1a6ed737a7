//! Juju's deploy-time checks of a charm, with Juju's messages: `manifest.yaml` bases
//! (juju/charm v12 `manifest.go`, `base.go`), `config.yaml` (`config.go`, `ReadConfig`) and
//! `actions.yaml` (`actions.go`, `ReadActionsYaml`), read in the order `readCharmArchive` reads
//! them, then the charm's bases (`core/charm` `BaseForCharm`: `charm does not define any bases`).
//!
//! Go's map order is random, so where Juju would report "some" bad entry this reports the first
//! in file order.

use serde_json::{Map, Value};

use crate::gofmt::{go_sharp_v, go_type_value};

/// Why Juju refuses a charm: `bare` errors are printed as they are by `juju deploy`, the others
/// after `attempting to deploy "<path>": `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharmRefusal {
    pub message: String,
    pub bare: bool,
}

fn refuse(message: impl Into<String>) -> CharmRefusal {
    CharmRefusal {
        message: message.into(),
        bare: false,
    }
}

/// The config option types Juju knows.
const OPTION_TYPES: [&str; 5] = ["string", "secret", "int", "float", "boolean"];
/// Operating systems a base may name (juju/os, lower-cased).
const OSES: [&str; 6] = [
    "ubuntu",
    "centos",
    "windows",
    "osx",
    "opensuse",
    "genericlinux",
];

/// Checks the charm's files (`None` when absent) as Juju does when it reads a local charm.
pub fn check(
    metadata: &Map<String, Value>,
    manifest: Option<&Value>,
    config: Option<&Value>,
    actions: Option<&Value>,
) -> Result<(), CharmRefusal> {
    let charm_name = metadata.get("name").and_then(Value::as_str).unwrap_or("");
    let bases = match manifest {
        None | Some(Value::Null) => 0,
        Some(m) => check_manifest(m)
            .map_err(|e| refuse(format!("parsing \"manifest.yaml\" file: manifest: {e}")))?,
    };
    if let Some(config) = config {
        check_config(config).map_err(refuse)?;
    }
    if let Some(actions) = actions {
        check_actions(charm_name, actions).map_err(refuse)?;
    }
    let series = metadata
        .get("series")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    // No manifest.yaml at all is no bases too (charmcraft always writes one).
    if bases == 0 && !series {
        return Err(CharmRefusal {
            message: "charm does not define any bases".to_owned(),
            bare: true,
        });
    }
    Ok(())
}

/// `Manifest.UnmarshalYAML`: `bases` coerced as a list of `{name, channel, architectures}`,
/// each base validated. Returns how many bases there are.
fn check_manifest(manifest: &Value) -> Result<usize, String> {
    let Value::Object(map) = manifest else {
        return Err(format!(
            "yaml: unmarshal errors:\n  cannot unmarshal {} into map",
            yaml_kind(manifest)
        ));
    };
    let bases = match map.get("bases") {
        None | Some(Value::Null) => return Err("coerce: expected list, got nothing".to_owned()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(format!(
                "coerce: expected list, got {}",
                go_type_value(other)
            ));
        }
    };
    for (i, base) in bases.iter().enumerate() {
        let Value::Object(fields) = base else {
            return Err(coerce_error(&format!("[{i}]"), "map", base));
        };
        for key in ["name", "channel"] {
            match fields.get(key) {
                None | Some(Value::String(_)) => {}
                Some(v) => return Err(coerce_error(&format!("[{i}].{key}"), "string", v)),
            }
        }
        match fields.get("architectures") {
            None => {}
            Some(Value::Array(archs)) => {
                for (j, a) in archs.iter().enumerate() {
                    if !a.is_string() {
                        return Err(coerce_error(
                            &format!("[{i}].architectures[{j}]"),
                            "string",
                            a,
                        ));
                    }
                }
            }
            Some(v) => return Err(coerce_error(&format!("[{i}].architectures"), "list", v)),
        }
        check_base(fields)?;
    }
    Ok(bases.len())
}

fn coerce_error(path: &str, want: &str, got: &Value) -> String {
    match got {
        Value::Null => format!("coerce: {path}: expected {want}, got nothing"),
        _ => format!(
            "coerce: {path}: expected {want}, got {}",
            go_type_value(got)
        ),
    }
}

/// `parseBases` and `Base.Validate`.
fn check_base(fields: &Map<String, Value>) -> Result<(), String> {
    let name = fields.get("name").and_then(Value::as_str).unwrap_or("");
    let mut channel_empty = true;
    if let Some(channel) = fields.get("channel").and_then(Value::as_str) {
        check_channel(channel).map_err(|e| format!("parsing channel {channel:?}: {e}"))?;
        channel_empty = false;
    }
    if name.is_empty() {
        return Err("base without name not valid".to_owned());
    }
    if !OSES.contains(&name) {
        return Err(format!("os {name:?} not valid"));
    }
    if channel_empty {
        return Err("channel not valid".to_owned());
    }
    for arch in fields
        .get("architectures")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let arch = normalise_arch(arch);
        if !ops::schema::ARCHITECTURES.contains(&arch.as_str()) {
            return Err(format!("architecture {arch:?} not valid"));
        }
    }
    Ok(())
}

/// `ParseChannel`: `[track/]risk[/branch]`.
fn check_channel(s: &str) -> Result<(), String> {
    const RISKS: [&str; 4] = ["stable", "candidate", "beta", "edge"];
    if s.is_empty() {
        return Err("empty channel not valid".to_owned());
    }
    let parts: Vec<&str> = s.split('/').collect();
    let (track, risk, branch) = match parts.as_slice() {
        [one] if RISKS.contains(one) => (None, Some(*one), None),
        [one] => (Some(*one), None, None),
        [a, b] if RISKS.contains(a) => (None, Some(*a), Some(*b)),
        [a, b] => (Some(*a), Some(*b), None),
        [a, b, c] => (Some(*a), Some(*b), Some(*c)),
        _ => {
            return Err(format!(
                "channel is malformed and has too many components {s:?}"
            ));
        }
    };
    if risk.is_some_and(|r| !RISKS.contains(&r)) {
        return Err(format!("risk in channel {s:?} not valid"));
    }
    if track == Some("") {
        return Err(format!("track in channel {s:?} not valid"));
    }
    if branch == Some("") {
        return Err(format!("branch in channel {s:?} not valid"));
    }
    Ok(())
}

/// juju/utils `arch.NormaliseArch`.
fn normalise_arch(raw: &str) -> String {
    let raw = raw.trim();
    let digits86 = |s: &str| {
        let s = s.strip_prefix('i').unwrap_or(s);
        s.len() == 3 && s.ends_with("86") && s.as_bytes()[0].is_ascii_digit() && s >= "386"
    };
    let normal = match raw {
        "amd64" | "x86_64" => "amd64",
        "arm64" | "aarch64" => "arm64",
        "ppc64" | "ppc64el" | "ppc64le" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" | "risc" | "risc-v" => "riscv64",
        "arm" => "armhf",
        s if s.starts_with("armv") => "armhf",
        s if digits86(s) => "i386",
        other => other,
    };
    normal.to_owned()
}

/// `ReadConfig`: a mapping with `options` (which may be empty), known types, defaults that fit.
pub fn check_config(config: &Value) -> Result<(), String> {
    let map = match config {
        Value::Null => return Err("invalid config: empty configuration".to_owned()),
        Value::Object(map) => map,
        other => {
            return Err(format!(
                "yaml: unmarshal errors:\n  cannot unmarshal {} into charm.Config",
                yaml_kind(other)
            ));
        }
    };
    let options = match map.get("options") {
        None => return Err("invalid config: empty configuration".to_owned()),
        Some(Value::Null) => return Ok(()),
        Some(Value::Object(options)) => options,
        Some(other) => {
            return Err(format!(
                "yaml: unmarshal errors:\n  cannot unmarshal {} into map[string]charm.Option",
                yaml_kind(other)
            ));
        }
    };
    for (name, option) in options {
        let body = match option {
            Value::Null => Map::new(),
            Value::Object(body) => body.clone(),
            other => {
                return Err(format!(
                    "yaml: unmarshal errors:\n  cannot unmarshal {} into charm.Option",
                    yaml_kind(other)
                ));
            }
        };
        let kind = option_type(&body);
        if !OPTION_TYPES.contains(&kind.as_str()) {
            return Err(format!(
                "invalid config: option {name:?} has unknown type {kind:?}"
            ));
        }
        let default = body.get("default").unwrap_or(&Value::Null);
        let skip = default.as_str() == Some("") && (kind == "string" || kind == "secret");
        if !skip && !default.is_null() && !default_fits(&kind, default) {
            return Err(format!(
                "invalid config default: option {name:?} expected {kind}, got {}",
                go_sharp_v(default)
            ));
        }
    }
    Ok(())
}

/// An option's type as Go reads it: a scalar stringified, missing means `string`.
pub fn option_type(body: &Map<String, Value>) -> String {
    match body.get("type") {
        None | Some(Value::Null) => "string".to_owned(),
        Some(Value::String(s)) if s.is_empty() => "string".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The schema checkers of `optionTypeCheckers` (juju/schema `String`, `Int`, `Float`, `Bool`
/// and the charm's `secretC`).
fn default_fits(kind: &str, value: &Value) -> bool {
    match kind {
        "string" => value.is_string(),
        "int" => {
            value.is_i64()
                || value.is_u64()
                || value
                    .as_str()
                    .is_some_and(|s| go_parse_int_base0(s).is_some())
        }
        "float" => value.is_f64(),
        "boolean" => {
            value.is_boolean() || value.as_str().is_some_and(|s| go_parse_bool(s).is_some())
        }
        "secret" => value
            .as_str()
            .is_some_and(|s| s.is_empty() || ops::Secret::has_secret_scheme(s)),
        _ => false,
    }
}

/// Go's `strconv.ParseBool`.
pub fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then `0x`, `0o`, `0b`, a leading `0`
/// (octal) or decimal, with `_` separators only after a base prefix.
fn go_parse_int_base0(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(b) = lower.strip_prefix("0x") {
        (16, b.replace('_', ""))
    } else if let Some(b) = lower.strip_prefix("0o") {
        (8, b.replace('_', ""))
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b.replace('_', ""))
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].replace('_', ""))
    } else {
        (10, lower.clone())
    };
    if body.is_empty() || body.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(&body, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// `ReadActionsYaml` for the charm named `charm_name`.
pub fn check_actions(charm_name: &str, actions: &Value) -> Result<(), String> {
    let map = match actions {
        Value::Null => return Ok(()),
        Value::Object(map) => map,
        other => {
            return Err(format!(
                "yaml: unmarshal errors:\n  cannot unmarshal {} into map[string]map[string]interface {{}}",
                yaml_kind(other)
            ));
        }
    };
    for (name, spec) in map {
        let body = match spec {
            Value::Null => Map::new(),
            Value::Object(body) => body.clone(),
            other => {
                return Err(format!(
                    "yaml: unmarshal errors:\n  cannot unmarshal {} into map[string]interface {{}}",
                    yaml_kind(other)
                ));
            }
        };
        if !ops::results::is_valid_segment(name) {
            return Err(format!("bad action name {name}"));
        }
        if !charm_name.starts_with("juju-") {
            if name == "juju" {
                return Err(format!(
                    "cannot use action name {name}: \"juju\" is a reserved name"
                ));
            }
            if name.starts_with("juju-") {
                return Err(format!(
                    "cannot use action name {name}: the \"juju-\" prefix is reserved"
                ));
            }
        }
        // The schema Juju builds (with `cleanse` and its key checks); then the whole draft-4
        // meta-schema check, stricter than the port's own schema checks.
        let schema = crate::gojsonschema::action_schema(name, &Value::Object(body))?;
        if let Err(e) = jsonschema::draft4::new(&schema) {
            return Err(format!(
                "invalid params schema for action schema {name}: {e}"
            ));
        }
    }
    Ok(())
}

/// The YAML tag of a value, for yaml.v2's `cannot unmarshal !!tag` errors.
fn yaml_kind(value: &Value) -> String {
    match value {
        Value::Null => "!!null".to_owned(),
        Value::Bool(_) => "!!bool".to_owned(),
        Value::Number(n) if n.is_f64() => "!!float".to_owned(),
        Value::Number(_) => "!!int".to_owned(),
        Value::String(s) => format!("!!str `{}`", s.chars().take(10).collect::<String>()),
        Value::Array(_) => "!!seq".to_owned(),
        Value::Object(_) => "!!map".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_int_parsing_follows_base_prefixes() {
        assert_eq!(go_parse_int_base0("0x10"), Some(16));
        assert_eq!(go_parse_int_base0("010"), Some(8));
        assert_eq!(go_parse_int_base0("-5"), Some(-5));
        assert_eq!(go_parse_int_base0("1_000"), None);
        assert_eq!(go_parse_int_base0("true"), None);
    }

    #[test]
    fn arches_normalise_as_juju_does() {
        assert_eq!(normalise_arch("x86_64"), "amd64");
        assert_eq!(normalise_arch("aarch64"), "arm64");
        assert_eq!(normalise_arch("i686"), "i386");
        assert_eq!(normalise_arch("all"), "all");
    }
}
