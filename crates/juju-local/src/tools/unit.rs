//! The unit's own hook tools: logging, workload status, config, leadership, charm state, the
//! workload version and addresses, each with the `Init` (exit 2) and `Run` (exit 1) checks of
//! Juju's `jujuc` command of the same name.

use serde_json::{Map, Value};

use super::{
    FORMAT, Reply, check_format, format_value, get_from, key_values, ok, parse, run_err,
    settings_from_file, unrecognized, usage_err,
};
use crate::agent::{Context, FileArg};
use crate::state;

const JUJU_LOG_FLAGS: crate::args::FlagSpec = &[
    (&["debug"], false),
    (&["l", "log-level"], true),
    (&["format"], true),
];

/// What a successful call prints on stderr: `juju-log`'s and `relation-set`'s notice for their
/// deprecated `--format` flag (no newline, as Juju's `fmt.Fprintf`).
pub(super) fn notice(tool: &str, args: &[String]) -> String {
    let spec = match tool {
        "juju-log" => JUJU_LOG_FLAGS,
        "relation-set" => super::relation::RELATION_SET_FLAGS,
        "open-port" | "close-port" => super::ports::PORT_FLAGS,
        _ => return String::new(),
    };
    match parse(args, spec) {
        Ok(a) if a.get("format").is_some_and(|f| !f.is_empty()) => {
            format!("--format flag deprecated for command {tool:?}")
        }
        _ => String::new(),
    }
}

pub(super) fn juju_log(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, JUJU_LOG_FLAGS)?;
    if a.positional.is_empty() {
        return usage_err("no message specified");
    }
    let level = if a.has("debug") {
        "DEBUG".to_owned()
    } else {
        match a.get("log-level").map(str::to_uppercase).as_deref() {
            None => "INFO".to_owned(),
            Some("WARN") => "WARNING".to_owned(),
            Some(l @ ("TRACE" | "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL")) => {
                l.to_owned()
            }
            Some(_) => {
                let given = a.get("log-level").unwrap_or_default();
                let warning = format!("Specified log level of {given:?} is not valid");
                context.unit_log("WARNING", "juju-log", &warning);
                "INFO".to_owned()
            }
        }
    };
    context.unit_log(&level, "juju-log", &a.positional.join(" "));
    ok("")
}

/// `status-set`'s `Init`: the status is checked before any extra argument.
pub(super) fn status_set(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, &[(&["application"], false)])?;
    let Some(status) = a.positional.first() else {
        return usage_err("invalid args, require <status> [message]");
    };
    if !["maintenance", "blocked", "waiting", "active"].contains(&status.as_str()) {
        return usage_err(format!(
            "invalid status {status:?}, expected one of [maintenance blocked waiting active]"
        ));
    }
    let message = match a.positional.as_slice() {
        [_] => String::new(),
        [_, message] => message.clone(),
        [_, _, rest @ ..] => return unrecognized(rest),
        [] => String::new(),
    };
    if a.has("application") {
        if !context.unit.leader {
            return run_err("setting application status: this unit is not the leader");
        }
        context.app_status = Some(state::Status::new(status, &message));
        context.app_status_changed = true;
        return ok("");
    }
    context.unit.workload = state::Status::new(status, &message);
    context.unit.status_set_by_charm = true;
    ok("")
}

/// `status-get`: the bare status in `smart` format without `--include-data`, otherwise a map of
/// `status` (plus `message` and `status-data` with `--include-data`).
pub(super) fn status_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(
        args,
        &[
            (&["format"], true),
            (&["o", "output"], true),
            (&["include-data"], false),
            (&["application"], false),
        ],
    )?;
    check_format(a.get("format"))?;
    if !a.positional.is_empty() {
        return unrecognized(&a.positional);
    }
    let unknown = state::Status::new("unknown", "");
    let status = if a.has("application") {
        context.app_status.as_ref().unwrap_or(&unknown)
    } else {
        &context.unit.workload
    };
    let format = a.get("format").unwrap_or("smart");
    if !a.has("include-data") && format == "smart" {
        return format_value(&Value::String(status.current.clone()), Some(format));
    }
    let mut details = Map::new();
    details.insert("status".into(), Value::String(status.current.clone()));
    if a.has("include-data") {
        details.insert("message".into(), Value::String(status.message.clone()));
        details.insert("status-data".into(), Value::Object(Map::new()));
    }
    format_value(&Value::Object(details), Some(format))
}

