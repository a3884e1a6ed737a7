//! Storage: the instances Juju attaches to the unit (`<name>/<n>`, a filesystem or a block
//! device), the storage hooks (`<name>-storage-attached`, `<name>-storage-detaching`) with
//! what Juju tells them (`JUJU_STORAGE_ID`, `JUJU_STORAGE_LOCATION`, `JUJU_STORAGE_KIND`), and
//! the storage tools (`storage-get`, `storage-list`, `storage-add`).
//!
//! Storage is declared by hand in `charmcraft.yaml` (`storage: <name>: {type: filesystem,
//! location: …, multiple: {range: …}}`); `cargo xtask sync` checks that every storage hook the
//! charm handles names a declared storage. Juju runs `-storage-attached` before `install` on a
//! machine, and `-storage-detaching` only for storage whose `-storage-attached` succeeded.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

use crate::charm::{Charm, EventKind, HandlerResult, HookRunner, finish};
use crate::event::Unit;
use crate::names;
use crate::tools::{ToolError, ToolErrorKind};

/// The storage hooks Juju runs for a storage: `<name>-storage-<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StorageKind {
    /// The instance is attached (and, for a filesystem, mounted at its location).
    Attached,
    /// The instance is about to be detached (run only if `-storage-attached` succeeded).
    Detaching,
}

impl StorageKind {
    /// Every kind, in the order Juju runs them.
    pub const ALL: [StorageKind; 2] = [StorageKind::Attached, StorageKind::Detaching];

    /// The suffix after `-storage-`: `attached` or `detaching`.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageKind::Attached => "attached",
            StorageKind::Detaching => "detaching",
        }
    }

    /// The hook name for the storage `name`: `<name>-storage-<kind>`.
    pub fn hook_name(self, name: &str) -> String {
        format!("{name}-storage-{}", self.as_str())
    }

    /// Splits a hook name such as `data-storage-attached` into the storage name and kind.
    pub fn parse_hook(hook: &str) -> Option<(&str, StorageKind)> {
        let (name, kind) = hook.rsplit_once("-storage-")?;
        let kind = StorageKind::ALL.into_iter().find(|k| k.as_str() == kind)?;
        (!name.is_empty()).then_some((name, kind))
    }
}

impl fmt::Display for StorageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a storage instance is (`type:` in `charmcraft.yaml`; Juju's `kind` in `storage-get`
/// and `JUJU_STORAGE_KIND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageType {
    /// A mounted filesystem; the location is its mount point.
    Filesystem,
    /// A block device; the location is the device's path.
    Block,
}

impl StorageType {
    /// As Juju spells it: `filesystem` or `block`.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageType::Filesystem => "filesystem",
            StorageType::Block => "block",
        }
    }

    /// Reads `filesystem` or `block`.
    pub fn parse(s: &str) -> Option<StorageType> {
        match s {
            "filesystem" => Some(StorageType::Filesystem),
            "block" => Some(StorageType::Block),
            _ => None,
        }
    }
}

impl fmt::Display for StorageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Juju's storage name rule (`storageNameSnippet`, the application name's): lowercase letters
/// and digits in hyphen-separated segments, the first starting with a letter, every later one
/// holding a letter.
pub fn is_storage_name(name: &str) -> bool {
    names::is_application_name(name)
}

/// A storage instance's id, `<name>/<n>` (`data/0`), as `JUJU_STORAGE_ID` and `storage-list`
/// give it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorageId {
    name: String,
    index: u32,
}

impl StorageId {
    /// The id of instance `index` of the storage `name`; `None` when `name` breaks Juju's
    /// storage name rule.
    pub fn new(name: &str, index: u32) -> Option<StorageId> {
        is_storage_name(name).then(|| StorageId {
            name: name.to_owned(),
            index,
        })
    }

    /// Reads `<name>/<n>` with Juju's rule (`validStorageID`: no leading zeros).
    pub fn parse(id: &str) -> Option<StorageId> {
        let (name, n) = id.split_once('/')?;
        let well_formed = !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && (n == "0" || !n.starts_with('0'));
        if !well_formed {
            return None;
        }
        StorageId::new(name, n.parse().ok()?)
    }

