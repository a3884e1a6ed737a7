//! `cargo xtask pack`.

use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Pack {}

impl Pack {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        anyhow::bail!("`cargo xtask pack` is not available yet")
    }
}
