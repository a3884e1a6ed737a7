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

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::charm::CharmInfo;
use crate::error::{Result, run_error};
use crate::state::{self, AppRecord, Model, UnitRecord};
use env::HookEnv;
use server::ToolServer;
pub use server::{ToolRequest, ToolResponse};

/// What runs.
#[derive(Debug, Clone)]
pub enum Kind {
    Hook(String),
    Action {
        name: String,
        id: u64,
        params: Value,
    },
    Exec {
        command: String,
    },
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

    /// A context for unit tests: unit `app/0`, nothing set, logging to nowhere.
    #[cfg(test)]
    pub fn for_test(kind: Kind) -> Context {
        Context {
            kind,
            unit: UnitRecord {
                app: "app".into(),
                number: 0,
                workload: state::Status::default(),
                agent: state::Status::default(),
                status_set_by_charm: false,
                leader: true,
                version: String::new(),
                charm_state: Map::new(),
                last_hook: None,
            },
            config: Map::new(),
            leader_settings: Map::new(),
            leader_settings_changed: false,
            app_status: None,
            app_status_changed: false,
            results: Vec::new(),
            log: Vec::new(),
            failed: None,
            tool_calls: 0,
            log_path: PathBuf::from("/dev/null"),
        }
    }

    /// The hook's or action's name as logs show it (`run-commands` for an exec).
    fn hook_name(&self) -> String {
        match &self.kind {
            Kind::Hook(name) => name.clone(),
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
    /// The process could not be started (e.g. a `dispatch` without its executable bit).
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
    let context = Context {
        kind: kind.clone(),
        unit: model.unit(&app.name, number)?,
        config: charm.effective_config(&app.config),
        leader_settings: app.leader_settings.clone(),
        leader_settings_changed: false,
        app_status: app.status.clone(),
        app_status_changed: false,
        results: Vec::new(),
        log: Vec::new(),
        failed: None,
        tool_calls: 0,
        log_path: unit_dir.join("log"),
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
    let process = run_process(&kind, program, &charm_dir, env);
    let context = server.finish()?;

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

/// The program that handles `kind`: `/bin/sh -c` for an exec, else the charm's `dispatch`, or
/// the legacy `hooks/<name>` or `actions/<name>` when there is no `dispatch`; `None` when the
/// charm has no handler.
fn program(kind: &Kind, charm_dir: &Path) -> Option<(PathBuf, Vec<String>)> {
    let hook = match kind {
        Kind::Exec { command } => {
            return Some(("/bin/sh".into(), vec!["-c".into(), command.clone()]));
        }
        Kind::Hook(name) => charm_dir.join("hooks").join(name),
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
