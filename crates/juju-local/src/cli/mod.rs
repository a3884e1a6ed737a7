//! The `juju` commands: [`main`] dispatches a command name to its module (models, deploy and
//! refresh, add-unit and the removals, integrate and remove-relation, status, run and
//! show-task, exec, config, debug-log, version, show-model, model-config, show-unit, ssh, scp,
//! trust, attach-resource, resources, add-storage, storage, expose, unexpose, the secret
//! commands and `advance-clock`), and this module holds what they share: the [`Output`] of a
//! command, the common flags and the help text. Output shapes and exit codes follow Juju 3.6
//! (`cmd/juju/action` in Juju).

mod config;
mod debug_log;
mod deploy;
mod exec;
mod hooks;
mod model_config;
mod models;
mod params;
mod relations;
mod resources;
mod run;
mod secrets;
mod settle;
mod show;
mod ssh;
mod status;
mod storage;
mod tasks;
mod units;
mod version;
pub(crate) mod wait;
mod worker;

use crate::error::{Fail, Result, usage};
use crate::gofmt::go_quote;
use crate::state::Home;

/// What a command printed and its exit code.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Output {
    /// Output on stdout only, exit 0.
    fn out(stdout: impl Into<String>) -> Output {
        Output {
            stdout: stdout.into(),
            ..Output::default()
        }
    }

    /// Output on stderr only, exit 0 (Juju's progress messages).
    fn err(stderr: impl Into<String>) -> Output {
        Output {
            stderr: stderr.into(),
            ..Output::default()
        }
    }

    /// juju/cmd's `-o, --output FILE`: the formatted output goes to the file, not stdout.
    fn written_to(mut self, file: Option<&str>) -> Result<Output> {
        if let Some(file) = file {
            std::fs::write(file, std::mem::take(&mut self.stdout))
                .map_err(|e| crate::error::run_error(format!("cannot write {file}: {e}")))?;
        }
        Ok(self)
    }
}

/// juju/cmd's `CheckEmpty` error for arguments left over: `unrecognized args: ["a" "b"]`.
fn unrecognized(rest: &[String]) -> Fail {
    let quoted: Vec<String> = rest.iter().map(|r| go_quote(r)).collect();
    usage(format!("unrecognized args: [{}]", quoted.join(" ")))
}

/// cmd.Output's error for a `--format` the command does not have (a flag error, exit 2).
fn unknown_format(format: &str) -> Fail {
    usage(format!(
        "invalid value {q} for option --format: unknown format {q}",
        q = go_quote(format)
    ))
}

/// `-m, --model NAME`, taken by every command that works in a model.
const MODEL: (&[&str], bool) = (&["m", "model"], true);
/// `--format FORMAT`.
const FORMAT: (&[&str], bool) = (&["format"], true);
/// `-c, --controller NAME` (accepted and ignored: there is one controller).
const CONTROLLER_FLAG: (&[&str], bool) = (&["c", "controller"], true);

pub const HELP: &str = "juju-local: a local Juju for integration tests (the juju CLI subset, a unit agent and the hook tools)

Usage: juju-local <command> [options]

Commands:
  version                         print the Juju version this emulates (--all, --format json)
  controllers, show-controller    the local controller
  add-model NAME                  create a model (and switch to it)
  destroy-model NAME              remove a model and everything in it
  models, switch NAME             list models, choose the current one
  show-model [MODEL]              the model's details (--format json)
  model-config [k | k=v ...]      show or set model config (--reset k,...)
  deploy CHARM.charm [APP]        unpack a local charm and run its storage-attached hooks, install, the peer
                                  relations' created hooks, leader-elected, config-changed, start (-n N,
                                  --config k=v, --resource name=PATH, --storage name=POOL,COUNT,SIZE)
  refresh APP --path FILE.charm   replace an application's charm with a local one and run upgrade-charm, config-changed
  add-unit APP [-n N]             add units, which run the deploy hooks and join the relations
  remove-unit UNIT...             units detach their storage, depart their relations, run stop and remove, and go
  remove-application APP...       remove applications, their units and relations
  integrate A[:EP] B[:EP]         relate two applications and run the relation hooks on both sides
  remove-relation A[:EP] B[:EP]   remove a relation (or by id) and run departed and broken
  status                          applications, units and their relations (--format json)
  run UNIT ACTION [k=v ...]       run an action (--params FILE, --format json, --string-args)
  show-task ID                    a finished task
  exec --unit UNIT -- COMMAND     run a command in the unit's hook context
  debug-log                       the units' logs (--limit N, --include UNIT)
  config APP [k=v ...]            show or set application config
  show-unit UNIT                  a unit's details and relation data (--format json)
  ssh UNIT [COMMAND]              run a command in the unit's directory (stdin passed through)
  scp [-- -r] SRC... DST          copy files to or from UNIT:PATH
  trust APP [--remove]            set the application's trust
  attach-resource APP name=PATH   replace an application's file resource and run upgrade-charm
  resources APP                   the application's resources (--format json)
  add-storage UNIT name[=DIR]...  add storage instances to a unit and run their storage-attached hooks
  storage                         the model's storage instances (--format json|yaml)
  expose APP, unexpose APP        set or clear the application's exposed flag (no firewall here)
  add-secret NAME k=v...          a user secret owned by the model; prints its URI (--info D, --file F)
  update-secret ID|NAME k=v...    new content or metadata (--info, --name, --file, --auto-prune)
  grant-secret ID|NAME APP[,APP]  let applications read a user secret (revoke-secret undoes it)
  remove-secret ID|NAME           remove a user secret, or one --revision
  show-secret ID|NAME             a secret's details (--reveal, --revision N, --revisions, --format json)
  secrets                         the model's secrets (--owner TAG, --format json|yaml)
  advance-clock DURATION          not Juju's: move the model's clock forward (90m, 25h) and run the
                                  secret-rotate and secret-expired hooks that fall due

