//! `cargo xtask itest`: pack the charm, deploy it to a Juju model and run the integration tests
//! in `tests/` against it, then clean up.
//!
//! Backends: `juju` is the `juju` CLI on `PATH` with its current controller; `local` is the
//! built-in local Juju (`crates/juju-local`), which needs nothing installed. The default picks
//! `juju` when a controller answers, `local` otherwise, and says which.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use xshell::{Shell, cmd};

use crate::pack::{Pack, cargo_target_dir};
use crate::util::{cargo, project_root};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// A real controller: `juju` on PATH and its current controller.
    Juju,
    /// The built-in local Juju (no controller needed).
    Local,
}

#[derive(Debug, clap::Args)]
pub struct Itest {
    /// Which Juju to deploy to (default: a real controller when one answers, else local).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// Keep the temporary model after the run (its name is printed).
    #[arg(long)]
    pub keep_model: bool,
    /// Use this model (created if missing, never destroyed): fast re-runs.
    #[arg(long)]
    pub model: Option<String>,
    /// Only run the tests whose names contain this string.
    pub filter: Option<String>,
}

/// The CLI to use and the environment to give it.
struct Cli {
    path: PathBuf,
    env: Vec<(String, String)>,
}

impl Itest {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let started = Instant::now();
        let backend = match self.backend {
            Some(b) => b,
            None if real_controller(sh) => Backend::Juju,
            None => Backend::Local,
        };
        let cli = match backend {
            Backend::Juju => {
                if !real_controller(sh) {
                    bail!(
                        "--backend juju needs the `juju` CLI on PATH with a bootstrapped controller (`juju show-controller` failed); bootstrap one (e.g. with concierge) or use --backend local"
                    );
                }
                println!("itest: backend juju (the current controller of `juju` on PATH)");
                Cli {
                    path: PathBuf::from("juju"),
                    env: Vec::new(),
                }
            }
            Backend::Local => {
                let path = build_juju_local(sh, &[])?;
                let home = cargo_target_dir(&project_root()).join("juju-local");
                println!(
                    "itest: backend local (juju-local, state in {})",
                    home.display()
                );
                Cli {
                    path,
                    env: vec![("JUJU_LOCAL_HOME".into(), home.display().to_string())],
                }
            }
        };

        let step = Instant::now();
        let charm = Pack {
            platform: Some(host_platform()?),
            analyse: false,
        }
        .pack(sh)?
        .into_iter()
        .next()
        .context("pack wrote no charm")?;
        println!("itest: packed {} ({:.1?})", charm.display(), step.elapsed());
        let app = crate::tidy::charm_name(&std::fs::read_to_string(
            project_root().join("charmcraft.yaml"),
        )?)
        .context("charmcraft.yaml has no name")?;

        let (model, temporary) = match &self.model {
            Some(model) => {
                if !juju(sh, &cli, &["models", "--format", "json"])?
                    .contains(&format!("\"{model}\""))
                {
                    juju(sh, &cli, &["add-model", "--no-switch", model])?;
                }
                (model.clone(), false)
            }
            None => {
                let model = format!("itest-{}", std::process::id());
                juju(sh, &cli, &["add-model", "--no-switch", &model])?;
                (model, true)
            }
        };
        println!(
            "itest: model {model}{}",
            if temporary { " (temporary)" } else { "" }
        );

        let step = Instant::now();
        let result = run_tests(sh, &cli, &model, &charm, &app, self.filter.as_deref());
        println!("itest: tests ran in {:.1?}", step.elapsed());
        if result.is_err() {
            report_failure(sh, &cli, &model);
        }
        if temporary && !self.keep_model {
            if let Err(e) = juju(
                sh,
                &cli,
                &[
                    "destroy-model",
                    &model,
                    "--no-prompt",
                    "--destroy-storage",
                    "--force",
                ],
            ) {
                eprintln!("itest: warning: cannot destroy model {model}: {e:#}");
            }
        } else {
            println!("itest: model {model} kept");
        }
        result?;
        println!("itest: passed in {:.1?}", started.elapsed());
        Ok(())
    }
}

/// The platform key of charmcraft.yaml that builds for this machine's architecture.
pub fn host_platform() -> anyhow::Result<String> {
    let text = std::fs::read_to_string(project_root().join("charmcraft.yaml"))?;
    let plan = crate::pack::plan(&text).map_err(|e| anyhow::anyhow!("charmcraft.yaml: {e}"))?;
    let arch = host_arch()?;
    plan.platforms
        .iter()
        .find(|p| p.arch == arch)
        .map(|p| p.name.clone())
        .with_context(|| {
            format!("charmcraft.yaml declares no platform for {arch}, this machine's architecture")
        })
}

/// This machine's architecture, as Juju names it.
pub fn host_arch() -> anyhow::Result<String> {
    match std::env::consts::ARCH {
        "x86_64" => Ok("amd64".into()),
        "aarch64" => Ok("arm64".into()),
        other => bail!("no charm platform for this machine's architecture {other}"),
    }
}

/// Whether `juju` is on PATH and its current controller answers.
fn real_controller(sh: &Shell) -> bool {
    cmd!(sh, "juju show-controller --format json")
        .quiet()
        .ignore_stderr()
        .read()
        .is_ok()
}

/// Builds the local Juju; `extra` adds cargo flags (`--release`, `--target …`).
pub fn build_juju_local(sh: &Shell, extra: &[&str]) -> anyhow::Result<PathBuf> {
    let mut args = vec![
        "build",
        "--quiet",
        "--package",
        "juju-local",
        "--bin",
        "juju-local",
    ];
    args.extend(extra);
    crate::util::cargo_executable(sh, &args, "juju-local").context("building juju-local failed")
}

fn juju(sh: &Shell, cli: &Cli, args: &[&str]) -> anyhow::Result<String> {
    let path = &cli.path;
    let mut command = cmd!(sh, "{path} {args...}").quiet();
    for (k, v) in &cli.env {
        command = command.env(k, v);
    }
    command
        .read()
        .with_context(|| format!("`juju {}` failed", args.join(" ")))
}

fn run_tests(
    sh: &Shell,
    cli: &Cli,
    model: &str,
    charm: &std::path::Path,
    app: &str,
    filter: Option<&str>,
) -> anyhow::Result<()> {
    let cargo = cargo();
    let filter = filter.map(str::to_owned);
    let mut command = cmd!(
        sh,
        "{cargo} test --quiet --package tests --test integration -- {filter...}"
    )
    .env("JUJU_CLI", &cli.path)
    .env("JUJU_MODEL", model)
    .env("ITEST_CHARM", charm)
    .env("ITEST_APP", app);
    for (k, v) in &cli.env {
        command = command.env(k, v);
    }
    command.run().context("integration tests failed")
}

/// On failure: the unit's status and log, so the cause is on screen.
fn report_failure(sh: &Shell, cli: &Cli, model: &str) {
    eprintln!("\nitest: status of model {model}:");
    if let Ok(status) = juju(sh, cli, &["status", "--model", model]) {
        eprintln!("{status}");
    }
    eprintln!("itest: last lines of debug-log:");
    if let Ok(log) = juju(
        sh,
        cli,
        &[
            "debug-log",
            "--model",
            model,
            "--replay",
            "--no-tail",
            "--limit",
            "60",
        ],
    ) {
        eprintln!("{log}");
    }
}
