//! Running hooks on a unit for the commands (`deploy`, `refresh`, `config`, the relation and
//! unit commands, `destroy-model`) and saving what a hook, action or exec changed on the unit
//! and its application: statuses and leader settings at once (whatever the outcome, as Juju's
//! `leader-set` writes immediately), charm state and relation data only when the process
//! succeeded (Juju's `Flush`, one `CommitHookChanges`).

use std::collections::BTreeMap;

use crate::agent::{self, HookInfo, Kind, Outcome};
use crate::charm::CharmInfo;
use crate::error::Result;
use crate::state::{AppRecord, HookRun, Model, Status};

/// Runs one hook on a unit (the caller holds the unit lock) and records its effects; whether the
/// hook succeeded.
pub fn run_hook(
    model: &Model,
    app: &AppRecord,
    info: &CharmInfo,
    number: u32,
    hook: HookInfo,
) -> Result<bool> {
    let mut unit = model.unit(&app.name, number)?;
    unit.agent = Status::new("executing", &format!("running {} hook", hook.name));
    model.save_unit(&unit)?;
    let outcome = agent::run(model, app, info, number, Kind::Hook(hook.clone()))?;
    let ok = outcome.exit_code == Some(0) && outcome.spawn_error.is_none();
    finish_unit(model, &outcome, ok, Some(&hook))?;
    Ok(ok)
}

/// Runs a hook that concerns no relation ([`run_hook`]).
pub fn run_plain_hook(
    model: &Model,
    app: &AppRecord,
    info: &CharmInfo,
    number: u32,
    hook: &str,
) -> Result<bool> {
    run_hook(model, app, info, number, HookInfo::plain(hook))
}

/// Saves what a hook, action or exec changed on the unit and its application. Charm state and
/// relation databags are committed only on success (leader settings whatever the outcome); a
/// failed hook puts the unit in error. Returns whether a committed change gives other units hooks to run (a
/// relation databag or the leader settings changed).
pub fn finish_unit(
    model: &Model,
    outcome: &Outcome,
    success: bool,
    hook: Option<&HookInfo>,
) -> Result<bool> {
    let context = &outcome.context;
    let mut unit = context.unit.clone();
    if !success {
        // Charm state is committed only when the process succeeded.
        unit.charm_state = model.unit(&unit.app, unit.number)?.charm_state;
    }
    if let Some(hook) = hook {
        unit.last_hook = Some(HookRun {
            name: hook.name.clone(),
            process_micros: u64::try_from(outcome.elapsed.as_micros()).unwrap_or(u64::MAX),
            tool_calls: context.tool_calls,
        });
    }
    match hook {
        Some(hook) if !success => {
            unit.workload = Status::new("error", &format!("hook failed: \"{}\"", hook.name));
            unit.error_relation = hook.relation.as_ref().map(|r| r.id);
            unit.agent = Status::new("idle", "");
        }
        _ => unit.agent = Status::new("idle", ""),
    }
    if unit.workload.current != "error" {
        unit.error_relation = None;
    }
    let mut followups = false;
    if success {
        for relation in context.relations.values().filter(|r| r.unit_dirty) {
            if let Some(mine) = unit.relations.get_mut(&relation.id) {
                followups |= mine.bag.commit(relation.unit_data.clone());
            }
        }
    }
    let app_bags: BTreeMap<u32, (bool, BTreeMap<String, String>)> = if success {
        context
            .relations
            .values()
            .filter(|r| r.app_dirty)
            .map(|r| (r.id, (r.peer, r.app_data.clone())))
            .collect()
    } else {
        BTreeMap::new()
    };
    // `leader-set` writes at once in Juju, not at commit: a failed hook keeps what it set.
    let leader_settings = context.leader_settings_changed;
    // Like the unit's, the application's status is set at once, whatever the outcome.
    if context.app_status_changed || leader_settings || !app_bags.is_empty() {
        model.locked(|| {
            let mut app = model.app(&unit.app)?;
            if context.app_status_changed {
                app.status.clone_from(&context.app_status);
            }
            if leader_settings && app.leader_settings != context.leader_settings {
                app.leader_settings = context.leader_settings.clone();
                app.leader_settings_version += 1;
                unit.leader_settings_seen = app.leader_settings_version;
                followups = true;
            }
            for (id, (peer, data)) in app_bags {
                let bag = app.relation_data.entry(id).or_default();
                if bag.commit(data) {
                    followups = true;
                    // The leader does not get `-changed` for its own write to the peer
                    // relation's application databag; the other units do.
                    if peer && let Some(mine) = unit.relations.get_mut(&id) {
                        mine.app_version = bag.version;
                    }
                }
            }
            model.save_app(&app)
        })?;
    }
    // Storage added by the process (committed with the rest) has attached hooks to run.
    followups |= success && unit.storage.iter().any(|i| !i.attach_ran && !i.detached);
    // Secrets the process created, changed, removed, granted or revoked: committed only on
    // success, like relation data.
    if success && !context.secrets.is_empty() {
        followups |= crate::secrets::commit(model, &context.secrets, crate::secrets::now(model))?;
    }
    model.save_unit(&unit)?;
    Ok(followups)
}
