//! The hook tools: the client side (this binary run as `action-get`, `juju-log`, …, sending its
//! arguments to the agent's socket) and the agent side ([`execute`]), with Juju's grammar,
//! output formats and exit codes (Juju's `jujuc` tools; exit codes from juju/cmd).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;

use serde_json::{Map, Value};

use crate::agent::{Context, ToolRequest, ToolResponse};
use crate::args::{Args, FlagSpec};
use crate::error::Fail;
use crate::gojson;
use crate::state;

/// Every hook tool this local Juju provides.
pub const NAMES: [&str; 17] = [
    "action-get",
    "action-set",
    "action-log",
    "action-fail",
    "juju-log",
    "status-set",
    "status-get",
    "application-version-set",
    "config-get",
    "is-leader",
    "leader-get",
    "leader-set",
    "state-get",
    "state-set",
    "state-delete",
    "unit-get",
    "resource-get",
];

/// Runs as a hook tool: forwards the call to the agent and relays its answer.
pub fn client_main(tool: &str, args: Vec<String>) -> i32 {
    let fail = |message: String| {
        eprintln!("ERROR {message}");
        1
    };
    let Ok(context_id) = std::env::var("JUJU_CONTEXT_ID") else {
        return fail("JUJU_CONTEXT_ID not set".into());
    };
    let Ok(address) = std::env::var("JUJU_AGENT_SOCKET_ADDRESS") else {
        return fail("JUJU_AGENT_SOCKET_ADDRESS not set".into());
    };
    // `resource-get` is checked and counted by the agent, then fetched here: the file is copied
    // into the unit's directory by the unit's own process ([`crate::resources::resource_get`]).
    let resource_name = (tool == "resource-get").then(|| args.first().cloned().unwrap_or_default());
    let request = ToolRequest {
        context_id,
        tool: tool.to_owned(),
        args,
    };
    let response = (|| -> std::io::Result<ToolResponse> {
        let mut stream = UnixStream::connect(&address)?;
        let text = serde_json::to_string(&request).map_err(std::io::Error::other)?;
        stream.write_all(text.as_bytes())?;
        stream.write_all(b"\n")?;
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line)?;
        serde_json::from_str(&line).map_err(std::io::Error::other)
    })();
    match response {
        Ok(response) if response.code == 0 && resource_name.is_some() => {
            let name = resource_name.unwrap_or_default();
            match crate::resources::resource_get(&name) {
                Ok(path) => {
                    print!("{path}");
                    let _ = std::io::stdout().flush();
                    0
                }
                Err(e) => {
                    eprintln!("ERROR {}", e.message);
                    e.code
                }
            }
        }
        Ok(response) => {
            print!("{}", response.stdout);
            eprint!("{}", response.stderr);
            let _ = std::io::stdout().flush();
            response.code
        }
        Err(e) => fail(format!("cannot reach the unit agent at {address}: {e}")),
    }
}

const FORMAT: FlagSpec = &[(&["format"], true), (&["o", "output"], true)];

type Reply = Result<String, Fail>;

fn ok(stdout: impl Into<String>) -> Reply {
    Ok(stdout.into())
}

fn usage_err(message: impl Into<String>) -> Reply {
    Err(crate::error::usage(message))
}

fn run_err(message: impl Into<String>) -> Reply {
    Err(crate::error::run_error(message))
}

/// Prints a value in `smart` (default), `json` or `yaml` format, as juju/cmd does with the
/// value Go holds (numbers are float64: `5`, not `5.0`; YAML via yaml.v2, JSON via
/// `json.Marshal`). `smart` prints strings raw, booleans as `True`/`False`, nil as nothing and
/// anything else (maps, lists, numbers) as YAML.
fn format_value(value: &Value, format: Option<&str>) -> Reply {
    let value = &gojson::as_float64(value.clone());
    match format.unwrap_or("smart") {
        "json" => ok(format!("{}\n", gojson::marshal(value))),
        "yaml" => ok(match value {
            Value::Null => String::new(),
            other => gojson::yaml(other),
        }),
        "smart" => ok(match value {
            Value::Null => String::new(),
            Value::String(s) if s.is_empty() => String::new(),
            Value::String(s) => format!("{s}\n"),
            Value::Bool(true) => "True\n".into(),
            Value::Bool(false) => "False\n".into(),
            other => gojson::yaml(other),
        }),
        other => usage_err(format!(
            "invalid value \"{other}\" for option --format: unknown format \"{other}\""
        )),
    }
}

fn unrecognized(args: &[String]) -> Reply {
    let quoted: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
    usage_err(format!("unrecognized args: [{}]", quoted.join(" ")))
}

