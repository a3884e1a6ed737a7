//! [`Subprocess`]: the real hook tools, run as child processes found on `PATH`, with Juju's
//! grammar. Arguments go on the command line (one argument never over Linux's limit, and
//! `action-set` in batches); the YAML maps of `relation-set` and `state-set` go on stdin
//! (`--file -`); output is read as the tools' `--format=json` prints it. The `secret-*` tools
//! are in `secret/subprocess.rs`.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Map, Value};

use super::{
    HookTools, LogLevel, StatusInfo, StatusName, StatusTarget, ToolError, ToolErrorKind, argv,
};
use crate::network::{NetworkInfo, UnitAddress};
use crate::ports::{OpenedPort, Port};
use crate::secret::{self, SecretContent, SecretInfo, SecretOptions, SecretOwner, SecretRead};
use crate::storage::StorageInfo;

/// The real hook tools, run as child processes found on `PATH`.
#[derive(Debug, Default)]
pub struct Subprocess {
    /// A `PATH` for the tools instead of the inherited one.
    path: Option<std::ffi::OsString>,
}

/// Linux refuses a single argument longer than this (`MAX_ARG_STRLEN`, 32 pages).
const MAX_ARG_LEN: usize = 131_072;
/// How many bytes of `key=value` arguments one `action-set` call carries; well below `ARG_MAX`
/// (2 MiB by default) so the environment still fits.
const ACTION_SET_BATCH: usize = 512 * 1024;

impl Subprocess {
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks the tools up in `dir` first, then on the inherited `PATH`.
    pub fn with_tools_dir(dir: &std::path::Path) -> Self {
        let mut paths = vec![dir.to_path_buf()];
        if let Some(inherited) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&inherited));
        }
        Subprocess {
            path: std::env::join_paths(paths).ok(),
        }
    }

    /// Runs `argv` (the tool, then its arguments) and returns its stdout.
    pub(crate) fn run(&self, argv: &[String]) -> Result<String, ToolError> {
        self.run_with_stdin(argv, None)
    }

    /// Runs `argv`, feeding `stdin` to it when given (for `--file -`), and returns its stdout.
    fn run_with_stdin(&self, argv: &[String], stdin: Option<&str>) -> Result<String, ToolError> {
        let (tool, args) = argv.split_first().ok_or_else(|| ToolError {
            argv: Vec::new(),
            kind: ToolErrorKind::Spawn {
                reason: "no hook tool named".to_owned(),
            },
        })?;
        if let Some(arg) = args.iter().find(|a| a.len() >= MAX_ARG_LEN) {
            return Err(ToolError {
                argv: vec![tool.clone()],
                kind: ToolErrorKind::TooLarge {
                    reason: format!(
                        "an argument is {} bytes, over the {MAX_ARG_LEN}-byte limit Linux puts on one argument",
                        arg.len()
                    ),
                },
            });
        }
        let mut command = Command::new(tool);
        if let Some(path) = &self.path {
            command.env("PATH", path);
        }
        command.args(args);
        let spawn_error = |e: std::io::Error| ToolError {
            argv: argv.to_vec(),
            kind: ToolErrorKind::Spawn {
                reason: e.to_string(),
            },
        };
        let output = match stdin {
            None => command.output().map_err(spawn_error)?,
            Some(input) => {
                let mut child = command
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(spawn_error)?;
                let mut pipe = child.stdin.take();
                // Written from another thread while this one collects the output, so neither
                // side blocks on a full pipe. A tool that exits without reading its input
                // closes the pipe: the write fails, and the exit status says what happened.
                std::thread::scope(|scope| {
                    scope.spawn(move || {
                        if let Some(pipe) = pipe.as_mut() {
                            let _ = pipe.write_all(input.as_bytes());
                        }
                        drop(pipe);
                    });
                    child.wait_with_output()
                })
                .map_err(spawn_error)?
            }
        };
        if !output.status.success() {
            return Err(ToolError {
                argv: argv.to_vec(),
                kind: ToolErrorKind::Failed {
                    code: output.status.code(),
                    stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                },
            });
        }
        String::from_utf8(output.stdout).map_err(|e| ToolError {
            argv: argv.to_vec(),
            kind: ToolErrorKind::BadOutput {
                reason: format!("not UTF-8: {e}"),
            },
        })
    }

    /// Runs `argv` and reads its stdout as JSON.
    pub(crate) fn run_json(&self, argv: &[String]) -> Result<Value, ToolError> {
        let out = self.run(argv)?;
        serde_json::from_str(&out)
            .map_err(|e| bad_output(argv, format!("invalid JSON ({e}): {out:?}")))
    }

    /// Runs a tool printing a map of strings (`relation-get`, `leader-get`, `state-get`); Juju
    /// prints `null` for an empty one.
    fn run_string_map(&self, argv: &[String]) -> Result<BTreeMap<String, String>, ToolError> {
        match self.run_json(argv)? {
            Value::Null => Ok(BTreeMap::new()),
            Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k, s)),
                    other => Err(bad_output(
                        argv,
                        format!("the value of {k:?} is {other}, not a string"),
                    )),
                })
                .collect(),
            other => Err(bad_output(
                argv,
                format!("expected a map of strings, got {other}"),
            )),
        }
    }

    /// Runs a tool printing a list of strings (`relation-ids`, `relation-list`).
    pub(crate) fn run_string_list(&self, argv: &[String]) -> Result<Vec<String>, ToolError> {
        match self.run_json(argv)? {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    other => Err(bad_output(
                        argv,
                        format!("expected a list of strings, got an item {other}"),
                    )),
                })
                .collect(),
            other => Err(bad_output(
                argv,
                format!("expected a list of strings, got {other}"),
            )),
        }
    }

    /// Runs a tool printing one JSON string (`relation-list --app`, `unit-get`).
    fn run_string(&self, argv: &[String], what: &str) -> Result<String, ToolError> {
        match self.run_json(argv)? {
            Value::String(s) => Ok(s),
            other => Err(bad_output(argv, format!("expected {what}, got {other}"))),
        }
    }
}

