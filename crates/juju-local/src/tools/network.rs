//! `network-get`, with the grammar, output and exit codes of Juju's `jujuc/network-get.go`.
//! Every binding (the charm's endpoints, its `extra-bindings` and `juju-info`) answers with the
//! one address the local Juju has, the loopback: bind address `127.0.0.1` on interface `lo`
//! (`127.0.0.0/8`), ingress address `127.0.0.1`, egress subnet `127.0.0.1/32` — the addresses
//! `unit-get` gives and relation data is seeded with.

use serde_json::{Map, Value};

use super::{Reply, check_format, format_value, ok, parse, run_err, unrecognized, usage_err};
use crate::agent::Context;
use crate::args::FlagSpec;

const FLAGS: FlagSpec = &[
    (&["format"], true),
    (&["o", "output"], true),
    (&["primary-address"], false),
    (&["bind-address"], false),
    (&["ingress-address"], false),
    (&["egress-subnets"], false),
    (&["r", "relation"], true),
];

const ADDRESS: &str = "127.0.0.1";
const CIDR: &str = "127.0.0.0/8";
const INTERFACE: &str = "lo";
const MAC: &str = "00:00:00:00:00:00";
const EGRESS: &str = "127.0.0.1/32";

/// The full answer as YAML (`smart` and `yaml`), with the legacy copies yaml.v2 prints
/// (`address`, `macaddress`, `interfacename`).
fn full_yaml() -> String {
    format!(
        "bind-addresses:\n- mac-address: \"{MAC}\"\n  interface-name: {INTERFACE}\n  addresses:\n  - hostname: \"\"\n    value: {ADDRESS}\n    cidr: {CIDR}\n    address: {ADDRESS}\n  macaddress: \"{MAC}\"\n  interfacename: {INTERFACE}\negress-subnets:\n- {EGRESS}\ningress-addresses:\n- {ADDRESS}\n"
    )
}

/// The full answer as JSON (Go's struct order; no legacy copies).
fn full_json() -> String {
    format!(
        "{{\"bind-addresses\":[{{\"mac-address\":\"{MAC}\",\"interface-name\":\"{INTERFACE}\",\"addresses\":[{{\"hostname\":\"\",\"value\":\"{ADDRESS}\",\"cidr\":\"{CIDR}\"}}]}}],\"egress-subnets\":[\"{EGRESS}\"],\"ingress-addresses\":[\"{ADDRESS}\"]}}\n"
    )
}

/// `network-get <binding> [--bind-address] [--ingress-address] [--egress-subnets] [-r id]`.
pub(super) fn network_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, FLAGS)?;
    check_format(a.get("format"))?;
    // `-r` is checked as the flag is parsed, before `Init`.
    super::relation::relation_id(context, args, &a)?;
    let Some(binding) = a.positional.first() else {
        return usage_err("no arguments specified");
    };
    if binding.is_empty() {
        return usage_err("no binding name specified");
    }
    if a.positional.len() > 1 {
        return unrecognized(&a.positional[1..]);
    }
    if !context.bindings.iter().any(|b| b == binding) {
        return run_err(format!(
            "no network config found for binding {}",
            crate::gofmt::go_quote(binding)
        ));
    }
    let (bind, ingress, egress) = (
        a.has("bind-address"),
        a.has("ingress-address"),
        a.has("egress-subnets"),
    );
    if a.has("primary-address") {
        if bind || ingress || egress {
            return run_err("--primary-address must be the only flag specified");
        }
        return format_value(&Value::String(ADDRESS.into()), a.get("format"));
    }
    let mut keys: Vec<(&str, Value)> = Vec::new();
    if bind {
        keys.push(("bind-address", Value::String(ADDRESS.into())));
    }
    if ingress {
        keys.push(("ingress-address", Value::String(ADDRESS.into())));
    }
    if egress {
        keys.push((
            "egress-subnets",
            Value::Array(vec![Value::String(EGRESS.into())]),
        ));
    }
    match keys.as_slice() {
        [] => match a.get("format").unwrap_or("smart") {
            "json" => ok(full_json()),
            _ => ok(full_yaml()),
        },
        [(_, value)] => format_value(value, a.get("format")),
        _ => {
            let map: Map<String, Value> =
                keys.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            format_value(&Value::Object(map), a.get("format"))
        }
    }
}

/// The bindings a charm has: its endpoints, its `extra-bindings` and `juju-info`.
pub fn bindings(info: &crate::charm::CharmInfo) -> Vec<String> {
    let mut out: Vec<String> = info.endpoints.iter().map(|e| e.name.clone()).collect();
    out.extend(info.extra_bindings.iter().cloned());
    out.push("juju-info".to_owned());
    out.sort();
    out.dedup();
    out
}
