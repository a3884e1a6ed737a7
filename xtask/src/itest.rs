//! `cargo xtask itest`.

use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Itest {}

impl Itest {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        anyhow::bail!("`cargo xtask itest` is not available yet")
    }
}
