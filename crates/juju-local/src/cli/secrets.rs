//! The secret commands: `add-secret`, `update-secret`, `grant-secret`, `revoke-secret`,
//! `remove-secret` (user secrets, owned by the model), `show-secret` and `secrets` (every
//! secret of the model), with Juju 3.6's grammar, messages and output (`cmd/juju/secrets`:
//! `secretDisplayDetails`, keyed by bare xid; the content only with `--reveal`, under `Data` in
//! JSON, as Go's encoder ignores the `inline` tag). A new revision runs `secret-changed` on the
//! units that read the secret before the command returns, as the relation commands run their
//! hooks.
//!
//! `advance-clock DURATION` is the local Juju's own (Juju has none): it moves the model's clock
//! forward and runs the `secret-rotate` and `secret-expired` hooks that fall due.
//!
//! What `show-secret` and `secrets` print of a secret is in `secrets/show.rs`.

mod show;

use std::collections::BTreeMap;

use super::settle;
use super::{FORMAT, MODEL, Output, unknown_format, unrecognized};
use crate::args::Args;
use crate::error::{Result, run_error, usage};
use crate::gofmt::go_quote;
use crate::secrets::display::{self, Node};
use crate::secrets::{self, Data, Grant, Owner, Scope, Secret, Store, Target, Upsert, content};
use crate::state::{Home, Model};
use show::{Show, details, table};

/// A local file, as the CLI reads one (`open <path>: …` when it cannot).
fn read_local(path: &str) -> std::result::Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("open {path}: {}", crate::resources::go_io_error(&e)))
}

/// `SecretUpsertContentCommand.Init`: the arguments' content, then `--file`'s (which wins).
fn content_of(args: &[String], file: Option<&str>) -> Result<Data> {
    let mut data = content::from_args(args, &mut read_local).map_err(usage)?;
    if let Some(path) = file.filter(|p| !p.is_empty()) {
        data.extend(content::from_file(path, &mut read_local).map_err(usage)?);
    }
    Ok(data)
}

/// A secret named by URI (any owner) or by name (a user secret); `Err` is Juju's not-found.
fn find(store: &Store, given: &str) -> Result<String> {
    match crate::secret_uri::parse_id(given) {
        Ok((_, id)) if store.secrets.contains_key(&id) => Ok(id),
        Ok((_, id)) => Err(run_error(format!("secret {} not found", go_quote(&id)))),
        Err(_) => store
            .secrets
            .iter()
            .find(|(_, s)| s.owner == Owner::Model && s.label.as_deref() == Some(given))
            .map(|(id, _)| id.clone())
            .ok_or_else(|| run_error(format!("secret {} not found", go_quote(given)))),
    }
}

/// A user secret named by URI or name, for the commands that change one.
fn find_user(store: &Store, given: &str) -> Result<String> {
    let id = find(store, given)?;
    if store.secrets[&id].owner != Owner::Model {
        return Err(run_error("permission denied"));
    }
    Ok(id)
}

/// Runs the hooks that follow from a change to the secrets (`secret-changed` on the units that
/// read one); the failure lines.
fn settle_secrets(model: &Model) -> Result<String> {
    model.hooks_locked(|| {
        let mut skip = Default::default();
        settle::settle(model, &mut skip)
    })
}