    /// The storage name, as declared under `storage:`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instance's number.
    pub fn index(&self) -> u32 {
        self.index
    }
}

impl fmt::Display for StorageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.name, self.index)
    }
}

impl FromStr for StorageId {
    type Err = StorageError;

    fn from_str(s: &str) -> Result<StorageId, StorageError> {
        StorageId::parse(s).ok_or_else(|| StorageError::InvalidId { id: s.to_owned() })
    }
}

/// What `storage-get --format=json` prints for an instance: `{"kind", "location"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StorageInfo {
    /// `filesystem` or `block`.
    pub kind: StorageType,
    /// The mount point of a filesystem, or the path of a block device.
    pub location: PathBuf,
}

/// What Juju tells a storage hook about its storage (`JUJU_STORAGE_ID`,
/// `JUJU_STORAGE_LOCATION`, `JUJU_STORAGE_KIND`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageEnv {
    /// `JUJU_STORAGE_ID`.
    pub id: StorageId,
    /// `JUJU_STORAGE_LOCATION`; `None` when unset or empty.
    pub location: Option<PathBuf>,
    /// `JUJU_STORAGE_KIND`; `None` when unset or neither `filesystem` nor `block`.
    pub kind: Option<StorageType>,
}

impl StorageEnv {
    /// Reads the storage variables through `var`; `None` outside a storage hook (no
    /// `JUJU_STORAGE_ID`, or one that is not `<name>/<n>`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<StorageEnv> {
        let id = StorageId::parse(&var("JUJU_STORAGE_ID")?)?;
        Some(StorageEnv {
            id,
            location: var("JUJU_STORAGE_LOCATION")
                .filter(|l| !l.is_empty())
                .map(PathBuf::from),
            kind: var("JUJU_STORAGE_KIND").and_then(|k| StorageType::parse(&k)),
        })
    }
}

/// Storage could not be read or added.
#[derive(Debug)]
#[non_exhaustive]
pub enum StorageError {
    /// A storage name that breaks Juju's rule ([`is_storage_name`]); refused before any tool
    /// runs.
    InvalidName { name: String },
    /// A storage id that is not `<name>/<n>`.
    InvalidId { id: String },
    /// [`Unit::add_storage`] with a count of 0 (Juju's `count must be greater than zero`).
    ZeroCount { name: String },
    /// A typed storage handler ran without a storage in the environment (`JUJU_STORAGE_ID`).
    NoStorage { hook: String },
    /// A typed storage handler ran for an instance of another storage.
    WrongStorage {
        hook: String,
        expected: String,
        id: String,
    },
    /// The tool failed or printed something unexpected.
    Tool(ToolError),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::InvalidName { name } => write!(
                f,
                "{name:?} is not a storage name (lowercase letters and digits in hyphen-separated segments, starting with a letter, each segment holding a letter)"
            ),
            StorageError::InvalidId { id } => {
                write!(f, "{id:?} is not a storage id (<name>/<number>)")
            }
            StorageError::ZeroCount { name } => write!(
                f,
                "cannot parse directive for storage {name:?}: cannot parse count: count must be greater than zero, got \"0\""
            ),
            StorageError::NoStorage { hook } => write!(
                f,
                "hook {hook:?} ran without a storage: JUJU_STORAGE_ID is not set to <name>/<number>"
            ),
            StorageError::WrongStorage { hook, expected, id } => write!(
                f,
                "hook {hook:?} is handled for the storage {expected:?}, but Juju ran it for {id}"
            ),
            StorageError::Tool(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StorageError::Tool(e) => Some(e),
            _ => None,
        }
    }
}

fn check_name(name: &str) -> Result<(), StorageError> {
    if is_storage_name(name) {
        Ok(())
    } else {
        Err(StorageError::InvalidName {
            name: name.to_owned(),
        })
    }
}

