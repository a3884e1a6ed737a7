//! The local Juju validates action params independently of the charm runtime, as Juju does:
//! with its port of Juju's gojsonschema (`juju_local::gojsonschema`, Juju's messages and
//! quirks), while the runtime and harness use `ops::params`. This test draws params for schemas
//! that use the keywords action schemas use and checks both give the same verdict, so a charm
//! whose harness tests pass is not refused by the local Juju, and the reverse.

use juju_local::gojsonschema;
use ops::params::prepare;
use ops::schema::ActionSpec;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Action bodies as `actions.yaml` holds them (parsed to JSON).
fn actions() -> Vec<Value> {
    vec![
        // The ops docs' snapshot action: nested object, enum, integer range, required, closed.
        json!({
            "params": {
                "filename": {"type": "string"},
                "compression": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": ["gzip", "bzip2", "xz"], "default": "gzip"},
                        "quality": {"type": "integer", "minimum": 0, "maximum": 9, "default": 5},
                    },
                    "additionalProperties": false,
                },
            },
            "required": ["filename"],
            "additionalProperties": false,
        }),
        // Scalars with bounds, arrays, and an open object (no additionalProperties).
        json!({
            "params": {
                "name": {"type": "string", "minLength": 2, "maxLength": 5},
                "ratio": {"type": "number", "minimum": 0.5, "exclusiveMaximum": true, "maximum": 10},
                "count": {"type": "integer", "exclusiveMinimum": true, "minimum": 0},
                "flag": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
            },
            "required": ["name", "flag"],
        }),
        // additionalProperties true, and a required nested field.
        json!({
            "params": {
                "outer": {
                    "type": "object",
                    "properties": {"inner": {"type": "integer"}},
                    "required": ["inner"],
                },
            },
            "additionalProperties": true,
        }),
    ]
}

/// Any JSON value of small size, with whole floats (`5.0`, an integer to gojsonschema) and the
/// integers around 2^53 (where gojsonschema's integers end).
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..15).prop_map(Value::from),
        (-3i64..15).prop_map(|n| Value::from(n as f64 + 0.25)),
        (-3i64..15).prop_map(|n| Value::from(n as f64)),
        prop_oneof![
            Just(9_007_199_254_740_991i64),
            Just(9_007_199_254_740_992i64)
        ]
        .prop_map(Value::from),
        prop_oneof![
            Just("gzip".to_owned()),
            Just("xz".to_owned()),
            Just("zip".to_owned()),
            "[a-z]{0,7}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key(), inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Keys the schemas know, and some they do not.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("filename".to_owned()),
        Just("compression".to_owned()),
        Just("kind".to_owned()),
        Just("quality".to_owned()),
        Just("name".to_owned()),
        Just("ratio".to_owned()),
        Just("count".to_owned()),
        Just("flag".to_owned()),
        Just("tags".to_owned()),
        Just("outer".to_owned()),
        Just("inner".to_owned()),
        Just("bogus".to_owned()),
    ]
}

fn params() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(key(), value(), 0..5).prop_map(|m| m.into_iter().collect())
}

/// The verdicts of both validators on `params`, as (runtime, local Juju).
fn verdicts(body: &Value, params: &Map<String, Value>) -> (bool, bool) {
    let spec = ActionSpec::from_yaml_value("a", body).unwrap();
    let params = Value::Object(params.clone());
    let runtime = prepare(&spec, &params).is_ok();
    let schema = gojsonschema::action_schema("a", body).unwrap();
    let local = gojsonschema::validate(&schema, &params).is_empty();
    (runtime, local)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_runtime_and_the_local_juju_agree_on_every_params(
        which in 0usize..3,
        params in params(),
    ) {
        let body = &actions()[which];
        let (runtime, local) = verdicts(body, &params);
        prop_assert_eq!(runtime, local, "action {} params {}", which, Value::Object(params));
    }
}

/// Hand-picked cases, so the property test is seen to cover both verdicts.
#[test]
fn both_validators_accept_and_refuse_the_same_examples() {
    let snapshot = &actions()[0];
    let cases = [
        (json!({"filename": "a"}), true),
        (
            json!({"filename": "a", "compression": {"kind": "xz", "quality": 9}}),
            true,
        ),
        (
            json!({"filename": "a", "compression": {"quality": 10}}),
            false,
        ),
        (
            json!({"filename": "a", "compression": {"kind": "zip"}}),
            false,
        ),
        (json!({"compression": {}}), false),
        (json!({"filename": "a", "bogus": 1}), false),
        (json!({"filename": 1}), false),
    ];
    for (params, valid) in cases {
        let Value::Object(map) = &params else {
            unreachable!()
        };
        assert_eq!(verdicts(snapshot, map), (valid, valid), "{params}");
    }
}
