//! `juju model-config`: the model's settings, as Juju 3.6 prints them (`cmd/juju/model`):
//! every key with its value and where it comes from (`default`, or `model` for what the model
//! sets itself and what the user set), one key's bare value, setting `k=v` and `--reset k`.
//!
//! The keys are the subset of Juju 3.6's model config that means something to a model on one
//! machine, with the defaults a fresh Juju 3.6 LXD model shows (Juju's "list of model
//! configuration keys" reference); clouds' provider keys, and keys that only a controller
//! keeps, are left out. A value set on the command line is taken as the key's type (boolean,
//! integer or string); a key Juju does not know is kept as a string, as Juju keeps it. Nothing
//! here changes how the local Juju runs units: the settings are recorded and reported.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{FORMAT, MODEL, Output};
use crate::args::Args;
use crate::error::{Result, run_error, usage};
use crate::state::{self, Home, JUJU_VERSION, Model, ModelRecord};

/// The keys and their defaults (the model's own keys, `name`, `type`, `uuid` and
/// `agent-version`, come from [`model_keys`]).
const DEFAULTS: &[(&str, Default)] = &[
    ("agent-metadata-url", Default::Str("")),
    ("agent-stream", Default::Str("released")),
    ("apt-ftp-proxy", Default::Str("")),
    ("apt-http-proxy", Default::Str("")),
    ("apt-https-proxy", Default::Str("")),
    ("apt-mirror", Default::Str("")),
    ("apt-no-proxy", Default::Str("")),
    ("automatically-retry-hooks", Default::Bool(true)),
    ("backup-dir", Default::Str("")),
    ("charmhub-url", Default::Str("https://api.charmhub.io")),
    ("cloudinit-userdata", Default::Str("")),
    ("container-image-metadata-url", Default::Str("")),
    ("container-image-stream", Default::Str("released")),
    ("container-inherit-properties", Default::Str("")),
    ("container-networking-method", Default::Str("")),
    ("default-base", Default::Str("")),
    ("default-space", Default::Str("")),
    ("development", Default::Bool(false)),
    ("disable-network-management", Default::Bool(false)),
    ("disable-telemetry", Default::Bool(false)),
    ("egress-subnets", Default::Str("")),
    ("enable-os-refresh-update", Default::Bool(true)),
    ("enable-os-upgrade", Default::Bool(true)),
    ("extra-info", Default::Str("")),
    ("firewall-mode", Default::Str("instance")),
    ("ftp-proxy", Default::Str("")),
    ("http-proxy", Default::Str("")),
    ("https-proxy", Default::Str("")),
    ("ignore-machine-addresses", Default::Bool(false)),
    ("image-metadata-url", Default::Str("")),
    ("image-stream", Default::Str("released")),
    ("juju-ftp-proxy", Default::Str("")),
    ("juju-http-proxy", Default::Str("")),
    ("juju-https-proxy", Default::Str("")),
    ("juju-no-proxy", Default::Str("127.0.0.1,localhost,::1")),
    ("logging-config", Default::Str("<root>=INFO")),
    ("logging-output", Default::Str("")),
    ("lxd-snap-channel", Default::Str("5.0/stable")),
    ("max-action-results-age", Default::Str("336h")),
    ("max-action-results-size", Default::Str("5G")),
    ("max-status-history-age", Default::Str("336h")),
    ("max-status-history-size", Default::Str("5G")),
    ("mode", Default::Str("requires-prompts")),
    ("net-bond-reconfigure-delay", Default::Int(17)),
    ("no-proxy", Default::Str("127.0.0.1,localhost,::1")),
    ("num-container-provision-workers", Default::Int(4)),
    ("num-provision-workers", Default::Int(16)),
    ("provisioner-harvest-mode", Default::Str("destroyed")),
    ("proxy-ssh", Default::Bool(false)),
    ("resource-tags", Default::Str("")),
    ("secret-backend", Default::Str("auto")),
    ("snap-http-proxy", Default::Str("")),
    ("snap-https-proxy", Default::Str("")),
    ("snap-store-assertions", Default::Str("")),
    ("snap-store-proxy", Default::Str("")),
    ("snap-store-proxy-url", Default::Str("")),
    ("ssl-hostname-verification", Default::Bool(true)),
    ("test-mode", Default::Bool(false)),
    ("transmit-vendor-metrics", Default::Bool(true)),
    ("update-status-hook-interval", Default::Str("5m")),
];

