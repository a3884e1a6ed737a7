//! The `juju` commands: models, deploy, refresh, status, run, exec, show-task, debug-log, config.
//! Output shapes and exit codes follow Juju 3.6 (`cmd/juju/action` in Juju).

use std::fs;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::agent::{self, Kind, Outcome};
use crate::args::Args;
use crate::charm::{self, CharmInfo};
use crate::error::{Result, run_error, usage};
use crate::state::{
    self, AppRecord, CONTROLLER, Home, HookRun, JUJU_VERSION, Model, ModelRecord, Status,
    TaskRecord, UnitRecord,
};

/// What a command printed and its exit code.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Output {
    fn out(stdout: impl Into<String>) -> Output {
        Output {
            stdout: stdout.into(),
            ..Output::default()
        }
    }
}

const MODEL: (&[&str], bool) = (&["m", "model"], true);
const FORMAT: (&[&str], bool) = (&["format"], true);

pub const HELP: &str = "juju-local: a local Juju for integration tests (the juju CLI subset, a unit agent and the hook tools)

Usage: juju-local <command> [options]

Commands:
  version                         print the Juju version this emulates
  controllers, show-controller    the local controller
  add-model NAME                  create a model (and switch to it)
  destroy-model NAME              remove a model and everything in it
  models, switch NAME             list models, choose the current one
  deploy CHARM.charm [APP]        unpack a local charm and run install, leader-elected, config-changed, start
  refresh APP --path FILE.charm   replace an application's charm with a local one and run upgrade-charm, config-changed
  status                          applications and units (--format json)
  run UNIT ACTION [k=v ...]       run an action (--params FILE, --format json, --string-args)
  show-task ID                    a finished task
  exec --unit UNIT -- COMMAND     run a command in the unit's hook context
  debug-log                       the units' logs (--limit N, --include UNIT)
  config APP [k=v ...]            show or set application config

Common option: -m, --model NAME. State lives in $JUJU_LOCAL_HOME (default ~/.local/share/juju-local).
";

pub fn main(command: &str, args: &[String]) -> Result<Output> {
    let home = Home::from_env();
    match command {
        "version" => Ok(Output::out(format!("{JUJU_VERSION}-genericlinux-amd64\n"))),
        "help" | "--help" | "-h" => Ok(Output::out(HELP)),
        "controllers" | "show-controller" => controllers(&home, command, args),
        "add-model" => add_model(&home, args),
        "destroy-model" => destroy_model(&home, args),
        "models" => models(&home, args),
        "switch" => {
            let a = Args::parse(args, &[])?;
            let [name] = a.positional.as_slice() else {
                return Err(usage("switch needs one model name"));
            };
            home.resolve_model(Some(name))?;
            home.set_current_model(Some(name))?;
            Ok(Output::default())
        }
        "deploy" => deploy(&home, args),
        "refresh" => refresh(&home, args),
        "status" => status(&home, args),
        "run" => run(&home, args),
        "show-task" => show_task(&home, args),
        "exec" => exec(&home, args),
        "debug-log" => debug_log(&home, args),
        "config" => config(&home, args),
        other => Err(usage(format!("unrecognized command: juju {other}"))),
    }
}

