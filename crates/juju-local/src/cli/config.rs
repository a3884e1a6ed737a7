//! `juju config`: an application's settings (set values and the charm's defaults), and setting
//! or resetting them, which runs `config-changed` on every unit.

use serde_json::{Map, json};

use super::hooks::run_hook;
use super::{FORMAT, MODEL, Output, json_or_yaml};
use crate::args::Args;
use crate::charm;
use crate::error::{Result, usage};
use crate::state::{self, Home};

/// `juju config APP [key=value…] [--reset k,…]`: shows the application's settings, or sets and
/// resets them and runs `config-changed` on every unit.
pub fn config(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[MODEL, FORMAT, (&["reset"], true), (&["file"], true)],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let Some((app_name, pairs)) = a.positional.split_first() else {
        return Err(usage("no application name specified"));
    };
    let app = model.app(app_name)?;
    let first = app.units.first().copied().unwrap_or(0);
    let info = charm::read_info(&model.unit_dir(app_name, first).join("charm"))?;
    let resets: Vec<&str> = a
        .all("reset")
        .into_iter()
        .flat_map(|r| r.split(','))
        .collect();
    if pairs.is_empty() && resets.is_empty() {
        let mut settings = Map::new();
        for (name, option) in &info.options {
            let set = app.config.get(name);
            let mut entry = json!({
                "type": option.get("type").cloned().unwrap_or(json!("string")),
                "description": option.get("description").cloned().unwrap_or(json!("")),
                "source": if set.is_some() { "user" } else { "default" },
            });
            if let Some(default) = option.get("default") {
                entry["default"] = default.clone();
            }
            if let Some(value) = set.or_else(|| option.get("default")) {
                entry["value"] = value.clone();
            }
            settings.insert(name.clone(), entry);
        }
        let value = json!({"application": app_name, "charm": app.charm, "settings": settings});
        return Ok(Output::out(json_or_yaml(&value, a.get("format"))));
    }
    let app = model.locked(|| {
        let mut app = model.app(app_name)?;
        for pair in pairs {
            let Some((k, v)) = pair.split_once('=') else {
                return Err(usage(format!("expected \"key=value\", got {pair:?}")));
            };
            let value = info.parse_config_value(k, v)?;
            app.config.insert(k.to_owned(), value);
        }
        for key in &resets {
            app.config.remove(*key);
        }
        model.save_app(&app)?;
        Ok(app)
    })?;
    for number in app.units.clone() {
        let _lock = state::lock(&model.unit_dir(app_name, number).join("unit.lock"))?;
        run_hook(&model, &app, &info, number, "config-changed")?;
    }
    Ok(Output::default())
}
