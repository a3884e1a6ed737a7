//! The port tools: `open-port`, `close-port` and `opened-ports`, with the grammar, output and
//! exit codes of Juju's `jujuc/ports.go` and `opened-ports.go`. Requests are recorded in the
//! context with the uniter's checks ([`crate::ports::Recorder`]) and committed when the process
//! succeeds; `opened-ports` shows the committed ranges with this process's requests merged.

use super::{Reply, check_format, ok, parse, unrecognized, usage_err};
use crate::agent::Context;
use crate::args::FlagSpec;

pub(super) const PORT_FLAGS: FlagSpec = &[(&["format"], true), (&["endpoints"], true)];
const OPENED_FLAGS: FlagSpec = &[
    (&["format"], true),
    (&["o", "output"], true),
    (&["endpoints"], false),
];

/// `open-port` and `close-port`: `Init` parses the range (the argument lower-cased) and refuses
/// anything after it; `Run` applies the request to each endpoint of `--endpoints` (all
/// endpoints without it).
pub(super) fn port(context: &mut Context, tool: &str, args: &[String]) -> Reply {
    // gnuflag reads `-42` as the short flags `-4`, `-2`.
    if let Some(flag) = args.iter().take_while(|a| *a != "--").find(|a| {
        a.starts_with('-')
            && !a.starts_with("--")
            && a.len() > 1
            && a[1..].starts_with(|c: char| c.is_ascii_digit())
    }) {
        let first: String = flag.chars().take(2).collect();
        return usage_err(format!("flag provided but not defined: {first}"));
    }
    let a = parse(args, PORT_FLAGS)?;
    let Some(first) = a.positional.first() else {
        return usage_err("no port or range specified");
    };
    let range = crate::ports::parse(&first.to_lowercase()).map_err(crate::error::usage)?;
    if a.positional.len() > 1 {
        return unrecognized(&a.positional[1..]);
    }
    let endpoints: Vec<String> = match a.get("endpoints") {
        None | Some("") => vec![String::new()],
        Some(list) => list.split(',').map(|e| e.trim().to_owned()).collect(),
    };
    for endpoint in endpoints {
        let result = if tool == "open-port" {
            context.ports.open(&endpoint, range)
        } else {
            context.ports.close(&endpoint, range)
        };
        result.map_err(crate::error::run_error)?;
    }
    ok("")
}

/// `opened-ports [--endpoints]`: the unit's ranges, sorted, one a line (`smart`), or a list.
pub(super) fn opened_ports(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, OPENED_FLAGS)?;
    check_format(a.get("format"))?;
    if !a.positional.is_empty() {
        return unrecognized(&a.positional);
    }
    let merged = context.ports.merged();
    let items = if a.has("endpoints") {
        crate::ports::with_endpoints(&merged)
    } else {
        crate::ports::unique_strings(&merged)
    };
    super::relation::format_strings(items, a.get("format"))
}