/// The keys a model sets itself, which `model-config` cannot change.
const READ_ONLY: &[&str] = &["name", "type", "uuid", "agent-version"];

#[derive(Debug, Clone, Copy)]
enum Default {
    Str(&'static str),
    Bool(bool),
    Int(i64),
}

impl Default {
    fn value(self) -> Value {
        match self {
            Default::Str(s) => Value::String(s.to_owned()),
            Default::Bool(b) => Value::Bool(b),
            Default::Int(i) => Value::from(i),
        }
    }
}

/// One key as `--format json` prints it (Juju's `config.ConfigValue`: `Value`, `Source`).
#[derive(Serialize)]
struct JsonEntry<'a> {
    #[serde(rename = "Value")]
    value: &'a Value,
    #[serde(rename = "Source")]
    source: &'a str,
}

/// One key as `--format yaml` prints it (the same struct's YAML tags: `value`, `source`).
#[derive(Serialize)]
struct YamlEntry<'a> {
    value: &'a Value,
    source: &'a str,
}

/// The value a `key=value` from the command line sets: the key's type when Juju knows the key
/// (a boolean must be `true` or `false`, an integer a number), else the string as given.
pub fn coerce(key: &str, raw: &str) -> Result<Value> {
    match DEFAULTS.iter().find(|(k, _)| *k == key).map(|(_, d)| *d) {
        Some(Default::Bool(_)) => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(run_error(format!(
                "{key}: expected bool, got string(\"{raw}\")"
            ))),
        },
        Some(Default::Int(_)) => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| run_error(format!("{key}: expected number, got string(\"{raw}\")"))),
        _ => Ok(Value::String(raw.to_owned())),
    }
}

