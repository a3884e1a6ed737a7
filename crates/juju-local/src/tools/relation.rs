//! The relation tools: `relation-ids`, `relation-list`, `relation-get`, `relation-set` and
//! `relation-model-get`, with the grammar, output and exit codes of Juju's `jujuc` commands of
//! the same names (`relation-*.go`, and `context.go`'s `relationIdValue` for `-r`), and the
//! access rules of the uniter facade: a unit writes only its own databag, and its
//! application's only as leader (`cannot write relation settings`); it reads any member's
//! databag and the remote application's, and its own application's as leader or in a peer
//! relation (`permission denied` otherwise). Writes are staged in the context and committed
//! when the process succeeds.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{
    Reply, check_format, format_value, key_values, ok, parse, run_err, settings_from_file,
    unrecognized, usage_err,
};
use crate::agent::{Context, FileArg};
use crate::args::{Args, FlagSpec};
use crate::error::{Fail, usage};
use crate::relation::{valid_application_name, valid_unit_name};

const IDS_FLAGS: FlagSpec = &[(&["format"], true), (&["o", "output"], true)];
const LIST_FLAGS: FlagSpec = &[
    (&["format"], true),
    (&["o", "output"], true),
    (&["r", "relation"], true),
    (&["app"], false),
];
const GET_FLAGS: FlagSpec = LIST_FLAGS;
pub(super) const RELATION_SET_FLAGS: FlagSpec = &[
    (&["r", "relation"], true),
    (&["app"], false),
    (&["file"], true),
    (&["format"], true),
];
const MODEL_GET_FLAGS: FlagSpec = &[
    (&["format"], true),
    (&["o", "output"], true),
    (&["r", "relation"], true),
];

/// The relation `-r`/`--relation` names, or the hook's own: `N` or `name:N` (only the text after
/// the last `:` counts), which must be a relation of the unit's context. A bad value is a flag
/// error (exit 2), as gnuflag reports it: `invalid value "x" for option -r: …`.
pub(super) fn relation_id(
    context: &Context,
    args: &[String],
    a: &Args,
) -> Result<Option<u32>, Fail> {
    let Some(value) = a.get("relation") else {
        return Ok(context
            .hook_relation()
            .map(|r| r.id)
            .filter(|id| context.relations.contains_key(id)));
    };
    let flag = if last_relation_flag_is_long(args) {
        "--relation"
    } else {
        "-r"
    };
    let trimmed = value.rsplit(':').next().unwrap_or(value);
    let Ok(id) = trimmed.parse::<i64>() else {
        return Err(usage(format!(
            "invalid value {value:?} for option {flag}: invalid relation id"
        )));
    };
    match u32::try_from(id) {
        Ok(id) if context.relations.contains_key(&id) => Ok(Some(id)),
        _ => Err(usage(format!(
            "invalid value {value:?} for option {flag}: relation not found"
        ))),
    }
}

/// Whether the last relation flag given was spelled long (gnuflag names a flag by its own name:
/// `-r`, or `--relation`).
fn last_relation_flag_is_long(args: &[String]) -> bool {
    let mut long = false;
    for arg in args {
        if arg == "--" {
            break;
        }
        let name = arg.split('=').next().unwrap_or_default();
        match name.trim_start_matches('-') {
            "r" if name.starts_with('-') => long = false,
            "relation" if name.starts_with('-') => long = true,
            _ => {}
        }
    }
    long
}

/// A list of strings (a Go `[]string`) as juju/cmd prints one: `smart` joins the items with
/// newlines (nothing for none); `json` and `yaml` as for any value.
pub(super) fn format_strings(items: Vec<String>, format: Option<&str>) -> Reply {
    match format.unwrap_or("smart") {
        "smart" if items.is_empty() => ok(""),
        "smart" => ok(format!("{}\n", items.join("\n"))),
        other => format_value(
            &Value::Array(items.into_iter().map(Value::String).collect()),
            Some(other),
        ),
    }
}

