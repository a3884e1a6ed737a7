//! Helpers shared by the commands: the project root and cargo invocation.

use std::path::{Path, PathBuf};

use anyhow::Context;
use xshell::{Shell, cmd};

/// The workspace root (the parent of this crate's directory).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The cargo that runs this task (`$CARGO`), so nested builds use the same toolchain.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Whether we run under CI (`CI=true`), where failures print the command that fixes them.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Runs `cargo <args>` (a build, or `test --no-run`) and returns the executable it built for the
/// target `name`; cargo's own errors go to the terminal.
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
    messages
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .with_context(|| format!("cargo did not report the {name} executable it built"))
}
