//! `juju ssh`, `juju scp` and `juju trust` on one machine. A unit's "machine" is its directory
//! under the model (the parent of its charm directory): `ssh` runs the command there with
//! `sh -c`, standard input, output and error passed through and the command's exit status
//! returned, as `juju ssh` returns the remote one; `scp` copies between local paths and
//! `UNIT:PATH` (relative paths are relative to the unit's directory, as they are to the home
//! directory on a machine). `trust` sets the application's `trust` setting, as `juju trust`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::Output;
use crate::args::Args;
use crate::error::{Result, run_error, usage};
use crate::state::{Home, Model};

/// The options `ssh` and `scp` take before their target or paths.
struct Options {
    model: Option<String>,
    rest: Vec<String>,
}

/// Splits `-m/--model`, `--no-host-key-checks`, `--proxy` and `--pty` off the front of `args`,
/// stopping at the first other word (or after `--`), so the remote command's own flags are its
/// own. `--container` (Kubernetes only) is refused by name.
fn options(args: &[String]) -> Result<Options> {
    let mut model = None;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "-m" | "--model" => {
                model = Some(
                    args.get(i + 1)
                        .ok_or_else(|| usage(format!("option needs an argument: {arg}")))?
                        .clone(),
                );
                i += 2;
            }
            a if a.starts_with("--model=") => {
                model = Some(a["--model=".len()..].to_owned());
                i += 1;
            }
            // No host keys to check on one machine, no API server to proxy through, and the
            // command's terminal is the caller's: these change nothing here.
            "--no-host-key-checks" | "--proxy" | "--pty" | "--pty=true" | "--pty=false" => i += 1,
            "--container" => {
                return Err(usage(
                    "--container is not supported: the local Juju runs machine charms only",
                ));
            }
            "--" => {
                i += 1;
                break;
            }
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(usage(format!("option provided but not defined: {a}")));
            }
            _ => break,
        }
    }
    Ok(Options {
        model,
        rest: args[i..].to_vec(),
    })
}

/// The directory of unit `target` (`app/N`, `app/leader`, optionally `user@`), refusing a
/// machine number.
fn unit_dir(model: &Model, target: &str) -> Result<PathBuf> {
    let target = target.rsplit_once('@').map_or(target, |(_, t)| t);
    if !target.contains('/') {
        return Err(run_error(format!(
            "cannot reach {target:?}: the local Juju has no machines to ssh to; name a unit (app/N)"
        )));
    }
    let (app, number) = model.resolve_unit(target)?;
    Ok(model.unit_dir(&app, number))
}

/// `juju ssh [options] UNIT [COMMAND [ARGS...]]`.
pub fn ssh(home: &Home, args: &[String]) -> Result<Output> {
    let options = options(args)?;
    let model = home.resolve_model(options.model.as_deref())?;
    let Some((target, command)) = options.rest.split_first() else {
        return Err(usage("no target name specified"));
    };
    let dir = unit_dir(&model, target)?;
    let mut child = Command::new("sh");
    if command.is_empty() {
        child.arg("-i");
    } else {
        child.arg("-c").arg(command.join(" "));
    }
    let status = child
        .current_dir(&dir)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| run_error(format!("cannot run sh in {}: {e}", dir.display())))?;
    Ok(Output {
        // ssh exits 255 for its own failures; a signal is that too.
        code: status.code().unwrap_or(255),
        ..Output::default()
    })
}

/// `juju scp [options] [-- SCP-OPTIONS] SOURCE... DESTINATION`: `-r` copies directories.
pub fn scp(home: &Home, args: &[String]) -> Result<Output> {
    let options = options(args)?;
    let model = home.resolve_model(options.model.as_deref())?;
    let mut recursive = false;
    let mut paths = Vec::new();
    for arg in &options.rest {
        match arg.as_str() {
            "-r" => recursive = true,
            // Compression, quiet, preserve times and the like change nothing locally.
            "-C" | "-q" | "-p" | "-v" => {}
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(usage(format!(
                    "scp option {a} is not supported by the local Juju (supported: -r, -C, -q, -p, -v)"
                )));
            }
            _ => paths.push(arg.as_str()),
        }
    }
    let Some((destination, sources)) = paths.split_last().filter(|(_, s)| !s.is_empty()) else {
        return Err(usage(
            "at least two arguments required (a source and a destination)",
        ));
    };
    let destination = resolve(&model, destination)?;
    for source in sources {
        let source = resolve(&model, source)?;
        let target = if destination.is_dir() {
            match source.file_name() {
                Some(name) => destination.join(name),
                None => destination.clone(),
            }
        } else {
            destination.clone()
        };
        copy(&source, &target, recursive)?;
    }
    Ok(Output::default())
}

/// A local path, or `UNIT:PATH` on a unit (relative to the unit's directory).
fn resolve(model: &Model, spec: &str) -> Result<PathBuf> {
    match spec.split_once(':') {
        Some((target, path)) if target.contains('/') || target.contains('@') => {
            let dir = unit_dir(model, target)?;
            Ok(if path.is_empty() { dir } else { dir.join(path) })
        }
        _ => Ok(PathBuf::from(spec)),
    }
}

fn copy(source: &Path, target: &Path, recursive: bool) -> Result<()> {
    let meta = fs::metadata(source).map_err(|e| run_error(format!("{}: {e}", source.display())))?;
    if meta.is_dir() {
        if !recursive {
            return Err(run_error(format!(
                "{}: not a regular file (use -- -r to copy a directory)",
                source.display()
            )));
        }
        fs::create_dir_all(target)?;
        for entry in fs::read_dir(source)? {
            let entry = entry?;
            copy(&entry.path(), &target.join(entry.file_name()), true)?;
        }
        return Ok(());
    }
    fs::copy(source, target)
        .map_err(|e| run_error(format!("{} -> {}: {e}", source.display(), target.display())))?;
    Ok(())
}

/// `juju trust APP [--remove] [--scope cluster]`: the application's `trust` setting.
pub fn trust(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[super::MODEL, (&["remove"], false), (&["scope"], true)],
    )?;
    if let Some(scope) = a.get("scope") {
        return Err(usage(format!(
            "--scope {scope} is not supported: it applies to Kubernetes models, and the local Juju runs machine charms only"
        )));
    }
    let [app] = a.positional.as_slice() else {
        return Err(usage("no application name specified"));
    };
    let model = home.resolve_model(a.get("model"))?;
    model.app(app)?;
    crate::app_settings::set_trust(&model.app_dir(app), !a.has("remove"))?;
    Ok(Output::default())
}
