//! File resources, as Juju keeps them for a local charm on a machine model: the charm's
//! `metadata.yaml` `resources:` (Juju's `parseMetaResources` and `Meta.Validate`), the
//! `--resource name=path` checks `deploy` and `refresh` make before anything changes (Juju's
//! `CheckExpectedResources` and `CheckFile`), the application's store of uploaded files
//! (`<app dir>/resources/<name>/`), and the unit side of `resource-get`, which copies the
//! application's file to `<unit dir>/resources/<name>/<filename>` as Juju's uniter downloads it
//! under the agent directory.
//!
//! An uploaded resource has revision 0 and origin `upload`, as Juju's upload handler sets them
//! (`updateResource`); a resource never supplied has no file, and a local charm has no Charmhub
//! to fetch one from, so `resource-get` fails as Juju's no-op store client makes it fail.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Fail, Result, run_error, usage};
use crate::gofmt::go_quote;
use crate::state;

/// One resource the charm declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMeta {
    pub name: String,
    /// `file` or `oci-image`.
    pub kind: String,
    /// The file name the unit sees (`filename:`), empty for an `oci-image`.
    pub filename: String,
    pub description: String,
}

/// What the application holds for an uploaded resource (`record.json` beside the file).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub name: String,
    /// The path given to `--resource` or `attach-resource`.
    pub source: String,
    pub revision: u32,
    pub size: u64,
    /// Unix seconds of the upload.
    pub timestamp: i64,
    pub username: String,
}

/// Reads the `resources:` a charm directory's `metadata.yaml` declares, sorted by name, with
/// Juju's messages for a bad declaration.
pub fn declared(charm_dir: &Path) -> Result<Vec<ResourceMeta>> {
    let text = fs::read_to_string(charm_dir.join("metadata.yaml"))
        .map_err(|e| run_error(format!("cannot read metadata.yaml: {e}")))?;
    let metadata: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_saphyr::from_str(&text)
            .map_err(|e| run_error(format!("invalid metadata.yaml: {e}")))?
    };
    parse(metadata.get("resources").unwrap_or(&Value::Null))
}

/// Juju's `parseMetaResources` then `validateMetaResources` of a `resources:` value.
fn parse(value: &Value) -> Result<Vec<ResourceMeta>> {
    let map = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Object(map) => map,
        _ => return Err(run_error("metadata: resources: expected map, got list")),
    };
    let mut out = Vec::new();
    for (name, body) in map {
        let empty = Map::new();
        let body = match body {
            Value::Null => &empty,
            Value::Object(body) => body,
            other => {
                return Err(run_error(format!(
                    "metadata: resources.{name}: expected map, got {}",
                    go_type(other)
                )));
            }
        };
        let field = |key: &str, default: &str| -> Result<String> {
            match body.get(key) {
                None | Some(Value::Null) => Ok(default.to_owned()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(other) => Err(run_error(format!(
                    "metadata: resources.{name}.{key}: expected string, got {}",
                    go_type(other)
                ))),
            }
        };
        let meta = ResourceMeta {
            name: name.clone(),
            kind: field("type", "file")?,
            filename: field("filename", "")?,
            description: field("description", "")?,
        };
        if meta.kind != "file" && meta.kind != "oci-image" {
            return Err(run_error(format!(
                "unsupported resource type {}",
                go_quote(&meta.kind)
            )));
        }
        if meta.kind == "file" && meta.filename.is_empty() {
            return Err(run_error("resource missing filename"));
        }
        if meta.kind == "file" && meta.filename.contains('/') {
            return Err(run_error(format!(
                "filename cannot contain \"/\" (got {})",
                go_quote(&meta.filename)
            )));
        }
        out.push(meta);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// How Go's schema package names a YAML value's type.
fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
        Value::String(_) => "string",
        Value::Null => "nothing",
    }
}

/// The `--resource name=path` values, as Juju's `stringMap` flag reads them: a value without
/// `=` or a name given twice is a flag error (exit 2).
pub fn flag_pairs(values: &[&str]) -> Result<Vec<(String, String)>> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for value in values {
        let invalid = |message: String| {
            usage(format!(
                "invalid value {} for option --resource: {message}",
                go_quote(value)
            ))
        };
        let Some((name, path)) = value.split_once('=') else {
            return Err(invalid(format!("badly formatted name value pair: {value}")));
        };
        if pairs.iter().any(|(n, _)| n == name) {
            return Err(invalid(format!(
                "duplicate name specified: {}",
                go_quote(name)
            )));
        }
        pairs.push((name.to_owned(), path.to_owned()));
    }
    Ok(pairs)
}

