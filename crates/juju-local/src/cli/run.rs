//! `juju run` (an action on one or more units, parameters validated and defaulted before it is
//! scheduled, run by a detached worker and waited for) and `juju show-task`.

use std::fs;

use serde_json::{Map, Value};

use std::time::Instant;

use super::params::{parse_action_args, validate_params};
use super::tasks::{task_json, task_output};
use super::wait::{timeout_message, wait_flags, wait_for};
use super::worker;
use super::{FORMAT, MODEL, Output, json_or_yaml};
use crate::args::Args;
use crate::charm;
use crate::error::{Result, run_error, usage};
use crate::state::{Home, Model};

/// `juju run UNIT… ACTION [key=value…]`: validates the parameters against the action's schema,
/// queues a task per unit (each run by a detached worker under the unit's lock, see
/// [`worker`]), then waits for them up to `--wait` and prints them, or with `--background`
/// prints how to follow them and returns at once. Progress goes to stderr as it happens.
pub fn run(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["params"], true),
            (&["wait"], true),
            (&["string-args"], false),
            (&["background"], false),
            (&["utc"], false),
            (&["quiet"], false),
            (&["o", "output"], true),
        ],
    )?;
    // `runCommandBase.Init` checks these before anything runs.
    let background = a.has("background");
    let wait = wait_flags(a.get("wait"), background)?;
    let model = home.resolve_model(a.get("model"))?;
    if a.positional.len() < 2 {
        return Err(usage(
            "no action specified: juju run <unit> [<unit> ...] <action> [key=value ...]",
        ));
    }
    let action_index = a
        .positional
        .iter()
        .position(|p| !p.contains('/'))
        .unwrap_or(a.positional.len() - 1);
    let units = &a.positional[..action_index];
    if units.is_empty() {
        return Err(usage("no unit specified"));
    }
    let action = &a.positional[action_index];
    if !ops::results::is_valid_segment(action) {
        return Err(usage(format!("invalid action name \"{action}\"")));
    }
    let mut params = Map::new();
    if let Some(file) = a.get("params") {
        let text = fs::read_to_string(file)
            .map_err(|e| run_error(format!("cannot read params file {file:?}: {e}")))?;
        match serde_saphyr::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => params = map,
            Ok(Value::Null) => {}
            Ok(_) => {
                return Err(run_error(format!(
                    "params file {file:?} must hold a mapping"
                )));
            }
            Err(e) => return Err(run_error(format!("invalid params file {file:?}: {e}"))),
        }
    }
    parse_action_args(
        &a.positional[action_index + 1..],
        a.has("string-args"),
        &mut params,
    )?;

    // Enqueue first, as Juju does: a receiver that is not there, an application without a
    // leader, an unknown action or bad parameters fail that receiver's enqueue; only when no
    // task could be scheduled does the command say so and stop (stderr only, exit 0).
    let mut scheduled = Vec::new();
    let mut enqueue_errors = Vec::new();
    for unit_arg in units {
        let (app_name, number) = match receiver(&model, unit_arg)? {
            Ok(unit) => unit,
            Err(error) => {
                enqueue_errors.push(error);
                continue;
            }
        };
        let unit_name = format!("{app_name}/{number}");
        let info = charm::read_info(&model.unit_dir(&app_name, number).join("charm"))?;
        match validate_params(&info, action, &unit_name, Value::Object(params.clone())) {
            Ok(prepared) => scheduled.push((app_name, number, info, prepared)),
            Err(error) => enqueue_errors.push(error.to_string()),
        }
    }
    if scheduled.is_empty() {
        let id = model.next_id()?;
        return Ok(Output::err(format!(
            "Operation {id} failed to schedule any tasks:\n{}\n",
            enqueue_errors.join("\n")
        )));
    }
    // Juju prints the receivers it could not enqueue after the "Running operation" lines.
    let unscheduled = if enqueue_errors.is_empty() {
        String::new()
    } else {
        format!(
            "Some actions could not be scheduled:\n{}\n\n",
            enqueue_errors.join("\n")
        )
    };
    // Each task is recorded as pending and handed to its own worker, which runs it under the
    // unit's lock; this command only waits for the records (or, with --background, does not).
    let mut queued = Vec::new();
    for (app_name, number, _info, prepared) in scheduled {
        let id = model.next_id()?;
        let exited = worker::queue(home, &model, id, (&app_name, number), action, prepared)?;
        queued.push((id, format!("{app_name}/{number}"), exited));
    }
    // The operation is numbered as its first task (Juju numbers it separately, one before).
    let operation = queued.first().map_or(0, |(id, _, _)| *id);
    if background {
        let queued: Vec<(u64, String)> =
            queued.into_iter().map(|(id, unit, _)| (id, unit)).collect();
        return Ok(scheduled_output(operation, &queued, unscheduled));
    }
    let plural = if queued.len() > 1 { "s" } else { "" };
    let mut progress = format!(
        "Running operation {operation} with {} task{plural}\n",
        queued.len()
    );
    for (id, unit, _) in &queued {
        progress.push_str(&format!(
            "  - task {id} on unit-{}\n",
            unit.replace('/', "-")
        ));
    }
    progress.push('\n');
    progress.push_str(&unscheduled);
    // `--quiet`: no informational output (the progress lines and the action's log).
    let quiet = a.has("quiet");
    if !quiet {
        eprint!("{progress}");
    }
    // One deadline for every task, as `waitForTasks` has one timer.
    let deadline = wait.map(|w| Instant::now() + w);
    let mut tasks = Vec::new();
    for (i, (id, _, exited)) in queued.iter().enumerate() {
        if !quiet {
            eprintln!("Waiting for task {id}...");
        }
        let Some(task) = wait_for(&model, *id, deadline, exited.as_ref())? else {
            let units: Vec<&str> = queued[i..].iter().map(|(_, u, _)| u.as_str()).collect();
            return Err(run_error(timeout_message(&units)));
        };
        let mut logs = String::new();
        for line in &task.log {
            logs.push_str(line.get(30..).unwrap_or(line));
            logs.push('\n');
        }
        if !quiet {
            eprint!("{logs}");
        }
        tasks.push(task);
    }
    task_output(&tasks, a.get("format")).written_to(a.get("output"))
}

