//! Juju's own test cases, as data (`tests/vectors/*.yaml`), run against the local Juju: the hook
//! tools' outputs, errors and exit codes (`tools.yaml`, from `jujuc/*_test.go`), `juju run`
//! argument parsing (`run-args.yaml`, from `cmd/juju/action/run_test.go` and yaml.v2), and param
//! validation, numbers and defaults (`numbers.yaml`, from `internal/charm/actions_test.go` and
//! gojsonschema). One charm carries every action the files define; its `dispatch` runs the
//! vector's command (action `t`) or records what `action-get` prints (every other action), and
//! runs a script as the action's own process (action `o`) for what Juju records of its output,
//! exit status and signals (`output.yaml`, from the uniter's runner and action context).

mod support;

use std::fs;

use serde_json::{Map, Value};
use support::{Juju, load, sh_quote, text};

impl Juju {
    fn read(&self, name: &str) -> String {
        self.out().read(name)
    }

    fn clear(&self) {
        for name in ["stdout", "stderr", "rc", "json", "smart", "then"] {
            let _ = fs::remove_file(self.out().join(name));
        }
    }
}

/// Deploys one charm with the actions of every vector file.
fn deployed() -> Juju {
    let juju = Juju::new();
    let mut actions = Map::new();
    actions.insert("t".into(), Value::Null);
    actions.insert("o".into(), Value::Null);
    for file in ["tools.yaml", "run-args.yaml", "numbers.yaml"] {
        if let Some(Value::Object(a)) = load(file).get("actions") {
            actions.extend(a.clone());
        }
    }
    let o = juju.out().display().to_string();
    let dispatch = format!(
        "#!/bin/sh\nOUT={o}\ncase \"$JUJU_DISPATCH_PATH\" in\nhooks/*) ;;\nactions/t) . \"$OUT/cmd\" >\"$OUT/stdout\" 2>\"$OUT/stderr\"; echo $? >\"$OUT/rc\" ;;\nactions/o) . \"$OUT/cmd\" ;;\nactions/*) action-get --format=json >\"$OUT/json\"; action-get >\"$OUT/smart\" ;;\nesac\n"
    );
    // `config` of tools.yaml: the charm's options (what `config-get` vectors read).
    let config = serde_json::json!({"options": load("tools.yaml").get("config").cloned().unwrap_or_default()});
    let actions = serde_json::to_string(&Value::Object(actions)).unwrap();
    let charm = support::charm(
        &juju.path("v.charm"),
        &[
            (
                "metadata.yaml",
                b"name: vectors\nsummary: s\ndescription: d\n",
            ),
            ("actions.yaml", actions.as_bytes()),
            ("config.yaml", config.to_string().as_bytes()),
        ],
        dispatch.as_bytes(),
    );
    let deployed = juju.cmd(&["deploy", charm.to_str().unwrap(), "app", "-m", "m"]);
    assert!(deployed.status.success(), "{deployed:?}");
    juju
}

/// `juju run app/0 ACTION ARGS… --format json`: (task, stderr, exit code).
fn run(juju: &Juju, action: &str, args: &[String], params: Option<&Value>) -> (Value, String, i32) {
    let mut all: Vec<String> = vec![action.to_owned()];
    if let Some(p) = params {
        let file = juju.path("params.json");
        fs::write(&file, serde_json::to_string(p).unwrap()).unwrap();
        all.push("--params".into());
        all.push(file.display().to_string());
    }
    all.extend(args.iter().cloned());
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    juju.run(&refs)
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
        let out = juju.out();
        let o = out.display();
        let script = format!(
            "{{ {}\n:; }} >/dev/null 2>&1\n{}\nrc=$?\n{{ {}\n:; }} >{o}/then 2>&1\n(exit $rc)\n",
            strings(&v, "setup").join("\n"),
            line.join(" "),
            text(&v, "then").unwrap_or_default(),
        );
        fs::write(juju.out().join("cmd"), script).unwrap();
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
        fs::write(juju.out().join("cmd"), script.clone() + "\n").unwrap();
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
