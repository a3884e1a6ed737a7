//! Ports: the [`Port`] a unit opens (a TCP or UDP port or range, or ICMP), read and printed as
//! Juju reads and prints them (`core/network/portrange.go`), and the unit's [`OpenedPort`]s.
//!
//! [`Port::parse`] is Juju's `ParsePortRange` after the lower-casing `open-port` does, with
//! Juju's messages; a [`Port`] that exists is valid, so [`Unit::open_port`] never sends Juju a
//! port it would refuse. Opening and closing are committed when the hook succeeds; within the
//! hook, [`Unit::opened_ports`] already shows them (newer Juju merges the hook's pending changes).

use std::fmt;
use std::str::FromStr;

use crate::event::Unit;
use crate::messages::go_quote;
use crate::names;
use crate::network::NetworkError;

/// The protocol of a [`Port`], ordered as Juju sorts them (by name: `icmp`, `tcp`, `udp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Icmp,
    Tcp,
    Udp,
}

impl Protocol {
    /// The protocol as Juju spells it: `icmp`, `tcp` or `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Icmp => "icmp",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A port or port range a unit opens: `80/tcp`, `8000-8010/udp`, or `icmp` (which has no
/// ports). Always valid: `from <= to`, both in 0..=65535 (Juju's bounds), and no ports for
/// ICMP.
///
/// Ordered as Juju sorts port ranges (`SortPortRanges`: protocol, then first port, then last),
/// and printed as Juju prints them.
///
/// ```
/// # extern crate juju_ops as ops;
/// use ops::{Port, Protocol};
///
/// let http = Port::parse("80").unwrap();
/// assert_eq!(http, Port::tcp(80));
/// assert_eq!(http.to_string(), "80/tcp");
/// assert_eq!(Port::parse("8000-8010/UDP").unwrap().to_string(), "8000-8010/udp");
/// assert_eq!(Port::parse("icmp").unwrap().protocol(), Protocol::Icmp);
/// assert_eq!(
///     Port::parse("90-80/tcp").unwrap_err().to_string(),
///     "invalid port range 90-80/tcp"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port {
    protocol: Protocol,
    /// Both 0 for ICMP.
    from: u16,
    to: u16,
}

impl Port {
    /// One TCP port.
    pub fn tcp(port: u16) -> Port {
        Port {
            protocol: Protocol::Tcp,
            from: port,
            to: port,
        }
    }

    /// One UDP port.
    pub fn udp(port: u16) -> Port {
        Port {
            protocol: Protocol::Udp,
            from: port,
            to: port,
        }
    }

    /// ICMP (which has no ports).
    pub fn icmp() -> Port {
        Port {
            protocol: Protocol::Icmp,
            from: 0,
            to: 0,
        }
    }

    /// The range `from-to` of `protocol`: refused, with Juju's message, when `from > to` or
    /// the protocol is ICMP.
    pub fn range(protocol: Protocol, from: u16, to: u16) -> Result<Port, PortError> {
        validate(protocol.as_str(), i64::from(from), i64::from(to))
    }

    /// Juju's `PortRange.Validate` on a range given as numbers (from config, say): the
    /// protocol (any case), then ICMP's lack of ports (Juju writes ICMP as `-1`, `-1`), then
    /// `from <= to`, then the bounds 0..=65535, with Juju's messages.
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::Port;
    ///
    /// assert_eq!(Port::validate("UDP", 80, 90).unwrap().to_string(), "80-90/udp");
    /// assert_eq!(
    ///     Port::validate("tcp", 1, 99999).unwrap_err().to_string(),
    ///     "port range bounds must be between 0 and 65535, got 1-99999"
    /// );
    /// ```
    pub fn validate(protocol: &str, from: i64, to: i64) -> Result<Port, PortError> {
        validate(&protocol.to_lowercase(), from, to)
    }

