//! `juju add-storage` and `juju storage` (`list-storage`), with Juju 3.6's grammar, output and
//! messages (`cmd/juju/storage/add.go`, `list.go`, `storage.go`), and `juju expose` and
//! `juju unexpose`, which only record the application's `exposed` flag (the local Juju has no
//! firewall). Storage instances are directories in their unit's directory ([`crate::storage`]);
//! new ones run their `-storage-attached` hooks before the command returns.

use serde_json::{Map, Value, json};

use super::{FORMAT, MODEL, Output, settle, unknown_format, unrecognized};
use crate::args::Args;
use crate::error::{Result, usage};
use crate::gofmt::go_quote;
use crate::relation::valid_unit_name;
use crate::state::{self, Home, Model};
use crate::storage::{self, Instance};

/// `juju add-storage UNIT name[=directive]…`: adds instances to the unit (`added storage data/1
/// to u/0` on stderr for each), then runs their `-storage-attached` hooks. A store Juju would
/// refuse is reported as `failed to add storage "x" to u/0: …`, exit 1.
pub fn add_storage(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[MODEL])?;
    let [unit_name, directives @ ..] = a.positional.as_slice() else {
        return Err(usage("add-storage requires a unit and a storage directive"));
    };
    if directives.is_empty() {
        return Err(usage("add-storage requires a unit and a storage directive"));
    }
    if !valid_unit_name(unit_name) {
        return Err(usage(format!(
            "unit name {} not valid",
            go_quote(unit_name)
        )));
    }
    let mut requests = storage::parse_directives_map(directives, false).map_err(usage)?;
    // The API gets them sorted by store name.
    requests.sort_by(|a, b| a.0.cmp(&b.0));
    let model = home.resolve_model(a.get("model"))?;
    let mut out = Output::default();
    let mut failures: Vec<(String, String)> = Vec::new();
    model.hooks_locked(|| {
        let target = unit_name
            .split_once('/')
            .and_then(|(app, n)| Some((app.to_owned(), n.parse::<u32>().ok()?)))
            .filter(|(app, n)| model.app(app).is_ok_and(|r| r.units.contains(n)));
        let Some((app_name, number)) = target else {
            for (name, _) in &requests {
                failures.push((
                    name.clone(),
                    format!("unit {} not found", go_quote(unit_name)),
                ));
            }
            return Ok(());
        };
        {
            let _lock = state::lock(&model.unit_dir(&app_name, number).join("unit.lock"))?;
            let mut unit = model.unit(&app_name, number)?;
            if unit.dying {
                for (name, _) in &requests {
                    failures.push((
                        name.clone(),
                        format!(
                            "adding {} storage to {unit_name}: unit is not alive",
                            go_quote(name)
                        ),
                    ));
                }
                return Ok(());
            }
            let app = model.app(&app_name)?;
            let info = crate::charm::read_info(&model.unit_dir(&app_name, number).join("charm"))?;
            for (name, directive) in &requests {
                let current = unit
                    .storage
                    .iter()
                    .filter(|i| !i.detached && i.name() == name)
                    .count() as u64;
                let d = match storage::adding(
                    unit_name,
                    &info.name,
                    &info.storage,
                    app.storage.get(name),
                    name,
                    directive.clone(),
                    current,
                ) {
                    Ok(d) => d,
                    Err(e) => {
                        failures.push((name.clone(), e));
                        continue;
                    }
                };
                let Some(meta) = info.storage.iter().find(|m| m.name == *name) else {
                    continue;
                };
                let first = model.locked(|| storage::allocate_locked(&model, d.count))?;
                let unit_dir = model.unit_dir(&app_name, number);
                let created = storage::create(&unit_dir, meta, &d, first, d.count)?;
                for instance in &created {
                    out.stderr
                        .push_str(&format!("added storage {} to {unit_name}\n", instance.id));
                }
                unit.storage.extend(created);
            }
            model.save_unit(&unit)?;
        }
        let mut skip = Default::default();
        out.stderr.push_str(&settle::settle(&model, &mut skip)?);
        Ok(())
    })?;
    if !failures.is_empty() {
        let mut unique: Vec<&str> = failures.iter().map(|(_, e)| e.as_str()).collect();
        unique.sort_unstable();
        unique.dedup();
        if failures.len() == requests.len() && unique.len() < failures.len() {
            for e in unique {
                out.stderr.push_str(&format!("{e}\n"));
            }
        } else {
            for (name, e) in &failures {
                out.stderr.push_str(&format!(
                    "failed to add storage {} to {unit_name}: {e}\n",
                    go_quote(name)
                ));
            }
        }
        out.code = 1;
    }
    Ok(out)
}

