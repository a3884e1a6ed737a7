//! Each hook tool's command line, written once: [`Subprocess`](super::Subprocess) runs it, and
//! the harness's in-memory tools name it in the errors they return, so a failure reads the
//! same from both. (The `secret-*` tools' lines are in `secret/subprocess.rs`, their only
//! user.)
//!
//! Free text (messages, keys, values) goes after `--` where the tool reads flags, so it is
//! never taken for one.

use std::collections::BTreeMap;

use super::{LogLevel, StatusName, StatusTarget};
use crate::network::UnitAddress;
use crate::ports::Port;

/// `tool` followed by `args`.
fn line<'a>(tool: &'a str, args: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    std::iter::once(tool)
        .chain(args)
        .map(str::to_owned)
        .collect()
}

/// `key=value` for each pair.
fn pairs<'a, V: ToString + 'a>(
    data: impl IntoIterator<Item = (&'a String, V)>,
) -> impl Iterator<Item = String> {
    data.into_iter()
        .map(|(k, v)| format!("{k}={}", v.to_string()))
}

/// `action-get --format=json`.
pub(crate) fn action_get() -> Vec<String> {
    line("action-get", ["--format=json"])
}

/// `action-set k=v…`.
pub(crate) fn action_set(results: &[(String, String)]) -> Vec<String> {
    let mut argv = line("action-set", []);
    argv.extend(pairs(results.iter().map(|(k, v)| (k, v))));
    argv
}

/// `action-log -- <message>`.
pub(crate) fn action_log(message: &str) -> Vec<String> {
    line("action-log", ["--", message])
}

/// `action-fail -- <message>`.
pub(crate) fn action_fail(message: &str) -> Vec<String> {
    line("action-fail", ["--", message])
}

/// `juju-log --log-level <level> -- <message>`.
pub(crate) fn juju_log(level: LogLevel, message: &str) -> Vec<String> {
    line("juju-log", ["--log-level", level.as_str(), "--", message])
}

/// `status-set [--application] <status> <message>`.
pub(crate) fn status_set(target: StatusTarget, status: StatusName, message: &str) -> Vec<String> {
    let mut argv = line("status-set", []);
    if target == StatusTarget::Application {
        argv.push("--application".to_owned());
    }
    argv.extend([status.as_str().to_owned(), message.to_owned()]);
    argv
}

/// `status-get --include-data --format=json [--application]`.
pub(crate) fn status_get(target: StatusTarget) -> Vec<String> {
    let mut argv = line("status-get", ["--include-data", "--format=json"]);
    if target == StatusTarget::Application {
        argv.push("--application".to_owned());
    }
    argv
}

/// `application-version-set <version>`.
pub(crate) fn application_version_set(version: &str) -> Vec<String> {
    line("application-version-set", [version])
}

/// `config-get --format=json`.
pub(crate) fn config_get() -> Vec<String> {
    line("config-get", ["--format=json"])
}

/// `is-leader --format=json`.
pub(crate) fn is_leader() -> Vec<String> {
    line("is-leader", ["--format=json"])
}

/// `relation-ids <endpoint> --format=json`.
pub(crate) fn relation_ids(endpoint: &str) -> Vec<String> {
    line("relation-ids", [endpoint, "--format=json"])
}

/// `relation-list -r <id> [--app] --format=json`: the remote units, or with `app` the remote
/// application.
pub(crate) fn relation_list(relation_id: u32, app: bool) -> Vec<String> {
    let id = relation_id.to_string();
    let mut argv = line("relation-list", ["-r", &id]);
    if app {
        argv.push("--app".to_owned());
    }
    argv.push("--format=json".to_owned());
    argv
}

/// `relation-get -r <id> [--app] --format=json - <member>`: every key (`-`) of `member`'s bag.
pub(crate) fn relation_get(relation_id: u32, member: &str, app: bool) -> Vec<String> {
    let id = relation_id.to_string();
    let mut argv = line("relation-get", ["-r", &id]);
    if app {
        argv.push("--app".to_owned());
    }
    argv.extend(["--format=json", "-", member].map(str::to_owned));
    argv
}

/// `relation-set -r <id> [--app] --file -`: the settings come as YAML on stdin.
pub(crate) fn relation_set(relation_id: u32, app: bool) -> Vec<String> {
    let id = relation_id.to_string();
    let mut argv = line("relation-set", ["-r", &id]);
    if app {
        argv.push("--app".to_owned());
    }
    argv.extend(["--file", "-"].map(str::to_owned));
    argv
}

/// `leader-get --format=json`.
pub(crate) fn leader_get() -> Vec<String> {
    line("leader-get", ["--format=json"])
}

/// `leader-set -- k=v…`: `leader-set` has no `--file`, so the pairs are arguments
/// (`keyvalues.Parse`, split at the first `=`).
pub(crate) fn leader_set(data: &BTreeMap<String, String>) -> Vec<String> {
    let mut argv = line("leader-set", ["--"]);
    argv.extend(pairs(data));
    argv
}

/// `state-get --format=json`.
pub(crate) fn state_get() -> Vec<String> {
    line("state-get", ["--format=json"])
}

/// `state-set --file -`: the settings come as YAML on stdin.
pub(crate) fn state_set() -> Vec<String> {
    line("state-set", ["--file", "-"])
}

/// `state-delete -- <key>`.
pub(crate) fn state_delete(key: &str) -> Vec<String> {
    line("state-delete", ["--", key])
}

/// `storage-get --format=json [-s <id>]`.
pub(crate) fn storage_get(id: Option<&str>) -> Vec<String> {
    let mut argv = line("storage-get", ["--format=json"]);
    if let Some(id) = id {
        argv.extend(["-s", id].map(str::to_owned));
    }
    argv
}

/// `storage-list --format=json [<name>]`.
pub(crate) fn storage_list(name: Option<&str>) -> Vec<String> {
    line("storage-list", std::iter::once("--format=json").chain(name))
}

/// `storage-add <name>=<count>…`.
pub(crate) fn storage_add(counts: &BTreeMap<String, u32>) -> Vec<String> {
    let mut argv = line("storage-add", []);
    argv.extend(pairs(counts));
    argv
}

/// `open-port` or `close-port` (`tool`) `[--endpoints a,b] <port>`, the port printed as Juju
/// prints it so the tool reads back the same range.
pub(crate) fn port_tool(tool: &str, port: &Port, endpoints: &[String]) -> Vec<String> {
    let mut argv = line(tool, []);
    if !endpoints.is_empty() {
        argv.extend(["--endpoints".to_owned(), endpoints.join(",")]);
    }
    argv.push(port.to_string());
    argv
}

/// `opened-ports --endpoints --format=json`.
pub(crate) fn opened_ports() -> Vec<String> {
    line("opened-ports", ["--endpoints", "--format=json"])
}

/// `network-get [-r <id>] --format=json <binding>`.
pub(crate) fn network_get(binding: &str, relation_id: Option<u32>) -> Vec<String> {
    let mut argv = line("network-get", []);
    if let Some(id) = relation_id {
        argv.extend(["-r".to_owned(), id.to_string()]);
    }
    argv.extend(["--format=json", binding].map(str::to_owned));
    argv
}

/// `unit-get --format=json <private-address|public-address>`.
pub(crate) fn unit_get(address: UnitAddress) -> Vec<String> {
    line("unit-get", ["--format=json", address.as_str()])
}
