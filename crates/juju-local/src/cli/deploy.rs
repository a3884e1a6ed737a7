//! `juju deploy` and `juju refresh` of local `.charm` files: the archive is unpacked into a
//! staging directory and read before the model changes, then each unit gets its copy of the
//! charm tree and runs the hooks Juju runs.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::{Map, Value};

use super::hooks::run_plain_hook;
use super::settle::{self, start_unit};
use super::{MODEL, Output};
use crate::args::Args;
use crate::charm::{self, CharmInfo};
use crate::error::{Result, run_error, usage};
use crate::resources::{self, ResourceMeta};
use crate::state::{self, AppRecord, Home, Model, UnitRecord};
use crate::sys;
use crate::{app_settings, gofmt, relation};

/// `juju deploy CHARM.charm [APP]`: unpacks a local charm for each unit and runs `install`,
/// `leader-elected` (or `leader-settings-changed`), `config-changed` and `start`. The charm is
/// checked as Juju checks a local charm before the model changes; `--trust` is recorded on the
/// application; `--resource name=path` files are checked, then stored for the application
/// before `install` ([`crate::resources`]); `--channel`, `--revision`, `--constraints` and
/// `--to` are refused by name.
pub fn deploy(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            (&["n", "num-units"], true),
            (&["config"], true),
            (&["base"], true),
            (&["channel"], true),
            (&["revision"], true),
            (&["trust"], false),
            (&["constraints"], true),
            (&["to"], true),
            (&["resource"], true),
            (&["storage"], true),
            (&["attach-storage"], true),
        ],
    )?;
    refuse_flags(&a)?;
    let storage_flags = storage_flags(&a)?;
    let resource_pairs = resources::flag_pairs(&a.all("resource"))?;
    let trust = a.has("trust");
    let config_pairs = config_pairs(&a)?;
    let model = home.resolve_model(a.get("model"))?;
    let (charm_path, app_name) = match a.positional.as_slice() {
        [charm] => (charm.clone(), None),
        [charm, app] => (charm.clone(), Some(app.clone())),
        _ => {
            return Err(usage(
                "deploy needs a charm path and an optional application name",
            ));
        }
    };
    let given = charm_path.clone();
    let charm_path = Path::new(&charm_path);
    if !charm_path.is_file() {
        return Err(run_error(format!(
            "cannot deploy {:?}: juju-local deploys local .charm files only (no Charmhub here)",
            charm_path.display().to_string()
        )));
    }
    let units: u32 = match a.get("num-units") {
        None => 1,
        Some(n) => n
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| usage(format!("invalid --num-units {n:?}")))?,
    };
    // Unpack once into a staging directory to validate the archive before touching the model.
    let staging = model.dir.join(format!(".deploy-{}", state::unique_hex(8)));
    charm::unpack(charm_path, &staging)?;
    // Juju annotates what reading a local charm finds wrong (`deployer.go`); a charm without
    // bases is reported as it is.
    let attempting = |message: String| {
        run_error(format!(
            "attempting to deploy {}: {message}",
            gofmt::go_quote(&given)
        ))
    };
    let info = charm::read_info(&staging)
        .map_err(|e| attempting(e.message))
        .and_then(|info| {
            charm::validate(&staging).map_err(|refusal| {
                if refusal.bare {
                    run_error(refusal.message)
                } else {
                    attempting(refusal.message)
                }
            })?;
            let declared = resources::declared(&staging).map_err(|e| attempting(e.message))?;
            resources::check_supplied(&declared, &resource_pairs)?;
            Ok(info)
        });
    let info = match info {
        Ok(info) => info,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let plan = Plan {
        app_name: app_name.unwrap_or_else(|| info.name.clone()),
        units,
        trust,
        config_pairs,
        resources: resource_pairs,
        storage: storage_flags,
    };
    let result = deploy_units(&model, &info, &staging, plan);
    let _ = fs::remove_dir_all(&staging);
    result
}

/// What `deploy` was asked for beyond the charm.
struct Plan {
    app_name: String,
    units: u32,
    trust: bool,
    config_pairs: Vec<(String, String)>,
    /// `--resource` (name, path) pairs, checked against the charm.
    resources: Vec<(String, String)>,
    /// `--storage` directives by store (a later flag for a store wins, as Juju's map).
    storage: Vec<(String, crate::storage::Directive)>,
}

