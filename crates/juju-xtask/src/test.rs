//! `cargo xtask test`: the sync check, the check that every integration-test file runs, then
//! every unit, integration-crate and doc test in the workspace.

use anyhow::bail;
use xshell::{Shell, cmd};

use crate::project::project;
use crate::util::cargo;

#[derive(Debug, clap::Args)]
pub struct Test {
    /// Extra arguments passed to `cargo test` (after `--`).
    #[arg(last = true)]
    pub args: Vec<String>,
}

impl Test {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        crate::sync::Sync {
            check: true,
            charmcraft: false,
        }
        .run(sh)?;
        check_integration_tests_run()?;
        let cargo = cargo();
        let args = &self.args;
        cmd!(sh, "{cargo} test --workspace --all-targets -- {args...}").run()?;
        cmd!(sh, "{cargo} test --workspace --doc").run()?;
        Ok(())
    }
}

/// Fails when a `.rs` file in `tests/` is compiled by no target: `cargo xtask itest` runs every
/// test target of the tests crate, and a file outside them would silently never run.
pub fn check_integration_tests_run() -> anyhow::Result<()> {
    let Some(tests) = &project()?.tests else {
        return Ok(());
    };
    let problems = tests.unrun_files()?;
    if problems.is_empty() {
        return Ok(());
    }
    bail!("{}", problems.join("\n"))
}
