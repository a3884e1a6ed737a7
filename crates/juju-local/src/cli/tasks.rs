//! Finished tasks (actions and `exec` commands): building the record from a charm process's
//! outcome as Juju's uniter does, and printing tasks as `juju run` and `juju exec` do (JSON,
//! YAML or plain, exit 1 when a return code is non-zero).

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde_json::{Map, Value};

use super::Output;
use crate::agent::Outcome;
use crate::state::{self, TaskRecord};
use crate::sys;

/// Builds the finished task from a process outcome (as the uniter's `finalizeAction` does).
pub fn finish_task(
    id: u64,
    unit: &str,
    action: &str,
    enqueued: String,
    started: String,
    outcome: &Outcome,
) -> TaskRecord {
    let context = &outcome.context;
    let mut results = ops::results::nest(
        context
            .results
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let return_code = if outcome.missing {
        0
    } else {
        outcome.exit_code.unwrap_or(-1)
    };
    for (key, bytes) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
        if bytes.is_empty() {
            continue;
        }
        match String::from_utf8(bytes.clone()) {
            Ok(text) => {
                results.insert(key.into(), Value::String(text.replace("\r\n", "\n")));
            }
            Err(_) => {
                results.insert(key.into(), Value::String(BASE64_STANDARD.encode(bytes)));
                results.insert(format!("{key}-encoding"), Value::String("base64".into()));
            }
        }
    }
    results.insert("return-code".into(), Value::from(return_code));
    let (status, message) = if outcome.missing {
        (
            "failed",
            format!("action not implemented on unit \"{unit}\""),
        )
    } else if let Some(error) = &outcome.spawn_error {
        ("failed", error.clone())
    } else {
        match outcome.exit_code {
            Some(0) => match &context.failed {
                Some(message) => ("failed", message.clone()),
                None => ("completed", String::new()),
            },
            Some(code) => ("failed", format!("exit status {code}")),
            None => ("failed", signal_message(outcome.signal)),
        }
    };
    TaskRecord {
        id: id.to_string(),
        unit: unit.to_owned(),
        action: action.to_owned(),
        status: status.to_owned(),
        message,
        results,
        log: context.log.clone(),
        enqueued,
        started,
        completed: state::now_string(),
        process_micros: u64::try_from(outcome.elapsed.as_micros()).unwrap_or(u64::MAX),
        tool_calls: context.tool_calls,
    }
}

/// Prints tasks keyed by unit, and fails like `juju run` when a task's return code is ≥ 1.
pub fn task_output(tasks: &[TaskRecord], format: Option<&str>) -> Output {
    let mut by_unit = Map::new();
    for task in tasks {
        by_unit.insert(task.unit.clone(), task.to_json());
    }
    let failed: Vec<&TaskRecord> = tasks
        .iter()
        .filter(|t| {
            t.results
                .get("return-code")
                .and_then(Value::as_i64)
                .is_some_and(|c| c >= 1)
        })
        .collect();
    let stdout = match format {
        Some("json") => format!("{}\n", Value::Object(by_unit)),
        Some("yaml") => serde_saphyr::to_string(&Value::Object(by_unit)).unwrap_or_default(),
        _ => plain_tasks(tasks),
    };
    let mut output = Output::out(stdout);
    if !failed.is_empty() {
        output.code = 1;
        output.stderr = "ERROR the following task failed:\n".to_owned();
        for task in failed {
            let code = task
                .results
                .get("return-code")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            output
                .stderr
                .push_str(&format!(" - id \"{}\" with return code {code}\n", task.id));
        }
        output
            .stderr
            .push_str("\nuse 'juju show-task' to inspect the failure\n");
    }
    output
}

/// Tasks as `juju run` prints them without `--format`: failures, visible results as YAML, then
/// the process output.
fn plain_tasks(tasks: &[TaskRecord]) -> String {
    let mut out = String::new();
    for task in tasks {
        if task.status != "completed" {
            out.push_str(&format!("Action id {} failed: {}\n", task.id, task.message));
        }
        let visible: Map<String, Value> = task
            .results
            .iter()
            .filter(|(k, _)| !["return-code", "stdout", "stderr"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !visible.is_empty() {
            out.push_str(&serde_saphyr::to_string(&Value::Object(visible)).unwrap_or_default());
        }
        for key in ["stdout", "stderr"] {
            if let Some(Value::String(text)) = task.results.get(key) {
                out.push_str(text);
            }
        }
    }
    out
}

/// The task message for a charm process killed by a signal: Juju's uniter turns SIGTERM and
/// SIGKILL into its `terminated` error; other signals read as Go's `exec.ExitError` does.
fn signal_message(signal: Option<i32>) -> String {
    match signal {
        Some(9 | 15) | None => "terminated".to_owned(),
        Some(n) => sys::signal_description(n),
    }
}
