//! `juju config`: an application's settings (set values and the charm's defaults), one value,
//! and setting or resetting them, which runs `config-changed` on every unit. The argument
//! grammar, the values' parsing and the messages are Juju 3.6's (`cmd/juju/config`
//! `ConfigCommandBase`, `cmd/juju/application/config.go`, the application facade's
//! `parseCharmSettings` and juju/charm `ParseSettingsStrings`).

use serde_json::{Map, Value, json};

use super::hooks::run_plain_hook;
use super::settle;
use super::{FORMAT, MODEL, Output, json_or_yaml};
use crate::args::Args;
use crate::charm::{self, CharmInfo};
use crate::error::{Result, run_error, usage};
use crate::state::{self, Home, Model};
use crate::{app_settings, gofmt};

/// Juju's `Action`s, in the order `Init` adds them (and `Run` performs them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Reset,
    GetOne,
    SetArgs,
}

impl Action {
    fn describe(self) -> &'static str {
        match self {
            Action::Reset => "use --reset flag",
            Action::GetOne => "get value",
            Action::SetArgs => "set key=value pairs",
        }
    }
}

/// The parsed command line.
struct Request {
    app: String,
    actions: Vec<Action>,
    get: Vec<String>,
    set: Vec<(String, String)>,
    reset: Vec<String>,
}

/// `ConfigCommandBase.Init` after the application name.
fn parse_request(a: &Args) -> Result<Request> {
    let Some((app, rest)) = a.positional.split_first() else {
        return Err(usage("no application name specified"));
    };
    if app.contains('=') {
        return Err(usage("no application name specified"));
    }
    if a.get("file").is_some() {
        return Err(usage(
            "--file is not supported by juju-local: set values with key=value arguments",
        ));
    }
    let mut actions = Vec::new();
    let mut reset = Vec::new();
    for value in a.all("reset") {
        reset.extend(value.trim_matches(',').split(',').map(str::to_owned));
    }
    if let Some(bad) = reset.iter().find(|k| k.contains('=')) {
        return Err(usage(format!(
            "--reset accepts a comma delimited set of keys \"a,b,c\", received: {}",
            gofmt::go_quote(bad)
        )));
    }
    if !a.all("reset").is_empty() {
        actions.push(Action::Reset);
    }
    let (mut get, mut set) = (Vec::new(), Vec::<(String, String)>::new());
    for arg in rest {
        match arg.split_once('=') {
            Some(("", _)) => {
                return Err(usage(format!(
                    "expected \"key=value\", got {}",
                    gofmt::go_quote(arg)
                )));
            }
            Some((k, _)) if set.iter().any(|(key, _)| key == k) => {
                return Err(usage(format!(
                    "key {} specified more than once",
                    gofmt::go_quote(k)
                )));
            }
            Some((k, v)) => set.push((k.to_owned(), v.to_owned())),
            None => get.push(arg.clone()),
        }
    }
    if !get.is_empty() {
        actions.push(Action::GetOne);
    }
    if !set.is_empty() {
        actions.push(Action::SetArgs);
    }
    if actions.len() > 1 && actions.contains(&Action::GetOne) {
        let list: Vec<&str> = actions.iter().map(|a| a.describe()).collect();
        let text = match list.split_last() {
            Some((last, first)) if !first.is_empty() => {
                format!("{} and {last}", first.join(", "))
            }
            _ => list.join(""),
        };
        return Err(usage(format!("cannot {text} simultaneously")));
    }
    if get.len() > 1 {
        return Err(usage("cannot specify multiple keys to get"));
    }
    if let Some(key) = reset.iter().find(|k| set.iter().any(|(s, _)| s == *k)) {
        return Err(usage(format!(
            "cannot set and reset key {} simultaneously",
            gofmt::go_quote(key)
        )));
    }
    Ok(Request {
        app: app.clone(),
        actions,
        get,
        set,
        reset,
    })
}

