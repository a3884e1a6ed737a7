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
        let bytes = by_lines(bytes);
        match String::from_utf8(bytes) {
            Ok(text) => {
                results.insert(key.into(), Value::String(text));
            }
            Err(e) => {
                let bytes = e.into_bytes();
                results.insert(key.into(), Value::String(BASE64_STANDARD.encode(&bytes)));
                results.insert(format!("{key}-encoding"), Value::String("base64".into()));
            }
        }
    }
    // A unit with no handler never ran a process: no return code (the uniter fails the action
    // before running anything).
    if !outcome.missing {
        results.insert("return-code".into(), Value::from(return_code));
    }
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

/// A task as `juju run --format json` prints one unit's entry (`formatActionResult`: empty
/// values left out, the timing entries a task has so far).
pub fn task_json(task: &TaskRecord) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::String(task.id.clone()));
    if !task.log.is_empty() {
        out.insert("log".into(), Value::from(task.log.clone()));
    }
    if !task.message.is_empty() {
        out.insert("message".into(), Value::String(task.message.clone()));
    }
    if !task.results.is_empty() {
        out.insert("results".into(), Value::Object(task.results.clone()));
    }
    out.insert("status".into(), Value::String(task.status.clone()));
    let timing: Map<String, Value> = [
        ("completed", &task.completed),
        ("enqueued", &task.enqueued),
        ("started", &task.started),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_owned(), Value::String(v.clone())))
    .collect();
    if !timing.is_empty() {
        out.insert("timing".into(), Value::Object(timing));
    }
    out.insert("unit".into(), Value::String(task.unit.clone()));
    Value::Object(out)
}

/// Prints tasks keyed by unit, and fails like `juju run` when a task's return code is ≥ 1.
pub fn task_output(tasks: &[TaskRecord], format: Option<&str>) -> Output {
    let mut by_unit = Map::new();
    for task in tasks {
        by_unit.insert(task.unit.clone(), task_json(task));
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
        // `processOperationResults`: the list sorted, "task"/"failure" plural with several.
        let plural = if failed.len() > 1 { "s" } else { "" };
        let mut list: Vec<String> = failed
            .iter()
            .map(|task| {
                let code = task
                    .results
                    .get("return-code")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                format!(" - id \"{}\" with return code {code}", task.id)
            })
            .collect();
        list.sort();
        output.code = 1;
        output.stderr = format!(
            "ERROR the following task{plural} failed:\n{}\n\nuse 'juju show-task' to inspect the failure{plural}\n",
            list.join("\n")
        );
    }
    output
}

/// Results keys `printPlainOutput` leaves out of the results it prints (`filteredOutputKeys`).
const FILTERED_OUTPUT_KEYS: [&str; 5] = [
    "return-code",
    "stdout",
    "stderr",
    "stdout-encoding",
    "stderr-encoding",
];

/// Tasks as `juju run` prints them without `--format` (`common.go`, `printPlainOutput`): for
/// one task, its failure, its visible results as YAML (or `Task N status` without results)
/// and a blank line, then the process's stdout and stderr trimmed of newlines; several tasks
/// print as YAML keyed by unit, without the process output.
fn plain_tasks(tasks: &[TaskRecord]) -> String {
    let mut infos = Map::new();
    let (mut stdout, mut stderr) = (String::new(), String::new());
    for task in tasks {
        let output = if task.results.is_empty() {
            format!("Task {} {}\n", task.id, task.status)
        } else {
            let mut visible = Map::new();
            for (key, value) in &task.results {
                let key = key.to_lowercase();
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if key == "stdout" && !text.is_empty() {
                    stdout = text;
                } else if key == "stderr" && !text.is_empty() {
                    stderr = text;
                }
                if !FILTERED_OUTPUT_KEYS.contains(&key.as_str()) {
                    visible.insert(key, value.clone());
                }
            }
            if visible.is_empty() {
                String::new()
            } else {
                serde_saphyr::to_string(&Value::Object(visible)).unwrap_or_default()
            }
        };
        let mut info = Map::new();
        info.insert("id".into(), Value::String(task.id.clone()));
        if !task.message.is_empty() {
            info.insert("message".into(), Value::String(task.message.clone()));
        }
        info.insert("output".into(), Value::String(output));
        info.insert("status".into(), Value::String(task.status.clone()));
        infos.insert(task.unit.clone(), Value::Object(info));
    }
    if infos.len() > 1 {
        return serde_saphyr::to_string(&Value::Object(infos)).unwrap_or_default();
    }
    let mut out = String::new();
    for info in infos.values() {
        let field = |k: &str| info.get(k).and_then(Value::as_str).unwrap_or_default();
        if field("status") == "failed" {
            out.push_str(&format!(
                "Action id {} failed: {}\n",
                field("id"),
                field("message")
            ));
        }
        out.push_str(field("output"));
        out.push('\n');
    }
    for text in [stdout, stderr] {
        if !text.is_empty() {
            out.push_str(text.trim_matches('\n'));
            out.push('\n');
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

/// The output as Juju stores it: read line by line (`bufio.ScanLines`, which drops a `\r` before
/// the `\n`) and each line written back with `\n` (`bufferAdaptor.Messagef`), so output without a
/// final newline gets one.
fn by_lines(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    for line in body.split(|b| *b == b'\n') {
        out.extend_from_slice(line.strip_suffix(b"\r").unwrap_or(line));
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod line_tests {
    use super::by_lines;

    #[test]
    fn output_is_stored_line_by_line_as_juju_reads_it() {
        assert_eq!(by_lines(b"abc"), b"abc\n");
        assert_eq!(by_lines(b"abc\n"), b"abc\n");
        assert_eq!(by_lines(b"a\r\nb"), b"a\nb\n");
        assert_eq!(by_lines(b"a\n\nb\n"), b"a\n\nb\n");
        assert_eq!(by_lines(b"\xff\xfe"), b"\xff\xfe\n");
    }
}
