//! Helpers shared by the commands: cargo invocation, CI detection, atomic file writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use cargo_metadata::Message;
use xshell::{Shell, cmd};

/// The cargo that runs this task (`$CARGO`), so nested builds use the same toolchain.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Whether we run under CI (`CI=true`), where failures print the command that fixes them.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Runs `cargo <args>` (a build, or `test --no-run`) and returns the executable it built for the
/// target `name`. Cargo's progress and errors go to the terminal (pass `--quiet` in `args` for
/// a build that is known to be quick).
pub fn cargo_executable(sh: &Shell, args: &[&str], name: &str) -> anyhow::Result<PathBuf> {
    let cargo = cargo();
    let messages = cmd!(
        sh,
        "{cargo} {args...} --message-format=json-render-diagnostics"
    )
    .read()?;
    built_executable(&messages, name)
}

/// The executable cargo reports building for the target `name`, from the output of a
/// `cargo build --message-format=json-render-diagnostics`.
fn built_executable(messages: &str, name: &str) -> anyhow::Result<PathBuf> {
    Message::parse_stream(messages.as_bytes())
        .filter_map(Result::ok)
        .find_map(|message| match message {
            Message::CompilerArtifact(artifact) if artifact.target.name == name => {
                artifact.executable.map(|path| path.into_std_path_buf())
            }
            _ => None,
        })
        .with_context(|| format!("cargo did not report the {name} executable it built"))
}

/// Writes `bytes` to `path` through a temporary file in the same directory (an unpredictable
/// name) renamed over it: readers see the old file or the new one, never a part, and a failed
/// write leaves no temporary file behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    temp.write_all(bytes)
        .and_then(|()| temp.flush())
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path)
        .map_err(|e| anyhow::anyhow!("cannot replace {}: {}", path.display(), e.error))?;
    Ok(())
}
