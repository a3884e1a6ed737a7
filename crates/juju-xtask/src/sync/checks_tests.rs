//! Tests of what `sync` refuses to write: action schemas Juju would refuse or the runtime would
//! not enforce, non-kebab-case param names, config options with validation keywords, and hooks
//! for a storage or container `charmcraft.yaml` does not declare.

use serde_json::{Value, json};

use super::splice::{SyncError, UndeclaredHook, update_sections};
use super::{SECTIONS, ensure_synced};

const FILE: &str = "type: charm\nname: demo\n";

fn sync(schema: Value) -> Result<String, SyncError> {
    update_sections(FILE, &schema, &SECTIONS)
}

fn action(params: Value) -> Value {
    json!({"actions": {"snapshot": {"additionalProperties": false, "params": params}}})
}

fn refusal(schema: Value) -> String {
    match sync(schema) {
        Ok(text) => panic!("sync wrote {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn enforced_keywords_are_written() {
    let out = sync(action(json!({
        "name": {"type": "string", "pattern": "^[a-z]+$"},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
        "step": {"type": "number", "multipleOf": 0.5},
        "mode": {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    })))
    .unwrap();
    assert!(out.contains("pattern: ^[a-z]+$"), "{out}");
    assert!(out.contains("uniqueItems: true"), "{out}");
}

#[test]
fn param_names_must_be_kebab_case() {
    for name in ["file_name", "fileName", "File", "-x", "x-", "a--b", "é"] {
        let message = refusal(action(json!({name: {"type": "string"}})));
        assert!(
            message.contains(&format!("param name {name:?} is not kebab-case")),
            "{message}"
        );
    }
    for name in ["file-name", "x", "level2", "0-9"] {
        assert!(
            sync(action(json!({name: {"type": "string"}}))).is_ok(),
            "{name}"
        );
    }
}

#[test]
fn keywords_juju_ignores_or_refuses_are_named_with_their_place() {
    let cases = [
        (
            json!({"tags": {"type": "array", "contains": {"type": "string"}}}),
            "`params.tags.contains`: `contains` is not a JSON Schema draft-4 keyword",
        ),
        (
            json!({"n": {"type": "object", "properties": {"m": {"const": 1}}}}),
            "`params.n.properties.m.const`",
        ),
        (
            json!({"s": {"type": "string", "pattern": "\\p{Greek}"}}),
            "`params.s.pattern`: regular expression",
        ),
        (
            json!({"s": {"type": "string", "pattern": "(unclosed"}}),
            "`params.s.pattern`",
        ),
        (
            json!({"n": {"type": "integer", "minimum": 5, "maximum": 1}}),
            "`params.n`: minimum 5 is greater than maximum 1",
        ),
        (
            json!({"n": {"type": "integer", "exclusiveMinimum": 3}}),
            "`params.n.exclusiveMinimum`",
        ),
        (
            json!({"n": {"type": "int"}}),
            "`params.n.type`: \"int\" is not a valid type",
        ),
        (
            json!({"n": {"enum": []}}),
            "`params.n.enum`: must list at least one value",
        ),
    ];
    for (params, want) in cases {
        let message = refusal(action(params.clone()));
        assert!(message.starts_with("action \"snapshot\": "), "{message}");
        assert!(message.contains(want), "{params}: {message}");
    }
}

#[test]
fn action_level_keywords_are_checked_too() {
    let schema = json!({"actions": {"snapshot": {
        "params": {"a": {"type": "string"}},
        "minProperties": -1
    }}});
    let message = refusal(schema);
    assert!(
        message.contains("`minProperties`: must be a whole number"),
        "{message}"
    );
    let schema = json!({"actions": {"snapshot": {
        "params": {"a": {"type": "string"}, "b": {"type": "string"}},
        "dependencies": {"a": ["b"]},
        "minProperties": 1
    }}});
    assert!(sync(schema).is_ok());
}

#[test]
fn config_options_with_validation_are_refused() {
    for (key, value) in [
        ("minimum", json!(0)),
        ("maximum", json!(9)),
        ("pattern", json!("^a")),
        ("enum", json!(["a"])),
    ] {
        let schema = json!({"config": {"options": {"level": {"type": "int", key: value}}}});
        let message = refusal(schema);
        assert!(
            message.starts_with(&format!(
                "config option \"level\": has `{key}`: Juju config options have only a type"
            )),
            "{message}"
        );
    }
    let plain = json!({"config": {"options": {"level": {"type": "int", "default": 5, "description": "Level"}}}});
    assert!(sync(plain).is_ok());
}

fn hooks(file: &str, hooks: Value) -> Result<String, SyncError> {
    update_sections(file, &json!({"hooks": hooks}), &SECTIONS)
}

#[test]
fn storage_and_container_hooks_need_their_declaration() {
    let err = hooks(
        FILE,
        json!([
            "data-storage-attached",
            "data-storage-detaching",
            "install",
            "logs-storage-detaching",
            "workload-pebble-check-failed",
            "workload-pebble-ready",
        ]),
    )
    .unwrap_err();
    let SyncError::UndeclaredHooks { hooks: found } = &err else {
        panic!("{err}")
    };
    let found: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|h| (h.hook.as_str(), h.section, h.name.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("data-storage-attached", "storage", "data"),
            ("data-storage-detaching", "storage", "data"),
            ("logs-storage-detaching", "storage", "logs"),
            ("workload-pebble-check-failed", "containers", "workload"),
            ("workload-pebble-ready", "containers", "workload"),
        ]
    );
    let message = err.to_string();
    assert!(
        message.starts_with("the charm handles hooks that charmcraft.yaml does not declare, so Juju would never run them:\n  - `data-storage-attached`: "),
        "{message}"
    );
    assert_eq!(message.lines().count(), 6, "one line per hook: {message}");
    assert_eq!(
        UndeclaredHook {
            hook: "data-storage-attached".into(),
            section: "storage",
            name: "data".into()
        }
        .to_string(),
        "`data-storage-attached`: charmcraft.yaml declares no storage named \"data\"; declare it under `storage:` (e.g. `storage: {data: {type: filesystem}}`), or stop handling `data-storage-attached` in charm/src"
    );
}

#[test]
fn declared_storage_and_containers_and_other_hooks_pass() {
    let file = "type: charm\nname: demo\nstorage:\n  data: {type: filesystem}\ncontainers:\n  workload: {resource: img}\n";
    let all = json!([
        "data-storage-attached",
        "data-storage-detaching",
        "workload-pebble-ready",
        "workload-pebble-custom-notice",
        "workload-pebble-check-failed",
        "workload-pebble-check-recovered",
        "install",
        "config-changed",
        "db-storage-relation-changed",
        "web-pebble-relation-joined",
        "-storage-attached",
        "-pebble-ready",
    ]);
    assert_eq!(hooks(file, all).unwrap(), file);
    // A storage is not a container, nor the other way round.
    let swapped = "type: charm\nname: demo\nstorage:\n  workload: {type: filesystem}\ncontainers:\n  data: {resource: img}\n";
    let err = hooks(
        swapped,
        json!(["data-storage-attached", "workload-pebble-ready"]),
    )
    .unwrap_err();
    assert!(
        matches!(&err, SyncError::UndeclaredHooks { hooks } if hooks.len() == 2),
        "{err}"
    );
    // `storage:` that is not a mapping declares nothing.
    assert!(
        hooks(
            "name: demo\nstorage: [data]\n",
            json!(["data-storage-attached"])
        )
        .is_err()
    );
    // An older charm binary prints no hooks: nothing to check.
    assert!(update_sections(FILE, &json!({}), &SECTIONS).is_ok());
}

#[test]
fn hooks_that_are_not_a_list_of_names_are_refused() {
    for bad in [
        json!("install"),
        json!([1]),
        json!({"install": true}),
        json!(null),
    ] {
        let message = hooks(FILE, bad.clone()).unwrap_err().to_string();
        assert!(
            message.starts_with("the charm binary's --print-schema output has a `hooks` sync cannot read: it must be a list of hook names"),
            "{bad}: {message}"
        );
    }
}

#[test]
fn undeclared_hooks_fail_sync_and_check_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("charmcraft.yaml");
    let text = "type: charm\nname: demo\nrequires:\n  old: {interface: x}\n";
    std::fs::write(&file, text).unwrap();
    let schema = json!({"requires": {}, "hooks": ["data-storage-attached"]});
    for check in [true, false] {
        let err = ensure_synced(&file, &schema, check)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "charmcraft.yaml: the charm handles hooks that charmcraft.yaml does not declare"
            ),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    }
}
