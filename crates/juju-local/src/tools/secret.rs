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

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Reply, ok, parse, run_err, unrecognized, usage_err};
use crate::agent::{Context, FileArg};
use crate::args::{Args, FlagSpec};
use crate::error::{Fail, usage};
use crate::gofmt::go_quote;
use crate::secrets::display::{self, Node};
use crate::secrets::{
    self, Caller, Create, Data, GrantArg, Owner, Pending, Store, Target, Update, Upsert, clock,
    content,
};

const UPSERT_FLAGS: FlagSpec = &[
    (&["expire"], true),
    (&["rotate"], true),
    (&["description"], true),
    (&["label"], true),
    (&["file"], true),
    (&["owner"], true),
];
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
const GRANT_FLAGS: FlagSpec = &[(&["unit"], true), (&["r", "relation"], true)];
const REVOKE_FLAGS: FlagSpec = &[
    (&["app", "application"], true),
    (&["unit"], true),
    (&["r", "relation"], true),
];
const IDS_FLAGS: FlagSpec = &[(&["format"], true), (&["o", "output"], true)];

/// The tools whose content arguments the client reads: `--file` (YAML or JSON) and
/// `key#file=path`, both relative to the tool's working directory.
pub(super) const CONTENT_TOOLS: [&str; 2] = ["secret-add", "secret-set"];

/// The paths of `key#file=path` arguments (as `CreateSecretData` splits them).
pub(super) fn file_values(args: &[String]) -> Vec<String> {
    args.iter()
        .filter_map(|arg| {
            let idx = arg.trim_end_matches('=').find('=')?;
            arg[..idx]
                .ends_with("#file")
                .then(|| arg[idx + 1..].to_owned())
        })
        .collect()
}

fn caller(context: &Context) -> (String, String, bool) {
    (
        context.unit.name(),
        context.unit.app.clone(),
        context.unit.leader,
    )
}

/// The bytes the client sent for a file.
fn file_bytes(arg: Option<&FileArg>) -> Result<Vec<u8>, String> {
    match arg {
        Some(FileArg::Content(text)) => Ok(text.clone().into_bytes()),
        Some(FileArg::Base64(b64)) => content::decode(b64),
        Some(FileArg::Error(message)) => Err(message.clone()),
        None => Err("the file's content did not reach the agent".into()),
    }
}

/// A `--format` that only `yaml` and `json` may take (cmd.Output's flag error, exit 2).
fn check_yaml_json(format: Option<&str>) -> Result<(), Fail> {
    match format {
        None | Some("yaml" | "json") => Ok(()),
        Some(other) => Err(usage(format!(
            "invalid value \"{other}\" for option --format: unknown format \"{other}\""
        ))),
    }
}

/// `secretUpsertCommand.Init`: the expiry, rotate policy and owner checked, then the content of
/// the arguments and of `--file` (which wins).
struct UpsertArgs {
    owner: String,
    upsert: Upsert,
    data: Data,
}

fn upsert_init(
    context: &Context,
    a: &Args,
    content_args: &[String],
    file: Option<&FileArg>,
    files: &BTreeMap<String, FileArg>,
) -> Result<UpsertArgs, Fail> {
    let now = secrets::now(&context.model);
    let expire = match a.get("expire").filter(|s| !s.is_empty()) {
        Some(spec) => Some(clock::parse_expire(spec, now).map_err(usage)?),
        None => None,
    };
    let rotate = a.get("rotate").filter(|s| !s.is_empty());
    if let Some(policy) = rotate
        && !clock::ROTATE_POLICIES.contains(&policy)
    {
        return Err(usage(format!(
            "rotate policy {} not valid",
            go_quote(policy)
        )));
    }
    let owner = a.get("owner").unwrap_or("application");
    if owner != "application" && owner != "unit" {
        return Err(usage(format!("secret owner {} not valid", go_quote(owner))));
    }
    let mut read = |path: &str| file_bytes(files.get(path));
    let mut data = content::from_args(content_args, &mut read).map_err(usage)?;
    if let Some(path) = a.get("file").filter(|s| !s.is_empty()) {
        let mut read = |_: &str| file_bytes(file);
        data.extend(content::from_file(path, &mut read).map_err(usage)?);
    }
    let text = |name: &str| a.get(name).filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(UpsertArgs {
        owner: owner.to_owned(),
        upsert: Upsert {
            label: text("label"),
            description: text("description"),
            expire,
            rotate: rotate.map(str::to_owned),
        },
        data,
    })
}

