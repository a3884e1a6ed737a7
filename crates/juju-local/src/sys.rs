//! Small operating-system helpers with nothing Juju-specific in them: copying a directory tree
//! (symlinks kept as symlinks) and naming the signals that end a process as Go's `os/exec` does.

use std::fs;
use std::io;
use std::path::Path;

/// Copies the directory `from` into `to` (created if missing): directories recursively,
/// symlinks as symlinks (their targets unchanged), everything else as file copies.
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path())?, &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// How Go's `exec.ExitError` names the signal that killed a process (`signal: <name>`), for the
/// signals a charm process commonly dies of; any other reads as its number.
pub fn signal_description(signal: i32) -> String {
    let name = match signal {
        2 => "interrupt",
        6 => "aborted",
        9 => "killed",
        11 => "segmentation fault",
        15 => "terminated",
        n => return format!("signal: {n}"),
    };
    format!("signal: {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_read_as_go_names_them() {
        assert_eq!(signal_description(2), "signal: interrupt");
        assert_eq!(signal_description(6), "signal: aborted");
        assert_eq!(signal_description(11), "signal: segmentation fault");
        assert_eq!(signal_description(42), "signal: 42");
    }

    #[test]
    fn a_tree_is_copied_with_its_symlinks() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let from = dir.path().join("from");
        fs::create_dir_all(from.join("sub"))?;
        fs::write(from.join("sub/file"), b"x")?;
        std::os::unix::fs::symlink("sub/file", from.join("link"))?;
        let to = dir.path().join("to");
        copy_tree(&from, &to)?;
        assert_eq!(fs::read(to.join("sub/file"))?, b"x");
        assert_eq!(fs::read_link(to.join("link"))?, Path::new("sub/file"));
        Ok(())
    }
}
