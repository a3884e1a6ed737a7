//! Charm storage: the stores a charm declares in `metadata.yaml` (`type`, `multiple: {range}`,
//! `minimum-size`, `location`, `shared`, `read-only`), storage directives as Juju parses them
//! (`internal/storage/directive.go` `ParseDirective`, `ParseDirectivesMap`; juju/utils
//! `ParseSize`), the checks Juju makes of them against the charm (`state/storage.go`
//! `validateStorageConstraintsAgainstCharm`, `validateCharmStorageCountChange`,
//! `storageConstraintsWithDefaults`), and the storage instances of a unit.
//!
//! Storage here is filesystem storage only, each instance a directory in its unit's directory:
//! `<unit dir>/storage/<name>/<n>` for `<name>/<n>` (Juju's `/var/lib/juju/storage/<name>/<n>`),
//! or, for a store with a `location`, `<unit dir>/root<location>` for a singleton store and
//! `<unit dir>/root<location>/<name>/<n>` for a multiple one (Juju's `FilesystemMountPoint`).
//! Block storage is refused by name. Instance numbers come from one sequence per model (Juju's
//! `stores` sequence). An instance's `-storage-attached` hook runs once; its
//! `-storage-detaching` hook runs on removal only if the attached hook succeeded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::gofmt::go_quote;

/// A store as the charm declares it (Juju's `charm.Storage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageMeta {
    pub name: String,
    /// `filesystem` or `block`.
    pub kind: String,
    pub shared: bool,
    pub read_only: bool,
    pub count_min: u64,
    /// `None`: no maximum (`m+` or `m-`).
    pub count_max: Option<u64>,
    /// In MiB; 0 when the charm sets none.
    pub minimum_size: u64,
    pub location: String,
}

/// The stores in a charm's `metadata.yaml`, by name, with the paths Juju's schema reports.
pub fn stores(metadata: &Map<String, Value>) -> Result<Vec<StorageMeta>, String> {
    let entries = match metadata.get("storage") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(entries)) => entries,
        Some(_) => return Err("metadata: storage: expected map, got something else".into()),
    };
    let mut out = Vec::new();
    for (name, body) in entries {
        let at = format!("storage.{name}");
        let Value::Object(body) = body else {
            return Err(format!("metadata: {at}: expected map"));
        };
        let kind = match body.get("type") {
            Some(Value::String(t)) if t == "filesystem" || t == "block" => t.clone(),
            Some(Value::String(t)) => {
                return Err(format!(
                    "metadata: {at}.type: unexpected value {}",
                    go_quote(t)
                ));
            }
            _ => return Err(format!("metadata: {at}.type: expected string, got nothing")),
        };
        let flag = |key: &str| -> Result<bool, String> {
            match body.get(key) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(format!("metadata: {at}.{key}: expected bool")),
            }
        };
        let (count_min, count_max) = match body.get("multiple") {
            None | Some(Value::Null) => (1, Some(1)),
            Some(Value::Object(multiple)) => match multiple.get("range") {
                Some(range) => parse_range(range, &at)?,
                None => return Err(format!("metadata: {at}.multiple.range: expected value")),
            },
            Some(_) => return Err(format!("metadata: {at}.multiple: expected map")),
        };
        let minimum_size = match body.get("minimum-size") {
            None | Some(Value::Null) => 0,
            Some(Value::Number(n)) => n
                .as_u64()
                .ok_or_else(|| format!("metadata: {at}.minimum-size: expected a size"))?,
            Some(Value::String(s)) => {
                parse_size(s).map_err(|e| format!("metadata: {at}.minimum-size: {e}"))?
            }
            Some(_) => return Err(format!("metadata: {at}.minimum-size: expected a size")),
        };
        let location = match body.get("location") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(format!("metadata: {at}.location: expected string")),
        };
        out.push(StorageMeta {
            name: name.clone(),
            kind,
            shared: flag("shared")?,
            read_only: flag("read-only")?,
            count_min,
            count_max,
            minimum_size,
            location,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// `multiple.range`: `n`, `m-n`, `m-` or `m+` (Juju's `storageCountC`).
fn parse_range(range: &Value, at: &str) -> Result<(u64, Option<u64>), String> {
    let text = match range {
        Value::Number(n) => {
            let n = n
                .as_u64()
                .ok_or_else(|| format!("{at}.multiple.range: invalid count {n}"))?;
            return Ok((n, Some(n)));
        }
        Value::String(s) => s.as_str(),
        _ => {
            return Err(format!(
                "metadata: {at}.multiple.range: expected string or int"
            ));
        }
    };
    let bad = || {
        format!(
            "{at}.multiple.range: value {} does not match 'm', 'm-n', or 'm+'",
            go_quote(text)
        )
    };
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(bad());
    }
    let min: u64 = text[..digits].parse().map_err(|_| bad())?;
    match &text[digits..] {
        "" => Ok((min, Some(min))),
        "+" | "-" => Ok((min, None)),
        rest => {
            let max: u64 = rest
                .strip_prefix('-')
                .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|m| m.parse().ok())
                .ok_or_else(bad)?;
            if max < min {
                return Err(format!("{at}.multiple.range: invalid range {min}-{max}"));
            }
            Ok((min, Some(max)))
        }
    }
}

