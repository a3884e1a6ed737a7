//! A local Juju for integration tests, as a library: [`main`] is the whole program.
//!
//! Run as `juju-local <command>` it is the `juju` CLI (the subset the Juju client and `jubilant`
//! use, with the same flags, JSON output and exit codes); run through a symlink named after a
//! hook tool (`action-get`, `juju-log`, …) it is that hook tool, talking to the unit agent of
//! the running hook or action. State lives on disk under `$JUJU_LOCAL_HOME`.
//!
//! The library exists so that a charm project can build the binary from the same toolkit
//! version as its runtime (`cargo build -p juju-local --bin juju-local` needs the package in the
//! project's dependency graph). Its public items are the entry point and [`records`], a typed
//! read-only view of the timings the local Juju records for benchmarks (a task's charm-process
//! time and hook-tool calls, a unit's last hook), so that nobody parses its private state files.

mod agent;
mod app_settings;
mod args;
mod charm;
mod charm_rules;
mod cli;
mod error;
mod gofmt;
mod gojson;
pub mod gojsonschema;
mod ports;
pub mod records;
mod relation;
mod resources;
mod secret_uri;
mod secrets;
mod state;
mod storage;
mod sys;
mod tools;
mod yaml11;

use std::io::Write;
use std::process::ExitCode;

/// The `juju-local` program: the CLI, or a hook tool when called through a symlink named after
/// one. Reads `std::env::args_os()`; returns the exit code.
pub fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rest = Vec::new();
    for (i, arg) in args.enumerate() {
        match arg.into_string() {
            Ok(arg) => rest.push(arg),
            Err(arg) => {
                // Juju's CLI and hook tools take text: say which argument is not.
                eprintln!("ERROR argument {} is not valid UTF-8: {arg:?}", i + 1);
                return ExitCode::from(2);
            }
        }
    }
    if tools::NAMES.contains(&name.as_str()) {
        return exit(tools::client_main(&name, rest));
    }
    let Some((command, args)) = rest.split_first() else {
        print!("{}", cli::HELP);
        return ExitCode::SUCCESS;
    };
    match cli::main(command, args) {
        Ok(output) => {
            print!("{}", output.stdout);
            eprint!("{}", output.stderr);
            let _ = std::io::stdout().flush();
            exit(output.code)
        }
        Err(fail) => {
            eprintln!("ERROR {}", fail.message);
            exit(fail.code)
        }
    }
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
