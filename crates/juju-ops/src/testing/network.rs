//! Networks and ports in a harness [`State`]: the bindings a [`Context`] knows and the network
//! of each (Scenario's `192.0.2.0` addresses unless the state says otherwise), the unit's open
//! ports by endpoint, the checks a state must pass, and the backend's `network-get`, `unit-get`,
//! `open-port`, `close-port` and `opened-ports`, with Juju's rules: a port's opening and
//! closing are recorded as the hook runs (`context/ports.go`), shown by `opened-ports` merged
//! with what is open (`mergeWithPendingChanges`), and committed only when the run succeeds, as
//! the controller merges them (`state/machine_ports.go`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::backend::{Backend, failed};
use super::relation::DEFAULT_ADDRESS;
use super::{Context, State};
use crate::event::UnitEnv;
use crate::messages::go_quote;
use crate::network::{BindAddress, InterfaceAddress, NetworkInfo, UnitAddress};
use crate::ports::{OpenedPort, Port, PortEndpoints};
use crate::tools::{self, ToolError};

/// The ports open on each endpoint; the key `""` stands for every endpoint (a port opened
/// without `--endpoints`), as Juju keeps them.
pub type OpenedPorts = BTreeMap<String, BTreeSet<Port>>;

/// The network the harness gives every binding the state does not set (Scenario's default):
/// one interface with the address `192.0.2.0` (in `192.0.2.0/24`), which is also the ingress
/// address, and the egress subnet `192.0.2.0/24`.
pub fn default_network() -> NetworkInfo {
    NetworkInfo {
        bind_addresses: vec![BindAddress {
            mac_address: String::new(),
            interface_name: String::new(),
            addresses: vec![InterfaceAddress {
                hostname: String::new(),
                value: DEFAULT_ADDRESS.to_owned(),
                cidr: format!("{DEFAULT_ADDRESS}/24"),
            }],
        }],
        egress_subnets: vec![format!("{DEFAULT_ADDRESS}/24")],
        ingress_addresses: vec![DEFAULT_ADDRESS.to_owned()],
    }
}

/// Reads `extra-bindings:` (names mapped to nothing) from `charmcraft.yaml`.
pub(super) fn extra_bindings_from_yaml(
    root: &serde_json::Map<String, Value>,
) -> Result<BTreeSet<String>, String> {
    match root.get("extra-bindings") {
        None | Some(Value::Null) => Ok(BTreeSet::new()),
        Some(Value::Object(names)) => Ok(names.keys().cloned().collect()),
        Some(_) => Err("`extra-bindings` must be a mapping of binding names".to_owned()),
    }
}

/// The problems of the state's networks and open ports: a binding or endpoint the charm does
/// not have.
pub(super) fn check(state: &State, bindings: &BTreeSet<String>, problems: &mut Vec<String>) {
    let known = || bindings.iter().cloned().collect::<Vec<_>>().join(", ");
    for binding in state.networks.keys() {
        if !bindings.contains(binding) {
            problems.push(format!(
                "the state has a network for the binding {binding:?}, which is none of the \
                 charm's endpoints and extra bindings in charmcraft.yaml ({}): use one of them",
                known()
            ));
        }
    }
    for (endpoint, ports) in &state.opened_ports {
        if !endpoint.is_empty() && !bindings.contains(endpoint) {
            let ports: Vec<String> = ports.iter().map(Port::to_string).collect();
            problems.push(format!(
                "the state has ports open ({}) on the endpoint {endpoint:?}, which is none of the \
                 charm's endpoints and extra bindings in charmcraft.yaml ({}): use one of them, \
                 or \"\" for every endpoint",
                ports.join(", "),
                known()
            ));
        }
    }
}

/// Whether a port range is new, already there, or overlaps another (`checkForConflict`).
enum Clash {
    None,
    AlreadyThere,
    Conflict(String),
}

/// The network and port tools of one run.
#[derive(Debug, Default)]
pub(super) struct NetworkTools {
    /// Every binding's network: the defaults, overridden by the state's.
    pub(super) networks: BTreeMap<String, NetworkInfo>,
    /// The endpoints and extra bindings, which `--endpoints` may name.
    pub(super) bindings: BTreeSet<String>,
    /// The ports open before the run.
    pub(super) committed: OpenedPorts,
    pending_open: BTreeMap<String, Vec<Port>>,
    pending_close: BTreeMap<String, Vec<Port>>,
    /// The unit under test, as Juju's messages name it.
    pub(super) unit: String,
    /// The ids of the state's relations (for `network-get -r`).
    pub(super) relation_ids: BTreeSet<u32>,
}

