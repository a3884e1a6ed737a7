//! The local Juju end to end: the binary as `juju` CLI and hook tools, against small test charms
//! (shell `dispatch` scripts), the Rust example charm's behaviour rows of the contract's outcome
//! table, archive rejections, concurrency, a killed command, `refresh` to a new charm, a
//! Python `ops` charm, and the benchmark records read through the `records` API.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use support::{BIN, Entry, Juju, MANIFEST};

impl Juju {
    fn deploy(&self, charm: &Path) -> Output {
        self.cmd(&["deploy", charm.to_str().unwrap(), "app", "-m", "m"])
    }
}

/// Zips `entries` into a charm at `path`; one with a `metadata.yaml` and no `manifest.yaml` gets
/// [`MANIFEST`], as every charm charmcraft packs has one (Juju refuses a charm without bases).
fn zip_charm(path: &Path, entries: &[Entry<'_>]) {
    let names: Vec<&str> = entries.iter().map(|(name, _, _)| *name).collect();
    let mut entries = entries.to_vec();
    if names.contains(&"metadata.yaml") && !names.contains(&"manifest.yaml") {
        entries.push(("manifest.yaml", MANIFEST.as_bytes(), 0o644));
    }
    support::zip(path, &entries);
}

const METADATA: &[u8] = b"name: test-charm\nsummary: s\ndescription: d\n";
const ACTIONS: &[u8] = b"
ok: {params: {n: {type: integer, default: 7}, nested: {type: object, properties: {k: {type: string, default: dk}}}}}
fail: {}
crash: {}
binary: {}
bad-key: {}
sleep: {params: {id: {type: string}, secs: {type: number, default: 0}}}
strict: {params: {q: {type: integer, minimum: 0, maximum: 9}}, required: [q], additionalProperties: false}
echo: {params: {v: {type: string}}}
killed: {}
";
const CONFIG: &[u8] = b"options:\n  fail-install: {type: boolean, default: false}\n  greeting: {type: string, default: hi}\n";

/// A charm whose dispatch does what each action's name says.
const DISPATCH: &[u8] = br#"#!/bin/sh
case "$JUJU_DISPATCH_PATH" in
hooks/install)
  status-set maintenance installing
  [ "$(config-get fail-install)" = "True" ] && { echo "install exploded" >&2; exit 1; }
  status-set active "greeting $(config-get greeting)" ;;
