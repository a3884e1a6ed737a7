//! The relation hooks' choice (`relation/resolver.go` `nextHookForRelation` and the
//! created-relations resolver), from the unit's view of each relation (the members it has
//! joined and the databag versions it has seen) against the model's state, and the removal of
//! dying relations no unit is in scope of any more.

use std::collections::BTreeMap;

use super::choice::{Best, Op, Snapshot, Update};
use crate::agent::{HookInfo, HookRelation, RelationHookKind};
use crate::error::Result;
use crate::state::{self, Model, Relation, UnitRecord};

/// The relation hook `kind` on `unit` for `relation`.
pub(super) fn relation_hook(
    relation: &Relation,
    unit: &UnitRecord,
    kind: RelationHookKind,
    remote_unit: &str,
    departing: Option<String>,
) -> HookInfo {
    let endpoint = relation
        .endpoint_of(&unit.app)
        .map(|e| e.name.clone())
        .unwrap_or_default();
    let remote_app = relation
        .other_end(&unit.app)
        .map(|e| e.app.clone())
        .unwrap_or_default();
    HookInfo {
        secret: None,
        name: format!("{endpoint}-{}", kind.suffix()),
        relation: Some(HookRelation {
            id: relation.id,
            endpoint,
            remote_unit: remote_unit.to_owned(),
            remote_app,
            departing_unit: departing,
            kind,
        }),
        storage: None,
    }
}

/// Offers the unit's next relation hook (or leaving a relation's scope) in each relation it is
/// in scope of, ranked as [`super::choice::next_op`] says; whether it is in scope of any.
pub(super) fn offer(snap: &Snapshot, unit: &UnitRecord, dying: bool, best: &mut Best) -> bool {
    let mut in_scope = false;
    for (id, mine) in &unit.relations {
        if !mine.in_scope {
            continue;
        }
        in_scope = true;
        let Some(relation) = snap.relations.get(*id) else {
            best.offer(4, Op::LeaveScope(*id));
            continue;
        };
        let broken = dying || relation.dying;
        if !mine.created && !broken {
            best.offer(
                1,
                Op::Hook(
                    relation_hook(relation, unit, RelationHookKind::Created, "", None),
                    Update::Created(*id),
                ),
            );
            continue;
        }
        if let Some(pending) = &mine.changed_pending {
            let version = snap.bag_version(pending, *id);
            best.offer(
                0,
                Op::Hook(
                    relation_hook(relation, unit, RelationHookKind::Changed, pending, None),
                    Update::Changed(*id, pending.clone(), version),
                ),
            );
            continue;
        }
        let remote = if broken {
            BTreeMap::new()
        } else {
            snap.remote_members(relation, unit)
        };
        if let Some(gone) = mine.members.keys().find(|m| !remote.contains_key(*m)) {
            let departing = if dying { unit.name() } else { gone.clone() };
            best.offer(
                3,
                Op::Hook(
                    relation_hook(
                        relation,
                        unit,
                        RelationHookKind::Departed,
                        gone,
                        Some(departing),
                    ),
                    Update::Departed(*id, gone.clone()),
                ),
            );
            continue;
        }
        if broken {
            if relation.is_peer() || !mine.created {
                best.offer(4, Op::LeaveScope(*id));
            } else {
                best.offer(
                    4,
                    Op::Hook(
                        relation_hook(relation, unit, RelationHookKind::Broken, "", None),
                        Update::Broken(*id),
                    ),
                );
            }
            continue;
        }
        let remote_app = relation.other_end(&unit.app).map(|e| e.app.as_str());
        let app_version = remote_app
            .and_then(|a| snap.apps.get(a))
            .and_then(|a| a.relation_data.get(id))
            .map_or(0, |bag| bag.version);
        if app_version != mine.app_version {
            best.offer(
                5,
                Op::Hook(
                    relation_hook(relation, unit, RelationHookKind::Changed, "", None),
                    Update::AppChanged(*id, app_version),
                ),
            );
            continue;
        }
        if let Some((joining, version)) =
            remote.iter().find(|(m, _)| !mine.members.contains_key(*m))
        {
            best.offer(
                6,
                Op::Hook(
                    relation_hook(relation, unit, RelationHookKind::Joined, joining, None),
                    Update::Joined(*id, joining.clone(), *version),
                ),
            );
            continue;
        }
        if let Some((changed, version)) = remote
            .iter()
            .find(|(m, v)| mine.members.get(*m).is_some_and(|seen| seen != *v))
        {
            best.offer(
                7,
                Op::Hook(
                    relation_hook(relation, unit, RelationHookKind::Changed, changed, None),
                    Update::Changed(*id, changed.clone(), *version),
                ),
            );
        }
    }
    in_scope
}

/// Removes dying relations no unit is in scope of any more, their application databags and
/// the units' kept databags.
pub(super) fn remove_finished_relations(model: &Model) -> Result<()> {
    let snap = Snapshot::load(model)?;
    let finished: Vec<u32> = snap
        .relations
        .relations
        .iter()
        .filter(|r| r.dying)
        .filter(|r| {
            !snap
                .units
                .iter()
                .any(|u| u.relations.get(&r.id).is_some_and(|m| m.in_scope))
        })
        .map(|r| r.id)
        .collect();
    if finished.is_empty() {
        return Ok(());
    }
    for unit in &snap.units {
        if finished.iter().any(|id| unit.relations.contains_key(id)) {
            let _lock = state::lock(&model.unit_dir(&unit.app, unit.number).join("unit.lock"))?;
            let mut fresh = model.unit(&unit.app, unit.number)?;
            fresh.relations.retain(|id, _| !finished.contains(id));
            model.save_unit(&fresh)?;
        }
    }
    // Grants made in a relation's scope go with it.
    crate::secrets::update(model, |store| {
        for id in &finished {
            store.forget_relation(*id);
        }
        Ok(())
    })?;
    model.locked(|| {
        let mut relations = model.relations()?;
        relations.relations.retain(|r| !finished.contains(&r.id));
        model.save_relations(&relations)?;
        for name in model.app_names() {
            let mut app = model.app(&name)?;
            let before = app.relation_data.len();
            app.relation_data.retain(|id, _| !finished.contains(id));
            if app.relation_data.len() != before {
                model.save_app(&app)?;
            }
        }
        Ok(())
    })
}
