//! The secret tools: `secret-add`, `secret-set`, `secret-get`, `secret-remove`,
//! `secret-grant`, `secret-revoke`, `secret-ids` and `secret-info-get`, with the grammar, `Init`
//! errors (exit 2) and `Run` errors (exit 1) of Juju's `jujuc` commands of the same names, and
//! the hook context's rules (`context.go`: the application owner's leader check,
//! `getPendingSecretValue`, `SecretMetadata` with what the hook staged, `GrantSecret`'s checks).
//! Creates, updates, removals, grants and revokes are staged in the context and committed when
//! the process succeeds; what `secret-get` changes (a consumer's tracked revision and label, an
//! owner label) is saved at once, as Juju's facade saves it during the call.
//!
//! Juju reports a label already in use, and a change to a secret the unit may not manage, when
//! the hook's changes are committed (the hook fails then); the local Juju reports them at the
//! tool, with the message the commit would give.
//!
//! Here what the reading tools share (the caller, URIs, the metadata a unit sees) and
//! `secret-get`, `secret-ids`, `secret-info-get`; `upsert.rs` `secret-add`, `secret-set` and
//! `secret-remove`, `access.rs` `secret-grant` and `secret-revoke`, `print.rs` the content as
//! `secret-get` prints it.

mod access;
mod print;
mod upsert;

use std::collections::BTreeMap;

use serde_json::Value;

pub(super) use access::{secret_grant, secret_revoke};
use print::print_content;
pub(super) use upsert::{CONTENT_TOOLS, file_values, secret_add, secret_remove, secret_set};

use super::{Reply, ok, parse, run_err, unrecognized, usage_err};
use crate::agent::Context;
use crate::args::FlagSpec;
use crate::error::{Fail, usage};
use crate::gofmt::go_quote;
use crate::secrets::display::{self, Node};
use crate::secrets::{self, Caller, Data, Owner, Pending, Store};

const GET_FLAGS: FlagSpec = &[
    (&["format"], true),
    (&["o", "output"], true),
    (&["label"], true),
    (&["peek"], false),
    (&["refresh"], false),
];
const INFO_FLAGS: FlagSpec = &[
    (&["format"], true),
    (&["o", "output"], true),
    (&["label"], true),
];
const IDS_FLAGS: FlagSpec = &[(&["format"], true), (&["o", "output"], true)];

/// The unit running the tool as the secrets rules see it; `name` is its name
/// (`context.unit.name()`), which the caller keeps.
fn caller<'a>(context: &'a Context, name: &'a str) -> Caller<'a> {
    Caller {
        unit: name,
        app: &context.unit.app,
        leader: context.unit.leader,
    }
}

/// A `--format` that only `yaml` and `json` may take (cmd.Output's flag error, exit 2).
fn check_yaml_json(format: Option<&str>) -> Result<(), Fail> {
    match format {
        None | Some("yaml" | "json") => Ok(()),
        Some(other) => Err(super::unknown_format(other)),
    }
}

/// A secret URI argument (`secrets.ParseURI`): its xid, or Juju's message (exit 2).
fn parse_uri(arg: &str) -> Result<String, Fail> {
    crate::secret_uri::parse_id(arg)
        .map(|(_, id)| id)
        .map_err(usage)
}

/// Whether the unit may change a committed secret: `Ok` for the managing unit, else the
/// message the commit would fail with.
fn check_manage(store: &Store, context: &Context, id: &str, shown: &str) -> Result<(), Fail> {
    let name = context.unit.name();
    let me = caller(context, &name);
    match store.secrets.get(id) {
        Some(s) if s.managed_by(&me) => Ok(()),
        Some(s) if s.owner_side(&me) => Err(crate::error::run_error("this unit is not the leader")),
        Some(_) => Err(crate::error::run_error("permission denied")),
        None => Err(crate::error::run_error(format!(
            "secret {} not found",
            go_quote(shown)
        ))),
    }
}

/// [`check_manage`] for a secret the hook did not create (one it did, the unit may change).
fn check_may_change(context: &Context, id: &str, shown: &str) -> Result<(), Fail> {
    if context.secrets.create(id).is_some() {
        return Ok(());
    }
    check_manage(&secrets::load(&context.model)?, context, id, shown)
}

