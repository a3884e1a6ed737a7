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
//! entering the scope of its
//! application's relations, `-relation-created` for each, `leader-elected` or
//! `leader-settings-changed`, `config-changed`, `start`). A hook that fails puts its unit in
//! error and the unit runs nothing more in that command; the failed hook is not run again.
//!
//! Callers hold the model's hooks lock.

use std::collections::{BTreeMap, BTreeSet};

use super::hooks::{run_hook, run_plain_hook};
use crate::agent::{HookInfo, HookRelation, RelationHookKind};
use crate::charm::{self, CharmInfo};
use crate::error::{Result, run_error};
use crate::state::{self, AppRecord, Model, Relation, Relations, Status, UnitRecord, UnitRelation};

/// The most hooks one [`settle`] runs (`JUJU_LOCAL_MAX_HOOKS` overrides it): charms that answer
/// every `-relation-changed` with a change of their own never settle.
pub fn max_hooks() -> usize {
    std::env::var("JUJU_LOCAL_MAX_HOOKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5000)
}

/// What a unit does next, and how its view of the relations changes once it has.
#[derive(Debug, Clone)]
enum Op {
    Hook(HookInfo, Update),
    /// Leaves a relation's scope without a hook (a peer relation, or one never joined).
    LeaveScope(u32),
    /// `stop` and `remove`, then the unit is gone.
    Remove,
}

#[derive(Debug, Clone)]
enum Update {
    Created(u32),
    Joined(u32, String, u64),
    Changed(u32, String, u64),
    AppChanged(u32, u64),
    Departed(u32, String),
    Broken(u32),
    LeaderElected,
    LeaderSettings(u64),
    /// A storage instance's `-storage-attached` or `-storage-detaching` hook.
    StorageAttached(String),
    StorageDetaching(String),
    /// A secret hook ran (recorded in the secret store, not on the unit).
    Secret(Box<crate::secrets::Due>),
}

/// The model as the resolver reads it.
struct Snapshot {
    relations: Relations,
    apps: BTreeMap<String, AppRecord>,
    units: Vec<UnitRecord>,
    /// The secrets, and the model's time their hooks fall due by.
    secrets: crate::secrets::Store,
    now: i64,
}

impl Snapshot {
    fn load(model: &Model) -> Result<Snapshot> {
        let relations = model.relations()?;
        let mut apps = BTreeMap::new();
        let mut units = Vec::new();
        for name in model.app_names() {
            let Ok(app) = model.app(&name) else { continue };
            let mut numbers = app.units.clone();
            numbers.sort_unstable();
            for n in numbers {
                if let Ok(unit) = model.unit(&name, n) {
                    units.push(unit);
                }
            }
            apps.insert(name, app);
        }
        Ok(Snapshot {
            relations,
            apps,
            units,
            secrets: crate::secrets::load(model)?,
            now: crate::secrets::now(model),
        })
    }

    /// The units of the other end of `relation` in its scope (other than `me`), with the
    /// version of their databag.
    fn remote_members(&self, relation: &Relation, me: &UnitRecord) -> BTreeMap<String, u64> {
        let Some(other) = relation.other_end(&me.app) else {
            return BTreeMap::new();
        };
        self.units
            .iter()
            .filter(|u| u.app == other.app && !(u.app == me.app && u.number == me.number))
            .filter_map(|u| {
                let mine = u.relations.get(&relation.id)?;
                mine.in_scope.then(|| (u.name(), mine.bag.version))
            })
            .collect()
    }

    fn bag_version(&self, unit: &str, relation: u32) -> u64 {
        self.units
            .iter()
            .find(|u| u.name() == unit)
            .and_then(|u| u.relations.get(&relation))
            .map_or(0, |r| r.bag.version)
    }
}

/// The relation hook `kind` on `unit` for `relation`.
fn relation_hook(
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

/// A unit's next operation and its rank (lower runs first across units): a `-joined`'s
/// `-changed` 0, `-relation-created` 1, leadership hooks 2, storage hooks 2 (after leadership's,
/// as the uniter's storage resolver comes after its leadership resolver and before its relation
/// resolver), `-departed` 3, `-broken` (or leaving scope) 4, an application-level `-changed` 5,
/// `-joined` 6, a unit-level `-changed` 7, and a dying unit's `stop`/`remove` 9.
fn next_op(snap: &Snapshot, unit: &UnitRecord) -> Option<(u8, Op)> {
    let app = snap.apps.get(&unit.app)?;
    let dying = unit.dying || app.dying;
    if !unit.installed {
        return dying.then_some((9, Op::Remove));
    }
    let mut best: Option<(u8, Op)> = None;
    let mut offer = |rank: u8, op: Op| {
        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
            best = Some((rank, op));
        }
    };
    if !dying {
        if unit.leader && unit.elected_pending {
            offer(
                2,
                Op::Hook(HookInfo::plain("leader-elected"), Update::LeaderElected),
            );
        } else if !unit.leader && unit.leader_settings_seen != app.leader_settings_version {
            offer(
                2,
                Op::Hook(
                    HookInfo::plain("leader-settings-changed"),
                    Update::LeaderSettings(app.leader_settings_version),
                ),
            );
        }
        // The secrets resolver runs after leadership's, before the relations' hooks.
        let name = unit.name();
        let caller = crate::secrets::Caller {
            unit: &name,
            app: &unit.app,
            leader: unit.leader,
        };
        if let Some(due) = crate::secrets::next_due(&snap.secrets, snap.now, &caller) {
            let hook = HookInfo {
                name: due.kind.name().to_owned(),
                relation: None,
                storage: None,
                secret: Some(Box::new(due.clone())),
            };
            offer(2, Op::Hook(hook, Update::Secret(Box::new(due))));
        }
    }
    // Storage: a new instance's `-storage-attached`; on a dying unit, `-storage-detaching` for
    // each instance whose attached hook succeeded.
    for instance in unit.storage.iter().filter(|i| !i.detached) {
        if !dying && !instance.attach_ran {
            offer(
                2,
                Op::Hook(
                    HookInfo::storage(instance, true),
                    Update::StorageAttached(instance.id.clone()),
                ),
            );
        } else if dying && instance.attached {
            offer(
                2,
                Op::Hook(
                    HookInfo::storage(instance, false),
                    Update::StorageDetaching(instance.id.clone()),
                ),
            );
        }
    }
    let mut in_scope = false;
    for (id, mine) in &unit.relations {
        if !mine.in_scope {
            continue;
        }
        in_scope = true;
        let Some(relation) = snap.relations.get(*id) else {
            offer(4, Op::LeaveScope(*id));
            continue;
        };
        let broken = dying || relation.dying;
        if !mine.created && !broken {
            offer(
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
            offer(
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
            offer(
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
                offer(4, Op::LeaveScope(*id));
            } else {
                offer(
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
            offer(
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
            offer(
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
            offer(
                7,
                Op::Hook(
                    relation_hook(relation, unit, RelationHookKind::Changed, changed, None),
                    Update::Changed(*id, changed.clone(), *version),
                ),
            );
        }
    }
    if dying && !in_scope {
        offer(9, Op::Remove);
    }
    best
}

/// Applies a hook's update to the unit's view (whether the hook succeeded or not: a failed hook
/// is not run again).
fn apply(unit: &mut UnitRecord, update: &Update) {
    fn relation(unit: &mut UnitRecord, id: u32) -> Option<&mut UnitRelation> {
        unit.relations.get_mut(&id)
    }
    match update {
        Update::Created(id) => {
            if let Some(r) = relation(unit, *id) {
                r.created = true;
            }
        }
        Update::Joined(id, member, version) => {
            if let Some(r) = relation(unit, *id) {
                r.members.insert(member.clone(), *version);
                r.changed_pending = Some(member.clone());
            }
        }
        Update::Changed(id, member, version) => {
            if let Some(r) = relation(unit, *id) {
                if r.members.contains_key(member) {
                    r.members.insert(member.clone(), *version);
                }
                r.changed_pending = None;
            }
        }
        Update::AppChanged(id, version) => {
            if let Some(r) = relation(unit, *id) {
                r.app_version = *version;
            }
        }
        Update::Departed(id, member) => {
            if let Some(r) = relation(unit, *id) {
                r.members.remove(member);
            }
        }
        Update::Broken(id) => leave_scope(unit, *id),
        Update::LeaderElected => unit.elected_pending = false,
        Update::LeaderSettings(version) => unit.leader_settings_seen = *version,
        Update::StorageAttached(id) => {
            if let Some(i) = unit.storage.iter_mut().find(|i| i.id == *id) {
                i.attach_ran = true;
            }
        }
        Update::StorageDetaching(id) => {
            if let Some(i) = unit.storage.iter_mut().find(|i| i.id == *id) {
                i.detached = true;
            }
        }
        Update::Secret(_) => {}
    }
}

/// A storage instance whose `-storage-attached` hook succeeded is attached (and gets its
/// `-storage-detaching` hook when the unit goes).
fn mark_attached(unit: &mut UnitRecord, update: &Update, ok: bool) {
    if let Update::StorageAttached(id) = update
        && ok
        && let Some(i) = unit.storage.iter_mut().find(|i| i.id == *id)
    {
        i.attached = true;
    }
}

/// The unit leaves a relation's scope; its databag stays readable while the relation exists.
fn leave_scope(unit: &mut UnitRecord, id: u32) {
    if let Some(r) = unit.relations.get_mut(&id) {
        r.in_scope = false;
        r.members.clear();
        r.changed_pending = None;
        r.app_version = 0;
    }
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
            remove_finished_relations(model)?;
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
            Ok(Step::Removed(failures))
        }
    }
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

/// Removes dying relations no unit is in scope of any more, their application databags and
/// the units' kept databags.
fn remove_finished_relations(model: &Model) -> Result<()> {
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

/// A new unit's own hooks: each storage instance's `-storage-attached`, `install`; then it
/// enters the scope of its application's relations
/// and runs `-relation-created` for each, `leader-elected` (the leader) or
/// `leader-settings-changed`, `config-changed` and `start`. Stops at the first failure, which is
/// reported in the returned line. Takes the unit's lock.
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

/// The unit names in failure lines (`unit app/0: hook failed: …`), to skip in [`settle`].
pub fn failed_units(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("unit "))
        .filter_map(|l| l.split_once(": hook failed"))
        .map(|(unit, _)| unit.to_owned())
        .collect()
}
