//! The unit agent: runs a hook, an action or an `exec` command in a unit's context: [`run`]
//! builds the context, starts the tool server ([`server`]), spawns the charm process with the
//! environment [`env`](mod@env) builds and waits for it, and returns the [`Outcome`].
//!
//! As Juju's uniter does (`worker/uniter/runner`): the process gets no arguments, the charm
//! directory as its working directory and an environment built from scratch; the hook tools on
//! its `PATH` are this binary (symlinks), which reach the running context through a Unix socket
//! served by this process at `JUJU_AGENT_SOCKET_ADDRESS` (Juju's jujuc design). Tool requests are
//! handled one at a time, so a charm may call tools as often and as concurrently as it likes.

mod env;
mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::charm::CharmInfo;
use crate::error::{Result, run_error};
use crate::state::{self, AppRecord, Model, UnitRecord};
use env::HookEnv;
use server::ToolServer;
pub use server::{FileArg, ToolRequest, ToolResponse};

/// What runs.
#[derive(Debug, Clone)]
pub enum Kind {
    Hook(HookInfo),
    Action {
        name: String,
        id: u64,
        params: Value,
    },
    Exec {
        command: String,
    },
}

/// A hook: its name (`install`, `db-relation-changed`, …) and, for a relation hook, the
/// relation it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookInfo {
    pub name: String,
    pub relation: Option<HookRelation>,
    /// A storage hook's instance.
    pub storage: Option<Box<crate::storage::HookStorage>>,
    /// A secret hook's secret (`JUJU_SECRET_*`).
    pub secret: Option<Box<crate::secrets::Due>>,
}

impl HookInfo {
    /// A hook that concerns no relation.
    pub fn plain(name: &str) -> HookInfo {
        HookInfo {
            name: name.to_owned(),
            relation: None,
            storage: None,
            secret: None,
        }
    }

    /// `<name>-storage-attached` or `<name>-storage-detaching` for an instance.
    pub fn storage(instance: &crate::storage::Instance, attached: bool) -> HookInfo {
        let suffix = if attached {
            "storage-attached"
        } else {
            "storage-detaching"
        };
        HookInfo {
            name: format!("{}-{suffix}", instance.name()),
            relation: None,
            storage: Some(Box::new(crate::storage::HookStorage {
                id: instance.id.clone(),
                kind: instance.kind.clone(),
                location: instance.location.clone(),
            })),
            secret: None,
        }
    }
}

/// A relation hook's relation, remote unit and application, and departing unit (Juju's
/// `hook.Info`, and the `JUJU_RELATION*`, `JUJU_REMOTE_*` and `JUJU_DEPARTING_UNIT` variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRelation {
    pub id: u32,
    pub endpoint: String,
    /// Empty for `-relation-created`, `-relation-broken` and an application-level `-changed`.
    pub remote_unit: String,
    /// The other application (this unit's own in a peer relation).
    pub remote_app: String,
    /// Set in `-relation-departed` only.
    pub departing_unit: Option<String>,
    /// What the hook is: `created`, `joined`, `changed`, `departed` or `broken`.
    pub kind: RelationHookKind,
}

/// The kinds of relation hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationHookKind {
    Created,
    Joined,
    Changed,
    Departed,
    Broken,
}

impl RelationHookKind {
    pub fn suffix(self) -> &'static str {
        match self {
            RelationHookKind::Created => "relation-created",
            RelationHookKind::Joined => "relation-joined",
            RelationHookKind::Changed => "relation-changed",
            RelationHookKind::Departed => "relation-departed",
            RelationHookKind::Broken => "relation-broken",
        }
    }
}

/// A relation the unit is in, as a hook or action sees it through the relation tools: the
/// members `relation-list` prints, and the unit's own and its application's databags with what
/// the process has set (committed only when it succeeds).
#[derive(Debug, Clone)]
pub struct RelationContext {
    pub id: u32,
    pub endpoint: String,
    pub remote_app: String,
    pub peer: bool,
    pub members: Vec<String>,
    pub unit_data: BTreeMap<String, String>,
    pub unit_dirty: bool,
    /// The application's databag (read and written here by the leader only).
    pub app_data: BTreeMap<String, String>,
    pub app_dirty: bool,
}

