//! `cargo xtask itest`: pack the charm, deploy it to a Juju model and run every integration test
//! in `tests/` against it, then clean up.
//!
//! Backends: `juju` is the `juju` CLI on `PATH` with its current controller; `local` is the
//! built-in local Juju (the `juju-local` crate, built from the same toolkit version as the
//! charm's runtime), which needs nothing installed. The default picks `juju` when a controller
//! answers, `local` otherwise, and says which.
//!
//! The tests deploy the charm when the model does not have it. On a reused model (`--model`),
//! an application deployed by an earlier run is refreshed (`juju refresh --path`) when the
//! `.charm` changed since, so a re-run never tests the old charm.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use juju::Juju;
use xshell::{Shell, cmd};

use crate::pack::Pack;
use crate::project::project;
use crate::util::cargo;

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
    /// Use this model (created if missing, never destroyed): fast re-runs. The charm is
    /// refreshed there when the packed `.charm` changed since the last run.
    #[arg(long)]
    pub model: Option<String>,
    /// Only run the tests whose names contain this string.
    pub filter: Option<String>,
}

impl Itest {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let started = Instant::now();
        let project = project()?;
        crate::test::check_integration_tests_run()?;
        let Some(tests) = &project.tests else {
            bail!(
                "no integration tests: a charm project has them in tests/ (tests/Cargo.toml, a workspace member)"
            );
        };
        let juju = self.client(sh)?;

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
        let text = fs::read_to_string(project.charmcraft_yaml())?;
        let app = crate::pack::plan(&text)
            .map_err(|e| anyhow::anyhow!("charmcraft.yaml: {e}"))?
            .name;

        let (model, temporary) = match &self.model {
            Some(model) => {
                let models = juju
                    .cli_without_model(["models", "--format", "json"])?
                    .stdout;
                if !models.contains(&format!("\"{model}\"")) {
                    juju.add_model(model)?;
                }
                (model.clone(), false)
            }
            None => {
                let model = format!("itest-{}", std::process::id());
                juju.add_model(&model)?;
                (model, true)
            }
        };
        println!(
            "itest: model {model}{}",
            if temporary { " (temporary)" } else { "" }
        );
        let juju = juju.with_model(&model);
        let deployed = DeployedCharm::new(&project.target_dir, &model, &app);
        if !temporary {
            deployed.refresh_if_changed(&juju, &charm)?;
        }

        let step = Instant::now();
        println!(
            "itest: running {} test target(s) of `{}`",
            tests.targets.len(),
            tests.package
        );
        let result = run_tests(
            sh,
            &juju,
            &tests.package,
            &tests.test_args(),
            &charm,
            &app,
            self.filter.as_deref(),
        );
        println!("itest: tests ran in {:.1?}", step.elapsed());
        if result.is_err() {
            report_failure(&juju, &model);
        }
        if temporary && !self.keep_model {
            if let Err(e) = juju.destroy_model(&model) {
                eprintln!("itest: warning: cannot destroy model {model}: {e:#}");
            }
        } else {
            // What the model now runs, so the next run on it knows whether to refresh.
            if let Err(e) = deployed.record(&juju, &charm) {
                eprintln!("itest: warning: {e:#}");
            }
            println!("itest: model {model} kept");
        }
        result?;
        println!("itest: passed in {:.1?}", started.elapsed());
        Ok(())
    }

    /// The client for the chosen backend, saying which it is.
    fn client(&self, sh: &Shell) -> anyhow::Result<Juju> {
        let backend = match self.backend {
            Some(b) => b,
            None if real_controller(sh) => Backend::Juju,
            None => Backend::Local,
        };
        match backend {
            Backend::Juju => {
                if !real_controller(sh) {
                    bail!(
                        "--backend juju needs the `juju` CLI on PATH with a bootstrapped controller (`juju show-controller` failed); bootstrap one (e.g. with concierge) or use --backend local"
                    );
                }
                println!("itest: backend juju (the current controller of `juju` on PATH)");
                Ok(Juju::new("juju"))
            }
            Backend::Local => {
                let path = build_juju_local(sh, &[])?;
                let home = project()?.target_dir.join("juju-local");
                println!(
                    "itest: backend local (juju-local, state in {})",
                    home.display()
                );
                Ok(Juju::new(path).with_env("JUJU_LOCAL_HOME", home.display().to_string()))
            }
        }
    }
}