/// Runs one tool call against the context.
pub fn execute(context: &mut Context, tool: &str, args: &[String]) -> ToolResponse {
    let reply = dispatch(context, tool, args);
    match reply {
        Ok(stdout) => ToolResponse {
            code: 0,
            stdout,
            stderr: String::new(),
        },
        Err(fail) => ToolResponse {
            code: fail.code,
            stdout: String::new(),
            stderr: format!("ERROR {}\n", fail.message),
        },
    }
}

fn dispatch(context: &mut Context, tool: &str, args: &[String]) -> Reply {
    match tool {
        "action-get" => action_get(context, args),
        "action-set" => action_set(context, args),
        "action-log" => action_log(context, args),
        "action-fail" => action_fail(context, args),
        "juju-log" => juju_log(context, args),
        "status-set" => status_set(context, args),
        "status-get" => status_get(context, args),
        "application-version-set" => {
            let a = Args::parse(args, &[])?;
            match a.positional.as_slice() {
                [version] => {
                    context.unit.version = version.clone();
                    ok("")
                }
                [] => usage_err("no version specified"),
                [_, rest @ ..] => unrecognized(rest),
            }
        }
        "config-get" => config_get(context, args),
        "is-leader" => {
            let a = Args::parse(args, FORMAT)?;
            format_value(&Value::Bool(context.unit.leader), a.get("format"))
        }
        "leader-get" => {
            let a = Args::parse(args, FORMAT)?;
            get_from(&Value::Object(context.leader_settings.clone()), &a)
        }
        "leader-set" => {
            let a = Args::parse(args, &[])?;
            let pairs = key_values(&a.positional)?;
            if !context.unit.leader {
                return run_err(
                    "cannot write leadership settings: cannot write settings: not the leader",
                );
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
        "state-get" => {
            let a = Args::parse(
                args,
                &[
                    (&["format"], true),
                    (&["o", "output"], true),
                    (&["strict"], false),
                ],
            )?;
            if let [key] = a.positional.as_slice()
                && key != "-"
                && a.has("strict")
                && !context.unit.charm_state.contains_key(key)
            {
                return run_err(format!("key {key:?} not found"));
            }
            get_from(&Value::Object(context.unit.charm_state.clone()), &a)
        }
        "state-set" => {
            let a = Args::parse(args, &[(&["file"], true)])?;
            for (k, v) in key_values(&a.positional)? {
                context.unit.charm_state.insert(k, Value::String(v));
            }
            ok("")
        }
        "state-delete" => {
            let a = Args::parse(args, &[])?;
            match a.positional.as_slice() {
                [key] => {
                    context.unit.charm_state.remove(key);
                    ok("")
                }
                [] => usage_err("no key specified"),
                [_, rest @ ..] => unrecognized(rest),
            }
        }
        "unit-get" => {
            let a = Args::parse(args, FORMAT)?;
            match a.positional.as_slice() {
                [s] if s == "private-address" || s == "public-address" => {
                    format_value(&Value::String("127.0.0.1".into()), a.get("format"))
                }
                [s] => usage_err(format!("unknown setting {s:?}")),
                [] => usage_err("no setting specified"),
                [_, rest @ ..] => unrecognized(rest),
            }
        }
        "resource-get" => {
            // Juju's `Init`; the file itself is fetched by the tool's own process.
            let a = Args::parse(args, &[])?;
            match a.positional.as_slice() {
                [] => usage_err("missing required resource name"),
                [_] => ok(""),
                [_, rest @ ..] => unrecognized(rest),
            }
        }
        other => run_err(format!("unknown hook tool {other:?}")),
    }
}

fn get_from(map: &Value, a: &Args) -> Reply {
    match a.positional.as_slice() {
        [] => format_value(map, a.get("format")),
        [key] if key == "-" => format_value(map, a.get("format")),
        [key] => format_value(
            map.get(key.as_str()).unwrap_or(&Value::Null),
            a.get("format"),
        ),
        [_, rest @ ..] => unrecognized(rest),
    }
}

/// `key=value` pairs as juju/utils `keyvalues.Parse` reads them.
fn key_values(args: &[String]) -> Result<Vec<(String, String)>, Fail> {
    let mut out: Vec<(String, String)> = Vec::new();
    for arg in args {
        let Some((k, v)) = arg.split_once('=') else {
            return Err(crate::error::usage(format!(
                "expected \"key=value\", got {arg:?}"
            )));
        };
        if k.is_empty() {
            return Err(crate::error::usage(format!(
                "expected \"key=value\", got {arg:?}"
            )));
        }
        if out.iter().any(|(existing, _)| existing == k) {
            return Err(crate::error::usage(format!(
                "key {k:?} specified more than once"
            )));
        }
        out.push((k.to_owned(), v.to_owned()));
    }
    Ok(out)
}

fn require_action(context: &Context) -> Result<(), Fail> {
    if context.is_action() {
        Ok(())
    } else {
        Err(crate::error::run_error("not running an action"))
    }
}

fn action_get(context: &mut Context, args: &[String]) -> Reply {
    let a = Args::parse(args, FORMAT)?;
    // `Init` (exit 2) runs before `Run` asks for the params (exit 1 outside an action).
    if let [_, rest @ ..] = a.positional.as_slice()
        && !rest.is_empty()
    {
        return unrecognized(rest);
    }
    require_action(context)?;
    let params = context.params().cloned().unwrap_or_else(gojson::empty);
    match a.positional.as_slice() {
        [key] => {
            let mut node = &params;
            for segment in key.split('.') {
                node = node.get(segment).unwrap_or(&Value::Null);
            }
            format_value(node, a.get("format"))
        }
        _ => format_value(&params, a.get("format")),
    }
}

/// `action-set`'s `Init`: every argument is checked (exit 2) before anything is set, and an
/// error names the failing key segment, as Juju's does.
fn action_set(context: &mut Context, args: &[String]) -> Reply {
    const RESERVED: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];
    let a = Args::parse(args, &[])?;
    let mut pairs = Vec::new();
    for arg in &a.positional {
        let Some((key, value)) = arg.split_once('=') else {
            return usage_err(format!("argument {arg:?} must be of the form key...=value"));
        };
        for segment in key.split('.') {
            if !ops::results::is_valid_segment(segment) {
                return usage_err(format!(
                    "key {segment:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"
                ));
            }
            if RESERVED.contains(&segment) {
                return usage_err(format!("cannot set reserved action key \"{segment}\""));
            }
        }
        pairs.push((key.to_owned(), value.to_owned()));
    }
    require_action(context)?;
    context.results.extend(pairs);
    ok("")
}

fn action_log(context: &mut Context, args: &[String]) -> Reply {
    let a = Args::parse(args, &[])?;
    if a.positional.is_empty() {
        return usage_err("no message specified");
    }
    require_action(context)?;
    let message = a.positional.join(" ");
    context
        .log
        .push(format!("{} {message}", state::now_string()));
    ok("")
}

fn action_fail(context: &mut Context, args: &[String]) -> Reply {
    let a = Args::parse(args, &[])?;
    let message = match a.positional.as_slice() {
        [] => "action failed without reason given, check action for errors".to_owned(),
        [message] => message.clone(),
        [_, rest @ ..] => return unrecognized(rest),
    };
    require_action(context)?;
    context.failed = Some(message);
    ok("")
}

fn juju_log(context: &mut Context, args: &[String]) -> Reply {
    let a = Args::parse(
        args,
        &[
            (&["debug"], false),
            (&["l", "log-level"], true),
            (&["format"], true),
        ],
    )?;
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
            Some(_) => "INFO".to_owned(),
        }
    };
    context.unit_log(&level, "juju-log", &a.positional.join(" "));
    ok("")
}