fn settings_value(settings: &BTreeMap<String, String>) -> Value {
    Value::Object(
        settings
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<String, Value>>(),
    )
}

/// `relation-ids [<endpoint>]`: the ids (`name:N`, sorted as strings) of the unit's relations on
/// the endpoint, which defaults to the hook's relation's.
pub(super) fn relation_ids(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, IDS_FLAGS)?;
    check_format(a.get("format"))?;
    let name = match a.positional.as_slice() {
        [] => match context.hook_relation() {
            Some(r) => r.endpoint.clone(),
            None => return usage_err("no endpoint name specified"),
        },
        [name] => name.clone(),
        [_, rest @ ..] => return unrecognized(rest),
    };
    let mut ids: Vec<String> = context
        .relations
        .values()
        .filter(|r| r.endpoint == name)
        .map(|r| format!("{}:{}", r.endpoint, r.id))
        .collect();
    ids.sort();
    format_strings(ids, a.get("format"))
}

/// `relation-list [-r <id>] [--app]`: the remote members the unit knows (sorted), or with
/// `--app` the remote application.
pub(super) fn relation_list(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, LIST_FLAGS)?;
    check_format(a.get("format"))?;
    let Some(id) = relation_id(context, args, &a)? else {
        return usage_err("no relation id specified");
    };
    if !a.positional.is_empty() {
        return unrecognized(&a.positional);
    }
    let Some(relation) = context.relations.get(&id) else {
        return run_err("relation not found");
    };
    if a.has("app") {
        return format_value(&Value::String(relation.remote_app.clone()), a.get("format"));
    }
    format_strings(relation.members.clone(), a.get("format"))
}

/// `relation-get [-r <id>] [--app] [<key>|-] [<unit>|<app>]`: one setting, or all, of a
/// databag. The target defaults to the hook's remote unit, else (with `--app` implied) its
/// remote application (`determineUnitOrAppName`).
pub(super) fn relation_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, GET_FLAGS)?;
    check_format(a.get("format"))?;
    let Some(id) = relation_id(context, args, &a)? else {
        return usage_err("no relation id specified");
    };
    let mut rest = a.positional.as_slice();
    let key = match rest.split_first() {
        Some((k, tail)) => {
            rest = tail;
            if k == "-" { String::new() } else { k.clone() }
        }
        None => String::new(),
    };
    let mut app = a.has("app");
    let target = match rest.split_first() {
        Some((given, tail)) => {
            rest = tail;
            if app {
                if valid_application_name(given) {
                    given.clone()
                } else if valid_unit_name(given) {
                    given.split('/').next().unwrap_or_default().to_owned()
                } else {
                    given.clone()
                }
            } else if valid_unit_name(given) {
                given.clone()
            } else if valid_application_name(given) {
                return usage_err(format!(
                    "expected unit name, got application name {given:?}"
                ));
            } else {
                return usage_err(format!("invalid unit name {given:?}"));
            }
        }
        None => {
            let remote_unit = context
                .hook_relation()
                .map(|r| r.remote_unit.clone())
                .filter(|u| !u.is_empty());
            let remote_app = context
                .hook_relation()
                .map(|r| r.remote_app.clone())
                .filter(|a| !a.is_empty());
            if app {
                match remote_app {
                    Some(name) => name,
                    None => return usage_err("no unit or application specified"),
                }
            } else if let Some(unit) = remote_unit {
                unit
            } else if let Some(name) = remote_app {
                app = true;
                name
            } else {
                return usage_err("no unit or application specified");
            }
        }
    };
    if !rest.is_empty() {
        return unrecognized(rest);
    }
    let settings = read_settings(context, id, &target, app)?;
    let value = if key.is_empty() {
        settings_value(&settings)
    } else {
        settings
            .get(&key)
            .map_or(Value::Null, |v| Value::String(v.clone()))
    };
    format_value(&value, a.get("format"))
}