fn controllers(home: &Home, command: &str, args: &[String]) -> Result<Output> {
    let _ = Args::parse(
        args,
        &[FORMAT, (&["c", "controller"], true), (&["refresh"], false)],
    )?;
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

fn add_model(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            (&["no-switch"], false),
            (&["c", "controller"], true),
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
    fs::create_dir_all(dir.join("apps"))?;
    fs::create_dir_all(dir.join("tasks"))?;
    state::write_json(
        &dir.join("model.json"),
        &ModelRecord {
            name: name.clone(),
            uuid: state::uuid(),
            next_id: 0,
        },
    )?;
    if !a.has("no-switch") {
        home.set_current_model(Some(name))?;
    }
    Ok(Output {
        stderr: format!(
            "Added '{name}' model on localhost/localhost with credential 'admin' for user 'admin'\n"
        ),
        ..Output::default()
    })
}

fn destroy_model(home: &Home, args: &[String]) -> Result<Output> {
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
    for app_name in model.app_names() {
        let app = model.app(&app_name)?;
        for number in app.units.clone() {
            let _lock = state::lock(&model.unit_dir(&app_name, number).join("unit.lock"))?;
            if let Ok(info) = charm::read_info(&model.unit_dir(&app_name, number).join("charm")) {
                for hook in ["stop", "remove"] {
                    let _ = run_hook(&model, &app, &info, number, hook);
                }
            }
        }
    }
    // Rename first, so a model is either fully there or gone even if removal is interrupted.
    let doomed = home
        .models_dir()
        .join(format!(".{name}.destroying.{}", std::process::id()));
    fs::rename(&model.dir, &doomed)?;
    fs::remove_dir_all(&doomed)?;
    if home.current_model().is_none() {
        home.set_current_model(None)?;
    }
    Ok(Output {
        stderr: "Destroying model\nModel destroyed.\n".to_string(),
        ..Output::default()
    })
}

fn models(home: &Home, args: &[String]) -> Result<Output> {
    let _ = Args::parse(args, &[FORMAT, (&["c", "controller"], true)])?;
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

/// Runs one hook on a unit (the caller holds the unit lock) and records its effects.
fn run_hook(
    model: &Model,
    app: &AppRecord,
    info: &CharmInfo,
    number: u32,
    hook: &str,
) -> Result<bool> {
    let mut unit = model.unit(&app.name, number)?;
    unit.agent = Status::new("executing", &format!("running {hook} hook"));
    model.save_unit(&unit)?;
    let outcome = agent::run(model, app, info, number, Kind::Hook(hook.to_owned()))?;
    let ok = outcome.exit_code == Some(0) && outcome.spawn_error.is_none();
    finish_unit(model, &outcome, ok, Some(hook))?;
    Ok(ok)
}

/// Saves what a hook, action or exec changed on the unit and its application.
fn finish_unit(model: &Model, outcome: &Outcome, success: bool, hook: Option<&str>) -> Result<()> {
    let context = &outcome.context;
    let mut unit = context.unit.clone();
    if !success {
        // Charm state is committed only when the process succeeded.
        unit.charm_state = model.unit(&unit.app, unit.number)?.charm_state;
    }
    if let Some(hook) = hook {
        unit.last_hook = Some(HookRun {
            name: hook.to_owned(),
            process_micros: u64::try_from(outcome.elapsed.as_micros()).unwrap_or(u64::MAX),
            tool_calls: context.tool_calls,
        });
    }
    match hook {
        Some(hook) if !success => {
            unit.workload = Status::new("error", &format!("hook failed: \"{hook}\""));
            unit.agent = Status::new("idle", "");
        }
        _ => unit.agent = Status::new("idle", ""),
    }
    model.save_unit(&unit)?;
    if success && context.leader_settings_changed {
        model.locked(|| {
            let mut app = model.app(&unit.app)?;
            app.leader_settings = context.leader_settings.clone();
            model.save_app(&app)
        })?;
    }
    Ok(())
}

fn deploy(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            (&["n", "num-units"], true),
            (&["config"], true),
            (&["base"], true),
            (&["channel"], true),
            (&["revision"], true),
            (&["trust"], false),
            (&["constraints"], true),
            (&["to"], true),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let (charm_path, app_name) = match a.positional.as_slice() {
        [charm] => (charm.clone(), None),
        [charm, app] => (charm.clone(), Some(app.clone())),
        _ => {
            return Err(usage(
                "deploy needs a charm path and an optional application name",
            ));
        }
    };
    let charm_path = Path::new(&charm_path);
    if !charm_path.is_file() {
        return Err(run_error(format!(
            "cannot deploy {:?}: juju-local deploys local .charm files only (no Charmhub here)",
            charm_path.display().to_string()
        )));
    }
    let units: u32 = match a.get("num-units") {
        None => 1,
        Some(n) => n
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| usage(format!("invalid --num-units {n:?}")))?,
    };
    // Unpack once into a staging directory to validate the archive before touching the model.
    let staging = model.dir.join(format!(".deploy-{}", state::unique_hex(8)));
    charm::unpack(charm_path, &staging)?;
    let info = match charm::read_info(&staging) {
        Ok(info) => info,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let result = deploy_units(
        &model,
        &a,
        &info,
        &staging,
        app_name.unwrap_or_else(|| info.name.clone()),
        units,
    );
    let _ = fs::remove_dir_all(&staging);
    result
}

fn deploy_units(
    model: &Model,
    a: &Args,
    info: &CharmInfo,
    staging: &Path,
    app_name: String,
    units: u32,
) -> Result<Output> {
    let mut config = Map::new();
    for pair in a.all("config") {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(usage(format!("--config expects key=value, got {pair:?}")));
        };
        config.insert(k.to_owned(), info.parse_config_value(k, v)?);
    }
    let app = model.locked(|| {
        if model.app_dir(&app_name).join("app.json").exists() {
            return Err(run_error(format!(
                "cannot add application \"{app_name}\": application already exists"
            )));
        }
        let app = AppRecord {
            name: app_name.clone(),
            charm: info.name.clone(),
            revision: 0,
            units: (0..units).collect(),
            config: config.clone(),
            leader_settings: Map::new(),
        };
        for number in 0..units {
            let unit_dir = model.unit_dir(&app_name, number);
            fs::create_dir_all(&unit_dir)?;
            copy_tree(staging, &unit_dir.join("charm"))?;
            model.save_unit(&UnitRecord {
                app: app_name.clone(),
                number,
                workload: Status::new("waiting", "agent initialising"),
                agent: Status::new("allocating", ""),
                status_set_by_charm: false,
                leader: number == 0,
                version: String::new(),
                charm_state: Map::new(),
                last_hook: None,
            })?;
        }
        model.save_app(&app)?;
        Ok(app)
    })?;
    let mut stderr = format!(
        "Located local charm \"{}\", revision 0\nDeploying \"{app_name}\" from local charm \"{}\", revision 0\n",
        info.name, info.name
    );
    for number in 0..units {
        let _lock = state::lock(&model.unit_dir(&app_name, number).join("unit.lock"))?;
        let mut unit = model.unit(&app_name, number)?;
        unit.workload = Status::new("maintenance", "installing charm software");
        model.save_unit(&unit)?;
        let leader_hook = if number == 0 {
            "leader-elected"
        } else {
            "leader-settings-changed"
        };
        for hook in ["install", leader_hook, "config-changed", "start"] {
            if !run_hook(model, &app, info, number, hook)? {
                stderr.push_str(&format!(
                    "unit {app_name}/{number}: hook failed: \"{hook}\"\n"
                ));
                break;
            }
        }
        let mut unit = model.unit(&app_name, number)?;
        if unit.workload.current == "maintenance" && !unit.status_set_by_charm {
            unit.workload = Status::new("unknown", "");
            model.save_unit(&unit)?;
        }
    }
    Ok(Output {
        stderr,
        ..Output::default()
    })
}

/// `juju refresh APP --path CHARM.charm`, as Juju does it for a local charm: the archive is
/// unpacked and read before anything changes, its charm name must be the application's, the
/// revision goes up by one, and every unit gets the new charm tree and runs `upgrade-charm` then
/// `config-changed`. Charmhub refreshes (`--switch`, `--channel`, `--revision`) are refused.
fn refresh(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            (&["path"], true),
            (&["switch"], true),
            (&["channel"], true),
            (&["revision"], true),
        ],
    )?;
    for flag in ["switch", "channel", "revision"] {
        if a.get(flag).is_some() {
            return Err(run_error(format!(
                "--{flag} is not supported: juju-local refreshes from local .charm files only (--path; no Charmhub here)"
            )));
        }
    }
    let [app_name] = a.positional.as_slice() else {
        return Err(usage("refresh needs one application name"));
    };
    let Some(charm_path) = a.get("path") else {
        return Err(usage(
            "refresh needs --path CHARM.charm: juju-local refreshes from local .charm files only (no Charmhub here)",
        ));
    };
    let model = home.resolve_model(a.get("model"))?;
    model.app(app_name)?;
    let charm_path = Path::new(charm_path);
    if !charm_path.exists() {
        return Err(run_error(format!(
            "no charm found at {:?}",
            charm_path.display().to_string()
        )));
    }
    if !charm_path.is_file() {
        return Err(run_error(format!(
            "cannot refresh \"{app_name}\" from {:?}: juju-local refreshes from local .charm files only (no Charmhub here)",
            charm_path.display().to_string()
        )));
    }
    // Unpack once into a staging directory to validate the archive before touching the model.
    let staging = model.dir.join(format!(".refresh-{}", state::unique_hex(8)));
    charm::unpack(charm_path, &staging)?;
    let result = charm::read_info(&staging)
        .and_then(|info| refresh_units(&model, app_name, &info, &staging));
    let _ = fs::remove_dir_all(&staging);
    result
}

