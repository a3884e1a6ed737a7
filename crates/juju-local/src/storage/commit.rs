//! The storage a hook, action or exec sees through the storage tools, and the commit of its
//! `storage-add` requests when the process succeeds (part of Juju's `Flush`).

use std::collections::BTreeMap;
use std::path::Path;

use super::{Directive, Instance, adding, allocate_locked, create};

/// A unit's storage as a hook sees it through the storage tools: the instances attached (or
/// being attached or detached), the hook's own, and the `storage-add` requests made (committed
/// when the process succeeds).
#[derive(Debug, Clone, Default)]
pub struct StorageContext {
    pub instances: Vec<Instance>,
    pub hook: Option<String>,
    pub pending_add: Vec<(String, Directive)>,
}

/// A storage hook's instance (`JUJU_STORAGE_ID`, `JUJU_STORAGE_LOCATION`, `JUJU_STORAGE_KIND`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookStorage {
    pub id: String,
    pub kind: String,
    pub location: String,
}

/// The storage a process sees: the unit's instances not yet detached, and the storage hook's.
pub fn context_for(unit: &crate::state::UnitRecord, kind: &crate::agent::Kind) -> StorageContext {
    let hook = match kind {
        crate::agent::Kind::Hook(hook) => hook.storage.as_ref().map(|s| s.id.clone()),
        _ => None,
    };
    StorageContext {
        instances: unit
            .storage
            .iter()
            .filter(|i| !i.detached)
            .cloned()
            .collect(),
        hook,
        pending_add: Vec::new(),
    }
}

/// Prepares the commit of a process's `storage-add` requests (part of Juju's `Flush`): each is
/// checked against the charm, then the instances are made and added to the unit; a refused
/// request fails the commit and changes nothing.
pub fn prepare_commit(
    model: &crate::state::Model,
    app: &crate::state::AppRecord,
    charm: &crate::charm::CharmInfo,
    unit_dir: &Path,
    context: &mut crate::agent::Context,
) -> Result<(), String> {
    if context.storage.pending_add.is_empty() {
        return Ok(());
    }
    let unit = context.unit.name();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for instance in context.unit.storage.iter().filter(|i| !i.detached) {
        *counts.entry(instance.name().to_owned()).or_default() += 1;
    }
    let mut plan = Vec::new();
    for (name, directive) in &context.storage.pending_add {
        let current = counts.get(name).copied().unwrap_or(0);
        let d = adding(
            &unit,
            &charm.name,
            &charm.storage,
            app.storage.get(name),
            name,
            directive.clone(),
            current,
        )?;
        counts.insert(name.clone(), current + d.count);
        plan.push((name.clone(), d));
    }
    let mut added = Vec::new();
    for (name, d) in plan {
        let Some(meta) = charm.storage.iter().find(|m| m.name == name) else {
            continue;
        };
        let first = model
            .locked(|| allocate_locked(model, d.count))
            .map_err(|e| e.message)?;
        added.extend(create(unit_dir, meta, &d, first, d.count).map_err(|e| e.to_string())?);
    }
    context.unit.storage.extend(added);
    context.storage.pending_add.clear();
    Ok(())
}