/// `--storage name=directive` flags as Juju's `storageFlag` reads them (a flag error names the
/// value); `--attach-storage` is refused (there is no detached storage to attach).
fn storage_flags(a: &Args) -> Result<Vec<(String, crate::storage::Directive)>> {
    if a.get("attach-storage").is_some() {
        return Err(usage(
            "--attach-storage is not supported: the local Juju keeps no detached storage to attach",
        ));
    }
    let mut out: Vec<(String, crate::storage::Directive)> = Vec::new();
    for value in a.all("storage") {
        let (name, directive) = crate::storage::parse_deploy_flag(value).map_err(|e| {
            usage(format!(
                "invalid value {} for option --storage: {e}",
                gofmt::go_quote(value)
            ))
        })?;
        out.retain(|(n, _)| *n != name);
        out.push((name, directive));
    }
    Ok(out)
}

/// The deploy flags that mean nothing to a local charm on one machine, refused by name.
fn refuse_flags(a: &Args) -> Result<()> {
    for flag in ["channel", "revision"] {
        if a.get(flag).is_some() {
            return Err(usage(format!(
                "--{flag} is not supported: it selects a Charmhub charm, and juju-local deploys local .charm files only (Juju ignores it for a local charm)"
            )));
        }
    }
    for flag in ["constraints", "to"] {
        if a.get(flag).is_some() {
            return Err(usage(format!(
                "--{flag} is not supported: the local Juju has one machine, so there is nothing to choose or constrain"
            )));
        }
    }
    Ok(())
}

/// `--config key=value` pairs as Juju's `ConfigFlag` reads them: a later value for a key wins;
/// an empty flag is refused; a file (no `=`) is not supported here.
fn config_pairs(a: &Args) -> Result<Vec<(String, String)>> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for value in a.all("config") {
        if value.is_empty() {
            return Err(usage(
                "invalid value \"\" for flag --config: empty string not valid",
            ));
        }
        let Some((k, v)) = value.split_once('=') else {
            return Err(usage(format!(
                "--config {value:?}: config files are not supported by juju-local; use --config key=value"
            )));
        };
        pairs.retain(|(key, _)| key != k);
        pairs.push((k.to_owned(), v.to_owned()));
    }
    Ok(pairs)
}

/// Creates the application, its units and its peer relations from the staged charm, then runs
/// each unit's deploy hooks ([`start_unit`]) and the peer relation hooks that follow; a failing
/// hook stops that unit's sequence and is reported on stderr.
fn deploy_units(model: &Model, info: &CharmInfo, staging: &Path, plan: Plan) -> Result<Output> {
    let Plan {
        app_name,
        units,
        trust,
        config_pairs,
        resources: resource_pairs,
        storage,
    } = plan;
    // `AddApplication`'s storage checks, before the model changes.
    let storage =
        crate::storage::deploy_directives(&info.name, &info.storage, &storage).map_err(|e| {
            run_error(format!(
                "cannot add application {}: {e}",
                gofmt::go_quote(&app_name)
            ))
        })?;
    let mut config = Map::new();
    for (k, v) in &config_pairs {
        config.insert(k.clone(), info.parse_config_value(k, v)?);
    }
    info.check_secret_values(&config)?;
    model.locked(|| {
        if model.app_dir(&app_name).join("app.json").exists() {
            return Err(run_error(format!(
                "cannot add application \"{app_name}\": application already exists"
            )));
        }
        let mut app = AppRecord {
            name: app_name.clone(),
            charm: info.name.clone(),
            revision: 0,
            units: Vec::new(),
            config: config.clone(),
            leader_settings: Map::new(),
            status: None,
            next_unit: 0,
            leader_settings_version: 0,
            relation_data: BTreeMap::new(),
            dying: false,
            storage: storage.clone(),
            exposed: false,
        };
        app.units = app.allocate_units(units);
        sys::copy_tree(staging, &model.app_dir(&app_name).join("charm"))?;
        for number in app.units.clone() {
            let unit_dir = model.unit_dir(&app_name, number);
            fs::create_dir_all(&unit_dir)?;
            sys::copy_tree(staging, &unit_dir.join("charm"))?;
            let mut unit = UnitRecord::new(&app_name, number, number == 0);
            unit.storage =
                crate::storage::create_for_unit_locked(model, &unit_dir, &info.storage, &storage)?;
            model.save_unit(&unit)?;
        }
        if trust {
            app_settings::set_trust(&model.app_dir(&app_name), true)?;
        }
        // The files are the application's before any unit runs a hook.
        for (name, path) in &resource_pairs {
            resources::store(&model.app_dir(&app_name), name, path).map_err(|e| {
                run_error(format!("resource {}: {}", gofmt::go_quote(name), e.message))
            })?;
        }
        // Peer relations exist from deploy (`addPeerRelationsOps`).
        add_peer_relations(model, &app_name, info)?;
        model.save_app(&app)
    })?;
    let mut stderr = format!(
        "Located local charm \"{}\", revision 0\nDeploying \"{app_name}\" from local charm \"{}\", revision 0\n",
        info.name, info.name
    );
    model.hooks_locked(|| {
        let app = model.app(&app_name)?;
        for number in app.units {
            stderr.push_str(&start_unit(model, &app_name, number, info)?);
        }
        let mut skip = settle::failed_units(&stderr);
        stderr.push_str(&settle::settle(model, &mut skip)?);
        Ok(())
    })?;
    Ok(Output::err(stderr))
}

