//! `cargo xtask template`: render this repository with cargo-generate under another name, then
//! run the generated charm's tests, pack and integration tests, as a charm author would.
//!
//! This is the template's own check (CI's `template` workflow runs it); it needs `cargo-generate`,
//! which takes minutes to build, so it is not part of `cargo xtask test`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use xshell::{Shell, cmd};

use crate::util::project_root;

/// The cargo-generate release that builds on the stable Rust used here (0.24+ need a newer rustc).
pub const CARGO_GENERATE_VERSION: &str = "0.23.14";

#[derive(Debug, clap::Args)]
pub struct Template {
    /// Charm name to generate (Juju's charm-name rule applies).
    #[arg(long, default_value = "my-db")]
    name: String,
    /// Where to generate; default: a fresh directory under target/template/.
    #[arg(long)]
    destination: Option<PathBuf>,
    /// Only generate and check the rendered files; skip the generated charm's test, pack, itest.
    #[arg(long)]
    no_build: bool,
}

impl Template {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        if cmd!(sh, "cargo-generate --version")
            .quiet()
            .ignore_stdout()
            .ignore_stderr()
            .run()
            .is_err()
        {
            bail!(
                "cargo-generate is not installed; install the release that builds on this toolchain with:\n  cargo install cargo-generate --locked --version {CARGO_GENERATE_VERSION}"
            );
        }
        let root = project_root();
        let parent = match &self.destination {
            Some(dir) => dir.clone(),
            None => root.join("target/template"),
        };
        let project = parent.join(&self.name);
        if project.exists() {
            sh.remove_path(&project)?;
        }
        sh.create_dir(&parent)?;
        let name = &self.name;
        println!("generating `{name}` into {}", project.display());
        cmd!(
            sh,
            "cargo-generate generate --path {root} --name {name} --destination {parent} --silent --vcs none --allow-commands -d summary=Generated-by-the-template-check -d description=Generated-by-the-template-check."
        )
        .run()
        .context("cargo generate failed")?;
        check_generated(&project, name)?;
        if self.no_build {
            return Ok(());
        }
        let _dir = sh.push_dir(&project);
        // The generated workspace is built with its own target dir, as a user's would be.
        let _env = sh.push_env("CARGO_TARGET_DIR", project.join("target"));
        cmd!(sh, "cargo xtask test").run()?;
        cmd!(sh, "cargo xtask pack").run()?;
        let charm = project.join(format!("target/charm/{name}_amd64.charm"));
        if !charm.is_file() {
            bail!("pack did not write {}", charm.display());
        }
        cmd!(sh, "cargo xtask itest --backend local").run()?;
        println!("generated charm `{name}` tests, packs and passes its integration tests");
        Ok(())
    }
}

/// Checks the rendered project: renamed, no twins or template-only files left, and no trace of
/// the template's own charm name.
fn check_generated(project: &Path, name: &str) -> anyhow::Result<()> {
    let root = project_root();
    let template_name =
        crate::tidy::charm_name(&std::fs::read_to_string(root.join("charmcraft.yaml"))?)
            .context("cannot read the template's charm name")?;
    let charmcraft = std::fs::read_to_string(project.join("charmcraft.yaml"))?;
    if crate::tidy::charm_name(&charmcraft).as_deref() != Some(name) {
        bail!("generated charmcraft.yaml does not say `name: {name}`");
    }
    for leftover in [
        "charmcraft.yaml.template",
        "README.md.template",
        "cargo-generate.toml",
        ".github/workflows/template.yml",
        "template",
    ] {
        if project.join(leftover).exists() {
            bail!("generated project still has `{leftover}`");
        }
    }
    let mut stack = vec![project.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n == ".git")
            {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path)
                && text.contains(&template_name)
            {
                bail!(
                    "{} still mentions the template's charm name `{template_name}`",
                    path.display()
                );
            }
        }
    }
    Ok(())
}
