//! The client against a scripted fake `juju`: argv recorded, replies replayed in order.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use juju_client::{
    AddUnitOptions, AppStatusRelation, DeployOptions, Error, Juju, RemoveOptions,
    RemoveRelationOptions, SecretUri, Status, UpdateSecretOptions, WaitOptions, all_active,
    all_agents_idle, any_error, is_related, unit_count,
};
use serde_json::json;

/// A fake `juju` that logs each argv line and answers with the next scripted reply.
struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let script = format!(
            r#"#!/bin/sh
d='{d}'
n=$(cat "$d/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$d/count"
echo "$*" >> "$d/argv"
prev=""
for a in "$@"; do [ "$prev" = "--params" ] && cp "$a" "$d/params-$n"; [ "$prev" = "--file" ] && cp "$a" "$d/file-$n"; prev="$a"; done
r="$d/reply-$n"; [ -d "$r" ] || r="$d/reply-default"
[ -f "$r/stdout" ] && cat "$r/stdout"
[ -f "$r/stderr" ] && cat "$r/stderr" >&2
exit $(cat "$r/code" 2>/dev/null || echo 0)
"#
        );
        let path = dir.path().join("juju");
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        Fake { dir }
    }

    /// Scripts reply `n` (1-based call number; 0 = every call without its own reply).
    fn reply(&self, n: usize, stdout: &str, stderr: &str, code: i32) -> &Fake {
        let name = if n == 0 {
            "reply-default".to_owned()
        } else {
            format!("reply-{n}")
        };
        let r = self.dir.path().join(name);
        fs::create_dir_all(&r).unwrap();
        fs::write(r.join("stdout"), stdout).unwrap();
        fs::write(r.join("stderr"), stderr).unwrap();
        fs::write(r.join("code"), code.to_string()).unwrap();
        self
    }

    fn juju(&self) -> Juju {
        Juju::new(self.path()).with_model("m")
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("juju")
    }

    fn argv(&self) -> Vec<String> {
        fs::read_to_string(self.dir.path().join("argv"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn file(&self, name: &str) -> String {
        fs::read_to_string(self.dir.path().join(name)).unwrap()
    }
}

/// jubilant's own test sample (tests/unit/test_run.py).
const SUCCESS: &str = r#"{"mysql/0": {"id": "42", "log": ["2025-03-01 16:23:26 +1300 NZDT Log message"], "results": {"password": "pass", "return-code": 0, "username": "user", "stdout": "OUT", "stderr": "ERR"}, "status": "completed"}}"#;

#[test]
fn run_parses_the_task_like_jubilant() {
    let fake = Fake::new();
    fake.reply(1, SUCCESS, "Running operation 41 with 1 task\n", 0);
    let task = fake
        .juju()
        .run("mysql/0", "get-password", &json!({"a": {"b": 1}}))
        .unwrap();
    assert_eq!(task.id, "42");
    assert_eq!(task.status, "completed");
    assert_eq!(
        task.results,
        json!({"password": "pass", "username": "user"})
            .as_object()
            .unwrap()
            .clone()
    );
    assert_eq!(
        (task.return_code, task.stdout.as_str(), task.stderr.as_str()),
        (0, "OUT", "ERR")
    );
    assert_eq!(task.log_messages(), ["Log message"]);
    assert!(task.success());
    let argv = fake.argv();
    assert!(
        argv[0].starts_with("run --model m --format json mysql/0 get-password --params "),
        "{argv:?}"
    );
    let params: serde_json::Value = serde_json::from_str(&fake.file("params-1")).unwrap();
    assert_eq!(params, json!({"a": {"b": 1}}));
}

#[test]
fn failed_tasks_are_task_errors_whichever_way_the_cli_reports_them() {
    let fake = Fake::new();
    let failed = r#"{"app/0": {"id": "3", "status": "failed", "message": "Failed to generate snapshot: disk full", "results": {"return-code": 0}}}"#;
    fake.reply(1, failed, "", 0);
    let crashed = r#"{"app/0": {"id": "4", "status": "failed", "message": "exit status 1", "results": {"return-code": 1, "stderr": "thread 'main' panicked"}}}"#;
    fake.reply(
        2,
        crashed,
        "ERROR the following task failed:\n - id \"4\" with return code 1\n",
        1,
    );
    let err = fake
        .juju()
        .run("app/0", "snapshot", &json!({}))
        .unwrap_err();
    let Error::Task(e) = err else { panic!("{err}") };
    assert_eq!(e.task.message, "Failed to generate snapshot: disk full");
    assert_eq!(
        e.to_string(),
        "task error: Task 3: status \"failed\", return code 0, message \"Failed to generate snapshot: disk full\""
    );
    let err = fake
        .juju()
        .run("app/0", "snapshot", &json!({}))
        .unwrap_err();
    let Error::Task(e) = err else { panic!("{err}") };
    assert_eq!(
        (e.task.return_code, e.task.stderr.as_str()),
        (1, "thread 'main' panicked")
    );
    assert!(
        !fake.argv()[0].contains("--params"),
        "no params file for empty params"
    );
}

#[test]
fn timeouts_unknown_actions_and_other_cli_errors_are_told_apart() {
    let fake = Fake::new();
    fake.reply(
        1,
        "",
        "ERROR timed out waiting for results from: unit app/0\n",
        1,
    );
    fake.reply(
        2,
        "",
        "ERROR action \"nope\" not defined for unit \"app/0\". (not found)\n",
        1,
    );
    fake.reply(3, "", "Operation 7 failed to schedule any tasks:\naction \"nope\" not defined on unit \"app/0\"\n", 0);
    fake.reply(4, "", "ERROR model \"m\" not found\n", 1);
    fake.reply(5, "not json", "", 0);
    let juju = fake.juju().with_run_wait(Duration::from_secs(30));
    assert!(matches!(
        juju.run("app/0", "a", &json!({})),
        Err(Error::Timeout { .. })
    ));
    let err = juju.run("app/0", "nope", &json!({})).unwrap_err();
    assert!(matches!(err, Error::NotScheduled { .. }), "{err}");
    let err = juju.run("app/0", "nope", &json!({})).unwrap_err();
    assert!(
        err.to_string().contains("failed to schedule any tasks"),
        "{err}"
    );
    let err = juju.run("app/0", "a", &json!({})).unwrap_err();
    let Error::Cli(cli) = err else {
        panic!("{err}")
    };
    assert_eq!(cli.code, Some(1));
    assert!(
        cli.argv.iter().any(|a| a == "--wait") && cli.argv.iter().any(|a| a == "30s"),
        "{:?}",
        cli.argv
    );
    assert!(
        cli.to_string().contains("ERROR model \"m\" not found"),
        "{cli}"
    );
    assert!(matches!(
        juju.run("app/0", "a", &json!({})),
        Err(Error::Parse { .. })
    ));
    assert!(matches!(
        juju.run("app/0", "a", &json!([1])),
        Err(Error::Io(_))
    ));
}

const STATUS_WAITING: &str = r#"{"model": {"name": "m", "version": "3.6.7"}, "applications": {"db": {"charm": "db", "application-status": {"current": "waiting"}, "units": {"db/0": {"workload-status": {"current": "maintenance", "message": "installing"}, "juju-status": {"current": "executing"}, "leader": true}}}}}"#;
const STATUS_ACTIVE: &str = r#"{"model": {"name": "m"}, "machines": {}, "applications": {"db": {"charm": "db", "units": {"db/0": {"workload-status": {"current": "active", "message": "ready"}, "juju-status": {"current": "idle"}, "leader": true}}}}}"#;
const STATUS_ERROR: &str = r#"{"model": {"name": "m"}, "applications": {"db": {"units": {"db/0": {"workload-status": {"current": "error", "message": "hook failed: \"install\""}, "juju-status": {"current": "idle"}}}}}}"#;

fn quick() -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(5),
        delay: Duration::from_millis(1),
        ..WaitOptions::default()
    }
}

