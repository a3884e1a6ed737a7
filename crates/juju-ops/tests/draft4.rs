//! Property test: `ops::params` gives the same valid/invalid verdict as a reference draft-4
//! validator (the `jsonschema` crate, draft 4, formats off) on drawn, nested schemas using every
//! keyword the runtime enforces, and on drawn params.
//!
//! Juju validates with gojsonschema, which departs from the draft-4 text in a few documented
//! ways; the runtime follows gojsonschema, so the reference is adapted explicitly:
//! - Numbers are float64: an integral float (`5.0`) is an `integer`. The reference is given the
//!   instance with integral floats written as integers.
//! - `additionalProperties: true` switches `patternProperties` off. The reference schema has
//!   `patternProperties` removed where `additionalProperties` is `true`.
//! - Tuple `items` are checked only on arrays of exactly their length, and integers beyond
//!   ±(2^53 − 1) are not integers: not drawn here, covered by the deterministic tests below and
//!   by `tests/vectors/params.json`.
//! - `multipleOf` divides in float64: drawn divisors are exact binary fractions, where both agree.

use juju_ops::params::{check_schema, prepare, validate};
use juju_ops::schema::ActionSpec;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const KEYS: [&str; 4] = ["a", "b", "c", "ab"];
const PATTERNS: [&str; 6] = ["^a", "b$", "^[a-c]+$", "x|y", "^[0-9]+$", "^.{2}$"];

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(&KEYS[..]).prop_map(str::to_owned)
}

/// Any JSON value of small size, with integral floats (`3.0`) among the numbers.
fn instance() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-4i64..10).prop_map(Value::from),
        (-4i64..10).prop_map(|n| Value::from(n as f64 + 0.25)),
        (-4i64..10).prop_map(|n| Value::from(n as f64)),
        prop_oneof![
            prop::sample::select(&["a", "ab", "b", "abc", "x", "7", "42", ""][..])
                .prop_map(str::to_owned),
            "[a-c0-9xy]{0,4}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn insert(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v);
    }
}

/// A schema with only leaf keywords (no subschemas), each present or not.
fn leaf_schema() -> impl Strategy<Value = Map<String, Value>> {
    let ty = prop_oneof![
        Just(None),
        prop::sample::select(
            &[
                "string", "integer", "number", "boolean", "null", "array", "object"
            ][..]
        )
        .prop_map(|t| Some(json!(t))),
        Just(Some(json!(["string", "null"]))),
        Just(Some(json!(["integer", "array"]))),
    ];
    let numeric = (
        prop::option::of(-3i64..4),
        prop::option::of(0i64..6),
        any::<(bool, bool)>(),
        prop::option::of(prop::sample::select(&[2.0, 3.0, 0.5][..])),
    )
        .prop_map(|(min, span, (ex_min, ex_max), multiple)| {
            let mut m = Map::new();
            insert(&mut m, "minimum", min.map(Value::from));
            if let Some(span) = span {
                m.insert("maximum".into(), json!(min.unwrap_or(0) + span));
                if ex_max {
                    m.insert("exclusiveMaximum".into(), json!(true));
                }
            }
            if min.is_some() && ex_min {
                m.insert("exclusiveMinimum".into(), json!(true));
            }
            insert(&mut m, "multipleOf", multiple.map(Value::from));
            m
        });
    let strings = (
        prop::option::of(0u64..3),
        prop::option::of(0u64..3),
        prop::option::of(prop::sample::select(&PATTERNS[..])),
        prop::option::of(prop::sample::select(
            &["email", "ipv4", "date-time", "uri"][..],
        )),
    )
        .prop_map(|(min, span, pattern, format)| {
            let mut m = Map::new();
            insert(&mut m, "minLength", min.map(Value::from));
            insert(
                &mut m,
                "maxLength",
                span.map(|s| json!(min.unwrap_or(0) + s)),
            );
            insert(&mut m, "pattern", pattern.map(Value::from));
            // gojsonschema (and so Juju) ignores `format`; so must the runtime.
            insert(&mut m, "format", format.map(Value::from));
            m
        });
    let collections = (
        prop::option::of(0u64..3),
        prop::option::of(0u64..3),
        prop::option::of(any::<bool>()),
        prop::option::of(0u64..3),
        prop::option::of(0u64..3),
        prop::option::of(prop::collection::btree_set(key(), 1..3)),
        prop::option::of((key(), key())),
    )
        .prop_map(
            |(min_items, max_items, unique, min_props, max_props, required, dep)| {
                let mut m = Map::new();
                insert(&mut m, "minItems", min_items.map(Value::from));
                insert(&mut m, "maxItems", max_items.map(Value::from));
                insert(&mut m, "uniqueItems", unique.map(Value::from));
                insert(&mut m, "minProperties", min_props.map(Value::from));
                insert(
                    &mut m,
                    "maxProperties",
                    max_props.map(|s| json!(min_props.unwrap_or(0) + s)),
                );
                insert(&mut m, "required", required.map(|r| json!(r)));
                insert(&mut m, "dependencies", dep.map(|(k, d)| json!({k: [d]})));
                m
            },
        );
    let choices = prop::option::of(prop::collection::btree_set(
        prop_oneof![
            (-2i64..4).prop_map(|n| n.to_string()),
            prop::sample::select(&["\"a\"", "\"ab\"", "null", "true", "[1]", "{\"a\":1}"][..])
                .prop_map(str::to_owned),
        ],
        1..4,
    ));
    (ty, numeric, strings, collections, choices).prop_map(|(ty, n, s, c, choices)| {
        let mut m = Map::new();
        insert(&mut m, "type", ty);
        m.extend(n);
        m.extend(s);
        m.extend(c);
        if let Some(choices) = choices {
            let values: Vec<Value> = choices
                .iter()
                .filter_map(|c| serde_json::from_str(c).ok())
                .collect();
            m.insert("enum".into(), Value::Array(values));
        }
        m
    })
}

