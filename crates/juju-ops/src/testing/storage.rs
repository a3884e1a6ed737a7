//! Storage in a harness [`State`]: the [`Storage`] instances attached to the unit, what
//! `charmcraft.yaml` declares under `storage:`, the checks a state and event must pass, the
//! storage tools of the in-memory backend (`storage-get`, `storage-list`, `storage-add`), and
//! where a [`Context`] puts each instance ([`Context::storage_location`]) and what a run's
//! backend and environment get of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::backend::{Backend, failed};
use super::run::harness_error;
use super::{Context, Event, RunError, State};
use crate::event::UnitEnv;
use crate::messages::{go_quote, list_or_none};
use crate::storage::{
    StorageEnv, StorageId, StorageInfo, StorageKind, StorageType, is_storage_name,
};
use crate::tools::{self, ToolError};

/// A storage instance attached to the unit under test: instance `index` of the storage `name`
/// that `charmcraft.yaml` declares (`<name>/<index>`, as `JUJU_STORAGE_ID` spells it).
///
/// Its location is a real path: unless set with [`location`](Storage::location), the
/// [`Context`] gives it one inside its temporary directory, the same in every
/// run of that context (a directory for a filesystem, an empty file standing for a block
/// device), so a test can put files there first and look at them afterwards
/// ([`Context::storage_location`](super::Context::storage_location)). Its kind is the `type:`
/// `charmcraft.yaml` gives the storage.
///
/// ```
/// # extern crate juju_ops as ops;
/// use ops::testing::Storage;
///
/// let data = Storage::new("data");
/// assert_eq!(data.id(), "data/0");
/// assert_eq!(Storage::new("logs").index(3).id(), "logs/3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// The storage name, as declared under `storage:`.
    pub name: String,
    /// The instance's number (0 unless set).
    pub index: u32,
    /// The location (`JUJU_STORAGE_LOCATION`, `storage-get location`); `None` for one the
    /// context provides. In [`Output::state`](super::Output::state), the location the run saw.
    pub location: Option<PathBuf>,
}

impl Storage {
    /// Instance 0 of the storage `name`.
    pub fn new(name: impl Into<String>) -> Storage {
        Storage {
            name: name.into(),
            index: 0,
            location: None,
        }
    }

    /// Sets the instance's number (unique per storage name in a state).
    pub fn index(mut self, index: u32) -> Storage {
        self.index = index;
        self
    }

    /// Sets the location instead of the one the context provides.
    pub fn location(mut self, path: impl Into<PathBuf>) -> Storage {
        self.location = Some(path.into());
        self
    }

    /// `<name>/<index>`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }
}

/// A storage declared in `charmcraft.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StorageSpec {
    pub(super) kind: StorageType,
    /// The most instances the unit may have; `None` for no limit (`multiple: {range: 1-}`).
    pub(super) max: Option<u64>,
}

/// Reads `storage:` from `charmcraft.yaml` with the rules of Juju's charm metadata
/// (`juju/charm` `meta.go`: `storageSchema`, `storageCountC`, `Meta.Check`).
pub(super) fn storage_from_yaml(
    root: &serde_json::Map<String, Value>,
) -> Result<BTreeMap<String, StorageSpec>, String> {
    let entries = match root.get("storage") {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(entries)) => entries,
        Some(_) => return Err("`storage` must be a mapping of storage names".to_owned()),
    };
    let mut specs = BTreeMap::new();
    for (name, body) in entries {
        if !is_storage_name(name) {
            return Err(format!(
                "storage {name:?} is not a valid storage name: lowercase letters and digits in \
                 hyphen-separated segments, starting with a letter, each segment holding a letter"
            ));
        }
        let Value::Object(fields) = body else {
            return Err(format!(
                "storage.{name} must be a mapping (type:, location:, multiple:, …)"
            ));
        };
        let kind = match fields.get("type").and_then(Value::as_str) {
            Some(kind) => StorageType::parse(kind).ok_or_else(|| {
                format!("storage.{name}.type must be \"filesystem\" or \"block\", not {kind:?}")
            })?,
            None => {
                return Err(format!(
                    "storage.{name}.type is required (filesystem or block)"
                ));
            }
        };
        if kind == StorageType::Block && fields.get("location").is_some_and(|l| !l.is_null()) {
            return Err(format!(
                "storage.{name}: location may not be specified for \"type: block\""
            ));
        }
        let max =
            match fields.get("multiple") {
                None | Some(Value::Null) => Some(1),
                Some(Value::Object(multiple)) => match multiple.get("range") {
                    Some(range) => parse_range(range)
                        .ok_or_else(|| {
                            format!(
                                "storage.{name}.multiple.range: value {range} does not match 'm', \
                             'm-n', or 'm+'"
                            )
                        })?
                        .1,
                    None => return Err(format!("storage.{name}.multiple.range is required")),
                },
                Some(_) => return Err(format!("storage.{name}.multiple must be a mapping")),
            };
        specs.insert(name.clone(), StorageSpec { kind, max });
    }
    Ok(specs)
}

