//! `juju exec`: a shell command run in units' hook contexts, reported as tasks.

use super::hooks::finish_unit;
use super::tasks::{finish_task, task_output};
use super::{FORMAT, MODEL, Output};
use crate::agent::{self, Kind};
use crate::args::Args;
use crate::charm;
use crate::error::{Result, usage};
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
    let mut targets: Vec<String> = a.all("unit").into_iter().map(str::to_owned).collect();
    for app in a.all("application") {
        let record = model.app(app)?;
        targets.extend(record.units.iter().map(|n| format!("{app}/{n}")));
    }
    if targets.is_empty() {
        return Err(usage(
            "you must specify a target, either through --all, --machine, --application or --unit",
        ));
    }
    let mut tasks = Vec::new();
    for target in targets {
        let (app_name, number) = model.resolve_unit(&target)?;
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
    Ok(task_output(&tasks, a.get("format")))
}
