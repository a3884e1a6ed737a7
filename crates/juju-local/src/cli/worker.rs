//! Tasks run apart from the command that queued them, as Juju's uniter runs them apart from
//! `juju run`: [`queue`] records a task as `pending` with its request and starts a detached
//! worker (this binary re-executed as `juju-local __run-task MODEL ID`, in its own process
//! group, with no stdin/stdout/stderr); the worker ([`run_task`]) takes the unit's lock, marks
//! the task `running`, runs the action and writes the finished record. [`current`] reads a task
//! as it is now, failing it with Juju's `action terminated` when its worker died mid-task.
//!
//! ```text
//! tasks/<id>.json           the task record: pending → running → completed | failed
//! tasks/<id>.request.json   what the worker runs (unit, action, validated params); removed at the end
//! tasks/<id>.lock           exists and is flock'ed while the worker lives (its liveness)
//! ```

use std::fs::{self, OpenOptions};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Output;
use super::hooks::finish_unit;
use super::settle;
use super::tasks::finish_task;
use crate::agent::{self, Kind};
use crate::charm;
use crate::error::{Result, run_error, usage};
use crate::state::{self, Home, Model, TaskRecord};

/// The hidden command the worker runs as.
pub const WORKER_COMMAND: &str = "__run-task";

/// What a worker runs: the unit, the action and its validated, defaulted parameters.
#[derive(Debug, Serialize, Deserialize)]
struct TaskRequest {
    app: String,
    number: u32,
    action: String,
    params: Value,
}

fn request_path(model: &Model, id: u64) -> PathBuf {
    model.dir.join("tasks").join(format!("{id}.request.json"))
}

fn alive_path(model: &Model, id: u64) -> PathBuf {
    model.dir.join("tasks").join(format!("{id}.lock"))
}

/// Whether a task has finished (Juju's `completed`, `failed`, `cancelled`, `aborted`).
pub fn finished(task: &TaskRecord) -> bool {
    !matches!(task.status.as_str(), "pending" | "running")
}

/// Tells the command that queued a task when the task's worker has exited: the worker's stdout is
/// a pipe it never writes to, so end-of-file on it means the worker is gone.
pub type Exited = std::sync::mpsc::Receiver<()>;

/// Records task `id` as pending and starts its worker; returns the signal of its exit. A worker
/// that cannot be started fails the task with the reason (and there is no signal to wait for).
pub fn queue(
    home: &Home,
    model: &Model,
    id: u64,
    (app, number): (&str, u32),
    action: &str,
    params: Value,
) -> Result<Option<Exited>> {
    let request = TaskRequest {
        app: app.to_owned(),
        number,
        action: action.to_owned(),
        params,
    };
    state::write_json(&request_path(model, id), &request)?;
    let task = TaskRecord {
        id: id.to_string(),
        unit: format!("{app}/{number}"),
        action: action.to_owned(),
        status: "pending".into(),
        message: String::new(),
        results: Map::new(),
        log: Vec::new(),
        enqueued: state::now_string(),
        started: String::new(),
        completed: String::new(),
        process_micros: 0,
        tool_calls: 0,
    };
    state::write_json(&model.task_path(id), &task)?;
    match spawn_worker(home, model, id) {
        Ok(exited) => Ok(Some(exited)),
        Err(error) => {
            fail(
                model,
                id,
                task,
                &format!("cannot start the task's worker: {error}"),
            )?;
            Ok(None)
        }
    }
}

/// Starts `juju-local __run-task MODEL ID` detached: its own process group (a signal to the
/// caller's group does not reach it), stdin and stderr on `/dev/null` (a caller reading our
/// output to EOF does not wait for it), stdout a pipe to this process only, read to its end by a
/// thread that then signals the worker's exit. It is not waited for; when the caller exits,
/// init reaps it.
fn spawn_worker(home: &Home, model: &Model, id: u64) -> std::io::Result<Exited> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args([WORKER_COMMAND, &model.name, &id.to_string()])
        .env("JUJU_LOCAL_HOME", &home.root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    let (tx, exited) = std::sync::mpsc::channel();
    if let Some(mut stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
            let _ = tx.send(());
        });
    }
    Ok(exited)
}

/// Fails a task that has not finished with `message` (no results, no return code).
fn fail(model: &Model, id: u64, mut task: TaskRecord, message: &str) -> Result<TaskRecord> {
    task.status = "failed".into();
    task.message = message.to_owned();
    task.completed = state::now_string();
    state::write_json(&model.task_path(id), &task)?;
    Ok(task)
}

