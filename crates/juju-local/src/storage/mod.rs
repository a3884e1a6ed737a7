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
//!
//! Here the facade; `meta.rs` the stores a charm declares, `directive.rs` directives and
//! sizes, `checks.rs` the checks against the charm, `instances.rs` a unit's instances on disk
//! and as `juju storage` shows them, `commit.rs` what a process sees and the commit of its
//! `storage-add` requests.

mod checks;
mod commit;
mod directive;
mod instances;
mod meta;
#[cfg(test)]
mod tests;

pub use checks::{adding, deploy_directives};
pub use commit::{HookStorage, StorageContext, context_for, prepare_commit};
pub use directive::{
    Directive, humanize_bytes, parse_deploy_flag, parse_directives_map, parse_size,
};
pub use instances::{
    Instance, allocate_locked, create, create_for_unit_locked, storage_json, valid_storage_id,
};
pub use meta::{StorageMeta, stores};