#[test]
fn status_parses_and_wait_needs_consecutive_successes() {
    let fake = Fake::new();
    fake.reply(1, STATUS_WAITING, "", 0)
        .reply(2, STATUS_ACTIVE, "", 0)
        .reply(3, STATUS_WAITING, "", 0)
        .reply(0, STATUS_ACTIVE, "", 0);
    let juju = fake.juju();
    let status = juju.status().unwrap();
    assert_eq!(status.model.version, "3.6.7");
    assert_eq!(
        status.applications["db"].units["db/0"]
            .workload_status
            .message,
        "installing"
    );
    assert!(!all_active(&status, &["db"]));
    let status = juju.wait(|s| all_active(s, &["db"]), &quick()).unwrap();
    assert!(all_active(&status, &["db"]));
    // Calls 2 (active), 3 (not), then 4, 5, 6 active: three in a row.
    assert_eq!(fake.argv().len(), 6);
    assert!(
        fake.argv()
            .iter()
            .all(|a| a == "status --model m --format json")
    );
}

#[test]
fn wait_stops_on_error_and_on_timeout_with_the_last_status() {
    let fake = Fake::new();
    fake.reply(0, STATUS_ERROR, "", 0);
    let err = fake
        .juju()
        .wait(|s| all_active(s, &["db"]), &quick())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("db/0 error/idle \"hook failed: \\\"install\\\"\""),
        "{err}"
    );
    let fake = Fake::new();
    fake.reply(0, STATUS_WAITING, "", 0);
    let options = WaitOptions {
        timeout: Duration::from_millis(30),
        delay: Duration::from_millis(5),
        ..WaitOptions::default()
    };
    let err = fake
        .juju()
        .wait(|s| all_active(s, &["db"]), &options)
        .unwrap_err();
    let Error::Wait { reason, status } = err else {
        panic!()
    };
    assert!(reason.starts_with("timed out after 30ms"), "{reason}");
    assert!(status.is_some());
}

