//! The hook tools: the client side (this binary run as `action-get`, `juju-log`, …, sending its
//! arguments to the agent's socket) and the agent side ([`execute`]), with Juju's grammar,
//! output formats and exit codes (Juju's `jujuc` tools; exit codes from juju/cmd).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;

use serde_json::Value;

use crate::agent::{Context, FileArg, ToolRequest, ToolResponse};
use crate::args::{Args, FlagSpec};
use crate::error::Fail;
use crate::gojson;

mod action;
mod relation;
mod secret;
mod unit;
// Storage, ports and network.
mod network;
mod ports;
mod storage;

pub use network::bindings;

/// Every hook tool this local Juju provides.
pub const NAMES: [&str; 37] = [
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
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "relation-model-get",
    // Storage, ports and network.
    "storage-get",
    "storage-list",
    "storage-add",
    "open-port",
    "close-port",
    "opened-ports",
    "network-get",
    // Secrets.
    "secret-add",
    "secret-set",
    "secret-get",
    "secret-remove",
    "secret-grant",
    "secret-revoke",
    "secret-ids",
    "secret-info-get",
];

/// The tools that take `--file` (a YAML map of settings, `-` for stdin), which their client
/// reads.
const FILE_TOOLS: [&str; 2] = ["relation-set", "state-set"];

/// The `--file` value among a tool's arguments (the last one given; flags end at `--`).
fn file_flag(args: &[String]) -> Option<String> {
    let mut found = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--" => break,
            "--file" | "-file" => found = iter.next().cloned(),
            other => {
                if let Some(v) = other
                    .strip_prefix("--file=")
                    .or_else(|| other.strip_prefix("-file="))
                {
                    found = Some(v.to_owned());
                }
            }
        }
    }
    found
}

/// Reads a tool's `--file`: stdin for `-`, else the file, relative to the tool's working
/// directory (juju/cmd's `FileVar`); a failure is reported as Juju reports it.
fn read_file_arg(path: &str) -> FileArg {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    match read {
        Ok(()) => match String::from_utf8(bytes) {
            Ok(text) => FileArg::Content(text),
            Err(_) => FileArg::Error(format!("{path}: the file is not valid UTF-8")),
        },
        Err(e) => FileArg::Error(format!(
            "open {path}: {}",
            crate::resources::go_io_error(&e)
        )),
    }
}

/// Reads a secret tool's file (`--file`, `key#file=path`), relative to the tool's working
/// directory, as bytes (`-` is a file's name here, as `os.ReadFile` reads it).
fn read_bytes_arg(path: &str) -> FileArg {
    use base64::Engine;
    match std::fs::read(path) {
        Ok(bytes) => FileArg::Base64(base64::prelude::BASE64_STANDARD.encode(bytes)),
        Err(e) => FileArg::Error(format!(
            "open {path}: {}",
            crate::resources::go_io_error(&e)
        )),
    }
}

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
    let file = if FILE_TOOLS.contains(&tool) {
        file_flag(&args).map(|path| read_file_arg(&path))
    } else if secret::CONTENT_TOOLS.contains(&tool) {
        file_flag(&args).map(|path| read_bytes_arg(&path))
    } else {
        None
    };
    let files = if secret::CONTENT_TOOLS.contains(&tool) {
        secret::file_values(&args)
            .into_iter()
            .map(|path| {
                let read = read_bytes_arg(&path);
                (path, read)
            })
            .collect()
    } else {
        Default::default()
    };
    let request = ToolRequest {
        context_id,
        tool: tool.to_owned(),
        args,
        file,
        files,
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
    // A flag the local Juju's tools take but cannot honour is refused by name, not ignored.
    if a.get("output").is_some() {
        return Err(crate::error::usage(
            "--output is not supported by the local Juju: the hook tools here print to stdout; redirect it",
        ));
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
        other => Err(unknown_format(other)),
    }
}

/// cmd.Output's `--format` check (a flag error, exit 2), made before `Init` looks at arguments.
fn check_format(format: Option<&str>) -> Result<(), Fail> {
    match format {
        None | Some("smart" | "json" | "yaml") => Ok(()),
        Some(other) => Err(unknown_format(other)),
    }
}

