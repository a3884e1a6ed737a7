//! A dying unit's end: `stop` and `remove` (if it was installed), its directory gone (its
//! application's with its last unit), its secrets and what it consumed forgotten, and a new
//! leader elected when it led.

use std::fs::File;

use crate::charm;
use crate::cli::hooks::run_plain_hook;
use crate::error::Result;
use crate::state::{self, AppRecord, Model, UnitRecord};

/// Removes the unit, whose lock the caller passes in (released once its directory is gone);
/// the failure lines of its last hooks.
pub(super) fn remove_unit(
    model: &Model,
    app: &AppRecord,
    unit: &UnitRecord,
    lock: File,
) -> Result<String> {
    let (app_name, number) = (unit.app.as_str(), unit.number);
    let unit_dir = model.unit_dir(app_name, number);
    let mut failures = String::new();
    if unit.installed
        && let Ok(info) = charm::read_info(&unit_dir.join("charm"))
    {
        for hook in ["stop", "remove"] {
            if !run_plain_hook(model, app, &info, number, hook)? {
                failures.push_str(&format!(
                    "unit {app_name}/{number}: hook failed: \"{hook}\"\n"
                ));
            }
        }
    }
    let was_leader = model.unit(app_name, number)?.leader;
    let mut app_gone = false;
    let remaining = model.locked(|| {
        let mut app = model.app(app_name)?;
        app.units.retain(|n| *n != number);
        if app.units.is_empty() && app.dying {
            remove_dir(&model.app_dir(app_name))?;
            app_gone = true;
            return Ok(Vec::new());
        }
        model.save_app(&app)?;
        remove_dir(&unit_dir)?;
        Ok(app.units.clone())
    })?;
    drop(lock);
    // The unit's secrets and what it consumed go with it, its application's with the
    // application.
    crate::secrets::update(model, |store| {
        store.forget_unit(&format!("{app_name}/{number}"));
        if app_gone {
            store.forget_app(app_name);
        }
        Ok(())
    })?;
    if was_leader {
        elect(model, app_name, &remaining)?;
    }
    Ok(failures)
}

/// Removes a directory tree, renamed aside first so it is either there or gone.
fn remove_dir(dir: &std::path::Path) -> Result<()> {
    let Some(parent) = dir.parent() else {
        return Ok(());
    };
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let doomed = parent.join(format!(".{name}.removing.{}", state::unique_hex(8)));
    match std::fs::rename(dir, &doomed) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    std::fs::remove_dir_all(&doomed)?;
    Ok(())
}

/// The leader is gone: the lowest remaining unit (alive if one is) leads, and runs
/// `leader-elected` unless it is dying.
fn elect(model: &Model, app_name: &str, remaining: &[u32]) -> Result<()> {
    let mut candidates: Vec<(bool, u32)> = remaining
        .iter()
        .filter_map(|n| model.unit(app_name, *n).ok().map(|u| (u.dying, *n)))
        .collect();
    candidates.sort_unstable();
    let Some((dying, number)) = candidates.first().copied() else {
        return Ok(());
    };
    let _lock = state::lock(&model.unit_dir(app_name, number).join("unit.lock"))?;
    let mut unit = model.unit(app_name, number)?;
    unit.leader = true;
    unit.elected_pending = !dying;
    model.save_unit(&unit)
}
