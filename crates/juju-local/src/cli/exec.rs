//! `juju exec`: a shell command run in units' hook contexts, reported as tasks.

use std::time::{Duration, Instant};

use serde_json::json;

use super::run::receiver;
use super::tasks::task_output;
use super::wait::{timeout_message, wait_flag, wait_for};
use super::worker;
use super::{FORMAT, MODEL, Output};
use crate::args::Args;
use crate::error::{Result, run_error, usage};
use crate::state::Home;

/// `juju exec --unit UNIT|--application APP -- COMMAND`: runs a shell command in each unit's hook
/// context and prints the tasks, the command's exit status as their return code.
pub fn exec(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["u", "unit"], true),
            (&["a", "app", "application"], true),
            (&["wait"], true),
            (&["all"], false),
            (&["machine"], true),
            (&["o", "output"], true),
            (&["execution-group"], true),
            (&["parallel"], false),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    for (flag, why) in [
        (
            "all",
            "the local Juju has no machines; name units with --unit or --application",
        ),
        (
            "machine",
            "the local Juju has no machines; name units with --unit or --application",
        ),
        (
            "parallel",
            "the local Juju runs one command at a time on a unit, as with an execution group",
        ),
    ] {
        if a.get(flag).is_some() {
            return Err(usage(format!("--{flag} is not supported: {why}")));
        }
    }
    if a.positional.is_empty() {
        return Err(usage("no commands specified"));
    }
    let command = a.positional.join(" ");
    let invalid: Vec<String> = a
        .all("unit")
        .into_iter()
        .filter(|u| !valid_unit_target(u))
        .map(|u| format!("  \"{u}\" is not a valid unit name"))
        .collect();
    if !invalid.is_empty() {
        return Err(usage(format!(
            "The following exec targets are not valid:\n{}",
            invalid.join("\n")
        )));
    }
    let mut targets: Vec<String> = a.all("unit").into_iter().map(str::to_owned).collect();
    for app in a.all("application") {
        let record = model.app(app)?;
        targets.extend(record.units.iter().map(|n| format!("{app}/{n}")));
    }
    if targets.is_empty() {
        return Err(usage(
            "You must specify a target, either through --all, --machine, --application or --unit",
        ));
    }
    // As Juju's Run API: `app/leader` is resolved first (no leader fails the command), then
    // each unit is enqueued, and a unit that is not there fails only its own enqueue.
    let mut receivers = Vec::new();
    let mut enqueue_errors = Vec::new();
    for target in &targets {
        match receiver(&model, target)? {
            Ok(unit) => receivers.push(unit),
            Err(error) if target.ends_with("/leader") => return Err(run_error(error)),
            Err(error) => enqueue_errors.push(error),
        }
    }
    if receivers.is_empty() {
        let id = model.next_id()?;
        return Ok(Output::err(format!(
            "Operation {id} failed to schedule any tasks:\n{}\n",
            enqueue_errors.join("\n")
        )));
    }
    // Each command is a task run apart from this command by a worker, as `juju run`'s are;
    // this command waits for them up to --wait (Juju's default: 5 minutes).
    let wait = wait_flag(a.get("wait"), Duration::from_secs(300))?;
    let mut queued = Vec::new();
    for (app_name, number) in receivers {
        let id = model.next_id()?;
        let exited = worker::queue(
            home,
            &model,
            id,
            (&app_name, number),
            worker::EXEC_ACTION,
            json!({ "command": command }),
        )?;
        queued.push((id, format!("{app_name}/{number}"), exited));
    }
    let deadline = wait.map(|w| Instant::now() + w);
    let mut tasks = Vec::new();
    for (i, (id, _, exited)) in queued.iter().enumerate() {
        let Some(task) = wait_for(&model, *id, deadline, exited.as_ref())? else {
            let units: Vec<&str> = queued[i..].iter().map(|(_, u, _)| u.as_str()).collect();
            return Err(run_error(timeout_message(&units)));
        };
        tasks.push(task);
    }
    let mut output = task_output(&tasks, a.get("format"));
    output = output.written_to(a.get("output"))?;
    if !enqueue_errors.is_empty() {
        output.stderr = format!(
            "Some actions could not be scheduled:\n{}\n\n{}",
            enqueue_errors.join("\n"),
            output.stderr
        );
    }
    Ok(output)
}

/// Whether `--unit` names a unit as Juju's exec accepts it: `app/N` or `app/leader`, the
/// application name lowercase letters, digits and hyphens, starting with a letter.
fn valid_unit_target(unit: &str) -> bool {
    let Some((app, which)) = unit.split_once('/') else {
        return false;
    };
    let app_ok = app.starts_with(|c: char| c.is_ascii_lowercase())
        && app
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !app.ends_with('-');
    let which_ok = which == "leader"
        || (!which.is_empty()
            && which.chars().all(|c| c.is_ascii_digit())
            && (which == "0" || !which.starts_with('0')));
    app_ok && which_ok
}
