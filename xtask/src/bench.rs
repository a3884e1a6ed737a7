//! `cargo xtask bench`.

use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Bench {}

impl Bench {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        anyhow::bail!("`cargo xtask bench` is not available yet")
    }
}