/// `juju add-secret <name> [key[#base64|#file]=value…] [--info D] [--file F]`: a secret owned by
/// the model; prints its URI.
pub fn add_secret(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[MODEL, (&["info"], true), (&["file"], true)])?;
    let Some((name, rest)) = a.positional.split_first() else {
        return Err(usage(
            "secret name needs to be supplied as the first argument",
        ));
    };
    let data = content_of(rest, a.get("file"))?;
    if data.is_empty() {
        return Err(usage("missing secret value or filename"));
    }
    let model = home.resolve_model(a.get("model"))?;
    let now = secrets::now(&model);
    let description = a.get("info").filter(|s| !s.is_empty()).map(str::to_owned);
    let id = secrets::update(&model, |store| {
        if store
            .secrets
            .values()
            .any(|s| s.owner == Owner::Model && s.label.as_deref() == Some(name.as_str()))
        {
            return Err(run_error(format!(
                "secret with name {} already exists",
                go_quote(name)
            )));
        }
        let id = secrets::new_id(store, now);
        let pending = secrets::Pending {
            creates: vec![secrets::Create {
                id: id.clone(),
                owner: Owner::Model,
                upsert: Upsert {
                    label: Some(name.clone()),
                    description: description.clone(),
                    ..Upsert::default()
                },
                content: data.clone(),
            }],
            ..secrets::Pending::default()
        };
        secrets::apply(store, &pending, now);
        Ok(id)
    })?;
    Ok(Output::out(format!("{}\n", secrets::uri(&id))))
}

/// `juju update-secret <ID>|<name> [key[#base64|#file]=value…] [--info D] [--name N] [--file F]
/// [--auto-prune]`: new content (a new revision when it differs) or metadata.
pub fn update_secret(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            (&["info"], true),
            (&["name"], true),
            (&["file"], true),
            (&["auto-prune"], false),
        ],
    )?;
    let Some((given, rest)) = a.positional.split_first() else {
        return Err(usage("missing secret URI"));
    };
    let data = content_of(rest, a.get("file"))?;
    let model = home.resolve_model(a.get("model"))?;
    let now = secrets::now(&model);
    let auto_prune = a.get("auto-prune").map(|_| a.has("auto-prune"));
    let description = a.get("info").filter(|s| !s.is_empty()).map(str::to_owned);
    let name = a.get("name").filter(|s| !s.is_empty()).map(str::to_owned);
    if data.is_empty() && description.is_none() && name.is_none() && auto_prune.is_none() {
        return Err(run_error(
            "at least one attribute to update must be specified",
        ));
    }
    secrets::update(&model, |store| {
        let id = find_user(store, given)?;
        if let Some(name) = &name
            && store.secrets.iter().any(|(other, s)| {
                *other != id && s.owner == Owner::Model && s.label.as_deref() == Some(name)
            })
        {
            return Err(run_error(format!(
                "secret with name {} already exists",
                go_quote(name)
            )));
        }
        let latest = store.secrets[&id].checksum();
        let content =
            (!data.is_empty() && content::checksum(&data) != latest).then(|| data.clone());
        if let Some(prune) = auto_prune
            && let Some(secret) = store.secrets.get_mut(&id)
        {
            secret.auto_prune = prune;
        }
        let upsert = Upsert {
            label: name.clone(),
            description: description.clone(),
            ..Upsert::default()
        };
        secrets::apply_update(store, &id, &upsert, content, now);
        Ok(())
    })?;
    Ok(Output::err(settle_secrets(&model)?))
}