/// Task `id` as it is now; one whose worker has died before finishing it is failed, as Juju's
/// uniter fails an action it finds interrupted (`operation/failaction.go`: "action terminated").
pub fn current(model: &Model, id: u64) -> Result<TaskRecord> {
    let task: TaskRecord = state::read_json(&model.task_path(id))?;
    if finished(&task) || !worker_died(model, id) {
        return Ok(task);
    }
    // The worker may have finished between the two reads.
    let task: TaskRecord = state::read_json(&model.task_path(id))?;
    if finished(&task) {
        return Ok(task);
    }
    let _ = fs::remove_file(request_path(model, id));
    let _ = fs::remove_file(alive_path(model, id));
    fail(model, id, task, "action terminated")
}

/// Whether the task's worker started and is gone: its liveness file is there but nobody holds
/// its lock. (A live worker holds the lock for as long as the file exists.)
fn worker_died(model: &Model, id: u64) -> bool {
    let Ok(file) = OpenOptions::new().write(true).open(alive_path(model, id)) else {
        return false;
    };
    file.try_lock().is_ok()
}

/// The worker: `juju-local __run-task MODEL ID`. Runs the task under the unit's lock and writes
/// its record; a failure to run it fails the task with the reason.
pub fn run_task(home: &Home, args: &[String]) -> Result<Output> {
    let [model_name, id] = args else {
        return Err(usage(format!(
            "{WORKER_COMMAND} needs a model and a task id"
        )));
    };
    let model = home.resolve_model(Some(model_name))?;
    let id: u64 = id
        .parse()
        .map_err(|_| usage(format!("invalid task id {id:?}")))?;
    let alive = hold_alive_lock(&model, id)?;
    let result = run_request(&model, id);
    if let Err(error) = result {
        let task: TaskRecord = state::read_json(&model.task_path(id))?;
        if !finished(&task) {
            fail(&model, id, task, &error.message)?;
        }
    }
    let _ = fs::remove_file(request_path(&model, id));
    let _ = fs::remove_file(alive_path(&model, id));
    drop(alive);
    Ok(Output::default())
}

/// Creates the liveness file already locked: a temporary file is locked, then renamed into
/// place, so nobody ever sees it unlocked while the worker lives.
fn hold_alive_lock(model: &Model, id: u64) -> Result<fs::File> {
    let dir = model.dir.join("tasks");
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{id}.lock."))
        .tempfile_in(&dir)?;
    temp.as_file()
        .lock()
        .map_err(|e| run_error(format!("cannot lock task {id}: {e}")))?;
    let path = alive_path(model, id);
    // The open file keeps the lock for the worker's life; the path is removed at the end.
    temp.persist(&path)
        .map_err(|e| run_error(format!("cannot write {}: {}", path.display(), e.error)))
}

/// Runs the request under the unit's lock: `running` once the lock is held, then finished.
fn run_request(model: &Model, id: u64) -> Result<()> {
    let request: TaskRequest = state::read_json(&request_path(model, id))?;
    let (app_name, number) = (request.app.as_str(), request.number);
    let unit_dir = model.unit_dir(app_name, number);
    // A unit removed since the task was queued: fail the task, and make no lock file for it.
    model.unit(app_name, number)?;
    let lock = state::lock(&unit_dir.join("unit.lock"))?;
    model.unit(app_name, number)?;
    let app = model.app(app_name)?;
    let info = charm::read_info(&unit_dir.join("charm"))?;
    let mut task: TaskRecord = state::read_json(&model.task_path(id))?;
    task.status = "running".into();
    task.started = state::now_string();
    state::write_json(&model.task_path(id), &task)?;
    let exec = request.action == EXEC_ACTION;
    let kind = if exec {
        Kind::Exec {
            command: request.params["command"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }
    } else {
        Kind::Action {
            name: request.action.clone(),
            id,
            params: request.params,
        }
    };
    let outcome = agent::run(model, &app, &info, number, kind)?;
    let success = outcome.exit_code == Some(0) && !outcome.missing && outcome.spawn_error.is_none();
    let followups = finish_unit(model, &outcome, success, None)?;
    let mut done = finish_task(
        id,
        &task.unit,
        &request.action,
        task.enqueued,
        task.started,
        &outcome,
    );
    if exec && done.status == "failed" && done.message.starts_with("exit status") {
        // `juju exec` reports the command's exit in return-code, not as a task failure message.
        done.message.clear();
    }
    // What the task committed (relation data, leader settings) gives units hooks to run; they
    // run before the task is reported finished, as a command's do before it returns.
    drop(lock);
    if followups {
        let mut skip = Default::default();
        model.hooks_locked(|| settle::settle(model, &mut skip))?;
    }
    state::write_json(&model.task_path(id), &done)
}

/// The action name of a `juju exec` task (Juju's built-in action); its params hold `command`.
pub const EXEC_ACTION: &str = "juju-exec";