/// The tool printed something other than what its `--format=json` promises.
pub(crate) fn bad_output(argv: &[String], reason: String) -> ToolError {
    ToolError {
        argv: argv.to_vec(),
        kind: ToolErrorKind::BadOutput { reason },
    }
}

/// Reads `status-get --include-data --format=json`: `{"status", "message", "status-data"}` for
/// the unit, the same nested under `application-status` (beside `units`) with `--application`
/// (`jujuc/status-get.go`, `toDetails`); a bare `"unknown"` where Juju has no status to give.
pub(super) fn parse_status(value: &Value, target: StatusTarget) -> Result<StatusInfo, String> {
    if let Value::String(status) = value {
        return Ok(StatusInfo {
            status: status.clone(),
            message: String::new(),
        });
    }
    let details = match target {
        StatusTarget::Unit => value,
        StatusTarget::Application => value
            .get("application-status")
            .ok_or_else(|| format!("no `application-status` in {value}"))?,
    };
    let status = details
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no string `status` in {details}"))?;
    let message = match details.get("message") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s,
        Some(other) => return Err(format!("`message` is {other}, not a string")),
    };
    Ok(StatusInfo {
        status: status.to_owned(),
        message: message.to_owned(),
    })
}

/// A map of strings as the YAML `relation-set --file -` and `state-set --file -` read
/// (`goyaml.Unmarshal` into `map[string]string`): every key and value double-quoted, with
/// anything YAML would not keep verbatim inside quotes (line breaks, tabs, control and
/// non-printable characters) escaped, so each value arrives as exactly the string given.
pub(super) fn settings_yaml(data: &BTreeMap<String, String>) -> String {
    if data.is_empty() {
        return "{}\n".to_owned();
    }
    let mut out = String::new();
    for (key, value) in data {
        let key = yaml_quoted(key);
        // YAML limits an implicit key to 1024 characters (libyaml and go-yaml enforce it); a
        // longer one is written as an explicit `? key` entry.
        if key.len() > 1000 {
            out.push_str("? ");
            out.push_str(&key);
            out.push_str("\n: ");
        } else {
            out.push_str(&key);
            out.push_str(": ");
        }
        out.push_str(&yaml_quoted(value));
        out.push('\n');
    }
    out
}