fn refresh_units(
    model: &Model,
    app_name: &str,
    info: &CharmInfo,
    staging: &Path,
) -> Result<Output> {
    let app = model.locked(|| {
        let mut app = model.app(app_name)?;
        if info.name != app.charm {
            return Err(run_error(format!(
                "cannot refresh \"{}\" to \"{}\"",
                app.charm, info.name
            )));
        }
        app.revision = app.revision.saturating_add(1);
        // Juju keeps the settings the new charm still defines with a value of the right type.
        app.config.retain(|name, value| {
            info.options
                .get(name)
                .is_some_and(|option| fits_option(option, value))
        });
        model.save_app(&app)?;
        Ok(app)
    })?;
    let mut stderr = format!(
        "Added local charm \"{}\", revision {}, to the model\n",
        info.name, app.revision
    );
    for number in app.units.clone() {
        let unit_dir = model.unit_dir(app_name, number);
        let _lock = state::lock(&unit_dir.join("unit.lock"))?;
        replace_charm(&unit_dir, staging).map_err(|e| {
            run_error(format!(
                "cannot refresh unit {app_name}/{number}: {}",
                e.message
            ))
        })?;
        for hook in ["upgrade-charm", "config-changed"] {
            if !run_hook(model, &app, info, number, hook)? {
                stderr.push_str(&format!(
                    "unit {app_name}/{number}: hook failed: \"{hook}\"\n"
                ));
                break;
            }
        }
    }
    Ok(Output {
        stderr,
        ..Output::default()
    })
}

