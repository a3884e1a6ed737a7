//! Config options: the single source of truth for `config: options:` in `charmcraft.yaml`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The charm's config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    /// Directory the snapshots are written to. Relative paths are relative to the charm directory.
    #[serde(default = "default_snapshot_dir")]
    pub snapshot_dir: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            snapshot_dir: default_snapshot_dir(),
        }
    }
}

fn default_snapshot_dir() -> String {
    "../snapshots".to_owned()
}
