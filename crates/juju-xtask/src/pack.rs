//! `cargo xtask pack`: build the static charm binary and write a deployable, reproducible
//! `<name>_<platform>.charm` per platform, without LXD.
//!
//! The archive holds what Juju reads from a charm archive: `dispatch` (the static binary itself,
//! mode 0755; Juju runs it with no arguments and never fixes its mode), `metadata.yaml`,
//! `actions.yaml` / `config.yaml` when declared, and `manifest.yaml` with concrete bases. Entries
//! are sorted, files are 0644, timestamps are fixed (`SOURCE_DATE_EPOCH`, else 1980-01-01) and
//! machine paths in the binary are remapped, so the same sources give the same bytes anywhere.
//! `charmcraft analyse` treats a binary `dispatch` as having no entrypoint to check (N/A), so no
//! shell wrapper is needed.

mod plan;
#[cfg(test)]
mod tests;

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use xshell::{Shell, cmd};

pub use plan::{Platform, plan};

use crate::project::project;

#[derive(Debug, clap::Args)]
pub struct Pack {
    /// Pack only this platform (a key of `platforms:` in charmcraft.yaml).
    #[arg(long)]
    pub platform: Option<String>,
    /// Run `charmcraft analyse` on the result (installs charmcraft from PyPI into target/oracles).
    #[arg(long)]
    pub analyse: bool,
}

impl Pack {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        for charm in self.pack(sh)? {
            let size = fs::metadata(&charm).map(|m| m.len()).unwrap_or(0);
            println!("packed {} ({})", charm.display(), human_size(size));
            if self.analyse {
                crate::oracle::charmcraft_analyse(sh, &charm)?;
            }
        }
        Ok(())
    }

    /// Packs the selected platforms, returning the written `.charm` paths.
    pub fn pack(&self, sh: &Shell) -> anyhow::Result<Vec<PathBuf>> {
        let project = project()?;
        let yaml_path = project.charmcraft_yaml();
        let text = fs::read_to_string(&yaml_path)
            .with_context(|| format!("cannot read {}", yaml_path.display()))?;
        let plan = plan(&text).map_err(|e| anyhow::anyhow!("charmcraft.yaml: {e}"))?;
        let platforms: Vec<&Platform> = match &self.platform {
            Some(name) => match plan.platforms.iter().find(|p| &p.name == name) {
                Some(p) => vec![p],
                None => bail!(
                    "charmcraft.yaml has no platform {name:?}; it declares: {}",
                    plan.platforms
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            None => plan.platforms.iter().collect(),
        };
        for platform in &platforms {
            rust_target(&platform.arch)?;
        }
        crate::sync::Sync {
            check: true,
            charmcraft: false,
        }
        .run(sh)
        .context("charmcraft.yaml does not match the charm in charm/ (actions, config, endpoints or hooks)")?;
        let out_dir = project.target_dir.join("charm");
        fs::create_dir_all(&out_dir)
            .with_context(|| format!("cannot create {}", out_dir.display()))?;
        let mtime = zip_time_from_env()?;
        let mut written = Vec::new();
        for platform in platforms {
            let target = rust_target(&platform.arch)?;
            ensure_rust_target(sh, target)?;
            let started = Instant::now();
            let binary = build_dispatch(sh, target)?;
            let dispatch =
                fs::read(&binary).with_context(|| format!("cannot read {}", binary.display()))?;
            let files = plan.files(platform)?;
            let out = out_dir.join(&platform.charm_file_name);
            write_charm(&out, &dispatch, &files, mtime)?;
            write_prime(&out_dir.join("prime"), &dispatch, &files)?;
            eprintln!(
                "built and packed {} in {:.1?}",
                platform.name,
                started.elapsed()
            );
            written.push(out);
        }
        Ok(written)
    }
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

/// The Rust target that builds a static binary for a Debian architecture.
pub fn rust_target(arch: &str) -> anyhow::Result<&'static str> {
    match arch {
        "amd64" => Ok("x86_64-unknown-linux-musl"),
        "arm64" => Ok("aarch64-unknown-linux-musl"),
        other => bail!(
            "cannot build for architecture {other:?}: supported are amd64 (x86_64-unknown-linux-musl) and arm64 (aarch64-unknown-linux-musl); pack one platform with --platform"
        ),
    }
}

/// Adds the rustup target when it is missing (idempotent), saying so.
fn ensure_rust_target(sh: &Shell, target: &str) -> anyhow::Result<()> {
    let installed = cmd!(sh, "rustup target list --installed").quiet().read();
    let installed = match installed {
        Ok(list) => list,
        Err(_) => bail!(
            "rustup is not available to check for the {target} target; install it with your toolchain manager (e.g. `rustup target add {target}`)"
        ),
    };
    if installed.lines().any(|l| l.trim() == target) {
        return Ok(());
    }
    eprintln!(
        "installing the Rust target {target} (needed for a static charm binary): rustup target add {target}"
    );
    cmd!(sh, "rustup target add {target}")
        .run()
        .with_context(|| format!("`rustup target add {target}` failed"))?;
    if target.starts_with("aarch64")
        && std::env::var_os("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER").is_none()
    {
        eprintln!(
            "note: cross-linking for arm64 needs a linker, e.g. `apt-get install gcc-aarch64-linux-gnu` and CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc (or use cargo-zigbuild)"
        );
    }
    Ok(())
}

/// A `--config` value for cargo that maps the machine-specific paths compiled into a binary
/// (panic locations in dependencies and in build-script output) to fixed names, so the same
/// sources give the same `dispatch` from any checkout, target dir or cargo home. Cargo appends
/// it to the target's other configured rustflags.
pub fn path_remap_config(target: &str) -> anyhow::Result<String> {
    let project = project()?;
    let (root, target_dir) = (project.root.clone(), project.target_dir.clone());
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    // rustc applies the last prefix that matches, so the most specific comes last: the target
    // dir is often inside the project root.
    let mut maps: Vec<(PathBuf, &str)> = cargo_home
        .map(|home| (home, "/cargo"))
        .into_iter()
        .collect();
    maps.push((root, "/build"));
    maps.push((target_dir, "/target"));
    let flags: Vec<String> = maps
        .iter()
        .map(|(from, to)| {
            serde_json::Value::String(format!("--remap-path-prefix={}={to}", from.display()))
                .to_string()
        })
        .collect();
    Ok(format!("target.{target}.rustflags=[{}]", flags.join(",")))
}

/// `cargo build --release` of the charm binary for `target`; returns the binary's path.
fn build_dispatch(sh: &Shell, target: &str) -> anyhow::Result<PathBuf> {
    let remap = path_remap_config(target)?;
    let charm = &project()?.charm;
    eprintln!("pack: building the charm for {target} (release)");
    crate::util::cargo_executable(
        sh,
        &[
            "build",
            "--release",
            "--package",
            &charm.package,
            "--bin",
            &charm.bin,
            "--target",
            target,
            "--config",
            &remap,
        ],
        &charm.bin,
    )
    .context("building the charm failed (cargo's errors are above); nothing was packed")
}

/// The zip timestamp: `SOURCE_DATE_EPOCH` when set (clamped to zip's 1980–2107), else 1980-01-01.
pub fn zip_time_from_env() -> anyhow::Result<zip::DateTime> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => {
            let secs: i64 = value.trim().parse().with_context(|| {
                format!("SOURCE_DATE_EPOCH must be seconds since 1970, got {value:?}")
            })?;
            zip_time(secs)
        }
        Err(_) => zip_time(315_532_800),
    }
}

