//! `cargo xtask test`: the sync check, then every test in the workspace.

use xshell::{Shell, cmd};

use crate::util::cargo;

#[derive(Debug, clap::Args)]
pub struct Test {
    /// Extra arguments passed to `cargo test` (after `--`).
    #[arg(last = true)]
    args: Vec<String>,
}

impl Test {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        crate::sync::Sync {
            check: true,
            charmcraft: false,
        }
        .run(sh)?;
        let cargo = cargo();
        let args = &self.args;
        cmd!(sh, "{cargo} test --workspace --all-targets -- {args...}").run()?;
        cmd!(sh, "{cargo} test --workspace --doc").run()?;
        Ok(())
    }
}
