//! `juju version`: the Juju release this local Juju follows, as Juju prints its own version.

use super::Output;
use crate::state::JUJU_VERSION;

/// `juju version`.
pub fn version() -> Output {
    Output::out(format!("{JUJU_VERSION}-genericlinux-amd64\n"))
}
