//! The built charm binary run the way Juju runs it: no arguments, a from-scratch environment,
//! `JUJU_DISPATCH_PATH`, and (stub) hook tools on `PATH` that record how they were called.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;

struct Unit {
    dir: tempfile::TempDir,
}

impl Unit {
    /// A unit directory with a charm dir, stub hook tools and a config pointing into the unit.
    fn new() -> Unit {
        let dir = tempfile::tempdir().unwrap();
        let unit = Unit { dir };
        fs::create_dir_all(unit.charm_dir()).unwrap();
        fs::create_dir_all(unit.tools()).unwrap();
        let log = unit.path("calls.log");
        for tool in [
            "action-set",
            "action-log",
            "action-fail",
            "juju-log",
            "status-set",
            "application-version-set",
        ] {
            unit.stub(tool, &format!("echo \"{tool} $*\" >> '{}'", log.display()));
        }
        unit.stub(
            "action-get",
            &format!(
                "echo \"action-get $*\" >> '{}'; cat '{}'",
                log.display(),
                unit.path("params.json").display()
            ),
        );
        // No storage attached: the charm state holds no `data-dir`.
        unit.stub(
            "state-get",
            &format!("echo \"state-get $*\" >> '{}'; echo '{{}}'", log.display()),
        );
        let config = json!({
            "data-dir": unit.path("data"),
            "snapshot-dir": unit.path("snapshots"),
        });
        unit.stub(
            "config-get",
            &format!(
                "echo \"config-get $*\" >> '{}'; echo '{config}'",
                log.display()
            ),
        );
        unit
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn charm_dir(&self) -> PathBuf {
        self.path("charm")
    }

    fn tools(&self) -> PathBuf {
        self.path("tools")
    }

    fn stub(&self, name: &str, body: &str) {
        let path = self.tools().join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Runs the charm binary as Juju would for `dispatch_path`, returning its output and the
    /// hook-tool calls it made (and clears the call log).
    fn dispatch(&self, dispatch_path: &str, params: serde_json::Value) -> (Output, Vec<String>) {
        self.dispatch_under(&[], dispatch_path, params)
    }

    /// [`Unit::dispatch`] with the charm started by `wrapper` (a command that execs its last
    /// argument), to run it under limits.
    fn dispatch_under(
        &self,
        wrapper: &[&str],
        dispatch_path: &str,
        params: serde_json::Value,
    ) -> (Output, Vec<String>) {
        fs::write(self.path("params.json"), params.to_string()).unwrap();
        let charm = env!("CARGO_BIN_EXE_snapshot-demo");
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(charm);
                command
            }
            None => Command::new(charm),
        };
        command
            .env_clear()
            .current_dir(self.charm_dir())
            .env("PATH", format!("{}:/usr/bin:/bin", self.tools().display()))
            .env("JUJU_CHARM_DIR", self.charm_dir())
            .env("JUJU_UNIT_NAME", "app/0")
            .env("JUJU_MODEL_NAME", "test");
        if dispatch_path.starts_with("actions/") {
            command
                .env("JUJU_ACTION_UUID", "3")
                .env("JUJU_HOOK_NAME", "");
        }
        let output = command
            .env("JUJU_DISPATCH_PATH", dispatch_path)
            .output()
            .unwrap();
        let log = self.path("calls.log");
        let calls = fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        let _ = fs::remove_file(&log);
        (output, calls)
    }
}

fn snapshot_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn install_then_snapshot_calls_the_hook_tools_like_juju_expects() {
    let unit = Unit::new();
    let (out, calls) = unit.dispatch("hooks/install", json!({}));
    assert!(out.status.success(), "{out:?}");
    let data = unit.path("data");
    assert_eq!(
        calls,
        [
            "status-set maintenance creating the demo data set".to_owned(),
            "config-get --format=json".to_owned(),
            "state-get --format=json".to_owned(),
            format!(
                "juju-log --log-level INFO -- Demo data set written to {}",
                data.display()
            ),
            "status-set active ".to_owned(),
        ]
    );

    let (out, calls) = unit.dispatch(
        "actions/snapshot",
        json!({"filename": "db-snapshot.tar.gz"}),
    );
    assert!(out.status.success(), "{out:?}");
    let size = fs::metadata(unit.path("snapshots/db-snapshot.tar.gz"))
        .unwrap()
        .len();
    assert_eq!(
        calls,
        [
            "action-get --format=json".to_owned(),
            "config-get --format=json".to_owned(),
            "state-get --format=json".to_owned(),
            "action-log -- Generating snapshot into db-snapshot.tar.gz".to_owned(),
            "juju-log --log-level INFO -- Using backup-3.tar.gz as the temporary backup filename in task 3"
                .to_owned(),
            "action-log -- orders.csv complete".to_owned(),
            "action-log -- users.csv complete".to_owned(),
            format!(
                "action-set result=Stored snapshot in db-snapshot.tar.gz. snapshot-size={size}"
            ),
        ]
    );
    assert_eq!(
        snapshot_files(&unit.path("snapshots")),
        ["db-snapshot.tar.gz"]
    );
}