/// Juju's `storageCountC`: `m` (a positive integer), or the strings `m-n`, `m+` and `m-`; the
/// minimum and, unless unbounded, the maximum.
fn parse_range(range: &Value) -> Option<(u64, Option<u64>)> {
    if let Some(m) = range.as_u64() {
        return (m > 0).then_some((m, Some(m)));
    }
    let s = range.as_str()?;
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let min: u64 = s[..digits].parse().ok()?;
    match &s[digits..] {
        "+" | "-" => Some((min, None)),
        rest => {
            let max = rest.strip_prefix('-')?;
            (!max.is_empty() && max.bytes().all(|b| b.is_ascii_digit()))
                .then(|| max.parse().ok())
                .flatten()
                .filter(|&max| max > 0)
                .map(|max| (min, Some(max)))
        }
    }
}

/// The problems of the state's storage and of a storage event, given what `charmcraft.yaml`
/// declares.
pub(super) fn check(
    state: &State,
    event: &Event,
    specs: &BTreeMap<String, StorageSpec>,
    problems: &mut Vec<String>,
) {
    let declared = || list_or_none(specs.keys());
    let mut counts: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for storage in &state.storages {
        let id = storage.id();
        if !specs.contains_key(&storage.name) {
            problems.push(format!(
                "storage {id}: charmcraft.yaml declares no storage {:?} (declared: {}): declare \
                 it under storage:, or use a declared one",
                storage.name,
                declared()
            ));
        }
        let ids = counts.entry(&storage.name).or_default();
        if ids.contains(&id) {
            problems.push(format!(
                "the storage instance {id} is in the state more than once: give each instance \
                 its own index with Storage::new({:?}).index(n)",
                storage.name
            ));
        } else {
            ids.push(id);
        }
    }
    for (name, ids) in &counts {
        if let Some(max) = specs.get(*name).and_then(|spec| spec.max)
            && ids.len() as u64 > max
        {
            problems.push(format!(
                "the storage {name:?} has {} instances ({}), over the {max} charmcraft.yaml \
                 allows (multiple: range:{}): keep at most {max}",
                ids.len(),
                ids.join(", "),
                if max == 1 { " not set, so 1" } else { "" }
            ));
        }
    }
    match event {
        Event::Hook(name) => {
            if let Some((_, kind)) = StorageKind::parse_hook(name) {
                problems.push(format!(
                    "the hook {name:?} is a storage hook, which runs for one storage instance: \
                     build the event with {} from a storage in the state",
                    constructor(kind)
                ));
            }
        }
        Event::Storage { kind, name, index } => {
            let id = format!("{name}/{index}");
            if !specs.contains_key(name) {
                problems.push(format!(
                    "the event {} is for the storage {name:?}, which charmcraft.yaml does not \
                     declare (declared: {})",
                    kind.hook_name(name),
                    declared()
                ));
            } else if !state
                .storages
                .iter()
                .any(|s| s.name == *name && s.index == *index)
            {
                problems.push(format!(
                    "the event {} is for the storage instance {id}, which is not in the state: \
                     add it with State::storage(..) and build the event from it",
                    kind.hook_name(name)
                ));
            }
        }
        _ => {}
    }
}

fn constructor(kind: StorageKind) -> &'static str {
    match kind {
        StorageKind::Attached => "Event::storage_attached(&storage)",
        StorageKind::Detaching => "Event::storage_detaching(&storage)",
    }
}

/// The storage tools of one run: the attached instances, the hook's own, and what
/// `storage-add` asked for (committed when the run succeeds).
#[derive(Debug, Default)]
pub(super) struct StorageTools {
    /// Every attached instance with its kind and location, sorted by id.
    pub(super) attached: Vec<(StorageId, StorageInfo)>,
    /// The storage hook's instance.
    pub(super) hook: Option<StorageId>,
    /// `storage-add` counts by name, summed over the run.
    pub(super) added: BTreeMap<String, u32>,
    /// The storage `charmcraft.yaml` declares.
    pub(super) specs: BTreeMap<String, StorageSpec>,
}