fn status_set(context: &mut Context, args: &[String]) -> Reply {
    let a = Args::parse(args, &[(&["application"], false)])?;
    let (status, message) = match a.positional.as_slice() {
        [] => return usage_err("invalid args, require <status> [message]"),
        [status] => (status.clone(), String::new()),
        [status, message] => (status.clone(), message.clone()),
        [_, _, rest @ ..] => return unrecognized(rest),
    };
    if !["maintenance", "blocked", "waiting", "active"].contains(&status.as_str()) {
        return usage_err(format!(
            "invalid status {status:?}, expected one of [maintenance blocked waiting active]"
        ));
    }
    if a.has("application") && !context.unit.leader {
        return run_err("setting application status: this unit is not the leader");
    }
    context.unit.workload = state::Status::new(&status, &message);
    context.unit.status_set_by_charm = true;
    ok("")
}

fn status_get(context: &mut Context, args: &[String]) -> Reply {
    let a = Args::parse(
        args,
        &[
            (&["format"], true),
            (&["include-data"], false),
            (&["application"], false),
        ],
    )?;
    let status = &context.unit.workload;
    if a.get("format").is_some_and(|f| f != "smart") || a.has("include-data") {
        let value = serde_json::json!({"status": status.current, "message": status.message, "status-data": {}});
        return format_value(&value, a.get("format").or(Some("yaml")));
    }
    ok(format!("{}\n", status.current))
}

fn config_get(context: &mut Context, args: &[String]) -> Reply {
    let a = Args::parse(
        args,
        &[
            (&["format"], true),
            (&["o", "output"], true),
            (&["a", "all"], false),
        ],
    )?;
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