/// The keys the model sets itself.
fn model_keys(record: &ModelRecord) -> [(&'static str, Value); 4] {
    [
        ("agent-version", Value::from(JUJU_VERSION)),
        ("name", Value::from(record.name.clone())),
        ("type", Value::from("lxd")),
        ("uuid", Value::from(record.uuid.clone())),
    ]
}

/// Every key, sorted, with its value and source.
fn settings(record: &ModelRecord) -> Vec<(String, Value, &'static str)> {
    let mut all: Vec<(String, Value, &'static str)> = DEFAULTS
        .iter()
        .map(|(k, d)| match record.config.get(*k) {
            Some(v) => ((*k).to_owned(), v.clone(), "model"),
            None => ((*k).to_owned(), d.value(), "default"),
        })
        .collect();
    all.extend(
        model_keys(record)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v, "model")),
    );
    for (k, v) in &record.config {
        if !all.iter().any(|(name, _, _)| name == k) {
            all.push((k.clone(), v.clone(), "model"));
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

/// `juju model-config [key | key=value… | --reset key,…]`.
pub fn model_config(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["reset"], true),
            (&["ignore-read-only-fields"], false),
            (&["color"], false),
            (&["no-color"], false),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let resets: Vec<&str> = a
        .all("reset")
        .into_iter()
        .flat_map(|r| r.split(','))
        .filter(|k| !k.is_empty())
        .collect();
    let (sets, gets): (Vec<&String>, Vec<&String>) =
        a.positional.iter().partition(|p| p.contains('='));
    if !sets.is_empty() || !resets.is_empty() {
        if !gets.is_empty() {
            return Err(usage(
                "cannot get value and set key=value pairs simultaneously",
            ));
        }
        set(&model, &sets, &resets, a.has("ignore-read-only-fields"))?;
        return Ok(Output::default());
    }
    let record = model.record()?;
    let all = settings(&record);
    match gets.as_slice() {
        [] => Ok(Output::out(format_all(&all, a.get("format"))?)),
        [key] => {
            let Some((_, value, _)) = all.iter().find(|(k, _, _)| k == *key) else {
                return Err(run_error(format!(
                    "key \"{key}\" not found in \"{}\" model.",
                    record.name
                )));
            };
            Ok(Output::out(format_one(value, a.get("format"))?))
        }
        _ => Err(usage("can only retrieve a single value, or all values")),
    }
}

/// Records `key=value`s and removes reset keys from the model's config.
fn set(model: &Model, sets: &[&String], resets: &[&str], ignore_read_only: bool) -> Result<()> {
    let mut values = Vec::new();
    for pair in sets {
        let Some((key, raw)) = pair.split_once('=') else {
            continue;
        };
        if resets.contains(&key) {
            return Err(usage(format!(
                "key \"{key}\" cannot be both set and reset in the same command"
            )));
        }
        if READ_ONLY.contains(&key) {
            if ignore_read_only {
                continue;
            }
            return Err(run_error(format!(
                "cannot set read-only model config attribute \"{key}\""
            )));
        }
        values.push((key.to_owned(), coerce(key, raw)?));
    }
    if let Some(key) = resets.iter().find(|k| READ_ONLY.contains(k)) {
        return Err(run_error(format!(
            "cannot reset read-only model config attribute \"{key}\""
        )));
    }
    model.locked(|| {
        let mut record = model.record()?;
        for (key, value) in values {
            record.config.insert(key, value);
        }
        for key in resets {
            record.config.remove(*key);
        }
        state::write_json(&model.dir.join("model.json"), &record)
    })
}

/// Every key, as a table (the default), JSON or YAML.
fn format_all(all: &[(String, Value, &str)], format: Option<&str>) -> Result<String> {
    match format.unwrap_or("tabular") {
        "json" => {
            let map: Map<String, Value> = all
                .iter()
                .map(|(k, value, source)| {
                    let entry =
                        serde_json::to_value(JsonEntry { value, source }).unwrap_or(Value::Null);
                    (k.clone(), entry)
                })
                .collect();
            Ok(format!("{}\n", Value::Object(map)))
        }
        "yaml" => {
            let map: std::collections::BTreeMap<&str, YamlEntry<'_>> = all
                .iter()
                .map(|(k, value, source)| (k.as_str(), YamlEntry { value, source }))
                .collect();
            Ok(serde_saphyr::to_string(&map).unwrap_or_default())
        }
        "tabular" => {
            let width = all.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
            let mut out = format!("{:<width$}  From     Value\n", "Attribute");
            for (k, value, source) in all {
                out.push_str(&format!("{k:<width$}  {source:<7}  {}\n", plain(value)));
            }
            Ok(out)
        }
        other => Err(usage(format!(
            "invalid value \"{other}\" for option --format: unknown format \"{other}\""
        ))),
    }
}

/// One key's value: bare by default (Juju's "smart" format: booleans as `True`/`False`), else
/// JSON or YAML.
fn format_one(value: &Value, format: Option<&str>) -> Result<String> {
    match format.unwrap_or("tabular") {
        "json" => Ok(format!("{value}\n")),
        "yaml" => Ok(serde_saphyr::to_string(value).unwrap_or_default()),
        "tabular" => Ok(match value {
            Value::Bool(true) => "True\n".to_owned(),
            Value::Bool(false) => "False\n".to_owned(),
            Value::String(s) => format!("{s}\n"),
            other => format!("{other}\n"),
        }),
        other => Err(usage(format!(
            "invalid value \"{other}\" for option --format: unknown format \"{other}\""
        ))),
    }
}

/// A value in the table: strings bare (`""` when empty), others as JSON prints them.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() => "\"\"".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_take_the_keys_type() {
        assert_eq!(
            coerce("automatically-retry-hooks", "false"),
            Ok(Value::Bool(false))
        );
        assert!(coerce("automatically-retry-hooks", "nope").is_err());
        assert_eq!(coerce("num-provision-workers", "3"), Ok(Value::from(3)));
        assert_eq!(
            coerce("update-status-hook-interval", "10s"),
            Ok(Value::from("10s"))
        );
        assert_eq!(coerce("my-own-key", "true"), Ok(Value::from("true")));
    }

    #[test]
    fn settings_are_sorted_and_say_where_they_come_from() {
        let mut config = Map::new();
        config.insert("test-mode".into(), Value::Bool(true));
        config.insert("zz-extra".into(), Value::from("x"));
        let record = ModelRecord {
            name: "m".into(),
            uuid: "u".into(),
            next_id: 0,
            created: 0,
            config,
            next_storage: 0,
        };
        let all = settings(&record);
        let keys: Vec<&str> = all.iter().map(|(k, _, _)| k.as_str()).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        let find = |key: &str| all.iter().find(|(k, _, _)| k == key).cloned();
        assert_eq!(
            find("test-mode"),
            Some(("test-mode".into(), Value::Bool(true), "model"))
        );
        assert_eq!(
            find("agent-stream"),
            Some(("agent-stream".into(), Value::from("released"), "default"))
        );
        assert_eq!(
            find("zz-extra"),
            Some(("zz-extra".into(), Value::from("x"), "model"))
        );
        assert_eq!(
            find("name"),
            Some(("name".into(), Value::from("m"), "model"))
        );
    }
}
