//! A benchmark charm: the `echo` action returns each of its string params as a result with the
//! same key, so `cargo xtask bench` can measure how latency grows with the number of params and
//! result keys (its Python twin is `bench/echo-py`).

use std::collections::BTreeMap;
use std::process::ExitCode;

use ops::{Action, ActionEvent, Charm, HandlerResult};

/// Return every param as a result.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
struct Echo(BTreeMap<String, String>);

impl Action for Echo {
    const NAME: &'static str = "echo";
}

fn on_echo(event: &mut ActionEvent<Echo>) -> HandlerResult {
    let results = event.params().0.clone();
    event.set_results(&results)?;
    Ok(())
}

fn main() -> ExitCode {
    Charm::new().action(on_echo).main()
}
