//! Opened ports: Juju's port ranges (`core/network/portrange.go`: parsing, validation, the
//! string form, sorting, conflicts), a hook's pending `open-port`/`close-port` requests with the
//! uniter's checks (`context/ports.go` `portRangeChangeRecorder`), and the controller's merge of
//! those requests into the unit's opened ranges when the hook commits
//! (`state/machine_ports_ops.go` `openClosePortRangesOperation`), with Juju's messages.
//!
//! A unit's ranges are grouped by endpoint; the endpoint `""` means every endpoint. Each unit of
//! the local Juju is on a machine of its own (as `juju status` shows it), so a range conflicts
//! only with the unit's own other ranges, never with another unit's.
//!
//! Here the ranges and their groups; `recorder.rs` a hook's requests and their commit.

mod recorder;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

pub use recorder::{Recorder, prepare_commit};

use crate::gofmt::go_quote;

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
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_quote(s)))
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
            let port = atoi(one).map_err(|e| format!("invalid port {}: {e}", go_quote(ports)))?;
            (port, port)
        }
        [a, b] => (
            atoi(a).map_err(|e| format!("invalid port {}: {e}", go_quote(a)))?,
            atoi(b).map_err(|e| format!("invalid port {}: {e}", go_quote(b)))?,
        ),
        _ => return Err(format!("invalid port range {}", go_quote(ports))),
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
                go_quote(other)
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
