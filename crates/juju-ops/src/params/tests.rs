//! Unit tests of param validation: messages, paths, defaults and gojsonschema's number rules.

use serde_json::json;

use super::*;

/// The docs' snapshot action, as charmcraft.yaml declares it.
fn snapshot_spec(additional: Option<Value>) -> ActionSpec {
    let mut body = json!({
        "description": "Take a snapshot of the database.",
        "params": {
            "filename": {"type": "string", "description": "The name of the snapshot file."},
            "compression": {
                "type": "object",
                "description": "The type of compression to use.",
                "properties": {
                    "kind": {"type": "string", "enum": ["gzip", "bzip2", "xz"], "default": "gzip"},
                    "quality": {"type": "integer", "default": 5, "minimum": 0, "maximum": 9}
                },
                "additionalProperties": false
            }
        },
        "required": ["filename"]
    });
    if let Some(ap) = additional {
        body["additionalProperties"] = ap;
    }
    ActionSpec::from_yaml_value("snapshot", &body).unwrap()
}

fn check(params: Value) -> Result<Value, String> {
    prepare(&snapshot_spec(Some(json!(false))), &params).map_err(|e| e.to_string())
}

#[test]
fn defaults_are_inserted_after_validation() {
    assert_eq!(
        check(json!({"filename": "a"})).unwrap(),
        json!({"filename": "a", "compression": {"kind": "gzip", "quality": 5}})
    );
    assert_eq!(
        check(json!({"filename": "a", "compression": {"quality": 2}})).unwrap(),
        json!({"filename": "a", "compression": {"kind": "gzip", "quality": 2}})
    );
    assert_eq!(
        check(Value::Null).unwrap_err(),
        "Error in action parameters: filename: required parameter is missing"
    );
}

#[test]
fn every_bad_field_is_named_with_its_path() {
    let cases = [
        (json!({}), "filename: required parameter is missing"),
        (
            json!({"filename": "a", "compression": {"quality": 12}}),
            "compression.quality: must be less than or equal to 9, given 12",
        ),
        (
            json!({"filename": "a", "compression": {"quality": -1}}),
            "compression.quality: must be greater than or equal to 0, given -1",
        ),
        (
            json!({"filename": "a", "compression": {"kind": "zip"}}),
            "compression.kind: must be one of \"gzip\", \"bzip2\", \"xz\", given \"zip\"",
        ),
        (
            json!({"filename": "a", "compression": {"quality": "high"}}),
            "compression.quality: must be of type integer, not string, given \"high\"",
        ),
        (
            json!({"filename": "a", "compression": {"quality": 2.5}}),
            "compression.quality: must be of type integer, not number, given 2.5",
        ),
        (
            json!({"filename": 123}),
            "filename: must be of type string, not integer, given 123",
        ),
        (
            json!({"filename": "a", "compression": "gzip"}),
            "compression: must be of type object, not string, given \"gzip\"",
        ),
        (
            json!({"filename": "a", "bogus": 1}),
            "bogus: unknown parameter (the schema sets additionalProperties: false)",
        ),
        (
            json!({"filename": "a", "compression": {"level": 3}}),
            "compression.level: unknown parameter",
        ),
        (json!([1]), "must be of type object, not array"),
    ];
    for (params, want) in cases {
        let got = check(params.clone()).unwrap_err();
        assert!(got.starts_with("Error in action parameters: "), "{got}");
        assert!(got.contains(want), "{params}: got {got:?}, want {want:?}");
    }
}

#[test]
fn all_errors_are_reported_at_once() {
    let got = check(json!({"compression": {"quality": 12, "kind": "zip"}, "x": 1})).unwrap_err();
    assert_eq!(
        got,
        "Error in action parameters: filename: required parameter is missing; \
         compression.kind: must be one of \"gzip\", \"bzip2\", \"xz\", given \"zip\"; \
         compression.quality: must be less than or equal to 9, given 12; \
         x: unknown parameter (the schema sets additionalProperties: false)"
    );
}

