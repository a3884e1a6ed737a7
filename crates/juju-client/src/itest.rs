//! What `cargo xtask itest` hands a charm's integration tests, and the charm deployed once per
//! test process.
//!
//! itest runs the tests with `JUJU_CLI` (the `juju` to use: a real controller's, or the local
//! Juju), `JUJU_MODEL` (a model it created or was given), `ITEST_CHARM` (the packed `.charm`) and
//! `ITEST_APP` (the application name). [`deployed`] deploys the charm on first use, or reuses the
//! application when the model has it (itest has already refreshed it if the charm changed), and
//! waits until it is active.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use crate::{Error, Juju, WaitOptions, all_active};

/// The deployed application under test.
#[derive(Debug)]
pub struct Deployed {
    /// A client bound to the test model.
    pub juju: Juju,
    pub app: String,
}

impl Deployed {
    /// The first unit, `<app>/0`.
    pub fn unit(&self) -> String {
        format!("{}/0", self.app)
    }
}

/// The application under test, deployed (or found) and active: the fixture every integration
/// test starts from.
///
/// # Panics
///
/// When the tests were not started by `cargo xtask itest` (the variables above are missing), or
/// the charm cannot be deployed or does not become active; the message says which. It is meant
/// for tests, where a panic is the failure; [`try_deployed`] returns the error instead.
pub fn deployed() -> &'static Deployed {
    match try_deployed() {
        Ok(deployed) => deployed,
        Err(e) => panic!("{e}"),
    }
}

/// [`deployed`], returning what went wrong instead of panicking. The first outcome is kept: a
/// failed deployment is reported again to every later caller.
pub fn try_deployed() -> Result<&'static Deployed, &'static Error> {
    static DEPLOYED: OnceLock<Result<Deployed, Error>> = OnceLock::new();
    DEPLOYED.get_or_init(deploy).as_ref()
}

fn deploy() -> Result<Deployed, Error> {
    let juju = Juju::from_env()
        .with_model(env("JUJU_MODEL")?)
        .with_run_wait(Duration::from_secs(120));
    let app = env("ITEST_APP")?;
    let charm = PathBuf::from(env("ITEST_CHARM")?);
    if !juju.status()?.applications.contains_key(&app) {
        juju.deploy(&charm, Some(&app), &Default::default())?;
    }
    let options = WaitOptions {
        delay: Duration::from_millis(200),
        ..WaitOptions::default()
    };
    juju.wait(|s| all_active(s, &[&app]), &options)?;
    Ok(Deployed { juju, app })
}

fn env(name: &str) -> Result<String, Error> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(Error::NotInItest {
            variable: name.to_owned(),
        }),
    }
}