/// A secret URI argument (`secrets.ParseURI`): its xid, or Juju's message (exit 2).
fn parse_uri(arg: &str) -> Result<String, Fail> {
    crate::secret_uri::parse_id(arg)
        .map(|(_, id)| id)
        .map_err(usage)
}

/// Another secret of the same owner with the owner label `label` (committed or staged).
fn label_taken(store: &Store, pending: &Pending, owner: &Owner, label: &str, not: &str) -> bool {
    store
        .secrets
        .iter()
        .any(|(id, s)| id != not && s.owner == *owner && s.label.as_deref() == Some(label))
        || pending
            .creates
            .iter()
            .any(|c| c.id != not && c.owner == *owner && c.upsert.label.as_deref() == Some(label))
}

fn label_exists(label: &str) -> Reply {
    run_err(format!(
        "secret with label {} already exists",
        go_quote(label)
    ))
}

/// `secret-add [--owner application|unit] [--label] [--description] [--expire] [--rotate]
/// [--file F] [key[#base64|#file]=value…]`: stages a new secret and prints its URI.
pub(super) fn secret_add(
    context: &mut Context,
    args: &[String],
    file: Option<&FileArg>,
    files: &BTreeMap<String, FileArg>,
) -> Reply {
    let a = parse(args, UPSERT_FLAGS)?;
    if a.positional.is_empty() && a.get("file").is_none_or(str::is_empty) {
        return usage_err("missing secret value or filename");
    }
    let init = upsert_init(context, &a, &a.positional, file, files)?;
    let (unit, app, leader) = caller(context);
    let owner = if init.owner == "unit" {
        Owner::Unit(unit)
    } else {
        Owner::Application(app)
    };
    if matches!(owner, Owner::Application(_)) && !leader {
        return run_err("this unit is not the leader");
    }
    if init.data.is_empty() {
        return run_err("empty secret value not valid");
    }
    let store = secrets::load(&context.model)?;
    if let Some(label) = &init.upsert.label
        && label_taken(&store, &context.secrets, &owner, label, "")
    {
        return label_exists(label);
    }
    let now = secrets::now(&context.model);
    let mut id = secrets::new_id(&store, now);
    while context.secrets.create(&id).is_some() {
        id = secrets::new_id(&store, now);
    }
    context
        .secrets
        .add_create(Create {
            id: id.clone(),
            owner,
            upsert: init.upsert,
            content: init.data,
        })
        .map_err(crate::error::run_error)?;
    ok(format!("secret://{}/{id}\n", context.model_uuid))
}