/// Nested schemas: leaf keywords plus subschemas under every keyword that takes one.
fn schema() -> impl Strategy<Value = Value> {
    let leaf = leaf_schema().prop_map(Value::Object);
    leaf.prop_recursive(3, 12, 3, |inner| {
        let sub = prop::option::of(inner.clone());
        (
            leaf_schema(),
            prop::option::of(prop::collection::btree_map(key(), inner.clone(), 1..3)),
            prop::option::of((prop::sample::select(&PATTERNS[..3]), inner.clone())),
            prop_oneof![
                Just(None),
                any::<bool>().prop_map(|b| Some(json!(b))),
                inner.clone().prop_map(Some)
            ],
            sub.clone(),
            prop::option::of((
                prop::sample::select(&["anyOf", "oneOf", "allOf"][..]),
                prop::collection::vec(inner.clone(), 1..3),
            )),
            sub.clone(),
            prop::option::of((key(), inner)),
        )
            .prop_map(
                |(mut m, props, pattern, additional, items, combinator, not, dep_schema)| {
                    insert(&mut m, "properties", props.map(|p| json!(p)));
                    insert(
                        &mut m,
                        "patternProperties",
                        pattern.map(|(p, s)| json!({p: s})),
                    );
                    insert(&mut m, "additionalProperties", additional);
                    insert(&mut m, "items", items);
                    if let Some((keyword, alts)) = combinator {
                        m.insert(keyword.into(), Value::Array(alts));
                    }
                    insert(&mut m, "not", not);
                    if let Some((k, s)) = dep_schema {
                        m.insert("dependencies".into(), json!({k: s}));
                    }
                    Value::Object(m)
                },
            )
    })
}

