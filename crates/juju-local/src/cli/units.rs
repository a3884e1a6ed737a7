//! `juju add-unit`, `juju remove-unit` and `juju remove-application`, with Juju 3.6's grammar,
//! output and messages (`cmd/juju/application/addunit.go`, `removeunit.go`,
//! `removeapplication.go`; the application facade's `DestroyUnit`). New units run their deploy
//! hooks and join their application's relations; removed units depart theirs, run `stop` and
//! `remove` and go (a removed leader's place goes to the lowest remaining unit), all before the
//! command returns ([`super::settle`]).

use std::fs;

use super::settle::{self, start_unit};
use super::{MODEL, Output};
use crate::args::{Args, FlagSpec};
use crate::charm;
use crate::error::{Result, run_error, usage};
use crate::relation::{valid_application_name, valid_unit_name};
use crate::state::{self, Home, Model, UnitRecord};
use crate::sys;

/// `juju add-unit APP [-n N]`: adds units (numbers never reused) from the application's charm;
/// each runs its deploy hooks, then the relation hooks on both sides. Prints nothing, as Juju.
pub fn add_unit(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(
        args,
        &[
            MODEL,
            (&["n", "num-units"], true),
            (&["to"], true),
            (&["attach-storage"], true),
        ],
    )?;
    let app_name = match a.positional.as_slice() {
        [] => return Err(usage("no application specified")),
        [app] => app.clone(),
        [_, rest @ ..] => {
            let quoted: Vec<String> = rest.iter().map(|r| format!("{r:?}")).collect();
            return Err(usage(format!("unrecognized args: [{}]", quoted.join(" "))));
        }
    };
    let count: i64 = match a.get("num-units") {
        None => 1,
        Some(n) => n.parse().map_err(|_| {
            usage(format!(
                "invalid value {n:?} for option -n: strconv.ParseInt: parsing {n:?}: invalid syntax"
            ))
        })?,
    };
    if count < 1 {
        return Err(usage("--num-units must be a positive integer"));
    }
    if a.get("to").is_some() {
        return Err(usage(
            "--to is not supported: the local Juju has one machine, so there is nothing to choose",
        ));
    }
    if a.get("attach-storage").is_some() {
        return Err(usage(
            "--attach-storage is not supported: the local Juju keeps no detached storage to attach",
        ));
    }
    let count = u32::try_from(count).map_err(|_| usage("--num-units is too large"))?;
    let model = home.resolve_model(a.get("model"))?;
    let (numbers, info) = model.locked(|| {
        let mut app = model.app(&app_name)?;
        if app.dying {
            return Err(run_error(format!(
                "cannot add unit: application {app_name:?} is not alive"
            )));
        }
        let charm_dir = model.app_charm_dir(&app);
        let info = charm::read_info(&charm_dir)?;
        let lead = app.units.is_empty();
        let numbers = app.allocate_units(count);
        for (i, number) in numbers.iter().enumerate() {
            let unit_dir = model.unit_dir(&app_name, *number);
            fs::create_dir_all(&unit_dir)?;
            sys::copy_tree(&charm_dir, &unit_dir.join("charm"))?;
            let mut unit = UnitRecord::new(&app_name, *number, lead && i == 0);
            // A new unit gets the application's storage (`AddUnit`'s `createStorageOps`).
            unit.storage = crate::storage::create_for_unit_locked(
                &model,
                &unit_dir,
                &info.storage,
                &app.storage,
            )?;
            model.save_unit(&unit)?;
        }
        app.units.extend(numbers.iter().copied());
        model.save_app(&app)?;
        Ok((numbers, info))
    })?;
    let mut stderr = String::new();
    model.hooks_locked(|| {
        for number in numbers {
            stderr.push_str(&start_unit(&model, &app_name, number, &info)?);
        }
        let mut skip = settle::failed_units(&stderr);
        stderr.push_str(&settle::settle(&model, &mut skip)?);
        Ok(())
    })?;
    Ok(Output::err(stderr))
}

/// The removal commands' flags.
const REMOVE_FLAGS: FlagSpec = &[
    MODEL,
    (&["no-prompt"], false),
    (&["dry-run"], false),
    (&["destroy-storage"], false),
    (&["force"], false),
    (&["no-wait"], false),
    (&["num-units"], true),
];

fn parse_removal(args: &[String]) -> Result<Args> {
    let a = Args::parse(args, REMOVE_FLAGS)?;
    if a.has("no-wait") && !a.has("force") {
        return Err(usage("--no-wait without --force not valid"));
    }
    Ok(a)
}

