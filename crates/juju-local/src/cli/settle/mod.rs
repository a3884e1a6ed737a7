//! The hooks that follow from a change, run until there are none left: each unit's next hook is
//! chosen as Juju's uniter chooses it (`relation/resolver.go` `nextHookForRelation`, the
//! created-relations and leadership resolvers, a dying unit's `stop` and `remove`), from the
//! unit's view of each relation (the members it has joined and the databag versions it has
//! seen) against the model's state, and the units take turns by kind of hook so that every unit
//! runs its `-relation-created` hooks before any `-joined`, and a `-joined` is followed at once
//! by its `-changed`. Committed databag changes bump versions, which gives the other units their
//! `-changed` hooks; [`settle`] stops when no unit has a hook to run, or with an error after
//! [`max_hooks`] hooks.
//!
//! [`start_unit`] is a new unit's own sequence (its storage's `-storage-attached`, `install`,
//! entering the scope of its application's relations, `-relation-created` for each,
//! `leader-elected` or `leader-settings-changed`, `config-changed`, `start`). A hook that fails
//! puts its unit in error and the unit runs nothing more in that command; the failed hook is not
//! run again.
//!
//! Callers hold the model's hooks lock.
//!
//! Here the loop; `choice.rs` each unit's next operation (leadership, secret and storage
//! hooks), `relations.rs` the relation hooks', `removal.rs` a dying unit's end, `start.rs` a new
//! unit's sequence.

mod choice;
mod relations;
mod removal;
mod start;

use std::collections::BTreeSet;

use choice::{Op, Snapshot, Update, apply, leave_scope, mark_attached, next_op};
pub use start::start_unit;

use super::hooks::run_hook;
use crate::charm;
use crate::error::{Result, run_error};
use crate::state::{self, Model};

/// The most hooks one [`settle`] runs (`JUJU_LOCAL_MAX_HOOKS` overrides it): charms that answer
/// every `-relation-changed` with a change of their own never settle.
pub fn max_hooks() -> usize {
    std::env::var("JUJU_LOCAL_MAX_HOOKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5000)
}

/// Runs every hook that follows from the model's state until none is left; returns the
/// failure lines to print (`unit app/0: hook failed: "…"`). Units named in `skip` (whose
/// hooks already failed in this command) run nothing.
pub fn settle(model: &Model, skip: &mut BTreeSet<String>) -> Result<String> {
    let limit = max_hooks();
    let mut stderr = String::new();
    let mut ran: Vec<String> = Vec::new();
    loop {
        let snap = Snapshot::load(model)?;
        let next = snap
            .units
            .iter()
            .filter(|u| !skip.contains(&u.name()))
            .filter_map(|u| next_op(&snap, u).map(|(rank, _)| (rank, u.app.clone(), u.number)))
            .min_by_key(|(rank, _, _)| *rank);
        let Some((_, app_name, number)) = next else {
            relations::remove_finished_relations(model)?;
            return Ok(stderr);
        };
        if ran.len() >= limit {
            let last: Vec<&str> = ran.iter().rev().take(6).rev().map(String::as_str).collect();
            return Err(run_error(format!(
                "relation hooks did not settle after {limit} hooks: the charms keep changing relation data (the last hooks: {}); set JUJU_LOCAL_MAX_HOOKS to allow more",
                last.join(", ")
            )));
        }
        let name = format!("{app_name}/{number}");
        match step(model, &app_name, number)? {
            Step::Ran(hook, ok) => {
                if !ok {
                    stderr.push_str(&format!("unit {name}: hook failed: \"{hook}\"\n"));
                    skip.insert(name.clone());
                }
                ran.push(format!("{name} {hook}"));
            }
            Step::Removed(failures) => {
                stderr.push_str(&failures);
                ran.push(format!("{name} remove"));
            }
            Step::Nothing => {
                // The state changed under us (another command's task): look again, but do not
                // spin on a unit whose op vanished.
                skip.insert(name);
            }
        }
    }
}

enum Step {
    Ran(String, bool),
    Removed(String),
    Nothing,
}

/// Runs the unit's next operation under its lock, recomputed there from fresh state.
fn step(model: &Model, app_name: &str, number: u32) -> Result<Step> {
    let unit_dir = model.unit_dir(app_name, number);
    let lock = state::lock(&unit_dir.join("unit.lock"))?;
    let snap = Snapshot::load(model)?;
    let Some(unit) = snap
        .units
        .iter()
        .find(|u| u.app == app_name && u.number == number)
    else {
        return Ok(Step::Nothing);
    };
    let Some((_, op)) = next_op(&snap, unit) else {
        return Ok(Step::Nothing);
    };
    let Some(app) = snap.apps.get(app_name) else {
        return Ok(Step::Nothing);
    };
    match op {
        Op::LeaveScope(id) => {
            let mut unit = model.unit(app_name, number)?;
            leave_scope(&mut unit, id);
            model.save_unit(&unit)?;
            Ok(Step::Ran(String::from("(leave scope)"), true))
        }
        Op::Hook(hook, update) => {
            let info = charm::read_info(&unit_dir.join("charm"))?;
            let name = hook.name.clone();
            let ok = run_hook(model, app, &info, number, hook)?;
            let mut unit = model.unit(app_name, number)?;
            apply(&mut unit, &update);
            mark_attached(&mut unit, &update, ok);
            model.save_unit(&unit)?;
            if let Update::Secret(due) = &update {
                let now = crate::secrets::now(model);
                crate::secrets::hook_done(model, due, &unit.name(), now)?;
            }
            Ok(Step::Ran(name, ok))
        }
        Op::Remove => {
            let failures = removal::remove_unit(model, app, unit, lock)?;
            Ok(Step::Removed(failures))
        }
    }
}

/// The unit names in failure lines (`unit app/0: hook failed: …`), to skip in [`settle`].
pub fn failed_units(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("unit "))
        .filter_map(|l| l.split_once(": hook failed"))
        .map(|(unit, _)| unit.to_owned())
        .collect()
}
