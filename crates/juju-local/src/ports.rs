//! Opened ports: Juju's port ranges (`core/network/portrange.go`: parsing, validation, the
//! string form, sorting, conflicts), a hook's pending `open-port`/`close-port` requests with the
//! uniter's checks (`context/ports.go` `portRangeChangeRecorder`), and the controller's merge of
//! those requests into the unit's opened ranges when the hook commits
//! (`state/machine_ports_ops.go` `openClosePortRangesOperation`), with Juju's messages.
//!
//! A unit's ranges are grouped by endpoint; the endpoint `""` means every endpoint. Each unit of
//! the local Juju is on a machine of its own (as `juju status` shows it), so a range conflicts
//! only with the unit's own other ranges, never with another unit's.

use std::collections::BTreeMap;
use std::fmt;

/// A port range (`80/tcp`, `8000-8099/udp`) or ICMP (ports -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub from: i64,
    pub to: i64,
    pub protocol: Protocol,
}

/// A range's protocol, ordered as Juju sorts them (by name: `icmp`, `tcp`, `udp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Icmp,
    Tcp,
    Udp,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::Icmp => "icmp",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

impl fmt::Display for PortRange {
    /// `PortRange.String()`: `icmp`, `80/tcp` or `80-90/tcp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.protocol {
            Protocol::Icmp => f.write_str("icmp"),
            p if self.from == self.to => write!(f, "{}/{}", self.from, p.name()),
            p => write!(f, "{}-{}/{}", self.from, self.to, p.name()),
        }
    }
}

impl PortRange {
    /// `ConflictsWith`: the same protocol and overlapping bounds.
    pub fn conflicts_with(&self, other: &PortRange) -> bool {
        self.protocol == other.protocol && self.to >= other.from && other.to >= self.from
    }

    /// Juju's sort key: protocol, then from, then to (the derived order).
    fn key(&self) -> (Protocol, i64, i64) {
        (self.protocol, self.from, self.to)
    }
}

/// Go's `strconv.Atoi` on a port: its error text, as `errors.Annotatef` prints it after
/// `invalid port "<s>"`.
fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {}: invalid syntax", go_q(s)));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_q(s)))
}

fn go_q(s: &str) -> String {
    crate::gofmt::go_quote(s)
}

/// `network.ParsePortRange` (the hook tools lower-case the argument first): `<port>[/<proto>]`,
/// `<from>-<to>[/<proto>]` or `icmp`; the protocol defaults to tcp, and the result is validated.
pub fn parse(text: &str) -> Result<PortRange, String> {
    let (ports, protocol) = match text.split_once('/') {
        Some((ports, protocol)) => (ports, protocol),
        None => (text, "tcp"),
    };
    let parts: Vec<&str> = ports.split('-').collect();
    let (from, to) = match parts.as_slice() {
        ["icmp"] => (-1, -1),
        [one] => {
            let port = atoi(one).map_err(|e| format!("invalid port {}: {e}", go_q(ports)))?;
            (port, port)
        }
        [a, b] => (
            atoi(a).map_err(|e| format!("invalid port {}: {e}", go_q(a)))?,
            atoi(b).map_err(|e| format!("invalid port {}: {e}", go_q(b)))?,
        ),
        _ => return Err(format!("invalid port range {}", go_q(ports))),
    };
    let protocol = if from == -1 && parts == ["icmp"] {
        "icmp".to_owned()
    } else {
        protocol.to_lowercase()
    };
    validate(from, to, &protocol)
}

/// `PortRange.Validate`, in its order: the protocol, ICMP's ports, the bounds' order, their range.
fn validate(from: i64, to: i64, protocol: &str) -> Result<PortRange, String> {
    let protocol = match protocol {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        "icmp" => Protocol::Icmp,
        other => {
            return Err(format!(
                "invalid protocol {}, expected \"tcp\", \"udp\", or \"icmp\"",
                go_q(other)
            ));
        }
    };
    if protocol == Protocol::Icmp {
        if from == -1 && to == -1 {
            return Ok(PortRange { from, to, protocol });
        }
        return Err(format!(
            "protocol \"icmp\" doesn't support any ports; got \"{from}\""
        ));
    }
    let range = PortRange { from, to, protocol };
    if from > to {
        return Err(format!("invalid port range {range}"));
    }
    if !(0..=65535).contains(&from) || !(0..=65535).contains(&to) {
        return Err(format!(
            "port range bounds must be between 0 and 65535, got {from}-{to}"
        ));
    }
    Ok(range)
}

/// Sorts ranges as `SortPortRanges` does.
pub fn sort(ranges: &mut [PortRange]) {
    ranges.sort_by_key(PortRange::key);
}

/// A unit's ranges by endpoint (`""`: every endpoint), as Juju's `GroupedPortRanges`.
pub type Grouped = BTreeMap<String, Vec<PortRange>>;

/// Reads the stored form (endpoint → `["80/tcp", …]`); what does not parse is dropped.
pub fn grouped_from_strings(stored: &BTreeMap<String, Vec<String>>) -> Grouped {
    stored
        .iter()
        .map(|(endpoint, ranges)| {
            (
                endpoint.clone(),
                ranges.iter().filter_map(|r| parse(r).ok()).collect(),
            )
        })
        .collect()
}