impl StorageTools {
    /// `storage-get [-s <id>]`.
    pub(super) fn get(&self, id: Option<&str>) -> Result<StorageInfo, ToolError> {
        let argv = tools::argv::storage_get(id);
        let id = match id {
            Some(id) => {
                // The -s flag's value is checked as the command line is read (exit 2).
                let Some(parsed) = StorageId::parse(id) else {
                    return Err(failed(
                        argv,
                        2,
                        format!(
                            "invalid value {} for option -s: invalid storage ID {}",
                            go_quote(id),
                            go_quote(id)
                        ),
                    ));
                };
                if !self.attached.iter().any(|(known, _)| *known == parsed) {
                    return Err(failed(
                        argv,
                        2,
                        format!(
                            "invalid value {} for option -s: storage {} not found",
                            go_quote(id),
                            go_quote(id)
                        ),
                    ));
                }
                parsed
            }
            None => match &self.hook {
                Some(hook) => hook.clone(),
                None => return Err(failed(argv, 2, "no storage instance specified")),
            },
        };
        self.attached
            .iter()
            .find(|(known, _)| *known == id)
            .map(|(_, info)| info.clone())
            .ok_or_else(|| {
                failed(
                    argv,
                    1,
                    format!("storage {} not found", go_quote(&id.to_string())),
                )
            })
    }

    /// `storage-list [<name>]`.
    pub(super) fn list(&self, name: Option<&str>) -> Vec<String> {
        self.attached
            .iter()
            .filter(|(id, _)| name.is_none_or(|name| id.name() == name))
            .map(|(id, _)| id.to_string())
            .collect()
    }

    /// `storage-add <name>=<count>…`: refused as Juju's `Init` refuses it; the storage names are
    /// checked against `charmcraft.yaml` when the run commits ([`Self::commit_problem`]).
    pub(super) fn add(&mut self, counts: &BTreeMap<String, u32>) -> Result<(), ToolError> {
        let argv = tools::argv::storage_add(counts);
        if counts.is_empty() {
            return Err(failed(argv, 2, "storage add requires a storage directive"));
        }
        for (name, count) in counts {
            if name.is_empty() {
                return Err(failed(
                    argv.clone(),
                    2,
                    format!(
                        "expected \"name=directive\" or \"name\", got {}",
                        go_quote(&format!("={count}"))
                    ),
                ));
            }
            if *count == 0 {
                return Err(failed(
                    argv.clone(),
                    2,
                    format!(
                        "cannot parse directive for storage {}: cannot parse count: count must be \
                         greater than zero, got \"0\"",
                        go_quote(name)
                    ),
                ));
            }
        }
        for (name, count) in counts {
            let total = self.added.entry(name.clone()).or_default();
            *total = total.saturating_add(*count);
        }
        Ok(())
    }

    /// Why Juju would refuse to commit this run's `storage-add`s: a storage `charmcraft.yaml`
    /// does not declare, or more instances than its `multiple` range allows. The harness's own
    /// wording (Juju refuses both when the hook's changes are committed).
    pub(super) fn commit_problem(&self, unit: &str) -> Option<String> {
        for (name, count) in &self.added {
            let Some(spec) = self.specs.get(name) else {
                return Some(format!(
                    "cannot add storage {name:?} to unit {unit:?}: charmcraft.yaml declares no \
                     storage {name:?}"
                ));
            };
            let attached = self
                .attached
                .iter()
                .filter(|(id, _)| id.name() == name)
                .count() as u64;
            if let Some(max) = spec.max
                && attached + u64::from(*count) > max
            {
                return Some(format!(
                    "cannot add {count} instance(s) of storage {name:?} to unit {unit:?}: it has \
                     {attached}, and charmcraft.yaml allows at most {max}"
                ));
            }
        }
        None
    }
}

// The context's storage.