/// cmd.Output's error for a `--format` the tool does not have (a flag error, exit 2).
fn unknown_format(format: &str) -> Fail {
    crate::error::usage(format!(
        "invalid value \"{format}\" for option --format: unknown format \"{format}\""
    ))
}

fn unrecognized(args: &[String]) -> Reply {
    let quoted: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
    usage_err(format!("unrecognized args: [{}]", quoted.join(" ")))
}

/// Runs one tool call against the context (`file`: what the client read for `--file`; `files`:
/// what it read for `key#file=path` arguments).
pub fn execute(
    context: &mut Context,
    tool: &str,
    args: &[String],
    file: Option<&FileArg>,
    files: &std::collections::BTreeMap<String, FileArg>,
) -> ToolResponse {
    let reply = match tool {
        "secret-add" => secret::secret_add(context, args, file, files),
        "secret-set" => secret::secret_set(context, args, file, files),
        _ => dispatch(context, tool, args, file),
    };
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

fn dispatch(context: &mut Context, tool: &str, args: &[String], file: Option<&FileArg>) -> Reply {
    match tool {
        "relation-ids" => relation::relation_ids(context, args),
        "relation-list" => relation::relation_list(context, args),
        "relation-get" => relation::relation_get(context, args),
        "relation-set" => relation::relation_set(context, args, file),
        "relation-model-get" => relation::relation_model_get(context, args),
        "secret-get" => secret::secret_get(context, args),
        "secret-remove" => secret::secret_remove(context, args),
        "secret-grant" => secret::secret_grant(context, args),
        "secret-revoke" => secret::secret_revoke(context, args),
        "secret-ids" => secret::secret_ids(context, args),
        "secret-info-get" => secret::secret_info_get(context, args),
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
        "state-set" => unit::state_set(context, args, file),
        "state-delete" => unit::state_delete(context, args),
        "unit-get" => unit::unit_get(context, args),
        // Storage, ports and network.
        "storage-get" => storage::storage_get(context, args),
        "storage-list" => storage::storage_list(context, args),
        "storage-add" => storage::storage_add(context, args),
        "open-port" | "close-port" => ports::port(context, tool, args),
        "opened-ports" => ports::opened_ports(context, args),
        "network-get" => network::network_get(context, args),
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

/// The settings in a `--file` (a YAML map of strings, as `yaml.v2` reads one into a
/// `map[string]string`: scalars as their text, `null` as empty); `None` without `--file`.
fn settings_from_file(
    a: &Args,
    file: Option<&FileArg>,
) -> Result<Option<std::collections::BTreeMap<String, String>>, Fail> {
    if a.get("file").is_none() {
        return Ok(None);
    }
    let text = match file {
        Some(FileArg::Content(text)) => text,
        Some(FileArg::Error(message)) => return Err(crate::error::run_error(message.clone())),
        Some(FileArg::Base64(_)) => {
            return Err(crate::error::run_error(
                "the --file content did not reach the agent as text",
            ));
        }
        None => {
            return Err(crate::error::run_error(
                "the --file content did not reach the agent",
            ));
        }
    };
    yaml_settings(text)
        .map(Some)
        .map_err(crate::error::run_error)
}

/// `yaml.Unmarshal` of a settings file into `map[string]string`, with yaml.v2's messages for
/// what does not fit.
pub(crate) fn yaml_settings(
    text: &str,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut out = std::collections::BTreeMap::new();
    if text.trim().is_empty() {
        return Ok(out);
    }
    // Scalars as strings keep their text (`1.50`, `yes`), as yaml.v2 decodes them.
    if let Ok(map) =
        serde_saphyr::from_str::<std::collections::BTreeMap<String, Option<String>>>(text)
    {
        return Ok(map
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect());
    }
    // Only the first document counts, as yaml.v2's Unmarshal reads only the first.
    let value: Value = match serde_saphyr::from_str(text) {
        Ok(v) => v,
        Err(e) => match serde_saphyr::from_multiple::<Value>(text) {
            Ok(mut docs) if !docs.is_empty() => docs.remove(0),
            Ok(_) => return Ok(out),
            // yaml.v2 reads the first node and stops: what follows a flow mapping is not read.
            Err(_) => match first_flow_node(text) {
                Some(first) if first.len() < text.len() => return yaml_settings(first),
                _ => return Err(format!("yaml: {e}")),
            },
        },
    };
    let tag = |v: &Value| match v {
        Value::Null => "!!null",
        Value::Bool(_) => "!!bool",
        Value::Number(n) if n.is_f64() => "!!float",
        Value::Number(_) => "!!int",
        Value::String(_) => "!!str",
        Value::Array(_) => "!!seq",
        Value::Object(_) => "!!map",
    };
    let shown = |v: &Value| {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Array(_) | Value::Object(_) => return String::new(),
            other => other.to_string(),
        };
        let text = if text.chars().count() > 10 {
            format!("{}...", text.chars().take(7).collect::<String>())
        } else {
            text
        };
        format!(" `{text}`")
    };
    let map = match value {
        Value::Null => return Ok(out),
        Value::Object(map) => map,
        other => {
            return Err(format!(
                "yaml: unmarshal errors:\n  line 1: cannot unmarshal {}{} into map[string]string",
                tag(&other),
                shown(&other)
            ));
        }
    };
    let mut errors = Vec::new();
    for (k, v) in map {
        match v {
            Value::String(s) => {
                out.insert(k, s);
            }
            Value::Null => {
                out.insert(k, String::new());
            }
            Value::Bool(_) | Value::Number(_) => {
                out.insert(k, v.to_string());
            }
            other => errors.push(format!(
                "  line 1: cannot unmarshal {} into string",
                tag(&other)
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(format!("yaml: unmarshal errors:\n{}", errors.join("\n")))
    }
}

/// The text up to the end of a leading flow mapping or sequence (quotes and comments skipped),
/// if the text starts with one.
fn first_flow_node(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut started = false;
    for (i, c) in text.char_indices() {
        if comment {
            comment = c != '\n';
            continue;
        }
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '#' => comment = true,
            '\'' | '"' if started => quote = Some(c),
            '{' | '[' => {
                started = true;
                depth += 1;
            }
            '}' | ']' if started => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(&text[..=i]);
                }
            }
            c if !started && !c.is_whitespace() => return None,
            _ => {}
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::yaml_settings;

    #[test]
    fn settings_files_read_as_yaml_v2_reads_a_string_map() {
        // relation-set_test.go TestInit's file cases.
        let ok = |text: &str| yaml_settings(text).unwrap();
        assert_eq!(ok("{foo: bar, spam: eggs}").len(), 2);
        assert!(ok("").is_empty());
        assert!(ok("{}").is_empty());
        assert_eq!(ok("{a: b}\n---\n{c: d}").len(), 1);
        assert_eq!(ok("{a: b}\n{c: d}").len(), 1);
        assert_eq!(ok("{foo: 'bar baz'}")["foo"], "bar baz");
        assert_eq!(
            ok("{foo: foo=bar, base64: YmFzZTY0IGV4YW1wbGU=}")["base64"],
            "YmFzZTY0IGV4YW1wbGU="
        );
        assert_eq!(ok("{foo: '[x]', bar: '{y}'}")["bar"], "{y}");
        assert_eq!(
            ok("\n {  \n # a comment \n\n  \nfoo: bar,  \nham: eggs,\n\n  good: bad,\nup: down, left: right\n}\n").len(),
            5
        );
        // Scalars keep their text, as yaml.v2 decodes them into a string.
        let m = ok("{n: 123, f: 1.50, b: yes}");
        assert_eq!(
            (m["n"].as_str(), m["f"].as_str(), m["b"].as_str()),
            ("123", "1.50", "yes")
        );
        assert_eq!(
            yaml_settings("foo=bar ham=eggs good=bad").unwrap_err(),
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `foo=bar...` into map[string]string"
        );
        assert_eq!(
            yaml_settings("haha").unwrap_err(),
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `haha` into map[string]string"
        );
        assert_eq!(
            yaml_settings("[haha]").unwrap_err(),
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]string"
        );
    }
}
