//! The tools that stage a secret's creation, change or removal: `secret-add`, `secret-set`
//! and `secret-remove` (`secretUpsertCommand`: the expiry, rotate policy, owner and content of
//! the arguments and `--file`), with the label and leader checks the commit would make.

use std::collections::BTreeMap;

use super::{check_manage, check_may_change, parse_uri};
use crate::agent::{Context, FileArg};
use crate::args::{Args, FlagSpec};
use crate::error::{Fail, usage};
use crate::gofmt::go_quote;
use crate::secrets::{self, Create, Data, Owner, Pending, Store, Update, Upsert, clock, content};
use crate::tools::{Reply, ok, parse, run_err, unrecognized, usage_err};

const UPSERT_FLAGS: FlagSpec = &[
    (&["expire"], true),
    (&["rotate"], true),
    (&["description"], true),
    (&["label"], true),
    (&["file"], true),
    (&["owner"], true),
];

/// The tools whose content arguments the client reads: `--file` (YAML or JSON) and
/// `key#file=path`, both relative to the tool's working directory.
pub(crate) const CONTENT_TOOLS: [&str; 2] = ["secret-add", "secret-set"];

/// The paths of `key#file=path` arguments (as `CreateSecretData` splits them).
pub(crate) fn file_values(args: &[String]) -> Vec<String> {
    args.iter()
        .filter_map(|arg| {
            let idx = arg.trim_end_matches('=').find('=')?;
            arg[..idx]
                .ends_with("#file")
                .then(|| arg[idx + 1..].to_owned())
        })
        .collect()
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
pub(crate) fn secret_add(
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
    let owner = if init.owner == "unit" {
        Owner::Unit(context.unit.name())
    } else {
        Owner::Application(context.unit.app.clone())
    };
    if matches!(owner, Owner::Application(_)) && !context.unit.leader {
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

/// `secret-set <ID> [flags] [key[#base64|#file]=value…]`: stages new content (a new revision
/// only when it differs from the latest) and metadata.
pub(crate) fn secret_set(
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
pub(crate) fn secret_remove(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, &[(&["revision"], true)])?;
    let revision = a.int("revision")?;
    let Some((shown, rest)) = a.positional.split_first() else {
        return usage_err("missing secret URI");
    };
    let id = parse_uri(shown)?;
    if !rest.is_empty() {
        return unrecognized(rest);
    }
    check_may_change(context, &id, shown)?;
    let revision = revision
        .filter(|r| *r > 0)
        .map(|r| u32::try_from(r).unwrap_or(u32::MAX));
    context.secrets.add_delete(&id, revision);
    ok("")
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
}
