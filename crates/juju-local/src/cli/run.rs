//! `juju run` (an action on one or more units, parameters validated and defaulted before it is
//! scheduled) and `juju show-task`.

use std::fs;

use serde_json::{Map, Value};

use super::hooks::finish_unit;
use super::params::{parse_action_args, validate_params};
use super::tasks::{finish_task, task_output};
use super::{FORMAT, MODEL, Output, json_or_yaml};
use crate::agent::{self, Kind};
use crate::args::Args;
use crate::charm;
use crate::error::{Result, run_error, usage};
use crate::state::{self, Home, Model, TaskRecord};

/// `juju run UNIT… ACTION [key=value…]`: validates the parameters against the action's schema,
/// then runs the action on each unit in turn (under the unit's lock) and prints the tasks.
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
    let mut stderr = String::new();
    if scheduled.is_empty() {
        let id = model.next_id()?;
        return Ok(Output::err(format!(
            "Operation {id} failed to schedule any tasks:\n{}\n",
            enqueue_errors.join("\n")
        )));
    }
    // Juju prints the receivers it could not enqueue after the first "Running operation".
    let mut unscheduled = (!enqueue_errors.is_empty()).then(|| {
        format!(
            "Some actions could not be scheduled:\n{}\n\n",
            enqueue_errors.join("\n")
        )
    });
    let mut tasks = Vec::new();
    for (app_name, number, info, prepared) in scheduled {
        let unit_name = format!("{app_name}/{number}");
        let app = model.app(&app_name)?;
        let id = model.next_id()?;
        stderr.push_str(&format!(
            "Running operation {id} with 1 task\n  - task {id} on unit-{app_name}-{number}\n\n"
        ));
        stderr.push_str(&unscheduled.take().unwrap_or_default());
        stderr.push_str(&format!("Waiting for task {id}...\n"));
        let enqueued = state::now_string();
        let _lock = state::lock(&model.unit_dir(&app_name, number).join("unit.lock"))?;
        let started = state::now_string();
        let outcome = agent::run(
            &model,
            &app,
            &info,
            number,
            Kind::Action {
                name: action.clone(),
                id,
                params: prepared,
            },
        )?;
        let success =
            outcome.exit_code == Some(0) && !outcome.missing && outcome.spawn_error.is_none();
        finish_unit(&model, &outcome, success, None)?;
        let task = finish_task(id, &unit_name, action, enqueued, started, &outcome);
        state::write_json(&model.task_path(id), &task)?;
        for line in &task.log {
            stderr.push_str(line.get(30..).unwrap_or(line));
            stderr.push('\n');
        }
        tasks.push(task);
    }
    let mut output = task_output(&tasks, a.get("format"));
    output.stderr = stderr + &output.stderr;
    Ok(output)
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
    let task: TaskRecord = state::read_json(&model.task_path(number))
        .map_err(|_| run_error(format!("task {id} not found")))?;
    Ok(Output::out(json_or_yaml(&task.to_json(), a.get("format"))))
}
