//! Vectors from juju/juju `internal/storage/directive_test.go` (`DirectiveSuite`) at
//! 25ca4bad7eb55c12ac71c64b13da553fed1d6d48 and `jujuc/storage-add_test.go`
//! (`TestStorageAddInit`) at the same commit.

use serde_json::{Map, Value, json};

use super::checks::check_count_change;
use super::directive::{is_pool_name, parse_directive};
use super::*;

fn d(pool: &str, count: u64, size: u64) -> Directive {
    Directive {
        pool: pool.into(),
        count,
        size,
    }
}

#[test]
fn directives_parse_as_juju() {
    let ok = |s: &str| parse_directive(s).unwrap();
    assert_eq!(ok("pool,1M"), d("pool", 1, 1));
    assert_eq!(ok("pool,"), d("pool", 1, 0));
    assert_eq!(ok("1M"), d("", 1, 1));
    assert_eq!(ok("p,1G"), d("p", 1, 1024));
    assert_eq!(ok("p,1,0.5T"), d("p", 1, 1024 * 512));
    assert_eq!(ok("p,0.125P,3"), d("p", 3, 1024 * 1024 * 128));
    assert_eq!(ok("3,p,0.125P"), d("p", 3, 1024 * 1024 * 128));
    assert_eq!(ok("p,1M,"), d("p", 1, 1));
    let err = |s: &str| parse_directive(s).unwrap_err();
    assert_eq!(
        err("p,0,100M"),
        "cannot parse count: count must be greater than zero, got \"0\""
    );
    assert_eq!(
        err("p,00,100M"),
        "cannot parse count: count must be greater than zero, got \"00\""
    );
    assert_eq!(
        err("p,-1,100M"),
        "cannot parse count: count must be greater than zero, got \"-1\""
    );
    assert_eq!(
        err(""),
        "storage directives require at least one field to be specified"
    );
    assert_eq!(
        err(","),
        "storage directives require at least one field to be specified"
    );
    assert_eq!(
        err("p,-100M"),
        "cannot parse size: expected a non-negative number, got \"-100M\""
    );
    assert_eq!(
        err("pool1,anyoldjunk"),
        "pool name is already set to \"pool1\", new value \"anyoldjunk\" not valid"
    );
    assert_eq!(
        err("pool1,pool2,pool3"),
        "pool name is already set to \"pool1\", new value \"pool2\" not valid"
    );
    assert_eq!(
        err("pool1,10,20"),
        "storage instance count is already set to 10, new value 20 not valid"
    );
    assert_eq!(
        err("pool1,10M,20M"),
        "storage size is already set to 10, new value 20 not valid"
    );
    assert_eq!(
        err("p,100M database-b"),
        "unrecognized storage directive \"100M database-b\" not valid"
    );
    assert_eq!(
        err("p,$1234"),
        "unrecognized storage directive \"$1234\" not valid"
    );
    for pool in [
        "pool", "p-ool", "p-00l", "p?00l", "p-?00l", "p", "P", "p?0?l",
    ] {
        assert!(is_pool_name(pool), "{pool}");
    }
    for pool in ["7ool", "/ool", "-00l", "*00l"] {
        assert!(!is_pool_name(pool), "{pool}");
    }
}

#[test]
fn directive_maps_parse_as_juju() {
    let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        parse_directives_map(&args(&["data=p,1M,"]), true).unwrap(),
        [("data".to_owned(), d("p", 1, 1))]
    );
    assert_eq!(
        parse_directives_map(&args(&["data=3", "cache"]), false).unwrap(),
        [
            ("data".to_owned(), d("", 3, 0)),
            ("cache".to_owned(), d("", 1, 0))
        ]
    );
    let err = |v: &[&str], must: bool| parse_directives_map(&args(v), must).unwrap_err();
    assert!(err(&["data"], true).contains("where \"directive\" must be specified"));
    assert!(
        err(&["data=p,=1M,"], false).starts_with("expected \"name=directive\" or \"name\", got ")
    );
    assert_eq!(
        err(&["data", "data"], false),
        "storage \"data\" specified more than once"
    );
    assert!(err(&["data=-1"], false).starts_with("cannot parse directive for storage \"data\""));
    assert!(err(&["data="], false).contains("storage directives require at least one"));
    assert!(err(&["data=-676"], false).contains("cannot parse count: count must be gre"));
    // The deploy flag.
    assert_eq!(
        parse_deploy_flag("foo=bar").unwrap(),
        ("foo".to_owned(), d("bar", 1, 0))
    );
    assert_eq!(
        parse_deploy_flag("foo").unwrap_err(),
        "expected <store>=<directive>"
    );
    assert_eq!(
        parse_deploy_flag("foo:bar=baz").unwrap_err(),
        "expected <store>=<directive>"
    );
    assert_eq!(
        parse_deploy_flag("foo=").unwrap_err(),
        "cannot parse disk storage directive: storage directives require at least one field to be specified"
    );
}

