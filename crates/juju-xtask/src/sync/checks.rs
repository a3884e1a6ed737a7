//! What `sync` refuses to write into `charmcraft.yaml`, with the reason: action schemas that Juju
//! would refuse or the runtime would not enforce as Juju does, param names that are not
//! kebab-case, and config options carrying validation that Juju's config cannot express.

use ops::params::is_param_name;
use ops::schema::ActionSpec;
use serde_json::Value;

use super::splice::SyncError;

/// The keys of a Juju config option (`juju/charm` `config.go`): no bounds, patterns or enums.
const CONFIG_OPTION_KEYS: [&str; 3] = ["type", "default", "description"];

/// Checks the `actions` and `config` sections the charm binary printed.
pub fn check_schema(schema: &Value) -> Result<(), SyncError> {
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
