//! Juju's own test cases as data (`tests/vectors/deploy.yaml`, `tests/vectors/config.yaml`):
//! each deploy vector builds a small charm (metadata, manifest, actions, config, a no-op
//! dispatch) and checks that `juju-local deploy` accepts it or refuses it with Juju's message;
//! each config vector runs `juju config` (or `deploy --config`) and checks the outcome and the
//! values `juju config APP KEY` prints.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::{Juju, load};

const DEFAULT_MANIFEST: &str =
    "bases:\n  - name: ubuntu\n    channel: \"22.04\"\n    architectures: [amd64]\n";
const DISPATCH: &[u8] = b"#!/bin/sh\nexit 0\n";

/// Builds the charm a vector describes.
fn build_charm(dir: &Path, file: &str, v: &Value) -> PathBuf {
    let name = v["name"].as_str().unwrap_or("somecharm");
    let metadata = format!("name: {name}\nsummary: s\ndescription: d\n");
    let manifest = match v.get("manifest") {
        None => Some(DEFAULT_MANIFEST.to_owned()),
        Some(Value::Null) => None,
        Some(m) => Some(m.as_str().unwrap().to_owned()),
    };
    let mut entries: Vec<(&str, &[u8], u32)> = vec![
        ("metadata.yaml", metadata.as_bytes(), 0o644),
        ("dispatch", DISPATCH, 0o755),
    ];
    if let Some(m) = &manifest {
        entries.push(("manifest.yaml", m.as_bytes(), 0o644));
    }
    for (key, member) in [("actions", "actions.yaml"), ("config", "config.yaml")] {
        if let Some(text) = v.get(key).and_then(Value::as_str) {
            entries.push((member, text.as_bytes(), 0o644));
        }
    }
    let path = dir.join(file);
    support::zip(&path, &entries);
    path
}

/// Checks an outcome against `expect`: `ok`, or `{error, code?}` with `CHARM` standing for the
/// charm path as given.
fn check(from: &str, out: &Output, expect: &Value, charm: &str) -> Result<(), String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    if expect.as_str() == Some("ok") {
        return (code == 0)
            .then_some(())
            .ok_or_else(|| format!("{from}: expected success, got {code}: {stderr}"));
    }
    let want = expect["error"].as_str().unwrap().replace("CHARM", charm);
    if code == 0 || !stderr.contains(&want) {
        return Err(format!(
            "{from}: expected error {want:?}, got {code}: {stderr}"
        ));
    }
    if let Some(c) = expect.get("code").and_then(Value::as_i64)
        && i64::from(code) != c
    {
        return Err(format!("{from}: expected exit {c}, got {code}: {stderr}"));
    }
    if !stderr.starts_with("ERROR ") {
        return Err(format!("{from}: stderr should start with ERROR: {stderr}"));
    }
    Ok(())
}

#[test]
fn deploy_vectors_from_juju_tests() {
    let juju = Juju::new();
    let vectors = load("deploy.yaml");
    let mut failures = Vec::new();
    let list = vectors["vectors"].as_array().unwrap();
    for (i, v) in list.iter().enumerate() {
        let from = v["from"].as_str().unwrap();
        let charm = build_charm(juju.home.path(), &format!("v{i}.charm"), v);
        let charm = charm.to_str().unwrap();
        let app = format!("v{i}");
        let mut args = vec!["deploy", charm, app.as_str(), "-m", "m"];
        let extra: Vec<String> = v["args"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        args.extend(extra.iter().map(String::as_str));
        let out = juju.cmd(&args);
        if let Err(e) = check(from, &out, &v["expect"], charm) {
            failures.push(e);
            continue;
        }
        // A refused charm leaves nothing behind.
        if v["expect"].as_str() != Some("ok") {
            let status = juju.cmd(&["status", "-m", "m", "--format", "json"]);
            let status: Value = serde_json::from_slice(&status.stdout).unwrap();
            if status["applications"].get(&app).is_some() {
                failures.push(format!("{from}: refused but {app} exists"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        list.len(),
        failures.join("\n")
    );
}

#[test]
fn refresh_refuses_what_deploy_refuses() {
    let juju = Juju::new();
    let good = build_charm(juju.home.path(), "good.charm", &serde_json::json!({}));
    let out = juju.cmd(&["deploy", good.to_str().unwrap(), "app", "-m", "m"]);
    assert!(out.status.success(), "{out:?}");
    let bad = build_charm(
        juju.home.path(),
        "bad.charm",
        &serde_json::json!({"actions": "juju-run: {}\n"}),
    );
    let out = juju.cmd(&["refresh", "app", "--path", bad.to_str().unwrap(), "-m", "m"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR cannot use action name juju-run: the \"juju-\" prefix is reserved\n"
    );
    let status = juju.cmd(&["status", "-m", "m", "--format", "json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["applications"]["app"]["charm-rev"], 0);
}

#[test]
fn config_vectors_from_juju_tests() {
    let juju = Juju::new();
    let vectors = load("config.yaml");
    let config = vectors["charm_config"].clone();
    let charm = build_charm(
        juju.home.path(),
        "config.charm",
        &serde_json::json!({ "config": config }),
    );
    let charm = charm.to_str().unwrap();
    let out = juju.cmd(&["deploy", charm, "app", "-m", "m"]);
    assert!(out.status.success(), "{out:?}");
    let mut failures = Vec::new();
    let steps = vectors["steps"].as_array().unwrap();
    for (i, step) in steps.iter().enumerate() {
        let from = step["from"].as_str().unwrap();
        let strings = |key: &str| -> Option<Vec<String>> {
            step[key]
                .as_array()
                .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        };
        let app = if strings("deploy").is_some() {
            format!("d{i}")
        } else {
            "app".to_owned()
        };
        let args: Vec<String> = if let Some(raw) = strings("raw") {
            raw
        } else if let Some(extra) = strings("deploy") {
            let mut args: Vec<String> = ["deploy", charm, &app].map(str::to_owned).to_vec();
            args.extend(extra);
            args
        } else {
            let mut args = vec!["config".to_owned(), "app".to_owned()];
            args.extend(strings("config").unwrap());
            args
        };
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["-m", "m"]);
        let out = juju.cmd(&args);
        if let Err(e) = check(from, &out, &step["expect"], charm) {
            failures.push(e);
            continue;
        }
        for (key, want) in step["get"].as_object().into_iter().flatten() {
            let out = juju.cmd(&["config", &app, key, "-m", "m"]);
            let got = String::from_utf8_lossy(&out.stdout);
            let want = format!("{}\n", want.as_str().unwrap());
            if !out.status.success() || got != want {
                failures.push(format!(
                    "{from}: config {app} {key}: want {want:?}, got {got:?} {out:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        steps.len(),
        failures.join("\n")
    );
}