impl NetworkTools {
    /// Compares `port` for `endpoint` with the ranges of this unit in `ranges`, as the hook
    /// context's `checkForConflict` does (one unit: an identical range is there already on the
    /// same endpoint and legal on another; an overlapping one conflicts).
    fn clash<'a>(
        &self,
        endpoint: &str,
        port: &Port,
        ranges: impl IntoIterator<Item = (&'a String, &'a Port)>,
        pending: bool,
    ) -> Clash {
        for (existing_endpoint, existing) in ranges {
            if !port.conflicts_with(existing) {
                continue;
            }
            if port == existing {
                if endpoint != existing_endpoint {
                    continue;
                }
                return Clash::AlreadyThere;
            }
            return Clash::Conflict(format!(
                "port range conflicts with {existing} (unit {}){}",
                go_quote(&self.unit),
                if pending { " requested earlier" } else { "" }
            ));
        }
        Clash::None
    }

    fn pending_opens(&self) -> impl Iterator<Item = (&String, &Port)> {
        self.pending_open
            .iter()
            .flat_map(|(endpoint, ports)| ports.iter().map(move |p| (endpoint, p)))
    }

    fn pending_closes(&self) -> impl Iterator<Item = (&String, &Port)> {
        self.pending_close
            .iter()
            .flat_map(|(endpoint, ports)| ports.iter().map(move |p| (endpoint, p)))
    }

    fn committed_ports(&self) -> impl Iterator<Item = (&String, &Port)> {
        self.committed
            .iter()
            .flat_map(|(endpoint, ports)| ports.iter().map(move |p| (endpoint, p)))
    }

    /// `open-port [--endpoints …] <port>`: for each endpoint in turn (every endpoint when none
    /// is named), as `OpenPortRange` records it.
    pub(super) fn open(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        for endpoint in targets(endpoints) {
            if let Some(closing) = self.pending_close.get_mut(endpoint)
                && let Some(i) = closing.iter().position(|p| p == port)
            {
                closing.remove(i);
            }
            let fail = |message: String| {
                failed(
                    tools::argv::port_tool("open-port", port, endpoints),
                    1,
                    format!(
                        "cannot open {port} (unit {}): {message}",
                        go_quote(&self.unit)
                    ),
                )
            };
            match self.clash(endpoint, port, self.pending_opens(), true) {
                Clash::Conflict(message) => return Err(fail(message)),
                Clash::AlreadyThere => continue,
                Clash::None => {}
            }
            match self.clash(endpoint, port, self.committed_ports(), false) {
                Clash::Conflict(message) => return Err(fail(message)),
                Clash::AlreadyThere => continue,
                Clash::None => {}
            }
            self.pending_open
                .entry(endpoint.to_owned())
                .or_default()
                .push(*port);
        }
        Ok(())
    }

    /// `close-port [--endpoints …] <port>`, as `ClosePortRange` records it: with no port open
    /// before the run, closing is a no-op.
    pub(super) fn close(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        for endpoint in targets(endpoints) {
            if let Some(opening) = self.pending_open.get_mut(endpoint)
                && let Some(i) = opening.iter().position(|p| p == port)
            {
                opening.remove(i);
            }
            let fail = |message: String| {
                failed(
                    tools::argv::port_tool("close-port", port, endpoints),
                    1,
                    format!(
                        "cannot close {port} (unit {}): {message}",
                        go_quote(&self.unit)
                    ),
                )
            };
            match self.clash(endpoint, port, self.pending_closes(), true) {
                Clash::Conflict(message) => return Err(fail(message)),
                Clash::AlreadyThere => continue,
                Clash::None => {}
            }
            if let Clash::Conflict(message) =
                self.clash(endpoint, port, self.committed_ports(), false)
            {
                return Err(fail(message));
            }
            if self.committed.values().all(BTreeSet::is_empty) {
                continue;
            }
            self.pending_close
                .entry(endpoint.to_owned())
                .or_default()
                .push(*port);
        }
        Ok(())
    }

    /// `opened-ports --endpoints`: the open ports merged with this run's requests
    /// (`mergeWithPendingChanges`), sorted as Juju sorts them.
    pub(super) fn opened(&self) -> Vec<OpenedPort> {
        let mut merged = self.committed.clone();
        for (endpoint, port) in self.pending_opens() {
            merged.entry(endpoint.clone()).or_default().insert(*port);
        }
        for (endpoint, port) in self.pending_closes() {
            if let Some(ports) = merged.get_mut(endpoint) {
                ports.remove(port);
            }
        }
        rendered(&merged)
    }

    /// The open ports after committing this run's requests, or Juju's refusal to commit them
    /// (an endpoint the charm does not have). The controller's merge (`state/machine_ports.go`,
    /// `openClosePortRangesOperation`): an open port is not opened again; a port open on every
    /// endpoint is dropped from the single endpoints; closing a port on every endpoint closes
    /// it everywhere, and closing one open on every endpoint on one endpoint leaves it open on
    /// each of the others.
    pub(super) fn commit(&self) -> Result<OpenedPorts, String> {
        for (verb, pending) in [("open", &self.pending_open), ("close", &self.pending_close)] {
            for endpoint in pending.keys() {
                if !endpoint.is_empty() && !self.bindings.contains(endpoint) {
                    return Err(format!(
                        "cannot open/close ports: {verb} port range: endpoint {} for unit {} not found",
                        go_quote(endpoint),
                        go_quote(&self.unit)
                    ));
                }
            }
        }
        let mut ports = self.committed.clone();
        let is_open =
            |ports: &OpenedPorts, port: &Port| ports.values().any(|set| set.contains(port));
        let open_on = |ports: &OpenedPorts, endpoint: &str, port: &Port| {
            ports.get(endpoint).is_some_and(|set| set.contains(port))
        };
        for (endpoint, port) in self.pending_opens() {
            if is_open(&ports, port)
                && (open_on(&ports, "", port) || open_on(&ports, endpoint, port))
            {
                continue;
            }
            ports.entry(endpoint.clone()).or_default().insert(*port);
        }
        let everywhere = ports.get("").cloned().unwrap_or_default();
        for (endpoint, set) in ports.iter_mut() {
            if !endpoint.is_empty() {
                set.retain(|p| !everywhere.contains(p));
            }
        }
        for (endpoint, port) in self.pending_closes() {
            if !is_open(&ports, port) {
                continue;
            }
            if endpoint.is_empty() {
                for set in ports.values_mut() {
                    set.remove(port);
                }
                continue;
            }
            if let Some(set) = ports.get_mut(endpoint) {
                set.remove(port);
            }
            if ports.get_mut("").is_some_and(|set| set.remove(port)) {
                for other in self.bindings.iter().filter(|b| *b != endpoint) {
                    ports.entry(other.clone()).or_default().insert(*port);
                }
            }
        }
        ports.retain(|_, set| !set.is_empty());
        Ok(ports)
    }

    /// `network-get <binding> [-r <id>]`.
    pub(super) fn network_get(
        &self,
        binding: &str,
        relation_id: Option<u32>,
    ) -> Result<NetworkInfo, ToolError> {
        let argv = tools::argv::network_get(binding, relation_id);
        if let Some(id) = relation_id
            && !self.relation_ids.contains(&id)
        {
            return Err(failed(
                argv,
                2,
                format!("invalid value \"{id}\" for option -r: relation not found"),
            ));
        }
        if binding.is_empty() {
            return Err(failed(argv, 2, "no binding name specified"));
        }
        match self.networks.get(binding) {
            Some(info) if !info.bind_addresses.is_empty() => Ok(info.clone()),
            _ => Err(failed(
                argv,
                1,
                format!("no network config found for binding {}", go_quote(binding)),
            )),
        }
    }

    /// `unit-get private-address|public-address`: the harness's unit has the addresses of its
    /// `juju-info` network (bound, like Juju's default binding, to the application's space):
    /// the first bind address (its host name when it has one) is the private address, the
    /// ingress address the public one.
    pub(super) fn unit_get(&self, address: UnitAddress) -> Result<String, ToolError> {
        let network = self.networks.get("juju-info");
        let value = match address {
            UnitAddress::Private => network
                .and_then(|n| n.bind_addresses.first())
                .and_then(|b| b.addresses.first())
                .map(|a| {
                    if a.hostname.is_empty() {
                        a.value.clone()
                    } else {
                        a.hostname.clone()
                    }
                }),
            UnitAddress::Public => network
                .and_then(NetworkInfo::ingress_address)
                .map(str::to_owned),
        };
        Ok(value.unwrap_or_else(|| DEFAULT_ADDRESS.to_owned()))
    }
}

