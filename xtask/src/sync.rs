//! `cargo xtask sync`.

use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Sync {}

impl Sync {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        anyhow::bail!("`cargo xtask sync` is not available yet")
    }
}