/// The state a running hook or action reads and changes through the hook tools.
#[derive(Debug)]
pub struct Context {
    pub kind: Kind,
    pub unit: UnitRecord,
    pub config: Map<String, Value>,
    pub leader_settings: Map<String, Value>,
    pub leader_settings_changed: bool,
    /// The application's status as the leader sees and sets it (`status-*` `--application`).
    pub app_status: Option<state::Status>,
    pub app_status_changed: bool,
    /// `action-set` pairs, in order.
    pub results: Vec<(String, String)>,
    /// `action-log` lines with timestamps.
    pub log: Vec<String>,
    /// `action-fail` message.
    pub failed: Option<String>,
    /// How many hook-tool calls the process made.
    pub tool_calls: u64,
    /// The relations the unit is in, by id.
    pub relations: BTreeMap<u32, RelationContext>,
    /// The model, where the relation tools read other units' and applications' databags.
    pub model: Model,
    /// Storage, ports and network: the unit's storage instances and `storage-add` requests,
    /// its opened ports and `open-port`/`close-port` requests, and the charm's bindings.
    pub storage: crate::storage::StorageContext,
    pub ports: crate::ports::Recorder,
    pub bindings: Vec<String>,
    pub model_uuid: String,
    /// What the secret tools staged, committed only when the process succeeds.
    pub secrets: crate::secrets::Pending,
    log_path: PathBuf,
}

impl Context {
    pub fn is_action(&self) -> bool {
        matches!(self.kind, Kind::Action { .. })
    }

    pub fn params(&self) -> Option<&Value> {
        match &self.kind {
            Kind::Action { params, .. } => Some(params),
            _ => None,
        }
    }

    /// Appends a line to the unit's log (what `debug-log` shows).
    pub fn unit_log(&self, level: &str, module: &str, message: &str) {
        let now = state::now_string();
        let line = format!(
            "unit-{}-{}: {} {level} unit.{}.{module} {message}",
            self.unit.app,
            self.unit.number,
            now.get(11..19).unwrap_or_default(),
            self.unit.name()
        );
        let _ = state::append_log(&self.log_path, &line);
    }

    /// The relation of the running hook, if it is a relation hook.
    pub fn hook_relation(&self) -> Option<&HookRelation> {
        match &self.kind {
            Kind::Hook(hook) => hook.relation.as_ref(),
            _ => None,
        }
    }

    /// A context for unit tests: unit `app/0`, nothing set, logging to nowhere.
    #[cfg(test)]
    pub fn for_test(kind: Kind) -> Context {
        Context {
            kind,
            unit: UnitRecord::new("app", 0, true),
            config: Map::new(),
            leader_settings: Map::new(),
            leader_settings_changed: false,
            app_status: None,
            app_status_changed: false,
            results: Vec::new(),
            log: Vec::new(),
            failed: None,
            tool_calls: 0,
            relations: BTreeMap::new(),
            model: Model {
                name: "m".into(),
                dir: PathBuf::from("/nonexistent"),
            },
            storage: crate::storage::StorageContext::default(),
            ports: crate::ports::Recorder::new("app/0", crate::ports::Grouped::new()),
            bindings: Vec::new(),
            model_uuid: "uuid".into(),
            secrets: crate::secrets::Pending::default(),
            log_path: PathBuf::from("/dev/null"),
        }
    }

    /// The hook's or action's name as logs show it (`run-commands` for an exec).
    fn hook_name(&self) -> String {
        match &self.kind {
            Kind::Hook(hook) => hook.name.clone(),
            Kind::Action { name, .. } => name.clone(),
            Kind::Exec { .. } => "run-commands".into(),
        }
    }
}

/// How the process ended, and the context it left.
#[derive(Debug)]
pub struct Outcome {
    /// `None` when killed by a signal.
    pub exit_code: Option<i32>,
    /// The signal that killed the process, if one did.
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub context: Context,
    /// The handler was missing (no `dispatch`): hooks are skipped, actions fail.
    pub missing: bool,
    /// The process could not be started (e.g. a `dispatch` without its executable bit), or
    /// what it asked for could not be committed (Juju's failed `Flush`): either fails the hook
    /// or task with this message.
    pub spawn_error: Option<String>,
    /// Wall time of the charm process, from spawn to exit.
    pub elapsed: Duration,
}

impl Outcome {
    /// The outcome when the charm has no handler: nothing ran.
    fn missing(context: Context) -> Outcome {
        Outcome {
            exit_code: Some(0),
            signal: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
            context,
            missing: true,
            spawn_error: None,
            elapsed: Duration::ZERO,
        }
    }
}

