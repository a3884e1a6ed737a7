//! Action params: the single source of truth for `actions:` in `charmcraft.yaml`.
//!
//! Edit these structs, then run `cargo xtask sync`. Doc comments become descriptions, serde
//! defaults become `default`, `deny_unknown_fields` becomes `additionalProperties: false`, and
//! `#[schemars(range(..))]` becomes `minimum`/`maximum`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Take a snapshot of the database.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Snapshot {
    /// The name of the snapshot file.
    pub filename: String,
    /// The type of compression to use.
    #[serde(default)]
    pub compression: Compression,
}

impl ops::Action for Snapshot {
    const NAME: &'static str = "snapshot";
}

/// How the snapshot is compressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Compression {
    #[serde(default)]
    pub kind: CompressionKind,
    /// Compression quality
    #[serde(default = "default_quality")]
    #[schemars(range(min = 0, max = 9))]
    pub quality: u8,
}

impl Default for Compression {
    fn default() -> Self {
        Compression {
            kind: CompressionKind::default(),
            quality: default_quality(),
        }
    }
}

fn default_quality() -> u8 {
    5
}

// Doc comments on the variants are allowed but go nowhere: schemars writes them as `oneOf`, which
// the runtime merges back into this plain `enum:` (a param's `enum:` has no per-value descriptions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CompressionKind {
    #[default]
    Gzip,
    Bzip2,
    Xz,
}

impl CompressionKind {
    /// The file extension of this codec.
    pub fn extension(self) -> &'static str {
        match self {
            CompressionKind::Gzip => "gz",
            CompressionKind::Bzip2 => "bz2",
            CompressionKind::Xz => "xz",
        }
    }
}

/// Show the database this unit uses: name, endpoints, user (the password only as `set`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionInfo {}

impl ops::Action for ConnectionInfo {
    const NAME: &'static str = "connection-info";
}