/// The databag `relation-get` reads: the unit's own (with what this process set), its
/// application's as leader (likewise), else what the model has committed, if the unit may read
/// it.
fn read_settings(
    context: &Context,
    id: u32,
    target: &str,
    app: bool,
) -> Result<BTreeMap<String, String>, Fail> {
    let Some(relation) = context.relations.get(&id) else {
        return Err(crate::error::run_error("relation not found"));
    };
    let own_unit = context.unit.name();
    let own_app = context.unit.app.clone();
    let denied = || crate::error::run_error("permission denied");
    if !app {
        if target == own_unit {
            return Ok(relation.unit_data.clone());
        }
        let Some((unit_app, number)) = target.split_once('/') else {
            return Err(denied());
        };
        if unit_app != relation.remote_app {
            return Err(denied());
        }
        let number: u32 = number.parse().map_err(|_| denied())?;
        let record = context.model.unit(unit_app, number).map_err(|_| denied())?;
        return record
            .relations
            .get(&id)
            .map(|r| r.bag.data.clone())
            .ok_or_else(denied);
    }
    if target == own_app {
        if context.unit.leader {
            return Ok(relation.app_data.clone());
        }
        if !relation.peer {
            return Err(denied());
        }
    } else if target != relation.remote_app {
        return Err(denied());
    }
    let record = context.model.app(target).map_err(|_| denied())?;
    Ok(record
        .relation_data
        .get(&id)
        .map(|bag| bag.data.clone())
        .unwrap_or_default())
}

/// `relation-set [-r <id>] [--app] [--file F|-] k=v…`: sets (or, with an empty value, deletes)
/// settings of the unit's databag, or with `--app` its application's (the leader only); the
/// file's settings are overridden by the arguments. `--format` is accepted and ignored, with
/// Juju's deprecation notice.
pub(super) fn relation_set(
    context: &mut Context,
    args: &[String],
    file: Option<&FileArg>,
) -> Reply {
    let a = parse(args, RELATION_SET_FLAGS)?;
    let Some(id) = relation_id(context, args, &a)? else {
        return usage_err("no relation id specified");
    };
    let pairs = key_values(&a.positional)?;
    let mut settings = settings_from_file(&a, file)?.unwrap_or_default();
    settings.extend(pairs);
    let app = a.has("app");
    if app && !context.unit.leader {
        return run_err("cannot write relation settings");
    }
    let Some(relation) = context.relations.get_mut(&id) else {
        return run_err("relation not found");
    };
    let (bag, dirty) = if app {
        (&mut relation.app_data, &mut relation.app_dirty)
    } else {
        (&mut relation.unit_data, &mut relation.unit_dirty)
    };
    for (k, v) in settings {
        if v.is_empty() {
            bag.remove(&k);
        } else {
            bag.insert(k, v);
        }
    }
    *dirty = true;
    ok("")
}

