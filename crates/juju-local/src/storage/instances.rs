//! A unit's storage instances: directories in its unit's directory, numbered from the model's
//! sequence, and as `juju storage` and `juju status` show them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Directive, StorageMeta};

/// One storage instance of a unit, as the unit's record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// `<name>/<n>`.
    pub id: String,
    pub kind: String,
    pub pool: String,
    /// In MiB.
    pub size: u64,
    /// The directory that holds it.
    pub location: String,
    /// Its `-storage-attached` hook has run (whatever the outcome: it is not run again).
    #[serde(default)]
    pub attach_ran: bool,
    /// Its `-storage-attached` hook succeeded (then `-storage-detaching` runs on removal).
    #[serde(default)]
    pub attached: bool,
    /// Its `-storage-detaching` hook has run.
    #[serde(default)]
    pub detached: bool,
    /// When it was made (its status's `since`).
    #[serde(default)]
    pub since: String,
}

impl Instance {
    /// The store's name (`data` of `data/3`).
    pub fn name(&self) -> &str {
        self.id.split('/').next().unwrap_or_default()
    }
}

/// The directory of instance `id` of `meta` in a unit's directory.
pub fn location(unit_dir: &Path, meta: &StorageMeta, id: &str) -> PathBuf {
    if meta.location.is_empty() {
        return unit_dir.join("storage").join(id);
    }
    let root = unit_dir
        .join("root")
        .join(meta.location.trim_start_matches('/'));
    if meta.count_max == Some(1) {
        root
    } else {
        root.join(id)
    }
}

/// Creates `count` instances of `meta` for a unit, numbered from `first`, their directories
/// made.
pub fn create(
    unit_dir: &Path,
    meta: &StorageMeta,
    directive: &Directive,
    first: u64,
    count: u64,
) -> std::io::Result<Vec<Instance>> {
    let mut out = Vec::new();
    for n in first..first + count {
        let id = format!("{}/{n}", meta.name);
        let dir = location(unit_dir, meta, &id);
        std::fs::create_dir_all(&dir)?;
        out.push(Instance {
            id,
            kind: meta.kind.clone(),
            pool: directive.pool.clone(),
            size: directive.size,
            location: dir.display().to_string(),
            attach_ran: false,
            attached: false,
            detached: false,
            since: crate::state::now_string(),
        });
    }
    Ok(out)
}

/// `names.IsValidStorage`: `<name>/<n>`, the name a lowercase letter then lowercase letters,
/// digits and single hyphens not ending in one (a hyphen followed by digits only is not allowed).
pub fn valid_storage_id(id: &str) -> bool {
    let Some((name, number)) = id.split_once('/') else {
        return false;
    };
    let number_ok = number == "0"
        || (!number.is_empty()
            && !number.starts_with('0')
            && number.bytes().all(|b| b.is_ascii_digit()));
    let name_ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && part.bytes().any(|b| b.is_ascii_lowercase())
        });
    number_ok && name_ok
}
/// Allocates `count` instance numbers from the model's sequence (the caller holds the model
/// lock); the first.
pub fn allocate_locked(model: &crate::state::Model, count: u64) -> crate::error::Result<u64> {
    let mut record = model.record()?;
    let first = record.next_storage;
    record.next_storage = first.saturating_add(count);
    crate::state::write_json(&model.dir.join("model.json"), &record)?;
    Ok(first)
}

/// Creates a new unit's instances of every store its application's directives give a count
/// (in store name order, as Juju's `createStorageOps`); the caller holds the model lock.
pub fn create_for_unit_locked(
    model: &crate::state::Model,
    unit_dir: &Path,
    metas: &[StorageMeta],
    directives: &BTreeMap<String, Directive>,
) -> crate::error::Result<Vec<Instance>> {
    let mut out = Vec::new();
    for meta in metas {
        let Some(d) = directives.get(&meta.name).filter(|d| d.count > 0) else {
            continue;
        };
        let first = allocate_locked(model, d.count)?;
        out.extend(create(unit_dir, meta, d, first, d.count)?);
    }
    Ok(out)
}
/// The `storage` section of `juju storage --format json` and `juju status --format json`
/// (`cmd/juju/storage` `StorageInfo`): every unit's instances, by id.
pub fn storage_json(units: &[(String, String, Vec<Instance>)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (unit, machine, instances) in units {
        for instance in instances.iter().filter(|i| !i.detached) {
            let status = if instance.attached {
                "attached"
            } else {
                "pending"
            };
            out.insert(
                instance.id.clone(),
                json!({
                    "kind": instance.kind,
                    "life": "alive",
                    "status": {"current": status, "since": instance.since},
                    "persistent": false,
                    "attachments": {"units": {unit.clone(): {
                        "machine": machine,
                        "location": instance.location,
                        "life": "alive",
                    }}},
                }),
            );
        }
    }
    out
}