/// A storage directive (`POOL,COUNT,SIZE` in any order); size in MiB.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directive {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pool: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub count: u64,
}

/// `^[a-zA-Z]+[-?a-zA-Z0-9]*$`.
fn is_pool_name(s: &str) -> bool {
    let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    letters > 0
        && s[letters..]
            .bytes()
            .all(|b| b == b'-' || b == b'?' || b.is_ascii_alphanumeric())
}

/// `^-?[0-9]+$` → a count, or `None` when the field is not one.
fn parse_count(s: &str) -> Option<Result<u64, String>> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bad = || {
        Err(format!(
            "count must be greater than zero, got {}",
            go_quote(s)
        ))
    };
    if s.starts_with('-') {
        return Some(bad());
    }
    match s.parse::<u64>() {
        Ok(0) => Some(bad()),
        Ok(n) => Some(Ok(n)),
        // Too big for a uint64: not a count (Juju then tries it as a size).
        Err(_) => None,
    }
}

/// `^-?[0-9]+(?:\.[0-9]+)?[MGTPEZY](?:i?B)?$`.
fn looks_like_size(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let int = body.bytes().take_while(u8::is_ascii_digit).count();
    if int == 0 {
        return false;
    }
    let mut rest = &body[int..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    let mut chars = rest.chars();
    let Some(unit) = chars.next() else {
        return false;
    };
    "MGTPEZY".contains(unit) && matches!(chars.as_str(), "" | "B" | "iB")
}

/// juju/utils `ParseSize`: a non-negative number with an optional `M`, `G`, `T`, `P`, `E`, `Z`
/// or `Y` suffix (`MB`, `MiB` alike; powers of 1024), in MiB, rounded up.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let split = s
        .char_indices()
        .find(|(_, c)| *c != '.' && !c.is_ascii_digit())
        .map_or(s.len(), |(i, _)| i);
    let mut multiplier = 1f64;
    let mut number = s;
    if split > 0 && split < s.len() {
        let suffix = &s[split..];
        let found = "MGTPEZY".char_indices().find(|(_, base)| {
            let base = base.to_string();
            suffix == base || suffix == format!("{base}B") || suffix == format!("{base}iB")
        });
        let Some((power, _)) = found else {
            return Err(format!(
                "invalid multiplier suffix {}, expected one of MGTPEZY",
                go_quote(suffix)
            ));
        };
        multiplier = 1024f64.powi(i32::try_from(power).unwrap_or(0));
        number = &s[..split];
    }
    let bad = || format!("expected a non-negative number, got {}", go_quote(number));
    let value: f64 =
        if number.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !number.is_empty() {
            number.parse().map_err(|_| bad())?
        } else {
            return Err(bad());
        };
    // Rust's `as` saturates where Go's conversion of a too-large float is undefined.
    Ok((value * multiplier).ceil() as u64)
}

