//! The storage tools: `storage-get`, `storage-list` and `storage-add`, with the grammar, output
//! and exit codes of Juju's `jujuc/storage-get.go`, `storage-list.go` and `storage-add.go`
//! (`storageIdValue` for `-s`). `storage-add` requests are committed when the process succeeds,
//! and the new instances' `-storage-attached` hooks follow.

use serde_json::{Map, Value};

use super::{Reply, check_format, format_value, ok, parse, run_err, unrecognized, usage_err};
use crate::agent::Context;
use crate::args::FlagSpec;
use crate::error::usage;
use crate::gofmt::go_quote;

const GET_FLAGS: FlagSpec = &[
    (&["format"], true),
    (&["o", "output"], true),
    (&["s"], true),
];
const LIST_FLAGS: FlagSpec = &[(&["format"], true), (&["o", "output"], true)];

/// `storage-get [-s <id>] [kind|location]`: the instance's kind and location (a map, or one of
/// them). `-s` defaults to the storage hook's instance; a bad or unknown id is a flag error.
pub(super) fn storage_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, GET_FLAGS)?;
    check_format(a.get("format"))?;
    let id = match a.get("s") {
        Some(value) => {
            let invalid = |e: String| {
                usage(format!(
                    "invalid value {} for option -s: {e}",
                    go_quote(value)
                ))
            };
            if !crate::storage::valid_storage_id(value) {
                return Err(invalid(format!("invalid storage ID {}", go_quote(value))));
            }
            if !context.storage.instances.iter().any(|i| i.id == value) {
                return Err(invalid(format!(
                    "storage attachment {value}:{} not found",
                    context.unit.name()
                )));
            }
            value.to_owned()
        }
        None => match &context.storage.hook {
            Some(id) => id.clone(),
            None => return usage_err("no storage instance specified"),
        },
    };
    let key = match a.positional.as_slice() {
        [] => None,
        [key] => Some(key.clone()),
        [_, rest @ ..] => return unrecognized(rest),
    };
    let Some(instance) = context.storage.instances.iter().find(|i| i.id == id) else {
        return run_err(format!(
            "storage attachment {id}:{} not found",
            context.unit.name()
        ));
    };
    let mut values = Map::new();
    values.insert("kind".into(), Value::String(instance.kind.clone()));
    values.insert("location".into(), Value::String(instance.location.clone()));
    match key.as_deref() {
        None | Some("") => format_value(&Value::Object(values), a.get("format")),
        Some(key) => match values.get(key) {
            Some(value) => format_value(value, a.get("format")),
            None => run_err(format!("invalid storage attribute {}", go_quote(key))),
        },
    }
}

/// `storage-list [<name>]`: the ids of the unit's instances (of one store), one a line.
pub(super) fn storage_list(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, LIST_FLAGS)?;
    check_format(a.get("format"))?;
    let name = match a.positional.as_slice() {
        [] => None,
        [name] => Some(name.clone()),
        [_, rest @ ..] => return unrecognized(rest),
    };
    let ids: Vec<String> = context
        .storage
        .instances
        .iter()
        .filter(|i| {
            name.as_deref()
                .is_none_or(|n| n.is_empty() || i.name() == n)
        })
        .map(|i| i.id.clone())
        .collect();
    super::relation::format_strings(ids, a.get("format"))
}

/// `storage-add <name>[=count]…`: only a count may be given; the requests are added up and
/// committed when the process succeeds.
pub(super) fn storage_add(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, &[])?;
    if a.positional.is_empty() {
        return usage_err("storage add requires a storage directive");
    }
    let directives = crate::storage::parse_directives_map(&a.positional, false).map_err(usage)?;
    for (name, d) in &directives {
        if !d.pool.is_empty() || d.size != 0 {
            return usage_err(format!(
                "only count can be specified for {}",
                go_quote(name)
            ));
        }
    }
    context.storage.pending_add.extend(directives);
    ok("")
}
