//! `juju debug-log`: the model's log (what `juju-log`, the charms' output and the agents wrote,
//! in the order they wrote it, removed units' lines included), read once (`--replay
//! --no-tail`, as tests use it).

use std::fs;

use super::{MODEL, Output};
use crate::args::Args;
use crate::error::{Result, usage};
use crate::state::Home;

/// `juju debug-log`: the units' log lines (`--include` filters by unit or application,
/// `--limit N` keeps the last N lines, 0 all of them).
pub fn debug_log(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            (&["replay"], false),
            (&["no-tail"], false),
            (&["tail"], false),
            (&["n", "lines", "limit"], true),
            (&["i", "include"], true),
            (&["level"], true),
            (&["utc"], false),
            (&["date"], false),
            (&["ms"], false),
            (&["color"], false),
            (&["no-color"], false),
        ],
    )?;
    let model = home.resolve_model(a.get("model"))?;
    let includes: Vec<String> = a
        .all("include")
        .into_iter()
        .map(|i| i.replace('/', "-").trim_start_matches("unit-").to_owned())
        .collect();
    // Each line starts `unit-<app>-<n>: `; `--include` names a unit or an application.
    let included = |line: &str| {
        let Some(tag) = line
            .split_once(": ")
            .and_then(|(tag, _)| tag.strip_prefix("unit-"))
        else {
            return false;
        };
        let app = tag.rsplit_once('-').map_or(tag, |(app, _)| app);
        includes.is_empty() || includes.iter().any(|i| i == tag || i == app)
    };
    let text = fs::read_to_string(model.log_path()).unwrap_or_default();
    let mut lines: Vec<&str> = text.lines().filter(|line| included(line)).collect();
    if let Some(limit) = a.get("limit") {
        let limit: usize = limit
            .parse()
            .map_err(|_| usage(format!("invalid --limit {limit:?}")))?;
        // 0 is no limit, as Juju reads it (jubilant's `debug_log()` passes `--limit 0`).
        if limit > 0 {
            let skip = lines.len().saturating_sub(limit);
            lines.drain(..skip);
        }
    }
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    Ok(Output::out(out))
}
