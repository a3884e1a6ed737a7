//! Test charms: zips of their files ([`zip`], [`charm`]), and logging charms
//! ([`logging_charm`]), whose shell `dispatch` logs each hook to a directory ([`Out`]) and
//! sources the script the test leaves there.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The manifest of a test charm (charmcraft packs one; Juju refuses a charm without bases).
pub const MANIFEST: &str =
    "bases: [{name: ubuntu, channel: '24.04', architectures: [amd64, arm64]}]\n";

/// A zip entry: (name, contents, unix mode); a mode of 0o120777 makes a symlink to `contents`.
pub type Entry<'a> = (&'a str, &'a [u8], u32);

/// Writes a zip of `entries` at `path`.
pub fn zip(path: &Path, entries: &[Entry<'_>]) {
    let mut zip = zip::ZipWriter::new(fs::File::create(path).unwrap());
    for (name, bytes, mode) in entries {
        let options = zip::write::SimpleFileOptions::DEFAULT.unix_permissions(*mode & 0o777);
        if *mode & 0o170000 == 0o120000 {
            zip.add_symlink(*name, String::from_utf8_lossy(bytes), options)
                .unwrap();
        } else {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
    }
    zip.finish().unwrap();
}

/// Zips a charm at `path`: `files` (mode 0644; [`MANIFEST`] as `manifest.yaml` unless one is
/// among them) and an executable `dispatch`. Returns `path`.
pub fn charm(path: &Path, files: &[(&str, &[u8])], dispatch: &[u8]) -> PathBuf {
    let mut entries: Vec<Entry<'_>> = files
        .iter()
        .map(|(name, bytes)| (*name, *bytes, 0o644))
        .collect();
    if !files.iter().any(|(name, _)| *name == "manifest.yaml") {
        entries.push(("manifest.yaml", MANIFEST.as_bytes(), 0o644));
    }
    entries.push(("dispatch", dispatch, 0o755));
    zip(path, &entries);
    path.to_owned()
}

/// Zips a logging charm at `path`: `files` (as [`charm`] takes them) and a `dispatch` that logs
/// `<unit> <hook>` to `out/log` (followed by `detail` for the hooks matching the shell pattern
/// `hooks`), then sources `out/hook.sh` if there is one.
pub fn logging_charm(
    path: &Path,
    out: &Path,
    files: &[(&str, &[u8])],
    hooks: &str,
    detail: &str,
) -> PathBuf {
    charm(path, files, logging_dispatch(out, hooks, detail).as_bytes())
}

/// The dispatch of a [`logging_charm`].
fn logging_dispatch(out: &Path, hooks: &str, detail: &str) -> String {
    let o = out.display();
    format!(
        r#"#!/bin/sh
OUT={o}
H=$(basename "$JUJU_DISPATCH_PATH")
case "$H" in
{hooks}) echo "$JUJU_UNIT_NAME $H {detail}" ;;
*) echo "$JUJU_UNIT_NAME $H" ;;
esac >> "$OUT/log"
[ -f "$OUT/hook.sh" ] && . "$OUT/hook.sh"
exit 0
"#
    )
}

/// The directory a test charm writes to: the hook log of a [`logging_charm`], the script
/// its hooks source, and whatever else the charm leaves there.
pub struct Out(pub PathBuf);

impl std::ops::Deref for Out {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Out {
    /// `dir`, made.
    pub fn new(dir: PathBuf) -> Out {
        fs::create_dir_all(&dir).unwrap();
        Out(dir)
    }

    /// A file's content; empty when there is none.
    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.0.join(name)).unwrap_or_default()
    }

    /// The hooks logged since the last call, one line each.
    pub fn take_log(&self) -> Vec<String> {
        let path = self.0.join("log");
        let text = fs::read_to_string(&path).unwrap_or_default();
        let _ = fs::remove_file(&path);
        text.lines().map(str::to_owned).collect()
    }

    /// What every hook runs after logging itself (shell, sourced; `$H` is the hook's name).
    pub fn hook_script(&self, script: &str) {
        fs::write(self.0.join("hook.sh"), script).unwrap();
    }
}

/// The lines of one unit in a logging charm's log, in order.
pub fn of(log: &[String], unit: &str) -> Vec<String> {
    log.iter()
        .filter(|l| l.starts_with(&format!("{unit} ")))
        .cloned()
        .collect()
}

/// `s` as one shell word.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