impl<'a> Unit<'a> {
    /// The attached instances of the storage `name` (`storage-list <name>`), in Juju's order.
    pub fn storage_list(&mut self, name: &str) -> Result<Vec<StorageId>, StorageError> {
        check_name(name)?;
        let printed = self
            .tools()
            .storage_list(Some(name))
            .map_err(StorageError::Tool)?;
        printed
            .into_iter()
            .map(|id| {
                StorageId::parse(&id).ok_or_else(|| {
                    StorageError::Tool(ToolError {
                        argv: vec![
                            "storage-list".into(),
                            "--format=json".into(),
                            name.to_owned(),
                        ],
                        kind: ToolErrorKind::BadOutput {
                            reason: format!("{id:?} is not a storage id (<name>/<number>)"),
                        },
                    })
                })
            })
            .collect()
    }

    /// The kind and location of the instance `id` (`storage-get -s <id>`).
    pub fn storage(&mut self, id: &StorageId) -> Result<StorageInfo, StorageError> {
        self.tools()
            .storage_get(Some(&id.to_string()))
            .map_err(StorageError::Tool)
    }

    /// Asks Juju for `count` more instances of the storage `name` (`storage-add
    /// <name>=<count>`), committed when the hook succeeds; each arrives with its own
    /// `-storage-attached` hook. A count of 0 or a malformed name is refused before the tool
    /// runs.
    pub fn add_storage(&mut self, name: &str, count: u32) -> Result<(), StorageError> {
        check_name(name)?;
        if count == 0 {
            return Err(StorageError::ZeroCount {
                name: name.to_owned(),
            });
        }
        let counts = BTreeMap::from([(name.to_owned(), count)]);
        self.tools()
            .storage_add(&counts)
            .map_err(StorageError::Tool)
    }
}

/// A storage hook being handled: `<name>-storage-attached` or `-storage-detaching`, for one
/// instance. It derefs to the [`Unit`].
pub struct StorageEvent<'a> {
    unit: Unit<'a>,
    kind: StorageKind,
    id: StorageId,
    location: PathBuf,
    storage_type: StorageType,
}

impl StorageEvent<'_> {
    /// Which storage hook this is.
    pub fn kind(&self) -> StorageKind {
        self.kind
    }

    /// The hook name, `<name>-storage-<kind>`.
    pub fn hook_name(&self) -> String {
        self.kind.hook_name(self.id.name())
    }

    /// The instance the hook is about (`JUJU_STORAGE_ID`).
    pub fn id(&self) -> &StorageId {
        &self.id
    }

    /// Where it is: a filesystem's mount point, a block device's path
    /// (`JUJU_STORAGE_LOCATION`).
    pub fn location(&self) -> &Path {
        &self.location
    }

    /// Whether it is a filesystem or a block device (`JUJU_STORAGE_KIND`).
    pub fn storage_type(&self) -> StorageType {
        self.storage_type
    }
}

impl<'a> Deref for StorageEvent<'a> {
    type Target = Unit<'a>;
    fn deref(&self) -> &Unit<'a> {
        &self.unit
    }
}

impl<'a> DerefMut for StorageEvent<'a> {
    fn deref_mut(&mut self) -> &mut Unit<'a> {
        &mut self.unit
    }
}