/// Creates the peer relations the charm declares that the application does not have yet (the
/// caller holds the model lock).
pub fn add_peer_relations(model: &Model, app_name: &str, info: &CharmInfo) -> Result<Vec<u32>> {
    let mut relations = model.relations()?;
    let mut added = Vec::new();
    for meta in info.endpoints.iter().filter(|e| e.role == "peer") {
        let exists = relations
            .of_app(app_name)
            .any(|r| r.is_peer() && r.endpoints[0].name == meta.name && !r.dying);
        if exists {
            continue;
        }
        let endpoint = relation::AppEndpoint {
            app: app_name.to_owned(),
            meta: meta.clone(),
        };
        let id = relations.next_id;
        relations.next_id += 1;
        relations
            .relations
            .push(relation::new_relation(id, &[&endpoint]));
        added.push(id);
    }
    if !added.is_empty() {
        model.save_relations(&relations)?;
    }
    Ok(added)
}

/// `juju refresh APP --path CHARM.charm`, as Juju does it for a local charm: the archive is
/// unpacked and read before anything changes, its charm name must be the application's, the
/// revision goes up by one, and every unit gets the new charm tree and runs `upgrade-charm` then
/// `config-changed`. Charmhub refreshes (`--switch`, `--channel`, `--revision`) are refused.
pub fn refresh(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            (&["path"], true),
            (&["switch"], true),
            (&["channel"], true),
            (&["revision"], true),
            (&["resource"], true),
        ],
    )?;
    let resource_pairs = resources::flag_pairs(&a.all("resource"))?;
    for flag in ["switch", "channel", "revision"] {
        if a.get(flag).is_some() {
            return Err(run_error(format!(
                "--{flag} is not supported: juju-local refreshes from local .charm files only (--path; no Charmhub here)"
            )));
        }
    }
    let [app_name] = a.positional.as_slice() else {
        return Err(usage("refresh needs one application name"));
    };
    let Some(charm_path) = a.get("path") else {
        return Err(usage(
            "refresh needs --path CHARM.charm: juju-local refreshes from local .charm files only (no Charmhub here)",
        ));
    };
    let model = home.resolve_model(a.get("model"))?;
    let current = model.app(app_name)?;
    let charm_path = Path::new(charm_path);
    if !charm_path.exists() {
        return Err(run_error(format!(
            "no charm found at {:?}",
            charm_path.display().to_string()
        )));
    }
    if !charm_path.is_file() {
        return Err(run_error(format!(
            "cannot refresh \"{app_name}\" from {:?}: juju-local refreshes from local .charm files only (no Charmhub here)",
            charm_path.display().to_string()
        )));
    }
    // Unpack once into a staging directory to validate the archive before touching the model.
    let staging = model.dir.join(format!(".refresh-{}", state::unique_hex(8)));
    charm::unpack(charm_path, &staging)?;
    let result = charm::read_info(&staging)
        .and_then(|info| {
            // Juju's refresh returns the charm's error as it is (`refresher.go`).
            charm::validate(&staging).map_err(|refusal| run_error(refusal.message))?;
            let declared = resources::declared(&staging)?;
            let before = match current.units.first() {
                Some(n) => resources::declared(&model.unit_dir(app_name, *n).join("charm"))
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            check_refresh_resources(&declared, &before, &resource_pairs)?;
            Ok(info)
        })
        .and_then(|info| refresh_units(&model, app_name, &info, &staging, &resource_pairs));
    let _ = fs::remove_dir_all(&staging);
    result
}

