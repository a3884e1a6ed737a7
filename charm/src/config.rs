//! Config options: the single source of truth for `config: options:` in `charmcraft.yaml`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The snapshot charm's config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    /// Directory holding the data to snapshot when no `data` storage is attached. Relative paths are relative to the charm directory.
    #[serde(default = "default_data_dir")]
    pub data_dir: String,
    /// Directory the snapshots are written to. Relative paths are relative to the charm directory.
    #[serde(default = "default_snapshot_dir")]
    pub snapshot_dir: String,
    /// TCP port the snapshots are published on; the unit opens it (`open-port`).
    #[serde(default = "default_port")]
    pub port: u16,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: default_data_dir(),
            snapshot_dir: default_snapshot_dir(),
            port: default_port(),
        }
    }
}

fn default_data_dir() -> String {
    "../data".to_owned()
}

fn default_snapshot_dir() -> String {
    "../snapshots".to_owned()
}

fn default_port() -> u16 {
    8080
}