/// `s` as a YAML double-quoted scalar.
fn yaml_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            // YAML's printable set, minus the line breaks a quoted scalar would fold (NEL,
            // LS, PS) and the BOM.
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{2027}'
            | '\u{202a}'..='\u{d7ff}'
            | '\u{e000}'..='\u{fefe}'
            | '\u{ff00}'..='\u{fffd}'
            | '\u{10000}'.. => out.push(c),
            _ => out.push_str(&format!("\\u{:04x}", c as u32)),
        }
    }
    out.push('"');
    out
}

impl HookTools for Subprocess {
    fn action_get(&mut self) -> Result<Value, ToolError> {
        self.run_json(&argv::action_get())
    }

    /// In batches of at most `ACTION_SET_BATCH` bytes of arguments.
    fn action_set(&mut self, pairs: &[(String, String)]) -> Result<(), ToolError> {
        let mut start = 0;
        let mut size = 0;
        for (i, (k, v)) in pairs.iter().enumerate() {
            let len = k.len() + v.len() + 1;
            if i > start && size + len > ACTION_SET_BATCH {
                self.run(&argv::action_set(&pairs[start..i]))?;
                start = i;
                size = 0;
            }
            size += len + 1;
        }
        if start < pairs.len() {
            self.run(&argv::action_set(&pairs[start..]))?;
        }
        Ok(())
    }

    fn action_log(&mut self, message: &str) -> Result<(), ToolError> {
        self.run(&argv::action_log(message)).map(drop)
    }

    fn action_fail(&mut self, message: &str) -> Result<(), ToolError> {
        self.run(&argv::action_fail(message)).map(drop)
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), ToolError> {
        self.run(&argv::juju_log(level, message)).map(drop)
    }

    fn status_set(
        &mut self,
        target: StatusTarget,
        status: StatusName,
        message: &str,
    ) -> Result<(), ToolError> {
        self.run(&argv::status_set(target, status, message))
            .map(drop)
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), ToolError> {
        self.run(&argv::application_version_set(version)).map(drop)
    }

    fn config_get(&mut self) -> Result<Map<String, Value>, ToolError> {
        let argv = argv::config_get();
        match self.run_json(&argv)? {
            Value::Object(map) => Ok(map),
            Value::Null => Ok(Map::new()),
            other => Err(bad_output(
                &argv,
                format!("expected a JSON object, got {other}"),
            )),
        }
    }

    fn is_leader(&mut self) -> Result<bool, ToolError> {
        let argv = argv::is_leader();
        match self.run_json(&argv)? {
            Value::Bool(b) => Ok(b),
            other => Err(bad_output(
                &argv,
                format!("expected true or false, got {other}"),
            )),
        }
    }