    /// Reads a port as `open-port` does: `<port>[/<protocol>]`, `<from>-<to>[/<protocol>]` or
    /// `icmp`, lower-cased, the protocol `tcp` when not given (Juju's `ParsePortRange`, with its
    /// messages).
    pub fn parse(s: &str) -> Result<Port, PortError> {
        let lower = s.to_lowercase();
        let (ports, protocol) = match lower.split_once('/') {
            Some((ports, protocol)) => (ports, protocol),
            None => (lower.as_str(), "tcp"),
        };
        let parts: Vec<&str> = ports.split('-').collect();
        let (from, to) = match parts.as_slice() {
            ["icmp"] => return validate("icmp", -1, -1),
            [port] => {
                let port = go_atoi(port)?;
                (port, port)
            }
            [from, to] => (go_atoi(from)?, go_atoi(to)?),
            _ => {
                return Err(PortError::InvalidRange {
                    range: ports.to_owned(),
                });
            }
        };
        validate(protocol, from, to)
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The first port of the range; `None` for ICMP.
    pub fn from_port(&self) -> Option<u16> {
        (self.protocol != Protocol::Icmp).then_some(self.from)
    }

    /// The last port of the range (the first, for a single port); `None` for ICMP.
    pub fn to_port(&self) -> Option<u16> {
        (self.protocol != Protocol::Icmp).then_some(self.to)
    }

    /// Whether the two overlap (Juju's `ConflictsWith`: the same protocol and a shared port).
    pub fn conflicts_with(&self, other: &Port) -> bool {
        self.protocol == other.protocol && self.to >= other.from && other.to >= self.from
    }
}

/// Juju's `PortRange.Validate`, in its order: the protocol, ICMP's missing ports, the order of
/// the bounds, then the bounds.
fn validate(protocol: &str, from: i64, to: i64) -> Result<Port, PortError> {
    let protocol = match protocol {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        "icmp" => {
            if from == -1 && to == -1 {
                return Ok(Port::icmp());
            }
            return Err(PortError::IcmpWithPorts { port: from });
        }
        other => {
            return Err(PortError::InvalidProtocol {
                protocol: other.to_owned(),
            });
        }
    };
    if from > to {
        return Err(PortError::Reversed { from, to, protocol });
    }
    match (u16::try_from(from), u16::try_from(to)) {
        (Ok(from), Ok(to)) => Ok(Port { protocol, from, to }),
        _ => Err(PortError::OutOfBounds { from, to }),
    }
}

/// Go's `strconv.Atoi` on a 64-bit machine: an optional sign, then decimal digits.
fn go_atoi(s: &str) -> Result<i64, PortError> {
    let invalid = |reason: &'static str| PortError::InvalidPort {
        port: s.to_owned(),
        reason,
    };
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("invalid syntax"));
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        let digit = i64::from(b - b'0');
        value = value
            .checked_mul(10)
            .and_then(|v| {
                if negative {
                    v.checked_sub(digit)
                } else {
                    v.checked_add(digit)
                }
            })
            .ok_or_else(|| invalid("value out of range"))?;
    }
    Ok(value)
}

impl fmt::Display for Port {
    /// As Juju prints a port range: `80/tcp`, `8000-8010/udp`, `icmp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.protocol {
            Protocol::Icmp => f.write_str("icmp"),
            _ if self.from == self.to => write!(f, "{}/{}", self.from, self.protocol),
            _ => write!(f, "{}-{}/{}", self.from, self.to, self.protocol),
        }
    }
}

impl FromStr for Port {
    type Err = PortError;

    fn from_str(s: &str) -> Result<Port, PortError> {
        Port::parse(s)
    }
}

/// A port Juju would refuse, with Juju's message (`core/network/portrange.go`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PortError {
    /// A port that is not a number: `invalid port "x": strconv.Atoi: parsing "x": invalid syntax`.
    InvalidPort { port: String, reason: &'static str },
    /// More than one `-`: `invalid port range "10-55-100"`.
    InvalidRange { range: String },
    /// `invalid protocol "x", expected "tcp", "udp", or "icmp"`.
    InvalidProtocol { protocol: String },
    /// `protocol "icmp" doesn't support any ports; got "80"`.
    IcmpWithPorts { port: i64 },
    /// The first port after the last: `invalid port range 90-80/tcp`.
    Reversed {
        from: i64,
        to: i64,
        protocol: Protocol,
    },
    /// `port range bounds must be between 0 and 65535, got 1-99999`.
    OutOfBounds { from: i64, to: i64 },
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortError::InvalidPort { port, reason } => write!(
                f,
                "invalid port {}: strconv.Atoi: parsing {}: {reason}",
                go_quote(port),
                go_quote(port)
            ),
            PortError::InvalidRange { range } => {
                write!(f, "invalid port range {}", go_quote(range))
            }
            PortError::InvalidProtocol { protocol } => write!(
                f,
                "invalid protocol {}, expected \"tcp\", \"udp\", or \"icmp\"",
                go_quote(protocol)
            ),
            PortError::IcmpWithPorts { port } => {
                write!(
                    f,
                    "protocol \"icmp\" doesn't support any ports; got \"{port}\""
                )
            }
            PortError::Reversed { from, to, protocol } => {
                write!(f, "invalid port range {from}-{to}/{protocol}")
            }
            PortError::OutOfBounds { from, to } => write!(
                f,
                "port range bounds must be between 0 and 65535, got {from}-{to}"
            ),
        }
    }
}

impl std::error::Error for PortError {}

/// Which endpoints an opened port is open for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PortEndpoints {
    /// Every endpoint of the application (opened without `--endpoints`; Juju prints `*`).
    All,
    /// These endpoints, sorted.
    Only(Vec<String>),
}