/// Every unit's instances, with the machine `juju status` shows it on (units numbered across
/// applications in name order).
pub fn all_instances(model: &Model) -> Vec<(String, String, Vec<Instance>)> {
    let mut out = Vec::new();
    let mut machine = 0usize;
    for app_name in model.app_names() {
        let Ok(app) = model.app(&app_name) else {
            continue;
        };
        for number in &app.units {
            let Ok(unit) = model.unit(&app_name, *number) else {
                continue;
            };
            out.push((unit.name(), machine.to_string(), unit.storage.clone()));
            machine += 1;
        }
    }
    out
}

/// `juju storage` (`list-storage`): the model's storage instances, as `{"storage": {…}}` in
/// JSON or YAML, or a table; nothing at all when there is none.
pub fn list(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            FORMAT,
            (&["filesystem"], false),
            (&["volume"], false),
        ],
    )?;
    for flag in ["filesystem", "volume"] {
        if a.has(flag) {
            return Err(usage(format!(
                "--{flag} is not supported: the local Juju keeps storage instances only (a directory each)"
            )));
        }
    }
    let model = home.resolve_model(a.get("model"))?;
    let units = all_instances(&model);
    let section = storage::storage_json(&units);
    let format = a.get("format").unwrap_or("tabular");
    if section.is_empty() {
        return Ok(if format == "tabular" {
            Output::err("No storage to display.\n")
        } else {
            Output::default()
        });
    }
    match format {
        "json" | "yaml" => {
            let value = json!({"storage": Value::Object(section)});
            Ok(Output::out(super::json_or_yaml(&value, Some(format))))
        }
        "tabular" => Ok(Output::out(table(&units))),
        other => Err(unknown_format(other)),
    }
}

/// The storage table: unit, storage id, type, pool, mount point, size, status.
fn table(units: &[(String, String, Vec<Instance>)]) -> String {
    let mut rows = vec![[
        "Unit".to_owned(),
        "Storage ID".to_owned(),
        "Type".to_owned(),
        "Pool".to_owned(),
        "Mountpoint".to_owned(),
        "Size".to_owned(),
        "Status".to_owned(),
        "Message".to_owned(),
    ]];
    for (unit, _, instances) in units {
        for i in instances.iter().filter(|i| !i.detached) {
            rows.push([
                unit.clone(),
                i.id.clone(),
                i.kind.clone(),
                i.pool.clone(),
                i.location.clone(),
                format!("{:.1} GiB", i.size as f64 / 1024.0),
                if i.attached { "attached" } else { "pending" }.to_owned(),
                String::new(),
            ]);
        }
    }
    super::tabulate(&rows)
}

/// The `storage` section `juju status --format json|yaml` shows, if there is any storage.
pub fn status_section(model: &Model) -> Option<Value> {
    let section: Map<String, Value> = storage::storage_json(&all_instances(model));
    (!section.is_empty()).then(|| json!({"storage": Value::Object(section)}))
}

/// `juju expose APP` and `juju unexpose APP`: sets or clears the application's `exposed` flag
/// (what `juju status` shows; the local Juju has no firewall to open). Endpoint- and
/// space-specific exposure is refused by name.
pub fn expose(home: &Home, command: &str, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            (&["endpoints"], true),
            (&["to-spaces"], true),
            (&["to-cidrs"], true),
        ],
    )?;
    for flag in ["endpoints", "to-spaces", "to-cidrs"] {
        if a.get(flag).is_some() {
            return Err(usage(format!(
                "--{flag} is not supported: the local Juju exposes an application whole (it has no firewall)"
            )));
        }
    }
    let app_name = match a.positional.as_slice() {
        [app] => app.clone(),
        [] => return Err(usage("no application name specified")),
        [_, rest @ ..] => return Err(unrecognized(rest)),
    };
    let model = home.resolve_model(a.get("model"))?;
    model.locked(|| {
        let mut app = model.app(&app_name)?;
        app.exposed = command == "expose";
        model.save_app(&app)
    })?;
    Ok(Output::default())
}
