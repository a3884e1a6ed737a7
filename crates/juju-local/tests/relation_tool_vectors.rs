//! Juju's own test cases for the relation hook tools (`relation-get`, `relation-set`,
//! `relation-list`, `relation-ids`; `tests/vectors/relation-tools-apps.yaml`, from
//! `jujuc/relation-*_test.go`) run on real relations on the local Juju: the runner builds the
//! model the file describes (its relation ids are Juju's, from the order of deploys and
//! integrations), writes the remote units' data, and runs each vector through `juju exec`.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Juju, load, sh_quote, text};

/// The charm of `u`: a peer relation and two to require.
const U_METADATA: &str = "name: vec-u\nsummary: s\ndescription: d\npeers:\n  p: {interface: vp}\nrequires:\n  x: {interface: t}\n  y: {interface: t2}\n";
/// The charm of `m`, `m2` and `m3`: what `u` requires.
const M_METADATA: &str = "name: vec-m\nsummary: s\ndescription: d\nprovides:\n  x: {interface: t}\n  y: {interface: t2}\n";

impl Juju {
    /// Runs `script` in `unit`'s hook context; its stdout and stderr, together.
    fn sh(&self, unit: &str, script: &str) -> String {
        let file = self.out().join("sh");
        let script = format!("{{ {script}\n}} >{} 2>&1", file.display());
        let out = self.cmd(&["exec", "-m", "m", "--unit", unit, "--", &script]);
        assert!(out.status.success(), "exec on {unit}: {out:?}");
        fs::read_to_string(file).unwrap_or_default()
    }

    /// Polls `script` on `unit` until it prints `want`.
    fn wait_for(&self, unit: &str, script: &str, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let got = self.sh(unit, script);
            if got == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "`{script}` on {unit}: got {got:?}, want {want:?}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn read(&self, name: &str) -> String {
        self.out().read(name)
    }
}

fn charm(dir: &Path, name: &str, metadata: &str) -> PathBuf {
    support::charm(
        &dir.join(format!("{name}.charm")),
        &[("metadata.yaml", metadata.as_bytes())],
        b"#!/bin/sh\ncase \"$JUJU_DISPATCH_PATH\" in hooks/start) status-set active ;; esac\n",
    )
}

/// The model of `relation-tools-apps.yaml`'s header, its relation ids checked before any vector.
fn model() -> Juju {
    let juju = Juju::new();
    let u = charm(juju.home.path(), "u", U_METADATA);
    let m = charm(juju.home.path(), "m", M_METADATA);
    let (u, m) = (u.to_str().unwrap(), m.to_str().unwrap());
    juju.ok(&["deploy", "-m", "m", u, "u", "-n", "2"]);
    juju.ok(&["deploy", "-m", "m", m, "m", "-n", "2"]);
    juju.ok(&["deploy", "-m", "m", m, "m2"]);
    juju.ok(&["deploy", "-m", "m", m, "m3"]);
    for (a, b) in [
        ("u:x", "m:x"),
        ("u:x", "m2:x"),
        ("u:x", "m3:x"),
        ("u:y", "m:y"),
    ] {
        juju.ok(&["integrate", "-m", "m", a, b]);
    }
    // Juju numbers relations model-wide from 0, a peer relation at its application's deploy.
    let ids = "relation-ids p; relation-ids x; relation-ids y";
    juju.wait_for("u/0", ids, "p:0\nx:1\nx:2\nx:3\ny:4\n");
    juju.wait_for(
        "u/0",
        "relation-list -r 0; relation-list -r 1",
        "u/1\nm/0\nm/1\n",
    );
    juju.wait_for("u/1", "relation-list -r 2", "m2/0\n");
    juju.ok(&["remove-unit", "-m", "m", "m3/0"]);
    juju.wait_for("u/0", "relation-list -r 3", "");
    // The remote data of the header (seeded addresses deleted: the fake context has none).
    let seeded = "private-address= ingress-address= egress-subnets=";
    juju.sh(
        "m/0",
        &format!("printf 'pew: \"pew\\\\npew\\\\n\"\\n' | relation-set -r 1 --file - {seeded}"),
    );
    juju.sh("m/1", &format!("relation-set -r 1 value=12345 {seeded}"));
    juju.sh("m/leader", "relation-set -r 1 --app k=v");
    juju.wait_for("u/0", "relation-get -r 1 - m/1", "value: \"12345\"\n");
    juju
}

/// The shell lines deleting every key of u/0's bag in relation `id`.
fn reset(id: i64) -> String {
    format!(
        "for k in $(relation-get -r {id} - u/0 --format yaml | sed -n 's/^\\([a-z0-9-]*\\):.*/\\1/p'); do relation-set -r {id} \"$k=\"; done"
    )
}

#[test]
fn relation_tools_match_juju_tests() {
    let juju = model();
    let file = load("relation-tools-apps.yaml");
    let o = juju.out().display().to_string();
    let mut failures = Vec::new();
    for v in file["vectors"].as_array().unwrap() {
        for name in ["stdout", "stderr", "rc", "then"] {
            let _ = fs::remove_file(juju.out().join(name));
        }
        let mut setup: Vec<String> = match v.get("reset") {
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).map(reset).collect(),
            Some(id) => id.as_i64().map(reset).into_iter().collect(),
            None => Vec::new(),
        };
        setup.extend(
            v.get("setup")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned)),
        );
        if let Some(content) = text(v, "file") {
            fs::write(juju.out().join("spam"), content).unwrap();
        }
        let mut line = vec![text(v, "tool").unwrap()];
        for arg in v["args"].as_array().unwrap_or_else(|| panic!("{v}")) {
            let arg = arg.as_str().unwrap_or_else(|| panic!("{v}"));
            line.push(if arg == "spam" {
                format!("{o}/spam")
            } else {
                sh_quote(arg)
            });
        }
        if let Some(content) = text(v, "stdin") {
            fs::write(juju.out().join("stdin"), content).unwrap();
            line.push(format!("<{o}/stdin"));
        }
        let script = format!(
            "{{ {}\n:; }} >/dev/null 2>&1\n{} >{o}/stdout 2>{o}/stderr; echo $? >{o}/rc\n{{ {}\n:; }} >{o}/then 2>&1\n",
            setup.join("\n"),
            line.join(" "),
            text(v, "then").unwrap_or_default(),
        );
        let unit = text(v, "unit").unwrap_or_else(|| "u/0".into());
        let out = juju.cmd(&["exec", "-m", "m", "--unit", &unit, "--", &script]);
        assert!(out.status.success(), "{}: {out:?}", v["source"]);
        let mut checks = vec![
            (
                "code",
                Value::from(juju.read("rc").trim().parse::<i64>().unwrap_or(-1)),
                Value::from(v.get("code").and_then(Value::as_i64).unwrap_or(0)),
            ),
            (
                "stdout",
                Value::from(juju.read("stdout")),
                Value::from(text(v, "stdout").unwrap_or_default()),
            ),
            (
                "stderr",
                Value::from(juju.read("stderr")),
                Value::from(text(v, "stderr").unwrap_or_default()),
            ),
        ];
        if let Some(want) = v.get("then_stdout") {
            checks.push(("then", Value::from(juju.read("then")), want.clone()));
        }
        for (what, have, want) in checks {
            if have != want {
                failures.push(format!("{}: {what}: got {have}, want {want}", v["source"]));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