/// `grant-secret` and `revoke-secret`: `<ID>|<name> <app>[,<app>…]`, each application's error
/// joined into one (`failed to grant/revoke secret: …`).
fn grant_or_revoke(home: &Home, args: &[String], grant: bool) -> Result<Output> {
    let a = Args::parse(args, &[MODEL])?;
    let [given, apps, rest @ ..] = a.positional.as_slice() else {
        return Err(usage("missing secret URI or application name"));
    };
    if !rest.is_empty() {
        return Err(unrecognized(rest));
    }
    let model = home.resolve_model(a.get("model"))?;
    let known = model.app_names();
    secrets::update(&model, |store| {
        let id = find_user(store, given)?;
        let mut errors = Vec::new();
        let Some(secret) = store.secrets.get_mut(&id) else {
            return Ok(());
        };
        for app in apps.split(',') {
            if !known.iter().any(|k| k == app) {
                errors.push(format!("application {} not found", go_quote(app)));
                continue;
            }
            let target = Target::Application(app.to_owned());
            if grant {
                let new = Grant {
                    target,
                    scope: Scope::Model,
                };
                if !secret.grants.contains(&new) {
                    secret.grants.push(new);
                }
            } else {
                secret.grants.retain(|g| g.target != target);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(run_error(format!(
                "failed to grant/revoke secret: {}",
                errors.join(", ")
            )))
        }
    })?;
    Ok(Output::err(settle_secrets(&model)?))
}

/// `juju grant-secret <ID>|<name> <app>[,<app>…]`: view access for the applications.
pub fn grant_secret(home: &Home, args: &[String]) -> Result<Output> {
    grant_or_revoke(home, args, true)
}

/// `juju revoke-secret <ID>|<name> <app>[,<app>…]`.
pub fn revoke_secret(home: &Home, args: &[String]) -> Result<Output> {
    grant_or_revoke(home, args, false)
}

/// `juju remove-secret <ID>|<name> [--revision N]`: the secret, or one revision.
pub fn remove_secret(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[MODEL, (&["revision"], true)])?;
    let revision = a.int("revision")?;
    let Some((given, rest)) = a.positional.split_first() else {
        return Err(usage("missing secret URI"));
    };
    if !rest.is_empty() {
        return Err(unrecognized(rest));
    }
    let model = home.resolve_model(a.get("model"))?;
    secrets::update(&model, |store| {
        let id = find_user(store, given)?;
        let revision = revision
            .filter(|r| *r > 0)
            .map(|r| u32::try_from(r).unwrap_or(u32::MAX));
        secrets::delete(store, &id, revision);
        Ok(())
    })?;
    Ok(Output::err(settle_secrets(&model)?))
}

/// The `--format` given, else `default`, when the command has it.
fn format_of(a: &Args, default: &str, allowed: &[&str]) -> Result<String> {
    let format = a.get("format").unwrap_or(default);
    if !allowed.contains(&format) {
        return Err(unknown_format(format));
    }
    Ok(format.to_owned())
}

/// `juju show-secret <ID>|<name> [--reveal] [--revision N] [--revisions] [--format yaml|json]`.
pub fn show_secret(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["o", "output"], true),
            (&["reveal"], false),
            (&["revisions"], false),
            (&["r", "revision"], true),
        ],
    )?;
    let format = format_of(&a, "yaml", &["yaml", "json"])?;
    let revision = a.int("revision")?.unwrap_or(0);
    let Some((given, rest)) = a.positional.split_first() else {
        return Err(usage("secret ID is required"));
    };
    let (reveal, revisions) = (a.has("reveal"), a.has("revisions"));
    if revisions {
        if reveal {
            return Err(usage("specify either --revisions or --reveal but not both"));
        }
        if revision > 0 {
            return Err(usage(
                "specify either --revisions or --revision but not both",
            ));
        }
    }
    if revision < 0 {
        return Err(usage("revision must be a positive integer"));
    }
    if !rest.is_empty() {
        return Err(unrecognized(rest));
    }
    let model = home.resolve_model(a.get("model"))?;
    let uuid = model.record()?.uuid;
    let store = secrets::load(&model)?;
    let matches: Vec<&String> = match crate::secret_uri::parse_id(given) {
        Ok((_, id)) => store.secrets.keys().filter(|k| **k == id).collect(),
        Err(_) => store
            .secrets
            .iter()
            .filter(|(_, s)| s.label.as_deref() == Some(given.as_str()))
            .map(|(id, _)| id)
            .collect(),
    };
    if matches.is_empty() {
        let shown = crate::secret_uri::parse_id(given).map_or_else(|_| given.clone(), |(_, id)| id);
        return Err(run_error(format!("secret {} not found", go_quote(&shown))));
    }
    let show = Show {
        reveal,
        revision: (revision > 0).then(|| u32::try_from(revision).unwrap_or(u32::MAX)),
        revisions,
        access: true,
        json: format == "json",
    };
    let node = Node::Map(
        matches
            .into_iter()
            .map(|id| (id.clone(), details(id, &store.secrets[id], &uuid, &show)))
            .collect(),
    );
    let text = if show.json {
        display::json(&node)
    } else {
        display::yaml(&node)
    };
    Output::out(text).written_to(a.get("output"))
}

