//! [`Juju`]: a local Juju home (a temporary directory) and the `juju-local` commands run
//! against it, with the helpers most tests want (a command that must succeed or fail, JSON
//! output, `status`, `juju run` and `juju exec` on one unit, the test charms' log).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::{BIN, Out};

/// A command's arguments, and what it printed (stdout, then stderr).
pub type Seen = (Vec<String>, String);

/// A local Juju home and the commands run against it.
pub struct Juju {
    pub home: tempfile::TempDir,
    /// A directory outside the home where commands run (the test's own directory when `None`).
    work: Option<tempfile::TempDir>,
    /// Every command's arguments and output (stdout, then stderr), when kept.
    seen: Option<RefCell<Vec<Seen>>>,
}

impl Juju {
    /// A home with no model.
    pub fn empty() -> Juju {
        Juju {
            home: tempfile::tempdir().unwrap(),
            work: None,
            seen: None,
        }
    }

    /// A home with one model, `m`, the current one.
    pub fn new() -> Juju {
        Juju::empty().with_model()
    }

    /// Adds model `m`.
    pub fn with_model(self) -> Juju {
        self.ok(&["add-model", "m"]);
        self
    }

    /// Runs the commands in a work directory of their own, outside the home (where relative
    /// paths in their arguments are read, and test charms write).
    pub fn in_work_dir(mut self) -> Juju {
        self.work = Some(tempfile::tempdir().unwrap());
        self
    }

    /// The work directory ([`Juju::in_work_dir`]), else the home: where test charms write.
    pub fn work(&self) -> &Path {
        self.work.as_ref().unwrap_or(&self.home).path()
    }

    /// Keeps every command's output from now on ([`Juju::seen`]).
    pub fn recording(mut self) -> Juju {
        self.seen = Some(RefCell::default());
        self
    }

    /// The commands run since [`Juju::recording`], each with its stdout and stderr.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen
            .as_ref()
            .map(|seen| seen.borrow().clone())
            .unwrap_or_default()
    }

    /// `name` under the home.
    pub fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// The directory test charms write to, `out` in [`Juju::work`], made.
    pub fn out(&self) -> Out {
        Out::new(self.work().join("out"))
    }

    /// The hooks a logging charm logged since the last call, one line each.
    pub fn take_log(&self) -> Vec<String> {
        self.out().take_log()
    }

    /// What every hook of a logging charm runs after logging itself (shell, sourced; `$H` is
    /// the hook's name).
    pub fn hook_script(&self, script: &str) {
        self.out().hook_script(script);
    }

    /// A unit's directory in model `m` (`app/0`: `models/m/apps/app/0`), the parent of its
    /// `$CHARM_DIR`.
    pub fn unit_dir(&self, unit: &str) -> PathBuf {
        let (app, n) = unit.split_once('/').unwrap();
        self.path("models/m/apps").join(app).join(n)
    }

    /// `juju-local ARGS…`.
    pub fn cmd(&self, args: &[&str]) -> Output {
        self.cmd_env(args, &[])
    }

    /// `juju-local ARGS…` with more environment variables.
    pub fn cmd_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("JUJU_LOCAL_HOME", self.home.path())
            .envs(env.iter().copied());
        if let Some(dir) = &self.work {
            command.current_dir(dir.path());
        }
        let out = command.output().unwrap();
        if let Some(seen) = &self.seen {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let args = args.iter().map(|a| (*a).to_owned()).collect();
            seen.borrow_mut().push((args, text));
        }
        out
    }

    /// Runs a command that must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must fail; (exit code, stderr).
    pub fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.cmd(args);
        assert!(!out.status.success(), "{args:?} succeeded: {out:?}");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs a command that must succeed; its stdout as JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// `juju status -m m --format json`.
    pub fn status(&self) -> Value {
        self.json(&["status", "-m", "m", "--format", "json"])
    }

    /// `juju run -m m --format json app/0 ARGS…`: (the unit's task, or `Null` when nothing was
    /// printed; stderr; exit code).
    pub fn run(&self, args: &[&str]) -> (Value, String, i32) {
        let mut all = vec!["run", "-m", "m", "--format", "json", "app/0"];
        all.extend(args);
        let out = self.cmd(&all);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let task = if stdout.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str::<Value>(&stdout).unwrap()["app/0"].clone()
        };
        (
            task,
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }

    /// `juju exec --format json` on one unit: the unit's result object.
    pub fn exec_json(&self, unit: &str, command: &str) -> Value {
        let out = self.cmd(&["exec", "--unit", unit, "--format", "json", "--", command]);
        let json: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{command}: {out:?}"));
        json[unit].clone()
    }

    /// `juju exec` on one unit: (stdout, stderr, return code).
    pub fn exec(&self, unit: &str, command: &str) -> (String, String, i64) {
        let r = self.exec_json(unit, command);
        let results = &r["results"];
        (
            results["stdout"].as_str().unwrap_or_default().to_owned(),
            results["stderr"].as_str().unwrap_or_default().to_owned(),
            results["return-code"].as_i64().unwrap_or(-1),
        )
    }
}
