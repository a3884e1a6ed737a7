//! Vectors from juju/juju `core/network/portrange_test.go` (`TestValidate`, `TestStrings`,
//! `TestConflictsWith`, `TestSortPortRanges`, `TestParsePortRange*`) and
//! `internal/worker/uniter/runner/context/ports_test.go` (`TestOpenPortRange`,
//! `TestClosePortRange`), both at 25ca4bad7eb55c12ac71c64b13da553fed1d6d48; and
//! `jujuc/opened-ports_test.go` (`TestRunAllFormatsWithEndpointDetails`) at the same commit.

use super::*;

fn r(text: &str) -> PortRange {
    parse(text).unwrap()
}

#[test]
fn parses_and_prints_as_juju() {
    assert_eq!(
        r("8000-8099/tcp"),
        PortRange {
            from: 8000,
            to: 8099,
            protocol: Protocol::Tcp
        }
    );
    assert_eq!(r("80/tcp").to_string(), "80/tcp");
    assert_eq!(r("80").to_string(), "80/tcp");
    assert_eq!(r("icmp").to_string(), "icmp");
    assert_eq!(
        r("icmp"),
        PortRange {
            from: -1,
            to: -1,
            protocol: Protocol::Icmp
        }
    );
    assert_eq!(r("8000-8099/tcp").to_string(), "8000-8099/tcp");
    assert_eq!(r("80/UDP").to_string(), "80/udp");
    assert_eq!(r("0").to_string(), "0/tcp");
    assert_eq!(r("+80").to_string(), "80/tcp");
    let err = |t: &str| parse(t).unwrap_err();
    assert!(err("10-55-100").starts_with("invalid port range \"10-55-100\""));
    assert_eq!(
        err("spam-100"),
        "invalid port \"spam\": strconv.Atoi: parsing \"spam\": invalid syntax"
    );
    assert_eq!(
        err("two"),
        "invalid port \"two\": strconv.Atoi: parsing \"two\": invalid syntax"
    );
    assert_eq!(err("90-80"), "invalid port range 90-80/tcp");
    assert_eq!(
        err("88888-99999"),
        "port range bounds must be between 0 and 65535, got 88888-99999"
    );
    assert_eq!(err("88888-65535"), "invalid port range 88888-65535/tcp");
    assert_eq!(
        err("1-99999"),
        "port range bounds must be between 0 and 65535, got 1-99999"
    );
    assert_eq!(
        err("99999/udp"),
        "port range bounds must be between 0 and 65535, got 99999-99999"
    );
    assert_eq!(
        err("80/some protocol"),
        "invalid protocol \"some protocol\", expected \"tcp\", \"udp\", or \"icmp\""
    );
    assert_eq!(
        err("80/http"),
        "invalid protocol \"http\", expected \"tcp\", \"udp\", or \"icmp\""
    );
    assert_eq!(
        err("1/icmp"),
        "protocol \"icmp\" doesn't support any ports; got \"1\""
    );
    assert_eq!(
        err("99999999999999999999"),
        "invalid port \"99999999999999999999\": strconv.Atoi: parsing \"99999999999999999999\": value out of range"
    );
    // The protocol of `icmp` is icmp whatever follows the slash.
    assert_eq!(r("icmp/udp").to_string(), "icmp");
}

#[test]
fn conflicts_and_sorting_follow_juju() {
    let cases = [
        ("80", "80", true),
        ("80", "90", false),
        ("100-200", "201-240", false),
        ("100-200", "200-240", true),
        ("80/udp", "80", false),
        ("100-200", "80", false),
        ("100-200", "80-120", true),
        ("100-200", "120-140", true),
    ];
    for (a, b, want) in cases {
        assert_eq!(r(a).conflicts_with(&r(b)), want, "{a} {b}");
        assert_eq!(r(b).conflicts_with(&r(a)), want, "{b} {a}");
    }
    let mut ranges = vec![r("10-100/udp"), r("80-90/tcp"), r("80/tcp")];
    sort(&mut ranges);
    assert_eq!(ranges, [r("80/tcp"), r("80-90/tcp"), r("10-100/udp")]);
    let mut ranges = vec![r("5666/tcp"), r("icmp")];
    sort(&mut ranges);
    assert_eq!(ranges, [r("icmp"), r("5666/tcp")]);
}