impl Context {
    /// Where the harness puts `storage` when it names no location: `storage/<name>/<index>`
    /// inside the context's temporary directory, the same for every run of this context, created
    /// on first use (a directory for a filesystem storage, an empty file standing for a block
    /// device). Write files there before a run, read them after.
    pub fn storage_location(&mut self, storage: &Storage) -> Result<PathBuf, RunError> {
        if let Some(location) = &storage.location {
            return Ok(location.clone());
        }
        let root = self.scratch_root()?;
        let path = root
            .join("storage")
            .join(&storage.name)
            .join(storage.index.to_string());
        let what = |e| harness_error(&path.display().to_string(), e);
        match self.storage_specs.get(&storage.name).map(|spec| spec.kind) {
            Some(StorageType::Block) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(what)?;
                }
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(what)?;
            }
            _ => std::fs::create_dir_all(&path).map_err(what)?,
        }
        Ok(path)
    }

    /// Gives the backend the run's storage (with locations), and a storage event its
    /// `JUJU_STORAGE_*` variables.
    pub(super) fn prepare_storage(
        &mut self,
        event: &Event,
        state: &State,
        env: &mut UnitEnv,
        backend: &mut Backend,
    ) -> Result<(), RunError> {
        let mut attached = Vec::with_capacity(state.storages.len());
        for storage in &state.storages {
            let (Some(id), Some(spec)) = (
                StorageId::new(&storage.name, storage.index),
                self.storage_specs.get(&storage.name),
            ) else {
                continue;
            };
            let kind = spec.kind;
            let location = self.storage_location(storage)?;
            attached.push((id, StorageInfo { kind, location }));
        }
        attached.sort_by(|a, b| a.0.cmp(&b.0));
        if let Event::Storage { name, index, .. } = event
            && let Some((id, info)) = attached
                .iter()
                .find(|(id, _)| id.name() == name && id.index() == *index)
        {
            env.storage = Some(StorageEnv {
                id: id.clone(),
                location: Some(info.location.clone()),
                kind: Some(info.kind),
            });
            backend.storage.hook = Some(id.clone());
        }
        backend.storage.attached = attached;
        backend.storage.specs = self.storage_specs.clone();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ranges_read_as_juju_reads_them() {
        assert_eq!(parse_range(&json!(2)), Some((2, Some(2))));
        assert_eq!(parse_range(&json!(0)), None);
        assert_eq!(parse_range(&json!("1-10")), Some((1, Some(10))));
        assert_eq!(parse_range(&json!("0+")), Some((0, None)));
        assert_eq!(parse_range(&json!("2-")), Some((2, None)));
        for bad in ["3", "-3", "a-b", "1--2", "1-0", "", "+"] {
            assert_eq!(parse_range(&json!(bad)), None, "{bad}");
        }
    }

    fn stderr(error: ToolError) -> (Option<i32>, String) {
        match error.kind {
            crate::tools::ToolErrorKind::Failed { code, stderr } => (code, stderr),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn storage_get_and_storage_add_refuse_what_juju_s_init_refuses() {
        let data = StorageId::parse("data/0").unwrap();
        let mut tools = StorageTools {
            attached: vec![(
                data.clone(),
                StorageInfo {
                    kind: StorageType::Filesystem,
                    location: "/srv/data".into(),
                },
            )],
            ..StorageTools::default()
        };
        // `jujuc/storage-get.go` `Init`: outside a storage hook, -s is required.
        assert_eq!(
            stderr(tools.get(None).unwrap_err()),
            (Some(2), "ERROR no storage instance specified\n".to_owned())
        );
        // `jujuc/storage-id.go` `storageIdValue.Set`.
        assert_eq!(
            stderr(tools.get(Some("data")).unwrap_err()),
            (
                Some(2),
                "ERROR invalid value \"data\" for option -s: invalid storage ID \"data\"\n"
                    .to_owned()
            )
        );
        assert_eq!(
            tools.get(Some("data/0")).unwrap().location,
            PathBuf::from("/srv/data")
        );
        tools.hook = Some(data);
        assert_eq!(tools.get(None).unwrap().kind, StorageType::Filesystem);
        assert_eq!(tools.list(Some("logs")), Vec::<String>::new());
        assert_eq!(tools.list(None), ["data/0"]);
        // `jujuc/storage-add_test.go` `TestStorageAddInit`, no arguments.
        assert_eq!(
            stderr(tools.add(&BTreeMap::new()).unwrap_err()),
            (
                Some(2),
                "ERROR storage add requires a storage directive\n".to_owned()
            )
        );
        let zero = BTreeMap::from([("data".to_owned(), 0)]);
        assert!(
            stderr(tools.add(&zero).unwrap_err())
                .1
                .contains("count must be greater than zero")
        );
        assert!(tools.added.is_empty(), "a refused call adds nothing");
    }

    #[test]
    fn storage_is_read_from_charmcraft_yaml() {
        let root = json!({"storage": {
            "data": {"type": "filesystem", "location": "/srv/data"},
            "disks": {"type": "block", "multiple": {"range": "0-4"}},
            "logs": {"type": "filesystem", "multiple": {"range": "1+"}},
        }});
        let specs = storage_from_yaml(root.as_object().unwrap()).unwrap();
        assert_eq!(specs["data"].max, Some(1));
        assert_eq!(specs["disks"].kind, StorageType::Block);
        assert_eq!(specs["disks"].max, Some(4));
        assert_eq!(specs["logs"].max, None);
        for (bad, message) in [
            (json!({"storage": {"data": {}}}), "type is required"),
            (json!({"storage": {"data": {"type": "tmpfs"}}}), "\"tmpfs\""),
            (
                json!({"storage": {"d": {"type": "block", "location": "/x"}}}),
                "location may not",
            ),
            (
                json!({"storage": {"data-1": {"type": "block"}}}),
                "not a valid storage name",
            ),
            (
                json!({"storage": {"data": {"type": "block", "multiple": {"range": "x"}}}}),
                "does not match",
            ),
            (json!({"storage": ["data"]}), "mapping"),
        ] {
            let err = storage_from_yaml(bad.as_object().unwrap()).unwrap_err();
            assert!(err.contains(message), "{err}");
        }
    }
}