/// Converts Unix seconds to a zip timestamp (UTC), clamped to the range zip can store.
pub fn zip_time(secs: i64) -> anyhow::Result<zip::DateTime> {
    let secs = secs.clamp(315_532_800, 4_354_819_198);
    let at = time::OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|e| anyhow::anyhow!("timestamp {secs} out of range: {e}"))?;
    zip::DateTime::from_date_and_time(
        u16::try_from(at.year()).context("timestamp out of range")?,
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
    )
    .map_err(|e| anyhow::anyhow!("cannot store the timestamp in a zip: {e}"))
}

/// Builds the archive bytes: `dispatch` (0755) and `files` (0644), entries sorted by name.
pub fn charm_bytes(
    dispatch: &[u8],
    files: &[(String, String)],
    mtime: zip::DateTime,
) -> anyhow::Result<Vec<u8>> {
    let mut entries: Vec<(&str, &[u8], u32)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_bytes(), 0o644))
        .collect();
    entries.push(("dispatch", dispatch, 0o755));
    zip_bytes(&mut entries, mtime)
}

/// A deflated zip of `(name, bytes, unix mode)` entries, sorted by name, every entry stamped
/// `mtime`: the same entries give the same bytes.
pub fn zip_bytes(
    entries: &mut [(&str, &[u8], u32)],
    mtime: zip::DateTime,
) -> anyhow::Result<Vec<u8>> {
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let base = zip::write::SimpleFileOptions::DEFAULT
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(mtime);
    for (name, bytes, mode) in entries.iter() {
        zip.start_file(*name, base.unix_permissions(*mode))?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Writes the archive through a temporary file and a rename: never a partial `.charm`.
pub fn write_charm(
    out: &Path,
    dispatch: &[u8],
    files: &[(String, String)],
    mtime: zip::DateTime,
) -> anyhow::Result<()> {
    let bytes = charm_bytes(dispatch, files, mtime)?;
    crate::util::write_atomically(out, &bytes)
}

/// The unpacked tree (`target/charm/prime`): what charmcraft's `dump` part in charmcraft.yaml
/// packs, so `charmcraft pack` produces the same archive.
fn write_prime(prime: &Path, dispatch: &[u8], files: &[(String, String)]) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if prime.exists() {
        fs::remove_dir_all(prime).with_context(|| format!("cannot clear {}", prime.display()))?;
    }
    fs::create_dir_all(prime)?;
    let path = prime.join("dispatch");
    fs::write(&path, dispatch)?;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
    for (name, text) in files {
        fs::write(prime.join(name), text)?;
    }
    Ok(())
}