#[test]
fn invalid_params_fail_the_action_and_exit_zero() {
    let unit = Unit::new();
    let (out, calls) = unit.dispatch(
        "actions/snapshot",
        json!({"filename": "x", "compression": {"quality": 12, "kind": "zip"}}),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        calls,
        [
            "action-get --format=json",
            "action-fail -- Error in action parameters: compression.kind: must be one of \"gzip\", \"bzip2\", \"xz\", given \"zip\"; compression.quality: must be less than or equal to 9, given 12",
        ]
    );
    assert!(snapshot_files(&unit.path("snapshots")).is_empty());
}

#[test]
fn snapshot_without_data_fails_with_the_reason() {
    let unit = Unit::new();
    let (out, calls) = unit.dispatch("actions/snapshot", json!({"filename": "a.tar.gz"}));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let last = calls.last().unwrap();
    assert!(
        last.starts_with("action-fail -- Failed to generate snapshot: data directory ")
            && last.ends_with("does not exist (the install hook creates it)"),
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.starts_with("action-set")),
        "{calls:?}"
    );
    assert!(snapshot_files(&unit.path("snapshots")).is_empty());
}

#[test]
fn unknown_hooks_are_a_clean_no_op_and_unknown_actions_fail() {
    let unit = Unit::new();
    let (out, calls) = unit.dispatch("hooks/update-status", json!({}));
    assert_eq!((out.status.code(), calls.len()), (Some(0), 0), "{out:?}");
    let (out, calls) = unit.dispatch("actions/restore", json!({}));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        calls,
        [
            "action-fail -- action \"restore\" is not implemented by this charm (it handles: connection-info, snapshot)"
        ]
    );
}

#[test]
fn a_failing_hook_tool_fails_the_hook_with_its_stderr() {
    let unit = Unit::new();
    unit.stub(
        "status-set",
        "echo 'ERROR invalid status \"x\"' >&2; exit 1",
    );
    let (out, calls) = unit.dispatch("hooks/start", json!({}));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("hook \"start\" failed: hook tool `status-set active ready` exited with code 1: ERROR invalid status"), "{stderr}");
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("juju-log --log-level ERROR -- hook \"start\" failed")),
        "{calls:?}"
    );
}

#[test]
fn outside_juju_it_explains_itself() {
    let out = Command::new(env!("CARGO_BIN_EXE_snapshot-demo"))
        .env_remove("JUJU_DISPATCH_PATH")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JUJU_DISPATCH_PATH is not set"));
    let out = Command::new(env!("CARGO_BIN_EXE_snapshot-demo"))
        .arg("--print-schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        schema["actions"]["snapshot"]["required"],
        json!(["filename"])
    );
}

/// A write that fails half-way through the archive (here the file-size limit, `EFBIG`, which the
/// kernel enforces like a full disk's `ENOSPC`): the action fails naming the cause, and no
/// partial or temporary file is left in the snapshot dir.
#[test]
fn a_write_failure_mid_archive_fails_the_action_and_leaves_no_partial_file() {
    let unit = Unit::new();
    let (out, _) = unit.dispatch("hooks/install", json!({}));
    assert!(out.status.success(), "{out:?}");
    // 256 KiB that does not compress, so the archive outgrows the limit below.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..256 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    fs::write(unit.path("data/noise.bin"), noise).unwrap();

    // `ulimit -f 16`: files may not grow past 8 KiB (512-byte blocks); SIGXFSZ is ignored so the
    // write returns an error instead of killing the process.
    let limit = ["/bin/sh", "-c", "trap '' XFSZ; ulimit -f 16; exec \"$0\""];
    let (out, calls) = unit.dispatch_under(
        &limit,
        "actions/snapshot",
        json!({"filename": "big.tar.gz", "compression": {"kind": "gzip", "quality": 5}}),
    );
    assert!(out.status.success(), "{out:?}");
    let fail = calls
        .iter()
        .find(|c| c.starts_with("action-fail"))
        .unwrap_or_else(|| panic!("no action-fail in {calls:?}"));
    assert!(
        fail.contains("Failed to generate snapshot") && fail.contains("File too large"),
        "{fail}"
    );
    assert!(
        !calls.iter().any(|c| c.starts_with("action-set")),
        "{calls:?}"
    );
    assert_eq!(
        snapshot_files(&unit.path("snapshots")),
        Vec::<String>::new()
    );
}
