//! `juju attach-resource` and `juju resources`, for the file resources of a local charm
//! ([`crate::resources`]). Attaching a file replaces the application's resource and, as Juju's
//! uniter does when a resource changes (the application's charm-modified version goes up), runs
//! `upgrade-charm` on every unit.

use serde_json::{Value, json};

use super::hooks::run_plain_hook;
use super::settle;
use super::{FORMAT, MODEL, Output, json_or_yaml, unknown_format, unrecognized};
use crate::args::Args;
use crate::charm;
use crate::error::{Result, run_error, usage};
use crate::gofmt::go_quote;
use crate::resources::{self, ResourceMeta};
use crate::state::{self, Model};

/// Whether a name is a valid application name (Juju's `names.IsValidApplication`).
fn valid_application(name: &str) -> bool {
    let mut segments = name.split('-');
    let first_ok = segments
        .next()
        .is_some_and(|s| s.starts_with(|c: char| c.is_ascii_lowercase()));
    first_ok
        && name.split('-').all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && !s.chars().all(|c| c.is_ascii_digit())
        })
}

/// The resources the application's charm declares (read from its first unit's charm).
fn app_declared(model: &Model, app_name: &str) -> Result<Vec<ResourceMeta>> {
    let app = model.app(app_name)?;
    let Some(number) = app.units.first() else {
        return Ok(Vec::new());
    };
    resources::declared(&model.unit_dir(app_name, *number).join("charm"))
}

/// `juju attach-resource APP name=path`: Juju's argument checks (exit 2), then the upload
/// (`failed to upload resource "x": …` when the file or name is wrong), then `upgrade-charm`
/// on each unit. Prints nothing on success, as Juju does.
pub fn attach_resource(home: &state::Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[MODEL])?;
    let (app_name, arg) = match a.positional.as_slice() {
        [] => return Err(usage("missing application name")),
        [_] => return Err(usage("no resource specified")),
        [app, arg, rest @ ..] => {
            if !valid_application(app) {
                return Err(usage(format!("application {} not valid", go_quote(app))));
            }
            (app.clone(), parse_value_arg(arg, rest)?)
        }
    };
    let (name, path) = arg;
    let model = home.resolve_model(a.get("model"))?;
    let declared = app_declared(&model, &app_name)?;
    let failed = |message: String| {
        run_error(format!(
            "failed to upload resource {}: {message}",
            go_quote(&name)
        ))
    };
    if let Err(e) = std::fs::File::open(&path) {
        return Err(failed(format!(
            "open {path}: {}",
            resources::go_io_error(&e)
        )));
    }
    let Some(meta) = declared.iter().find(|m| m.name == name) else {
        return Err(failed(format!(
            "application {} has no resource {}",
            go_quote(&app_name),
            go_quote(&name)
        )));
    };
    // The file was opened above; what is left is the type and the extension.
    resources::check_file(meta, &path, failed).map_err(|e| failed(e.message))?;
    let app = model.app(&app_name)?;
    resources::store(&model.app_dir(&app_name), &name, &path).map_err(|e| failed(e.message))?;
    let mut stderr = String::new();
    model.hooks_locked(|| {
        for number in app.units.clone() {
            let unit_dir = model.unit_dir(&app_name, number);
            let _lock = state::lock(&unit_dir.join("unit.lock"))?;
            let info = charm::read_info(&unit_dir.join("charm"))?;
            if !run_plain_hook(&model, &app, &info, number, "upgrade-charm")? {
                stderr.push_str(&format!(
                    "unit {app_name}/{number}: hook failed: \"upgrade-charm\"\n"
                ));
            }
        }
        let mut skip = settle::failed_units(&stderr);
        stderr.push_str(&settle::settle(&model, &mut skip)?);
        Ok(())
    })?;
    Ok(Output::err(stderr))
}

/// `name=value` as Juju's `parseResourceValueArg` reads it, then no further arguments.
fn parse_value_arg(arg: &str, rest: &[String]) -> Result<(String, String)> {
    let bad = |m: &str| usage(format!("bad resource arg {}: {m}", go_quote(arg)));
    let Some((name, value)) = arg.split_once('=') else {
        return Err(bad("expected name=path format"));
    };
    if name.is_empty() {
        return Err(bad("missing resource name"));
    }
    if value.is_empty() {
        return Err(bad("missing resource value"));
    }
    if !rest.is_empty() {
        return Err(unrecognized(rest));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// `juju resources APP [--format tabular|json|yaml]`: each declared resource with who supplied
/// it and its revision (an upload shows its time, as Juju's `combinedRevision` does; a resource
/// never supplied shows `-`), or Juju's formatted records as JSON or YAML.
pub fn list(home: &state::Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[MODEL, FORMAT, (&["details"], false)])?;
    let app_name = match a.positional.as_slice() {
        [app] => app.clone(),
        [] => return Err(usage("missing application or unit name")),
        [_, rest @ ..] => return Err(unrecognized(rest)),
    };
    let model = home.resolve_model(a.get("model"))?;
    let declared = app_declared(&model, &app_name)?;
    let app_dir = model.app_dir(&app_name);
    let mut records = Vec::new();
    let mut rows = vec![(
        "Resource".to_owned(),
        "Supplied by".to_owned(),
        "Revision".to_owned(),
    )];
    for meta in &declared {
        let stored = resources::stored(&app_dir, &meta.name);
        let mut record = json!({
            "name": meta.name,
            "type": meta.kind,
            "path": meta.filename,
            "fingerprint": "",
            "size": 0,
            "origin": "store",
            "used": false,
        });
        if !meta.description.is_empty() {
            record["description"] = Value::String(meta.description.clone());
        }
        match &stored {
            Some(s) => {
                let when = time_of(s.timestamp);
                record["revision"] = Value::String(s.revision.to_string());
                record["size"] = Value::from(s.size);
                record["origin"] = Value::String("upload".into());
                record["used"] = Value::Bool(true);
                record["timestamp"] = Value::String(when.0);
                record["username"] = Value::String(s.username.clone());
                rows.push((meta.name.clone(), s.username.clone(), when.1));
            }
            None => {
                record["revision"] = Value::String("-".into());
                rows.push((meta.name.clone(), "store".into(), "-".into()));
            }
        }
        records.push(record);
    }
    let value = json!({ "resources": records });
    Ok(Output::out(match a.get("format") {
        None | Some("tabular") => {
            if declared.is_empty() {
                return Ok(Output::err("No resources to display.\n"));
            }
            table(&rows)
        }
        Some(f @ ("json" | "yaml")) => json_or_yaml(&value, Some(f)),
        Some(other) => return Err(unknown_format(other)),
    }))
}

/// A Unix time as RFC 3339 (JSON's `time.Time`) and as Juju's tabular revision of an upload
/// (Go layout `2006-02-01T15:04`: year, day, month).
fn time_of(secs: i64) -> (String, String) {
    let t = crate::state::utc(secs);
    (
        crate::state::rfc3339(secs),
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            t.year(),
            t.day(),
            u8::from(t.month()),
            t.hour(),
            t.minute()
        ),
    )
}

/// Columns as Juju's tab writer lays them out: each padded to its widest cell plus one space.
fn table(rows: &[(String, String, String)]) -> String {
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (a, b, c) in rows {
        out.push_str(&format!("{a:<w0$}  {b:<w1$}  {c}\n"));
    }
    out
}
