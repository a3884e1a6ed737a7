//! An application's Juju-level settings (the `application-config` of `juju config`): only
//! `trust`, which `juju deploy --trust` sets and `juju config APP trust=…` changes. Kept in
//! `application-config.json` beside the application's record.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::error::Result;

const FILE: &str = "application-config.json";

/// Whether the application is trusted (Juju's default is false).
pub fn trust(app_dir: &Path) -> bool {
    fs::read_to_string(app_dir.join(FILE))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v.get("trust").and_then(Value::as_bool))
        .unwrap_or(false)
}

/// Records `trust` (the caller holds the model lock).
pub fn set_trust(app_dir: &Path, trust: bool) -> Result<()> {
    fs::create_dir_all(app_dir)?;
    fs::write(
        app_dir.join(FILE),
        format!("{}\n", json!({ "trust": trust })),
    )?;
    Ok(())
}

/// `application-config` as `juju config APP` shows it on a machine model.
pub fn shown(app_dir: &Path) -> Value {
    let value = trust(app_dir);
    json!({
        "trust": {
            "default": false,
            "description": "Does this application have access to trusted credentials",
            "source": if value { "user" } else { "default" },
            "type": "bool",
            "value": value,
        }
    })
}