/// Whether a set config value still fits the option of that name (Juju's `FilterSettings`).
fn fits_option(option: &Value, value: &Value) -> bool {
    match option
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string")
    {
        "int" => value.is_i64() || value.is_u64(),
        "float" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => value.is_string(),
    }
}

/// Replaces a unit's `charm/` with a copy of `tree` (the caller holds the unit lock). The copy
/// is made in a sibling directory and renamed in, so `charm/` is never a partial copy; a copy
/// that fails leaves the old charm as it was.
fn replace_charm(unit_dir: &Path, tree: &Path) -> Result<()> {
    // Leftovers of a refresh killed mid-way (nobody else swaps charms while we hold the lock).
    for entry in fs::read_dir(unit_dir)?.filter_map(std::result::Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".charm.new-") || name.starts_with(".charm.old-") {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    let suffix = state::unique_hex(8);
    let fresh = unit_dir.join(format!(".charm.new-{suffix}"));
    let old = unit_dir.join(format!(".charm.old-{suffix}"));
    let current = unit_dir.join("charm");
    if let Err(e) = copy_tree(tree, &fresh) {
        let _ = fs::remove_dir_all(&fresh);
        return Err(e);
    }
    match fs::rename(&current, &old) {
        Ok(()) => {}
        // A refresh killed between the two renames left no charm: put the new one in.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            let _ = fs::remove_dir_all(&fresh);
            return Err(e.into());
        }
    }
    if let Err(e) = fs::rename(&fresh, &current) {
        let _ = fs::rename(&old, &current);
        let _ = fs::remove_dir_all(&fresh);
        return Err(e.into());
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path())?, &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn status(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["relations"], false),
            (&["storage"], false),
            (&["utc"], false),
            (&["color"], false),
            (&["no-color"], false),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let record = model.record()?;
    let mut applications = Map::new();
    let mut machines = Map::new();
    for app_name in model.app_names() {
        let app = model.app(&app_name)?;
        let mut units = Map::new();
        let mut app_status = json!({"current": "unknown", "message": ""});
        let mut version = String::new();
        for number in &app.units {
            let Ok(unit) = model.unit(&app_name, *number) else {
                continue;
            };
            let machine = (machines.len()).to_string();
            machines.insert(machine.clone(), json!({"juju-status": {"current": "started"}, "dns-name": "127.0.0.1", "base": {"name": "ubuntu", "channel": "24.04"}}));
            if unit.leader || app_status["current"] == "unknown" {
                app_status = json!({"current": unit.workload.current, "message": unit.workload.message, "since": unit.workload.since});
            }
            if !unit.version.is_empty() {
                version.clone_from(&unit.version);
            }
            let mut entry = json!({
                "workload-status": {"current": unit.workload.current, "message": unit.workload.message, "since": unit.workload.since},
                "juju-status": {"current": unit.agent.current, "message": unit.agent.message, "since": unit.agent.since, "version": JUJU_VERSION},
                "machine": machine,
                "public-address": "127.0.0.1",
            });
            if unit.leader {
                entry["leader"] = Value::Bool(true);
            }
            units.insert(unit.name(), entry);
        }
        let mut entry = json!({
            "charm": app.charm,
            "charm-name": app.charm,
            "charm-origin": "local",
            "charm-rev": app.revision,
            "exposed": false,
            "base": {"name": "ubuntu", "channel": "24.04"},
            "application-status": app_status,
            "units": units,
        });
        if !version.is_empty() {
            entry["version"] = Value::String(version);
        }
        applications.insert(app_name, entry);
    }
    let value = json!({
        "model": {"name": record.name, "type": "iaas", "controller": CONTROLLER, "cloud": "localhost", "region": "localhost", "version": JUJU_VERSION, "model-status": {"current": "available"}},
        "machines": machines,
        "applications": applications,
    });
    match a.get("format") {
        Some("json") => Ok(Output::out(format!("{value}\n"))),
        Some("yaml") => Ok(Output::out(
            serde_saphyr::to_string(&value).unwrap_or_default(),
        )),
        _ => Ok(Output::out(tabular_status(&value))),
    }
}

