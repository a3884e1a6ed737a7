//! The model and controller commands: `controllers`, `show-controller`, `add-model`,
//! `destroy-model`, `models` and `switch`.

use std::fs;

use serde_json::{Value, json};

use super::hooks::run_plain_hook;
use super::{CONTROLLER_FLAG, FORMAT, Output, model_config};
use crate::args::Args;
use crate::charm;
use crate::error::{Result, run_error, usage};
use crate::state::{self, CONTROLLER, Home, JUJU_VERSION, ModelRecord};

/// `juju controllers` and `juju show-controller`: the one local controller.
pub fn controllers(home: &Home, command: &str, args: &[String]) -> Result<Output> {
    let _ = Args::parse(args, &[FORMAT, CONTROLLER_FLAG, (&["refresh"], false)])?;
    let current = home.current_model();
    let details = json!({
        "cloud": "localhost",
        "region": "localhost",
        "agent-version": JUJU_VERSION,
        "api-endpoints": ["127.0.0.1:17070"],
        "current-model": current,
        "user": "admin",
    });
    let value = if command == "controllers" {
        json!({"controllers": {CONTROLLER: details}, "current-controller": CONTROLLER})
    } else {
        json!({CONTROLLER: {"details": details, "current-model": current}})
    };
    Ok(Output::out(format!("{value}\n")))
}

/// `juju add-model NAME`: creates the model and, unless `--no-switch`, makes it current.
pub fn add_model(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            (&["no-switch"], false),
            CONTROLLER_FLAG,
            (&["config"], true),
            (&["credential"], true),
        ],
    )?;
    let [name] = a.positional.as_slice() else {
        return Err(usage("add-model needs one model name"));
    };
    if !ops::results::is_valid_segment(name) {
        return Err(usage(format!(
            "\"{name}\" is not a valid name: model names may only contain lowercase letters, digits and hyphens"
        )));
    }
    let dir = home.model_dir(name);
    if dir.join("model.json").exists() {
        return Err(run_error(format!("model \"{name}\" already exists")));
    }
    let mut config = serde_json::Map::new();
    for pair in a.all("config") {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(usage(format!("expected \"key=value\", got {pair:?}")));
        };
        config.insert(key.to_owned(), model_config::coerce(key, value)?);
    }
    home.controller_uuid()?;
    fs::create_dir_all(dir.join("apps"))?;
    fs::create_dir_all(dir.join("tasks"))?;
    state::write_json(
        &dir.join("model.json"),
        &ModelRecord {
            name: name.clone(),
            uuid: state::uuid(),
            next_id: 0,
            created: state::now().0,
            config,
            next_storage: 0,
        },
    )?;
    if !a.has("no-switch") {
        home.set_current_model(Some(name))?;
    }
    Ok(Output::err(format!(
        "Added '{name}' model on localhost/localhost with credential 'admin' for user 'admin'\n"
    )))
}

/// `juju destroy-model NAME`: runs `stop` and `remove` on every unit, then removes the model.
pub fn destroy_model(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            (&["y", "no-prompt"], false),
            (&["destroy-storage"], false),
            (&["release-storage"], false),
            (&["force"], false),
            (&["no-wait"], false),
            (&["timeout"], true),
        ],
    )?;
    let [name] = a.positional.as_slice() else {
        return Err(usage("destroy-model needs one model name"));
    };
    let model = home.resolve_model(Some(name))?;
    model.hooks_locked(|| {
        for app_name in model.app_names() {
            let app = model.app(&app_name)?;
            for number in app.units.clone() {
                let _lock = state::lock(&model.unit_dir(&app_name, number).join("unit.lock"))?;
                let unit_dir = model.unit_dir(&app_name, number);
                if let Ok(info) = charm::read_info(&unit_dir.join("charm")) {
                    for hook in ["stop", "remove"] {
                        let _ = run_plain_hook(&model, &app, &info, number, hook);
                    }
                }
            }
        }
        Ok(())
    })?;
    // Rename first, so a model is either fully there or gone even if removal is interrupted.
    let doomed =
        home.models_dir()
            .join(format!(".{}.destroying.{}", model.name, std::process::id()));
    fs::rename(&model.dir, &doomed)?;
    fs::remove_dir_all(&doomed)?;
    if home.current_model().is_none() {
        home.set_current_model(None)?;
    }
    Ok(Output::err("Destroying model\nModel destroyed.\n"))
}

/// `juju models`: every model, and the current one.
pub fn models(home: &Home, args: &[String]) -> Result<Output> {
    let _ = Args::parse(args, &[FORMAT, CONTROLLER_FLAG])?;
    let current = home.current_model();
    let models: Vec<Value> = home
        .model_names()
        .iter()
        .filter_map(|name| home.resolve_model(Some(name)).ok())
        .filter_map(|m| m.record().ok())
        .map(|r| json!({"name": format!("admin/{}", r.name), "short-name": r.name, "model-uuid": r.uuid, "type": "iaas", "controller-name": CONTROLLER, "cloud": "localhost", "life": "alive", "agent-version": JUJU_VERSION}))
        .collect();
    Ok(Output::out(format!(
        "{}\n",
        json!({"models": models, "current-model": current})
    )))
}

/// `juju switch NAME`: makes an existing model the current one.
pub fn switch(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[])?;
    let [name] = a.positional.as_slice() else {
        return Err(usage("switch needs one model name"));
    };
    let model = home.resolve_model(Some(name))?;
    home.set_current_model(Some(&model.name))?;
    Ok(Output::default())
}