/// The stored form of grouped ranges, each list sorted, empty groups left out.
pub fn grouped_to_strings(grouped: &Grouped) -> BTreeMap<String, Vec<String>> {
    grouped
        .iter()
        .filter(|(_, ranges)| !ranges.is_empty())
        .map(|(endpoint, ranges)| {
            let mut ranges = ranges.clone();
            sort(&mut ranges);
            (
                endpoint.clone(),
                ranges.iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}

/// The unique ranges of a group, sorted (`UniquePortRanges`): what `opened-ports` and
/// `juju status` list.
pub fn unique(grouped: &Grouped) -> Vec<PortRange> {
    let mut all: Vec<PortRange> = grouped.values().flatten().copied().collect();
    sort(&mut all);
    all.dedup();
    all
}

/// The ranges as strings (`opened-ports`, `open-ports` in status).
pub fn unique_strings(grouped: &Grouped) -> Vec<String> {
    unique(grouped).iter().map(ToString::to_string).collect()
}

/// A hook's pending requests (`portRangeChangeRecorder`): the unit's committed ranges, and the
/// opens and closes recorded since the hook started.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub unit: String,
    pub opened: Grouped,
    pub pending_open: Grouped,
    pub pending_close: Grouped,
}

/// Why a range conflicts: `port range conflicts with 10-20/tcp (unit "u/0")`, plus ` requested
/// earlier` against a pending range; or the range is already there (a no-op).
enum Conflict {
    Exists,
    With(String),
}

impl Recorder {
    pub fn new(unit: &str, opened: Grouped) -> Recorder {
        Recorder {
            unit: unit.to_owned(),
            opened,
            ..Recorder::default()
        }
    }

    /// `checkForConflict` against this unit's own ranges (the only unit on its machine).
    fn check(
        endpoint: &str,
        range: &PortRange,
        unit: &str,
        ranges: &Grouped,
        pending: bool,
    ) -> Option<Conflict> {
        for (existing_endpoint, existing) in ranges {
            for other in existing {
                if !range.conflicts_with(other) {
                    continue;
                }
                if range == other {
                    if endpoint != existing_endpoint {
                        continue;
                    }
                    return Some(Conflict::Exists);
                }
                let earlier = if pending { " requested earlier" } else { "" };
                return Some(Conflict::With(format!(
                    "port range conflicts with {other} (unit {}){earlier}",
                    go_q(unit)
                )));
            }
        }
        None
    }

    /// `OpenPortRange`: cancels a pending close of the same range; a conflict with the unit's
    /// pending or opened ranges is an error, an exact repeat a no-op.
    pub fn open(&mut self, endpoint: &str, range: PortRange) -> Result<(), String> {
        if let Some(list) = self.pending_close.get_mut(endpoint)
            && let Some(i) = list.iter().position(|r| *r == range)
        {
            list.remove(i);
        }
        let annotate = |e: String| format!("cannot open {range} (unit {}): {e}", go_q(&self.unit));
        for (ranges, pending) in [(&self.pending_open, true), (&self.opened, false)] {
            match Self::check(endpoint, &range, &self.unit, ranges, pending) {
                Some(Conflict::Exists) => return Ok(()),
                Some(Conflict::With(e)) => return Err(annotate(e)),
                None => {}
            }
        }
        self.pending_open
            .entry(endpoint.to_owned())
            .or_default()
            .push(range);
        Ok(())
    }

    /// `ClosePortRange`: cancels a pending open of the same range; a conflict with a pending
    /// close is an error (an exact repeat a no-op), so is one with an opened range other than
    /// the same one; with nothing opened it is a no-op.
    pub fn close(&mut self, endpoint: &str, range: PortRange) -> Result<(), String> {
        if let Some(list) = self.pending_open.get_mut(endpoint)
            && let Some(i) = list.iter().position(|r| *r == range)
        {
            list.remove(i);
        }
        let annotate = |e: String| format!("cannot close {range} (unit {}): {e}", go_q(&self.unit));
        match Self::check(endpoint, &range, &self.unit, &self.pending_close, true) {
            Some(Conflict::Exists) => return Ok(()),
            Some(Conflict::With(e)) => return Err(annotate(e)),
            None => {}
        }
        if let Some(Conflict::With(e)) =
            Self::check(endpoint, &range, &self.unit, &self.opened, false)
        {
            return Err(annotate(e));
        }
        if self.opened.values().all(Vec::is_empty) {
            return Ok(());
        }
        self.pending_close
            .entry(endpoint.to_owned())
            .or_default()
            .push(range);
        Ok(())
    }

    /// What `opened-ports` shows: the opened ranges with the pending changes merged
    /// (`mergeWithPendingChanges`: opens added where missing for their endpoint, closes removed
    /// where present for theirs).
    pub fn merged(&self) -> Grouped {
        let mut out = self.opened.clone();
        for (endpoint, ranges) in &self.pending_open {
            for range in ranges {
                let list = out.entry(endpoint.clone()).or_default();
                if !list.contains(range) {
                    list.push(*range);
                }
            }
        }
        for (endpoint, ranges) in &self.pending_close {
            for range in ranges {
                if let Some(list) = out.get_mut(endpoint) {
                    list.retain(|r| r != range);
                    if list.is_empty() {
                        out.remove(endpoint);
                    }
                }
            }
        }
        out
    }

    /// Whether the hook asked for any change.
    pub fn has_changes(&self) -> bool {
        self.pending_open.values().any(|v| !v.is_empty())
            || self.pending_close.values().any(|v| !v.is_empty())
    }

    /// The controller's commit of the pending requests (`openClosePortRangesOperation`): an
    /// endpoint the charm does not bind is refused; opens are added (an endpoint-specific range
    /// already open for every endpoint is dropped); closes remove the range, and closing one
    /// endpoint of a range open for every endpoint leaves it open on each other endpoint of
    /// `bindings`. Returns the unit's new ranges.
    pub fn commit(&self, bindings: &[String]) -> Result<Grouped, String> {
        for (verb, pending) in [("open", &self.pending_open), ("close", &self.pending_close)] {
            for (endpoint, ranges) in pending {
                if !endpoint.is_empty() && !ranges.is_empty() && !bindings.contains(endpoint) {
                    return Err(format!(
                        "cannot open/close ports: {verb} port range: endpoint {} for unit {} not found",
                        go_q(endpoint),
                        go_q(&self.unit)
                    ));
                }
            }
        }
        let mut out = self.opened.clone();
        let has = |g: &Grouped, endpoint: &str, range: &PortRange| {
            g.get(endpoint).is_some_and(|l| l.contains(range))
        };
        let opened_anywhere =
            |g: &Grouped, range: &PortRange| g.values().flatten().any(|r| r == range);
        for (endpoint, ranges) in &self.pending_open {
            for range in ranges {
                if opened_anywhere(&out, range)
                    && (has(&out, "", range) || has(&out, endpoint, range))
                {
                    continue;
                }
                if !opened_anywhere(&out, range)
                    && let Some(other) = out.values().flatten().find(|r| range.conflicts_with(r))
                {
                    return Err(format!(
                        "cannot open ports {range}: port ranges {other} ({}) and {range} ({}) conflict",
                        go_q(&self.unit),
                        go_q(&self.unit)
                    ));
                }
                out.entry(endpoint.clone()).or_default().push(*range);
            }
        }
        // Endpoint-specific entries also open for every endpoint are redundant.
        let wildcard = out.get("").cloned().unwrap_or_default();
        for (endpoint, ranges) in out.iter_mut() {
            if !endpoint.is_empty() {
                ranges.retain(|r| !wildcard.contains(r));
            }
        }
        for (endpoint, ranges) in &self.pending_close {
            for range in ranges {
                if !opened_anywhere(&out, range) {
                    continue;
                }
                if endpoint.is_empty() {
                    for list in out.values_mut() {
                        list.retain(|r| r != range);
                    }
                    continue;
                }
                if let Some(list) = out.get_mut(endpoint) {
                    list.retain(|r| r != range);
                }
                let was_wildcard = out.get("").is_some_and(|l| l.contains(range));
                if was_wildcard {
                    if let Some(list) = out.get_mut("") {
                        list.retain(|r| r != range);
                    }
                    for binding in bindings.iter().filter(|b| *b != endpoint) {
                        let list = out.entry(binding.clone()).or_default();
                        if !list.contains(range) {
                            list.push(*range);
                        }
                    }
                }
            }
        }
        out.retain(|_, ranges| !ranges.is_empty());
        for ranges in out.values_mut() {
            sort(ranges);
        }
        Ok(out)
    }
}

/// Prepares the commit of a process's port requests (part of Juju's `Flush`): the unit's new
/// ranges, or the controller's refusal, which fails the commit and changes nothing.
pub fn prepare_commit(context: &mut crate::agent::Context) -> Result<(), String> {
    if !context.ports.has_changes() {
        return Ok(());
    }
    let committed = context.ports.commit(&context.bindings)?;
    context.unit.ports = grouped_to_strings(&committed);
    Ok(())
}

/// `opened-ports --endpoints`' entries: each range with the endpoints it is open on, `*` for
/// every endpoint, sorted by range.
pub fn with_endpoints(grouped: &Grouped) -> Vec<String> {
    let mut by_range: BTreeMap<(Protocol, i64, i64), (PortRange, Vec<String>)> = BTreeMap::new();
    for (endpoint, ranges) in grouped {
        for range in ranges {
            let entry = by_range
                .entry(range.key())
                .or_insert_with(|| (*range, Vec::new()));
            if !entry.1.contains(endpoint) {
                entry.1.push(endpoint.clone());
            }
        }
    }
    by_range
        .into_values()
        .map(|(range, mut endpoints)| {
            let described = if endpoints.iter().any(String::is_empty) {
                "*".to_owned()
            } else {
                endpoints.sort();
                endpoints.join(", ")
            };
            format!("{range} ({described})")
        })
        .collect()
}

#[cfg(test)]
mod tests {
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
}