#[test]
fn huge_values_are_validated_whole_and_quoted_short() {
    let spec = snapshot_spec(Some(json!(false)));
    let big = "x".repeat(1024 * 1024);
    let params = prepare(&spec, &json!({"filename": big.clone()})).unwrap();
    assert_eq!(params["filename"].as_str().map(str::len), Some(big.len()));
    let message = prepare(
        &spec,
        &json!({"filename": "f", "compression": {"kind": big}}),
    )
    .unwrap_err()
    .to_string();
    assert!(message.len() < 300, "{message}");
    // The JSON string's quotes count too.
    assert!(
        message.ends_with(&format!("… ({} bytes)", big.len() + 2)),
        "{message}"
    );
}

#[test]
fn keys_with_underscores_or_upper_case_are_not_the_declared_params() {
    // Juju matches param names exactly: `file_name` and `Filename` are other, unknown keys.
    let spec = snapshot_spec(Some(json!(false)));
    let err = prepare(&spec, &json!({"file_name": "a", "Filename": "b"})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Error in action parameters: filename: required parameter is missing; \
         Filename: unknown parameter (the schema sets additionalProperties: false); \
         file_name: unknown parameter (the schema sets additionalProperties: false)"
    );
}

#[test]
fn additional_properties_absent_means_juju3_default_true() {
    let spec = snapshot_spec(None);
    assert_eq!(
        prepare(&spec, &json!({"filename": "a", "extra": [1]})).unwrap()["extra"],
        json!([1])
    );
    let spec = snapshot_spec(Some(json!({"type": "string"})));
    assert_eq!(
        prepare(&spec, &json!({"filename": "a", "extra": 1}))
            .unwrap_err()
            .to_string(),
        "Error in action parameters: extra: must be of type string, not integer, given 1"
    );
}

#[test]
fn integral_floats_are_integers_as_juju_passes_float64() {
    let got = check(json!({"filename": "a", "compression": {"quality": 7.0}})).unwrap();
    assert_eq!(got["compression"]["quality"], json!(7));
    assert!(got["compression"]["quality"].is_i64());
}

#[test]
fn exclusive_bounds_lengths_and_items() {
    let spec = ActionSpec::from_yaml_value(
        "a",
        &json!({"params": {
            "n": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "exclusiveMaximum": true},
            "s": {"type": "string", "minLength": 2, "maxLength": 3},
            "l": {"type": "array", "items": {"type": "integer"}, "maxItems": 2},
            "u": {"type": ["string", "null"]}
        }}),
    )
    .unwrap();
    let err = |v: Value| prepare(&spec, &v).unwrap_err().to_string();
    assert!(err(json!({"n": 0})).contains("n: must be greater than 0, given 0"));
    assert!(err(json!({"n": 1})).contains("n: must be less than 1, given 1"));
    assert!(err(json!({"s": "a"})).contains("s: must be at least 2 characters long"));
    assert!(err(json!({"s": "abcd"})).contains("s: must be at most 3 characters long"));
    assert!(err(json!({"l": [1, "x"]})).contains("l.1: must be of type integer"));
    assert!(err(json!({"l": [1, 2, 3]})).contains("l: must have at most 2 items"));
    assert!(err(json!({"u": 1})).contains("u: must be of type [string,null], not integer"));
    assert!(prepare(&spec, &json!({"n": 0.5, "s": "ab", "l": [1], "u": null})).is_ok());
}

#[test]
fn nested_defaults_follow_juju_insert_defaults() {
    let spec = ActionSpec::from_yaml_value(
        "a",
        &json!({"params": {
            "outer": {"type": "object", "properties": {
                "inner": {"type": "object", "properties": {"x": {"type": "integer", "default": 1}}},
                "none": {"type": "object", "properties": {"y": {"type": "integer"}}}
            }},
            "list": {"type": "array", "default": ["a"]}
        }}),
    )
    .unwrap();
    assert_eq!(
        prepare(&spec, &json!({})).unwrap(),
        json!({"outer": {"inner": {"x": 1}}, "list": ["a"]})
    );
    assert_eq!(
        prepare(&spec, &json!({"outer": {"inner": {"x": 3}}, "list": []})).unwrap(),
        json!({"outer": {"inner": {"x": 3}}, "list": []})
    );
}
