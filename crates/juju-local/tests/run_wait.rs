//! `juju run` waiting as Juju's client does (`cmd/juju/action/common.go`): tasks run in a
//! detached worker, `--wait` bounds only the wait (a timed-out wait is Juju's error, the task
//! goes on and `show-task` later shows it completed), `--background` returns at once with
//! Juju's "Scheduled operation" lines, and a dead worker fails its task with "action
//! terminated". The actions block until the test releases them (a file the test creates).

mod support;

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{BIN, Juju};

impl Juju {
    /// A local Juju home with one model, `m`, and the blocking charm deployed as `app`.
    fn deployed(units: &str) -> Juju {
        let juju = Juju::new();
        let charm = support::charm(
            &juju.path("block.charm"),
            &[("metadata.yaml", METADATA), ("actions.yaml", ACTIONS)],
            DISPATCH,
        );
        let out = juju.cmd(&["deploy", charm.to_str().unwrap(), "app", "-n", units]);
        assert!(out.status.success(), "{out:?}");
        juju
    }

    /// A file in unit `n`'s directory (the charm's `$CHARM_DIR/..`).
    fn unit_file(&self, n: u32, name: &str) -> PathBuf {
        self.path(&format!("models/m/apps/app/{n}/{name}"))
    }

    /// Lets unit `n`'s blocked action finish.
    fn release(&self, n: u32) {
        fs::write(self.unit_file(n, "release"), b"").unwrap();
    }