/// `secret-get <ID> [key[#base64]] | --label L` with `--peek` or `--refresh`: the content (YAML
/// by default), from what the hook staged first (`getPendingSecretValue`), else as the
/// facade serves it.
pub(super) fn secret_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, GET_FLAGS)?;
    check_yaml_json(a.get("format"))?;
    let mut rest = a.positional.as_slice();
    let mut uri = None;
    if let Some((first, tail)) = rest.split_first() {
        let id = crate::secret_uri::parse_id(first)
            .map(|(_, id)| id)
            .map_err(|_| usage(format!("secret URI {} not valid", go_quote(first))))?;
        uri = Some((first.clone(), id));
        rest = tail;
    }
    let label = a.get("label").filter(|s| !s.is_empty()).map(str::to_owned);
    if uri.is_none() && label.is_none() {
        return usage_err("require either a secret URI or label");
    }
    let (peek, refresh) = (a.has("peek"), a.has("refresh"));
    if peek && refresh {
        return usage_err("specify one of --peek or --refresh but not both");
    }
    let key = match rest {
        [] => None,
        [key] => Some(key.clone()),
        [_, extra @ ..] => return unrecognized(extra),
    };
    let data = match pending_value(
        &mut context.secrets,
        uri.as_ref().map(|(_, id)| id.as_str()),
        label.as_deref(),
        refresh,
        peek,
    ) {
        Some(data) => data,
        None => {
            let name = context.unit.name();
            let me = caller(context, &name);
            let shown = uri.as_ref().map(|(s, _)| s.clone()).unwrap_or_default();
            let id = uri.as_ref().map(|(_, id)| id.as_str());
            let read = secrets::update(&context.model, |store| {
                Ok(store.read(&me, id, &shown, label.as_deref(), refresh, peek))
            })?;
            read.map_err(crate::error::run_error)?.2
        }
    };
    print_content(&data, key.as_deref(), a.get("format"))
}

/// What the hook staged that `secret-get` returns (Juju's `getPendingSecretValue`): a secret
/// created in this hook, by URI or label (a label given with the URI becomes its label); an
/// update's new content only with `--peek` or `--refresh`.
fn pending_value(
    pending: &mut Pending,
    id: Option<&str>,
    label: Option<&str>,
    refresh: bool,
    peek: bool,
) -> Option<Data> {
    for create in &mut pending.creates {
        if id.is_some_and(|id| id == create.id) {
            if let Some(label) = label {
                create.upsert.label = Some(label.to_owned());
            }
            return Some(create.content.clone());
        }
        if label.is_some() && create.upsert.label.as_deref() == label {
            return Some(create.content.clone());
        }
    }
    if !refresh && !peek {
        return None;
    }
    for (uid, update) in &mut pending.updates {
        let by_id = id.is_some_and(|id| id == uid);
        if by_id || (label.is_some() && update.upsert.label.as_deref() == label) {
            if by_id && let Some(label) = label {
                update.upsert.label = Some(label.to_owned());
            }
            return update.content.clone();
        }
    }
    None
}

/// A secret's metadata as the hook context gives it (`SecretMetadata`: what the unit manages,
/// with what the hook staged).
struct Meta {
    owner: Owner,
    label: String,
    description: String,
    rotate: String,
    expire: Option<i64>,
    rotates: Option<i64>,
    latest: u32,
    access: Vec<(String, String)>,
}

/// The metadata of every secret the unit manages, by xid, with what the hook staged.
fn metadata(context: &Context) -> Result<BTreeMap<String, Meta>, Fail> {
    let store = secrets::load(&context.model)?;
    let name = context.unit.name();
    let me = caller(context, &name);
    let uuid = &context.model_uuid;
    let mut out = BTreeMap::new();
    for create in &context.secrets.creates {
        out.insert(
            create.id.clone(),
            Meta {
                owner: create.owner.clone(),
                label: create.upsert.label.clone().unwrap_or_default(),
                description: create.upsert.description.clone().unwrap_or_default(),
                rotate: create.upsert.rotate.clone().unwrap_or_default(),
                expire: create.upsert.expire,
                rotates: None,
                latest: 1,
                access: Vec::new(),
            },
        );
    }
    for (id, s) in store.owned_metadata(&me) {
        if context.secrets.deletes.contains_key(id) {
            continue;
        }
        let mut meta = Meta {
            owner: s.owner.clone(),
            label: s.label.clone().unwrap_or_default(),
            description: s.description.clone().unwrap_or_default(),
            rotate: s.rotate.clone().unwrap_or_default(),
            expire: s.expire(),
            rotates: s.next_rotate,
            latest: s.latest,
            access: s
                .grants
                .iter()
                .map(|g| (g.target.tag(), g.scope.tag(uuid)))
                .collect(),
        };
        if let Some(update) = context.secrets.updates.get(id) {
            let u = &update.upsert;
            if let Some(label) = &u.label {
                meta.label.clone_from(label);
            }
            if let Some(description) = &u.description {
                meta.description.clone_from(description);
            }
            if let Some(rotate) = &u.rotate {
                meta.rotate.clone_from(rotate);
            }
            if u.expire.is_some() {
                meta.expire = u.expire;
            }
        }
        out.insert(id.clone(), meta);
    }
    for (id, meta) in &mut out {
        if let Some(grants) = context.secrets.grants.get(id) {
            for g in grants.values() {
                meta.access.push((
                    g.target.tag(),
                    secrets::Scope::Relation {
                        id: g.relation,
                        key: g.key.clone(),
                    }
                    .tag(uuid),
                ));
            }
        }
        if let Some(revokes) = context.secrets.revokes.get(id) {
            for target in revokes {
                let tag = target.tag();
                if let Some(i) = meta.access.iter().position(|(t, _)| *t == tag) {
                    meta.access.remove(i);
                }
            }
        }
    }
    Ok(out)
}

