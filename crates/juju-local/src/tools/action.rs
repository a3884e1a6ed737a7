//! The action tools: `action-get`, `action-set`, `action-log` and `action-fail`, which work only
//! inside an action (`not running an action`, exit 1, elsewhere).

use serde_json::Value;

use super::{FORMAT, Reply, format_value, ok, parse, unrecognized, usage_err};
use crate::agent::Context;
use crate::error::Fail;
use crate::{gojson, state};

fn require_action(context: &Context) -> Result<(), Fail> {
    if context.is_action() {
        Ok(())
    } else {
        Err(crate::error::run_error("not running an action"))
    }
}

pub(super) fn action_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, FORMAT)?;
    // `Init` (exit 2) runs before `Run` asks for the params (exit 1 outside an action).
    if let [_, rest @ ..] = a.positional.as_slice()
        && !rest.is_empty()
    {
        return unrecognized(rest);
    }
    require_action(context)?;
    let params = context.params().cloned().unwrap_or_else(gojson::empty);
    match a.positional.as_slice() {
        [key] => {
            let mut node = &params;
            for segment in key.split('.') {
                node = node.get(segment).unwrap_or(&Value::Null);
            }
            format_value(node, a.get("format"))
        }
        _ => format_value(&params, a.get("format")),
    }
}

/// `action-set`'s `Init`: every argument is checked (exit 2) before anything is set, and an
/// error names the failing key segment, as Juju's does.
pub(super) fn action_set(context: &mut Context, args: &[String]) -> Reply {
    const RESERVED: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];
    let a = parse(args, &[])?;
    let mut pairs = Vec::new();
    for arg in &a.positional {
        let Some((key, value)) = arg.split_once('=') else {
            return usage_err(format!("argument {arg:?} must be of the form key...=value"));
        };
        for segment in key.split('.') {
            if !ops::results::is_valid_segment(segment) {
                return usage_err(format!(
                    "key {segment:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"
                ));
            }
            if RESERVED.contains(&segment) {
                return usage_err(format!("cannot set reserved action key \"{segment}\""));
            }
        }
        pairs.push((key.to_owned(), value.to_owned()));
    }
    require_action(context)?;
    context.results.extend(pairs);
    ok("")
}

pub(super) fn action_log(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, &[])?;
    if a.positional.is_empty() {
        return usage_err("no message specified");
    }
    require_action(context)?;
    let message = a.positional.join(" ");
    context
        .log
        .push(format!("{} {message}", state::now_string()));
    ok("")
}

pub(super) fn action_fail(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, &[])?;
    let message = match a.positional.as_slice() {
        [] => "action failed without reason given, check action for errors".to_owned(),
        [message] => message.clone(),
        [_, rest @ ..] => return unrecognized(rest),
    };
    require_action(context)?;
    context.failed = Some(message);
    ok("")
}
