//! How `juju run` and `juju exec` wait for their tasks, as Juju's `cmd/juju/action/common.go`
//! does: the `--wait` and `--background` flags (`runCommandBase.Init`: a Go duration, 0 meaning
//! the default, a negative one waiting for ever), one deadline shared by every task
//! (`waitForTasks`), polling with a backoff (`GetActionResult`) woken early by the worker's exit,
//! and the timeout message (`handleTimeout`).

use std::time::{Duration, Instant};

use super::worker;
use crate::error::{Result, usage};
use crate::state::{Model, TaskRecord};

/// How long `juju run` waits: `None` for ever.
pub type Wait = Option<Duration>;

/// `--wait` and `--background` as `runCommandBase.Init` takes them: both at once (a positive
/// wait) is a usage error; no wait (or 0) is the 60s default; a negative wait is no limit.
pub fn wait_flags(wait: Option<&str>, background: bool) -> Result<Wait> {
    let nanos = wait_nanos(wait)?;
    if background && nanos > 0 {
        return Err(usage("cannot specify both --wait and --background"));
    }
    Ok(wait_from(nanos, Duration::from_secs(60)))
}

/// `--wait` of a command with no `--background` (`juju exec`): none or 0 is `default`, a
/// negative wait is no limit.
pub fn wait_flag(wait: Option<&str>, default: Duration) -> Result<Wait> {
    Ok(wait_from(wait_nanos(wait)?, default))
}

/// The `--wait` flag's value in nanoseconds (0 when not given).
fn wait_nanos(wait: Option<&str>) -> Result<i64> {
    match wait {
        Some(text) => go_duration(text)
            .map_err(|e| usage(format!("invalid value {text:?} for flag --wait: {e}"))),
        None => Ok(0),
    }
}

fn wait_from(nanos: i64, default: Duration) -> Wait {
    match nanos {
        0 => Some(default),
        n if n < 0 => None,
        n => Some(Duration::from_nanos(n.unsigned_abs())),
    }
}

/// Waits for task `id` until `deadline`: the finished task, or `None` when the deadline came
/// first (the task keeps running). Wakes when the task's worker exits (`exited`), and otherwise
/// polls the record from 20ms, backing off by 1.5× to at most 200ms (Juju's client backs off to
/// 2s; a local file read is cheap and tests want the result promptly).
pub fn wait_for(
    model: &Model,
    id: u64,
    deadline: Option<Instant>,
    exited: Option<&worker::Exited>,
) -> Result<Option<TaskRecord>> {
    let mut pause = Duration::from_millis(20);
    loop {
        let task = worker::current(model, id)?;
        if worker::finished(&task) {
            return Ok(Some(task));
        }
        let now = Instant::now();
        let nap = match deadline {
            Some(deadline) if now >= deadline => return Ok(None),
            Some(deadline) => pause.min(deadline - now),
            None => pause,
        };
        match exited {
            // Woken by the worker's exit (or its end of the pipe closing) or the nap's end.
            Some(exited) => match exited.recv_timeout(nap) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                // Exited: read the record at once, then poll (the signal comes only once).
                Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    let task = worker::current(model, id)?;
                    if worker::finished(&task) {
                        return Ok(Some(task));
                    }
                    std::thread::sleep(nap);
                }
            },
            None => std::thread::sleep(nap),
        }
        pause = pause.mul_f64(1.5).min(Duration::from_millis(200));
    }
}

/// `handleTimeout`: the receivers that gave no result, by tag, sorted as tags sort, read as
/// `names.ReadableString` prints a unit tag (`unit app/0`).
pub fn timeout_message(units: &[&str]) -> String {
    let mut tagged: Vec<(String, &str)> = units
        .iter()
        .map(|u| (crate::relation::unit_tag(u), *u))
        .collect();
    tagged.sort_unstable();
    tagged.dedup();
    let readable: Vec<String> = tagged.iter().map(|(_, u)| format!("unit {u}")).collect();
    format!(
        "timed out waiting for results from: {}",
        readable.join(", ")
    )
}

/// Go's `time.ParseDuration`, in nanoseconds, with its error messages.
pub fn go_duration(text: &str) -> std::result::Result<i64, String> {
    let invalid = || format!("time: invalid duration {text:?}");
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(after) => {
                let len = after.bytes().take_while(u8::is_ascii_digit).count();
                after.split_at(len)
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = after
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale: u128 = match unit {
            "" => return Err(format!("time: missing unit in duration {text:?}")),
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => return Err(format!("time: unknown unit {other:?} in duration {text:?}")),
        };
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut value = whole.checked_mul(scale).ok_or_else(invalid)?;
        // Go keeps the fraction's leading digits that matter and truncates the rest.
        let mut unit_part = scale;
        for digit in frac_part.bytes().take(30) {
            unit_part /= 10;
            value += u128::from(digit - b'0') * unit_part;
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > i64::MAX as u128 {
            return Err(invalid());
        }
        rest = after;
    }
    let total = i64::try_from(total).map_err(|_| invalid())?;
    Ok(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_go_parses_them() {
        assert_eq!(go_duration("1s"), Ok(1_000_000_000));
        assert_eq!(go_duration("2m"), Ok(120_000_000_000));
        assert_eq!(go_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(go_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(go_duration(".5ms"), Ok(500_000));
        assert_eq!(go_duration("-1s"), Ok(-1_000_000_000));
        assert_eq!(go_duration("0"), Ok(0));
        assert_eq!(go_duration("-0"), Ok(0));
        assert_eq!(
            go_duration("5"),
            Err("time: missing unit in duration \"5\"".into())
        );
        assert_eq!(
            go_duration("5d"),
            Err("time: unknown unit \"d\" in duration \"5d\"".into())
        );
        assert_eq!(go_duration(""), Err("time: invalid duration \"\"".into()));
        assert_eq!(go_duration("s"), Err("time: invalid duration \"s\"".into()));
        assert_eq!(
            go_duration("9999999999h"),
            Err("time: invalid duration \"9999999999h\"".into())
        );
    }

    #[test]
    fn wait_flags_follow_run_command_base_init() {
        assert_eq!(wait_flags(None, false), Ok(Some(Duration::from_secs(60))));
        assert_eq!(
            wait_flags(Some("0"), false),
            Ok(Some(Duration::from_secs(60)))
        );
        assert_eq!(wait_flags(Some("-1s"), false), Ok(None));
        assert_eq!(
            wait_flags(Some("2s"), false),
            Ok(Some(Duration::from_secs(2)))
        );
        assert_eq!(
            wait_flags(Some("2s"), true).map_err(|e| (e.code, e.message)),
            Err((2, "cannot specify both --wait and --background".into()))
        );
        assert!(wait_flags(Some("0s"), true).is_ok());
    }

    #[test]
    fn timeouts_name_units_in_tag_order() {
        assert_eq!(
            timeout_message(&["app/2", "app/10"]),
            "timed out waiting for results from: unit app/10, unit app/2"
        );
    }
}
