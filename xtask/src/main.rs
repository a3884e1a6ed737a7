//! This repository's tasks, run as `cargo xtask <command>`: the charm commands every generated
//! charm has (`juju_xtask::Command`: sync, test, pack, itest), run on the example charm, plus the
//! toolkit's own (bench, soak, template, tidy).
//!
//! One module per command, each `impl X { fn run(self, sh: &Shell) -> anyhow::Result<()> }`,
//! with the shell rooted at the workspace root.

mod bench;
mod local_juju;
mod soak;
mod template;
mod tidy;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Build, check, pack and test the example charm; benchmark and check the toolkit.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    #[command(flatten)]
    Charm(juju_xtask::Command),
    /// Measure the Rust workflow against the Python ops charm, side by side.
    Bench(bench::Bench),
    /// Load the local Juju: concurrent and 1000 sequential actions, checking for leaks.
    Soak(soak::Soak),
    /// Render the charm template with cargo-generate against a scratch clone of this repository
    /// and test, pack and itest the generated charm; then check a toolkit upgrade reaches it.
    Template(template::Template),
    /// Check repository policy (module docs, placeholders, versions, crate dependency edges).
    Tidy(tidy::Tidy),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    juju_xtask::report(juju_xtask::shell().and_then(|sh| match cli.cmd {
        Cmd::Charm(cmd) => cmd.run(&sh),
        Cmd::Bench(cmd) => cmd.run(&sh),
        Cmd::Soak(cmd) => cmd.run(&sh),
        Cmd::Template(cmd) => cmd.run(&sh),
        Cmd::Tidy(cmd) => cmd.run(&sh),
    }))
}

#[cfg(test)]
mod tests {
    /// Plain `cargo test` fails when charmcraft.yaml is stale, like `cargo xtask sync --check`.
    #[test]
    fn charmcraft_yaml_in_sync() {
        if let Err(e) = juju_xtask::check_sync() {
            panic!("{e:#}");
        }
    }
}