/// Whether the unit may change a committed secret: `Ok` for the managing unit, else the
/// message the commit would fail with.
fn check_manage(store: &Store, context: &Context, id: &str, shown: &str) -> Result<(), Fail> {
    let (unit, app, leader) = caller(context);
    let me = Caller {
        unit: &unit,
        app: &app,
        leader,
    };
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

/// `secret-set <ID> [flags] [key[#base64|#file]=value…]`: stages new content (a new revision
/// only when it differs from the latest) and metadata.
pub(super) fn secret_set(
    context: &mut Context,
    args: &[String],
    file: Option<&FileArg>,
    files: &BTreeMap<String, FileArg>,
) -> Reply {
    let a = parse(args, UPSERT_FLAGS)?;
    let Some((shown, rest)) = a.positional.split_first() else {
        return usage_err("missing secret URI");
    };
    let id = parse_uri(shown)?;
    let init = upsert_init(context, &a, rest, file, files)?;
    let store = secrets::load(&context.model)?;
    let owner = match context.secrets.create(&id) {
        Some(create) => create.owner.clone(),
        None => {
            check_manage(&store, context, &id, shown)?;
            store.secrets[&id].owner.clone()
        }
    };
    let latest = store.secrets.get(&id).map(secrets::Secret::checksum);
    let content = (!init.data.is_empty())
        .then_some(init.data)
        .filter(|data| latest.as_deref() != Some(content::checksum(data).as_str()));
    if init.upsert.is_empty() && content.is_none() {
        return ok("");
    }
    if let Some(label) = &init.upsert.label
        && label_taken(&store, &context.secrets, &owner, label, &id)
    {
        return label_exists(label);
    }
    context.secrets.add_update(
        &id,
        Update {
            upsert: init.upsert,
            content,
        },
    );
    ok("")
}

/// `secret-remove <ID> [--revision N]`: stages the removal of the secret or of one revision.
pub(super) fn secret_remove(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, &[(&["revision"], true)])?;
    let revision = match a.get("revision") {
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            usage(format!(
                "invalid value {q} for flag --revision: strconv.ParseInt: parsing {q}: invalid syntax",
                q = go_quote(text)
            ))
        })?),
        None => None,
    };
    let Some((shown, rest)) = a.positional.split_first() else {
        return usage_err("missing secret URI");
    };
    let id = parse_uri(shown)?;
    if !rest.is_empty() {
        return unrecognized(rest);
    }
    if context.secrets.create(&id).is_none() {
        let store = secrets::load(&context.model)?;
        check_manage(&store, context, &id, shown)?;
    }
    let revision = revision
        .filter(|r| *r > 0)
        .map(|r| u32::try_from(r).unwrap_or(u32::MAX));
    context.secrets.add_delete(&id, revision);
    ok("")
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
            let (unit, app, leader) = caller(context);
            let me = Caller {
                unit: &unit,
                app: &app,
                leader,
            };
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

/// The content as `secret-get` prints it: every value decoded (a map), or one key's (`key#base64`
/// for the stored base64), in YAML (`!!binary` for bytes that are not UTF-8) or JSON.
fn print_content(data: &Data, key: Option<&str>, format: Option<&str>) -> Reply {
    let json = format == Some("json");
    let Some(key) = key else {
        let values = content::decoded(data).map_err(crate::error::run_error)?;
        if json {
            let map: serde_json::Map<String, Value> = values
                .into_iter()
                .map(|(k, v)| (k, Value::String(String::from_utf8_lossy(&v).into_owned())))
                .collect();
            return ok(format!("{}\n", crate::gojson::marshal(&Value::Object(map))));
        }
        if values.is_empty() {
            return ok("{}\n");
        }
        let mut out = String::new();
        for (k, v) in values {
            out.push_str(&format!("{k}:{}", yaml_bytes(&v, 2)));
        }
        return ok(out);
    };
    let (name, encoded) = match key.strip_suffix("#base64") {
        Some(name) => (name, true),
        None => (key, false),
    };
    let Some(stored) = data.get(name) else {
        return run_err(format!("secret key value {} not found", go_quote(name)));
    };
    let bytes = if encoded {
        stored.clone().into_bytes()
    } else {
        content::decode(stored).map_err(crate::error::run_error)?
    };
    if json {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        return ok(format!(
            "{}\n",
            crate::gojson::marshal(&Value::String(text))
        ));
    }
    let shown = yaml_bytes(&bytes, 2);
    ok(shown.strip_prefix(' ').unwrap_or(&shown).to_owned())
}

/// A string value as yaml.v2 writes it after a key (` value` and a line break); bytes that are
/// not UTF-8 as `!!binary`, their base64 in lines of 70 characters.
fn yaml_bytes(bytes: &[u8], indent: usize) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => crate::gojson::yaml_child(&Value::String(text.to_owned()), indent),
        Err(_) => {
            use base64::Engine;
            let b64 = base64::prelude::BASE64_STANDARD.encode(bytes);
            let pad = " ".repeat(indent);
            let mut out = String::from(" !!binary |\n");
            for chunk in b64.as_bytes().chunks(70) {
                out.push_str(&pad);
                out.push_str(&String::from_utf8_lossy(chunk));
                out.push('\n');
            }
            out
        }
    }
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

