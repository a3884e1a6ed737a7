//! [`Task`]: one unit's task as `juju run`, `juju exec` and `juju show-task` print it with
//! `--format json`, parsed by serde exactly as jubilant parses it.

use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// One task, as `juju run --format json` reports it for a unit (and `juju show-task` for its
/// id). `return-code`, `stdout` and `stderr` are taken out of `results` into their own fields.
///
/// Parsed leniently, like jubilant: only `id` (a string or a number) and `status` (a string)
/// are required; a missing or malformed `results`, `message` or `log` is empty, a `return-code`
/// that is not an integer (or a string holding one) is 0. Unknown fields are ignored.
///
/// ```
/// # extern crate juju_client as juju;
/// let json = r#"{"id": "7", "status": "completed", "results": {"return-code": 0, "stdout": "hi\n", "size": "3"}}"#;
/// let task: juju::Task = serde_json::from_str(json)?;
/// assert!(task.success());
/// assert_eq!((task.stdout.as_str(), &task.results["size"]), ("hi\n", &serde_json::json!("3")));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "TaskJson")]
pub struct Task {
    pub id: String,
    /// `completed`, `failed`, `aborted`, `cancelled`, `error`, …
    pub status: String,
    /// What the charm set, without `return-code`, `stdout` and `stderr`.
    pub results: Map<String, Value>,
    pub return_code: i64,
    pub stdout: String,
    pub stderr: String,
    pub message: String,
    /// The task's log lines, with their timestamps (see [`Task::log_messages`]).
    pub log: Vec<String>,
}

/// The JSON shape of a task (Go's `ActionResult` as the CLI formats it).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct TaskJson {
    #[serde(deserialize_with = "lenient::id")]
    id: String,
    status: String,
    #[serde(default, deserialize_with = "lenient::object_or_default")]
    results: ResultsJson,
    #[serde(default, deserialize_with = "lenient::string_or_empty")]
    message: String,
    #[serde(default, deserialize_with = "lenient::strings")]
    log: Vec<String>,
}

/// A task's `results`: the keys Juju adds, and the charm's own.
#[derive(Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ResultsJson {
    #[serde(default, deserialize_with = "lenient::return_code")]
    return_code: i64,
    #[serde(default, deserialize_with = "lenient::text")]
    stdout: String,
    #[serde(default, deserialize_with = "lenient::text")]
    stderr: String,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl From<TaskJson> for Task {
    fn from(json: TaskJson) -> Task {
        Task {
            id: json.id,
            status: json.status,
            results: json.results.rest,
            return_code: json.results.return_code,
            stdout: json.results.stdout,
            stderr: json.results.stderr,
            message: json.message,
            log: json.log,
        }
    }
}

/// Lenient field parsers: each reads any JSON value and keeps what fits (see [`Task`]).
mod lenient {
    use serde::de::Error as _;

    use super::{Deserialize, Deserializer, Value};

    /// A string, or a number written as one.
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(D::Error::custom(format!(
                "task id must be a string or a number, got {other}"
            ))),
        }
    }

    /// `T` from a JSON object; anything else is `T::default()`.
    pub fn object_or_default<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Default + serde::de::DeserializeOwned,
    {
        match Value::deserialize(d)? {
            object @ Value::Object(_) => T::deserialize(object).map_err(D::Error::custom),
            _ => Ok(T::default()),
        }
    }

    /// A string; anything else is empty.
    pub fn string_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => s,
            _ => String::new(),
        })
    }

    /// The strings of a list; anything else is empty.
    pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|item| match item {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
    }

    /// An integer, or a string holding one; anything else is 0.
    pub fn return_code<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n.as_i64().unwrap_or(0),
            Value::String(s) => s.parse().unwrap_or(0),
            _ => 0,
        })
    }

    /// A string as it is; any other value as JSON text.
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

impl Task {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Task;

    fn task(value: serde_json::Value) -> Result<Task, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn juju_keys_come_out_of_results() {
        let t = task(json!({
            "id": "42", "status": "completed", "unit": "db/0", "timing": {"started": "x"},
            "results": {"return-code": 0, "stdout": "OUT", "stderr": "ERR", "password": "pass"},
            "message": "done", "log": ["2025-03-01 16:23:26 +1300 NZDT Log message"],
        }))
        .unwrap();
        assert_eq!(t.id, "42");
        assert_eq!((t.stdout.as_str(), t.stderr.as_str()), ("OUT", "ERR"));
        assert_eq!(t.results, *json!({"password": "pass"}).as_object().unwrap());
        assert_eq!(t.message, "done");
        assert_eq!(t.log_messages(), ["Log message"]);
    }

    #[test]
    fn only_id_and_status_are_required() {
        let t = task(json!({"id": 7, "status": "failed"})).unwrap();
        assert_eq!((t.id.as_str(), t.return_code), ("7", 0));
        assert!(t.results.is_empty() && t.log.is_empty() && t.message.is_empty());
        assert!(!t.success());
        for bad in [
            json!({"status": "completed"}),
            json!({"id": null, "status": "completed"}),
            json!({"id": ["1"], "status": "completed"}),
            json!({"id": "1"}),
            json!({"id": "1", "status": 0}),
            json!("1"),
            json!(null),
        ] {
            assert!(task(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_optional_fields_are_empty_or_kept_as_text() {
        let t = task(json!({
            "id": "1", "status": "completed", "results": ["x"], "message": 3, "log": "x",
        }))
        .unwrap();
        assert!(t.results.is_empty() && t.message.is_empty() && t.log.is_empty());
        let t = task(json!({"id": "1", "status": "completed", "results": null, "log": ["a", 1]}))
            .unwrap();
        assert_eq!((t.results.len(), t.log), (0, vec!["a".to_owned()]));
        let t = task(json!({
            "id": "1", "status": "completed",
            "results": {"return-code": "3", "stdout": 5, "stderr": {"a": 1}},
        }))
        .unwrap();
        assert_eq!(
            (t.return_code, t.stdout.as_str(), t.stderr.as_str()),
            (3, "5", r#"{"a":1}"#)
        );
        for code in [json!(1.5), json!("x"), json!(null), json!(u64::MAX)] {
            let t =
                task(json!({"id": "1", "status": "completed", "results": {"return-code": code}}))
                    .unwrap();
            assert_eq!(t.return_code, 0, "{code}");
            assert!(t.results.is_empty());
        }
    }
}