    /// Waits until unit `n`'s action is blocked; returns its worker's pid.
    fn blocked(&self, n: u32) -> u32 {
        let path = self.unit_file(n, "blocked");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(pid) = fs::read_to_string(&path).unwrap_or_default().trim().parse() {
                return pid;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the action never started");
    }

    fn show_task(&self, id: &str) -> Value {
        let out = self.cmd(&["show-task", id, "--format", "json"]);
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Polls `show-task` until the task has finished.
    fn finished(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let task = self.show_task(id);
            if !["pending", "running"].contains(&task["status"].as_str().unwrap_or_default()) {
                return task;
            }
            assert!(
                Instant::now() < deadline,
                "task {id} never finished: {task}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const METADATA: &[u8] = b"name: block-charm\nsummary: s\ndescription: d\n";
const ACTIONS: &[u8] = b"block: {}\nquick: {}\nexit2: {}\nbinary: {}\n";
/// `block` records its worker's pid (the dispatch's parent) and waits for `release`.
const DISPATCH: &[u8] = br#"#!/bin/sh
case "$JUJU_DISPATCH_PATH" in
actions/block)
  echo "$PPID" > "$CHARM_DIR/../blocked"
  while [ ! -e "$CHARM_DIR/../release" ]; do sleep 0.02; done
  echo released
  action-set done=yes ;;
actions/quick) action-set q=1 ;;
actions/exit2) echo out; exit 2 ;;
actions/binary) printf '\377\376' ;;
esac
"#;

/// `--wait 1s` on a blocked action: Juju's timeout error (exit 1) after its progress lines; the
/// task keeps running and, released, `show-task` reports it completed with its results.
#[test]
fn a_timed_out_wait_is_an_error_and_the_task_completes_later() {
    let juju = Juju::deployed("1");
    let out = juju.cmd(&["run", "app/0", "block", "--wait", "1s"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        text(&out.stderr),
        "Running operation 1 with 1 task\n  - task 1 on unit-app-0\n\nWaiting for task 1...\n\
         ERROR timed out waiting for results from: unit app/0\n"
    );
    assert_eq!(text(&out.stdout), "");
    juju.blocked(0);
    let task = juju.show_task("1");
    assert_eq!(task["status"], "running", "{task}");
    assert!(task["timing"]["started"].is_string(), "{task}");
    assert!(task["timing"].get("completed").is_none(), "{task}");

    juju.release(0);
    let task = juju.finished("1");
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["results"]["done"], "yes");
    assert_eq!(task["results"]["stdout"], "released\n");
    assert!(task["timing"]["completed"].is_string(), "{task}");
}

/// `--background` returns at once (the action is still blocked) with Juju's lines; the unit's
/// lock still serialises: a second action waits behind the first.
#[test]
fn background_returns_at_once_and_the_task_runs() {
    let juju = Juju::deployed("1");
    let out = juju.cmd(&["run", "app/0", "block", "--background"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        text(&out.stderr),
        "Scheduled operation 1 with task 1\n\
         Check operation status with 'juju show-operation 1'\n\
         Check task status with 'juju show-task 1'\n"
    );
    assert_eq!(text(&out.stdout), "");
    juju.blocked(0);

    let out = juju.cmd(&["run", "app/0", "quick", "--wait=500ms"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).ends_with("ERROR timed out waiting for results from: unit app/0\n"));
    assert_eq!(juju.show_task("2")["status"], "pending");

    juju.release(0);
    let out = juju.cmd(&["run", "app/0", "quick", "--format", "json"]);
    assert!(out.status.success(), "{out:?}");
    let tasks: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tasks["app/0"]["results"]["q"], "1");
    assert_eq!(juju.finished("1")["status"], "completed");
    assert_eq!(juju.finished("2")["status"], "completed");
}

/// Several units: `--background` lists the tasks by unit as YAML on stdout; a timed-out wait
/// names every unit without a result, in tag order.
#[test]
fn several_units_are_listed_and_named_in_the_timeout() {
    let juju = Juju::deployed("2");
    let out = juju.cmd(&["run", "app/0", "app/1", "block", "--background"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        "app/0:\n  id: \"1\"\napp/1:\n  id: \"2\"\n"
    );
    assert_eq!(
        text(&out.stderr),
        "Scheduled operation 1 with 2 tasks\n\
         Check operation status with 'juju show-operation 1'\n\
         Check task status with 'juju show-task <id>'\n"
    );
    juju.blocked(0);
    juju.blocked(1);
    let out = juju.cmd(&["run", "app/0", "app/1", "quick", "--wait", "300ms"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).starts_with(
            "Running operation 3 with 2 tasks\n  - task 3 on unit-app-0\n  - task 4 on unit-app-1\n\n"
        ),
        "{out:?}"
    );
    assert!(
        text(&out.stderr)
            .ends_with("ERROR timed out waiting for results from: unit app/0, unit app/1\n"),
        "{out:?}"
    );
    juju.release(0);
    juju.release(1);
    for id in ["1", "2", "3", "4"] {
        assert_eq!(juju.finished(id)["status"], "completed");
    }
}

/// The flags as `runCommandBase.Init` checks them (usage errors, exit 2).
#[test]
fn wait_and_background_flags_are_checked_as_juju_checks_them() {
    let juju = Juju::deployed("1");
    let out = juju.cmd(&["run", "app/0", "quick", "--wait", "2s", "--background"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        text(&out.stderr),
        "ERROR cannot specify both --wait and --background\n"
    );
    let out = juju.cmd(&["run", "app/0", "quick", "--wait", "5"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        text(&out.stderr),
        "ERROR invalid value \"5\" for flag --wait: time: missing unit in duration \"5\"\n"
    );
    // `--wait=0` is the default wait; a negative wait has no limit.
    for wait in ["--wait=0", "--wait=-1s"] {
        let out = juju.cmd(&["run", "app/0", "quick", wait]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(text(&out.stdout), "q: \"1\"\n\n", "{wait}");
    }
}

/// A `juju run` killed while it waits leaves the task to finish.
#[test]
fn a_killed_waiting_run_leaves_the_task_to_finish() {
    let juju = Juju::deployed("1");
    let mut child = Command::new(BIN)
        .args(["run", "app/0", "block"])
        .env("JUJU_LOCAL_HOME", juju.home.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    juju.blocked(0);
    child.kill().unwrap();
    child.wait().unwrap();
    juju.release(0);
    let task = juju.finished("1");
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["results"]["done"], "yes");
}

/// The worker killed mid-action: the task fails with Juju's "action terminated" (what the
/// uniter's `failAction` records for an interrupted action) and the unit runs the next one.
#[test]
fn a_killed_worker_fails_its_task_and_the_unit_goes_on() {
    let juju = Juju::deployed("1");
    let out = juju.cmd(&["run", "app/0", "block", "--background"]);
    assert!(out.status.success(), "{out:?}");
    let worker = juju.blocked(0);
    let kill = Command::new("kill")
        .args(["-9", &worker.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let task = juju.finished("1");
    assert_eq!(task["status"], "failed", "{task}");
    assert_eq!(task["message"], "action terminated");
    // The orphaned charm process ends when released.
    juju.release(0);
    let out = juju.cmd(&["run", "app/0", "quick", "--format", "json"]);
    assert!(out.status.success(), "{out:?}");
    let names: Vec<String> = fs::read_dir(juju.home.path().join("models/m/tasks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(
        names,
        ["1.json", "2.json"],
        "no request or lock files are left"
    );
}

/// Plain output and failures as `printPlainOutput` and `processOperationResults` print them:
/// the encoding key hidden, the process output after a blank line, "tasks"/"failures" plural.
#[test]
fn plain_output_and_the_failure_message_follow_juju() {
    let juju = Juju::deployed("2");
    let out = juju.cmd(&["run", "app/0", "binary"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "\n//4K\n");
    let out = juju.cmd(&["run", "app/0", "exit2"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        "Action id 2 failed: exit status 2\n\nout\n"
    );
    assert!(
        text(&out.stderr).ends_with(
            "ERROR the following task failed:\n - id \"2\" with return code 2\n\n\
             use 'juju show-task' to inspect the failure\n"
        ),
        "{out:?}"
    );
    let out = juju.cmd(&["run", "app/0", "app/1", "exit2", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).ends_with(
            "ERROR the following tasks failed:\n - id \"3\" with return code 2\n \
             - id \"4\" with return code 2\n\nuse 'juju show-task' to inspect the failures\n"
        ),
        "{out:?}"
    );
}

/// `juju exec` runs apart from the command too: `--wait 1s` on a blocked command is Juju's
/// timeout error and, released, the task completes; machines and `--parallel` are refused by
/// name, and `-o FILE` writes the output there.
#[test]
fn exec_waits_as_run_does_and_refuses_what_one_machine_cannot_do() {
    let juju = Juju::deployed("1");
    let blocking = "while [ ! -e ../release ]; do sleep 0.02; done; echo released";
    let out = juju.cmd(&[
        "exec", "--unit", "app/0", "--wait", "1s", "--format", "json", "--", blocking,
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        text(&out.stderr),
        "ERROR timed out waiting for results from: unit app/0\n"
    );
    juju.release(0);
    let task = juju.finished("1");
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["results"]["stdout"], "released\n", "{task}");

    for flag in [
        ["--machine", "0"].as_slice(),
        ["--all"].as_slice(),
        ["--parallel"].as_slice(),
    ] {
        let mut args = vec!["exec"];
        args.extend_from_slice(flag);
        args.extend(["--unit", "app/0", "--", "true"]);
        let out = juju.cmd(&args);
        assert_eq!(out.status.code(), Some(2), "{flag:?}: {out:?}");
        assert!(
            text(&out.stderr).contains("is not supported"),
            "{flag:?}: {out:?}"
        );
    }

    let file = juju.home.path().join("exec.json");
    let file_arg = file.display().to_string();
    let out = juju.cmd(&[
        "exec", "--unit", "app/0", "--format", "json", "-o", &file_arg, "--", "echo", "hi",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "");
    let written: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written["app/0"]["results"]["stdout"], "hi\n", "{written}");
}

/// `juju run -o FILE` writes the formatted output to the file; `--quiet` drops the progress
/// lines and the action's log from stderr.
#[test]
fn run_writes_its_output_to_a_file_and_quiet_prints_no_progress() {
    let juju = Juju::deployed("1");
    let file = juju.home.path().join("run.json");
    let file_arg = file.display().to_string();
    let out = juju.cmd(&[
        "run", "app/0", "quick", "--format", "json", "-o", &file_arg, "--quiet",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "");
    let written: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written["app/0"]["results"]["q"], "1", "{written}");
    let out = juju.cmd(&["run", "app/0", "quick"]);
    assert!(text(&out.stderr).contains("Waiting for task"), "{out:?}");
}