/// `juju remove-unit UNIT…`: each unit runs `-storage-detaching` for its attached storage,
/// departs its relations (`-departed` for every member, then `-broken`), runs `stop` and
/// `remove`, and goes with its storage; the other units run `-departed`. `--destroy-storage`,
/// `--force` and `--no-wait` are accepted (storage always goes with its unit here, and removal
/// does not wait on anything).
pub fn remove_unit(home: &Home, args: &[String]) -> Result<Output> {
    let a = parse_removal(args)?;
    if a.get("num-units").is_some_and(|n| n != "0") {
        return Err(usage("--num-units for non k8s models not valid"));
    }
    if a.positional.is_empty() {
        return Err(usage("no units specified"));
    }
    if let Some(bad) = a.positional.iter().find(|n| !valid_unit_name(n)) {
        return Err(usage(format!("invalid unit name {bad:?}")));
    }
    let model = home.resolve_model(a.get("model"))?;
    let mut out = Output::default();
    let mut doomed = Vec::new();
    for name in &a.positional {
        let exists = name.split_once('/').is_some_and(|(app, n)| {
            n.parse::<u32>()
                .is_ok_and(|n| model.app(app).is_ok_and(|r| r.units.contains(&n)))
        });
        if exists {
            out.stdout.push_str(&format!("will remove unit {name}\n"));
            doomed.push(name.clone());
        } else {
            out.stderr.push_str(&format!(
                "ERROR removing unit {name} failed: unit {name:?} does not exist\n"
            ));
            out.code = 1;
        }
    }
    finish_removal(&model, out, a.has("dry-run"), || {
        for name in &doomed {
            let (app, number) = model.resolve_unit(name)?;
            mark_dying(&model, &app, number)?;
        }
        Ok(())
    })
}

/// `juju remove-application APP…`: its relations and units are dying; the units depart and
/// go, the other applications' units run `-departed` and `-broken`, and the application goes
/// with its last unit.
pub fn remove_application(home: &Home, args: &[String]) -> Result<Output> {
    let a = parse_removal(args)?;
    if a.positional.is_empty() {
        return Err(usage("no application specified"));
    }
    if let Some(bad) = a.positional.iter().find(|n| !valid_application_name(n)) {
        return Err(usage(format!("invalid application name {bad:?}")));
    }
    let model = home.resolve_model(a.get("model"))?;
    let mut out = Output::default();
    let mut doomed = Vec::new();
    for name in &a.positional {
        match model.app(name) {
            Ok(app) => {
                out.stdout
                    .push_str(&format!("will remove application {name}\n"));
                for n in &app.units {
                    out.stdout
                        .push_str(&format!("- will remove unit {name}/{n}\n"));
                }
                doomed.push(name.clone());
            }
            Err(_) => {
                out.stderr.push_str(&format!(
                    "ERROR removing application {name} failed: application {name:?} not found\n"
                ));
                out.code = 1;
            }
        }
    }
    finish_removal(&model, out, a.has("dry-run"), || {
        for name in &doomed {
            let units = model.locked(|| {
                let mut app = model.app(name)?;
                app.dying = true;
                model.save_app(&app)?;
                let mut relations = model.relations()?;
                for relation in &mut relations.relations {
                    if relation.endpoint_of(name).is_some() {
                        relation.dying = true;
                    }
                }
                model.save_relations(&relations)?;
                Ok(app.units.clone())
            })?;
            for number in units {
                mark_dying(&model, name, number)?;
            }
            // An application without units goes at once.
            model.locked(|| {
                let app = model.app(name)?;
                if app.units.is_empty() {
                    fs::remove_dir_all(model.app_dir(name))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// What both removals end with: with `--dry-run`, the plan (the errors under Juju's heading);
/// else, under the hooks lock, `doom` marks what goes dying and the hooks that follow run.
fn finish_removal(
    model: &Model,
    mut out: Output,
    dry_run: bool,
    doom: impl FnOnce() -> Result<()>,
) -> Result<Output> {
    if dry_run {
        out.stderr = format!(
            "This command will perform the following actions:\n{}",
            out.stderr
        );
        return Ok(out);
    }
    let failures = model.hooks_locked(|| {
        doom()?;
        let mut skip = Default::default();
        settle::settle(model, &mut skip)
    })?;
    out.stderr.push_str(&failures);
    Ok(out)
}

/// Marks a unit dying, under its lock: it departs its relations, runs `stop` and `remove`,
/// and goes, when the hooks settle.
fn mark_dying(model: &Model, app: &str, number: u32) -> Result<()> {
    let _lock = state::lock(&model.unit_dir(app, number).join("unit.lock"))?;
    let mut unit = model.unit(app, number)?;
    unit.dying = true;
    model.save_unit(&unit)
}
