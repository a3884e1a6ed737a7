//! Project tasks, run as `cargo xtask <command>`: the charm author's workflow in one place.
//!
//! One module per command, each `impl X { fn run(self, sh: &Shell) -> anyhow::Result<()> }`,
//! with the shell rooted at the workspace root.

mod bench;
mod itest;
mod local_juju;
mod oracle;
mod pack;
mod soak;
mod sync;
mod template;
mod test;
mod tidy;
mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xshell::Shell;

/// Build, check, pack and test the charm.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Write `actions:` and `config:` in charmcraft.yaml from the Rust types in charm/.
    Sync(sync::Sync),
    /// Run the sync check and every test in the workspace.
    Test(test::Test),
    /// Build the static charm binary and write the .charm archive(s) to target/charm/.
    Pack(pack::Pack),
    /// Pack, deploy to a Juju model (a real controller, or the built-in local Juju) and run tests/.
    Itest(itest::Itest),
    /// Measure the Rust workflow against the Python ops charm, side by side.
    Bench(bench::Bench),
    /// Load the local Juju: concurrent and 1000 sequential actions, checking for leaks.
    Soak(soak::Soak),
    /// Generate a new charm from this template with cargo-generate and test, pack and itest it.
    Template(template::Template),
    /// Check repository policy (module docs, placeholders, crate dependency edges).
    Tidy(tidy::Tidy),
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let sh = Shell::new()?;
    sh.change_dir(util::project_root());
    match cli.cmd {
        Cmd::Sync(cmd) => cmd.run(&sh),
        Cmd::Test(cmd) => cmd.run(&sh),
        Cmd::Pack(cmd) => cmd.run(&sh),
        Cmd::Itest(cmd) => cmd.run(&sh),
        Cmd::Bench(cmd) => cmd.run(&sh),
        Cmd::Soak(cmd) => cmd.run(&sh),
        Cmd::Template(cmd) => cmd.run(&sh),
        Cmd::Tidy(cmd) => cmd.run(&sh),
    }
}
