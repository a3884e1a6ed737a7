//! What the tests that drive the local Juju from Python share: packages installed from PyPI once
//! at pinned versions (cached under the target dir), Python `ops` charms packed with them, and
//! running a jubilant script with the local Juju as the `juju` on `PATH`.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{BIN, Entry, zip};

/// The newest jubilant release when its test was written (`pip index versions jubilant`);
/// pinned, so a release cannot change a test's verdict overnight.
pub const JUBILANT: &str = "jubilant==1.14.0";

/// The ops the test charms run on: the version `juju_xtask::oracle::OPS` pins.
pub const OPS: &str = "ops==3.9.0";

/// `packages` installed from PyPI with `pip install --target`, once: the directory to put on
/// `PYTHONPATH` (`<target tmp>/<name>/site`). A finished install is moved into place whole, so
/// tests installing the same directory at once do not see each other's half.
pub fn pip_target(name: &str, packages: &[&str]) -> PathBuf {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let site = cache.join("site");
    let wanted = packages.join(" ");
    if fs::read_to_string(cache.join(".installed")).ok().as_deref() == Some(wanted.as_str()) {
        return site;
    }
    eprintln!(
        "installing {wanted} from PyPI into {} (once)",
        site.display()
    );
    fs::create_dir_all(&cache).unwrap();
    let fresh = cache.join(format!("site.{}", std::process::id()));
    let _ = fs::remove_dir_all(&fresh);
    let out = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "--target"])
        .arg(&fresh)
        .args(packages)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to install {wanted}: {e}"));
    assert!(
        out.status.success(),
        "pip install {wanted} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = fs::remove_dir_all(&site);
    fs::rename(&fresh, &site).unwrap();
    fs::write(cache.join(".installed"), &wanted).unwrap();
    site
}

/// jubilant (and its one dependency, PyYAML): the directory to put on `PYTHONPATH`.
pub fn jubilant() -> PathBuf {
    pip_target("jubilant", &[JUBILANT])
}

/// Packs the Python `ops` charm `tests/charms/<name>` into `dir/<name>.charm`, with
/// `tests/charms/lib` as its `lib/` and `ops` as its `venv/` (what its `dispatch` puts on
/// `PYTHONPATH`).
pub fn python_charm(name: &str, dir: &Path) -> PathBuf {
    let charms = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charms");
    let venv = pip_target("ops-venv", &[OPS]);
    let path = dir.join(format!("{name}.charm"));
    zip_trees(
        &path,
        &[
            (&charms.join(name), ""),
            (&charms.join("lib"), "lib/"),
            (&venv, "venv/"),
        ],
        &[],
    );
    path
}

/// Zips at `path` the `extra` entries and every file under each of `trees` (a directory, and
/// the prefix its files' paths get in the archive), `__pycache__` left out, with its mode.
pub fn zip_trees(path: &Path, trees: &[(&Path, &str)], extra: &[Entry<'_>]) {
    let mut files = Vec::new();
    for (root, prefix) in trees {
        collect(root, prefix, &mut files);
    }
    let mut entries = extra.to_vec();
    entries.extend(
        files
            .iter()
            .map(|(name, bytes, mode)| (name.as_str(), bytes.as_slice(), *mode)),
    );
    zip(path, &entries);
}

/// Every file under `root` (but `__pycache__`), as (`prefix` + its path, bytes, mode).
fn collect(root: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>, u32)>) {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("__pycache__") {
                    stack.push(path);
                }
                continue;
            }
            let name = format!("{prefix}{}", path.strip_prefix(root).unwrap().display());
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            out.push((name, fs::read(&path).unwrap(), mode));
        }
    }
}

/// Runs `tests/jubilant/<script> ARGS…` in `work` under unmodified jubilant, with the local Juju
/// as the `juju` on `PATH` and its home in `work`; fails unless the script exits 0 and ends with
/// its tally, `N passed, 0 failed`.
pub fn run_jubilant(script: &str, args: &[&OsStr], work: &Path) {
    let site = jubilant();
    let bin = work.join("bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("juju")).unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(&path));
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/jubilant")
        .join(script);
    let out = Command::new("python3")
        .arg(&script)
        .args(args)
        .env("PATH", std::env::join_paths(paths).unwrap())
        .env("PYTHONPATH", &site)
        .env("JUJU_LOCAL_HOME", work.join("home"))
        .current_dir(work)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        script.display()
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
