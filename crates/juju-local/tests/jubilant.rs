//! The local Juju under Python's `jubilant` (the client Juju users' integration tests use),
//! unmodified, from PyPI at a pinned version: `tests/jubilant/check.py` drives it through
//! every `Juju` method that makes sense on one machine (models, deploy, wait, status, run,
//! exec, config, model config, show-model, show-unit, version, cli, the secret methods,
//! destroy-model).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_juju-local");

/// The newest jubilant release when this test was written (`pip index versions jubilant`);
/// pinned, so a release cannot change this test's verdict overnight.
const JUBILANT: &str = "jubilant==1.14.0";

const METADATA: &[u8] =
    b"name: jubilant-check\nsummary: s\ndescription: d\nresources:\n  data: {type: file, filename: data.txt}\n";
const MANIFEST: &[u8] =
    b"bases:\n- {name: ubuntu, channel: '24.04', architectures: [amd64, arm64, ppc64el, s390x, riscv64]}\n";
const ACTIONS: &[u8] = b"
greet: {params: {name: {type: string, default: world}}}
fail: {}
";
const CONFIG: &[u8] = b"options:\n  greeting: {type: string, default: hi}\n";
const DISPATCH: &[u8] = br#"#!/bin/sh
case "$JUJU_DISPATCH_PATH" in
hooks/install|hooks/start|hooks/config-changed) status-set active ready ;;
hooks/*) ;;
actions/greet)
  name="$(action-get name)"
  action-log "greeting $name"
  juju-log "greeted $name"
  action-set greeting="$(config-get greeting) $name" nested.k=v ;;
actions/fail) action-fail "it broke" ;;
esac
"#;

/// Writes the test charm, a zip of `metadata.yaml`, `manifest.yaml`, `actions.yaml`, `config.yaml` and an
/// executable `dispatch` (as `tests/local_juju.rs` builds its charms).
fn charm(dir: &Path) -> PathBuf {
    let path = dir.join("jubilant-check.charm");
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    for (name, bytes, mode) in [
        ("metadata.yaml", METADATA, 0o644),
        ("manifest.yaml", MANIFEST, 0o644),
        ("actions.yaml", ACTIONS, 0o644),
        ("config.yaml", CONFIG, 0o644),
        ("dispatch", DISPATCH, 0o755),
    ] {
        let options = zip::write::SimpleFileOptions::DEFAULT.unix_permissions(mode);
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// jubilant (and its one dependency, PyYAML) installed from PyPI once, cached under the
/// target dir; the directory to put on `PYTHONPATH`.
fn jubilant() -> PathBuf {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jubilant");
    let site = cache.join("site");
    if fs::read_to_string(cache.join(".installed")).ok().as_deref() != Some(JUBILANT) {
        eprintln!(
            "installing {JUBILANT} from PyPI into {} (once)",
            site.display()
        );
        let _ = fs::remove_dir_all(&site);
        fs::create_dir_all(&cache).unwrap();
        let out = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--target"])
            .arg(&site)
            .arg(JUBILANT)
            .output()
            .unwrap_or_else(|e| panic!("python3 is needed to run jubilant: {e}"));
        assert!(
            out.status.success(),
            "pip install {JUBILANT} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        fs::write(cache.join(".installed"), JUBILANT).unwrap();
    }
    site
}

#[test]
fn jubilant_drives_the_local_juju() {
    let site = jubilant();
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("juju")).unwrap();
    let home = work.path().join("home");
    let charm = charm(work.path());
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(&path));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jubilant/check.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&charm)
        .env("PATH", std::env::join_paths(paths).unwrap())
        .env("PYTHONPATH", &site)
        .env("JUJU_LOCAL_HOME", &home)
        .current_dir(work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "check.py failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
