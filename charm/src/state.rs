//! What the charm keeps between events in Juju's charm state (`state-set`): a typed databag,
//! committed by Juju only when the hook that wrote it succeeds.

use ops::databag::Databag;
use serde::{Deserialize, Serialize};

/// The charm's state on one unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CharmState {
    /// Where the `data` storage is attached, set by `data-storage-attached` and cleared by
    /// `data-storage-detaching`; the snapshot action archives it.
    pub data_dir: Option<String>,
}

impl Databag for CharmState {}
