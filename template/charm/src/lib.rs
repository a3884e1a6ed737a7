//! The charm: its config, hooks and actions, registered in [`charm`].
//!
//! `charm/src/actions.rs` and `charm/src/config.rs` hold the Rust types that `cargo xtask sync`
//! writes into `charmcraft.yaml`; `handlers.rs` what the charm does.

pub mod actions;
pub mod config;
mod handlers;

/// The charm: its config type, hooks and actions.
pub fn charm() -> ops::Charm {
    ops::Charm::new()
        .config::<config::Config>()
        .on(ops::Hook::Start, handlers::on_start)
        .action(handlers::on_snapshot)
}
