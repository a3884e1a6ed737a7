//! The Python tools used as oracles (charmcraft, ops), installed from PyPI into virtual
//! environments under `target/oracles/`, once, with a message.

use std::path::PathBuf;

use anyhow::{Context, bail};
use xshell::{Shell, cmd};

use crate::project::project;

/// The Python packages used as oracles, pinned so that a new release cannot change a verdict
/// overnight; bump them on purpose (and re-run `cargo xtask bench`, which records them).
pub const CHARMCRAFT: &str = "charmcraft==4.5.0";
/// The Python charm runtime the example's Python twin ships.
pub const OPS: &str = "ops==3.9.0";
/// `ops.testing` (Scenario), the Python harness.
pub const OPS_TESTING: &str = "ops[testing]==3.9.0";
pub const PYDANTIC: &str = "pydantic==2.14.4";
pub const PYTEST: &str = "pytest==9.2.0";
/// Reinstalled over Debian's copy in charmcraft's system venv.
pub const PYOPENSSL: &str = "pyOpenSSL==26.4.0";

/// A venv at `target/oracles/<name>` with `packages` installed; returns its `bin/` directory.
pub fn venv(sh: &Shell, name: &str, packages: &[&str]) -> anyhow::Result<PathBuf> {
    make_venv(sh, name, "python3", &[], packages, &[])
}

/// A venv of the system Python (`/usr/bin/python3`) that also sees the system's packages (for
/// Debian's `python3-apt`, which charmcraft's destructive mode needs), with `packages`
/// installed and `reinstalled` installed over the system's copies.
pub fn system_venv(
    sh: &Shell,
    name: &str,
    packages: &[&str],
    reinstalled: &[&str],
) -> anyhow::Result<PathBuf> {
    make_venv(
        sh,
        name,
        "/usr/bin/python3",
        &["--system-site-packages"],
        packages,
        reinstalled,
    )
}

fn make_venv(
    sh: &Shell,
    name: &str,
    python: &str,
    venv_flags: &[&str],
    packages: &[&str],
    reinstalled: &[&str],
) -> anyhow::Result<PathBuf> {
    let dir = project()?.target_dir.join("oracles").join(name);
    let bin = dir.join("bin");
    let marker = dir.join(".installed");
    let wanted = format!("{} {}", packages.join(" "), reinstalled.join(" "));
    let wanted = wanted.trim();
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted) {
        return Ok(bin);
    }
    eprintln!(
        "installing {wanted} from PyPI into {} (once)",
        dir.display()
    );
    if cmd!(sh, "{python} --version")
        .quiet()
        .ignore_stdout()
        .run()
        .is_err()
    {
        bail!("{python} is needed to install {wanted}; install Python 3 (with venv and pip)");
    }
    cmd!(sh, "{python} -m venv {venv_flags...} {dir}")
        .run()
        .context("cannot create a Python venv (is python3-venv installed?)")?;
    let pip = bin.join("pip");
    cmd!(sh, "{pip} install --quiet {packages...}")
        .run()
        .with_context(|| format!("pip could not install {}", packages.join(" ")))?;
    if !reinstalled.is_empty() {
        cmd!(
            sh,
            "{pip} install --quiet --ignore-installed {reinstalled...}"
        )
        .run()
        .with_context(|| format!("pip could not install {}", reinstalled.join(" ")))?;
    }
    std::fs::write(&marker, wanted)?;
    Ok(bin)
}

/// Runs `charmcraft analyse` on a packed charm; fails on lint errors (exit code 1 or 2).
pub fn charmcraft_analyse(sh: &Shell, charm: &std::path::Path) -> anyhow::Result<()> {
    let bin = venv(sh, "charmcraft", &[CHARMCRAFT])?;
    let charmcraft = bin.join("charmcraft");
    let output = cmd!(sh, "{charmcraft} analyse {charm}")
        .ignore_status()
        .output()?;
    let report = charmcraft_report(&output.stderr) + &charmcraft_report(&output.stdout);
    print!("{report}");
    // Exit code: the worst result (1 fatal, 2 error, 3 warning, 0 fine).
    match output.status.code() {
        Some(0) => Ok(()),
        Some(3) => {
            println!("charmcraft analyse: warnings only");
            Ok(())
        }
        code => bail!("charmcraft analyse reported errors (exit {code:?})"),
    }
}

/// Loads `charmcraft.yaml` with charmcraft's own project model (`charmcraft expand-extensions`,
/// which works offline), in a scratch copy so charmcraft writes nothing into the project.
pub fn charmcraft_validate(sh: &Shell, yaml: &std::path::Path) -> anyhow::Result<()> {
    let bin = venv(sh, "charmcraft", &[CHARMCRAFT])?;
    let charmcraft = bin.join("charmcraft");
    let scratch = project()?.target_dir.join("oracles/charmcraft-validate");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    std::fs::copy(yaml, scratch.join("charmcraft.yaml"))
        .with_context(|| format!("cannot read {}", yaml.display()))?;
    let _dir = sh.push_dir(&scratch);
    let output = cmd!(sh, "{charmcraft} expand-extensions")
        .quiet()
        .ignore_status()
        .output()?;
    if output.status.success() {
        println!("charmcraft's project model accepts {}", yaml.display());
        return Ok(());
    }
    bail!(
        "charmcraft refuses {}:\n{}",
        yaml.display(),
        charmcraft_report(&output.stderr)
    )
}

/// charmcraft's output without the warning every run prints when `XDG_RUNTIME_DIR` is unset
/// (and the source line it quotes).
pub fn charmcraft_report(output: &[u8]) -> String {
    String::from_utf8_lossy(output)
        .lines()
        .filter(|l| !l.contains("XDG_RUNTIME_DIR") && !l.contains("user_runtime_dir"))
        .map(|l| format!("{l}\n"))
        .collect()
}
