//! The snapshot example charm: the `snapshot` action from the ops docs "How to manage actions",
//! written with the Rust runtime (`ops`).
//!
//! On `install` it creates a small demo data set; the `snapshot` action archives that data into a
//! compressed tarball chosen by the action's params. It can also use a PostgreSQL database
//! related on its `database` endpoint ([`database`]), whose connection the `connection-info`
//! action shows.

pub mod actions;
pub mod config;
pub mod database;
mod handlers;
pub mod snapshot;
pub mod state;

pub use handlers::DEMO_TABLES;

/// The charm: its config type, hooks and actions.
pub fn charm() -> ops::Charm {
    ops::Charm::new()
        .config::<config::Config>()
        .on(ops::Hook::Install, handlers::on_install)
        .on(ops::Hook::Start, handlers::on_start)
        .on(ops::Hook::ConfigChanged, handlers::on_config_changed)
        .on_storage(
            "data",
            ops::StorageKind::Attached,
            handlers::on_data_attached,
        )
        .on_storage(
            "data",
            ops::StorageKind::Detaching,
            handlers::on_data_detaching,
        )
        .action(handlers::on_snapshot)
        .on_relation::<database::Database>(ops::RelationKind::Created, database::on_created)
        .on_relation::<database::Database>(ops::RelationKind::Changed, database::on_changed)
        .on_relation::<database::Database>(ops::RelationKind::Broken, database::on_broken)
        .on_secret(ops::SecretKind::Changed, database::on_secret_changed)
        .action(database::on_connection_info)
}
