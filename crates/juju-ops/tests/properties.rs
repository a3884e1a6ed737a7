//! Property tests: param validation, default insertion and result flattening against Juju's
//! rules, on generated inputs.

use juju_ops::params::{insert_defaults, prepare};
use juju_ops::results::{RESERVED_KEYS, check_key, flatten, nest};
use juju_ops::schema::ActionSpec;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Juju's key rule, written independently of `ops::results`: `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`
/// per dot-separated segment, and no reserved segment.
fn juju_accepts(key: &str) -> bool {
    key.split('.').all(|segment| {
        let chars: Vec<char> = segment.chars().collect();
        let alnum = |c: &char| c.is_ascii_lowercase() || c.is_ascii_digit();
        !chars.is_empty()
            && alnum(&chars[0])
            && alnum(&chars[chars.len() - 1])
            && chars.iter().all(|c| alnum(c) || *c == '-')
            && !RESERVED_KEYS.contains(&segment)
    })
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?",
        Just("stdout".to_owned()),
        Just("stderr-encoding".to_owned()),
    ]
}

/// Nested result maps whose keys are valid segments (reserved ones filtered out).
fn results_map() -> impl Strategy<Value = Map<String, Value>> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
    ];
    let tree = leaf.prop_recursive(3, 24, 4, |inner| {
        prop::collection::btree_map(segment(), inner, 1..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    });
    prop::collection::btree_map(segment(), tree, 0..5).prop_map(|m| {
        m.into_iter()
            .filter(|(k, _)| !RESERVED_KEYS.contains(&k.as_str()))
            .collect()
    })
}

fn stringified(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), stringified(v)))
                .collect(),
        ),
        Value::String(s) => Value::String(s.clone()),
        other => Value::String(other.to_string()),
    }
}

fn contains_reserved(value: &Map<String, Value>) -> bool {
    value.iter().any(|(k, v)| {
        RESERVED_KEYS.contains(&k.as_str()) || v.as_object().is_some_and(contains_reserved)
    })
}

fn has_empty_map(value: &Map<String, Value>) -> bool {
    value.values().any(|v| {
        v.as_object()
            .is_some_and(|m| m.is_empty() || has_empty_map(m))
    })
}

fn snapshot_spec() -> ActionSpec {
    ActionSpec::from_yaml_value(
        "snapshot",
        &json!({
            "params": {
                "filename": {"type": "string"},
                "compression": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": ["gzip", "bzip2", "xz"], "default": "gzip"},
                        "quality": {"type": "integer", "default": 5, "minimum": 0, "maximum": 9}
                    },
                    "additionalProperties": false
                }
            },
            "required": ["filename"],
            "additionalProperties": false
        }),
    )
    .unwrap()
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-20i64..20).prop_map(Value::from),
        (-20.0f64..20.0).prop_map(Value::from),
        prop_oneof![Just("gzip"), Just("xz"), Just("zip"), Just("a.tar")].prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("filename"),
                    Just("compression"),
                    Just("kind"),
                    Just("quality"),
                    Just("x")
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn key_rule_matches_juju(key in "[a-zA-Z0-9._ -]{0,12}|(std(out|err)(-encoding)?)(\\.[a-z]{1,3})?") {
        prop_assert_eq!(check_key(&key).is_ok(), juju_accepts(&key), "key {:?}", key);
    }

    #[test]
    fn flatten_then_nest_is_what_juju_stores(map in results_map()) {
        prop_assume!(!has_empty_map(&map) && !contains_reserved(&map));
        let pairs = flatten(&map).unwrap();
        for (key, _) in &pairs {
            prop_assert!(juju_accepts(key), "{}", key);
        }
        let nested = nest(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        prop_assert_eq!(Value::Object(nested), stringified(&Value::Object(map)));
    }

    #[test]
    fn reserved_keys_anywhere_are_refused(map in results_map(), depth in 0usize..3) {
        let mut value = Value::Object(map);
        let mut node = &mut value;
        for i in 0..depth {
            node = node.as_object_mut().unwrap().entry(format!("n{i}")).or_insert_with(|| json!({}));
            if !node.is_object() { *node = json!({}); }
        }
        node.as_object_mut().unwrap().insert("stdout".into(), json!("x"));
        let map = value.as_object().unwrap();
        prop_assert!(contains_reserved(map));
        prop_assert!(flatten(map).is_err());
    }

    #[test]
    fn prepared_params_are_valid_complete_and_stable(params in any_json()) {
        let spec = snapshot_spec();
        if let Ok(prepared) = prepare(&spec, &params) {
            // Valid again, defaults complete, and preparing twice changes nothing.
            let again = prepare(&spec, &prepared);
            prop_assert_eq!(again.as_ref(), Ok(&prepared));
            let compression = &prepared["compression"];
            prop_assert!(["gzip", "bzip2", "xz"].contains(&compression["kind"].as_str().unwrap()));
            let quality = compression["quality"].as_i64().unwrap();
            prop_assert!((0..=9).contains(&quality));
            prop_assert!(prepared["filename"].is_string());
        } else {
            let errors = prepare(&spec, &params).unwrap_err();
            prop_assert!(!errors.errors.is_empty());
            prop_assert!(errors.to_string().starts_with("Error in action parameters: "));
        }
    }

    #[test]
    fn inserting_defaults_is_idempotent(params in any_json()) {
        let schema = snapshot_spec().params_schema();
        let mut once = params.clone();
        insert_defaults(&schema, &mut once);
        let mut twice = once.clone();
        insert_defaults(&schema, &mut twice);
        prop_assert_eq!(once, twice);
    }
}
