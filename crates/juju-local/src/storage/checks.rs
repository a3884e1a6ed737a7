//! The checks Juju makes of storage directives against the charm (`state/storage.go`
//! `validateStorageConstraintsAgainstCharm`, `validateCharmStorageCountChange`,
//! `storageConstraintsWithDefaults`) at deploy, `add-storage` and `storage-add`, with the
//! pools the local Juju knows and the defaults it fills in.

use std::collections::BTreeMap;

use super::{Directive, StorageMeta, humanize_bytes};
use crate::gofmt::go_quote;

/// The pools the local Juju knows (a machine model's: `rootfs`, `tmpfs` and `loop`), and the
/// default for a kind.
const POOLS: [&str; 3] = ["rootfs", "tmpfs", "loop"];

fn default_pool(kind: &str) -> &'static str {
    if kind == "block" { "loop" } else { "rootfs" }
}

/// `validateCharmStorageCount`.
fn check_count(meta: &StorageMeta, count: u64) -> Result<(), String> {
    if meta.count_min == 1 && meta.count_max == Some(1) && count != 1 {
        return Err(format!("storage is singular, {count} specified"));
    }
    if count < meta.count_min {
        return Err(format!(
            "{} instances required, {count} specified",
            meta.count_min
        ));
    }
    if let Some(max) = meta.count_max
        && count > max
    {
        return Err(format!(
            "at most {max} instances supported, {count} specified"
        ));
    }
    Ok(())
}

/// The directives a new application's units get (Juju's `addDefaultStorageConstraints` then
/// `validateStorageConstraints`): the given ones checked against the charm, every other store
/// with its defaults (the kind's pool, the minimum size or 1 GiB, the minimum count). Block
/// storage that would get instances is refused by name.
pub fn deploy_directives(
    charm: &str,
    metas: &[StorageMeta],
    given: &[(String, Directive)],
) -> Result<BTreeMap<String, Directive>, String> {
    let mut out = BTreeMap::new();
    for (name, directive) in given {
        if !metas.iter().any(|m| m.name == *name) {
            return Err(format!(
                "charm {} has no store called {}",
                go_quote(charm),
                go_quote(name)
            ));
        }
        out.insert(name.clone(), directive.clone());
    }
    for meta in metas {
        let d = out.entry(meta.name.clone()).or_insert_with(|| Directive {
            count: meta.count_min,
            ..Directive::default()
        });
        if d.pool.is_empty() {
            d.pool = default_pool(&meta.kind).to_owned();
        }
        if d.size == 0 {
            d.size = if meta.minimum_size > 0 {
                meta.minimum_size
            } else {
                1024
            };
        }
    }
    for (name, d) in &out {
        let Some(meta) = metas.iter().find(|m| m.name == *name) else {
            continue;
        };
        check_against_charm(charm, meta, d)?;
    }
    Ok(out)
}

/// `validateStorageConstraintsAgainstCharm` for one store, and the local Juju's own limits.
fn check_against_charm(charm: &str, meta: &StorageMeta, d: &Directive) -> Result<(), String> {
    let at = format!("charm {} store {}", go_quote(charm), go_quote(&meta.name));
    if meta.shared {
        return Err(format!("{at}: shared storage support not implemented"));
    }
    check_count(meta, d.count).map_err(|e| format!("{at}: {e}"))?;
    if meta.minimum_size > 0 && d.size < meta.minimum_size {
        return Err(format!(
            "{at}: minimum storage size is {}, {} specified",
            humanize_bytes(meta.minimum_size.saturating_mul(1_000_000)),
            humanize_bytes(d.size.saturating_mul(1_000_000))
        ));
    }
    check_pool(&d.pool)?;
    if meta.kind == "block" && d.count > 0 {
        return Err(format!(
            "{at}: block storage is not supported by juju-local (filesystem storage only)"
        ));
    }
    Ok(())
}

fn check_pool(pool: &str) -> Result<(), String> {
    if pool.is_empty() || POOLS.contains(&pool) {
        Ok(())
    } else {
        Err(format!("pool {} not found", go_quote(pool)))
    }
}

/// `validateCharmStorageCountChange` for attaching `n` more instances to `current`.
pub(super) fn check_count_change(meta: &StorageMeta, current: u64, n: u64) -> Result<(), String> {
    let plural = if n == 1 { "" } else { "s" };
    let count = current.saturating_add(n);
    if meta.count_min == 1 && meta.count_max == Some(1) && count != 1 {
        return Err("cannot attach, storage is singular".into());
    }
    if count < meta.count_min {
        return Err(format!(
            "attaching {n} storage instance{plural} brings the total to {count}, which is less than the minimum of {}",
            meta.count_min
        ));
    }
    if let Some(max) = meta.count_max
        && count > max
    {
        return Err(format!(
            "attaching {n} storage instance{plural} brings the total to {count}, exceeding the maximum of {max}"
        ));
    }
    Ok(())
}

/// `addStorageForUnitOps`: what adding `directive` of store `name` to a unit that has
/// `current` instances of it creates (the unit's recorded directive fills in a missing pool
/// and size), with Juju's messages (`adding "x" storage to u/0: …`).
pub fn adding(
    unit: &str,
    charm: &str,
    metas: &[StorageMeta],
    recorded: Option<&Directive>,
    name: &str,
    mut directive: Directive,
    current: u64,
) -> Result<Directive, String> {
    let annotate = |e: String| format!("adding {} storage to {unit}: {e}", go_quote(name));
    let Some(meta) = metas.iter().find(|m| m.name == name) else {
        return Err(annotate(format!(
            "charm storage {} not found",
            go_quote(name)
        )));
    };
    if let Some(recorded) = recorded {
        if directive.pool.is_empty() {
            directive.pool.clone_from(&recorded.pool);
        }
        if directive.size == 0 {
            directive.size = recorded.size;
        }
    }
    if directive.pool.is_empty() {
        directive.pool = default_pool(&meta.kind).to_owned();
    }
    if directive.size == 0 {
        directive.size = if meta.minimum_size > 0 {
            meta.minimum_size
        } else {
            1024
        };
    }
    if directive.count == 0 {
        return Err(annotate(
            "adding storage where instance count is 0 not valid".into(),
        ));
    }
    check_count_change(meta, current, directive.count).map_err(annotate)?;
    let total = Directive {
        count: current + directive.count,
        ..directive.clone()
    };
    check_against_charm(charm, meta, &total).map_err(annotate)?;
    Ok(directive)
}