Hooks run inside the command that causes them, with those that follow (relation data changes) until
none is left; JUJU_LOCAL_MAX_HOOKS (default 5000) bounds them. Secret rotation and expiry follow the
model's clock, which only advance-clock moves ahead of the real one.

Common option: -m, --model [CONTROLLER:][USER/]MODEL (the controller is juju-local, the user admin). State lives in $JUJU_LOCAL_HOME (default ~/.local/share/juju-local).
";

/// Runs `juju <command> <args…>` against the state under `$JUJU_LOCAL_HOME`.
pub fn main(command: &str, args: &[String]) -> Result<Output> {
    let home = Home::from_env();
    match command {
        "version" => version::version(args),
        "help" | "--help" | "-h" => Ok(Output::out(HELP)),
        "controllers" | "show-controller" => models::controllers(&home, command, args),
        "add-model" => models::add_model(&home, args),
        "destroy-model" => models::destroy_model(&home, args),
        "models" => models::models(&home, args),
        "show-model" => show::show_model(&home, args),
        "model-config" => model_config::model_config(&home, args),
        "show-unit" => show::show_unit(&home, args),
        "switch" => models::switch(&home, args),
        "deploy" => deploy::deploy(&home, args),
        "refresh" => deploy::refresh(&home, args),
        "add-unit" => units::add_unit(&home, args),
        "remove-unit" => units::remove_unit(&home, args),
        "remove-application" => units::remove_application(&home, args),
        "integrate" | "relate" => relations::integrate(&home, args),
        "remove-relation" => relations::remove_relation(&home, args),
        "status" => status::status(&home, args),
        "run" => run::run(&home, args),
        "show-task" => run::show_task(&home, args),
        "exec" => exec::exec(&home, args),
        "debug-log" => debug_log::debug_log(&home, args),
        "config" => config::config(&home, args),
        worker::WORKER_COMMAND => worker::run_task(&home, args),
        "ssh" => ssh::ssh(&home, args),
        "scp" => ssh::scp(&home, args),
        "trust" => ssh::trust(&home, args),
        "attach-resource" => resources::attach_resource(&home, args),
        "resources" | "list-resources" => resources::list(&home, args),
        // Storage and exposure.
        "add-storage" => storage::add_storage(&home, args),
        "storage" | "list-storage" => storage::list(&home, args),
        "expose" | "unexpose" => storage::expose(&home, command, args),
        // Secrets (`advance-clock` is the local Juju's own).
        "add-secret" => secrets::add_secret(&home, args),
        "update-secret" => secrets::update_secret(&home, args),
        "grant-secret" => secrets::grant_secret(&home, args),
        "revoke-secret" => secrets::revoke_secret(&home, args),
        "remove-secret" => secrets::remove_secret(&home, args),
        "show-secret" => secrets::show_secret(&home, args),
        "secrets" | "list-secrets" => secrets::list_secrets(&home, args),
        "advance-clock" => secrets::advance_clock(&home, args),
        other => Err(usage(format!("unrecognized command: juju {other}"))),
    }
}

/// Rows as Go's tabwriter lays out Juju's tables: each cell padded to its column's widest plus
/// two spaces, but the last; trailing spaces trimmed.
fn tabulate<const N: usize>(rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < N {
                line.push_str(&" ".repeat(widths[c] - cell.len() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A value as `--format json` (one line) or YAML prints it.
fn json_or_yaml(value: &serde_json::Value, format: Option<&str>) -> String {
    match format {
        Some("json") => format!("{value}\n"),
        _ => serde_saphyr::to_string(value).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_padded_as_tabwriter_pads_them() {
        let rows = [
            ["Unit", "Status", "Message"].map(str::to_owned),
            ["app/10", "ok", ""].map(str::to_owned),
        ];
        assert_eq!(tabulate(&rows), "Unit    Status  Message\napp/10  ok\n");
    }
}