/// What `juju run --background` prints (`processOperationResults`): the operation and its
/// tasks, and how to follow them; with several tasks, their ids by unit as YAML on stdout.
fn scheduled_output(operation: u64, queued: &[(u64, String)], unscheduled: String) -> Output {
    let mut output = Output::err(unscheduled);
    if let [(id, _)] = queued {
        output.stderr.push_str(&format!(
            "Scheduled operation {operation} with task {id}\n\
             Check operation status with 'juju show-operation {operation}'\n\
             Check task status with 'juju show-task {id}'\n"
        ));
    } else {
        let info: Map<String, Value> = queued
            .iter()
            .map(|(id, unit)| (unit.clone(), serde_json::json!({"id": id.to_string()})))
            .collect();
        output.stdout = json_or_yaml(&Value::Object(info), Some("yaml"));
        output.stderr.push_str(&format!(
            "Scheduled operation {operation} with {} tasks\n\
             Check operation status with 'juju show-operation {operation}'\n\
             Check task status with 'juju show-task <id>'\n",
            queued.len()
        ));
    }
    output
}

/// A `juju run`/`juju exec` receiver, `app/N` or `app/leader`, as Juju's enqueue resolves it:
/// `Ok(Err(message))` when it cannot take a task, in Juju's words (the message that follows
/// "failed to schedule any tasks"); a malformed name is a usage error, as Juju's argument
/// check makes it.
pub(super) fn receiver(
    model: &Model,
    name: &str,
) -> Result<std::result::Result<(String, u32), String>> {
    let Some((app, which)) = name.split_once('/') else {
        return Err(usage(format!("invalid unit or action name \"{name}\"")));
    };
    if which == "leader" {
        let leader = model.app(app).ok().and_then(|record| {
            record
                .units
                .iter()
                .copied()
                .find(|n| model.unit(app, *n).is_ok_and(|u| u.leader))
        });
        return Ok(leader
            .map(|n| (app.to_owned(), n))
            .ok_or_else(|| format!("could not determine leader for \"{app}\"")));
    }
    let number: u32 = which
        .parse()
        .map_err(|_| usage(format!("invalid unit or action name \"{name}\"")))?;
    let exists = model
        .app(app)
        .is_ok_and(|record| record.units.contains(&number))
        && model.unit(app, number).is_ok();
    // Juju's TagToActionReceiverFn: `errors.NotFoundf("%s", tag)` for a unit it cannot find.
    Ok(if exists {
        Ok((app.to_owned(), number))
    } else {
        Err(format!("unit-{app}-{number} not found"))
    })
}

/// `juju show-task ID`: a finished task, as JSON or YAML.
pub fn show_task(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["wait"], true),
            (&["watch"], false),
            (&["utc"], false),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let [id] = a.positional.as_slice() else {
        return Err(usage("show-task needs a task id"));
    };
    let number: u64 = id
        .parse()
        .map_err(|_| usage(format!("invalid task id {id:?}")))?;
    if !model.task_path(number).exists() {
        return Err(run_error(format!("task {id} not found")));
    }
    let task = worker::current(&model, number)?;
    Ok(Output::out(json_or_yaml(
        &task_json(&task),
        a.get("format"),
    )))
}