/// `ParseDirective`.
pub fn parse_directive(s: &str) -> Result<Directive, String> {
    let mut d = Directive::default();
    for field in s.split(',') {
        if field.is_empty() {
            continue;
        }
        if is_pool_name(field) {
            if !d.pool.is_empty() {
                return Err(format!(
                    "pool name is already set to {}, new value {} not valid",
                    go_quote(&d.pool),
                    go_quote(field)
                ));
            }
            d.pool = field.to_owned();
            continue;
        }
        if let Some(count) = parse_count(field) {
            let count = count.map_err(|e| format!("cannot parse count: {e}"))?;
            if d.count != 0 {
                return Err(format!(
                    "storage instance count is already set to {}, new value {count} not valid",
                    d.count
                ));
            }
            d.count = count;
            continue;
        }
        if looks_like_size(field) {
            let size = parse_size(field).map_err(|e| format!("cannot parse size: {e}"))?;
            if d.size != 0 {
                return Err(format!(
                    "storage size is already set to {}, new value {size} not valid",
                    d.size
                ));
            }
            d.size = size;
            continue;
        }
        return Err(format!(
            "unrecognized storage directive {} not valid",
            go_quote(field)
        ));
    }
    if d.count == 0 && d.size == 0 && d.pool.is_empty() {
        return Err("storage directives require at least one field to be specified".into());
    }
    if d.count == 0 {
        d.count = 1;
    }
    Ok(d)
}

/// `ParseDirectivesMap`: `name[=directive]…` (a bare name means `=1`), each name once, in the
/// order given.
pub fn parse_directives_map(
    args: &[String],
    must_have: bool,
) -> Result<Vec<(String, Directive)>, String> {
    let mut out: Vec<(String, Directive)> = Vec::new();
    for kv in args {
        let parts: Vec<&str> = kv.split('=').collect();
        let name = parts[0];
        if parts.len() > 2 || name.is_empty() {
            return Err(format!(
                "expected \"name=directive\" or \"name\", got {}",
                go_quote(kv)
            ));
        }
        if must_have && parts.len() == 1 {
            return Err(format!(
                "expected \"name=directive\" where \"directive\" must be specified, got {}",
                go_quote(kv)
            ));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(format!(
                "storage {} specified more than once",
                go_quote(name)
            ));
        }
        let text = parts.get(1).copied().unwrap_or("1");
        let d = parse_directive(text)
            .map_err(|e| format!("cannot parse directive for storage {}: {e}", go_quote(name)))?;
        out.push((name.to_owned(), d));
    }
    Ok(out)
}

/// `deploy --storage name=directive`'s flag value (`storageFlag.Set`).
pub fn parse_deploy_flag(value: &str) -> Result<(String, Directive), String> {
    let Some((name, directive)) = value.split_once('=') else {
        return Err("expected <store>=<directive>".into());
    };
    if name.contains(':') {
        return Err("expected <store>=<directive>".into());
    }
    let d = parse_directive(directive)
        .map_err(|e| format!("cannot parse disk storage directive: {e}"))?;
    Ok((name.to_owned(), d))
}

