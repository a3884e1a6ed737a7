//! `juju debug-log`: the units' logs (what `juju-log`, the charm's output and the agent wrote),
//! read once (`--replay --no-tail`, as tests use it).

use std::fs;

use super::{MODEL, Output};
use crate::args::Args;
use crate::error::{Result, usage};
use crate::state::Home;

/// `juju debug-log`: the units' log lines (`--include` filters by unit or application,
/// `--limit` keeps the last lines).
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
    let mut lines = Vec::new();
    for app in model.app_names() {
        let record = model.app(&app)?;
        for number in record.units {
            let tag = format!("{app}-{number}");
            if !includes.is_empty() && !includes.iter().any(|i| *i == tag || *i == app) {
                continue;
            }
            if let Ok(text) = fs::read_to_string(model.unit_dir(&app, number).join("log")) {
                lines.extend(text.lines().map(str::to_owned));
            }
        }
    }
    if let Some(limit) = a.get("limit") {
        let limit: usize = limit
            .parse()
            .map_err(|_| usage(format!("invalid --limit {limit:?}")))?;
        let skip = lines.len().saturating_sub(limit);
        lines.drain(..skip);
    }
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    Ok(Output::out(out))
}
