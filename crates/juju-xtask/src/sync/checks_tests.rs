//! Tests of what `sync` refuses to write: action schemas Juju would refuse or the runtime would
//! not enforce, non-kebab-case param names, and config options with validation keywords.

use serde_json::{Value, json};

use super::SECTIONS;
use super::splice::{SyncError, update_sections};

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