/// Juju's checks of the supplied resources before the model changes: every name declared
/// (`unrecognized resource "x"`), then each file there (`file for resource "x": stat …`).
/// An `oci-image` is a Kubernetes resource, refused here by name.
pub fn check_supplied(declared: &[ResourceMeta], pairs: &[(String, String)]) -> Result<()> {
    let unknown: Vec<&str> = pairs
        .iter()
        .filter(|(name, _)| !declared.iter().any(|m| &m.name == name))
        .map(|(name, _)| name.as_str())
        .collect();
    match unknown.as_slice() {
        [] => {}
        [one] => {
            return Err(run_error(format!(
                "unrecognized resource {}",
                go_quote(one)
            )));
        }
        many => {
            return Err(run_error(format!(
                "unrecognized resources: {}",
                many.join(", ")
            )));
        }
    }
    for (name, path) in pairs {
        let meta = meta_of(declared, name)?;
        check_file(meta, path, |e| {
            run_error(format!("file for resource {}: {e}", go_quote(name)))
        })?;
    }
    Ok(())
}

fn meta_of<'a>(declared: &'a [ResourceMeta], name: &str) -> Result<&'a ResourceMeta> {
    declared
        .iter()
        .find(|m| m.name == name)
        .ok_or_else(|| run_error(format!("unrecognized resource {}", go_quote(name))))
}

/// The file checks of an upload: an `oci-image` is refused, the file must exist (Go's `stat`
/// message through `missing`), and its extension must be the declared filename's (Juju's
/// upload handler: `incorrect extension on resource upload …`).
pub fn check_file(meta: &ResourceMeta, path: &str, missing: impl Fn(String) -> Fail) -> Result<()> {
    if meta.kind == "oci-image" {
        return Err(run_error(format!(
            "resource {} is an oci-image resource: container images are for Kubernetes models, and juju-local runs machine charms with file resources only",
            go_quote(&meta.name)
        )));
    }
    match fs::metadata(path) {
        Ok(info) if info.is_dir() => {
            return Err(missing(format!("read {path}: is a directory")));
        }
        Ok(_) => {}
        Err(e) => return Err(missing(format!("stat {path}: {}", go_io_error(&e)))),
    }
    let expected = go_ext(&meta.filename);
    if go_ext(path) != expected {
        return Err(run_error(format!(
            "incorrect extension on resource upload {}, expected {}",
            go_quote(path),
            go_quote(expected)
        )));
    }
    Ok(())
}

/// Go's `path.Ext`: the suffix from the last dot of the last element, or empty.
fn go_ext(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.rfind('.').map_or("", |i| &base[i..])
}

/// An I/O error as Go's `syscall.Errno` prints it (`no such file or directory`).
pub fn go_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = e.to_string();
            text.split(" (os error")
                .next()
                .unwrap_or(&text)
                .to_lowercase()
        }
    }
}

/// The application's store of one resource.
fn store_dir(app_dir: &Path, name: &str) -> PathBuf {
    app_dir.join("resources").join(name)
}

/// Stores `path` as the application's resource `name` (revision 0, origin upload, by admin):
/// the file is copied beside its record, each replaced atomically.
pub fn store(app_dir: &Path, name: &str, path: &str) -> Result<Stored> {
    let bytes =
        fs::read(path).map_err(|e| run_error(format!("open {path}: {}", go_io_error(&e))))?;
    let dir = store_dir(app_dir, name);
    state::write_atomic(&dir.join("content"), &bytes)?;
    let record = Stored {
        name: name.to_owned(),
        source: path.to_owned(),
        revision: 0,
        size: bytes.len() as u64,
        timestamp: state::now().0,
        username: "admin".into(),
    };
    state::write_json(&dir.join("record.json"), &record)?;
    Ok(record)
}

/// What the application holds for resource `name`, if it was ever supplied.
pub fn stored(app_dir: &Path, name: &str) -> Option<Stored> {
    let dir = store_dir(app_dir, name);
    if !dir.join("content").is_file() {
        return None;
    }
    state::read_json(&dir.join("record.json")).ok()
}