fn metadata(context: &Context, store: &Store) -> BTreeMap<String, Meta> {
    let (unit, app, leader) = caller(context);
    let me = Caller {
        unit: &unit,
        app: &app,
        leader,
    };
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
    out
}

/// `secret-grant <ID> [-r <relation>] [--unit U]`: stages view access for the relation's
/// remote application, or one of its units.
pub(super) fn secret_grant(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, GRANT_FLAGS)?;
    let relation = super::relation::relation_id(context, args, &a)?;
    let Some((shown, rest)) = a.positional.split_first() else {
        return usage_err("missing secret URI");
    };
    let id = parse_uri(shown)?;
    let Some(relation) = relation else {
        return usage_err("no relation id specified");
    };
    let Some(remote_app) = context
        .relations
        .get(&relation)
        .map(|r| r.remote_app.clone())
    else {
        return usage_err("relation not found");
    };
    let unit = a.get("unit").filter(|u| !u.is_empty()).map(str::to_owned);
    if let Some(unit) = &unit {
        if !crate::relation::valid_unit_name(unit) {
            return usage_err(format!("unit {} not valid", go_quote(unit)));
        }
        if unit.split('/').next() != Some(remote_app.as_str()) {
            return usage_err(format!(
                "cannot specify unit {} in relation to application {}",
                go_quote(unit),
                go_quote(&remote_app)
            ));
        }
    }
    if !rest.is_empty() {
        return unrecognized(rest);
    }
    let store = secrets::load(&context.model)?;
    let all = metadata(context, &store);
    let Some(meta) = all.get(&id) else {
        return run_err(format!("secret {} not found", go_quote(&id)));
    };
    if matches!(meta.owner, Owner::Application(_)) && !context.unit.leader {
        return run_err("this unit is not the leader");
    }
    let key = context
        .model
        .relations()?
        .get(relation)
        .map(|r| r.key.clone())
        .unwrap_or_default();
    let subject = match &unit {
        Some(unit) => Target::Unit(unit.clone()),
        None => Target::Application(remote_app.clone()),
    };
    let scope = secrets::Scope::Relation {
        id: relation,
        key: key.clone(),
    }
    .tag(&context.model_uuid);
    for (target, grant_scope) in &meta.access {
        if *grant_scope != scope {
            continue;
        }
        if *target == subject.tag() || target.starts_with("application-") {
            return ok("");
        }
        if matches!(subject, Target::Application(_)) {
            return run_err(
                "any unit level grants need to be revoked before granting access to the corresponding application",
            );
        }
    }
    context.secrets.grants.entry(id).or_default().insert(
        key.clone(),
        GrantArg {
            relation,
            key,
            target: subject,
        },
    );
    ok("")
}

