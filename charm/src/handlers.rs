//! Event handlers of the snapshot charm.

use std::path::{Path, PathBuf};

use ops::{ActionEvent, DataError, HandlerResult, HookEvent, Port, StatusName, StorageEvent, Unit};
use serde_json::json;

use crate::actions::Snapshot;
use crate::config::Config;
use crate::snapshot;
use crate::state::CharmState;

/// The demo data set written on install: (file name, contents).
pub const DEMO_TABLES: [(&str, &str); 2] = [
    ("users.csv", "id,name\n1,alice\n2,bob\n3,carol\n"),
    (
        "orders.csv",
        "id,user,total\n1,1,9.99\n2,3,24.50\n3,2,5.00\n",
    ),
];

fn resolve(charm_dir: &Path, dir: &str) -> PathBuf {
    charm_dir.join(dir)
}

/// The directory the data lives in: the `data` storage when one is attached, else the
/// `data-dir` option.
fn data_dir(unit: &mut Unit, config: &Config) -> Result<PathBuf, DataError> {
    let state: CharmState = unit.state()?;
    let dir = state.data_dir.unwrap_or_else(|| config.data_dir.clone());
    Ok(resolve(&unit.env().charm_dir, &dir))
}

/// `data-storage-attached` (before `install`, as Juju runs it on a machine): the data lives
/// there from now on.
pub fn on_data_attached(event: &mut StorageEvent) -> HandlerResult {
    let location = event.location().display().to_string();
    let id = event.id().to_string();
    event.info(format!("data storage {id} attached at {location}"))?;
    event.set_state(&CharmState {
        data_dir: Some(location),
    })?;
    Ok(())
}

/// `data-storage-detaching`: the storage is going; back to the `data-dir` option.
pub fn on_data_detaching(event: &mut StorageEvent) -> HandlerResult {
    event.set_state(&CharmState::default())?;
    Ok(())
}

/// `config-changed`: publish the configured port, and only it.
pub fn on_config_changed(event: &mut HookEvent) -> HandlerResult {
    let config: Config = event.config()?;
    if config.port == 0 {
        event.set_status(
            StatusName::Blocked,
            "config port must be between 1 and 65535",
        )?;
        return Ok(());
    }
    let wanted = Port::tcp(config.port);
    for opened in event.opened_ports()? {
        if opened.port != wanted {
            event.close_port(opened.port)?;
        }
    }
    event.open_port(wanted)?;
    Ok(())
}

pub fn on_install(event: &mut HookEvent) -> HandlerResult {
    event.set_status(StatusName::Maintenance, "creating the demo data set")?;
    let config: Config = event.config()?;
    let data_dir = data_dir(event, &config)?;
    snapshot::write_demo_data(&data_dir, &DEMO_TABLES)?;
    event.info(format!("Demo data set written to {}", data_dir.display()))?;
    event.set_status(StatusName::Active, "")?;
    Ok(())
}

pub fn on_start(event: &mut HookEvent) -> HandlerResult {
    event.set_workload_version(env!("CARGO_PKG_VERSION"))?;
    event.set_status(StatusName::Active, crate::database::READY)?;
    Ok(())
}

pub fn on_snapshot(event: &mut ActionEvent<Snapshot>) -> HandlerResult {
    let params = event.params().clone();
    if let Err(why) = snapshot::check_filename(&params.filename) {
        event.fail(format!("Invalid filename {:?}: {why}", params.filename))?;
        return Ok(());
    }
    let config: Config = event.config()?;
    let charm_dir = event.env().charm_dir.clone();
    let data_dir = data_dir(event, &config)?;
    let snapshot_dir = resolve(&charm_dir, &config.snapshot_dir);

    event.log(format!("Generating snapshot into {}", params.filename))?;
    let id = event.id().to_owned();
    let temp_name = format!("backup-{id}.tar.{}", params.compression.kind.extension());
    event.info(format!(
        "Using {temp_name} as the temporary backup filename in task {id}"
    ))?;

    let request = snapshot::Request {
        data_dir: &data_dir,
        snapshot_dir: &snapshot_dir,
        temp_name: &temp_name,
        filename: &params.filename,
        kind: params.compression.kind,
        quality: params.compression.quality,
    };
    let mut progress = |item: &str| {
        event
            .log(format!("{item} complete"))
            .map_err(std::io::Error::other)
    };
    match snapshot::create(&request, &mut progress) {
        Ok(size) => {
            event.set_results(&json!({
                "result": format!("Stored snapshot in {}.", params.filename),
                "snapshot-size": size.to_string(),
            }))?;
        }
        Err(e) => event.fail(format!("Failed to generate snapshot: {e}"))?,
    }
    Ok(())
}