#[test]
fn model_deploy_exec_and_config_commands() {
    let fake = Fake::new();
    fake.reply(0, "", "", 0);
    fake.reply(4, r#"{"db/0": {"id": "9", "results": {"return-code": 0, "stdout": "hello\n"}, "status": "completed", "unit": "db/0"}}"#, "", 0);
    fake.reply(5, r#"{"db/0": {"id": "10", "results": {"return-code": 2, "stderr": "no such file\n"}, "status": "completed"}}"#, "ERROR the following task failed:\n", 1);
    fake.reply(6, r#"{"application": "db", "settings": {"level": {"value": 5, "default": 5}, "name": {"default": ""}}}"#, "", 0);
    {
        let temp = Juju::new(fake.path()).temp_model("itest").unwrap();
        temp.deploy(
            Path::new("/x/db.charm"),
            Some("db"),
            &DeployOptions {
                num_units: Some(2),
                config: vec![("level".into(), "3".into())],
                ..Default::default()
            },
        )
        .unwrap();
        temp.set_config("db", &[("level", "4")]).unwrap();
        assert_eq!(
            temp.exec("db/0", ["echo", "hello"]).unwrap().stdout,
            "hello\n"
        );
        let err = temp.exec("db/0", ["cat", "nope"]).unwrap_err();
        assert!(
            matches!(&err, Error::Task(e) if e.task.return_code == 2),
            "{err}"
        );
        assert_eq!(
            temp.config("db").unwrap(),
            json!({"level": 5}).as_object().unwrap().clone()
        );
    }
    let argv = fake.argv();
    let model = argv[0]
        .strip_prefix("add-model --no-switch ")
        .unwrap()
        .to_owned();
    assert!(model.starts_with("itest-"), "{model}");
    assert_eq!(
        argv[1],
        format!("deploy --model {model} /x/db.charm db --num-units 2 --config level=3")
    );
    assert_eq!(argv[2], format!("config --model {model} db level=4"));
    assert_eq!(
        argv[3],
        format!("exec --model {model} --format json --unit db/0 -- echo hello")
    );
    assert_eq!(argv[5], format!("config --model {model} db --format json"));
    assert_eq!(
        argv[6],
        format!("destroy-model {model} --no-prompt --destroy-storage --force"),
        "the guard destroys the model"
    );
}

#[test]
fn refresh_passes_the_app_the_charm_path_and_the_model() {
    let fake = Fake::new();
    fake.reply(
        1,
        "",
        "Added local charm \"db\", revision 1, to the model\n",
        0,
    )
    .reply(2, "", "ERROR cannot refresh \"db\" to \"other\"\n", 1);
    let juju = fake.juju();
    juju.refresh("db", Path::new("/x/db.charm")).unwrap();
    let err = juju
        .refresh("db", Path::new("/x/other v2.charm"))
        .unwrap_err();
    let Error::Cli(cli) = err else {
        panic!("{err}")
    };
    assert_eq!(
        cli.argv[1..],
        [
            "refresh",
            "--model",
            "m",
            "db",
            "--path",
            "/x/other v2.charm"
        ],
        "the path is one argument"
    );
    assert!(
        cli.to_string()
            .contains("ERROR cannot refresh \"db\" to \"other\""),
        "{cli}"
    );
    assert_eq!(
        fake.argv(),
        [
            "refresh --model m db --path /x/db.charm",
            "refresh --model m db --path /x/other v2.charm"
        ]
    );
    // Without a model, no --model flag.
    let fake = Fake::new();
    Juju::new(fake.path())
        .refresh("db", Path::new("db.charm"))
        .unwrap();
    assert_eq!(fake.argv(), ["refresh db --path db.charm"]);
}

#[test]
fn the_params_file_is_unpredictable_and_removed_after_the_call() {
    let fake = Fake::new();
    fake.reply(0, SUCCESS, "", 0);
    let juju = fake.juju();
    juju.run("mysql/0", "a", &json!({"x": 1})).unwrap();
    juju.run("mysql/0", "a", &json!({"x": 1})).unwrap();
    let paths: Vec<String> = fake
        .argv()
        .iter()
        .map(|a| a.rsplit_once("--params ").unwrap().1.to_owned())
        .collect();
    assert_ne!(paths[0], paths[1]);
    for path in &paths {
        let name = Path::new(path).file_name().unwrap().to_string_lossy();
        assert!(name.starts_with("juju-params-"), "{name}");
        assert!(!name.contains(&std::process::id().to_string()), "{name}");
        assert!(!Path::new(path).exists(), "{path} is left behind");
    }
    assert_eq!(
        fake.file("params-2"),
        r#"{"x":1}"#,
        "read while the call ran"
    );
}

#[test]
fn cli_adds_the_model_and_cli_without_model_does_not() {
    let fake = Fake::new();
    fake.reply(0, "out\n", "err\n", 0).reply(3, "", "boom\n", 2);
    let juju = fake.juju();
    let out = juju.cli(["status", "--format", "yaml"]).unwrap();
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str()),
        ("out\n", "err\n")
    );
    assert_eq!(
        out.argv[1..],
        ["status", "--model", "m", "--format", "yaml"]
    );
    let args = vec![
        "models".to_owned(),
        "--format".to_owned(),
        "json".to_owned(),
    ];
    juju.cli_without_model(&args).unwrap();
    let err = Juju::new(fake.path()).cli(["status"]).unwrap_err();
    assert_eq!((err.code, err.stderr.as_str()), (Some(2), "boom\n"));
    assert_eq!(
        fake.argv(),
        [
            "status --model m --format yaml",
            "models --format json",
            "status"
        ]
    );
}

#[test]
fn show_task_parses_one_task_and_bad_json_is_a_parse_error() {
    let fake = Fake::new();
    fake.reply(1, r#"{"id": 5, "status": "failed", "message": "exit status 1", "results": {"return-code": "1"}, "timing": {}}"#, "", 0)
        .reply(2, r#"{"status": "completed"}"#, "", 0);
    let juju = fake.juju();
    let task = juju.show_task("5").unwrap();
    assert_eq!((task.id.as_str(), task.return_code), ("5", 1));
    assert!(!task.success());
    let err = juju.show_task(String::from("6")).unwrap_err();
    let Error::Parse { argv, reason } = err else {
        panic!("{err}")
    };
    assert_eq!(
        argv[1..],
        ["show-task", "--model", "m", "6", "--format", "json"]
    );
    assert!(reason.contains("missing field `id`"), "{reason}");
}

#[test]
fn a_missing_cli_is_a_clear_error() {
    let err = Juju::new("/nonexistent/juju").version().unwrap_err();
    assert!(
        err.to_string().contains("cannot run /nonexistent/juju"),
        "{err}"
    );
}

/// jubilant's `DATABASE_WEBAPP_JSON` and `SUBORDINATES_JSON` (see `tests/jubilant/README.md`).
const DATABASE_WEBAPP: &str = include_str!("jubilant/database_webapp.json");
const SUBORDINATES: &str = include_str!("jubilant/subordinates.json");

#[test]
fn relation_and_scale_commands_run_what_jubilant_runs() {
    let fake = Fake::new();
    fake.reply(0, "", "", 0);
    let juju = fake.juju();
    juju.integrate("app1", "app2").unwrap();
    juju.integrate("app1:db", String::from("app2:db")).unwrap();
    juju.remove_relation("app1", "app2", &RemoveRelationOptions::default())
        .unwrap();
    juju.remove_relation("app1:db", "app2:db", &RemoveRelationOptions { force: true })
        .unwrap();
    juju.add_unit("app1", &AddUnitOptions::default()).unwrap();
    juju.add_unit(
        "app2",
        &AddUnitOptions {
            num_units: 3,
            attach_storage: vec!["stg".into()],
            to: vec!["lxd:25".into()],
        },
    )
    .unwrap();
    juju.add_unit(
        "app1",
        &AddUnitOptions {
            attach_storage: vec!["stg1".into(), "stg2".into()],
            to: vec!["to1".into(), "to2".into()],
            ..AddUnitOptions::default()
        },
    )
    .unwrap();
    juju.remove_unit(["unit/0"], &RemoveOptions::default())
        .unwrap();
    juju.remove_unit(
        vec![String::from("unit/0"), String::from("unit/1")],
        &RemoveOptions {
            destroy_storage: true,
            force: true,
        },
    )
    .unwrap();
    juju.remove_application("app1", &RemoveOptions::default())
        .unwrap();
    juju.remove_application(
        "app2",
        &RemoveOptions {
            destroy_storage: true,
            force: false,
        },
    )
    .unwrap();
    assert_eq!(
        fake.argv(),
        [
            "integrate --model m app1 app2",
            "integrate --model m app1:db app2:db",
            "remove-relation --model m app1 app2",
            "remove-relation --model m app1:db app2:db --force",
            "add-unit --model m app1",
            "add-unit --model m app2 --attach-storage stg --num-units 3 --to lxd:25",
            "add-unit --model m app1 --attach-storage stg1,stg2 --to to1,to2",
            "remove-unit --model m --no-prompt unit/0",
            "remove-unit --model m --no-prompt unit/0 unit/1 --destroy-storage --force",
            "remove-application --model m --no-prompt app1",
            "remove-application --model m --no-prompt app2 --destroy-storage",
        ]
    );
}

#[test]
fn a_refused_integrate_is_a_cli_error_with_jujus_message() {
    let fake = Fake::new();
    fake.reply(
        1,
        "",
        "ERROR cannot add relation \"web:db db:db\": relation web:db db:db (already exists)\n",
        1,
    );
    let err = fake.juju().integrate("web", "db").unwrap_err();
    let Error::Cli(cli) = err else {
        panic!("{err}")
    };
    assert_eq!(cli.argv[1..], ["integrate", "--model", "m", "web", "db"]);
    assert!(cli.to_string().contains("(already exists)"), "{cli}");
}

#[test]
fn status_relations_parse_like_jubilant() {
    let fake = Fake::new();
    fake.reply(0, DATABASE_WEBAPP, "", 0);
    let status = fake.juju().status().unwrap();
    let database = &status.applications["database"];
    assert_eq!(
        database.relations["db"],
        [
            AppStatusRelation {
                related_application: "webapp".into(),
                interface: "dbi".into(),
                scope: "global".into(),
            },
            AppStatusRelation {
                related_application: "dummy".into(),
                interface: "xyz".into(),
                scope: "foobar".into(),
            },
        ]
    );
    assert_eq!(
        status.applications["webapp"].relations["db"][0].related_application,
        "database"
    );
    let unit = &database.units["database/0"];
    assert!(unit.leader);
    assert_eq!(
        (unit.address.as_str(), unit.open_ports.as_slice()),
        ("10.1.164.190", &["8080/tcp".to_owned()][..])
    );
    assert_eq!(status.leader("database"), Some("database/0"));
    assert_eq!(status.leader("nope"), None);
    let endpoints: Vec<(&str, &str)> = status
        .relations_of("database")
        .into_iter()
        .map(|(endpoint, r)| (endpoint, r.related_application.as_str()))
        .collect();
    assert_eq!(endpoints, [("db", "webapp"), ("db", "dummy")]);
    assert!(status.relations_of("database:other").is_empty());
    assert!(status.relations_of("nope").is_empty());
    // The sample's `"exposed": false` and `"storage": {}`.
    assert!(!database.exposed);
    assert!(status.storage.storage.is_empty());
}

#[test]
fn deploy_passes_storage_as_jubilant_does() {
    // jubilant tests/unit/test_deploy.py `test_all_args` (06572b53744911b6be6313eb77e65b891daef081):
    // `--attach-storage stg` before `--num-units`, `--storage data=tmpfs,1G` after `--config`.
    let fake = Fake::new();
    fake.reply(0, "", "", 0);
    fake.juju()
        .deploy(
            Path::new("/x/charm.charm"),
            Some("app"),
            &DeployOptions {
                num_units: Some(3),
                config: vec![("x".into(), "true".into())],
                storage: vec![("data".into(), "tmpfs,1G".into())],
                attach_storage: vec!["stg".into()],
            },
        )
        .unwrap();
    fake.juju()
        .deploy(
            Path::new("/x/charm.charm"),
            None,
            &DeployOptions {
                attach_storage: vec!["stg1".into(), "stg2".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        fake.argv(),
        [
            "deploy --model m /x/charm.charm app --attach-storage stg --num-units 3 --config x=true --storage data=tmpfs,1G",
            "deploy --model m /x/charm.charm --attach-storage stg1,stg2",
        ]
    );
}

#[test]
fn add_storage_returns_the_ids_and_storage_is_typed() {
    let fake = Fake::new();
    fake.reply(
        1,
        "",
        "added storage logs/1 to store/0\nadded storage logs/2 to store/0\n",
        0,
    );
    // What `juju storage --format json` prints (cmd/juju/storage StorageInfo), as jubilant's
    // statustypes.StorageInfo reads it.
    fake.reply(
        2,
        r#"{"storage": {"logs/1": {"kind": "filesystem", "life": "alive", "status": {"current": "attached", "since": "24 Feb 2025 16:59:43+13:00"}, "persistent": false, "attachments": {"units": {"store/0": {"machine": "0", "location": "/var/lib/juju/storage/logs/1", "life": "alive"}}}}}}"#,
        "",
        0,
    );
    fake.reply(3, "", "", 0);
    fake.reply(4, "", "failed to add storage \"nope\" to store/0: adding \"nope\" storage to store/0: charm storage \"nope\" not found\n", 1);
    let juju = fake.juju();
    assert_eq!(
        juju.add_storage("store/0", ["logs=2"]).unwrap(),
        ["logs/1", "logs/2"]
    );
    let storage = juju.storage().unwrap();
    let logs = &storage.storage["logs/1"];
    assert_eq!(
        (
            logs.kind.as_str(),
            logs.status.current.as_str(),
            logs.persistent
        ),
        ("filesystem", "attached", false)
    );
    assert_eq!(
        logs.location_on("store/0"),
        Some("/var/lib/juju/storage/logs/1")
    );
    assert_eq!(logs.location_on("store/1"), None);
    assert!(
        juju.storage().unwrap().storage.is_empty(),
        "no output: no storage"
    );
    let err = juju.add_storage("store/0", ["nope"]).unwrap_err();
    assert!(
        err.to_string().contains("charm storage \"nope\" not found"),
        "{err}"
    );
    assert_eq!(
        fake.argv(),
        [
            "add-storage --model m store/0 logs=2",
            "storage --model m --format json",
            "storage --model m --format json",
            "add-storage --model m store/0 nope",
        ]
    );
}

#[test]
fn is_related_needs_both_ends_on_the_endpoints_named() {
    let status: Status = serde_json::from_str(DATABASE_WEBAPP).unwrap();
    for (a, b) in [
        ("database", "webapp"),
        ("webapp", "database"),
        ("database:db", "webapp:db"),
        ("webapp:db", "database"),
    ] {
        assert!(is_related(&status, a, b), "{a} {b}");
    }
    for (a, b) in [
        ("database:other", "webapp"),
        ("database", "webapp:other"),
        ("database", "database"),
        ("nope", "database"),
        ("database", "nope"),
    ] {
        assert!(!is_related(&status, a, b), "{a} {b}");
    }
    // `dummy` is not an application of the model (a cross-model one, say): only its other end
    // is looked at.
    assert!(is_related(&status, "database:db", "dummy"));
    // One end alone is not a relation: the other end is required to list it back, with the
    // same interface.
    let one_sided = DATABASE_WEBAPP.replace(
        r#""related-application": "database""#,
        r#""related-application": "elsewhere""#,
    );
    let status: Status = serde_json::from_str(&one_sided).unwrap();
    assert!(!is_related(&status, "database", "webapp"));
    let other_interface =
        DATABASE_WEBAPP.replacen(r#""interface": "dbi""#, r#""interface": "x""#, 1);
    let status: Status = serde_json::from_str(&other_interface).unwrap();
    assert!(!is_related(&status, "database", "webapp"));
}

#[test]
fn peer_relations_and_the_pre_3_1_relation_shape() {
    let status: Status = serde_json::from_value(json!({"applications": {
        "db": {
            "relations": {
                "replicas": [{"related-application": "db", "interface": "db_peers", "scope": "global"}],
                "legacy": ["web"],
            },
            "units": {"db/0": {"leader": null}, "db/1": {"leader": true}},
        },
        "web": {"relations": null, "subordinate-to": null},
    }}))
    .unwrap();
    assert!(is_related(&status, "db:replicas", "db"));
    assert!(!is_related(&status, "db:legacy", "db"));
    assert_eq!(
        status.applications["db"].relations["legacy"],
        [AppStatusRelation {
            related_application: "web".into(),
            ..Default::default()
        }]
    );
    // `web` lists nothing back.
    assert!(!is_related(&status, "db", "web"));
    assert_eq!(status.leader("db"), Some("db/1"));
    assert_eq!(
        (unit_count(&status, "db"), unit_count(&status, "web")),
        (2, 0)
    );
}

#[test]
fn subordinate_units_are_found_under_their_principals() {
    let status: Status = serde_json::from_str(SUBORDINATES).unwrap();
    let nrpe = &status.applications["nrpe"];
    assert_eq!(nrpe.subordinate_to, ["ubun2", "ubuntu"]);
    assert!(nrpe.units.is_empty());
    let units: Vec<&str> = status.units_of("nrpe").into_keys().collect();
    assert_eq!(units, ["nrpe/1", "nrpe/2"]);
    assert_eq!(unit_count(&status, "nrpe"), 2);
    assert_eq!(unit_count(&status, "ubuntu"), 1);
    assert_eq!(unit_count(&status, "nope"), 0);
    assert_eq!(
        status.units_of("nrpe")["nrpe/2"].workload_status.current,
        "blocked"
    );
    assert_eq!(status.leader("nrpe"), Some("nrpe/1"));
    assert!(is_related(&status, "nrpe:general-info", "ubuntu:juju-info"));
    assert!(is_related(&status, "ubun2", "nrpe"));
    assert_eq!(
        status.relations_of("nrpe:general-info")[0].1.scope,
        "container"
    );
    // The subordinate's units count: blocked, so neither all active nor an error.
    assert!(all_active(&status, &["ubuntu", "ubun2"]));
    assert!(!all_active(&status, &["nrpe"]));
    assert!(!all_active(&status, &[]));
    assert!(all_agents_idle(&status, &["nrpe"]));
    let active = SUBORDINATES.replace(r#""current": "blocked""#, r#""current": "active""#);
    let status: Status = serde_json::from_str(&active).unwrap();
    assert!(all_active(&status, &["nrpe"]));
    let error = SUBORDINATES.replacen(r#""current": "idle""#, r#""current": "error""#, 2);
    let status: Status = serde_json::from_str(&error).unwrap();
    assert!(any_error(&status, &["nrpe"]), "nrpe/2's agent is in error");
    assert!(!any_error(&status, &["ubuntu"]));
}

#[test]
fn wait_for_a_relation_and_a_unit_count() {
    let fake = Fake::new();
    fake.reply(1, STATUS_ACTIVE, "", 0)
        .reply(0, DATABASE_WEBAPP, "", 0);
    let options = WaitOptions {
        successes: 2,
        ..quick()
    };
    let status = fake
        .juju()
        .wait(
            |s| is_related(s, "webapp:db", "database") && unit_count(s, "webapp") == 1,
            &options,
        )
        .unwrap();
    assert!(is_related(&status, "database", "webapp"));
    assert_eq!(fake.argv().len(), 3);
}

/// jubilant's `FULL_UNITINFO` and `MINIMAL_UNITINFO` (tests/unit/fake_unitinfo.py, commit
/// 06572b53744911b6be6313eb77e65b891daef081).
#[test]
fn show_unit_types_the_relation_databags() {
    let full = json!({"mysql/0": {
        "workload-version": "8.0.41",
        "relation-info": [{
            "endpoint": "database",
            "relation-id": 5,
            "related-endpoint": "database",
            "cross-model": false,
            "application-data": {"foo": "bar"},
            "local-unit": {"in-scope": true, "data": {"ingress-address": "10.0.0.1"}},
            "related-units": {
                "wordpress/0": {"in-scope": true, "data": {"egress-subnets": "10.1.1.1/32"}}
            },
        }],
        "opened-ports": ["3306/tcp"],
        "charm": "mysql",
        "leader": true,
        "life": "alive",
        "machine": "0",
        "public-address": "10.0.0.1",
        "address": "10.0.0.1",
        "provider-id": "mysql-0",
    }});
    let minimal =
        json!({"mysql/0": {"opened-ports": ["3306/tcp"], "charm": "mysql", "leader": false}});
    let fake = Fake::new();
    fake.reply(1, &full.to_string(), "", 0)
        .reply(2, &minimal.to_string(), "", 0)
        .reply(3, "{}", "", 0)
        .reply(
            4,
            r#"{"mysql/0": {"relation-info": [{"endpoint": "x"}]}}"#,
            "",
            0,
        )
        .reply(5, "", "ERROR unit \"mysql/9\" not found\n", 1);
    let juju = fake.juju();
    let info = juju.show_unit("mysql/0").unwrap();
    assert_eq!(
        (info.charm.as_str(), info.leader, info.life.as_str()),
        ("mysql", true, "alive")
    );
    assert_eq!(
        (
            info.workload_version.as_str(),
            info.machine.as_str(),
            info.provider_id.as_str()
        ),
        ("8.0.41", "0", "mysql-0")
    );
    assert_eq!(info.opened_ports, ["3306/tcp"]);
    let relation = &info.relation_info[0];
    assert_eq!(
        (
            relation.endpoint.as_str(),
            relation.relation_id,
            relation.related_endpoint.as_str()
        ),
        ("database", 5, "database")
    );
    assert!(!relation.cross_model);
    assert_eq!(relation.application_data["foo"], "bar");
    let local = relation.local_unit.as_ref().unwrap();
    assert!(local.in_scope);
    assert_eq!(local.data["ingress-address"], "10.0.0.1");
    assert_eq!(
        relation.related_units["wordpress/0"].data["egress-subnets"],
        "10.1.1.1/32"
    );
    assert_eq!(info.relations_on("database").count(), 1);
    assert_eq!(info.relations_on("other").count(), 0);

    let info = juju.show_unit("mysql/0").unwrap();
    assert!(!info.leader && info.relation_info.is_empty() && info.life.is_empty());

    let err = juju.show_unit("mysql/0").unwrap_err();
    assert!(err.to_string().contains("no unit in the output"), "{err}");
    let err = juju.show_unit("mysql/0").unwrap_err();
    let Error::Parse { reason, .. } = err else {
        panic!("{err}")
    };
    assert!(reason.contains("missing field `relation-id`"), "{reason}");
    assert!(matches!(juju.show_unit("mysql/9"), Err(Error::Cli(_))));
    assert_eq!(fake.argv()[0], "show-unit --model m mysql/0 --format json");
}

/// jubilant's samples of `juju secrets` and `juju show-secret` JSON (tests/unit/fake_secrets.py,
/// jubilant 06572b5).
const MULTIPLE_SECRETS: &str = r#"{"d0vdtqnmp25c762e7jug": {"revision": 2, "owner": "<model>", "name": "admin-account", "created": "2025-06-03T11:39:23Z", "updated": "2025-06-03T11:39:35Z"}, "d0vdtqeski35bidi7jug": {"revision": 1, "owner": "user", "name": "admin-password", "created": "2025-06-03T13:39:23Z", "updated": "2025-06-03T13:39:35Z"}}"#;
const SINGLE_SECRET_REVEALED: &str = r#"{"d1ehcifmp25c76e01vhg": {"revision": 1, "checksum": "6e7780224ca82a052f4fe9bc57f8e25d2bd012fa0ca40891a083c8f1b2748a29", "expires": "2025-06-27T09:43:38Z", "rotation": "daily", "rotates": "2025-06-27T09:43:38Z", "owner": "example-charm", "description": "Some description", "label": "example-charm-secret", "created": "2025-06-26T09:43:38Z", "updated": "2025-06-26T09:43:38Z", "content": {"Data": {"password": "secret", "username": "admin"}}}}"#;
const SINGLE_SECRET_REVEALED_JUJU35: &str = r#"{"d1ehcifmp25c76e01vhg": {"revision": 1, "expires": "2025-06-27T09:43:38Z", "rotation": "daily", "rotates": "2025-06-27T09:43:38Z", "owner": "example-charm", "description": "Some description", "label": "example-charm-secret", "created": "2025-06-26T09:43:38Z", "updated": "2025-06-26T09:43:38Z", "content": {"Data": {"password": "secret", "username": "admin"}}}}"#;
const SINGLE_SECRET_REVISIONS: &str = r#"{"d1ehcifmp25c76e01vhg": {"revision": 2, "expires": "2025-06-27T09:43:38Z", "rotation": "daily", "rotates": "2025-06-27T09:43:38Z", "owner": "example-charm", "description": "Some description", "label": "example-charm-secret", "created": "2025-06-26T09:43:38Z", "updated": "2025-06-26T09:43:38Z", "revisions": [{"revision": 1, "backend": "demo-local", "created": "2025-06-26T09:43:38Z", "updated": "2025-06-26T09:43:38Z", "expires": "2025-06-27T09:43:38Z"}, {"revision": 2, "backend": "demo-local", "created": "2025-06-27T09:43:38Z", "updated": "2025-06-27T09:43:38Z", "expires": "2025-06-28T09:43:38Z"}]}}"#;
const SINGLE_SECRET_WITH_ACCESS: &str = r#"{"d0vdtqnmp25c762e7jug": {"revision": 2, "checksum": "0a3322b0d9c2b3ac8f7bae0da21c8828d69ada7d64cb26c0f5c55d2706971c91", "owner": "<model>", "name": "admin-account", "created": "2025-06-03T11:39:23Z", "updated": "2025-06-03T11:39:35Z", "access": [{"target": "application-example-charm", "scope": "model-7fc4913e-e356-4783-8e80-f2ac9f19759e", "role": "view"}]}}"#;

#[test]
fn add_and_update_secret_pass_the_content_in_a_file_like_jubilant() {
    // jubilant tests/unit/test_add_secret.py test_normal, test_with_info (06572b5).
    let fake = Fake::new();
    fake.reply(1, "secret:0123456789abcdefghji\n", "", 0);
    let juju = fake.juju();
    let uri = juju
        .add_secret("my-secret", [("username", "admin")], Some("A description."))
        .unwrap();
    assert_eq!(uri, SecretUri("secret:0123456789abcdefghji".into()));
    assert_eq!(uri.unique_identifier(), "0123456789abcdefghji");
    let argv = fake.argv();
    assert!(
        argv[0].starts_with("add-secret --model m my-secret --info A description. --file "),
        "{argv:?}"
    );
    let file: serde_json::Value = serde_json::from_str(&fake.file("file-1")).unwrap();
    assert_eq!(file, json!({"username": "admin"}));
    assert!(
        !argv[0].contains("admin"),
        "content stays off the command line"
    );
    juju.update_secret(
        "sec2",
        [("password", "hunter3")],
        &UpdateSecretOptions {
            info: Some("new".into()),
            name: Some("sec3".into()),
            auto_prune: true,
        },
    )
    .unwrap();
    assert!(
        fake.argv()[1].starts_with(
            "update-secret --model m sec2 --info new --name sec3 --auto-prune --file "
        ),
        "{:?}",
        fake.argv()
    );
    let file: serde_json::Value = serde_json::from_str(&fake.file("file-2")).unwrap();
    assert_eq!(file, json!({"password": "hunter3"}));
}

#[test]
fn grant_revoke_and_remove_run_the_cli_shapes() {
    // jubilant tests/unit/test_grant_secret.py and test_remove_secret.py (06572b5).
    let fake = Fake::new();
    let juju = fake.juju();
    juju.grant_secret("secret:abc", ["app1", "app2"]).unwrap();
    juju.revoke_secret("my-secret", ["app1"]).unwrap();
    juju.remove_secret("my-secret", None).unwrap();
    juju.remove_secret("my-secret", Some(2)).unwrap();
    assert_eq!(
        fake.argv(),
        [
            "grant-secret --model m secret:abc app1,app2",
            "revoke-secret --model m my-secret app1",
            "remove-secret --model m my-secret",
            "remove-secret --model m my-secret --revision 2",
        ]
    );
}

#[test]
fn show_secret_parses_jubilants_samples() {
    let fake = Fake::new();
    fake.reply(1, SINGLE_SECRET_REVEALED, "", 0);
    fake.reply(2, SINGLE_SECRET_REVEALED_JUJU35, "", 0);
    fake.reply(3, SINGLE_SECRET_REVISIONS, "", 0);
    fake.reply(4, SINGLE_SECRET_WITH_ACCESS, "", 0);
    fake.reply(5, "ERROR secret \"nope\" not found\n", "", 1);
    let juju = fake.juju();
    // jubilant tests/unit/test_show_secret.py (06572b5).
    let revealed = juju.reveal_secret("example-charm-secret", Some(1)).unwrap();
    assert_eq!(revealed.uri.as_str(), "secret:d1ehcifmp25c76e01vhg");
    assert_eq!(revealed.revision, 1);
    assert_eq!(revealed.owner, "example-charm");
    assert_eq!(revealed.label.as_deref(), Some("example-charm-secret"));
    assert_eq!(revealed.description.as_deref(), Some("Some description"));
    assert_eq!(revealed.rotation.as_deref(), Some("daily"));
    assert_eq!(revealed.rotates.as_deref(), Some("2025-06-27T09:43:38Z"));
    assert_eq!(revealed.expires.as_deref(), Some("2025-06-27T09:43:38Z"));
    assert_eq!(
        revealed.checksum,
        "6e7780224ca82a052f4fe9bc57f8e25d2bd012fa0ca40891a083c8f1b2748a29"
    );
    assert_eq!(revealed.content["password"], "secret");
    assert_eq!(revealed.content["username"], "admin");
    let old = juju.reveal_secret("example-charm-secret", None).unwrap();
    assert_eq!(old.checksum, "", "no checksum before Juju 3.6");
    let revisions = juju
        .show_secret_revisions("example-charm-secret")
        .unwrap()
        .revisions
        .unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[1].revision, 2);
    assert_eq!(revisions[1].backend, "demo-local");
    assert_eq!(
        revisions[1].expires.as_deref(),
        Some("2025-06-28T09:43:38Z")
    );
    let shown = juju.show_secret("admin-account").unwrap();
    assert_eq!(shown.name.as_deref(), Some("admin-account"));
    assert_eq!(shown.owner, "<model>");
    let access = shown.access.unwrap();
    assert_eq!(access[0].target, "application-example-charm");
    assert_eq!(
        access[0].scope,
        "model-7fc4913e-e356-4783-8e80-f2ac9f19759e"
    );
    assert_eq!(access[0].role, "view");
    assert!(shown.revisions.is_none() && shown.rotation.is_none());
    let err = juju.show_secret("nope").unwrap_err();
    assert!(matches!(err, Error::Cli(_)), "{err}");
    assert_eq!(
        fake.argv(),
        [
            "show-secret --model m example-charm-secret --format json --reveal --revision 1",
            "show-secret --model m example-charm-secret --format json --reveal",
            "show-secret --model m example-charm-secret --format json --revisions",
            "show-secret --model m admin-account --format json",
            "show-secret --model m nope --format json",
        ]
    );
}

#[test]
fn secrets_parses_jubilants_sample() {
    // jubilant tests/unit/test_secrets.py (06572b5).
    let fake = Fake::new();
    fake.reply(1, MULTIPLE_SECRETS, "", 0);
    fake.reply(2, "{}", "", 0);
    fake.reply(3, "{}", "", 0);
    let juju = fake.juju();
    let secrets = juju.secrets(None).unwrap();
    assert_eq!(secrets.len(), 2);
    let account = secrets
        .iter()
        .find(|s| s.name.as_deref() == Some("admin-account"))
        .unwrap();
    assert_eq!(account.uri.as_str(), "secret:d0vdtqnmp25c762e7jug");
    assert_eq!(account.revision, 2);
    assert_eq!(account.owner, "<model>");
    assert_eq!(account.created, "2025-06-03T11:39:23Z");
    assert!(account.label.is_none() && account.access.is_none());
    assert_eq!(juju.secrets(None).unwrap(), []);
    assert_eq!(juju.secrets(Some("user")).unwrap(), []);
    assert_eq!(
        fake.argv(),
        [
            "secrets --model m --format json",
            "secrets --model m --format json",
            "secrets --model m --owner user --format json",
        ]
    );
}
