//! What the local Juju's integration tests share: [`Juju`], a home and the commands run against
//! it (`juju.rs`); test charms and the directory a logging charm writes to (`charm.rs`); Juju's
//! test vectors (`vectors.rs`); and what the tests that drive the local Juju from Python share
//! (`python.rs`).

#![allow(dead_code, unused_imports)] // reason: each test crate uses its own part of this module

mod charm;
mod juju;
mod python;
mod vectors;

pub use charm::{Entry, MANIFEST, Out, charm, logging_charm, of, sh_quote, zip};
pub use juju::Juju;
pub use python::{JUBILANT, OPS, jubilant, pip_target, python_charm, run_jubilant, zip_trees};
pub use vectors::{load, text};

/// The local Juju under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_juju-local");
