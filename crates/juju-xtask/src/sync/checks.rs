//! What `sync` refuses to write into `charmcraft.yaml`, with the reason: action schemas that Juju
//! would refuse or the runtime would not enforce as Juju does, param names that are not
//! kebab-case, config options carrying validation that Juju's config cannot express, endpoints
//! Juju would not read; and hooks the charm handles for a storage or container the file does
//! not declare. (Endpoint and hook names are the runtime's to check, when the charm is built.)

use ops::params::is_param_name;
use ops::schema::ActionSpec;
use serde_json::{Map, Value};

use super::ENDPOINT_SECTIONS;
use super::splice::{SyncError, UndeclaredHook};

/// The keys of a Juju config option (`juju/charm` `config.go`): no bounds, patterns or enums.
const CONFIG_OPTION_KEYS: [&str; 3] = ["type", "default", "description"];

/// Checks the `actions`, `config`, `requires`, `provides` and `peers` sections the charm binary
/// printed.
pub fn check_schema(schema: &Value) -> Result<(), SyncError> {
    check_endpoints(schema)?;
    if let Some(actions) = schema.get("actions").and_then(Value::as_object) {
        for (name, body) in actions {
            let bad = |reason: String| SyncError::BadActionSchema {
                name: name.clone(),
                reason,
            };
            ActionSpec::from_yaml_value(name, body).map_err(|e| bad(e.reason))?;
            let params = body.get("params").and_then(Value::as_object);
            for param in params.into_iter().flat_map(|p| p.keys()) {
                if !is_param_name(param) {
                    return Err(bad(format!(
                        "param name {param:?} is not kebab-case (lowercase letters and digits, words joined by `-`): `juju run` users type these names, and charmcraft's linter warns; add `#[serde(rename_all = \"kebab-case\")]` to the params struct"
                    )));
                }
            }
        }
    }
    let options = schema
        .get("config")
        .and_then(|c| c.get("options"))
        .and_then(Value::as_object);
    for (name, option) in options.into_iter().flatten() {
        let bad = |reason: String| SyncError::BadConfigOption {
            name: name.clone(),
            reason,
        };
        let Value::Object(option) = option else {
            return Err(bad("must be a mapping".into()));
        };
        if let Some(key) = option
            .keys()
            .find(|k| !CONFIG_OPTION_KEYS.contains(&k.as_str()))
        {
            return Err(bad(format!(
                "has `{key}`: Juju config options have only a type, a default and a description, so Juju would not enforce it; check the value in the charm instead"
            )));
        }
    }
    Ok(())
}

/// Each endpoint section the binary printed is a mapping of endpoints, each with an `interface`;
/// `limit`, `optional` and `scope`, when there, have the types Juju reads (`juju/charm`
/// `meta.go`, `ifaceExpander`).
fn check_endpoints(schema: &Value) -> Result<(), SyncError> {
    for section in ENDPOINT_SECTIONS {
        let Some(endpoints) = schema.get(section) else {
            continue;
        };
        let Value::Object(endpoints) = endpoints else {
            return Err(SyncError::BadSchema {
                key: section.to_owned(),
                reason: format!("it must be a mapping of endpoint names, found {endpoints}"),
            });
        };
        for (name, body) in endpoints {
            let bad = |reason: &str| SyncError::BadEndpoint {
                section: section.to_owned(),
                name: name.clone(),
                reason: reason.to_owned(),
            };
            let Value::Object(body) = body else {
                return Err(bad("must be a mapping with an `interface`"));
            };
            match body.get("interface") {
                Some(Value::String(interface)) if !interface.is_empty() => {}
                _ => return Err(bad("`interface` must be a non-empty string")),
            }
            if body.get("limit").is_some_and(|l| l.as_u64().is_none()) {
                return Err(bad("`limit` must be a whole number, 0 or more"));
            }
            if body.get("optional").is_some_and(|o| !o.is_boolean()) {
                return Err(bad("`optional` must be true or false"));
            }
            if body
                .get("scope")
                .is_some_and(|s| s != "global" && s != "container")
            {
                return Err(bad("`scope` must be `global` or `container`"));
            }
        }
    }
    Ok(())
}

/// Every storage and container hook the charm handles (the binary's `hooks`) is for a storage
/// or container `charmcraft` (the file as it is) declares; all that are not are reported
/// together. Without `hooks` (an older charm binary) there is nothing to check.
pub fn check_hooks(schema: &Value, charmcraft: &Map<String, Value>) -> Result<(), SyncError> {
    let Some(hooks) = schema.get("hooks") else {
        return Ok(());
    };
    let bad = || SyncError::BadSchema {
        key: "hooks".into(),
        reason: format!("it must be a list of hook names, found {hooks}"),
    };
    let hooks = hooks.as_array().ok_or_else(bad)?;
    let declared = |section: &str, name: &str| {
        charmcraft
            .get(section)
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key(name))
    };
    let mut undeclared = Vec::new();
    for hook in hooks {
        let hook = hook.as_str().ok_or_else(bad)?;
        let owner = [
            ("storage", &ops::STORAGE_HOOK_KINDS[..]),
            ("containers", &ops::WORKLOAD_HOOK_KINDS[..]),
        ]
        .into_iter()
        .find_map(|(section, kinds)| {
            kinds
                .iter()
                .find_map(|kind| hook.strip_suffix(kind)?.strip_suffix('-'))
                .filter(|name| !name.is_empty())
                .map(|name| (section, name))
        });
        if let Some((section, name)) = owner
            && !declared(section, name)
        {
            undeclared.push(UndeclaredHook {
                hook: hook.to_owned(),
                section,
                name: name.to_owned(),
            });
        }
    }
    if undeclared.is_empty() {
        Ok(())
    } else {
        Err(SyncError::UndeclaredHooks { hooks: undeclared })
    }
}
