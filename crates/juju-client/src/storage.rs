//! Storage: `juju storage --format json` and the `storage` section of `juju status`
//! ([`CombinedStorage`], jubilant's type of the same name, with the `storage` map Juju's
//! `cmd/juju/storage` `StorageInfo` prints), and [`Juju::add_storage`].

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Juju;
use crate::cli::Error;
use crate::status::null_as_default;

/// The storage of a model: each instance by id (`data/0`). Filesystems and volumes, which
/// jubilant also reads, are not typed here.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CombinedStorage {
    #[serde(default, deserialize_with = "null_as_default")]
    pub storage: BTreeMap<String, StorageInfo>,
}

/// One storage instance (jubilant's `StorageInfo`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StorageInfo {
    /// `filesystem` or `block`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: EntityStatus,
    #[serde(default)]
    pub persistent: bool,
    #[serde(default)]
    pub life: String,
    /// The units it is attached to.
    #[serde(default)]
    pub attachments: Option<StorageAttachments>,
}

/// A storage instance's status: `attached`, `pending`, `detaching`, … (jubilant's
/// `EntityStatus`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EntityStatus {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub since: String,
}

/// The units a storage instance is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StorageAttachments {
    #[serde(default)]
    pub units: BTreeMap<String, UnitStorageAttachment>,
}

/// One unit's attachment: its machine, where the storage is, its life.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct UnitStorageAttachment {
    #[serde(default)]
    pub machine: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub life: String,
}

impl StorageInfo {
    /// Where the instance is on `unit` (its mount point or directory), if attached there.
    pub fn location_on(&self, unit: &str) -> Option<&str> {
        self.attachments
            .as_ref()
            .and_then(|a| a.units.get(unit))
            .map(|u| u.location.as_str())
    }
}

impl Juju {
    /// `juju add-storage UNIT name[=directive]…` (`data`, `data=2`, `data=tmpfs,1G`): adds
    /// storage instances to the unit; returns the ids Juju reports (`added storage data/1 to
    /// u/0`). The instances' `-storage-attached` hooks run after, on a controller after the
    /// call returns (so [`Juju::wait`]), on `juju-local` before.
    pub fn add_storage<S: AsRef<str>>(
        &self,
        unit: impl AsRef<str>,
        storage: impl IntoIterator<Item = S>,
    ) -> Result<Vec<String>, Error> {
        let mut args = vec!["add-storage".to_owned(), unit.as_ref().to_owned()];
        args.extend(storage.into_iter().map(|s| s.as_ref().to_owned()));
        let out = self.cli(&args)?;
        Ok(out
            .stderr
            .lines()
            .filter_map(|l| l.strip_prefix("added storage "))
            .filter_map(|l| l.split_once(" to ").map(|(id, _)| id.to_owned()))
            .collect())
    }

    /// `juju storage --format json`: the model's storage instances (none when Juju prints
    /// nothing, as it does for a model without storage).
    pub fn storage(&self) -> Result<CombinedStorage, Error> {
        let out = self.cli(["storage", "--format", "json"])?;
        if out.stdout.trim().is_empty() {
            return Ok(CombinedStorage::default());
        }
        crate::cli::parse_json(&out.stdout, out.argv)
    }
}