/// `juju config APP [key[=value]…] [--reset k,…]`: shows the application's settings or one
/// value, or resets and sets them and runs `config-changed` on every unit.
pub fn config(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[MODEL, FORMAT, (&["reset"], true), (&["file"], true)],
    )?;
    let request = parse_request(&a)?;
    let model = home.resolve_model(a.get("model"))?;
    let app_name = request.app.as_str();
    let app = model.app(app_name)?;
    let info = charm::read_info(&model.app_charm_dir(&app))?;
    if request.actions.is_empty() {
        let mut settings = Map::new();
        for (name, option) in &info.options {
            let set = app.config.get(name);
            let mut entry = json!({
                "type": info.option_type(name).unwrap_or_else(|| "string".to_owned()),
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
        let value = json!({
            "application": app_name,
            "application-config": app_settings::shown(&model.app_dir(app_name)),
            "charm": app.charm,
            "settings": settings,
        });
        return Ok(Output::out(json_or_yaml(&value, a.get("format"))));
    }
    if let Some(key) = request.get.first() {
        return get_one(&model, app_name, &info, &app.config, key);
    }
    // Validate everything before changing anything.
    let mut trust = None;
    let mut values = Map::new();
    for (k, v) in &request.set {
        if k == "trust" && info.option_type(k).is_none() {
            let parsed = crate::charm_rules::go_parse_bool(v).ok_or_else(|| {
                run_error(format!(
                    "parsing settings for application: trust: expected bool, got string({})",
                    gofmt::go_quote(v)
                ))
            })?;
            trust = Some(parsed);
            continue;
        }
        let value = info
            .parse_config_value(k, v)
            .map_err(|e| run_error(format!("parsing settings for application: {e}")))?;
        values.insert(k.clone(), value);
    }
    info.check_secret_values(&values).map_err(|e| {
        if e.message.starts_with("invalid secret URI") {
            run_error(format!("parsing settings for application: {}", e.message))
        } else {
            e
        }
    })?;
    for key in &request.reset {
        if key != "trust" && info.option_type(key).is_none() {
            return Err(run_error(format!(
                "unknown option {}",
                gofmt::go_quote(key)
            )));
        }
    }
    let app = model.locked(|| {
        let mut app = model.app(app_name)?;
        for key in &request.reset {
            if key == "trust" && info.option_type(key).is_none() {
                app_settings::set_trust(&model.app_dir(app_name), false)?;
            }
            app.config.remove(key);
        }
        if let Some(trust) = trust {
            app_settings::set_trust(&model.app_dir(app_name), trust)?;
        }
        for (k, v) in &values {
            app.config.insert(k.clone(), v.clone());
        }
        model.save_app(&app)?;
        Ok(app)
    })?;
    let mut stderr = String::new();
    model.hooks_locked(|| {
        for number in app.units.clone() {
            let _lock = state::lock(&model.unit_dir(app_name, number).join("unit.lock"))?;
            if !model.unit(app_name, number)?.installed {
                continue;
            }
            if !run_plain_hook(&model, &app, &info, number, "config-changed")? {
                stderr.push_str(&format!(
                    "unit {app_name}/{number}: hook failed: \"config-changed\"\n"
                ));
            }
        }
        let mut skip = settle::failed_units(&stderr);
        stderr.push_str(&settle::settle(&model, &mut skip)?);
        Ok(())
    })?;
    Ok(Output::err(stderr))
}

/// `juju config APP KEY`: the value as Go's `fmt.Fprintln` prints it after the API's JSON
/// (numbers are float64, so `1000000` prints `1e+06`; no value prints an empty line).
fn get_one(
    model: &Model,
    app_name: &str,
    info: &CharmInfo,
    set: &Map<String, Value>,
    key: &str,
) -> Result<Output> {
    if info.options.contains_key(key) {
        let value = info
            .effective_config(set)
            .get(key)
            .cloned()
            .unwrap_or(Value::Null);
        return Ok(Output::out(format!("{}\n", gofmt::go_v_json(&value))));
    }
    if key == "trust" {
        let trust = app_settings::trust(&model.app_dir(app_name));
        return Ok(Output::out(format!("{trust}\n")));
    }
    Err(run_error(format!(
        "key {} not found in {} application config or charm settings.",
        gofmt::go_quote(key),
        gofmt::go_quote(app_name)
    )))
}