/// Bumps the revision, keeps the config the new charm still fits, and gives every unit the new
/// charm tree and its `upgrade-charm` and `config-changed` hooks.
fn refresh_units(
    model: &Model,
    app_name: &str,
    info: &CharmInfo,
    staging: &Path,
    resource_pairs: &[(String, String)],
) -> Result<Output> {
    let (app, new_peers) = model.locked(|| {
        let mut app = model.app(app_name)?;
        if info.name != app.charm {
            return Err(run_error(format!(
                "cannot refresh \"{}\" to \"{}\"",
                app.charm, info.name
            )));
        }
        // `checkRelationsOps`: the new charm must implement every endpoint in use (a peer
        // relation the new charm drops may go).
        for relation in model.relations()?.of_app(app_name) {
            let Some(mine) = relation.endpoint_of(app_name) else {
                continue;
            };
            let implemented = info.endpoints.iter().any(|e| {
                e.name == mine.name && e.role == mine.role && e.interface == relation.interface
            });
            if !implemented && !relation.is_peer() {
                return Err(run_error(format!(
                    "cannot upgrade application \"{app_name}\" to charm \"local:{}-{}\": would break relation \"{}\"",
                    info.name,
                    app.revision.saturating_add(1),
                    relation.key
                )));
            }
        }
        for (name, path) in resource_pairs {
            resources::store(&model.app_dir(app_name), name, path).map_err(|e| {
                run_error(format!("resource {}: {}", gofmt::go_quote(name), e.message))
            })?;
        }
        app.revision = app.revision.saturating_add(1);
        // Juju keeps the settings the new charm still defines with a value of the right type.
        app.config.retain(|name, value| {
            info.options
                .get(name)
                .is_some_and(|option| fits_option(option, value))
        });
        replace_charm(&model.app_dir(app_name), staging)?;
        // A peer relation the new charm adds is created with it (`extraPeerRelations`).
        let new_peers = add_peer_relations(model, app_name, info)?;
        model.save_app(&app)?;
        Ok((app, new_peers))
    })?;
    let mut stderr = format!(
        "Added local charm \"{}\", revision {}, to the model\n",
        info.name, app.revision
    );
    model.hooks_locked(|| {
        for number in app.units.clone() {
            let unit_dir = model.unit_dir(app_name, number);
            let _lock = state::lock(&unit_dir.join("unit.lock"))?;
            replace_charm(&unit_dir, staging).map_err(|e| {
                run_error(format!(
                    "cannot refresh unit {app_name}/{number}: {}",
                    e.message
                ))
            })?;
            for hook in ["upgrade-charm", "config-changed"] {
                if !run_plain_hook(model, &app, info, number, hook)? {
                    stderr.push_str(&format!(
                        "unit {app_name}/{number}: hook failed: \"{hook}\"\n"
                    ));
                    break;
                }
            }
            // The new peer relations' scopes, which the units then join.
            let mut unit = model.unit(app_name, number)?;
            if unit.installed && !unit.dying && !new_peers.is_empty() {
                for id in &new_peers {
                    unit.relations
                        .entry(*id)
                        .or_insert_with(state::UnitRelation::entering);
                }
                model.save_unit(&unit)?;
            }
        }
        let mut skip = settle::failed_units(&stderr);
        stderr.push_str(&settle::settle(model, &mut skip)?);
        Ok(())
    })?;
    Ok(Output::err(stderr))
}

/// Juju's resource checks of a local-charm refresh: the supplied files as at deploy, and a
/// resource the new charm adds must be supplied (`shouldUpgradeResourceLocalCharm`).
fn check_refresh_resources(
    declared: &[ResourceMeta],
    before: &[ResourceMeta],
    pairs: &[(String, String)],
) -> Result<()> {
    resources::check_supplied(declared, pairs)?;
    for meta in declared {
        if !before.iter().any(|b| b.name == meta.name)
            && !pairs.iter().any(|(n, _)| *n == meta.name)
        {
            return Err(run_error(format!(
                "new resource {} was missing, please provide it via --resource",
                gofmt::go_quote(&meta.name)
            )));
        }
    }
    Ok(())
}

/// Whether a set config value still fits the option of that name (Juju's `FilterSettings`).
fn fits_option(option: &Value, value: &Value) -> bool {
    match option
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string")
    {
        "int" => value.is_i64() || value.is_u64(),
        "float" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => value.is_string(),
    }
}

/// Replaces a unit's `charm/` with a copy of `tree` (the caller holds the unit lock). The copy
/// is made in a sibling directory and renamed in, so `charm/` is never a partial copy; a copy
/// that fails leaves the old charm as it was.
fn replace_charm(unit_dir: &Path, tree: &Path) -> Result<()> {
    // Leftovers of a refresh killed mid-way (nobody else swaps charms while we hold the lock).
    for entry in fs::read_dir(unit_dir)?.filter_map(std::result::Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".charm.new-") || name.starts_with(".charm.old-") {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    let suffix = state::unique_hex(8);
    let fresh = unit_dir.join(format!(".charm.new-{suffix}"));
    let old = unit_dir.join(format!(".charm.old-{suffix}"));
    let current = unit_dir.join("charm");
    if let Err(e) = sys::copy_tree(tree, &fresh) {
        let _ = fs::remove_dir_all(&fresh);
        return Err(e.into());
    }
    match fs::rename(&current, &old) {
        Ok(()) => {}
        // A refresh killed between the two renames left no charm: put the new one in.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            let _ = fs::remove_dir_all(&fresh);
            return Err(e.into());
        }
    }
    if let Err(e) = fs::rename(&fresh, &current) {
        let _ = fs::rename(&old, &current);
        let _ = fs::remove_dir_all(&fresh);
        return Err(e.into());
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}