/// A port the unit has open, as `opened-ports --endpoints` lists it: `80/tcp (*)`,
/// `8000-8010/udp (admin, metrics)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpenedPort {
    pub port: Port,
    pub endpoints: PortEndpoints,
}

impl OpenedPort {
    /// Reads one line of `opened-ports --endpoints` (a line without endpoints is open for
    /// every endpoint).
    pub fn parse(s: &str) -> Result<OpenedPort, PortError> {
        let Some((port, rest)) = s.split_once(" (") else {
            return Ok(OpenedPort {
                port: Port::parse(s)?,
                endpoints: PortEndpoints::All,
            });
        };
        let port = Port::parse(port)?;
        let inner = rest
            .strip_suffix(')')
            .ok_or_else(|| PortError::InvalidRange {
                range: s.to_owned(),
            })?;
        let endpoints = if inner == "*" {
            PortEndpoints::All
        } else {
            let mut names: Vec<String> = inner.split(',').map(|e| e.trim().to_owned()).collect();
            names.sort();
            PortEndpoints::Only(names)
        };
        Ok(OpenedPort { port, endpoints })
    }
}

impl fmt::Display for OpenedPort {
    /// As `opened-ports --endpoints` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.endpoints {
            PortEndpoints::All => write!(f, "{} (*)", self.port),
            PortEndpoints::Only(names) => write!(f, "{} ({})", self.port, names.join(", ")),
        }
    }
}

impl<'a> Unit<'a> {
    /// Opens `port` for every endpoint (`open-port`). Juju commits it when the hook succeeds;
    /// opening an open port does nothing.
    pub fn open_port(&mut self, port: Port) -> Result<(), NetworkError> {
        self.tools()
            .open_port(&port, &[])
            .map_err(NetworkError::Tool)
    }

    /// Opens `port` for these endpoints only (`open-port --endpoints a,b`). Each name must be
    /// an endpoint (or extra binding) of the charm, which Juju checks when it commits the hook;
    /// a name that is not an endpoint name at all, or no name, is refused before the tool runs.
    pub fn open_port_for(&mut self, port: Port, endpoints: &[&str]) -> Result<(), NetworkError> {
        let endpoints = endpoint_list(endpoints)?;
        self.tools()
            .open_port(&port, &endpoints)
            .map_err(NetworkError::Tool)
    }

    /// Closes `port` for every endpoint (`close-port`), when the hook succeeds.
    pub fn close_port(&mut self, port: Port) -> Result<(), NetworkError> {
        self.tools()
            .close_port(&port, &[])
            .map_err(NetworkError::Tool)
    }

    /// Closes `port` for these endpoints only (`close-port --endpoints a,b`); see
    /// [`open_port_for`](Self::open_port_for). Closing a port open for every endpoint on one
    /// endpoint leaves it open on the others.
    pub fn close_port_for(&mut self, port: Port, endpoints: &[&str]) -> Result<(), NetworkError> {
        let endpoints = endpoint_list(endpoints)?;
        self.tools()
            .close_port(&port, &endpoints)
            .map_err(NetworkError::Tool)
    }

    /// The ports this unit has open, with their endpoints (`opened-ports --endpoints`), sorted
    /// as Juju sorts them; they include this hook's opening and closing so far.
    pub fn opened_ports(&mut self) -> Result<Vec<OpenedPort>, NetworkError> {
        self.tools().opened_ports().map_err(NetworkError::Tool)
    }
}

fn endpoint_list(endpoints: &[&str]) -> Result<Vec<String>, NetworkError> {
    if endpoints.is_empty() {
        return Err(NetworkError::NoEndpoints);
    }
    endpoints
        .iter()
        .map(|name| {
            if names::is_endpoint_name(name) {
                Ok((*name).to_owned())
            } else {
                Err(NetworkError::InvalidName {
                    name: (*name).to_owned(),
                })
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_atoi_takes_a_sign_and_refuses_the_rest() {
        assert_eq!(go_atoi("+80").unwrap(), 80);
        assert_eq!(go_atoi("-3").unwrap(), -3);
        assert_eq!(go_atoi("007").unwrap(), 7);
        assert_eq!(go_atoi("9223372036854775807").unwrap(), i64::MAX);
        assert_eq!(go_atoi("-9223372036854775808").unwrap(), i64::MIN);
        for bad in ["", "+", "-", "8 0", "1_000", "٣", "0x10"] {
            assert!(
                matches!(
                    go_atoi(bad),
                    Err(PortError::InvalidPort {
                        reason: "invalid syntax",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            go_atoi("9223372036854775808"),
            Err(PortError::InvalidPort {
                reason: "value out of range",
                ..
            })
        ));
    }
}
