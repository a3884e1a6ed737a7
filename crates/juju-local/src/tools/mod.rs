//! The hook tools: the client side (this binary run as `action-get`, `juju-log`, …, sending its
//! arguments to the agent's socket) and the agent side ([`execute`]), with Juju's grammar,
//! output formats and exit codes (Juju's `jujuc` tools; exit codes from juju/cmd).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;

use serde_json::Value;

use crate::agent::{Context, ToolRequest, ToolResponse};
use crate::args::{Args, FlagSpec};
use crate::error::Fail;
use crate::gojson;

mod action;
mod unit;

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

/// [`Args::parse`] with gnuflag's wording for a flag missing its value (`juju-log_test.go`
/// `TestLogInitMissingLevel`: "option needs an argument").
fn parse(args: &[String], spec: FlagSpec) -> Result<Args, Fail> {
    let a = Args::parse(args, spec).map_err(|mut fail| {
        if let Some(rest) = fail.message.strip_prefix("flag needs an argument: ") {
            fail.message = format!("option needs an argument: {rest}");
        }
        fail
    })?;
    // Flags the local Juju's tools take but cannot honour are refused by name, not ignored.
    for (flag, why) in [
        ("output", "the hook tools here print to stdout; redirect it"),
        ("file", "pass key=value pairs instead"),
    ] {
        if a.get(flag).is_some() {
            return Err(crate::error::usage(format!(
                "--{flag} is not supported by the local Juju: {why}"
            )));
        }
    }
    Ok(a)
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

/// cmd.Output's `--format` check (a flag error, exit 2), made before `Init` looks at arguments.
fn check_format(format: Option<&str>) -> Result<(), Fail> {
    match format {
        None | Some("smart" | "json" | "yaml") => Ok(()),
        Some(other) => Err(crate::error::usage(format!(
            "invalid value \"{other}\" for option --format: unknown format \"{other}\""
        ))),
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
            stderr: unit::notice(tool, args),
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
        "action-get" => action::action_get(context, args),
        "action-set" => action::action_set(context, args),
        "action-log" => action::action_log(context, args),
        "action-fail" => action::action_fail(context, args),
        "juju-log" => unit::juju_log(context, args),
        "status-set" => unit::status_set(context, args),
        "status-get" => unit::status_get(context, args),
        "application-version-set" => unit::application_version_set(context, args),
        "config-get" => unit::config_get(context, args),
        "is-leader" => unit::is_leader(context, args),
        "leader-get" => unit::leader_get(context, args),
        "leader-set" => unit::leader_set(context, args),
        "state-get" => unit::state_get(context, args),
        "state-set" => unit::state_set(context, args),
        "state-delete" => unit::state_delete(context, args),
        "unit-get" => unit::unit_get(context, args),
        "resource-get" => {
            // Juju's `Init`; the file itself is fetched by the tool's own process.
            let a = parse(args, &[])?;
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
