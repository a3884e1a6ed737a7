//! Runs `tests/vectors/params.json` (cases from Juju's `internal/charm/actions_test.go` and
//! gojsonschema's `schema_test.go`, each citing its source and commit) through
//! `ops::params::prepare` and `ops::schema::ActionSpec::from_yaml_value`.

use juju_ops::params::prepare;
use juju_ops::schema::ActionSpec;
use serde_json::{Value, json};

fn vectors() -> Vec<Value> {
    let text = include_str!("vectors/params.json");
    let file: Value = serde_json::from_str(text).expect("params.json is JSON");
    file["vectors"]
        .as_array()
        .expect("a `vectors` list")
        .clone()
}

fn spec(name: &str, body: &Value) -> ActionSpec {
    ActionSpec::from_yaml_value(name, body)
        .unwrap_or_else(|e| panic!("the runtime refuses the action body {body}: {e}"))
}

/// What went wrong with one vector, or `None` when the runtime agrees with it.
fn run(v: &Value) -> Option<String> {
    let case = format!("{} / {}", v["source"], v["case"]);
    match v["kind"].as_str() {
        Some("params") => {
            let spec = spec("act", &v["action"]);
            let got = prepare(&spec, &v["params"]);
            let want = v["valid"].as_bool() == Some(true);
            if got.is_ok() != want {
                return Some(format!("{case}: want valid={want}, got {got:?}"));
            }
            if let (Err(e), Some(part)) = (&got, v["runtime_error"].as_str())
                && !e.to_string().contains(part)
            {
                return Some(format!("{case}: message {e} lacks {part:?}"));
            }
        }
        Some("read") => {
            let name = v["name"].as_str().unwrap_or("act");
            let got = ActionSpec::from_yaml_value(name, &v["action"]);
            let want = v["accepted"].as_bool() == Some(true);
            if got.is_ok() != want {
                return Some(format!("{case}: want accepted={want}, got {got:?}"));
            }
        }
        Some("defaults") => {
            let spec = spec("act", &v["action"]);
            match prepare(&spec, &v["params"]) {
                Ok(got) if got == v["prepared"] => {}
                other => return Some(format!("{case}: want {}, got {other:?}", v["prepared"])),
            }
        }
        Some("schema") => {
            let body = json!({"params": {"v": v["schema"]}});
            let spec = match ActionSpec::from_yaml_value("act", &body) {
                Ok(spec) => spec,
                Err(e) => return Some(format!("{case}: schema refused: {e}")),
            };
            let got = prepare(&spec, &json!({"v": v["data"]}));
            let want = v["valid"].as_bool() == Some(true);
            if got.is_ok() != want {
                return Some(format!("{case}: want valid={want}, got {got:?}"));
            }
        }
        other => return Some(format!("{case}: unknown kind {other:?}")),
    }
    None
}

#[test]
fn every_vector_gets_the_verdict_juju_gives() {
    let vectors = vectors();
    assert!(vectors.len() > 200, "{} vectors", vectors.len());
    let failures: Vec<String> = vectors.iter().filter_map(run).collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors disagree:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}
