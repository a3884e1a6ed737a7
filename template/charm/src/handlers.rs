//! What the charm does on each event.

use std::fs;
use std::io::Write;

use ops::{ActionEvent, HandlerResult, HookEvent, StatusName};
use serde_json::json;

use crate::actions::Snapshot;
use crate::config::Config;

pub fn on_start(event: &mut HookEvent) -> HandlerResult {
    event.set_status(StatusName::Active, "ready")?;
    Ok(())
}

/// The `snapshot` action: `event.params()` is a valid `Snapshot` (Juju's params, checked against
/// the schema and with defaults filled in), or the handler never runs.
pub fn on_snapshot(event: &mut ActionEvent<Snapshot>) -> HandlerResult {
    let params = event.params().clone();
    if params.filename.is_empty()
        || params.filename.contains('/')
        || params.filename.starts_with('.')
    {
        event.fail(format!(
            "Invalid filename {:?}: a plain file name is expected",
            params.filename
        ))?;
        return Ok(());
    }
    event.log(format!("Generating snapshot into {}", params.filename))?;
    let config: Config = event.config()?;
    let dir = event.env().charm_dir.join(&config.snapshot_dir);
    let path = dir.join(&params.filename);
    // Replace this with your workload's backup: here the snapshot records what was asked for.
    let content = format!(
        "snapshot of task {}: {:?} at quality {}\n",
        event.id(),
        params.compression.kind,
        params.compression.quality
    );
    let written = fs::create_dir_all(&dir).and_then(|()| {
        // `create_new`: an existing snapshot is never overwritten.
        let mut file = fs::File::create_new(&path)?;
        file.write_all(content.as_bytes())
    });
    match written {
        Ok(()) => event.set_results(&json!({
            "result": format!("Stored snapshot in {}.", params.filename),
            "snapshot-size": content.len().to_string(),
        }))?,
        Err(e) => event.fail(format!("Failed to generate snapshot: {e}"))?,
    }
    Ok(())
}