hooks/*) ;;
actions/ok)
  action-log "working on $(action-get n)"
  action-set a.b="$(action-get nested.k)" c=2 params="$(action-get --format=json)" env="$JUJU_ACTION_NAME/$JUJU_ACTION_UUID/$JUJU_HOOK_NAME/$JUJU_UNIT_NAME"
  juju-log -l WARNING "logged from ok" ;;
actions/fail)
  action-fail "nope"
  action-set still=running ;;
actions/crash)
  echo "about to crash" >&2
  action-fail "ignored"
  exit 3 ;;
actions/binary)
  printf '\377\376' ;;
actions/bad-key)
  action-set Bad_Key=1 2>/tmp/juju-local-bad-key.$$; rc=$?
  action-set rc=$rc err="$(cat /tmp/juju-local-bad-key.$$)"; rm -f /tmp/juju-local-bad-key.$$
  action-set stdout=x 2>/dev/null; action-set reserved-rc=$? ;;
actions/sleep)
  echo "start $(action-get id)" >> "$CHARM_DIR/../trace"
  sleep "$(action-get secs)"
  echo "end $(action-get id)" >> "$CHARM_DIR/../trace"
  action-set id="$(action-get id)" task="$JUJU_ACTION_UUID" ;;
actions/strict) action-set q="$(action-get q)" ;;
actions/killed) action-log "about to be killed"; action-set partial=yes; kill -9 $$ ;;
actions/echo) action-set v="$(action-get v)" eq='a=b=c' nl="$(printf 'one\ntwo')" ;;
esac
"#;

fn test_charm(dir: &Path) -> PathBuf {
    let path = dir.join("test.charm");
    zip_charm(
        &path,
        &[
            ("metadata.yaml", METADATA, 0o644),
            ("actions.yaml", ACTIONS, 0o644),
            ("config.yaml", CONFIG, 0o644),
            ("dispatch", DISPATCH, 0o755),
        ],
    );
    path
}

fn deployed() -> Juju {
    let juju = Juju::new();
    let out = juju.deploy(&test_charm(juju.home.path()));
    assert!(out.status.success(), "{out:?}");
    juju
}

#[test]
fn deploy_runs_the_hooks_and_status_shows_the_unit() {
    let juju = deployed();
    let status = juju.status();
    let unit = &status["applications"]["app"]["units"]["app/0"];
    assert_eq!(unit["workload-status"]["current"], "active");
    assert_eq!(unit["workload-status"]["message"], "greeting hi");
    assert_eq!(unit["juju-status"]["current"], "idle");
    assert_eq!(unit["leader"], true);
    assert_eq!(status["applications"]["app"]["charm"], "test-charm");
}

#[test]
fn a_failing_hook_puts_the_unit_in_error() {
    let juju = Juju::new();
    let charm = test_charm(juju.home.path());
    let out = juju.cmd(&[
        "deploy",
        charm.to_str().unwrap(),
        "app",
        "-m",
        "m",
        "--config",
        "fail-install=true",
    ]);
    assert!(out.status.success(), "{out:?}");
    let unit = &juju.status()["applications"]["app"]["units"]["app/0"];
    assert_eq!(unit["workload-status"]["current"], "error");
    assert_eq!(
        unit["workload-status"]["message"],
        "hook failed: \"install\""
    );
    let log = String::from_utf8_lossy(&juju.cmd(&["debug-log", "-m", "m"]).stdout).into_owned();
    assert!(
        log.contains("WARNING unit.app/0.install install exploded"),
        "{log}"
    );
}

#[test]
fn a_completed_action_returns_nested_results_defaults_and_logs() {
    let juju = deployed();
    let (task, stderr, code) = juju.run(&["ok"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(task["status"], "completed");
    assert_eq!(task["id"], "1");
    let results = &task["results"];
    assert_eq!(results["a"], json!({"b": "dk"}));
    assert_eq!(results["c"], "2");
    assert_eq!(results["return-code"], 0);
    assert_eq!(
        serde_json::from_str::<Value>(results["params"].as_str().unwrap()).unwrap(),
        json!({"n": 7, "nested": {"k": "dk"}})
    );
    assert_eq!(
        results["env"], "ok/1//app/0",
        "action name, numeric id, empty hook name, unit"
    );
    let log = task["log"][0].as_str().unwrap();
    assert!(
        log.ends_with(" +0000 UTC working on 7")
            && log.len() == "2024-05-01 10:00:00 +0000 UTC working on 7".len(),
        "{log}"
    );
    assert!(stderr.contains("working on 7"), "{stderr}");
    let debug_log = String::from_utf8_lossy(
        &juju
            .cmd(&["debug-log", "-m", "m", "--include", "app/0"])
            .stdout,
    )
    .into_owned();
    assert!(
        debug_log.contains("WARNING unit.app/0.juju-log logged from ok"),
        "{debug_log}"
    );
    let shown = juju.cmd(&["show-task", "1", "-m", "m", "--format", "json"]);
    assert_eq!(
        serde_json::from_slice::<Value>(&shown.stdout).unwrap()["results"]["c"],
        "2"
    );
}

/// The benchmark's records, read through the public `records` API: the action's task with its
/// process time and tool calls, and the unit's last hook (deploy's `start`, which actions leave).
#[test]
fn an_actions_record_and_the_units_last_hook_read_through_the_records_api() {
    use juju_local::records;
    let juju = deployed();
    let (task, stderr, code) = juju.run(&["ok"]);
    assert_eq!(code, 0, "{stderr}");
    let id = task["id"].as_str().unwrap();
    let record = records::task(juju.home.path(), "m", id).unwrap();
    assert_eq!(
        (record.id(), record.unit(), record.action(), record.status()),
        (id, "app/0", "ok", "completed")
    );
    // action-log, action-get ×3, action-set and juju-log.
    assert_eq!(record.tool_calls(), 6);
    assert!(record.process_micros() > 0);

    let unit = records::unit(juju.home.path(), "m", "app/0").unwrap();
    assert_eq!(unit.name(), "app/0");
    let hook = unit.last_hook().unwrap();
    assert_eq!((hook.name(), hook.tool_calls()), ("start", 0));
    assert!(hook.process_micros() > 0);

    let missing = records::task(juju.home.path(), "m", "99").unwrap_err();
    assert!(
        matches!(&missing, records::Error::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{missing}"
    );
    assert!(matches!(
        records::unit(juju.home.path(), "m", "../app/0"),
        Err(records::Error::InvalidName { .. })
    ));
}

#[test]
fn action_fail_with_exit_zero_is_failed_but_juju_run_exits_zero() {
    let juju = deployed();
    let (task, _, code) = juju.run(&["fail"]);
    assert_eq!(code, 0);
    assert_eq!(
        (task["status"].as_str(), task["message"].as_str()),
        (Some("failed"), Some("nope"))
    );
    assert_eq!(
        task["results"],
        json!({"still": "running", "return-code": 0})
    );
}

#[test]
fn a_non_zero_exit_overrides_the_fail_message_and_juju_run_exits_one() {
    let juju = deployed();
    let (task, stderr, code) = juju.run(&["crash"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("ERROR the following task failed:\n - id \"1\" with return code 3"),
        "{stderr}"
    );
    assert_eq!(
        (task["status"].as_str(), task["message"].as_str()),
        (Some("failed"), Some("exit status 3"))
    );
    assert_eq!(task["results"]["stderr"], "about to crash\n");
    assert_eq!(task["results"]["return-code"], 3);
}

/// Juju reads the output by lines and ends each with `\n` before it encodes: 0xff 0xfe becomes
/// base64 of 0xff 0xfe 0x0a.
#[test]
fn non_utf8_output_is_stored_base64() {
    let juju = deployed();
    let (task, _, _) = juju.run(&["binary"]);
    assert_eq!(task["results"]["stdout"], "//4K");
    assert_eq!(task["results"]["stdout-encoding"], "base64");
}

#[test]
fn values_with_equals_signs_newlines_and_large_sizes_round_trip() {
    let juju = deployed();
    let big = "v".repeat(100_000);
    let (task, stderr, code) = juju.run(&["echo", &format!("v={big}")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(task["results"]["v"].as_str().map(str::len), Some(big.len()));
    assert_eq!(task["results"]["eq"], "a=b=c");
    assert_eq!(task["results"]["nl"], "one\ntwo");
}

/// The charm process killed by SIGKILL mid-action: the task fails with Juju's message for it, keeps
/// what the charm logged and set before, and the unit runs the next action.
#[test]
fn a_charm_process_killed_mid_action_fails_the_task_and_the_unit_goes_on() {
    let juju = deployed();
    let (task, stderr, code) = juju.run(&["killed"]);
    assert_eq!(task["status"], "failed", "{task} {stderr}");
    assert_eq!(task["message"], "terminated");
    assert_eq!(task["results"]["return-code"], -1);
    assert_eq!(task["results"]["partial"], "yes");
    assert!(
        task["log"][0]
            .as_str()
            .unwrap()
            .ends_with("about to be killed"),
        "{task}"
    );
    // Juju's CLI exits 1 only for a return code of 1 or more; a signal gives -1.
    assert_eq!(code, 0);
    let (task, _, code) = juju.run(&["echo", "v=after"]);
    assert_eq!((task["status"].as_str(), code), (Some("completed"), 0));
    assert_eq!(
        juju.status()["applications"]["app"]["units"]["app/0"]["juju-status"]["current"],
        "idle"
    );
}

/// Arguments that are not UTF-8 are refused with the argument's position, not a panic.
#[test]
fn non_utf8_arguments_are_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let juju = deployed();
    let out = Command::new(BIN)
        .args(["run", "-m", "m", "app/0", "echo"])
        .arg(std::ffi::OsStr::from_bytes(b"v=\xff\xfe"))
        .env("JUJU_LOCAL_HOME", juju.home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR argument 6 is not valid UTF-8: \"v=\\xFF\\xFE\"\n"
    );
}

#[test]
fn action_set_refuses_bad_and_reserved_keys_with_exit_two() {
    let juju = deployed();
    let (task, _, _) = juju.run(&["bad-key"]);
    let results = &task["results"];
    assert_eq!(results["rc"], "2");
    assert_eq!(
        results["err"],
        "ERROR key \"Bad_Key\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"
    );
    assert_eq!(results["reserved-rc"], "2");
    assert!(results.get("Bad_Key").is_none());
}

#[test]
fn unknown_actions_and_invalid_params_fail_to_schedule() {
    let juju = deployed();
    let (task, stderr, code) = juju.run(&["nope"]);
    assert_eq!((task, code), (Value::Null, 0));
    assert!(
        stderr.contains(
            "failed to schedule any tasks:\naction \"nope\" not defined on unit \"app/0\""
        ),
        "{stderr}"
    );
    // gojsonschema's messages, as Juju prints them (its number messages quote the number).
    for (args, want) in [
        (
            vec!["strict"],
            "(root) : \"q\" property is missing and required, given {}",
        ),
        (
            vec!["strict", "q=12"],
            "(root).q : must be lower than 9, given \"12\"",
        ),
        (
            vec!["strict", "q=x"],
            "(root).q : must be of type integer, given \"x\"",
        ),
        (
            vec!["strict", "q=1", "extra=1"],
            "(root) : additional property \"extra\" is not allowed, given {\"extra\":1,\"q\":1}",
        ),
    ] {
        let (task, stderr, code) = juju.run(&args);
        assert_eq!((task, code), (Value::Null, 0), "{args:?}");
        assert!(
            stderr.contains("validation failed: ") && stderr.contains(want),
            "{args:?}: {stderr}"
        );
    }
    // Values are YAML-typed unless --string-args.
    let (task, _, _) = juju.run(&["strict", "q=4"]);
    assert_eq!(task["results"]["q"], "4");
    let (task, stderr, _) = juju.run(&["strict", "q=4", "--string-args"]);
    assert_eq!(task, Value::Null, "{stderr}");
    // --params file, overridden by arguments.
    let params = juju.path("params.yaml");
    fs::write(&params, "q: 1\n").unwrap();
    let (task, _, _) = juju.run(&["strict", "--params", params.to_str().unwrap(), "q=2"]);
    assert_eq!(task["results"]["q"], "2");
}

#[test]
fn archives_that_escape_or_lack_metadata_are_refused_and_nothing_is_deployed() {
    let juju = Juju::new();
    let dir = juju.home.path();
    let base = [
        ("metadata.yaml", METADATA, 0o644u32),
        ("dispatch", DISPATCH, 0o755),
    ];
    let cases: Vec<(&str, Vec<Entry<'_>>, &str)> = vec![
        (
            "dotdot",
            vec![base[0], base[1], ("../evil", b"x", 0o644)],
            "entry \"../evil\" escapes the charm directory",
        ),
        (
            "absolute",
            vec![base[0], base[1], ("/etc/evil", b"x", 0o644)],
            "escapes the charm directory",
        ),
        (
            "symlink",
            vec![base[0], base[1], ("link", b"../../../etc/passwd", 0o120777)],
            "symlink \"link\" points to \"../../../etc/passwd\", outside the charm directory",
        ),
        (
            "abs-symlink",
            vec![base[0], base[1], ("link", b"/etc/passwd", 0o120777)],
            "outside the charm directory",
        ),
        (
            "no-metadata",
            vec![base[1]],
            "archive file \"metadata.yaml\" not found",
        ),
    ];
    for (name, entries, want) in cases {
        let path = dir.join(format!("{name}.charm"));
        zip_charm(&path, &entries);
        let out = juju.deploy(&path);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{name}: {stderr}");
    }
    let corrupt = dir.join("corrupt.charm");
    fs::write(&corrupt, b"PK\x03\x04 not really a zip").unwrap();
    let out = juju.deploy(&corrupt);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid charm archive"),
        "{out:?}"
    );
    assert_eq!(juju.status()["applications"], json!({}));
    assert!(!dir.join("evil").exists() && !dir.join("models/evil").exists());
}

#[test]
fn a_missing_or_non_executable_dispatch_fails_actions_clearly() {
    let juju = Juju::new();
    let dir = juju.home.path();
    let missing = dir.join("missing.charm");
    zip_charm(
        &missing,
        &[
            ("metadata.yaml", METADATA, 0o644),
            ("actions.yaml", ACTIONS, 0o644),
        ],
    );
    assert!(juju.deploy(&missing).status.success());
    let (task, _, _) = juju.run(&["fail"]);
    assert_eq!(
        (task["status"].as_str(), task["message"].as_str()),
        (
            Some("failed"),
            Some("action not implemented on unit \"app/0\"")
        )
    );

    let juju = Juju::new();
    let plain = juju.home.path().join("plain.charm");
    zip_charm(
        &plain,
        &[
            ("metadata.yaml", METADATA, 0o644),
            ("actions.yaml", ACTIONS, 0o644),
            ("dispatch", DISPATCH, 0o644),
        ],
    );
    assert!(juju.deploy(&plain).status.success());
    let unit = &juju.status()["applications"]["app"]["units"]["app/0"];
    assert_eq!(
        unit["workload-status"]["message"],
        "hook failed: \"install\""
    );
    let (task, _, _) = juju.run(&["ok"]);
    assert_eq!(task["status"], "failed");
    assert!(
        task["message"]
            .as_str()
            .unwrap()
            .contains("Permission denied"),
        "{task}"
    );
}

#[test]
fn concurrent_runs_on_one_unit_are_serialised_with_their_own_ids_and_results() {
    const RUNS: usize = 50;
    let juju = deployed();
    let home = juju.home.path().to_path_buf();
    let handles: Vec<_> = (0..RUNS)
        .map(|i| {
            let home = home.clone();
            std::thread::spawn(move || {
                let out = Command::new(BIN)
                    .args([
                        "run",
                        "-m",
                        "m",
                        "--format",
                        "json",
                        "app/0",
                        "sleep",
                        &format!("id=r{i}"),
                        "secs=0.01",
                    ])
                    .env("JUJU_LOCAL_HOME", &home)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{out:?}");
                serde_json::from_slice::<Value>(&out.stdout).unwrap()["app/0"].clone()
            })
        })
        .collect();
    let tasks: Vec<Value> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut ids: Vec<&str> = tasks.iter().map(|t| t["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RUNS, "every task has its own id");
    for task in &tasks {
        assert_eq!(
            task["results"]["task"], task["id"],
            "results belong to their own task"
        );
    }
    let trace = fs::read_to_string(juju.path("models/m/apps/app/0/trace")).unwrap();
    let lines: Vec<&str> = trace.lines().collect();
    assert_eq!(lines.len(), 2 * RUNS);
    for pair in lines.chunks(2) {
        assert_eq!(
            pair[0].replace("start", "end"),
            pair[1],
            "actions on a unit never overlap:\n{trace}"
        );
    }
}

#[test]
fn a_killed_command_leaves_the_state_readable_and_the_unit_usable() {
    let juju = deployed();
    let mut child = Command::new(BIN)
        .args([
            "run", "-m", "m", "--format", "json", "app/0", "sleep", "id=slow", "secs=2",
        ])
        .env("JUJU_LOCAL_HOME", juju.home.path())
        .spawn()
        .unwrap();
    // Wait until the action is running (its worker holds the unit lock), then kill -9 the
    // command: the action runs on apart from it, as a task does on Juju, and the next one waits.
    let trace = juju.path("models/m/apps/app/0/trace");
    for _ in 0..200 {
        if fs::read_to_string(&trace).is_ok_and(|t| t.contains("start slow")) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        juju.status()["applications"]["app"]["units"]["app/0"]["workload-status"]["current"],
        "active"
    );
    let (task, stderr, code) = juju.run(&["ok"]);
    assert_eq!(
        (task["status"].as_str(), code),
        (Some("completed"), 0),
        "{stderr}"
    );
}

#[test]
fn exec_runs_in_the_unit_context_and_reports_the_exit_code() {
    let juju = deployed();
    let out = juju.cmd(&[
        "exec",
        "-m",
        "m",
        "--unit",
        "app/0",
        "--format",
        "json",
        "--",
        "pwd; is-leader; unit-get private-address",
    ]);
    let task = &serde_json::from_slice::<Value>(&out.stdout).unwrap()["app/0"];
    let stdout = task["results"]["stdout"].as_str().unwrap();
    assert!(stdout.ends_with("/charm\nTrue\n127.0.0.1\n"), "{stdout}");
    let out = juju.cmd(&[
        "exec", "-m", "m", "--unit", "app/0", "--format", "json", "--", "exit 4",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["app/0"]["results"]["return-code"],
        4
    );
}

#[test]
fn config_changes_run_config_changed_and_show_in_config() {
    let juju = deployed();
    assert!(
        juju.cmd(&["config", "app", "greeting=hello", "-m", "m"])
            .status
            .success()
    );
    let shown: Value = serde_json::from_slice(
        &juju
            .cmd(&["config", "app", "-m", "m", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(shown["settings"]["greeting"]["value"], "hello");
    assert_eq!(shown["settings"]["greeting"]["source"], "user");
    let out = juju.cmd(&["config", "app", "fail-install=maybe", "-m", "m"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("option \"fail-install\" expected boolean"),
        "{out:?}"
    );
}

/// The test charm's next version: the same name, a `colour` option instead of `greeting`, a
/// `which` action, and a dispatch that records each hook in `hooks` beside the charm and fails
/// `upgrade-charm` when the archive holds a `fail-upgrade` file.
const CONFIG_V2: &[u8] = b"options:\n  fail-install: {type: boolean, default: false}\n  colour: {type: string, default: blue}\n";
const ACTIONS_V2: &[u8] = b"which: {}\nok: {}\n";
const DISPATCH_V2: &[u8] = br#"#!/bin/sh
case "$JUJU_DISPATCH_PATH" in
hooks/*)
  echo "${JUJU_DISPATCH_PATH#hooks/}" >> "$CHARM_DIR/../hooks"
  [ "$JUJU_DISPATCH_PATH" = hooks/upgrade-charm ] && [ -e "$CHARM_DIR/fail-upgrade" ] && exit 1
  status-set active "v2 colour $(config-get colour)" ;;
actions/which) action-set version=2 colour="$(config-get colour)" ;;
actions/ok) action-set v2=yes ;;
esac
"#;

/// The version-2 test charm at `dir/name`, under the charm name `charm`, with `extra` entries.
fn test_charm_v2(dir: &Path, name: &str, charm: &str, extra: &[Entry<'_>]) -> PathBuf {
    let path = dir.join(name);
    let metadata = format!("name: {charm}\nsummary: s\ndescription: d\n");
    let mut entries: Vec<Entry<'_>> = vec![
        ("metadata.yaml", metadata.as_bytes(), 0o644),
        ("actions.yaml", ACTIONS_V2, 0o644),
        ("config.yaml", CONFIG_V2, 0o644),
        ("dispatch", DISPATCH_V2, 0o755),
    ];
    entries.extend_from_slice(extra);
    zip_charm(&path, &entries);
    path
}

impl Juju {
    fn refresh(&self, charm: &Path) -> Output {
        self.cmd(&[
            "refresh",
            "app",
            "--path",
            charm.to_str().unwrap(),
            "-m",
            "m",
        ])
    }

    fn charm_rev(&self) -> Value {
        self.status()["applications"]["app"]["charm-rev"].clone()
    }

    /// What is left in the model and unit directories besides the state itself.
    fn leftovers(&self) -> Vec<String> {
        let mut names = Vec::new();
        for dir in ["models/m", "models/m/apps/app/0"] {
            for entry in fs::read_dir(self.path(dir)).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                if name.starts_with(".refresh-") || name.starts_with(".charm.") {
                    names.push(name);
                }
            }
        }
        names
    }
}

#[test]
fn refresh_swaps_the_charm_runs_upgrade_charm_then_config_changed_and_bumps_the_revision() {
    let juju = deployed();
    assert_eq!(juju.charm_rev(), 0);
    let set = juju.cmd(&["config", "app", "greeting=hello", "-m", "m"]);
    assert!(set.status.success(), "{set:?}");
    let (task, _, _) = juju.run(&["which"]);
    assert_eq!(task, Value::Null, "no `which` action before the refresh");

    let v2 = test_charm_v2(juju.home.path(), "v2.charm", "test-charm", &[]);
    let out = juju.refresh(&v2);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Added local charm \"test-charm\", revision 1, to the model\n"
    );
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(
        fs::read_to_string(juju.path("models/m/apps/app/0/hooks")).unwrap(),
        "upgrade-charm\nconfig-changed\n"
    );
    assert_eq!(juju.charm_rev(), 1);
    let unit = &juju.status()["applications"]["app"]["units"]["app/0"];
    assert_eq!(unit["workload-status"]["message"], "v2 colour blue");
    assert_eq!(unit["juju-status"]["current"], "idle");

    // The new charm's actions, config and dispatch.
    let (task, stderr, code) = juju.run(&["which"]);
    assert_eq!(
        (task["status"].as_str(), code),
        (Some("completed"), 0),
        "{stderr}"
    );
    assert_eq!(task["results"]["version"], "2");
    assert_eq!(task["results"]["colour"], "blue");
    let out = juju.cmd(&[
        "exec",
        "-m",
        "m",
        "--unit",
        "app/0",
        "--format",
        "json",
        "--",
        "cat dispatch",
    ]);
    let stdout =
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["app/0"]["results"]["stdout"].clone();
    assert_eq!(stdout, String::from_utf8_lossy(DISPATCH_V2).into_owned());
    let shown: Value = serde_json::from_slice(
        &juju
            .cmd(&["config", "app", "-m", "m", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(shown["settings"].get("greeting"), None, "{shown}");
    assert_eq!(shown["settings"]["colour"]["value"], "blue");
    assert_eq!(shown["settings"]["colour"]["source"], "default");

    // Again: the revision keeps counting, and nothing is left behind.
    let out = juju.refresh(&v2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("revision 2, to the model"),
        "{out:?}"
    );
    assert_eq!(juju.charm_rev(), 2);
    assert_eq!(juju.leftovers(), Vec::<String>::new());

    // Back to the first charm: `greeting` was dropped with v2, so it is the default again.
    let out = juju.refresh(&test_charm(juju.home.path()));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(juju.charm_rev(), 3);
    let shown: Value = serde_json::from_slice(
        &juju
            .cmd(&["config", "app", "-m", "m", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(shown["settings"]["greeting"]["value"], "hi", "{shown}");
    assert_eq!(shown["settings"]["greeting"]["source"], "default");
}

#[test]
fn refresh_reaches_every_unit_and_a_failing_upgrade_hook_stops_that_unit() {
    let juju = Juju::new();
    let charm = test_charm(juju.home.path());
    let out = juju.cmd(&[
        "deploy",
        charm.to_str().unwrap(),
        "app",
        "-m",
        "m",
        "-n",
        "2",
    ]);
    assert!(out.status.success(), "{out:?}");
    let failing = test_charm_v2(
        juju.home.path(),
        "failing.charm",
        "test-charm",
        &[("fail-upgrade", b"", 0o644)],
    );
    let out = juju.refresh(&failing);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for n in 0..2 {
        assert!(
            stderr.contains(&format!("unit app/{n}: hook failed: \"upgrade-charm\"\n")),
            "{stderr}"
        );
        assert_eq!(
            fs::read_to_string(juju.path(&format!("models/m/apps/app/{n}/hooks"))).unwrap(),
            "upgrade-charm\n",
            "config-changed does not run after a failed upgrade-charm"
        );
        let unit = &juju.status()["applications"]["app"]["units"][format!("app/{n}")];
        assert_eq!(
            unit["workload-status"]["message"],
            "hook failed: \"upgrade-charm\""
        );
    }
    assert_eq!(juju.charm_rev(), 1);
}

#[test]
fn refresh_refusals_leave_the_deployed_charm_in_place_and_working() {
    let juju = deployed();
    let dir = juju.home.path();
    let v2 = test_charm_v2(dir, "v2.charm", "test-charm", &[]);
    let v2 = v2.to_str().unwrap();
    let stderr = |out: &Output| String::from_utf8_lossy(&out.stderr).into_owned();

    let out = juju.cmd(&["refresh", "nope", "--path", "x.charm", "-m", "m"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(stderr(&out), "ERROR application \"nope\" not found\n");

    let other = test_charm_v2(dir, "other.charm", "other-charm", &[]);
    let out = juju.refresh(&other);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        stderr(&out),
        "ERROR cannot refresh \"test-charm\" to \"other-charm\"\n"
    );

    let out = juju.cmd(&["refresh", "app", "-m", "m"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr(&out).contains("refresh needs --path"), "{out:?}");
    let out = juju.cmd(&["refresh", "--path", v2, "-m", "m"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");

    for flag in ["--switch", "--channel", "--revision"] {
        let out = juju.cmd(&["refresh", "app", flag, "x", "--path", v2, "-m", "m"]);
        assert_eq!(out.status.code(), Some(1), "{flag}: {out:?}");
        assert!(
            stderr(&out).starts_with(&format!(
                "ERROR {flag} is not supported: juju-local refreshes from local .charm files only"
            )),
            "{flag}: {out:?}"
        );
    }

    let out = juju.cmd(&["refresh", "app", "--path", "missing.charm", "-m", "m"]);
    assert_eq!(stderr(&out), "ERROR no charm found at \"missing.charm\"\n");

    let corrupt = dir.join("corrupt.charm");
    fs::write(&corrupt, b"PK\x03\x04 not really a zip").unwrap();
    let out = juju.refresh(&corrupt);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr(&out).contains("invalid charm archive"), "{out:?}");
    let escaping = dir.join("escaping.charm");
    zip_charm(
        &escaping,
        &[("metadata.yaml", METADATA, 0o644), ("../evil", b"x", 0o644)],
    );
    let out = juju.refresh(&escaping);
    assert!(
        stderr(&out).contains("escapes the charm directory"),
        "{out:?}"
    );
    let bad_metadata = dir.join("bad-metadata.charm");
    zip_charm(
        &bad_metadata,
        &[("metadata.yaml", b"name: test-charm\n", 0o644)],
    );
    let out = juju.refresh(&bad_metadata);
    assert!(stderr(&out).contains("metadata: summary"), "{out:?}");

    // Nothing changed: revision, charm, hooks, settings; the old dispatch still answers.
    assert_eq!(juju.charm_rev(), 0);
    assert!(!juju.path("models/m/apps/app/0/hooks").exists());
    assert_eq!(juju.leftovers(), Vec::<String>::new());
    let (task, stderr, code) = juju.run(&["ok"]);
    assert_eq!(
        (task["status"].as_str(), code),
        (Some("completed"), 0),
        "{stderr}"
    );
    assert_eq!(task["results"]["c"], "2");
}

#[test]
fn models_are_created_listed_and_destroyed() {
    let juju = deployed();
    let out = juju.cmd(&["add-model", "m"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("model \"m\" already exists"));
    assert!(
        juju.cmd(&["destroy-model", "m", "--no-prompt", "--force"])
            .status
            .success()
    );
    let models: Value =
        serde_json::from_slice(&juju.cmd(&["models", "--format", "json"]).stdout).unwrap();
    assert_eq!(models["models"], json!([]));
    let out = juju.cmd(&["status", "-m", "m"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("model \"m\" not found"),
        "{out:?}"
    );
    let out = juju.cmd(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hook_tools_outside_a_context_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let tool = dir.path().join("action-get");
    std::os::unix::fs::symlink(BIN, &tool).unwrap();
    let out = Command::new(&tool)
        .env_remove("JUJU_CONTEXT_ID")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR JUJU_CONTEXT_ID not set\n"
    );
}

/// The ops docs' snapshot charm in Python with `ops` (its venv built from PyPI) runs under the
/// local Juju with the same results shape as the Rust charm.
#[test]
fn a_python_ops_charm_runs_its_action() {
    let juju = Juju::new();
    let charm = python_charm(juju.home.path());
    let out = juju.cmd(&["deploy", charm.to_str().unwrap(), "app", "-m", "m"]);
    assert!(out.status.success(), "{out:?}");
    let unit = &juju.status()["applications"]["app"]["units"]["app/0"];
    assert_eq!(unit["workload-status"]["current"], "active", "{unit}");
    let (task, stderr, code) = juju.run(&["snapshot", "filename=db-snapshot.tar.gz"]);
    assert_eq!(
        (task["status"].as_str(), code),
        (Some("completed"), 0),
        "{task} {stderr}"
    );
    assert_eq!(
        task["results"]["result"],
        "Stored snapshot in db-snapshot.tar.gz."
    );
    assert!(
        task["results"]["snapshot-size"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
    let (task, _, _) = juju.run(&["snapshot", "filename=db-snapshot.tar.gz"]);
    assert_eq!(task["status"], "failed");
    assert!(
        task["message"].as_str().unwrap().contains("already exists"),
        "{task}"
    );
}

/// Packs `bench/snapshot-py` into `dir` with a venv of `ops` and `pydantic` (installed once,
/// cached under the target dir).
fn python_charm(dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/snapshot-py");
    // The versions `cargo xtask bench` ships too (juju_xtask::oracle): pinned, so a release
    // cannot change this test's verdict overnight.
    const PACKAGES: [&str; 2] = ["ops==3.9.0", "pydantic==2.14.4"];
    let venv = support::pip_target("ops-pydantic", &PACKAGES);
    let path = dir.join("snapshot-py.charm");
    support::zip_trees(&path, &[(&source, ""), (&venv, "venv/")], &[]);
    path
}

/// `status-set --application` (the leader only) sets the application's status, which `juju
/// status` shows instead of the one it derives from the units.
#[test]
fn the_leader_sets_the_application_status() {
    let juju = deployed();
    let out = juju.cmd(&[
        "exec",
        "-m",
        "m",
        "--unit",
        "app/0",
        "--",
        "status-set --application blocked 'needs a relation'",
    ]);
    assert!(out.status.success(), "{out:?}");
    let status = juju.status();
    let app = &status["applications"]["app"];
    assert_eq!(app["application-status"]["current"], "blocked", "{app}");
    assert_eq!(
        app["application-status"]["message"], "needs a relation",
        "{app}"
    );
    assert_eq!(
        app["units"]["app/0"]["workload-status"]["current"], "active",
        "the unit's own status is unchanged: {app}"
    );
}