/// `resource-get NAME` in the unit's process, once the agent has accepted the call: finds the
/// unit from `JUJU_CHARM_DIR` (the unit's `charm/`), copies the application's file to
/// `<unit dir>/resources/NAME/FILENAME` and returns that path (printed without a newline, as
/// Juju prints it). An undeclared or never-supplied resource fails with the error Juju's
/// controller returns, under the tool's `could not download resource` (exit 1).
pub fn resource_get(name: &str) -> Result<String> {
    let var = |key: &str| std::env::var(key).unwrap_or_default();
    let charm_dir = PathBuf::from(var("JUJU_CHARM_DIR"));
    let (Some(unit_dir), unit_name) = (charm_dir.parent(), var("JUJU_UNIT_NAME")) else {
        return Err(run_error(
            "could not download resource: JUJU_CHARM_DIR not set",
        ));
    };
    let Some(app_dir) = unit_dir.parent() else {
        return Err(run_error(
            "could not download resource: JUJU_CHARM_DIR not set",
        ));
    };
    let app = unit_name.split('/').next().unwrap_or_default().to_owned();
    let failed = |reason: String| {
        run_error(format!(
            "could not download resource: HTTP request failed: Get \"https://127.0.0.1:17070/model/{}/units/unit-{}/resources/{name}\": {reason}",
            var("JUJU_MODEL_UUID"),
            unit_name.replace('/', "-"),
        ))
    };
    let declared = declared(&charm_dir)
        .map_err(|e| run_error(format!("could not download resource: {}", e.message)))?;
    let Some(meta) = declared.iter().find(|m| m.name == name) else {
        return Err(failed(format!("resource#{app}/{name} not found")));
    };
    let Some(_) = stored(app_dir, name) else {
        return Err(failed(format!(
            "getting resource from charmhub: resource {} not found",
            go_quote(name)
        )));
    };
    let bytes = fs::read(store_dir(app_dir, name).join("content"))
        .map_err(|e| run_error(format!("could not download resource: {e}")))?;
    let dest = unit_dir.join("resources").join(name).join(&meta.filename);
    if fs::read(&dest).ok().as_deref() != Some(bytes.as_slice()) {
        state::write_atomic(&dest, &bytes)
            .map_err(|e| run_error(format!("could not download resource: {}", e.message)))?;
    }
    Ok(dest.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(yaml: &str) -> Result<Vec<ResourceMeta>> {
        parse(&serde_saphyr::from_str::<Value>(yaml).unwrap())
    }

    #[test]
    fn declarations_read_as_juju_reads_them() {
        let metas = parsed("b: {type: file, filename: b.tgz, description: d}\na: {filename: a}\nimg: {type: oci-image}\n").unwrap();
        let names: Vec<&str> = metas.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "img"]);
        assert_eq!(metas[0].kind, "file");
        assert_eq!(metas[1].description, "d");
        assert_eq!(
            parsed("a: {type: blob, filename: x}").unwrap_err().message,
            "unsupported resource type \"blob\""
        );
        assert_eq!(
            parsed("a: {type: file}").unwrap_err().message,
            "resource missing filename"
        );
        assert_eq!(
            parsed("a: {filename: x/y}").unwrap_err().message,
            "filename cannot contain \"/\" (got \"x/y\")"
        );
    }

    #[test]
    fn flag_values_need_a_name_and_no_repeats() {
        assert_eq!(
            flag_pairs(&["a=/x=y"]).unwrap(),
            [("a".to_owned(), "/x=y".to_owned())]
        );
        let e = flag_pairs(&["nope"]).unwrap_err();
        assert_eq!(e.code, 2);
        assert_eq!(
            e.message,
            "invalid value \"nope\" for option --resource: badly formatted name value pair: nope"
        );
        let e = flag_pairs(&["a=1", "a=2"]).unwrap_err();
        assert!(
            e.message.ends_with("duplicate name specified: \"a\""),
            "{e}"
        );
    }

    #[test]
    fn extensions_compare_as_go_path_ext() {
        assert_eq!(go_ext("/tmp/x.tar.gz"), ".gz");
        assert_eq!(go_ext("/tmp.d/x"), "");
        assert_eq!(go_ext("a.txt"), ".txt");
    }
}