pub(super) fn application_version_set(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, &[])?;
    match a.positional.as_slice() {
        [version] => {
            context.unit.version = version.clone();
            ok("")
        }
        [] => usage_err("no version specified"),
        [_, rest @ ..] => unrecognized(rest),
    }
}

pub(super) fn config_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(
        args,
        &[
            (&["format"], true),
            (&["o", "output"], true),
            (&["a", "all"], false),
        ],
    )?;
    check_format(a.get("format"))?;
    match a.positional.as_slice() {
        [] => {
            let map: Map<String, Value> = context
                .config
                .iter()
                .filter(|(_, v)| a.has("all") || !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            format_value(&Value::Object(map), a.get("format"))
        }
        [key] if a.has("all") => usage_err(format!(
            "cannot use argument --all together with key {key:?}"
        )),
        [key] => format_value(
            context.config.get(key).unwrap_or(&Value::Null),
            a.get("format"),
        ),
        [_, rest @ ..] => unrecognized(rest),
    }
}

pub(super) fn is_leader(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, FORMAT)?;
    check_format(a.get("format"))?;
    if !a.positional.is_empty() {
        return unrecognized(&a.positional);
    }
    format_value(&Value::Bool(context.unit.leader), a.get("format"))
}

/// `leader-get`'s `Init` refuses a key holding `=` (a `leader-set` argument by mistake).
pub(super) fn leader_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, FORMAT)?;
    check_format(a.get("format"))?;
    if let Some(key) = a.positional.first()
        && key != "-"
        && key.contains('=')
    {
        return usage_err(format!("invalid key {key:?}"));
    }
    get_from(&Value::Object(context.leader_settings.clone()), &a)
}

pub(super) fn leader_set(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, &[])?;
    let pairs = key_values(&a.positional)?;
    if !context.unit.leader {
        return run_err("cannot write leadership settings: cannot write settings: not the leader");
    }
    for (k, v) in pairs {
        if v.is_empty() {
            context.leader_settings.remove(&k);
        } else {
            context.leader_settings.insert(k, Value::String(v));
        }
    }
    context.leader_settings_changed = true;
    ok("")
}

/// `state-get`: a missing key prints nothing, or with `--strict` fails with the context's
/// `NotFound` error (`"key" not found`).
pub(super) fn state_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(
        args,
        &[
            (&["format"], true),
            (&["o", "output"], true),
            (&["strict"], false),
        ],
    )?;
    check_format(a.get("format"))?;
    if let [key] = a.positional.as_slice()
        && key != "-"
        && a.has("strict")
        && !context.unit.charm_state.contains_key(key)
    {
        return run_err(format!("{key:?} not found"));
    }
    get_from(&Value::Object(context.unit.charm_state.clone()), &a)
}

/// `state-set [--file F|-] k=v…`: the file's settings, overridden by the arguments.
pub(super) fn state_set(context: &mut Context, args: &[String], file: Option<&FileArg>) -> Reply {
    let a = parse(args, &[(&["file"], true)])?;
    let pairs = key_values(&a.positional)?;
    let mut settings = settings_from_file(&a, file)?.unwrap_or_default();
    settings.extend(pairs);
    for (k, v) in settings {
        context.unit.charm_state.insert(k, Value::String(v));
    }
    ok("")
}

/// `state-delete`: no key (or an empty one) deletes nothing and succeeds, as Juju's does.
pub(super) fn state_delete(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, &[])?;
    match a.positional.as_slice() {
        [] => ok(""),
        [key] => {
            context.unit.charm_state.remove(key);
            ok("")
        }
        [_, rest @ ..] => unrecognized(rest),
    }
}

/// `unit-get`'s `Init` checks the setting's name before any extra argument.
pub(super) fn unit_get(_context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, FORMAT)?;
    check_format(a.get("format"))?;
    match a.positional.as_slice() {
        [] => usage_err("no setting specified"),
        [s, ..] if s != "private-address" && s != "public-address" => {
            usage_err(format!("unknown setting {s:?}"))
        }
        [_] => format_value(&Value::String("127.0.0.1".into()), a.get("format")),
        [_, rest @ ..] => unrecognized(rest),
    }
}
