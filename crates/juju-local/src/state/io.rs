//! State files as the local Juju reads and writes them: JSON records written through a
//! temporary file renamed into place, `flock` locks, and log lines.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Result, run_error};

/// Reads a JSON record.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path)
        .map_err(|e| run_error(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| run_error(format!("corrupt state file {}: {e}", path.display())))
}

/// Writes a JSON record atomically (see [`write_atomic`]).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| run_error(e.to_string()))?;
    write_atomic(path, text.as_bytes())
}

/// Writes `bytes` to a temporary file beside `path` (`.<name>.XXXXXX.tmp`, removed if anything
/// fails) and renames it into place: readers see the old or the new content, never a torn write,
/// even when the writer is killed. There is no fsync: the state must survive a killed command,
/// not a power cut (this is a test tool), and an fsync per write would cost about a millisecond
/// on every `juju run`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let result = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        // As `File::create` does: readable as the umask allows, not only by the owner.
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .and_then(|mut temp| {
            temp.write_all(bytes)?;
            temp.persist(path).map_err(|e| e.error)?;
            Ok(())
        });
    result.map_err(|e| run_error(format!("cannot write {}: {e}", path.display())))
}

/// An exclusive lock held until the returned file is dropped (the kernel releases it if the
/// process dies).
pub fn lock(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    file.lock()
        .map_err(|e| run_error(format!("cannot lock {}: {e}", path.display())))?;
    Ok(file)
}

/// Appends one line to a unit's log.
pub fn append_log(path: &Path, line: &str) -> Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(format!("{line}\n").as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("sub").join("record.json");
        write_atomic(&path, b"one")?;
        write_atomic(&path, b"two")?;
        assert_eq!(fs::read(&path)?, b"two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap_or(dir.path()))?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(names, ["record.json"]);
        // Modes as `File::create` gives them (0o666 less the umask), not a temporary file's 0o600.
        let plain = dir.path().join("plain");
        File::create(&plain)?;
        let mode = |p: &Path| fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode(&path)?, mode(&plain)?);
        Ok(())
    }
}
