//! `juju exec`: a shell command run in units' hook contexts, reported as tasks.

use super::hooks::finish_unit;
use super::run::receiver;
use super::tasks::{finish_task, task_output};
use super::{FORMAT, MODEL, Output};
use crate::agent::{self, Kind};
use crate::args::Args;
use crate::charm;
use crate::error::{Result, run_error, usage};
use crate::state::{self, Home};

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
    let mut tasks = Vec::new();
    for (app_name, number) in receivers {
        let app = model.app(&app_name)?;
        let info = charm::read_info(&model.unit_dir(&app_name, number).join("charm"))?;
        let id = model.next_id()?;
        let enqueued = state::now_string();
        let _lock = state::lock(&model.unit_dir(&app_name, number).join("unit.lock"))?;
        let started = state::now_string();
        let outcome = agent::run(
            &model,
            &app,
            &info,
            number,
            Kind::Exec {
                command: command.clone(),
            },
        )?;
        finish_unit(&model, &outcome, outcome.exit_code == Some(0), None)?;
        let mut task = finish_task(
            id,
            &format!("{app_name}/{number}"),
            "juju-exec",
            enqueued,
            started,
            &outcome,
        );
        if task.status == "failed" && task.message.starts_with("exit status") {
            // `juju exec` reports the command's exit in return-code, not as a task failure message.
            task.message.clear();
        }
        state::write_json(&model.task_path(id), &task)?;
        tasks.push(task);
    }
    let mut output = task_output(&tasks, a.get("format"));
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