#[test]
fn sizes_counts_and_ids() {
    assert_eq!(parse_size("10G").unwrap(), 10240);
    assert_eq!(parse_size("1.5M").unwrap(), 2);
    assert_eq!(parse_size("100").unwrap(), 100);
    assert_eq!(parse_size("1GiB").unwrap(), 1024);
    assert_eq!(
        parse_size("1X").unwrap_err(),
        "invalid multiplier suffix \"X\", expected one of MGTPEZY"
    );
    assert_eq!(humanize_bytes(1024 * 1_000_000), "1.0 GB");
    assert_eq!(humanize_bytes(10_240 * 1_000_000), "10 GB");
    assert_eq!(humanize_bytes(5), "5 B");
    for id in ["data/0", "data/12", "a-b/3", "d1/0"] {
        assert!(valid_storage_id(id), "{id}");
    }
    for id in [
        "data", "data/01", "Data/0", "1d/0", "data-/0", "data/x", "a-1/0",
    ] {
        assert!(!valid_storage_id(id), "{id}");
    }
    let meta = StorageMeta {
        name: "data".into(),
        kind: "filesystem".into(),
        shared: false,
        read_only: false,
        count_min: 1,
        count_max: Some(2),
        minimum_size: 0,
        location: String::new(),
    };
    assert_eq!(
        check_count_change(&meta, 2, 1).unwrap_err(),
        "attaching 1 storage instance brings the total to 3, exceeding the maximum of 2"
    );
    assert_eq!(
        check_count_change(&meta, 0, 3).unwrap_err(),
        "attaching 3 storage instances brings the total to 3, exceeding the maximum of 2"
    );
}

#[test]
fn metadata_stores_read_as_juju_reads_them() {
    let meta: Map<String, Value> = serde_json::from_value(json!({
        "storage": {
            "data": {"type": "filesystem", "location": "/srv/data"},
            "logs": {"type": "filesystem", "multiple": {"range": "0-"}, "minimum-size": "1G"},
            "disks": {"type": "block", "multiple": {"range": 2}},
            "many": {"type": "filesystem", "multiple": {"range": "1-3"}},
        }
    }))
    .unwrap();
    let stores = stores(&meta).unwrap();
    let by = |n: &str| stores.iter().find(|s| s.name == n).unwrap().clone();
    assert_eq!((by("data").count_min, by("data").count_max), (1, Some(1)));
    assert_eq!(
        (
            by("logs").count_min,
            by("logs").count_max,
            by("logs").minimum_size
        ),
        (0, None, 1024)
    );
    assert_eq!((by("disks").count_min, by("disks").count_max), (2, Some(2)));
    assert_eq!((by("many").count_min, by("many").count_max), (1, Some(3)));
    let bad: Map<String, Value> =
        serde_json::from_value(json!({"storage": {"x": {"type": "tape"}}})).unwrap();
    assert_eq!(
        super::stores(&bad).unwrap_err(),
        "metadata: storage.x.type: unexpected value \"tape\""
    );
    let bad: Map<String, Value> = serde_json::from_value(
        json!({"storage": {"x": {"type": "filesystem", "multiple": {"range": "3-1"}}}}),
    )
    .unwrap();
    assert_eq!(
        super::stores(&bad).unwrap_err(),
        "storage.x.multiple.range: invalid range 3-1"
    );
}