fn tabular_status(value: &Value) -> String {
    let mut out = format!(
        "Model  Controller  Cloud/Region         Version\n{}  {CONTROLLER}  localhost/localhost  {JUJU_VERSION}\n\nUnit  Workload  Agent  Message\n",
        value["model"]["name"].as_str().unwrap_or_default()
    );
    for app in value["applications"]
        .as_object()
        .into_iter()
        .flat_map(Map::values)
    {
        for (name, unit) in app["units"].as_object().into_iter().flatten() {
            out.push_str(&format!(
                "{name}{}  {}  {}  {}\n",
                if unit["leader"] == true { "*" } else { "" },
                unit["workload-status"]["current"]
                    .as_str()
                    .unwrap_or_default(),
                unit["juju-status"]["current"].as_str().unwrap_or_default(),
                unit["workload-status"]["message"]
                    .as_str()
                    .unwrap_or_default()
            ));
        }
    }
    out
}

/// Parses `k=v` action arguments: dotted keys nest, values are YAML unless `string_args`.
pub fn parse_action_args(
    pairs: &[String],
    string_args: bool,
    into: &mut Map<String, Value>,
) -> Result<()> {
    for pair in pairs {
        let Some((key, raw)) = pair.split_once('=') else {
            return Err(usage(format!(
                "argument {pair:?} must be of the form key...=value"
            )));
        };
        let segments: Vec<&str> = key.split('.').collect();
        if segments.iter().any(|s| !ops::results::is_valid_segment(s)) {
            return Err(usage(format!(
                "key {key:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens"
            )));
        }
        let value = if string_args || raw.is_empty() {
            Value::String(raw.to_owned())
        } else {
            serde_saphyr::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
        };
        let mut node = &mut *into;
        for segment in &segments[..segments.len() - 1] {
            let slot = node
                .entry((*segment).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(map) = slot else {
                unreachable!("made an object above")
            };
            node = map;
        }
        node.insert(segments[segments.len() - 1].to_owned(), value);
    }
    Ok(())
}

/// Juju's enqueue-time validation: draft-4 JSON Schema, then defaults inserted.
pub fn validate_params(
    info: &CharmInfo,
    action: &str,
    unit: &str,
    mut params: Value,
) -> std::result::Result<Value, String> {
    let Some(body) = info.actions.get(action) else {
        return Err(format!(
            "action \"{action}\" not defined on unit \"{unit}\""
        ));
    };
    let spec = ops::schema::ActionSpec::from_yaml_value(action, body).map_err(|e| {
        format!(
            "invalid params schema for action schema {action}: {}",
            e.reason
        )
    })?;
    let schema = spec.params_schema();
    let validator = jsonschema::draft4::new(&schema)
        .map_err(|e| format!("invalid params schema for action schema {action}: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&params)
        .map(|e| {
            let path: String = e
                .instance_path()
                .as_str()
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| format!(".{s}"))
                .collect();
            format!("(root){path} : {e}")
        })
        .collect();
    if !errors.is_empty() {
        return Err(format!("validation failed: {}", errors.join("; ")));
    }
    ops::params::insert_defaults(&schema, &mut params);
    Ok(params)
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Builds the finished task from a process outcome (as the uniter's `finalizeAction` does).
fn finish_task(
    id: u64,
    unit: &str,
    action: &str,
    enqueued: String,
    started: String,
    outcome: &Outcome,
) -> TaskRecord {
    let context = &outcome.context;
    let mut results = ops::results::nest(
        context
            .results
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let return_code = if outcome.missing {
        0
    } else {
        outcome.exit_code.unwrap_or(-1)
    };
    for (key, bytes) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
        if bytes.is_empty() {
            continue;
        }
        match String::from_utf8(bytes.clone()) {
            Ok(text) => {
                results.insert(key.into(), Value::String(text.replace("\r\n", "\n")));
            }
            Err(_) => {
                results.insert(key.into(), Value::String(base64(bytes)));
                results.insert(format!("{key}-encoding"), Value::String("base64".into()));
            }
        }
    }
    results.insert("return-code".into(), Value::from(return_code));
    let (status, message) = if outcome.missing {
        (
            "failed",
            format!("action not implemented on unit \"{unit}\""),
        )
    } else if let Some(error) = &outcome.spawn_error {
        ("failed", error.clone())
    } else {
        match outcome.exit_code {
            Some(0) => match &context.failed {
                Some(message) => ("failed", message.clone()),
                None => ("completed", String::new()),
            },
            Some(code) => ("failed", format!("exit status {code}")),
            None => ("failed", signal_message(outcome.signal)),
        }
    };
    TaskRecord {
        id: id.to_string(),
        unit: unit.to_owned(),
        action: action.to_owned(),
        status: status.to_owned(),
        message,
        results,
        log: context.log.clone(),
        enqueued,
        started,
        completed: state::now_string(),
        process_micros: u64::try_from(outcome.elapsed.as_micros()).unwrap_or(u64::MAX),
        tool_calls: context.tool_calls,
    }
}

/// Prints tasks keyed by unit, and fails like `juju run` when a task's return code is ≥ 1.
fn task_output(tasks: &[TaskRecord], format: Option<&str>) -> Output {
    let mut by_unit = Map::new();
    for task in tasks {
        by_unit.insert(task.unit.clone(), task.to_json());
    }
    let failed: Vec<&TaskRecord> = tasks
        .iter()
        .filter(|t| {
            t.results
                .get("return-code")
                .and_then(Value::as_i64)
                .is_some_and(|c| c >= 1)
        })
        .collect();
    let stdout = match format {
        Some("json") => format!("{}\n", Value::Object(by_unit)),
        Some("yaml") => serde_saphyr::to_string(&Value::Object(by_unit)).unwrap_or_default(),
        _ => plain_tasks(tasks),
    };
    let mut output = Output::out(stdout);
    if !failed.is_empty() {
        output.code = 1;
        output.stderr = "ERROR the following task failed:\n".to_owned();
        for task in failed {
            let code = task
                .results
                .get("return-code")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            output
                .stderr
                .push_str(&format!(" - id \"{}\" with return code {code}\n", task.id));
        }
        output
            .stderr
            .push_str("\nuse 'juju show-task' to inspect the failure\n");
    }
    output
}

fn plain_tasks(tasks: &[TaskRecord]) -> String {
    let mut out = String::new();
    for task in tasks {
        if task.status != "completed" {
            out.push_str(&format!("Action id {} failed: {}\n", task.id, task.message));
        }
        let visible: Map<String, Value> = task
            .results
            .iter()
            .filter(|(k, _)| !["return-code", "stdout", "stderr"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !visible.is_empty() {
            out.push_str(&serde_saphyr::to_string(&Value::Object(visible)).unwrap_or_default());
        }
        for key in ["stdout", "stderr"] {
            if let Some(Value::String(text)) = task.results.get(key) {
                out.push_str(text);
            }
        }
    }
    out
}

fn run(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["params"], true),
            (&["wait"], true),
            (&["string-args"], false),
            (&["background"], false),
            (&["utc"], false),
            (&["quiet"], false),
            (&["o", "output"], true),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    if a.positional.len() < 2 {
        return Err(usage(
            "no action specified: juju run <unit> [<unit> ...] <action> [key=value ...]",
        ));
    }
    let action_index = a
        .positional
        .iter()
        .position(|p| !p.contains('/'))
        .unwrap_or(a.positional.len() - 1);
    let units = &a.positional[..action_index];
    if units.is_empty() {
        return Err(usage("no unit specified"));
    }
    let action = &a.positional[action_index];
    if !ops::results::is_valid_segment(action) {
        return Err(usage(format!("invalid action name \"{action}\"")));
    }
    let mut params = Map::new();
    if let Some(file) = a.get("params") {
        let text = fs::read_to_string(file)
            .map_err(|e| run_error(format!("cannot read params file {file:?}: {e}")))?;
        match serde_saphyr::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => params = map,
            Ok(Value::Null) => {}
            Ok(_) => {
                return Err(run_error(format!(
                    "params file {file:?} must hold a mapping"
                )));
            }
            Err(e) => return Err(run_error(format!("invalid params file {file:?}: {e}"))),
        }
    }
    parse_action_args(
        &a.positional[action_index + 1..],
        a.has("string-args"),
        &mut params,
    )?;

    let mut tasks = Vec::new();
    let mut stderr = String::new();
    for unit_arg in units {
        let (app_name, number) = model.resolve_unit(unit_arg)?;
        let unit_name = format!("{app_name}/{number}");
        let app = model.app(&app_name)?;
        let charm_dir = model.unit_dir(&app_name, number).join("charm");
        let info = charm::read_info(&charm_dir)?;
        let id = model.next_id()?;
        let prepared =
            match validate_params(&info, action, &unit_name, Value::Object(params.clone())) {
                Ok(p) => p,
                Err(error) => {
                    // Juju 3.6: an enqueue failure prints to stderr, leaves stdout empty, exits 0.
                    return Ok(Output {
                        stderr: format!("Operation {id} failed to schedule any tasks:\n{error}\n"),
                        ..Output::default()
                    });
                }
            };
        stderr.push_str(&format!("Running operation {id} with 1 task\n  - task {id} on unit-{app_name}-{number}\n\nWaiting for task {id}...\n"));
        let enqueued = state::now_string();
        let _lock = state::lock(&model.unit_dir(&app_name, number).join("unit.lock"))?;
        let started = state::now_string();
        let outcome = agent::run(
            &model,
            &app,
            &info,
            number,
            Kind::Action {
                name: action.clone(),
                id,
                params: prepared,
            },
        )?;
        let success =
            outcome.exit_code == Some(0) && !outcome.missing && outcome.spawn_error.is_none();
        finish_unit(&model, &outcome, success, None)?;
        let task = finish_task(id, &unit_name, action, enqueued, started, &outcome);
        state::write_json(&model.task_path(id), &task)?;
        for line in &task.log {
            stderr.push_str(line.get(30..).unwrap_or(line));
            stderr.push('\n');
        }
        tasks.push(task);
    }
    let mut output = task_output(&tasks, a.get("format"));
    output.stderr = stderr + &output.stderr;
    Ok(output)
}

fn show_task(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["wait"], true),
            (&["watch"], false),
            (&["utc"], false),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let [id] = a.positional.as_slice() else {
        return Err(usage("show-task needs a task id"));
    };
    let number: u64 = id
        .parse()
        .map_err(|_| usage(format!("invalid task id {id:?}")))?;
    let task: TaskRecord = state::read_json(&model.task_path(number))
        .map_err(|_| run_error(format!("task {id} not found")))?;
    let value = task.to_json();
    Ok(Output::out(match a.get("format") {
        Some("json") => format!("{value}\n"),
        _ => serde_saphyr::to_string(&value).unwrap_or_default(),
    }))
}

fn exec(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["u", "unit"], true),
            (&["a", "app", "application"], true),
            (&["wait"], true),
            (&["all"], false),
            (&["machine"], true),
            (&["o", "output"], true),
            (&["execution-group"], true),
            (&["parallel"], false),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    if a.positional.is_empty() {
        return Err(usage("no commands specified"));
    }
    let command = a.positional.join(" ");
    let mut targets: Vec<String> = a.all("unit").into_iter().map(str::to_owned).collect();
    for app in a.all("application") {
        let record = model.app(app)?;
        targets.extend(record.units.iter().map(|n| format!("{app}/{n}")));
    }
    if targets.is_empty() {
        return Err(usage(
            "you must specify a target, either through --all, --machine, --application or --unit",
        ));
    }
    let mut tasks = Vec::new();
    for target in targets {
        let (app_name, number) = model.resolve_unit(&target)?;
        let app = model.app(&app_name)?;
        let info = charm::read_info(&model.unit_dir(&app_name, number).join("charm"))?;
        let id = model.next_id()?;
        let enqueued = state::now_string();
        let _lock = state::lock(&model.unit_dir(&app_name, number).join("unit.lock"))?;
        let started = state::now_string();
        let outcome = agent::run(
            &model,
            &app,
            &info,
            number,
            Kind::Exec {
                command: command.clone(),
            },
        )?;
        finish_unit(&model, &outcome, outcome.exit_code == Some(0), None)?;
        let mut task = finish_task(
            id,
            &format!("{app_name}/{number}"),
            "juju-exec",
            enqueued,
            started,
            &outcome,
        );
        if task.status == "failed" && task.message.starts_with("exit status") {
            // `juju exec` reports the command's exit in return-code, not as a task failure message.
            task.message.clear();
        }
        state::write_json(&model.task_path(id), &task)?;
        tasks.push(task);
    }
    Ok(task_output(&tasks, a.get("format")))
}

fn debug_log(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            (&["replay"], false),
            (&["no-tail"], false),
            (&["tail"], false),
            (&["n", "lines", "limit"], true),
            (&["i", "include"], true),
            (&["level"], true),
            (&["utc"], false),
            (&["date"], false),
            (&["ms"], false),
            (&["color"], false),
            (&["no-color"], false),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let includes: Vec<String> = a
        .all("include")
        .into_iter()
        .map(|i| i.replace('/', "-").trim_start_matches("unit-").to_owned())
        .collect();
    let mut lines = Vec::new();
    for app in model.app_names() {
        let record = model.app(&app)?;
        for number in record.units {
            let tag = format!("{app}-{number}");
            if !includes.is_empty() && !includes.iter().any(|i| *i == tag || *i == app) {
                continue;
            }
            if let Ok(text) = fs::read_to_string(model.unit_dir(&app, number).join("log")) {
                lines.extend(text.lines().map(str::to_owned));
            }
        }
    }
    if let Some(limit) = a.get("limit") {
        let limit: usize = limit
            .parse()
            .map_err(|_| usage(format!("invalid --limit {limit:?}")))?;
        let skip = lines.len().saturating_sub(limit);
        lines.drain(..skip);
    }
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    Ok(Output::out(out))
}

fn config(home: &Home, args: &[String]) -> Result<Output> {
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
        return Ok(Output::out(match a.get("format") {
            Some("json") => format!("{value}\n"),
            _ => serde_saphyr::to_string(&value).unwrap_or_default(),
        }));
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

/// The task message for a charm process killed by a signal: Juju's uniter turns SIGTERM and
/// SIGKILL into its `terminated` error; other signals read as Go's `exec.ExitError` does.
fn signal_message(signal: Option<i32>) -> String {
    match signal {
        Some(9 | 15) => "terminated".to_owned(),
        Some(2) => "signal: interrupt".to_owned(),
        Some(6) => "signal: aborted".to_owned(),
        Some(11) => "signal: segmentation fault".to_owned(),
        Some(n) => format!("signal: {n}"),
        None => "terminated".to_owned(),
    }
}