/// What an earlier run left deployed on a kept model: a copy of the `.charm` it deployed, under
/// `target/itest/<model>/<app>.charm`.
struct DeployedCharm {
    copy: PathBuf,
    app: String,
}

impl DeployedCharm {
    fn new(target_dir: &Path, model: &str, app: &str) -> DeployedCharm {
        DeployedCharm {
            copy: target_dir
                .join("itest")
                .join(model)
                .join(format!("{app}.charm")),
            app: app.to_owned(),
        }
    }

    /// Refreshes the application when the model has it and it runs another charm than `charm`
    /// (or one this machine did not record).
    fn refresh_if_changed(&self, juju: &Juju, charm: &Path) -> anyhow::Result<()> {
        let status = juju.status()?;
        if !status.applications.contains_key(&self.app) {
            return Ok(());
        }
        let new = fs::read(charm).with_context(|| format!("cannot read {}", charm.display()))?;
        if fs::read(&self.copy).is_ok_and(|old| old == new) {
            println!("itest: {} runs this .charm already", self.app);
            return Ok(());
        }
        println!(
            "itest: the .charm changed since {} was deployed: juju refresh {} --path {}",
            self.app,
            self.app,
            charm.display()
        );
        juju.refresh(&self.app, charm)
            .with_context(|| format!("cannot refresh {} with the new charm", self.app))?;
        Ok(())
    }

    /// Remembers `charm` as what the model runs, when the application is there.
    fn record(&self, juju: &Juju, charm: &Path) -> anyhow::Result<()> {
        if !juju.status()?.applications.contains_key(&self.app) {
            return Ok(());
        }
        if let Some(dir) = self.copy.parent() {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        fs::copy(charm, &self.copy).with_context(|| {
            format!(
                "cannot record the deployed charm in {}",
                self.copy.display()
            )
        })?;
        Ok(())
    }
}

/// The platform key of charmcraft.yaml that builds for this machine's architecture.
pub fn host_platform() -> anyhow::Result<String> {
    let text = fs::read_to_string(project()?.charmcraft_yaml())?;
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

/// Builds the local Juju from the toolkit version the project depends on; `extra` adds cargo
/// flags (`--release`, `--target …`). Cargo's progress shows while it builds.
pub fn build_juju_local(sh: &Shell, extra: &[&str]) -> anyhow::Result<PathBuf> {
    eprintln!("itest: building the local Juju (juju-local) when it is not built yet");
    let mut args = vec!["build", "--package", "juju-local", "--bin", "juju-local"];
    args.extend(extra);
    crate::util::cargo_executable(sh, &args, "juju-local").context("building juju-local failed")
}

fn run_tests(
    sh: &Shell,
    juju: &Juju,
    package: &str,
    targets: &[String],
    charm: &Path,
    app: &str,
    filter: Option<&str>,
) -> anyhow::Result<()> {
    let cargo = cargo();
    let filter = filter.map(str::to_owned);
    let mut command = cmd!(
        sh,
        "{cargo} test --package {package} {targets...} -- {filter...}"
    )
    .env("JUJU_CLI", juju.cli_path())
    .env("JUJU_MODEL", juju.model().unwrap_or_default())
    .env("ITEST_CHARM", charm)
    .env("ITEST_APP", app);
    for (k, v) in juju.env() {
        command = command.env(k, v);
    }
    command.run().context("integration tests failed")
}

/// On failure: the model's status and log, so the cause is on screen.
fn report_failure(juju: &Juju, model: &str) {
    eprintln!("\nitest: status of model {model}:");
    if let Ok(status) = juju.cli(["status"]) {
        eprintln!("{}", status.stdout);
    }
    eprintln!("itest: last lines of debug-log:");
    if let Ok(log) = juju.debug_log(60) {
        eprintln!("{log}");
    }
}