/// The endpoints one `--endpoints` list targets, `""` standing for every endpoint.
fn targets(endpoints: &[String]) -> Vec<&str> {
    if endpoints.is_empty() {
        vec![""]
    } else {
        endpoints.iter().map(String::as_str).collect()
    }
}

/// Open ports as `opened-ports --endpoints` lists them: each port once, sorted, with `*` when
/// it is open on every endpoint.
pub(super) fn rendered(ports: &OpenedPorts) -> Vec<OpenedPort> {
    let mut by_port: BTreeMap<Port, BTreeSet<&str>> = BTreeMap::new();
    for (endpoint, set) in ports {
        for port in set {
            by_port.entry(*port).or_default().insert(endpoint);
        }
    }
    by_port
        .into_iter()
        .map(|(port, endpoints)| OpenedPort {
            port,
            endpoints: if endpoints.contains("") {
                PortEndpoints::All
            } else {
                PortEndpoints::Only(endpoints.into_iter().map(str::to_owned).collect())
            },
        })
        .collect()
}

// The context's bindings and networks.

impl Context {
    /// The names `network-get` and `open-port --endpoints` know: the endpoints (with
    /// `juju-info`) and extra bindings.
    pub(super) fn bindings(&self) -> BTreeSet<String> {
        self.endpoints
            .keys()
            .chain(&self.extra_bindings)
            .cloned()
            .collect()
    }

    /// Gives the backend the run's networks (Scenario's default for every binding the state
    /// does not set) and open ports.
    pub(super) fn prepare_network(&self, state: &State, env: &UnitEnv, backend: &mut Backend) {
        let bindings = self.bindings();
        let mut networks: BTreeMap<String, _> = bindings
            .iter()
            .map(|b| (b.clone(), default_network()))
            .collect();
        networks.extend(state.networks.clone());
        backend.network.networks = networks;
        backend.network.bindings = bindings;
        backend.network.committed = state.opened_ports.clone();
        backend.network.unit = env.unit_name.clone();
        backend.network.relation_ids = state.relations.iter().map(|r| r.id).collect();
    }
}