/// `secret-ids`: the xids of the secrets the unit manages (and those it created in this hook),
/// sorted.
pub(super) fn secret_ids(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, IDS_FLAGS)?;
    super::check_format(a.get("format"))?;
    if !a.positional.is_empty() {
        return unrecognized(&a.positional);
    }
    let ids: Vec<String> = metadata(context)?.into_keys().collect();
    match a.get("format").unwrap_or("smart") {
        "smart" if ids.is_empty() => ok(""),
        "smart" => ok(format!("{}\n", ids.join("\n"))),
        other => super::format_value(
            &Value::Array(ids.into_iter().map(Value::String).collect()),
            Some(other),
        ),
    }
}

/// `secret-info-get <ID> | --label L`: the metadata of a secret the unit manages, keyed by its
/// xid (`metadataDisplay`'s fields in order).
pub(super) fn secret_info_get(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, INFO_FLAGS)?;
    check_yaml_json(a.get("format"))?;
    let mut rest = a.positional.as_slice();
    let mut id = None;
    if let Some((first, tail)) = rest.split_first() {
        let parsed = crate::secret_uri::parse_id(first)
            .map(|(_, id)| id)
            .map_err(|_| usage(format!("secret URI {} not valid", go_quote(first))))?;
        id = Some(parsed);
        rest = tail;
    }
    let label = a.get("label").filter(|s| !s.is_empty());
    match (&id, label) {
        (None, None) => return usage_err("require either a secret URI or label"),
        (Some(_), Some(_)) => {
            return usage_err("specify either a secret URI or label but not both");
        }
        _ => {}
    }
    if !rest.is_empty() {
        return unrecognized(rest);
    }
    let all = metadata(context)?;
    let found = match (&id, label) {
        (Some(id), _) => all.get_key_value(id),
        (None, Some(label)) => all.iter().find(|(_, m)| m.label == label),
        (None, None) => None,
    };
    let Some((id, meta)) = found else {
        let want = id.as_deref().or(label).unwrap_or_default();
        return run_err(format!("secret {} not found", go_quote(want)));
    };
    let mut fields = vec![
        ("revision".to_owned(), Node::int(meta.latest)),
        ("label".to_owned(), Node::str(meta.label.clone())),
        ("owner".to_owned(), Node::str(meta.owner.kind())),
    ];
    if !meta.description.is_empty() {
        fields.push(("description".into(), Node::str(meta.description.clone())));
    }
    if !meta.rotate.is_empty() {
        fields.push(("rotation".into(), Node::str(meta.rotate.clone())));
    }
    if let Some(expire) = meta.expire {
        fields.push(("expiry".into(), Node::Time(crate::state::rfc3339(expire))));
    }
    if let Some(rotates) = meta.rotates {
        fields.push(("rotates".into(), Node::Time(crate::state::rfc3339(rotates))));
    }
    if !meta.access.is_empty() {
        let access = meta
            .access
            .iter()
            .map(|(target, scope)| {
                Node::Map(vec![
                    ("target".into(), Node::str(target.clone())),
                    ("scope".into(), Node::str(scope.clone())),
                    ("role".into(), Node::str("view")),
                ])
            })
            .collect();
        fields.push(("access".into(), Node::List(access)));
    }
    let node = Node::Map(vec![(id.clone(), Node::Map(fields))]);
    ok(match a.get("format") {
        Some("json") => display::json(&node),
        _ => display::yaml(&node),
    })
}