impl Charm {
    /// Registers a handler for the storage hook `<storage>-storage-<kind>`. The handler
    /// receives a [`StorageEvent`] with the instance's id, location and type. Several handlers
    /// for one hook run in registration order. The storage is declared in `charmcraft.yaml`,
    /// and `cargo xtask sync` checks the hook against it.
    ///
    /// If the environment names no storage, or an instance of another storage, the handler does
    /// not run and the hook fails with a message saying so. Where Juju left out the location or
    /// kind, they are asked for with `storage-get`.
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::{Charm, HandlerResult, StorageEvent, StorageKind};
    ///
    /// fn on_data_attached(event: &mut StorageEvent) -> HandlerResult {
    ///     let line = format!("{} is at {}", event.id(), event.location().display());
    ///     event.info(line)?;
    ///     Ok(())
    /// }
    ///
    /// let charm = Charm::new().on_storage("data", StorageKind::Attached, on_data_attached);
    /// assert_eq!(charm.schema_json().unwrap()["hooks"], serde_json::json!(["data-storage-attached"]));
    /// ```
    pub fn on_storage(
        self,
        storage: &str,
        kind: StorageKind,
        handler: impl Fn(&mut StorageEvent<'_>) -> HandlerResult + Send + Sync + 'static,
    ) -> Self {
        let expected = storage.to_owned();
        let runner: HookRunner = Box::new(move |tools, env, name| {
            let mut unit = Unit::new(tools, env);
            let what = format!("hook {name:?}");
            let storage_env = match env.storage.as_ref() {
                None => Err(StorageError::NoStorage {
                    hook: name.to_owned(),
                }),
                Some(s) if s.id.name() != expected => Err(StorageError::WrongStorage {
                    hook: name.to_owned(),
                    expected: expected.clone(),
                    id: s.id.to_string(),
                }),
                Some(s) => Ok(s),
            };
            let storage_env = match storage_env {
                Ok(s) => s,
                Err(e) => return finish(&mut unit, &what, Ok(Err(e.into())), EventKind::Hook),
            };
            // Juju sets both variables in a storage hook; ask if it did not.
            let (location, storage_type) = match (&storage_env.location, storage_env.kind) {
                (Some(location), Some(kind)) => (location.clone(), kind),
                _ => match unit.storage(&storage_env.id) {
                    Ok(info) => (info.location, info.kind),
                    Err(e) => {
                        return finish(&mut unit, &what, Ok(Err(e.into())), EventKind::Hook);
                    }
                },
            };
            let mut event = StorageEvent {
                unit,
                kind,
                id: storage_env.id.clone(),
                location,
                storage_type,
            };
            let result = catch_unwind(AssertUnwindSafe(|| handler(&mut event)));
            finish(&mut event.unit, &what, result, EventKind::Hook)
        });
        self.register_hook(kind.hook_name(storage), runner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_names_and_ids_follow_juju_s_rules() {
        for good in ["data", "a1", "pg-data", "a-1b", "logs-2x"] {
            assert!(is_storage_name(good), "{good}");
        }
        for bad in ["", "1a", "Data", "a-", "a--b", "a-1", "a_b", "-a"] {
            assert!(!is_storage_name(bad), "{bad}");
        }
        let id = StorageId::parse("data/12").unwrap();
        assert_eq!((id.name(), id.index()), ("data", 12));
        assert_eq!(id.to_string(), "data/12");
        for bad in [
            "data",
            "data/",
            "data/01",
            "data/-1",
            "Data/0",
            "data/0/1",
            "data/99999999999",
        ] {
            assert_eq!(StorageId::parse(bad), None, "{bad}");
        }
        assert_eq!(StorageId::parse("data/0").unwrap().index(), 0);
    }

    #[test]
    fn storage_hook_names_round_trip() {
        for kind in StorageKind::ALL {
            let hook = kind.hook_name("pg-data");
            assert_eq!(StorageKind::parse_hook(&hook), Some(("pg-data", kind)));
        }
        assert_eq!(StorageKind::parse_hook("data-storage-gone"), None);
        assert_eq!(StorageKind::parse_hook("-storage-attached"), None);
    }

    #[test]
    fn the_storage_env_is_read_from_juju_s_variables() {
        let vars = [
            ("JUJU_STORAGE_ID", "data/1"),
            ("JUJU_STORAGE_LOCATION", "/srv/data"),
            ("JUJU_STORAGE_KIND", "filesystem"),
        ];
        let get = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let env = StorageEnv::from_vars(get).unwrap();
        assert_eq!(env.id.to_string(), "data/1");
        assert_eq!(env.location.as_deref(), Some(Path::new("/srv/data")));
        assert_eq!(env.kind, Some(StorageType::Filesystem));
        assert_eq!(StorageEnv::from_vars(|_| None), None);
        assert_eq!(
            StorageEnv::from_vars(|k| (k == "JUJU_STORAGE_ID").then(|| "x".to_owned())),
            None
        );
    }
}