/// Makes the unit's tools directory: one symlink per hook tool, all to this binary.
pub fn install_tools(unit_dir: &Path) -> Result<PathBuf> {
    let tools = unit_dir.join("tools");
    std::fs::create_dir_all(&tools)?;
    let exe = std::env::current_exe()
        .map_err(|e| run_error(format!("cannot find the juju-local binary: {e}")))?;
    for tool in crate::tools::NAMES {
        let link = tools.join(tool);
        if std::fs::read_link(&link).is_ok_and(|target| target == exe) {
            continue;
        }
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&exe, &link)?;
    }
    Ok(tools)
}

/// Runs `kind` on a unit. The caller holds the unit lock. Statuses, logs and leader settings
/// are saved as they happen; charm state is committed only when the process exits 0.
pub fn run(
    model: &Model,
    app: &AppRecord,
    charm: &CharmInfo,
    number: u32,
    kind: Kind,
) -> Result<Outcome> {
    let unit_dir = model.unit_dir(&app.name, number);
    let charm_dir = unit_dir.join("charm");
    let model_uuid = model.record()?.uuid;
    let unit = model.unit(&app.name, number)?;
    let relations = relation_contexts(model, app, &unit, &kind)?;
    let storage = crate::storage::context_for(&unit, &kind);
    let ports = crate::ports::Recorder::new(
        &unit.name(),
        crate::ports::grouped_from_strings(&unit.ports),
    );
    let context = Context {
        kind: kind.clone(),
        unit,
        config: charm.effective_config(&app.config),
        leader_settings: app.leader_settings.clone(),
        leader_settings_changed: false,
        app_status: app.status.clone(),
        app_status_changed: false,
        results: Vec::new(),
        log: Vec::new(),
        failed: None,
        tool_calls: 0,
        relations,
        model: model.clone(),
        model_uuid: model_uuid.clone(),
        log_path: model.log_path(),
        storage,
        ports,
        bindings: crate::tools::bindings(charm),
        secrets: crate::secrets::Pending::default(),
    };
    let Some(program) = program(&kind, &charm_dir) else {
        return Ok(Outcome::missing(context));
    };

    let tools_dir = install_tools(&unit_dir)?;
    let unit_name = context.unit.name();
    let hook_name = context.hook_name();
    let context_id = format!("{unit_name}-{hook_name}-{}", state::unique_hex(32));
    let server = ToolServer::start(context, context_id.clone())?;
    let env = HookEnv {
        kind: &kind,
        charm_dir: &charm_dir,
        tools_dir: &tools_dir,
        socket: server.socket(),
        context_id: &context_id,
        unit_name: &unit_name,
        unit_number: number,
        model_name: &model.name,
        model_uuid: &model_uuid,
        agent_path: std::env::var("PATH").ok(),
    }
    .vars();
    let mut process = run_process(&kind, program, &charm_dir, env);
    let mut context = server.finish()?;
    // What the process asked for is committed with the rest when it succeeds; a request the
    // controller refuses fails the hook or task, and nothing is committed.
    if process.exit_code == Some(0) && process.spawn_error.is_none() {
        let ports = context.unit.ports.clone();
        let prepared = crate::ports::prepare_commit(&mut context).and_then(|()| {
            crate::storage::prepare_commit(model, app, charm, &unit_dir, &mut context)
        });
        if let Err(e) = prepared {
            context.unit.ports = ports;
            process.spawn_error = Some(e);
        }
    }

    for line in String::from_utf8_lossy(&process.stdout).lines() {
        context.unit_log("DEBUG", &hook_name, line);
    }
    for line in String::from_utf8_lossy(&process.stderr).lines() {
        context.unit_log("WARNING", &hook_name, line);
    }
    if let Some(error) = &process.spawn_error {
        context.unit_log("ERROR", &hook_name, error);
    }
    Ok(Outcome {
        exit_code: process.exit_code,
        signal: process.signal,
        stdout: process.stdout,
        stderr: process.stderr,
        context,
        missing: false,
        spawn_error: process.spawn_error,
        elapsed: process.elapsed,
    })
}

