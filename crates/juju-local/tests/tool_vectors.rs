//! Juju's own test cases, as data (`tests/vectors/*.yaml`), run against the local Juju: the hook
//! tools' outputs, errors and exit codes (`tools.yaml`, from `jujuc/*_test.go`), `juju run`
//! argument parsing (`run-args.yaml`, from `cmd/juju/action/run_test.go` and yaml.v2), and param
//! validation, numbers and defaults (`numbers.yaml`, from `internal/charm/actions_test.go` and
//! gojsonschema). One charm carries every action the files define; its `dispatch` runs the
//! vector's command (action `t`) or records what `action-get` prints (every other action), and
//! runs a script as the action's own process (action `o`) for what Juju records of its output,
//! exit status and signals (`output.yaml`, from the uniter's runner and action context).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Map, Value};

const BIN: &str = env!("CARGO_BIN_EXE_juju-local");

struct Juju {
    home: tempfile::TempDir,
    out: PathBuf,
}

impl Juju {
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("JUJU_LOCAL_HOME", self.home.path())
            .output()
            .unwrap()
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.out.join(name)).unwrap_or_default()
    }

    fn clear(&self) {
        for name in ["stdout", "stderr", "rc", "json", "smart", "then"] {
            let _ = fs::remove_file(self.out.join(name));
        }
    }
}

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    serde_saphyr::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Deploys one charm with the actions of every vector file.
fn deployed() -> Juju {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let juju = Juju { home, out };
    assert!(juju.cmd(&["add-model", "m"]).status.success());
    let mut actions = Map::new();
    actions.insert("t".into(), Value::Null);
    actions.insert("o".into(), Value::Null);
    for file in ["tools.yaml", "run-args.yaml", "numbers.yaml"] {
        if let Some(Value::Object(a)) = load(file).get("actions") {
            actions.extend(a.clone());
        }
    }
    let o = juju.out.display().to_string();
    let dispatch = format!(
        "#!/bin/sh\nOUT={o}\ncase \"$JUJU_DISPATCH_PATH\" in\nhooks/*) ;;\nactions/t) . \"$OUT/cmd\" >\"$OUT/stdout\" 2>\"$OUT/stderr\"; echo $? >\"$OUT/rc\" ;;\nactions/o) . \"$OUT/cmd\" ;;\nactions/*) action-get --format=json >\"$OUT/json\"; action-get >\"$OUT/smart\" ;;\nesac\n"
    );
    let charm = juju.home.path().join("v.charm");
    let mut zip = zip::ZipWriter::new(fs::File::create(&charm).unwrap());
    // `config` of tools.yaml: the charm's options (what `config-get` vectors read).
    let config = serde_json::json!({"options": load("tools.yaml").get("config").cloned().unwrap_or_default()});
    let entries: [(&str, String, u32); 5] = [
        (
            "manifest.yaml",
            "bases: [{name: ubuntu, channel: '24.04', architectures: [amd64]}]\n".into(),
            0o644,
        ),
        (
            "metadata.yaml",
            "name: vectors\nsummary: s\ndescription: d\n".into(),
            0o644,
        ),
        (
            "actions.yaml",
            serde_json::to_string(&Value::Object(actions)).unwrap(),
            0o644,
        ),
        ("config.yaml", config.to_string(), 0o644),
        ("dispatch", dispatch, 0o755),
    ];
    for (name, text, mode) in entries {
        let options = zip::write::SimpleFileOptions::DEFAULT.unix_permissions(mode);
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    let deployed = juju.cmd(&["deploy", charm.to_str().unwrap(), "app", "-m", "m"]);
    assert!(deployed.status.success(), "{deployed:?}");
    juju
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `juju run app/0 ACTION ARGS… --format json`: (task, stderr, exit code).
fn run(juju: &Juju, action: &str, args: &[String], params: Option<&Value>) -> (Value, String, i32) {
    let mut all: Vec<String> = ["run", "-m", "m", "--format", "json", "app/0", action]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    if let Some(p) = params {
        let file = juju.home.path().join("params.json");
        fs::write(&file, serde_json::to_string(p).unwrap()).unwrap();
        all.push("--params".into());
        all.push(file.display().to_string());
    }
    all.extend(args.iter().cloned());
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = juju.cmd(&refs);
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

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn vectors(file: &str) -> Vec<Value> {
    load(file)["vectors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn hook_tools_match_juju_tests() {
    let juju = deployed();
    let mut failures = Vec::new();
    for v in vectors("tools.yaml") {
        juju.clear();
        let line: Vec<String> = std::iter::once(text(&v, "tool").unwrap())
            .chain(strings(&v, "args").iter().map(|a| sh_quote(a)))
            .collect();
        // `setup` runs first in the same context (its output dropped); `then` runs after the
        // tool, its stdout kept for `then_stdout`; the script's status is the tool's.
        let o = juju.out.display();
        let script = format!(
            "{{ {}\n:; }} >/dev/null 2>&1\n{}\nrc=$?\n{{ {}\n:; }} >{o}/then 2>&1\n(exit $rc)\n",
            strings(&v, "setup").join("\n"),
            line.join(" "),
            text(&v, "then").unwrap_or_default(),
        );
        fs::write(juju.out.join("cmd"), script).unwrap();
        let task = if text(&v, "context").as_deref() == Some("hook") {
            let script = format!(". {o}/cmd >{o}/stdout 2>{o}/stderr; echo $? >{o}/rc");
            let out = juju.cmd(&["exec", "-m", "m", "--unit", "app/0", "--", &script]);
            assert!(out.status.success(), "{out:?}");
            Value::Null
        } else {
            run(&juju, "t", &[], v.get("params")).0
        };
        let code: i64 = juju.read("rc").trim().parse().unwrap_or(-1);
        let mut got = vec![(
            "code",
            Value::from(code),
            Value::from(v.get("code").and_then(Value::as_i64).unwrap_or(0)),
        )];
        got.push((
            "stdout",
            Value::from(juju.read("stdout")),
            Value::from(text(&v, "stdout").unwrap_or_default()),
        ));
        got.push((
            "stderr",
            Value::from(juju.read("stderr")),
            Value::from(text(&v, "stderr").unwrap_or_default()),
        ));
        if let Some(want) = v.get("results") {
            let mut results = task["results"].clone();
            if let Value::Object(m) = &mut results {
                m.remove("return-code");
            }
            got.push(("results", results, want.clone()));
        }
        if let Some(want) = v.get("then_stdout") {
            got.push(("then", Value::from(juju.read("then")), want.clone()));
        }
        for key in ["status", "message"] {
            if let Some(want) = v.get(key) {
                got.push((key, task[key].clone(), want.clone()));
            }
        }
        if v.get("log").is_some() {
            let log: Vec<Value> = task["log"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|l| Value::from(l.as_str().unwrap_or_default().get(30..).unwrap_or_default()))
                .collect();
            got.push(("log", Value::Array(log), v["log"].clone()));
        }
        for (what, have, want) in got {
            if have != want {
                failures.push(format!("{}: {what}: got {have}, want {want}", v["source"]));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs the `juju run` vectors of `file` (action from the vector or `echo`).
fn check_runs(file: &str) {
    let juju = deployed();
    let mut failures = Vec::new();
    for v in vectors(file) {
        juju.clear();
        let action = text(&v, "action").unwrap_or_else(|| "echo".into());
        let (_, stderr, code) = run(&juju, &action, &strings(&v, "args"), v.get("params"));
        let mut checks = vec![(
            "code",
            Value::from(code),
            Value::from(v.get("code").and_then(Value::as_i64).unwrap_or(0)),
        )];
        if let Some(want) = text(&v, "stderr") {
            checks.push(("stderr", Value::from(stderr.clone()), Value::from(want)));
        }
        if let Some(want) = text(&v, "schedule_error") {
            let have = stderr
                .split_once("failed to schedule any tasks:\n")
                .map(|(_, e)| e.trim_end_matches('\n').to_owned())
                .unwrap_or_else(|| format!("(scheduled) {stderr}"));
            checks.push(("schedule_error", Value::from(have), Value::from(want)));
        }
        for key in ["json", "smart"] {
            if let Some(want) = text(&v, key) {
                checks.push((key, Value::from(juju.read(key)), Value::from(want)));
            }
        }
        for (what, have, want) in checks {
            if have != want {
                failures.push(format!("{}: {what}: got {have}, want {want}", v["source"]));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn juju_run_arguments_parse_as_yaml_v2() {
    check_runs("run-args.yaml");
}

#[test]
fn params_validate_and_default_as_gojsonschema() {
    check_runs("numbers.yaml");
}

#[test]
fn captured_output_and_exit_status_match_juju() {
    let juju = deployed();
    let mut failures = Vec::new();
    for v in vectors("output.yaml") {
        let script = text(&v, "script").unwrap();
        fs::write(juju.out.join("cmd"), script.clone() + "\n").unwrap();
        let (task, stderr, _) = run(&juju, "o", &[], None);
        let mut wrong = Vec::new();
        if task["status"] != v["status"] {
            wrong.push(format!("status {} (want {})", task["status"], v["status"]));
        }
        if let Some(message) = v.get("message")
            && task["message"] != *message
        {
            wrong.push(format!("message {} (want {message})", task["message"]));
        }
        for (key, want) in v["results"].as_object().into_iter().flatten() {
            let got = task["results"].get(key).unwrap_or(&Value::Null);
            if got != want {
                wrong.push(format!("results.{key} {got} (want {want})"));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{} ({script:?}): {}; stderr: {stderr}",
                text(&v, "source").unwrap_or_default(),
                wrong.join(", ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
