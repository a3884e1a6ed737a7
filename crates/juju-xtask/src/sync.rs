//! `cargo xtask sync [--check]`: the Rust types in `charm/` write the `actions:`, `config:`,
//! `requires:`, `provides:` and `peers:` sections of `charmcraft.yaml`.
//!
//! The charm binary prints its schemas and endpoints (`--print-schema`); this module renders
//! each section as YAML (serde-saphyr, which quotes YAML-1.1-ambiguous strings such as `on` and
//! `1.0`) and splices it into the file in place of the old section, leaving every other byte as
//! it was. An endpoint section the charm declares nothing for is removed; a key the binary does
//! not print (an older charm binary has no endpoints) leaves its section alone. The hooks the
//! binary says the charm handles are checked against the file: a storage or container hook
//! needs its storage or container declared. `--check` writes nothing and fails with a diff when
//! the file is stale. `--charmcraft` also loads the file with charmcraft's own project model
//! (charmcraft from PyPI, as an oracle).

mod checks;
mod splice;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::Value;
use xshell::{Shell, cmd};

pub use splice::{parse, update_sections};

use crate::project::project;
use crate::util::is_ci;

/// The sections sync owns, in the order they are appended when missing.
pub const SECTIONS: [&str; 5] = ["config", "actions", "requires", "provides", "peers"];

/// The sections of the charm's endpoints, one per role: written when the charm declares
/// endpoints in that role, removed when it declares none.
pub const ENDPOINT_SECTIONS: [&str; 3] = ["requires", "provides", "peers"];

#[derive(Debug, clap::Args)]
pub struct Sync {
    /// Write nothing; fail with a diff if charmcraft.yaml is not up to date.
    #[arg(long)]
    pub check: bool,
    /// Also load charmcraft.yaml with charmcraft's own project model (`charmcraft
    /// expand-extensions`; installs charmcraft from PyPI into target/oracles).
    #[arg(long)]
    pub charmcraft: bool,
}

impl Sync {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let schema = charm_schema(sh)?;
        let root = &project()?.root;
        let mut stale = Vec::new();
        let file = root.join("charmcraft.yaml");
        if let Some(diff) = ensure_synced(&file, &schema, self.check)? {
            stale.push(diff);
        }
        if self.charmcraft {
            crate::oracle::charmcraft_validate(sh, &root.join("charmcraft.yaml"))?;
        }
        if stale.is_empty() {
            return Ok(());
        }
        let fix = if is_ci() {
            "run `cargo xtask sync` locally and commit the result"
        } else {
            "run `cargo xtask sync` to update it"
        };
        bail!("{}\n{fix}", stale.join("\n"))
    }
}

/// Builds the charm binary for the host and asks it for its schemas.
pub fn charm_schema(sh: &Shell) -> anyhow::Result<Value> {
    let binary = build_charm_binary(sh)?;
    let json = cmd!(sh, "{binary} --print-schema")
        .quiet()
        .read()
        .with_context(|| format!("`{} --print-schema` failed", binary.display()))?;
    serde_json::from_str(&json).context("the charm binary printed invalid JSON for --print-schema")
}

/// `cargo build` of the charm crate's binary for the host, returning its path.
pub fn build_charm_binary(sh: &Shell) -> anyhow::Result<PathBuf> {
    let charm = &project()?.charm;
    crate::util::cargo_executable(
        sh,
        &["build", "--package", &charm.package, "--bin", &charm.bin],
        &charm.bin,
    )
    .context("building the charm failed (the compiler's errors are above)")
}

/// Brings `file`'s synced sections up to date (or, with `check`, reports how they differ).
/// Returns a description of the difference when the file is stale in check mode.
pub fn ensure_synced(file: &Path, schema: &Value, check: bool) -> anyhow::Result<Option<String>> {
    let rel = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let old = match fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => bail!("cannot read {}: {e}", file.display()),
    };
    let new =
        update_sections(&old, schema, &SECTIONS).map_err(|e| anyhow::anyhow!("{rel}: {e}"))?;
    if new == old {
        return Ok(None);
    }
    let diff = splice::diff(&old, &new);
    if check {
        return Ok(Some(format!(
            "{rel} is not up to date with the Rust types in charm/:\n{diff}"
        )));
    }
    crate::util::write_atomically(file, new.as_bytes())?;
    eprintln!("updated {rel}:\n{diff}");
    Ok(None)
}

#[cfg(test)]
mod checks_tests;
#[cfg(test)]
mod endpoints_tests;
#[cfg(test)]
mod splice_tests;