/// The relations the unit is in scope of, as its process sees them: `relation-list` gives the
/// members the unit has joined, with the remote unit of a `-joined` hook already in and that of
/// a `-departed` hook already out, as Juju's hook context has them.
fn relation_contexts(
    model: &Model,
    app: &AppRecord,
    unit: &UnitRecord,
    kind: &Kind,
) -> Result<BTreeMap<u32, RelationContext>> {
    let mut out = BTreeMap::new();
    if unit.relations.is_empty() {
        return Ok(out);
    }
    let relations = model.relations()?;
    let hook_relation = match kind {
        Kind::Hook(hook) => hook.relation.as_ref(),
        _ => None,
    };
    for (id, mine) in &unit.relations {
        if !mine.in_scope {
            continue;
        }
        let Some(relation) = relations.get(*id) else {
            continue;
        };
        let (Some(local), Some(other)) = (
            relation.endpoint_of(&app.name),
            relation.other_end(&app.name),
        ) else {
            continue;
        };
        let mut members: Vec<String> = mine.members.keys().cloned().collect();
        if let Some(hook) = hook_relation.filter(|h| h.id == *id) {
            match hook.kind {
                RelationHookKind::Joined if !members.contains(&hook.remote_unit) => {
                    members.push(hook.remote_unit.clone());
                }
                RelationHookKind::Departed => members.retain(|m| *m != hook.remote_unit),
                _ => {}
            }
        }
        members.sort();
        let app_data = app
            .relation_data
            .get(id)
            .map(|bag| bag.data.clone())
            .unwrap_or_default();
        out.insert(
            *id,
            RelationContext {
                id: *id,
                endpoint: local.name.clone(),
                remote_app: other.app.clone(),
                peer: relation.is_peer(),
                members,
                unit_data: mine.bag.data.clone(),
                unit_dirty: false,
                app_data,
                app_dirty: false,
            },
        );
    }
    Ok(out)
}

/// The program that handles `kind`: `/bin/sh -c` for an exec, else the charm's `dispatch`, or
/// the legacy `hooks/<name>` or `actions/<name>` when there is no `dispatch`; `None` when the
/// charm has no handler.
fn program(kind: &Kind, charm_dir: &Path) -> Option<(PathBuf, Vec<String>)> {
    let hook = match kind {
        Kind::Exec { command } => {
            return Some(("/bin/sh".into(), vec!["-c".into(), command.clone()]));
        }
        Kind::Hook(hook) => charm_dir.join("hooks").join(&hook.name),
        Kind::Action { name, .. } => charm_dir.join("actions").join(name),
    };
    let dispatch = charm_dir.join("dispatch");
    if dispatch.exists() {
        Some((dispatch, Vec::new()))
    } else {
        hook.exists().then_some((hook, Vec::new()))
    }
}

/// How the charm process ended.
#[derive(Debug)]
struct Process {
    exit_code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    spawn_error: Option<String>,
    elapsed: Duration,
}

/// Spawns the charm process in `charm_dir` with exactly `env`, no stdin and its output
/// captured, and waits for it. A hook or action runs under `JUJU_LOCAL_DISPATCH_WRAPPER` when
/// that is set (a profiling hook for benchmarks: `"/usr/bin/python3 rss.py out"` runs
/// `/usr/bin/python3 rss.py out <program> <args…>`).
fn run_process(
    kind: &Kind,
    (program, args): (PathBuf, Vec<String>),
    charm_dir: &Path,
    env: Vec<(String, String)>,
) -> Process {
    let wrapper = match kind {
        Kind::Hook(_) | Kind::Action { .. } => std::env::var("JUJU_LOCAL_DISPATCH_WRAPPER").ok(),
        Kind::Exec { .. } => None,
    };
    let mut wrapper_words = wrapper.iter().flat_map(|w| w.split_whitespace());
    let (program, args) = match wrapper_words.next() {
        Some(first) => {
            let mut words: Vec<String> = wrapper_words.map(str::to_owned).collect();
            words.push(program.display().to_string());
            words.extend(args);
            (PathBuf::from(first), words)
        }
        None => (program, args),
    };
    let started = Instant::now();
    let output = Command::new(&program)
        .args(&args)
        .current_dir(charm_dir)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(std::process::Child::wait_with_output);
    let elapsed = started.elapsed();
    match output {
        Ok(out) => {
            use std::os::unix::process::ExitStatusExt;
            Process {
                exit_code: out.status.code(),
                signal: out.status.signal(),
                stdout: out.stdout,
                stderr: out.stderr,
                spawn_error: None,
                elapsed,
            }
        }
        // Juju reports an exec failure (e.g. a non-executable dispatch) as the process error.
        Err(e) => Process {
            exit_code: Some(1),
            signal: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
            spawn_error: Some(format!("fork/exec {}: {e}", program.display())),
            elapsed,
        },
    }
}
