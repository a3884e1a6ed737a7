//! A new unit's own sequence, run by `deploy` and `add-unit` before the hooks that follow
//! from it.

use super::choice::{Update, apply, mark_attached};
use super::relations::relation_hook;
use crate::agent::{HookInfo, RelationHookKind};
use crate::charm::CharmInfo;
use crate::cli::hooks::{run_hook, run_plain_hook};
use crate::error::Result;
use crate::state::{self, Model, Relation, Status, UnitRelation};

/// A new unit's own hooks: each storage instance's `-storage-attached`, `install`; then it
/// enters the scope of its application's relations and runs `-relation-created` for each,
/// `leader-elected` (the leader) or `leader-settings-changed`, `config-changed` and `start`.
/// Stops at the first failure, which is reported in the returned line. Takes the unit's lock.
pub fn start_unit(model: &Model, app_name: &str, number: u32, info: &CharmInfo) -> Result<String> {
    let _lock = state::lock(&model.unit_dir(app_name, number).join("unit.lock"))?;
    let mut unit = model.unit(app_name, number)?;
    unit.workload = Status::new("maintenance", "installing charm software");
    model.save_unit(&unit)?;
    let failed = |hook: &str| format!("unit {app_name}/{number}: hook failed: \"{hook}\"\n");
    let result = (|| -> Result<Option<String>> {
        let app = model.app(app_name)?;
        // On a machine, `-storage-attached` runs before `install`, which waits for it.
        let pending: Vec<_> = unit
            .storage
            .iter()
            .filter(|i| !i.attach_ran && !i.detached)
            .cloned()
            .collect();
        for instance in pending {
            let hook = HookInfo::storage(&instance, true);
            let name = hook.name.clone();
            let ok = run_hook(model, &app, info, number, hook)?;
            let update = Update::StorageAttached(instance.id.clone());
            let mut fresh = model.unit(app_name, number)?;
            apply(&mut fresh, &update);
            mark_attached(&mut fresh, &update, ok);
            model.save_unit(&fresh)?;
            if !ok {
                return Ok(Some(failed(&name)));
            }
        }
        if !run_plain_hook(model, &app, info, number, "install")? {
            return Ok(Some(failed("install")));
        }
        let relations = model.relations()?;
        let mut unit = model.unit(app_name, number)?;
        unit.installed = true;
        let joined: Vec<Relation> = relations
            .of_app(app_name)
            .filter(|r| !r.dying)
            .cloned()
            .collect();
        for relation in &joined {
            unit.relations
                .entry(relation.id)
                .or_insert_with(UnitRelation::entering);
        }
        model.save_unit(&unit)?;
        for relation in &joined {
            let hook = relation_hook(relation, &unit, RelationHookKind::Created, "", None);
            let name = hook.name.clone();
            let ok = run_hook(model, &model.app(app_name)?, info, number, hook)?;
            let mut fresh = model.unit(app_name, number)?;
            apply(&mut fresh, &Update::Created(relation.id));
            model.save_unit(&fresh)?;
            if !ok {
                return Ok(Some(failed(&name)));
            }
        }
        let app = model.app(app_name)?;
        let leader = model.unit(app_name, number)?.leader;
        let leader_hook = if leader {
            "leader-elected"
        } else {
            "leader-settings-changed"
        };
        let ok = run_plain_hook(model, &app, info, number, leader_hook)?;
        let mut fresh = model.unit(app_name, number)?;
        if leader {
            fresh.elected_pending = false;
        } else {
            fresh.leader_settings_seen = app.leader_settings_version;
        }
        model.save_unit(&fresh)?;
        if !ok {
            return Ok(Some(failed(leader_hook)));
        }
        for hook in ["config-changed", "start"] {
            let app = model.app(app_name)?;
            if !run_plain_hook(model, &app, info, number, hook)? {
                return Ok(Some(failed(hook)));
            }
        }
        Ok(None)
    })()?;
    let mut unit = model.unit(app_name, number)?;
    if unit.workload.current == "maintenance" && !unit.status_set_by_charm {
        unit.workload = Status::new("unknown", "");
        model.save_unit(&unit)?;
    }
    Ok(result.unwrap_or_default())
}