    fn status_get(&mut self, target: StatusTarget) -> Result<StatusInfo, ToolError> {
        let argv = argv::status_get(target);
        let value = self.run_json(&argv)?;
        parse_status(&value, target).map_err(|reason| bad_output(&argv, reason))
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<String>, ToolError> {
        self.run_string_list(&argv::relation_ids(endpoint))
    }

    fn relation_list(&mut self, relation_id: u32) -> Result<Vec<String>, ToolError> {
        self.run_string_list(&argv::relation_list(relation_id, false))
    }

    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, ToolError> {
        // `relation-list --app` writes `RemoteApplicationName()`, a string.
        self.run_string(
            &argv::relation_list(relation_id, true),
            "the remote application's name",
        )
    }

    fn relation_get(
        &mut self,
        relation_id: u32,
        member: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>, ToolError> {
        self.run_string_map(&argv::relation_get(relation_id, member, app))
    }

    fn relation_set(
        &mut self,
        relation_id: u32,
        app: bool,
        data: &BTreeMap<String, String>,
    ) -> Result<(), ToolError> {
        let argv = argv::relation_set(relation_id, app);
        self.run_with_stdin(&argv, Some(&settings_yaml(data)))
            .map(drop)
    }

    fn leader_get(&mut self) -> Result<BTreeMap<String, String>, ToolError> {
        self.run_string_map(&argv::leader_get())
    }

    fn leader_set(&mut self, data: &BTreeMap<String, String>) -> Result<(), ToolError> {
        self.run(&argv::leader_set(data)).map(drop)
    }

    fn state_get(&mut self) -> Result<BTreeMap<String, String>, ToolError> {
        self.run_string_map(&argv::state_get())
    }

    fn state_set(&mut self, data: &BTreeMap<String, String>) -> Result<(), ToolError> {
        self.run_with_stdin(&argv::state_set(), Some(&settings_yaml(data)))
            .map(drop)
    }

    fn state_delete(&mut self, key: &str) -> Result<(), ToolError> {
        self.run(&argv::state_delete(key)).map(drop)
    }

    // Storage, ports and network.

    fn storage_get(&mut self, id: Option<&str>) -> Result<StorageInfo, ToolError> {
        let argv = argv::storage_get(id);
        let value = self.run_json(&argv)?;
        serde_json::from_value(value)
            .map_err(|e| bad_output(&argv, format!("not {{kind, location}}: {e}")))
    }

    fn storage_list(&mut self, name: Option<&str>) -> Result<Vec<String>, ToolError> {
        self.run_string_list(&argv::storage_list(name))
    }

    fn storage_add(&mut self, counts: &BTreeMap<String, u32>) -> Result<(), ToolError> {
        self.run(&argv::storage_add(counts)).map(drop)
    }

    fn open_port(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        self.run(&argv::port_tool("open-port", port, endpoints))
            .map(drop)
    }

    fn close_port(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        self.run(&argv::port_tool("close-port", port, endpoints))
            .map(drop)
    }

    fn opened_ports(&mut self) -> Result<Vec<OpenedPort>, ToolError> {
        let argv = argv::opened_ports();
        self.run_string_list(&argv)?
            .iter()
            .map(|line| {
                OpenedPort::parse(line).map_err(|e| bad_output(&argv, format!("{line:?}: {e}")))
            })
            .collect()
    }

    fn network_get(
        &mut self,
        binding: &str,
        relation_id: Option<u32>,
    ) -> Result<NetworkInfo, ToolError> {
        let argv = argv::network_get(binding, relation_id);
        let value = self.run_json(&argv)?;
        serde_json::from_value(value).map_err(|e| bad_output(&argv, e.to_string()))
    }

    fn unit_get(&mut self, address: UnitAddress) -> Result<String, ToolError> {
        self.run_string(&argv::unit_get(address), "an address")
    }

    fn secret_add(
        &mut self,
        owner: SecretOwner,
        content: &SecretContent,
        options: &SecretOptions,
    ) -> Result<String, ToolError> {
        secret::subprocess::secret_add(self, owner, content, options)
    }

    fn secret_get(
        &mut self,
        id: Option<&str>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent, ToolError> {
        secret::subprocess::secret_get(self, id, label, read)
    }

    fn secret_set(
        &mut self,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<(), ToolError> {
        secret::subprocess::secret_set(self, id, content, options)
    }

    fn secret_grant(
        &mut self,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        secret::subprocess::secret_grant_or_revoke(self, "secret-grant", id, relation_id, unit)
    }

    fn secret_revoke(
        &mut self,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        secret::subprocess::secret_grant_or_revoke(self, "secret-revoke", id, relation_id, unit)
    }

    fn secret_remove(&mut self, id: &str, revision: Option<u32>) -> Result<(), ToolError> {
        secret::subprocess::secret_remove(self, id, revision)
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, ToolError> {
        secret::subprocess::secret_ids(self)
    }

    fn secret_info_get(
        &mut self,
        id: Option<&str>,
        label: Option<&str>,
    ) -> Result<SecretInfo, ToolError> {
        secret::subprocess::secret_info_get(self, id, label)
    }
}
