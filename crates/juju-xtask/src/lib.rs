//! The `cargo xtask` of a Rust Juju charm, as a library: `sync`, `test`, `pack` and `itest`.
//!
//! A charm project's own `xtask` binary is a few lines that hand the command line over:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     juju_xtask::main()
//! }
//! ```
//!
//! The commands work on the [`project`] around the running xtask: `charmcraft.yaml` at the
//! workspace root, the charm crate in `charm/`, the integration tests in `tests/`. A project with
//! commands of its own embeds [`Command`] in its own clap parser (`#[command(flatten)]`) and
//! calls [`Command::run`].

pub mod itest;
pub mod oracle;
pub mod pack;
pub mod project;
pub mod sync;
pub mod test;
pub mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xshell::Shell;

/// The charm author's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write `actions:`, `config:`, `requires:`, `provides:` and `peers:` in charmcraft.yaml from
    /// the Rust types in charm/.
    Sync(sync::Sync),
    /// Run the sync check and every test in the workspace.
    Test(test::Test),
    /// Build the static charm binary and write the .charm archive(s) to target/charm/.
    Pack(pack::Pack),
    /// Pack, deploy to a Juju model (a real controller, or the built-in local Juju) and run tests/.
    Itest(itest::Itest),
}

impl Command {
    /// Runs the command in `sh` (see [`shell`]).
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        match self {
            Command::Sync(cmd) => cmd.run(sh),
            Command::Test(cmd) => cmd.run(sh),
            Command::Pack(cmd) => cmd.run(sh),
            Command::Itest(cmd) => cmd.run(sh),
        }
    }
}

/// Build, check, pack and test the charm.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The whole `cargo xtask` of a charm: parses the command line, runs the command, and turns the
/// outcome into the exit code (an error is printed with its causes).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    report(shell().and_then(|sh| cli.command.run(&sh)))
}

/// A shell rooted at the project's workspace root, where every command runs.
pub fn shell() -> anyhow::Result<Shell> {
    let sh = Shell::new()?;
    sh.change_dir(&project::project()?.root);
    Ok(sh)
}

/// Prints an error with its causes and gives the exit code.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The check `cargo xtask sync --check` makes, for a charm's own `#[test]`: plain `cargo test`
/// then fails too when `charmcraft.yaml` is stale.
pub fn check_sync() -> anyhow::Result<()> {
    sync::Sync {
        check: true,
        charmcraft: false,
    }
    .run(&shell()?)
}