/// go-humanize `Bytes`: SI units, one decimal below 10.
pub fn humanize_bytes(bytes: u64) -> String {
    if bytes < 10 {
        return format!("{bytes} B");
    }
    let sizes = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let f = bytes as f64;
    let e = (f.ln() / 1000f64.ln()).floor();
    let index = (e as usize).min(sizes.len() - 1);
    let value = (f / 1000f64.powi(index as i32) * 10.0 + 0.5).floor() / 10.0;
    if value < 10.0 {
        format!("{value:.1} {}", sizes[index])
    } else {
        format!("{value:.0} {}", sizes[index])
    }
}

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
fn check_count_change(meta: &StorageMeta, current: u64, n: u64) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    //! Vectors from juju/juju `internal/storage/directive_test.go` (`DirectiveSuite`) at
    //! 25ca4bad7eb55c12ac71c64b13da553fed1d6d48 and `jujuc/storage-add_test.go`
    //! (`TestStorageAddInit`) at the same commit.
    use super::*;

    fn d(pool: &str, count: u64, size: u64) -> Directive {
        Directive {
            pool: pool.into(),
            count,
            size,
        }
    }

    #[test]
    fn directives_parse_as_juju() {
        let ok = |s: &str| parse_directive(s).unwrap();
        assert_eq!(ok("pool,1M"), d("pool", 1, 1));
        assert_eq!(ok("pool,"), d("pool", 1, 0));
        assert_eq!(ok("1M"), d("", 1, 1));
        assert_eq!(ok("p,1G"), d("p", 1, 1024));
        assert_eq!(ok("p,1,0.5T"), d("p", 1, 1024 * 512));
        assert_eq!(ok("p,0.125P,3"), d("p", 3, 1024 * 1024 * 128));
        assert_eq!(ok("3,p,0.125P"), d("p", 3, 1024 * 1024 * 128));
        assert_eq!(ok("p,1M,"), d("p", 1, 1));
        let err = |s: &str| parse_directive(s).unwrap_err();
        assert_eq!(
            err("p,0,100M"),
            "cannot parse count: count must be greater than zero, got \"0\""
        );
        assert_eq!(
            err("p,00,100M"),
            "cannot parse count: count must be greater than zero, got \"00\""
        );
        assert_eq!(
            err("p,-1,100M"),
            "cannot parse count: count must be greater than zero, got \"-1\""
        );
        assert_eq!(
            err(""),
            "storage directives require at least one field to be specified"
        );
        assert_eq!(
            err(","),
            "storage directives require at least one field to be specified"
        );
        assert_eq!(
            err("p,-100M"),
            "cannot parse size: expected a non-negative number, got \"-100M\""
        );
        assert_eq!(
            err("pool1,anyoldjunk"),
            "pool name is already set to \"pool1\", new value \"anyoldjunk\" not valid"
        );
        assert_eq!(
            err("pool1,pool2,pool3"),
            "pool name is already set to \"pool1\", new value \"pool2\" not valid"
        );
        assert_eq!(
            err("pool1,10,20"),
            "storage instance count is already set to 10, new value 20 not valid"
        );
        assert_eq!(
            err("pool1,10M,20M"),
            "storage size is already set to 10, new value 20 not valid"
        );
        assert_eq!(
            err("p,100M database-b"),
            "unrecognized storage directive \"100M database-b\" not valid"
        );
        assert_eq!(
            err("p,$1234"),
            "unrecognized storage directive \"$1234\" not valid"
        );
        for pool in [
            "pool", "p-ool", "p-00l", "p?00l", "p-?00l", "p", "P", "p?0?l",
        ] {
            assert!(is_pool_name(pool), "{pool}");
        }
        for pool in ["7ool", "/ool", "-00l", "*00l"] {
            assert!(!is_pool_name(pool), "{pool}");
        }
    }

    #[test]
    fn directive_maps_parse_as_juju() {
        let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            parse_directives_map(&args(&["data=p,1M,"]), true).unwrap(),
            [("data".to_owned(), d("p", 1, 1))]
        );
        assert_eq!(
            parse_directives_map(&args(&["data=3", "cache"]), false).unwrap(),
            [
                ("data".to_owned(), d("", 3, 0)),
                ("cache".to_owned(), d("", 1, 0))
            ]
        );
        let err = |v: &[&str], must: bool| parse_directives_map(&args(v), must).unwrap_err();
        assert!(err(&["data"], true).contains("where \"directive\" must be specified"));
        assert!(
            err(&["data=p,=1M,"], false)
                .starts_with("expected \"name=directive\" or \"name\", got ")
        );
        assert_eq!(
            err(&["data", "data"], false),
            "storage \"data\" specified more than once"
        );
        assert!(
            err(&["data=-1"], false).starts_with("cannot parse directive for storage \"data\"")
        );
        assert!(err(&["data="], false).contains("storage directives require at least one"));
        assert!(err(&["data=-676"], false).contains("cannot parse count: count must be gre"));
        // The deploy flag.
        assert_eq!(
            parse_deploy_flag("foo=bar").unwrap(),
            ("foo".to_owned(), d("bar", 1, 0))
        );
        assert_eq!(
            parse_deploy_flag("foo").unwrap_err(),
            "expected <store>=<directive>"
        );
        assert_eq!(
            parse_deploy_flag("foo:bar=baz").unwrap_err(),
            "expected <store>=<directive>"
        );
        assert_eq!(
            parse_deploy_flag("foo=").unwrap_err(),
            "cannot parse disk storage directive: storage directives require at least one field to be specified"
        );
    }

    #[test]
    fn sizes_counts_and_ids() {
        assert_eq!(parse_size("10G").unwrap(), 10240);
        assert_eq!(parse_size("1.5M").unwrap(), 2);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert_eq!(parse_size("1GiB").unwrap(), 1024);
        assert_eq!(
            parse_size("1X").unwrap_err(),
            "invalid multiplier suffix \"X\", expected one of MGTPEZY"
        );
        assert_eq!(humanize_bytes(1024 * 1_000_000), "1.0 GB");
        assert_eq!(humanize_bytes(10_240 * 1_000_000), "10 GB");
        assert_eq!(humanize_bytes(5), "5 B");
        for id in ["data/0", "data/12", "a-b/3", "d1/0"] {
            assert!(valid_storage_id(id), "{id}");
        }
        for id in [
            "data", "data/01", "Data/0", "1d/0", "data-/0", "data/x", "a-1/0",
        ] {
            assert!(!valid_storage_id(id), "{id}");
        }
        let meta = StorageMeta {
            name: "data".into(),
            kind: "filesystem".into(),
            shared: false,
            read_only: false,
            count_min: 1,
            count_max: Some(2),
            minimum_size: 0,
            location: String::new(),
        };
        assert_eq!(
            check_count_change(&meta, 2, 1).unwrap_err(),
            "attaching 1 storage instance brings the total to 3, exceeding the maximum of 2"
        );
        assert_eq!(
            check_count_change(&meta, 0, 3).unwrap_err(),
            "attaching 3 storage instances brings the total to 3, exceeding the maximum of 2"
        );
    }

    #[test]
    fn metadata_stores_read_as_juju_reads_them() {
        let meta: Map<String, Value> = serde_json::from_value(json!({
            "storage": {
                "data": {"type": "filesystem", "location": "/srv/data"},
                "logs": {"type": "filesystem", "multiple": {"range": "0-"}, "minimum-size": "1G"},
                "disks": {"type": "block", "multiple": {"range": 2}},
                "many": {"type": "filesystem", "multiple": {"range": "1-3"}},
            }
        }))
        .unwrap();
        let stores = stores(&meta).unwrap();
        let by = |n: &str| stores.iter().find(|s| s.name == n).unwrap().clone();
        assert_eq!((by("data").count_min, by("data").count_max), (1, Some(1)));
        assert_eq!(
            (
                by("logs").count_min,
                by("logs").count_max,
                by("logs").minimum_size
            ),
            (0, None, 1024)
        );
        assert_eq!((by("disks").count_min, by("disks").count_max), (2, Some(2)));
        assert_eq!((by("many").count_min, by("many").count_max), (1, Some(3)));
        let bad: Map<String, Value> =
            serde_json::from_value(json!({"storage": {"x": {"type": "tape"}}})).unwrap();
        assert_eq!(
            super::stores(&bad).unwrap_err(),
            "metadata: storage.x.type: unexpected value \"tape\""
        );
        let bad: Map<String, Value> = serde_json::from_value(
            json!({"storage": {"x": {"type": "filesystem", "multiple": {"range": "3-1"}}}}),
        )
        .unwrap();
        assert_eq!(
            super::stores(&bad).unwrap_err(),
            "storage.x.multiple.range: invalid range 3-1"
        );
    }
}