/// `relation-model-get [-r <id>]`: the model the relation's remote application is in (this
/// one: the local Juju has no cross-model relations).
pub(super) fn relation_model_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, MODEL_GET_FLAGS)?;
    check_format(a.get("format"))?;
    if relation_id(context, args, &a)?.is_none() {
        return usage_err("no relation id specified");
    }
    if !a.positional.is_empty() {
        return unrecognized(&a.positional);
    }
    let mut out = Map::new();
    out.insert("uuid".into(), Value::String(context.model_uuid.clone()));
    format_value(&Value::Object(out), a.get("format"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::{HookInfo, HookRelation, Kind, RelationContext, RelationHookKind};

    fn context() -> Context {
        let mut context = Context::for_test(Kind::Hook(HookInfo {
            secret: None,
            name: "db-relation-changed".into(),
            relation: Some(HookRelation {
                id: 1,
                endpoint: "db".into(),
                remote_unit: "mysql/0".into(),
                remote_app: "mysql".into(),
                departing_unit: None,
                kind: RelationHookKind::Changed,
            }),
            storage: None,
        }));
        for (id, endpoint) in [(1, "db"), (3, "db"), (2, "cache")] {
            context.relations.insert(
                id,
                RelationContext {
                    id,
                    endpoint: endpoint.into(),
                    remote_app: "mysql".into(),
                    peer: false,
                    members: vec!["mysql/0".into(), "mysql/1".into()],
                    unit_data: BTreeMap::from([("a".into(), "1".into())]),
                    unit_dirty: false,
                    app_data: BTreeMap::new(),
                    app_dirty: false,
                },
            );
        }
        context
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn relation_ids_default_to_the_hook_endpoint_and_sort_as_strings() {
        let mut c = context();
        assert_eq!(relation_ids(&mut c, &[]).unwrap(), "db:1\ndb:3\n");
        assert_eq!(
            relation_ids(&mut c, &args(&["cache", "--format", "json"])).unwrap(),
            "[\"cache:2\"]\n"
        );
        assert_eq!(relation_ids(&mut c, &args(&["nope"])).unwrap(), "");
        assert_eq!(
            relation_ids(&mut c, &args(&["nope", "--format", "yaml"])).unwrap(),
            "[]\n"
        );
        assert_eq!(
            relation_ids(&mut c, &args(&["a", "b"]))
                .unwrap_err()
                .message,
            "unrecognized args: [\"b\"]"
        );
    }

    #[test]
    fn the_relation_flag_counts_only_the_text_after_the_last_colon() {
        let mut c = context();
        assert_eq!(
            relation_list(&mut c, &args(&["-r", "ignored:3", "--app"])).unwrap(),
            "mysql\n"
        );
        let err = relation_list(&mut c, &args(&["-r", "one"])).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                2,
                "invalid value \"one\" for option -r: invalid relation id"
            )
        );
        let err = relation_list(&mut c, &args(&["--relation", "db:9"])).unwrap_err();
        assert_eq!(
            err.message,
            "invalid value \"db:9\" for option --relation: relation not found"
        );
    }

    #[test]
    fn relation_set_stages_and_the_app_bag_needs_leadership() {
        let mut c = context();
        relation_set(&mut c, &args(&["b=2", "a="]), None).unwrap();
        let r = &c.relations[&1];
        assert!(r.unit_dirty);
        assert_eq!(r.unit_data, BTreeMap::from([("b".into(), "2".into())]));
        c.unit.leader = false;
        let err = relation_set(&mut c, &args(&["--app", "x=1"]), None).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (1, "cannot write relation settings")
        );
        let err = relation_set(&mut c, &args(&["haha"]), None).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (2, "expected \"key=value\", got \"haha\"")
        );
        let file = FileArg::Content("{foo: bar, b: baz}".into());
        relation_set(&mut c, &args(&["--file", "-", "b=over"]), Some(&file)).unwrap();
        assert_eq!(c.relations[&1].unit_data["foo"], "bar");
        assert_eq!(c.relations[&1].unit_data["b"], "over");
    }

    #[test]
    fn relation_get_reads_the_own_bag_and_refuses_names_that_are_not_units() {
        let mut c = context();
        assert_eq!(relation_get(&mut c, &args(&["a", "app/0"])).unwrap(), "1\n");
        assert_eq!(
            relation_get(&mut c, &args(&["-", "mysql"]))
                .unwrap_err()
                .message,
            "expected unit name, got application name \"mysql\""
        );
        assert_eq!(
            relation_get(&mut c, &args(&["-", "unit//0"]))
                .unwrap_err()
                .message,
            "invalid unit name \"unit//0\""
        );
        assert_eq!(
            relation_get(&mut c, &args(&["-", "--app", "mysql", "args"]))
                .unwrap_err()
                .message,
            "unrecognized args: [\"args\"]"
        );
        c.unit.leader = false;
        assert_eq!(
            relation_get(&mut c, &args(&["--app", "-", "app"]))
                .unwrap_err()
                .message,
            "permission denied"
        );
    }
}