/// `secret-revoke <ID> [-r <relation>] [--app A] [--unit U]`: stages the removal of the access
/// of an application (the relation's remote one by default, in a relation hook) or a unit.
pub(super) fn secret_revoke(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, REVOKE_FLAGS)?;
    let relation = super::relation::relation_id(context, args, &a)?;
    let Some((shown, rest)) = a.positional.split_first() else {
        return usage_err("missing secret URI");
    };
    let id = parse_uri(shown)?;
    let mut app = a
        .get("application")
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let unit = a.get("unit").filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(app) = &app
        && !crate::relation::valid_application_name(app)
    {
        return usage_err(format!("application {} not valid", go_quote(app)));
    }
    if let Some(unit) = &unit
        && !crate::relation::valid_unit_name(unit)
    {
        return usage_err(format!("unit {} not valid", go_quote(unit)));
    }
    if app.is_some() && unit.is_some() {
        return usage_err("specify only one of application or unit");
    }
    if let Some(relation) = relation {
        let Some(remote) = context
            .relations
            .get(&relation)
            .map(|r| r.remote_app.clone())
        else {
            return usage_err("relation not found");
        };
        if app.is_some() {
            return usage_err("do not specify both relation and app");
        }
        app = Some(remote);
    }
    if app.is_none() && unit.is_none() {
        return usage_err("missing relation or application or unit");
    }
    if !rest.is_empty() {
        return unrecognized(rest);
    }
    if context.secrets.create(&id).is_none() {
        let store = secrets::load(&context.model)?;
        check_manage(&store, context, &id, shown)?;
    }
    let target = match (unit, app) {
        (Some(unit), _) => Target::Unit(unit),
        (None, Some(app)) => Target::Application(app),
        (None, None) => return usage_err("missing relation or application or unit"),
    };
    let revokes = context.secrets.revokes.entry(id).or_default();
    let covered = revokes.iter().any(|r| {
        *r == target
            || matches!((r, &target), (Target::Application(a), Target::Unit(u)) if u.split('/').next() == Some(a.as_str()))
    });
    if !covered {
        revokes.push(target);
    }
    ok("")
}

/// `secret-ids`: the xids of the secrets the unit manages (and those it created in this hook),
/// sorted.
pub(super) fn secret_ids(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, IDS_FLAGS)?;
    super::check_format(a.get("format"))?;
    if !a.positional.is_empty() {
        return unrecognized(&a.positional);
    }
    let store = secrets::load(&context.model)?;
    let ids: Vec<String> = metadata(context, &store).into_keys().collect();
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
    let store = secrets::load(&context.model)?;
    let all = metadata(context, &store);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_are_found_as_create_secret_data_splits_arguments() {
        let args: Vec<String> = ["a#file=x.pem", "b=c", "c#file=", "d#base64=QQ==", "--label"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(file_values(&args), ["x.pem"]);
    }

    #[test]
    fn binary_values_print_as_yaml_v2_binary() {
        // jujuc/secret-get_test.go TestSecretGetBinary (juju 25ca4bad).
        let encoded = "R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5OTk6enp56enmlpaWNjY6Ojo4SEhP/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++SH+Dk1hZGUgd2l0aCBHSU1QACwAAAAADAAMAAAFLCAgjoEwnuNAFOhpEMTRiggcz4BNJHrv/zCFcLiwMWYNG84BwwEeECcgggoBADs=";
        let data: Data = [("key".to_owned(), encoded.to_owned())].into();
        assert_eq!(
            print_content(&data, None, None).unwrap(),
            "key: !!binary |\n  R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5OTk6enp5\n  6enmlpaWNjY6Ojo4SEhP/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/+\n  +f/++SH+Dk1hZGUgd2l0aCBHSU1QACwAAAAADAAMAAAFLCAgjoEwnuNAFOhpEMTRiggcz4\n  BNJHrv/zCFcLiwMWYNG84BwwEeECcgggoBADs=\n"
        );
        // TestSecretGetKey, TestSecretGetKeyBase64, TestSecretGetJson, assertSecretGet.
        let data: Data = [
            ("cert".to_owned(), "Y2VydA==".to_owned()),
            ("key".to_owned(), "a2V5".to_owned()),
        ]
        .into();
        assert_eq!(
            print_content(&data, None, None).unwrap(),
            "cert: cert\nkey: key\n"
        );
        assert_eq!(print_content(&data, Some("cert"), None).unwrap(), "cert\n");
        assert_eq!(
            print_content(&data, Some("cert#base64"), None).unwrap(),
            "Y2VydA==\n"
        );
        let data: Data = [("key".to_owned(), "czNjcmV0IQ==".to_owned())].into();
        assert_eq!(
            print_content(&data, None, Some("json")).unwrap(),
            "{\"key\":\"s3cret!\"}\n"
        );
        assert_eq!(
            print_content(&data, Some("nope"), None)
                .unwrap_err()
                .message,
            "secret key value \"nope\" not found"
        );
    }
}
