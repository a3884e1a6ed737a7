//! Typed databags: the bytes ops' `Relation.save` and the data-platform libraries write, read
//! back; round trips in both encodings; errors naming the field; no panic on any bag.

use std::collections::BTreeMap;

use juju_ops::databag::{self, Databag, DatabagErrorKind, Encoding};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// What Juju does with a `relation-set`: `""` deletes, other keys stay.
fn apply(
    mut bag: BTreeMap<String, String>,
    changes: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    for (k, v) in changes {
        if v.is_empty() {
            bag.remove(&k);
        } else {
            bag.insert(k, v);
        }
    }
    bag
}

/// The keys Juju puts in every unit bag (`uniter.go` `EnterScope`).
fn seeded_unit_bag() -> BTreeMap<String, String> {
    bag(&[
        ("egress-subnets", "10.0.0.5/32"),
        ("ingress-address", "10.0.0.5"),
        ("private-address", "10.0.0.5"),
    ])
}

// ops `test/test_model_relation_data_class.py` (canonical/operator 010f603): `MyDataclassDatabag`
// and `Nested`.

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Nested {
    sub: i64,
}

impl Default for Nested {
    fn default() -> Self {
        Nested { sub: 28 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MyDatabag {
    foo: String,
    #[serde(default)]
    baz: Vec<String>,
    #[serde(default)]
    bar: i64,
    #[serde(default)]
    quux: Nested,
}

impl Databag for MyDatabag {}

#[test]
fn ops_save_vector() {
    // test_relation_save_simple: save(MyDataclassDatabag(foo='other-value', bar=28,
    // baz=['x', 'y'], quux=Nested(sub=8))) writes json.dumps of each field.
    let data = MyDatabag {
        foo: "other-value".into(),
        bar: 28,
        baz: vec!["x".into(), "y".into()],
        quux: Nested { sub: 8 },
    };
    assert_eq!(
        databag::encode(&data).unwrap(),
        bag(&[
            ("foo", r#""other-value""#),
            ("bar", "28"),
            ("baz", r#"["x", "y"]"#),
            ("quux", r#"{"sub": 8}"#),
        ])
    );
}

#[test]
fn ops_load_vectors() {
    // test_relation_load_simple: missing `quux` takes its default.
    let data = bag(&[
        ("foo", r#""value""#),
        ("bar", "1"),
        ("baz", r#"["a", "b"]"#),
    ]);
    let loaded: MyDatabag = databag::decode(&data).unwrap();
    assert_eq!(
        loaded,
        MyDatabag {
            foo: "value".into(),
            baz: vec!["a".into(), "b".into()],
            bar: 1,
            quux: Nested { sub: 28 },
        }
    );

    // test_relation_load_then_save: load, change, save.
    let mut data = loaded;
    data.foo.push('1');
    data.bar += 1;
    data.baz.push("new".into());
    data.quux.sub += 1;
    assert_eq!(
        databag::encode(&data).unwrap(),
        bag(&[
            ("foo", r#""value1""#),
            ("bar", "2"),
            ("baz", r#"["a", "b", "new"]"#),
            ("quux", r#"{"sub": 29}"#),
        ])
    );

    // test_relation_load_fail: 'bar' is json.dumps('bar'), a string, not an int.
    let data = bag(&[
        ("foo", r#""value""#),
        ("bar", r#""bar""#),
        ("baz", r#"["a", "b"]"#),
    ]);
    let err = databag::decode::<MyDatabag>(&data).unwrap_err();
    assert_eq!(err.field(), Some("bar"));
    let DatabagErrorKind::Invalid { field, reason } = &err.kind else {
        panic!("{err:?}")
    };
    assert_eq!(field, "bar");
    assert!(reason.contains("expected i64"), "{reason}");
    assert_eq!(
        err.to_string(),
        format!("databag: field \"bar\" does not decode: {reason}")
    );

    // A required field that is absent is a different error.
    let err = databag::decode::<MyDatabag>(&bag(&[("bar", "1")])).unwrap_err();
    assert_eq!(
        err.kind,
        DatabagErrorKind::Missing {
            field: "foo".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "databag: required field \"foo\" is missing"
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Alias {
    #[serde(rename = "fooBar", default = "forty_two")]
    foo_bar: i64,
    #[serde(default = "baz")]
    other: String,
}

fn forty_two() -> i64 {
    42
}

fn baz() -> String {
    "baz".into()
}

impl Databag for Alias {}

#[test]
fn ops_alias_vectors() {
    // test_relation_load_custom_naming_pattern: {} and {'fooBar': '24'}.
    let loaded: Alias = databag::decode(&BTreeMap::new()).unwrap();
    assert_eq!((loaded.foo_bar, loaded.other.as_str()), (42, "baz"));
    let loaded: Alias = databag::decode(&bag(&[("fooBar", "24")])).unwrap();
    assert_eq!(loaded.foo_bar, 24);
    // test_relation_save_custom_naming_pattern.
    let saved = databag::encode(&Alias {
        foo_bar: 24,
        other: "foo".into(),
    })
    .unwrap();
    assert_eq!(saved, bag(&[("fooBar", "24"), ("other", r#""foo""#)]));
}

#[test]
fn ops_common_types_vector() {
    // test_relation_common_types: strings saved with json.dumps.
    #[derive(Serialize, Deserialize)]
    struct Data {
        url: String,
        ip: std::net::IpAddr,
        network: String,
        origin: String,
    }
    impl Databag for Data {}
    let data_in = bag(&[
        ("url", r#""https://example.com""#),
        ("ip", r#""127.0.0.2""#),
        ("network", r#""127.0.1.0/24""#),
        ("origin", r#""New Zealand""#),
    ]);
    let mut data: Data = databag::decode(&data_in).unwrap();
    assert_eq!(data.ip.to_string(), "127.0.0.2");
    data.url = "https://new.example.com".into();
    data.ip = "127.0.0.3".parse().unwrap();
    data.network = "127.0.2.0/24".into();
    data.origin = "Japan".into();
    assert_eq!(
        databag::encode(&data).unwrap(),
        bag(&[
            ("url", r#""https://new.example.com""#),
            ("ip", r#""127.0.0.3""#),
            ("network", r#""127.0.2.0/24""#),
            ("origin", r#""Japan""#),
        ])
    );
}

#[test]
fn json_text_is_byte_for_byte_python_s() {
    #[derive(Serialize, Deserialize)]
    struct Text {
        name: String,
        ratio: f64,
        big: f64,
    }
    impl Databag for Text {}
    // json.dumps('café ☃'), json.dumps(0.5), json.dumps(1e16)
    let saved = databag::encode(&Text {
        name: "café ☃".into(),
        ratio: 0.5,
        big: 1e16,
    })
    .unwrap();
    assert_eq!(saved["name"], r#""caf\u00e9 \u2603""#);
    assert_eq!(saved["ratio"], "0.5");
    assert_eq!(saved["big"], "1e+16");
    let back: Text = databag::decode(&saved).unwrap();
    assert_eq!(back.name, "café ☃");
}

// data_interfaces v0 (juju-relations-secrets.md §7.2): the requirer's application bag and the
// provider's, plain strings with JSON lists.

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct DatabaseRequest {
    database: String,
    requested_secrets: Vec<String>,
    extra_user_roles: Option<String>,
    external_node_connectivity: Option<bool>,
}

impl Databag for DatabaseRequest {
    const ENCODING: Encoding = Encoding::Plain;
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct DatabaseProvided {
    database: String,
    endpoints: String,
    username: Option<String>,
    password: Option<String>,
    version: Option<String>,
    secret_user: Option<String>,
}

impl Databag for DatabaseProvided {
    const ENCODING: Encoding = Encoding::Plain;
}

#[test]
fn data_platform_vectors() {
    let request = DatabaseRequest {
        database: "penpot".into(),
        requested_secrets: vec!["username".into(), "password".into()],
        extra_user_roles: None,
        external_node_connectivity: Some(true),
    };
    // requested-secrets as json.dumps(["username", "password"]); the unset role deleted.
    assert_eq!(
        databag::encode(&request).unwrap(),
        bag(&[
            ("database", "penpot"),
            ("external-node-connectivity", "true"),
            ("extra-user-roles", ""),
            ("requested-secrets", r#"["username", "password"]"#),
        ])
    );
    // What PostgreSQL's tests put in the requirer's bag (single_kernel_postgresql
    // external_clients tests).
    let read: DatabaseRequest = databag::decode(&bag(&[
        ("database", "test_db"),
        ("extra-user-roles", "admin,createdb"),
        ("requested-secrets", r#"["read-only-uris"]"#),
        ("external-node-connectivity", "true"),
    ]))
    .unwrap();
    assert_eq!(
        read,
        DatabaseRequest {
            database: "test_db".into(),
            requested_secrets: vec!["read-only-uris".into()],
            extra_user_roles: Some("admin,createdb".into()),
            external_node_connectivity: Some(true),
        }
    );
    // The provider's bag as data_interfaces' tests write it, with the diff copy under `data`.
    let provided: DatabaseProvided = databag::decode(&bag(&[
        (
            "data",
            r#"{"database": "penpot", "requested-secrets": "[\"username\", \"password\"]"}"#,
        ),
        ("database", "penpot"),
        ("endpoints", "postgresql-endpoint:5432"),
        ("secret-user", "secret:cn8ab3g6rbpc5ncsdd4g"),
        ("version", "14.11"),
    ]))
    .unwrap();
    assert_eq!(provided.endpoints, "postgresql-endpoint:5432");
    assert_eq!(provided.version.as_deref(), Some("14.11"));
    assert_eq!(provided.username, None);
    let plain: DatabaseProvided = databag::decode(&bag(&[
        ("database", "app"),
        ("endpoints", "host1:port,host2:port"),
        ("username", "test-username"),
        ("password", "test-password"),
    ]))
    .unwrap();
    assert_eq!(plain.endpoints, "host1:port,host2:port");
    assert_eq!(plain.password.as_deref(), Some("test-password"));
    // A list that is not JSON names its field.
    let err = databag::decode::<DatabaseRequest>(&bag(&[
        ("database", "x"),
        ("requested-secrets", "username,password"),
    ]))
    .unwrap_err();
    assert_eq!(err.field(), Some("requested-secrets"));
    assert!(err.to_string().contains("not JSON"), "{err}");
}

#[test]
fn keys_the_type_does_not_name_are_ignored_and_left_alone() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        host: String,
    }
    impl Databag for Strict {}
    let mut unit_bag = seeded_unit_bag();
    unit_bag.insert("host".into(), r#""db.local""#.into());
    let read: Strict = databag::decode(&unit_bag).unwrap();
    assert_eq!(read.host, "db.local");
    let written = databag::encode(&Strict { host: "x".into() }).unwrap();
    assert_eq!(written.keys().collect::<Vec<_>>(), ["host"]);
    let after = apply(unit_bag, written);
    assert_eq!(after["private-address"], "10.0.0.5");
    assert_eq!(after["host"], r#""x""#);
}

#[test]
fn a_plain_map_is_the_raw_bag() {
    let raw = seeded_unit_bag();
    let read: BTreeMap<String, String> = databag::decode(&raw).unwrap();
    assert_eq!(read, raw);
    assert_eq!(databag::encode(&raw).unwrap(), raw);
    let json_map: BTreeMap<String, u32> =
        databag::decode_with(&bag(&[("a", "1"), ("b", "2")]), Encoding::Json).unwrap();
    assert_eq!(json_map["b"], 2);
}

#[test]
fn plain_strings_are_raw_even_when_they_look_like_json() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    enum Mode {
        Fast,
        Careful { retries: u8 },
    }
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Fields {
        port: String,
        flag: String,
        nothing: Option<String>,
        mode: Mode,
        other: Mode,
        letter: char,
    }
    impl Databag for Fields {
        const ENCODING: Encoding = Encoding::Plain;
    }
    let value = Fields {
        port: "5432".into(),
        flag: "true".into(),
        nothing: Some("null".into()),
        mode: Mode::Fast,
        other: Mode::Careful { retries: 3 },
        letter: 'x',
    };
    let written = databag::encode(&value).unwrap();
    assert_eq!(
        written,
        bag(&[
            ("flag", "true"),
            ("letter", "x"),
            ("mode", "fast"),
            ("nothing", "null"),
            ("other", r#"{"careful": {"retries": 3}}"#),
            ("port", "5432"),
        ])
    );
    assert_eq!(databag::decode::<Fields>(&written).unwrap(), value);
    // Read as ops' JSON encoding, the same bag fails at its first field (in key order).
    let err = databag::decode_with::<Fields>(&written, Encoding::Json).unwrap_err();
    assert_eq!(err.field(), Some("flag"));
    assert!(err.to_string().contains("expected a string"), "{err}");
    // A raw string read as JSON says which encoding would read it.
    let err =
        databag::decode_with::<BTreeMap<String, String>>(&bag(&[("mode", "fast")]), Encoding::Json)
            .unwrap_err();
    assert_eq!(err.field(), Some("mode"));
    assert!(err.to_string().contains("the value is not JSON"), "{err}");
    assert!(err.to_string().contains("Encoding::Plain"), "{err}");
}

#[test]
fn types_that_are_not_bags_are_refused_without_panicking() {
    let err = databag::encode_with(&vec![1, 2], Encoding::Json).unwrap_err();
    assert!(
        matches!(err.kind, DatabagErrorKind::Other { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "databag: a databag is written from a struct with named fields or a map, not a list"
    );
    let mut non_string_keys = BTreeMap::new();
    non_string_keys.insert(vec![1u8], 1u8);
    assert!(databag::encode_with(&non_string_keys, Encoding::Json).is_err());
    let err = databag::decode_with::<Vec<String>>(&seeded_unit_bag(), Encoding::Plain).unwrap_err();
    assert!(
        matches!(err.kind, DatabagErrorKind::Other { .. }),
        "{err:?}"
    );
    // A whole-value check (here `try_from`) fails without a field.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(try_from = "Raw")]
    struct Checked {
        low: u8,
        high: u8,
    }
    #[derive(Deserialize, Serialize)]
    struct Raw {
        low: u8,
        high: u8,
    }
    impl TryFrom<Raw> for Checked {
        type Error = String;
        fn try_from(raw: Raw) -> Result<Self, String> {
            if raw.low > raw.high {
                return Err("low is above high".into());
            }
            Ok(Checked {
                low: raw.low,
                high: raw.high,
            })
        }
    }
    let err = databag::decode_with::<Checked>(&bag(&[("low", "3"), ("high", "1")]), Encoding::Json)
        .unwrap_err();
    assert_eq!(
        err.kind,
        DatabagErrorKind::Other {
            reason: "low is above high".into()
        }
    );
    let ok = databag::decode_with::<Checked>(&bag(&[("low", "1"), ("high", "3")]), Encoding::Json)
        .unwrap();
    assert_eq!((ok.low, ok.high), (1, 3));
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    Fast,
    Careful,
    Limited { retries: u8, reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Inner {
    sub: i32,
    label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Sample {
    name: String,
    count: u32,
    offset: Option<i64>,
    enabled: bool,
    tags: Vec<String>,
    note: Option<String>,
    mode: Mode,
    inner: Inner,
    limits: BTreeMap<String, u16>,
}

fn mode(text: impl Strategy<Value = String>) -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Fast),
        Just(Mode::Careful),
        (any::<u8>(), text).prop_map(|(retries, reason)| Mode::Limited { retries, reason }),
    ]
}

/// Samples whose strings are drawn from `text`.
fn sample(text: impl Strategy<Value = String> + Clone) -> impl Strategy<Value = Sample> {
    (
        (
            text.clone(),
            any::<u32>(),
            any::<Option<i64>>(),
            any::<bool>(),
        ),
        (
            proptest::collection::vec(text.clone(), 0..4),
            proptest::option::of(text.clone()),
            mode(text.clone()),
            (any::<i32>(), text.clone()).prop_map(|(sub, label)| Inner { sub, label }),
            proptest::collection::btree_map(text, any::<u16>(), 0..3),
        ),
    )
        .prop_map(
            |((name, count, offset, enabled), (tags, note, mode, inner, limits))| Sample {
                name,
                count,
                offset,
                enabled,
                tags,
                note,
                mode,
                inner,
                limits,
            },
        )
}

fn any_text() -> impl Strategy<Value = String> + Clone {
    "\\PC{0,12}|[\"\\\\{}\\[\\]:, ]{0,6}|null|true|[0-9]{1,4}"
}

proptest! {
    /// Written with ops' encoding onto a unit bag Juju seeded, then read back: the same value,
    /// and Juju's keys untouched.
    #[test]
    fn json_encoding_round_trips(value in sample(any_text())) {
        let written = databag::encode_with(&value, Encoding::Json).unwrap();
        for (key, text) in &written {
            // Every value is JSON text, except the deleted ones.
            prop_assert!(text.is_empty() || serde_json::from_str::<serde_json::Value>(text).is_ok(), "{key}: {text}");
            prop_assert!(text.is_ascii());
        }
        let after = apply(seeded_unit_bag(), written);
        prop_assert_eq!(&after["private-address"], "10.0.0.5");
        let back: Sample = databag::decode_with(&after, Encoding::Json).unwrap();
        prop_assert_eq!(back, value);
    }

    /// The same in the plain encoding. An empty string there is the same as unset (Juju deletes
    /// a key set to ""), so the strings drawn are not empty.
    #[test]
    fn plain_encoding_round_trips(value in sample("\\PC{1,12}|null|true|[0-9]{1,4}|\\[1\\]")) {
        let written = databag::encode_with(&value, Encoding::Plain).unwrap();
        prop_assert_eq!(&written["name"], &value.name);
        let after = apply(seeded_unit_bag(), written);
        let back: Sample = databag::decode_with(&after, Encoding::Plain).unwrap();
        prop_assert_eq!(back, value);
    }

    /// Any bag at all decodes or fails with an error; a field's error names a field of the
    /// type; nothing panics.
    #[test]
    fn any_bag_decodes_or_fails_cleanly(
        data in proptest::collection::btree_map(
            "name|count|offset|enabled|tags|note|mode|inner|limits|private-address|\\PC{0,6}",
            "\\PC{0,10}|[0-9]{1,3}|\\{\\}|\\[\\]|null|true|\"x\"|\\{\"sub\": 1\\}",
            0..10,
        ),
        plain in any::<bool>(),
    ) {
        let encoding = if plain { Encoding::Plain } else { Encoding::Json };
        match databag::decode_with::<Sample>(&data, encoding) {
            Ok(_) => {}
            Err(e) => {
                if let Some(field) = e.field() {
                    prop_assert!(
                        ["name", "count", "offset", "enabled", "tags", "note", "mode", "inner", "limits"]
                            .contains(&field),
                        "{e}"
                    );
                }
            }
        }
        let _ = databag::decode_with::<MyDatabag>(&data, encoding);
        let _ = databag::decode_with::<BTreeMap<String, u8>>(&data, encoding);
    }
}
