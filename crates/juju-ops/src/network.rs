//! The unit's network: what `network-get` says about an endpoint's binding ([`NetworkInfo`]:
//! the addresses to bind to, the address to advertise, the subnets traffic comes from) and the
//! unit's address (`unit-get`), and the errors of these and of the port tools.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::event::Unit;
use crate::names;
use crate::relation::{Endpoint, Relation};
use crate::tools::ToolError;

/// What `network-get <binding> --format=json` prints (`jujuc/network-get.go`,
/// `networkInfoResultDisplay`): Juju leaves out an empty list, which reads here as empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct NetworkInfo {
    /// The interfaces, and their addresses, in the binding's space.
    #[serde(default, deserialize_with = "nullable")]
    pub bind_addresses: Vec<BindAddress>,
    /// The subnets (CIDRs) traffic from this unit comes from, as the other side sees it.
    #[serde(default, deserialize_with = "nullable")]
    pub egress_subnets: Vec<String>,
    /// The addresses other units should connect to, best first.
    #[serde(default, deserialize_with = "nullable")]
    pub ingress_addresses: Vec<String>,
}

/// One network interface in the binding's space.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BindAddress {
    #[serde(default, deserialize_with = "nullable")]
    pub mac_address: String,
    #[serde(default, deserialize_with = "nullable")]
    pub interface_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub addresses: Vec<InterfaceAddress>,
}

/// An address of an interface.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InterfaceAddress {
    /// The host name the address was resolved from, if any.
    #[serde(default, deserialize_with = "nullable")]
    pub hostname: String,
    /// The address (Juju's JSON key is `value`).
    #[serde(default, deserialize_with = "nullable")]
    pub value: String,
    /// The address's subnet, e.g. `10.0.0.0/24`.
    #[serde(default, deserialize_with = "nullable")]
    pub cidr: String,
}

/// `null` read as the type's default, as Go writes a nil slice.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl NetworkInfo {
    /// The address to listen on: the first address of the first interface
    /// (`network-get --bind-address`).
    pub fn bind_address(&self) -> Option<&str> {
        self.bind_addresses
            .first()?
            .addresses
            .first()
            .map(|a| a.value.as_str())
    }

    /// The address to advertise: the first ingress address, or else the bind address
    /// (`network-get --ingress-address`).
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses
            .first()
            .map(String::as_str)
            .or_else(|| self.bind_address())
    }
}

/// Which address `unit-get` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitAddress {
    /// `private-address`: the address in the default binding's space (its host name, when
    /// Juju resolved it from one).
    Private,
    /// `public-address`.
    Public,
}

impl UnitAddress {
    /// The setting as `unit-get` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitAddress::Private => "private-address",
            UnitAddress::Public => "public-address",
        }
    }
}

/// A port, network or address tool could not be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum NetworkError {
    /// A binding or endpoint name that is not one (lowercase letters, digits and hyphens,
    /// starting with a letter); refused before any tool runs.
    InvalidName { name: String },
    /// [`Unit::open_port_for`] or [`Unit::close_port_for`] with no endpoint (use
    /// [`Unit::open_port`] for every endpoint).
    NoEndpoints,
    /// The tool failed or printed something unexpected.
    Tool(ToolError),
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkError::InvalidName { name } => write!(
                f,
                "{name:?} is not an endpoint or binding name (lowercase letters, digits and hyphens, starting with a letter)"
            ),
            NetworkError::NoEndpoints => f.write_str(
                "no endpoint given: name at least one, or open (close) the port for every endpoint with open_port (close_port)",
            ),
            NetworkError::Tool(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for NetworkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NetworkError::Tool(e) => Some(e),
            _ => None,
        }
    }
}

impl<'a> Unit<'a> {
    /// The network of `binding`, an endpoint or extra binding of the charm (`network-get`).
    /// Juju fails with `no network config found for binding "x"` for a name it does not know.
    pub fn network(&mut self, binding: &str) -> Result<NetworkInfo, NetworkError> {
        if !names::is_endpoint_name(binding) {
            return Err(NetworkError::InvalidName {
                name: binding.to_owned(),
            });
        }
        self.tools()
            .network_get(binding, None)
            .map_err(NetworkError::Tool)
    }

    /// The network of `relation`'s endpoint, as the remote side of that relation should see
    /// it (`network-get <endpoint> -r <id>`: the ingress address and egress subnets may differ
    /// per relation, e.g. across models).
    pub fn network_for<E: Endpoint>(
        &mut self,
        relation: &Relation<E>,
    ) -> Result<NetworkInfo, NetworkError> {
        self.tools()
            .network_get(E::NAME, Some(relation.id()))
            .map_err(NetworkError::Tool)
    }

    /// This unit's private address (`unit-get private-address`).
    pub fn private_address(&mut self) -> Result<String, NetworkError> {
        self.tools()
            .unit_get(UnitAddress::Private)
            .map_err(NetworkError::Tool)
    }

    /// This unit's public address (`unit-get public-address`).
    pub fn public_address(&mut self) -> Result<String, NetworkError> {
        self.tools()
            .unit_get(UnitAddress::Public)
            .map_err(NetworkError::Tool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_get_output_is_read_with_omitted_and_null_lists() {
        // The shape of `jujuc/network-get.go` (`resultToDisplay`): empty lists are omitted.
        let info: NetworkInfo = serde_json::from_str(
            r#"{"bind-addresses":[{"mac-address":"00:11:22:33:44:33","interface-name":"eth3",
                "addresses":[{"hostname":"","value":"10.33.1.8","cidr":"10.33.1.8/24"}]}]}"#,
        )
        .unwrap();
        assert_eq!(info.bind_address(), Some("10.33.1.8"));
        assert_eq!(info.ingress_address(), Some("10.33.1.8"));
        assert!(info.egress_subnets.is_empty());
        let info: NetworkInfo = serde_json::from_str(
            r#"{"bind-addresses":null,"ingress-addresses":["100.1.2.3","100.4.3.2"]}"#,
        )
        .unwrap();
        assert_eq!(info.ingress_address(), Some("100.1.2.3"));
        assert_eq!(info.bind_address(), None);
        assert_eq!(NetworkInfo::default().ingress_address(), None);
    }
}
