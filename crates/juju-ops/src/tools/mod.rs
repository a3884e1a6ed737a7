//! Hook tools: the commands Juju puts on `PATH` for a running hook or action.
//!
//! [`HookTools`] is the one seam between charm code and Juju. [`Subprocess`] runs the real
//! executables with Juju's grammar; the testing harness swaps in an in-memory implementation.
//! Hook tools added later get default bodies returning [`ToolErrorKind::Unsupported`], so
//! existing implementations keep compiling (see the trait's docs).
//!
//! Here: the trait, its error ([`ToolError`]) and the small types its methods take and return;
//! `argv.rs`: each tool's command line; `subprocess.rs`: [`Subprocess`], the real tools run as
//! child processes.

pub(crate) mod argv;
mod subprocess;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

pub use self::subprocess::Subprocess;
pub(crate) use self::subprocess::bad_output;
use crate::network::{NetworkInfo, UnitAddress};
use crate::ports::{OpenedPort, Port};
use crate::secret::{SecretContent, SecretInfo, SecretOptions, SecretOwner, SecretRead};
use crate::storage::StorageInfo;

/// Log levels accepted by `juju-log --log-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl LogLevel {
    /// The level as `juju-log` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
            LogLevel::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Workload statuses a charm may set with `status-set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusName {
    Active,
    Blocked,
    Maintenance,
    Waiting,
}

impl StatusName {
    /// The status as `status-set` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusName::Active => "active",
            StatusName::Blocked => "blocked",
            StatusName::Maintenance => "maintenance",
            StatusName::Waiting => "waiting",
        }
    }
}

impl fmt::Display for StatusName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whose workload status `status-set` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusTarget {
    /// This unit's status (`status-set <status> <message>`).
    Unit,
    /// The application's status (`status-set --application …`); Juju allows it on the leader
    /// only.
    Application,
}

/// A hook tool that could not be run or exited non-zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    /// The tool and its arguments, as run.
    pub argv: Vec<String>,
    pub kind: ToolErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolErrorKind {
    /// The executable could not be started (not on `PATH`, not executable, …).
    Spawn { reason: String },
    /// The tool ran and exited non-zero (`None` when killed by a signal).
    Failed { code: Option<i32>, stderr: String },
    /// The tool's output was not what its `--format=json` promises.
    BadOutput { reason: String },
    /// The call would exceed an operating-system argument limit.
    TooLarge { reason: String },
    /// The [`HookTools`] backend does not implement this tool (see the trait's docs).
    Unsupported,
}

impl ToolError {
    /// The error a [`HookTools`] backend returns for a tool it does not implement: what the
    /// default bodies of hook tools added after 0.1 return.
    pub fn unsupported(tool: &str) -> ToolError {
        ToolError {
            argv: vec![tool.to_owned()],
            kind: ToolErrorKind::Unsupported,
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tool = self.argv.first().map(String::as_str).unwrap_or("hook tool");
        match &self.kind {
            ToolErrorKind::Spawn { reason } => write!(
                f,
                "cannot run hook tool `{tool}`: {reason} (is this running under Juju, with the hook tools on PATH?)"
            ),
            ToolErrorKind::Failed { code, stderr } => {
                let code = code.map_or_else(|| "a signal".to_owned(), |c| format!("code {c}"));
                write!(f, "hook tool `{}` exited with {code}", self.argv.join(" "))?;
                let stderr = stderr.trim();
                if !stderr.is_empty() {
                    write!(f, ": {stderr}")?;
                }
                Ok(())
            }
            ToolErrorKind::BadOutput { reason } => {
                write!(
                    f,
                    "hook tool `{}` printed unexpected output: {reason}",
                    self.argv.join(" ")
                )
            }
            ToolErrorKind::TooLarge { reason } => write!(f, "cannot call `{tool}`: {reason}"),
            ToolErrorKind::Unsupported => {
                write!(f, "hook tool `{tool}` is not supported by this backend")
            }
        }
    }
}

impl std::error::Error for ToolError {}

/// What the runtime needs from Juju while a hook or action runs.
///
/// Implementations: [`Subprocess`] (the real hook tools) and the testing harness's in-memory
/// backend; a test may implement it too, e.g. to record calls. Arguments are already validated
/// by the callers in this crate. Each method's doc gives the tool's grammar; [`Subprocess`] runs
/// it as written there, and a [`ToolError`] names the command line (`argv`).
///
/// # Adding hook tools
///
/// The trait is deliberately not sealed, so that tests can implement it. Instead, every hook
/// tool added after the methods below comes with a default body returning
/// [`ToolError::unsupported`] (kind [`ToolErrorKind::Unsupported`]): adding a tool is not a
/// breaking change, and a backend that does not implement it fails that call with a typed error
/// rather than failing to compile. The methods here are therefore required, and any new ones
/// are provided.
pub trait HookTools {
    /// `action-get --format=json`: the action's params, after Juju inserted defaults.
    fn action_get(&mut self) -> Result<Value, ToolError>;
    /// `action-set k=v…`: keys already checked and flattened.
    fn action_set(&mut self, pairs: &[(String, String)]) -> Result<(), ToolError>;
    /// `action-log`: a progress message shown to the user running the action.
    fn action_log(&mut self, message: &str) -> Result<(), ToolError>;
    /// `action-fail`: mark the action failed; the handler keeps running.
    fn action_fail(&mut self, message: &str) -> Result<(), ToolError>;
    /// `juju-log --log-level L`: a line in the unit's log.
    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), ToolError>;
    /// `status-set [--application] <status> <message>`: `--application` for
    /// [`StatusTarget::Application`].
    fn status_set(
        &mut self,
        target: StatusTarget,
        status: StatusName,
        message: &str,
    ) -> Result<(), ToolError>;
    /// `application-version-set <version>`.
    fn application_version_set(&mut self, version: &str) -> Result<(), ToolError>;
    /// `config-get --format=json`: the application's config (options without a value omitted).
    fn config_get(&mut self) -> Result<Map<String, Value>, ToolError>;
    /// `is-leader --format=json`.
    fn is_leader(&mut self) -> Result<bool, ToolError>;

    // Hook tools added after 0.1: each has a default body (see "Adding hook tools" above).

    /// `status-get --include-data --format=json [--application]`: the status as Juju holds it
    /// (which may be `unknown`, `error`, … as well as what the charm set).
    fn status_get(&mut self, target: StatusTarget) -> Result<StatusInfo, ToolError> {
        let _ = target;
        Err(ToolError::unsupported("status-get"))
    }
    /// `relation-ids <endpoint> --format=json`: the ids of the endpoint's relations
    /// (`endpoint:id` strings, as Juju prints them).
    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<String>, ToolError> {
        let _ = endpoint;
        Err(ToolError::unsupported("relation-ids"))
    }
    /// `relation-list -r <id> --format=json`: the remote units in the relation, sorted.
    fn relation_list(&mut self, relation_id: u32) -> Result<Vec<String>, ToolError> {
        let _ = relation_id;
        Err(ToolError::unsupported("relation-list"))
    }
    /// `relation-list -r <id> --app --format=json`: the remote application of the relation
    /// (for a peer relation, this unit's own application).
    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, ToolError> {
        let _ = relation_id;
        Err(ToolError::unsupported("relation-list"))
    }
    /// `relation-get -r <id> [--app] --format=json - <member>`: one databag, where `member` is
    /// a unit name, or with `app` an application name. The caller has checked Juju's access
    /// rules.
    fn relation_get(
        &mut self,
        relation_id: u32,
        member: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>, ToolError> {
        let _ = (relation_id, member, app);
        Err(ToolError::unsupported("relation-get"))
    }
    /// `relation-set -r <id> [--app] --file -`: writes this unit's (or, with `app`, this
    /// application's) databag; the map arrives as YAML on stdin, and an empty value deletes the
    /// key. Keys not in `data` are left as they are.
    fn relation_set(
        &mut self,
        relation_id: u32,
        app: bool,
        data: &BTreeMap<String, String>,
    ) -> Result<(), ToolError> {
        let _ = (relation_id, app, data);
        Err(ToolError::unsupported("relation-set"))
    }
    /// `leader-get --format=json`: the leader settings.
    fn leader_get(&mut self) -> Result<BTreeMap<String, String>, ToolError> {
        Err(ToolError::unsupported("leader-get"))
    }
    /// `leader-set k=v…` (an empty value deletes the key); the leader only.
    fn leader_set(&mut self, data: &BTreeMap<String, String>) -> Result<(), ToolError> {
        let _ = data;
        Err(ToolError::unsupported("leader-set"))
    }
    /// `state-get --format=json`: the unit's charm state, kept by Juju between events.
    fn state_get(&mut self) -> Result<BTreeMap<String, String>, ToolError> {
        Err(ToolError::unsupported("state-get"))
    }
    /// `state-set --file -`: sets keys of the charm state (committed when the hook succeeds).
    fn state_set(&mut self, data: &BTreeMap<String, String>) -> Result<(), ToolError> {
        let _ = data;
        Err(ToolError::unsupported("state-set"))
    }
    /// `state-delete <key>`: a missing key is not an error.
    fn state_delete(&mut self, key: &str) -> Result<(), ToolError> {
        let _ = key;
        Err(ToolError::unsupported("state-delete"))
    }

    // Storage, ports and network.

    /// `storage-get --format=json [-s <id>]`: the kind and location of the instance `id`, or
    /// without `id` of the storage hook's own instance.
    fn storage_get(&mut self, id: Option<&str>) -> Result<StorageInfo, ToolError> {
        let _ = id;
        Err(ToolError::unsupported("storage-get"))
    }
    /// `storage-list --format=json [<name>]`: the ids (`<name>/<n>`) of the attached
    /// instances, of the storage `name` only when given.
    fn storage_list(&mut self, name: Option<&str>) -> Result<Vec<String>, ToolError> {
        let _ = name;
        Err(ToolError::unsupported("storage-list"))
    }
    /// `storage-add <name>=<count>…`: more instances, committed when the hook succeeds.
    fn storage_add(&mut self, counts: &BTreeMap<String, u32>) -> Result<(), ToolError> {
        let _ = counts;
        Err(ToolError::unsupported("storage-add"))
    }
    /// `open-port [--endpoints a,b] <port>`: every endpoint when `endpoints` is empty.
    fn open_port(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        let _ = (port, endpoints);
        Err(ToolError::unsupported("open-port"))
    }
    /// `close-port [--endpoints a,b] <port>`: every endpoint when `endpoints` is empty.
    fn close_port(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        let _ = (port, endpoints);
        Err(ToolError::unsupported("close-port"))
    }
    /// `opened-ports --endpoints --format=json`: the unit's open ports with their endpoints,
    /// sorted as Juju sorts them.
    fn opened_ports(&mut self) -> Result<Vec<OpenedPort>, ToolError> {
        Err(ToolError::unsupported("opened-ports"))
    }
    /// `network-get [-r <id>] --format=json <binding>`: the binding's network (as the remote
    /// side of relation `id` sees it, when given).
    fn network_get(
        &mut self,
        binding: &str,
        relation_id: Option<u32>,
    ) -> Result<NetworkInfo, ToolError> {
        let _ = (binding, relation_id);
        Err(ToolError::unsupported("network-get"))
    }
    /// `unit-get --format=json private-address|public-address`.
    fn unit_get(&mut self, address: UnitAddress) -> Result<String, ToolError> {
        let _ = address;
        Err(ToolError::unsupported("unit-get"))
    }

    // Secrets (`secret-*`). Content is a `SecretContent`, whose `Debug` hides the values; the
    // real tools get it in a private temporary file, never in argv.

    /// `secret-add --owner <owner> [--label …] [--description …] [--expire …] [--rotate …]`
    /// with `content`: prints the new secret's URI. Keys are checked by the caller.
    fn secret_add(
        &mut self,
        owner: SecretOwner,
        content: &SecretContent,
        options: &SecretOptions,
    ) -> Result<String, ToolError> {
        let _ = (owner, content, options);
        Err(ToolError::unsupported("secret-add"))
    }
    /// `secret-get <id> [--label L] [--peek|--refresh] --format=json`, or `--label L` alone:
    /// the content of the revision `read` names.
    fn secret_get(
        &mut self,
        id: Option<&str>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent, ToolError> {
        let _ = (id, label, read);
        Err(ToolError::unsupported("secret-get"))
    }
    /// `secret-set <id> [options]` with `content` (a new revision), or without (metadata only).
    fn secret_set(
        &mut self,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<(), ToolError> {
        let _ = (id, content, options);
        Err(ToolError::unsupported("secret-set"))
    }
    /// `secret-grant <id> -r <relation> [--unit U]`: the relation's remote application (or one
    /// unit of it) may read the secret.
    fn secret_grant(
        &mut self,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        let _ = (id, relation_id, unit);
        Err(ToolError::unsupported("secret-grant"))
    }
    /// `secret-revoke <id> -r <relation> [--unit U]`.
    fn secret_revoke(
        &mut self,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        let _ = (id, relation_id, unit);
        Err(ToolError::unsupported("secret-revoke"))
    }
    /// `secret-remove <id> [--revision N]`: one revision, or the whole secret.
    fn secret_remove(&mut self, id: &str, revision: Option<u32>) -> Result<(), ToolError> {
        let _ = (id, revision);
        Err(ToolError::unsupported("secret-remove"))
    }
    /// `secret-ids --format=json`: the ids of the secrets this unit owns, and its
    /// application's on the leader (bare ids, as Juju prints them).
    fn secret_ids(&mut self) -> Result<Vec<String>, ToolError> {
        Err(ToolError::unsupported("secret-ids"))
    }
    /// `secret-info-get <id> --format=json`, or `--label L`: an owned secret's metadata.
    fn secret_info_get(
        &mut self,
        id: Option<&str>,
        label: Option<&str>,
    ) -> Result<SecretInfo, ToolError> {
        let _ = (id, label);
        Err(ToolError::unsupported("secret-info-get"))
    }
}

/// A workload status as `status-get` reports it: the charm's own statuses, or one Juju set
/// (`unknown`, `error`, `waiting` while the agent initialises, …).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusInfo {
    /// The status name as Juju spells it (`active`, `blocked`, `unknown`, `error`, …).
    pub status: String,
    pub message: String,
}