fn grouped(entries: &[(&str, &[&str])]) -> Grouped {
    entries
        .iter()
        .map(|(e, rs)| ((*e).to_owned(), rs.iter().map(|t| r(t)).collect()))
        .collect()
}

fn recorder(opened: Grouped, open: Grouped, close: Grouped) -> Recorder {
    Recorder {
        unit: "u/0".into(),
        opened,
        pending_open: open,
        pending_close: close,
    }
}

fn nonempty(g: &Grouped) -> Grouped {
    g.iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn open_port_range_vectors() {
    let none = Grouped::new;
    // (about, endpoint, range, opened, pending open, pending close, error or (open, close))
    let mut rec = recorder(none(), none(), none());
    rec.open("", r("10-20/tcp")).unwrap();
    assert_eq!(
        rec.pending_open,
        grouped(&[("", &["10-20/tcp"])]),
        "open a new range"
    );
    let mut rec = recorder(grouped(&[("", &["10-20/tcp"])]), none(), none());
    rec.open("", r("10-20/tcp")).unwrap();
    assert!(
        nonempty(&rec.pending_open).is_empty(),
        "open an existing range - ignored"
    );
    let mut rec = recorder(grouped(&[("", &["10-20/tcp"])]), none(), none());
    rec.open("foo", r("10-20/tcp")).unwrap();
    assert_eq!(
        rec.pending_open,
        grouped(&[("foo", &["10-20/tcp"])]),
        "different endpoint"
    );
    let mut rec = recorder(
        grouped(&[("foo", &["10-20/tcp"])]),
        none(),
        grouped(&[("foo", &["10-20/tcp"])]),
    );
    rec.open("foo", r("10-20/tcp")).unwrap();
    assert!(
        nonempty(&rec.pending_close).is_empty(),
        "open cancels pending close"
    );
    assert!(nonempty(&rec.pending_open).is_empty());
    let mut rec = recorder(none(), none(), grouped(&[("", &["10-20/tcp"])]));
    rec.open("", r("10-20/tcp")).unwrap();
    assert_eq!(
        rec.pending_open,
        grouped(&[("", &["10-20/tcp"])]),
        "open a range pending to be closed"
    );
    assert!(nonempty(&rec.pending_close).is_empty());
    let mut rec = recorder(none(), grouped(&[("", &["10-20/tcp"])]), none());
    rec.open("", r("10-20/tcp")).unwrap();
    assert_eq!(
        rec.pending_open,
        grouped(&[("", &["10-20/tcp"])]),
        "pending open repeated"
    );
    let mut rec = recorder(grouped(&[("", &["10-20/tcp"])]), none(), none());
    assert_eq!(
        rec.open("", r("1-200/tcp")).unwrap_err(),
        "cannot open 1-200/tcp (unit \"u/0\"): port range conflicts with 10-20/tcp (unit \"u/0\")"
    );
    let mut rec = recorder(none(), grouped(&[("", &["10-20/tcp"])]), none());
    assert_eq!(
        rec.open("", r("1-200/tcp")).unwrap_err(),
        "cannot open 1-200/tcp (unit \"u/0\"): port range conflicts with 10-20/tcp (unit \"u/0\") requested earlier"
    );
}

#[test]
fn close_port_range_vectors() {
    let none = Grouped::new;
    let mut rec = recorder(none(), none(), none());
    rec.close("", r("10-20/tcp")).unwrap();
    assert!(
        nonempty(&rec.pending_close).is_empty(),
        "no machine ports: ignored"
    );
    let mut rec = recorder(grouped(&[("", &["10-20/tcp"])]), none(), none());
    rec.close("", r("10-20/tcp")).unwrap();
    assert_eq!(rec.pending_close, grouped(&[("", &["10-20/tcp"])]));
    let mut rec = recorder(grouped(&[("", &["10-20/tcp"])]), none(), none());
    rec.close("foo", r("10-20/tcp")).unwrap();
    assert_eq!(
        rec.pending_close,
        grouped(&[("foo", &["10-20/tcp"])]),
        "other endpoint accepted"
    );
    let mut rec = recorder(none(), grouped(&[("foo", &["10-20/tcp"])]), none());
    rec.close("foo", r("10-20/tcp")).unwrap();
    assert!(
        nonempty(&rec.pending_open).is_empty(),
        "close cancels a pending open"
    );
    assert!(nonempty(&rec.pending_close).is_empty());
    let mut rec = recorder(
        grouped(&[("", &["10-20/tcp"])]),
        grouped(&[("", &["10-20/tcp"])]),
        none(),
    );
    rec.close("", r("10-20/tcp")).unwrap();
    assert!(nonempty(&rec.pending_open).is_empty());
    assert_eq!(rec.pending_close, grouped(&[("", &["10-20/tcp"])]));
    let mut rec = recorder(
        grouped(&[("", &["10-20/tcp"])]),
        none(),
        grouped(&[("", &["10-20/tcp"])]),
    );
    rec.close("", r("10-20/tcp")).unwrap();
    assert_eq!(
        rec.pending_close,
        grouped(&[("", &["10-20/tcp"])]),
        "pending close repeated"
    );
    let mut rec = recorder(grouped(&[("", &["10-20/tcp"])]), none(), none());
    assert_eq!(
        rec.close("", r("1-200/tcp")).unwrap_err(),
        "cannot close 1-200/tcp (unit \"u/0\"): port range conflicts with 10-20/tcp (unit \"u/0\")"
    );
    let mut rec = recorder(
        grouped(&[("", &["10-20/tcp"])]),
        none(),
        grouped(&[("", &["10-20/tcp"])]),
    );
    assert_eq!(
        rec.close("", r("1-200/tcp")).unwrap_err(),
        "cannot close 1-200/tcp (unit \"u/0\"): port range conflicts with 10-20/tcp (unit \"u/0\") requested earlier"
    );
}

#[test]
fn opened_ports_lists_with_and_without_endpoints() {
    let mut rec = recorder(Grouped::new(), Grouped::new(), Grouped::new());
    rec.open("", r("80/tcp")).unwrap();
    rec.open("foo", r("10-20/tcp")).unwrap();
    rec.open("bar", r("63/udp")).unwrap();
    rec.open("", r("53-55/udp")).unwrap();
    let merged = rec.merged();
    assert_eq!(
        unique_strings(&merged),
        ["10-20/tcp", "80/tcp", "53-55/udp", "63/udp"]
    );
    assert_eq!(
        with_endpoints(&merged),
        [
            "10-20/tcp (foo)",
            "80/tcp (*)",
            "53-55/udp (*)",
            "63/udp (bar)"
        ]
    );
}

#[test]
fn commit_merges_as_the_controller_does() {
    let bindings: Vec<String> = ["db", "web", "juju-info"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    // Open for all, then close for one endpoint: open on every other binding.
    let rec = recorder(
        grouped(&[("", &["80/tcp"])]),
        Grouped::new(),
        grouped(&[("web", &["80/tcp"])]),
    );
    assert_eq!(
        rec.commit(&bindings).unwrap(),
        grouped(&[("db", &["80/tcp"]), ("juju-info", &["80/tcp"])])
    );
    // An endpoint range also open for all is pruned.
    let rec = recorder(
        grouped(&[("db", &["80/tcp"])]),
        grouped(&[("", &["80/tcp"])]),
        Grouped::new(),
    );
    assert_eq!(
        rec.commit(&bindings).unwrap(),
        grouped(&[("", &["80/tcp"])])
    );
    // Closing for all endpoints removes every entry.
    let rec = recorder(
        grouped(&[("db", &["80/tcp"]), ("web", &["80/tcp", "81/tcp"])]),
        Grouped::new(),
        grouped(&[("", &["80/tcp"])]),
    );
    assert_eq!(
        rec.commit(&bindings).unwrap(),
        grouped(&[("web", &["81/tcp"])])
    );
    // An unknown endpoint fails the commit.
    let rec = recorder(
        Grouped::new(),
        grouped(&[("nope", &["80/tcp"])]),
        Grouped::new(),
    );
    assert_eq!(
        rec.commit(&bindings).unwrap_err(),
        "cannot open/close ports: open port range: endpoint \"nope\" for unit \"u/0\" not found"
    );
}