/// `juju secrets [--owner <tag>] [--format tabular|yaml|json]` (alias `list-secrets`).
pub fn list_secrets(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[MODEL, FORMAT, (&["o", "output"], true), (&["owner"], true)],
    )?;
    let format = format_of(&a, "tabular", &["tabular", "yaml", "json"])?;
    if !a.positional.is_empty() {
        return Err(unrecognized(&a.positional));
    }
    let model = home.resolve_model(a.get("model"))?;
    let uuid = model.record()?.uuid;
    let owner = match a.get("owner").filter(|o| !o.is_empty()) {
        Some(tag) if valid_tag(tag) => Some(tag.to_owned()),
        Some(tag) => {
            return Err(run_error(format!(
                "invalid owner {q}: {q} is not a valid tag",
                q = go_quote(tag)
            )));
        }
        None => None,
    };
    let store = secrets::load(&model)?;
    let listed: BTreeMap<&String, &Secret> = store
        .secrets
        .iter()
        .filter(|(_, s)| owner.as_ref().is_none_or(|o| *o == s.owner.tag(&uuid)))
        .collect();
    let show = Show {
        reveal: false,
        revision: None,
        revisions: false,
        access: false,
        json: format == "json",
    };
    let text = match format.as_str() {
        "tabular" => table(&listed, secrets::now(&model)),
        _ => {
            let node = Node::Map(
                listed
                    .iter()
                    .map(|(id, s)| ((*id).clone(), details(id, s, &uuid, &show)))
                    .collect(),
            );
            if show.json {
                display::json(&node)
            } else {
                display::yaml(&node)
            }
        }
    };
    Output::out(text).written_to(a.get("output"))
}

/// Whether `names.ParseTag` takes `tag` (the kinds a secret's owner can have).
fn valid_tag(tag: &str) -> bool {
    if let Some(app) = tag.strip_prefix("application-") {
        return crate::relation::valid_application_name(app);
    }
    if let Some(unit) = tag.strip_prefix("unit-") {
        return unit
            .rsplit_once('-')
            .is_some_and(|(app, n)| crate::relation::valid_unit_name(&format!("{app}/{n}")));
    }
    tag.strip_prefix("model-")
        .is_some_and(|uuid| !uuid.is_empty())
}

/// `juju-local advance-clock DURATION` (the local Juju's own command): moves the model's clock
/// forward by a Go duration (`90m`, `25h`) and runs the secret hooks that fall due
/// (`secret-rotate`, `secret-expired`), with those that follow, before it returns.
pub fn advance_clock(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[MODEL])?;
    let [duration] = a.positional.as_slice() else {
        return Err(usage(
            "advance-clock takes one duration, such as 90m or 25h",
        ));
    };
    let nanos = crate::cli::wait::go_duration(duration).map_err(usage)?;
    if nanos < 0 {
        return Err(usage(format!(
            "the model clock only moves forward: {}",
            go_quote(duration)
        )));
    }
    let model = home.resolve_model(a.get("model"))?;
    secrets::advance_clock(&model, nanos / 1_000_000_000)?;
    Ok(Output::err(settle_secrets(&model)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_tags_are_checked() {
        for good in [
            "application-mysql",
            "unit-mysql-0",
            "unit-my-app-12",
            "model-abc",
        ] {
            assert!(valid_tag(good), "{good}");
        }
        for bad in ["user", "mysql", "unit-mysql", "application-", "model-"] {
            assert!(!valid_tag(bad), "{bad}");
        }
    }
}
