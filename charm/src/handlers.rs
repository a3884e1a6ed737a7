//! Event handlers of the snapshot charm.

use std::path::{Path, PathBuf};

use ops::{ActionEvent, HandlerResult, HookEvent, StatusName};
use serde_json::json;

use crate::actions::Snapshot;
use crate::config::Config;
use crate::snapshot;

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

pub fn on_install(event: &mut HookEvent) -> HandlerResult {
    event.set_status(StatusName::Maintenance, "creating the demo data set")?;
    let config: Config = event.config()?;
    let data_dir = resolve(&event.env().charm_dir, &config.data_dir);
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
    let data_dir = resolve(&charm_dir, &config.data_dir);
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
