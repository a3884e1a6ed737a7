//! The store on disk: `store.json` in a directory only the owner may read, read whole, and
//! changed under `store.lock` through a temporary file (mode 0600) renamed into place.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use super::Store;
use crate::error::{Result, run_error};
use crate::state::{self, Model};

fn dir(model: &Model) -> PathBuf {
    model.dir.join("secrets")
}

/// The store as it is on disk (empty before the first secret).
pub fn load(model: &Model) -> Result<Store> {
    let path = dir(model).join("store.json");
    if !path.exists() {
        return Ok(Store::default());
    }
    state::read_json(&path)
}

/// Runs `f` on the store under its lock and writes what it leaves (only the owner may read
/// the directory and the file).
pub fn update<T>(model: &Model, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
    let dir = private_dir(model)?;
    let _lock = state::lock(&dir.join("store.lock"))?;
    let mut store = load(model)?;
    let before = store.clone();
    let out = f(&mut store)?;
    if store != before {
        save(model, &store)?;
    }
    Ok(out)
}

/// The store's directory, made (or made private again) with mode 0700.
fn private_dir(model: &Model) -> Result<PathBuf> {
    let dir = dir(model);
    fs::create_dir_all(&dir)?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
    Ok(dir)
}

/// Writes the store through a temporary file (mode 0600) renamed into place.
fn save(model: &Model, store: &Store) -> Result<()> {
    let dir = private_dir(model)?;
    let path = dir.join("store.json");
    let text = serde_json::to_vec(store).map_err(|e| run_error(e.to_string()))?;
    let result = tempfile::Builder::new()
        .prefix(".store.json.")
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .and_then(|mut temp| {
            temp.write_all(&text)?;
            temp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        });
    result.map_err(|e| run_error(format!("cannot write {}: {e}", path.display())))
}
