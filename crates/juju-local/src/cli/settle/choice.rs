//! The uniter's choice of a unit's next operation: the model as the resolver reads it
//! ([`Snapshot`]), each kind's candidates ranked (leadership, secrets and storage here; the
//! relations' in `relations.rs`), and the unit's view updated once the hook has run.

use std::collections::BTreeMap;

use super::relations;
use crate::agent::HookInfo;
use crate::error::Result;
use crate::state::{AppRecord, Model, Relation, Relations, UnitRecord, UnitRelation};

/// What a unit does next, and how its view of the relations changes once it has.
#[derive(Debug, Clone)]
pub(super) enum Op {
    Hook(HookInfo, Update),
    /// Leaves a relation's scope without a hook (a peer relation, or one never joined).
    LeaveScope(u32),
    /// `stop` and `remove`, then the unit is gone.
    Remove,
}

/// How the unit's record changes once the hook has run.
#[derive(Debug, Clone)]
pub(super) enum Update {
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
pub(super) struct Snapshot {
    pub(super) relations: Relations,
    pub(super) apps: BTreeMap<String, AppRecord>,
    pub(super) units: Vec<UnitRecord>,
    /// The secrets, and the model's time their hooks fall due by.
    pub(super) secrets: crate::secrets::Store,
    pub(super) now: i64,
}

impl Snapshot {
    pub(super) fn load(model: &Model) -> Result<Snapshot> {
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
    pub(super) fn remote_members(
        &self,
        relation: &Relation,
        me: &UnitRecord,
    ) -> BTreeMap<String, u64> {
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

    pub(super) fn bag_version(&self, unit: &str, relation: u32) -> u64 {
        self.units
            .iter()
            .find(|u| u.name() == unit)
            .and_then(|u| u.relations.get(&relation))
            .map_or(0, |r| r.bag.version)
    }
}

/// The best operation offered so far: the lowest rank, the first offered among equals.
#[derive(Default)]
pub(super) struct Best(Option<(u8, Op)>);

impl Best {
    pub(super) fn offer(&mut self, rank: u8, op: Op) {
        if self.0.as_ref().is_none_or(|(r, _)| rank < *r) {
            self.0 = Some((rank, op));
        }
    }
}

/// A unit's next operation and its rank (lower runs first across units): a `-joined`'s
/// `-changed` 0, `-relation-created` 1, leadership hooks 2, storage hooks 2 (after leadership's,
/// as the uniter's storage resolver comes after its leadership resolver and before its relation
/// resolver), `-departed` 3, `-broken` (or leaving scope) 4, an application-level `-changed` 5,
/// `-joined` 6, a unit-level `-changed` 7, and a dying unit's `stop`/`remove` 9.
pub(super) fn next_op(snap: &Snapshot, unit: &UnitRecord) -> Option<(u8, Op)> {
    let app = snap.apps.get(&unit.app)?;
    let dying = unit.dying || app.dying;
    if !unit.installed {
        return dying.then_some((9, Op::Remove));
    }
    let mut best = Best::default();
    if !dying {
        leadership(unit, app, &mut best);
        // The secrets resolver runs after leadership's, before the relations' hooks.
        secrets(snap, unit, &mut best);
    }
    storage(unit, dying, &mut best);
    let in_scope = relations::offer(snap, unit, dying, &mut best);
    if dying && !in_scope {
        best.offer(9, Op::Remove);
    }
    best.0
}

/// `leader-elected` for a new leader, `leader-settings-changed` for a unit that has not seen
/// the latest leader settings.
fn leadership(unit: &UnitRecord, app: &AppRecord, best: &mut Best) {
    if unit.leader && unit.elected_pending {
        best.offer(
            2,
            Op::Hook(HookInfo::plain("leader-elected"), Update::LeaderElected),
        );
    } else if !unit.leader && unit.leader_settings_seen != app.leader_settings_version {
        best.offer(
            2,
            Op::Hook(
                HookInfo::plain("leader-settings-changed"),
                Update::LeaderSettings(app.leader_settings_version),
            ),
        );
    }
}

/// The unit's next secret hook, if one is due at the model's time.
fn secrets(snap: &Snapshot, unit: &UnitRecord, best: &mut Best) {
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
        best.offer(2, Op::Hook(hook, Update::Secret(Box::new(due))));
    }
}

/// Storage: a new instance's `-storage-attached`; on a dying unit, `-storage-detaching` for
/// each instance whose attached hook succeeded.
fn storage(unit: &UnitRecord, dying: bool, best: &mut Best) {
    for instance in unit.storage.iter().filter(|i| !i.detached) {
        if !dying && !instance.attach_ran {
            best.offer(
                2,
                Op::Hook(
                    HookInfo::storage(instance, true),
                    Update::StorageAttached(instance.id.clone()),
                ),
            );
        } else if dying && instance.attached {
            best.offer(
                2,
                Op::Hook(
                    HookInfo::storage(instance, false),
                    Update::StorageDetaching(instance.id.clone()),
                ),
            );
        }
    }
}

/// Applies a hook's update to the unit's view (whether the hook succeeded or not: a failed hook
/// is not run again).
pub(super) fn apply(unit: &mut UnitRecord, update: &Update) {
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
pub(super) fn mark_attached(unit: &mut UnitRecord, update: &Update, ok: bool) {
    if let Update::StorageAttached(id) = update
        && ok
        && let Some(i) = unit.storage.iter_mut().find(|i| i.id == *id)
    {
        i.attached = true;
    }
}

/// The unit leaves a relation's scope; its databag stays readable while the relation exists.
pub(super) fn leave_scope(unit: &mut UnitRecord, id: u32) {
    if let Some(r) = unit.relations.get_mut(&id) {
        r.in_scope = false;
        r.members.clear();
        r.changed_pending = None;
        r.app_version = 0;
    }
}
