//! Shared set-up for the integration tests: the model and charm `cargo xtask itest` hands over
//! (`JUJU_CLI`, `JUJU_MODEL`, `ITEST_CHARM`, `ITEST_APP`), and the charm deployed once per run.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use juju::{Juju, WaitOptions, all_active};

/// The deployed application under test.
#[derive(Debug)]
pub struct Deployed {
    pub juju: Juju,
    pub app: String,
}

impl Deployed {
    /// The first unit, `<app>/0`.
    pub fn unit(&self) -> String {
        format!("{}/0", self.app)
    }
}

fn env(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!(
            "{name} is not set: these tests need a Juju model and a packed charm; run them with `cargo xtask itest`"
        ),
    }
}

/// Deploys the charm on the first call (or reuses the application when the model already has it;
/// `cargo xtask itest` has refreshed it if the charm changed) and waits until it is active.
pub fn deployed() -> &'static Deployed {
    static DEPLOYED: OnceLock<Deployed> = OnceLock::new();
    DEPLOYED.get_or_init(|| {
        let juju = Juju::from_env()
            .with_model(env("JUJU_MODEL"))
            .with_run_wait(Duration::from_secs(120));
        let app = env("ITEST_APP");
        let charm = PathBuf::from(env("ITEST_CHARM"));
        let status = juju
            .status()
            .unwrap_or_else(|e| panic!("cannot read the model's status: {e}"));
        if !status.applications.contains_key(&app) {
            juju.deploy(&charm, Some(&app), &Default::default())
                .unwrap_or_else(|e| panic!("deploy failed: {e}"));
        }
        let options = WaitOptions {
            delay: Duration::from_millis(200),
            ..WaitOptions::default()
        };
        juju.wait(|s| all_active(s, &[&app]), &options)
            .unwrap_or_else(|e| panic!("{e}"));
        Deployed { juju, app }
    })
}
