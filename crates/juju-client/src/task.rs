//! [`Task`]: the result of `juju run` / `juju exec`, parsed exactly as jubilant parses it.

use std::fmt;

use serde_json::{Map, Value};

/// One task, as `juju run --format json` reports it for a unit. `return-code`, `stdout` and
/// `stderr` are taken out of `results` into their own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    /// `completed`, `failed`, `aborted`, `cancelled`, `error`, …
    pub status: String,
    pub results: Map<String, Value>,
    pub return_code: i64,
    pub stdout: String,
    pub stderr: String,
    pub message: String,
    pub log: Vec<String>,
}

impl Task {
    /// Parses one task object (`{"id", "status", "results", "message", "log", …}`).
    pub fn from_json(value: &Value) -> Result<Task, String> {
        let id = match value.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(format!("task has no id: {value}")),
        };
        let status = value
            .get("status")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("task {id} has no status"))?
            .to_owned();
        let mut results = value
            .get("results")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let return_code = match results.remove("return-code") {
            Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
            Some(Value::String(s)) => s.parse().unwrap_or(0),
            _ => 0,
        };
        let mut text = |key: &str| match results.remove(key) {
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let stdout = text("stdout");
        let stderr = text("stderr");
        let message = value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let log = value
            .get("log")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Task {
            id,
            status,
            results,
            return_code,
            stdout,
            stderr,
            message,
            log,
        })
    }

    /// Completed with return code 0.
    pub fn success(&self) -> bool {
        self.status == "completed" && self.return_code == 0
    }

    /// `Ok(self)` when successful, else [`crate::Error::Task`].
    pub fn into_result(self) -> Result<Task, crate::Error> {
        if self.success() {
            Ok(self)
        } else {
            Err(crate::Error::Task(Box::new(TaskError { task: self })))
        }
    }

    /// The log messages without their timestamps (`2024-05-01 10:00:00 +0000 UTC msg` → `msg`).
    pub fn log_messages(&self) -> Vec<&str> {
        self.log
            .iter()
            .map(|line| {
                // Go's time.String(): "<date> <time> <offset> <zone> ".
                line.splitn(5, ' ').nth(4).unwrap_or(line)
            })
            .collect()
    }
}

/// A task that did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskError {
    pub task: Task,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.task;
        write!(
            f,
            "task error: Task {}: status {:?}, return code {}",
            t.id, t.status, t.return_code
        )?;
        if !t.message.is_empty() {
            write!(f, ", message {:?}", t.message)?;
        }
        if !t.stderr.is_empty() {
            write!(f, "\nstderr:\n{}", t.stderr.trim_end())?;
        }
        Ok(())
    }
}

impl std::error::Error for TaskError {}
