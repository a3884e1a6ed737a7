//! What the integration tests share: the Python stand-in charms they deploy beside the charm
//! under test, packed here from their sources with `ops` from PyPI.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `ops` a stand-in charm ships in its `venv/`: pinned, so a release cannot change a
/// test's verdict overnight (the version `cargo xtask bench` measures against).
const OPS: &str = "ops==3.9.0";

/// Packs the Python charm in `tests/charms/<name>` into `<target tmp>/<name>.charm`, with `ops`
/// installed from PyPI into its `venv/` (once; cached beside the `.charm`).
pub fn python_charm(name: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("charms")
        .join(name);
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-charms");
    let venv = cache.join("venv");
    let stamp = cache.join(".installed");
    if fs::read_to_string(&stamp).ok().as_deref() != Some(OPS) {
        eprintln!("installing {OPS} from PyPI into {} (once)", venv.display());
        let _ = fs::remove_dir_all(&venv);
        fs::create_dir_all(&cache).unwrap();
        let out = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--target"])
            .arg(&venv)
            .arg(OPS)
            .output()
            .unwrap_or_else(|e| panic!("python3 (with pip) is needed to pack {name}: {e}"));
        assert!(
            out.status.success(),
            "pip install {OPS} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        fs::write(&stamp, OPS).unwrap();
    }
    let mut entries = Vec::new();
    collect(&source, &source, "", &mut entries);
    collect(&venv, &venv, "venv/", &mut entries);
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let path = cache.join(format!("{name}.charm"));
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    for (entry, bytes, mode) in entries {
        let options = zip::write::SimpleFileOptions::DEFAULT.unix_permissions(mode);
        zip.start_file(entry, options).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn collect(root: &Path, dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>, u32)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("__pycache__") {
                collect(root, &path, prefix, out);
            }
            continue;
        }
        let name = format!("{prefix}{}", path.strip_prefix(root).unwrap().display());
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        out.push((name, fs::read(&path).unwrap(), mode));
    }
}
