//! Running hooks on a unit for the commands (`deploy`, `refresh`, `config`, `destroy-model`)
//! and saving what a hook, action or exec changed on the unit and its application.

use crate::agent::{self, Kind, Outcome};
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
    hook: &str,
) -> Result<bool> {
    let mut unit = model.unit(&app.name, number)?;
    unit.agent = Status::new("executing", &format!("running {hook} hook"));
    model.save_unit(&unit)?;
    let outcome = agent::run(model, app, info, number, Kind::Hook(hook.to_owned()))?;
    let ok = outcome.exit_code == Some(0) && outcome.spawn_error.is_none();
    finish_unit(model, &outcome, ok, Some(hook))?;
    Ok(ok)
}

/// Saves what a hook, action or exec changed on the unit and its application. Charm state and
/// leader settings are committed only on success; a failed hook puts the unit in error.
pub fn finish_unit(
    model: &Model,
    outcome: &Outcome,
    success: bool,
    hook: Option<&str>,
) -> Result<()> {
    let context = &outcome.context;
    let mut unit = context.unit.clone();
    if !success {
        // Charm state is committed only when the process succeeded.
        unit.charm_state = model.unit(&unit.app, unit.number)?.charm_state;
    }
    if let Some(hook) = hook {
        unit.last_hook = Some(HookRun {
            name: hook.to_owned(),
            process_micros: u64::try_from(outcome.elapsed.as_micros()).unwrap_or(u64::MAX),
            tool_calls: context.tool_calls,
        });
    }
    match hook {
        Some(hook) if !success => {
            unit.workload = Status::new("error", &format!("hook failed: \"{hook}\""));
            unit.agent = Status::new("idle", "");
        }
        _ => unit.agent = Status::new("idle", ""),
    }
    model.save_unit(&unit)?;
    // Like the unit's, the application's status is set at once, whatever the outcome.
    if context.app_status_changed {
        model.locked(|| {
            let mut app = model.app(&unit.app)?;
            app.status.clone_from(&context.app_status);
            model.save_app(&app)
        })?;
    }
    if success && context.leader_settings_changed {
        model.locked(|| {
            let mut app = model.app(&unit.app)?;
            app.leader_settings = context.leader_settings.clone();
            model.save_app(&app)
        })?;
    }
    Ok(())
}
