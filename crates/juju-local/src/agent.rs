//! The unit agent: runs a hook, an action or an `exec` command in a unit's context.
//!
//! As Juju's uniter does (`worker/uniter/runner`): the process gets no arguments, the charm
//! directory as its working directory and an environment built from scratch; the hook tools on
//! its `PATH` are this binary (symlinks), which reach the running context through a Unix socket
//! served by this process at `JUJU_AGENT_SOCKET_ADDRESS` (Juju's jujuc design). Tool requests are
//! handled one at a time, so a charm may call tools as often and as concurrently as it likes.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::charm::CharmInfo;
use crate::error::{Result, run_error};
use crate::state::{self, AppRecord, JUJU_VERSION, Model, UnitRecord};

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
        let line = format!(
            "unit-{}-{}: {} {level} unit.{}.{module} {message}",
            self.unit.app,
            self.unit.number,
            &state::now_string()[11..19],
            self.unit.name()
        );
        let _ = state::append_log(&self.log_path, &line);
    }

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
    pub elapsed: std::time::Duration,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ToolRequest {
    pub context_id: String,
    pub tool: String,
    pub args: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ToolResponse {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
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
        results: Vec::new(),
        log: Vec::new(),
        failed: None,
        tool_calls: 0,
        log_path: unit_dir.join("log"),
    };
    let (program, args): (PathBuf, Vec<String>) = match &kind {
        Kind::Exec { command, .. } => ("/bin/sh".into(), vec!["-c".into(), command.clone()]),
        _ => {
            let dispatch = charm_dir.join("dispatch");
            if !dispatch.exists() {
                let hook = match &kind {
                    Kind::Hook(name) => charm_dir.join("hooks").join(name),
                    Kind::Action { name, .. } => charm_dir.join("actions").join(name),
                    Kind::Exec { .. } => dispatch.clone(),
                };
                if !hook.exists() {
                    return Ok(Outcome {
                        exit_code: Some(0),
                        signal: None,
                        stdout: Vec::new(),
                        stderr: Vec::new(),
                        context,
                        missing: true,
                        spawn_error: None,
                        elapsed: std::time::Duration::ZERO,
                    });
                }
                (hook, Vec::new())
            } else {
                (dispatch, Vec::new())
            }
        }
    };

    let tools = install_tools(&unit_dir)?;
    let context_id = format!(
        "{}-{}-{}",
        context.unit.name(),
        context.hook_name(),
        state::unique_hex(32)
    );
    let socket = std::env::temp_dir().join(format!(
        "juju-local-{}-{}.sock",
        std::process::id(),
        state::unique_hex(8)
    ));
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)
        .map_err(|e| run_error(format!("cannot listen on {}: {e}", socket.display())))?;

    let mut env: Vec<(String, String)> = Vec::new();
    let charm_dir_s = charm_dir.display().to_string();
    let unit_name = context.unit.name();
    env.push(("CHARM_DIR".into(), charm_dir_s.clone()));
    env.push(("JUJU_CHARM_DIR".into(), charm_dir_s));
    env.push(("JUJU_CONTEXT_ID".into(), context_id.clone()));
    let hook_name = match &kind {
        Kind::Hook(name) => name.clone(),
        _ => String::new(),
    };
    env.push(("JUJU_HOOK_NAME".into(), hook_name));
    env.push((
        "JUJU_AGENT_SOCKET_ADDRESS".into(),
        socket.display().to_string(),
    ));
    env.push(("JUJU_AGENT_SOCKET_NETWORK".into(), "unix".into()));
    env.push(("JUJU_UNIT_NAME".into(), unit_name.clone()));
    env.push(("JUJU_MODEL_UUID".into(), model_uuid));
    env.push(("JUJU_MODEL_NAME".into(), model.name.clone()));
    env.push(("JUJU_API_ADDRESSES".into(), "127.0.0.1:17070".into()));
    env.push(("JUJU_MACHINE_ID".into(), context.unit.number.to_string()));
    env.push(("JUJU_PRINCIPAL_UNIT".into(), String::new()));
    env.push(("JUJU_AVAILABILITY_ZONE".into(), String::new()));
    env.push(("JUJU_VERSION".into(), JUJU_VERSION.into()));
    env.push(("CLOUD_API_VERSION".into(), String::new()));
    if let Kind::Action { name, id, .. } = &kind {
        env.push(("JUJU_ACTION_NAME".into(), name.clone()));
        env.push(("JUJU_ACTION_UUID".into(), id.to_string()));
        env.push(("JUJU_ACTION_TAG".into(), format!("action-{id}")));
    }
    env.push(("APT_LISTCHANGES_FRONTEND".into(), "none".into()));
    env.push(("DEBIAN_FRONTEND".into(), "noninteractive".into()));
    env.push(("LANG".into(), "C.UTF-8".into()));
    env.push(("TERM".into(), "tmux-256color".into()));
    let agent_path = std::env::var("PATH")
        .unwrap_or_else(|_| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    env.push(("PATH".into(), format!("{}:{agent_path}", tools.display())));
    match &kind {
        Kind::Hook(name) => env.push(("JUJU_DISPATCH_PATH".into(), format!("hooks/{name}"))),
        Kind::Action { name, .. } => {
            env.push(("JUJU_DISPATCH_PATH".into(), format!("actions/{name}")))
        }
        Kind::Exec { .. } => {}
    }

    let shared = Arc::new(Mutex::new(context));
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let shared = Arc::clone(&shared);
        let stop = Arc::clone(&stop);
        let context_id = context_id.clone();
        std::thread::spawn(move || serve(&listener, &shared, &stop, &context_id))
    };

    // A profiling hook for benchmarks: `JUJU_LOCAL_DISPATCH_WRAPPER="/usr/bin/python3 rss.py out"`
    // runs the charm process under that command.
    let (program, args) = match (&kind, std::env::var("JUJU_LOCAL_DISPATCH_WRAPPER")) {
        (Kind::Hook(_) | Kind::Action { .. }, Ok(wrapper)) if !wrapper.trim().is_empty() => {
            let mut words: Vec<String> = wrapper.split_whitespace().map(str::to_owned).collect();
            let first = PathBuf::from(words.remove(0));
            words.push(program.display().to_string());
            words.extend(args);
            (first, words)
        }
        _ => (program, args),
    };
    let spawn_started = std::time::Instant::now();
    let spawned = Command::new(&program)
        .args(&args)
        .current_dir(&charm_dir)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let output = spawned.and_then(std::process::Child::wait_with_output);
    let elapsed = spawn_started.elapsed();

    stop.store(true, Ordering::SeqCst);
    let _ = UnixStream::connect(&socket);
    let _ = server.join();
    let _ = std::fs::remove_file(&socket);

    let context = match Arc::try_unwrap(shared) {
        Ok(mutex) => mutex
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
        Err(_) => return Err(run_error("internal error: the tool server did not stop")),
    };
    let (exit_code, signal, stdout, stderr, spawn_error) = match output {
        Ok(out) => {
            use std::os::unix::process::ExitStatusExt;
            (
                out.status.code(),
                out.status.signal(),
                out.stdout,
                out.stderr,
                None,
            )
        }
        // Juju reports an exec failure (e.g. a non-executable dispatch) as the process error.
        Err(e) => (
            Some(1),
            None,
            Vec::new(),
            Vec::new(),
            Some(format!("fork/exec {}: {e}", program.display())),
        ),
    };
    for line in String::from_utf8_lossy(&stdout).lines() {
        context.unit_log("DEBUG", &context.hook_name(), line);
    }
    for line in String::from_utf8_lossy(&stderr).lines() {
        context.unit_log("WARNING", &context.hook_name(), line);
    }
    if let Some(error) = &spawn_error {
        context.unit_log("ERROR", &context.hook_name(), error);
    }
    Ok(Outcome {
        exit_code,
        signal,
        stdout,
        stderr,
        context,
        missing: false,
        spawn_error,
        elapsed,
    })
}

/// Serves hook-tool requests until `stop` is set (and a connection wakes the accept).
fn serve(listener: &UnixListener, shared: &Mutex<Context>, stop: &AtomicBool, context_id: &str) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let _ = handle(stream, shared, context_id);
    }
}

fn handle(stream: UnixStream, shared: &Mutex<Context>, context_id: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let response = match serde_json::from_str::<ToolRequest>(&line) {
        Ok(request) if request.context_id != context_id => ToolResponse {
            code: 1,
            stderr: format!(
                "ERROR expected context id {context_id:?}, got {:?}\n",
                request.context_id
            ),
            ..ToolResponse::default()
        },
        Ok(request) => {
            let mut context = shared
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            context.tool_calls += 1;
            crate::tools::execute(&mut context, &request.tool, &request.args)
        }
        Err(e) => ToolResponse {
            code: 1,
            stderr: format!("ERROR bad request: {e}\n"),
            ..ToolResponse::default()
        },
    };
    let mut stream = stream;
    let text = serde_json::to_string(&response).unwrap_or_default();
    stream.write_all(text.as_bytes())?;
    stream.write_all(b"\n")
}
