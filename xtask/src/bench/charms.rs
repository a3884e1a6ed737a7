//! The charms the benchmark deploys: the example charm as `cargo xtask pack` writes it, the same
//! charm in Python with `ops` (`bench/snapshot-py`, packed with a venv from PyPI the way
//! charmcraft's `charm` plugin would), the `echo` charms of both languages for the scale runs,
//! and the integration tests' PostgreSQL stand-in (`tests/charms/postgresql-stand-in`, packed
//! the same way), the database both twins relate to.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use xshell::{Shell, cmd};

use juju_xtask::project::project;

/// The Python packages the Python charms ship in their venv.
const CHARM_PACKAGES: [&str; 2] = [juju_xtask::oracle::OPS, juju_xtask::oracle::PYDANTIC];

/// The bases of the bench charms (Juju refuses a charm without them); the Python charms carry the
/// same text in `bench/*/manifest.yaml`.
const MANIFEST: &str =
    "bases:\n- name: ubuntu\n  channel: \"24.04\"\n  architectures: [amd64, arm64]\n";

/// The number of params the echo charms declare (the scale runs use the first 1, 10, 100).
pub const ECHO_PARAMS: usize = 100;

/// `bench/<name>`.
pub fn source(name: &str) -> anyhow::Result<PathBuf> {
    Ok(project()?.root.join("bench").join(name))
}

/// `tests/charms/<name>`: the integration tests' Python charms.
pub fn test_charm_source(name: &str) -> anyhow::Result<PathBuf> {
    Ok(project()?.root.join("tests/charms").join(name))
}

/// The venv the Python charms ship (`pip install --target`), built once under `dir`.
pub fn charm_venv(sh: &Shell, dir: &Path) -> anyhow::Result<PathBuf> {
    let venv = dir.join("charm-venv");
    let marker = dir.join("charm-venv.installed");
    let wanted = CHARM_PACKAGES.join(" ");
    if fs::read_to_string(&marker).is_ok_and(|m| m == wanted) {
        return Ok(venv);
    }
    eprintln!(
        "bench: installing {wanted} from PyPI into {} (once)",
        venv.display()
    );
    if venv.exists() {
        fs::remove_dir_all(&venv)?;
    }
    cmd!(
        sh,
        "python3 -m pip install --quiet --target {venv} {CHARM_PACKAGES...}"
    )
    .run()
    .with_context(|| format!("pip could not install {wanted} (python3 with pip is needed)"))?;
    fs::write(&marker, &wanted)?;
    Ok(venv)
}

/// Packs a Python charm: the source tree (without its `tests/`), `extra` files, and the venv
/// under `venv/`, modes kept.
pub fn pack_python(
    source: &Path,
    venv: &Path,
    extra: &[(&str, String)],
    out: &Path,
) -> anyhow::Result<()> {
    let mut entries: Vec<(String, PathBuf)> = Vec::new();
    collect(source, source, "", &mut entries)?;
    entries.retain(|(name, _)| !name.starts_with("tests/"));
    collect(venv, venv, "venv/", &mut entries)?;
    let mut files = Vec::new();
    for (name, path) in entries {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path)?.permissions().mode() & 0o777;
        files.push((name, fs::read(&path)?, mode));
    }
    let mut archive: Vec<(&str, &[u8], u32)> = extra
        .iter()
        .map(|(name, text)| (*name, text.as_bytes(), 0o644))
        .chain(files.iter().map(|(n, b, m)| (n.as_str(), b.as_slice(), *m)))
        .collect();
    let bytes = juju_xtask::pack::zip_bytes(&mut archive, juju_xtask::pack::zip_time_from_env()?)?;
    juju_xtask::util::write_atomically(out, &bytes)
}

fn collect(
    root: &Path,
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(String, PathBuf)>,
) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            if !path.ends_with("__pycache__") {
                collect(root, &path, prefix, out)?;
            }
        } else if path.is_file() {
            let relative = path.strip_prefix(root)?.display();
            out.push((format!("{prefix}{relative}"), path));
        }
    }
    Ok(())
}

/// `actions.yaml` of the echo charms: `echo` with params `p1`…`p100`, all optional strings.
pub fn echo_actions_yaml() -> String {
    let mut yaml = String::from(
        "echo:\n  description: Return every param as a result.\n  additionalProperties: false\n  params:\n",
    );
    for i in 1..=ECHO_PARAMS {
        yaml.push_str(&format!("    p{i}:\n      type: string\n"));
    }
    yaml
}

/// Builds the Rust echo charm for `target` and packs it with `actions.yaml`.
pub fn pack_rust_echo(sh: &Shell, target: &str, out: &Path) -> anyhow::Result<()> {
    // The same flags as `cargo xtask pack`, so the two builds share their dependencies.
    let remap = juju_xtask::pack::path_remap_config(target)?;
    let binary = juju_xtask::util::cargo_executable(
        sh,
        &[
            "build",
            "--quiet",
            "--release",
            "--package",
            "echo-charm",
            "--target",
            target,
            "--config",
            &remap,
        ],
        "echo-charm",
    )
    .context("building bench/echo-charm failed")?;
    let files = vec![
        (
            "metadata.yaml".to_owned(),
            "name: echo-rust\nsummary: A benchmark charm.\ndescription: bench/echo-charm.\n"
                .to_owned(),
        ),
        ("actions.yaml".to_owned(), echo_actions_yaml()),
        ("manifest.yaml".to_owned(), MANIFEST.to_owned()),
    ];
    let mtime = juju_xtask::pack::zip_time_from_env()?;
    juju_xtask::pack::write_charm(out, &fs::read(&binary)?, &files, mtime)
}

/// A deterministic, CSV-like data set of `bytes` bytes that compresses about as well as real
/// tables do (so the codecs have work to do).
pub fn write_data_set(path: &Path, bytes: usize) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut out = std::io::BufWriter::new(fs::File::create(path)?);
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut written = 0;
    let mut row = 0u64;
    const WORDS: [&str; 8] = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    ];
    while written < bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let line = format!(
            "{row},{},{},{}.{:02},{:016x}\n",
            WORDS[(state & 7) as usize],
            WORDS[((state >> 3) & 7) as usize],
            (state >> 8) % 10_000,
            (state >> 24) % 100,
            state >> 20,
        );
        out.write_all(line.as_bytes())?;
        written += line.len();
        row += 1;
    }
    out.flush()?;
    Ok(())
}

/// Fails with the reason when `python3` is missing.
pub fn require_python(sh: &Shell) -> anyhow::Result<()> {
    if cmd!(sh, "python3 --version")
        .quiet()
        .ignore_stdout()
        .run()
        .is_err()
    {
        bail!("python3 (with pip and venv) is needed for the Python baseline");
    }
    Ok(())
}