/// The reference schema: gojsonschema ignores `patternProperties` next to an explicit
/// `additionalProperties: true`.
fn as_gojsonschema_reads(schema: &Value) -> Value {
    match schema {
        Value::Object(m) => {
            let mut out: Map<String, Value> = m
                .iter()
                .map(|(k, v)| {
                    // Values of `properties`, `dependencies`, … are maps of schemas; `enum` and
                    // `required` hold data, which this leaves alone as it holds no schema keys.
                    (k.clone(), as_gojsonschema_reads(v))
                })
                .collect();
            if m.get("additionalProperties") == Some(&json!(true)) {
                out.remove("patternProperties");
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(as_gojsonschema_reads).collect()),
        other => other.clone(),
    }
}

/// The instance as gojsonschema reads it: every number a float64, so integral floats within
/// ±(2^53 − 1) are integers.
fn as_float64_reads(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => json!(f as i64),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(as_float64_reads).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), as_float64_reads(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn reference(schema: &Value, instance: &Value) -> bool {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(false)
        .build(&as_gojsonschema_reads(schema));
    match validator {
        Ok(v) => v.is_valid(&as_float64_reads(instance)),
        Err(e) => panic!("the reference refuses the drawn schema {schema}: {e}"),
    }
}

fn runtime(schema: &Value, instance: &Value) -> bool {
    validate(schema, &mut instance.clone()).is_empty()
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn runtime_and_draft4_reference_agree(schema in schema(), value in instance()) {
        prop_assert_eq!(check_schema(&schema, "v"), Ok(()));
        prop_assert_eq!(
            runtime(&schema, &value),
            reference(&schema, &value),
            "schema {} value {}", schema, value
        );
    }

    /// Whole actions: params under `params`, action-level keywords copied into the schema as
    /// Juju copies them, and `prepare` (validation, then defaults) as the runtime runs it.
    #[test]
    fn prepare_agrees_on_whole_actions(
        a in schema(),
        b in schema(),
        root in leaf_schema(),
        required in prop::collection::btree_set(key(), 0..2),
        additional in prop::option::of(any::<bool>()),
        any_of in any::<bool>(),
        params in prop::collection::btree_map(key(), instance(), 0..4),
    ) {
        let mut body = Map::new();
        body.insert("params".into(), json!({"a": a, "ab": b}));
        for key in ["minProperties", "maxProperties", "dependencies", "enum"] {
            insert(&mut body, key, root.get(key).cloned());
        }
        if !required.is_empty() {
            body.insert("required".into(), json!(required));
        }
        insert(&mut body, "additionalProperties", additional.map(Value::from));
        if any_of {
            body.insert("anyOf".into(), json!([{"required": ["a"]}, {"required": ["b"]}]));
        }
        let spec = ActionSpec::from_yaml_value("act", &Value::Object(body.clone()));
        prop_assert!(spec.is_ok(), "{:?} for {}", spec, Value::Object(body));
        let spec = spec.unwrap();
        let params = Value::Object(params.into_iter().collect());
        prop_assert_eq!(
            prepare(&spec, &params).is_ok(),
            reference(&spec.params_schema(), &params),
            "schema {} params {}", spec.params_schema(), params
        );
    }
}

/// The gojsonschema departures the property test leaves out, checked one by one.
#[test]
fn gojsonschema_departures_from_draft4() {
    let integer = json!({"type": "integer"});
    // `5.0` is an integer (float64 with no fraction); draft 4 read literally says no.
    assert!(runtime(&integer, &json!(5.0)));
    // ±(2^53 − 1) is the largest integer; 2^53 is refused, whether written as integer or float.
    assert!(runtime(&integer, &json!(9_007_199_254_740_991_i64)));
    assert!(runtime(&integer, &json!(-9_007_199_254_740_991_i64)));
    assert!(!runtime(&integer, &json!(9_007_199_254_740_992_i64)));
    assert!(!runtime(&integer, &json!(-9_007_199_254_740_992_i64)));
    assert!(!runtime(&integer, &json!(9_007_199_254_740_992.0)));
    assert!(!runtime(&integer, &json!(u64::MAX)));
    assert!(runtime(&json!({"type": "number"}), &json!(u64::MAX)));
    // `multipleOf` divides in float64 and wants a safe integer quotient.
    assert!(!runtime(&json!({"multipleOf": 0.1}), &json!(0.3)));
    assert!(!runtime(&json!({"multipleOf": 1}), &json!(1e300)));
    // `additionalProperties: true` switches `patternProperties` off.
    let pp = |additional: Value| json!({"patternProperties": {"^a": {"type": "string"}}, "additionalProperties": additional});
    assert!(runtime(&pp(json!(true)), &json!({"ab": 1})));
    assert!(!runtime(&pp(json!(false)), &json!({"ab": 1})));
    assert!(!runtime(
        &json!({"patternProperties": {"^a": {"type": "string"}}}),
        &json!({"ab": 1})
    ));
    // Tuple items: checked only on arrays of exactly their length.
    let tuple = json!({"items": [{"type": "string"}, {"type": "integer"}]});
    assert!(!runtime(&tuple, &json!(["a", "b"])));
    assert!(runtime(&tuple, &json!([1])));
    assert!(runtime(&tuple, &json!([1, 2, 3])));
    let closed = json!({"items": [{"type": "string"}], "additionalItems": false});
    assert!(!runtime(&closed, &json!(["a", "b"])));
    // `format` is not enforced.
    assert!(runtime(&json!({"format": "email"}), &json!("not an email")));
}
