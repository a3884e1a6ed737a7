//! Charm archives: unpacking a `.charm` safely (as Juju's `ExpandTo` does, refusing anything that
//! escapes the charm directory), and reading `metadata.yaml`, `actions.yaml` and `config.yaml`.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use crate::charm_rules::{self, CharmRefusal};
use crate::error::{Result, run_error};
use crate::{gofmt, secret_uri};

/// What the local Juju needs to know about an unpacked charm.
#[derive(Debug, Clone, Default)]
pub struct CharmInfo {
    pub name: String,
    /// `actions.yaml`: action name → spec.
    pub actions: Map<String, Value>,
    /// `config.yaml` `options`: name → `{type, default, description}`.
    pub options: Map<String, Value>,
    /// The relation endpoints `metadata.yaml` declares.
    pub endpoints: Vec<crate::relation::EndpointMeta>,
    /// The stores `metadata.yaml` declares (`storage:`).
    pub storage: Vec<crate::storage::StorageMeta>,
    /// The names under `extra-bindings:`.
    pub extra_bindings: Vec<String>,
}

/// Whether a zip entry name stays inside the charm directory.
fn safe_relative(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// Unpacks `archive` into `dest` (which must not exist). Files keep the Unix modes recorded in the
/// zip; nothing is made executable that the archive did not mark so. On any error nothing is
/// left at `dest`.
pub fn unpack(archive: &Path, dest: &Path) -> Result<()> {
    let bytes = fs::read(archive)
        .map_err(|e| run_error(format!("cannot read charm {}: {e}", archive.display())))?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| run_error(format!("invalid charm archive {}: {e}", archive.display())))?;
    let staging = dest.with_extension("unpacking");
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    let result = extract(&mut zip, &staging);
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if !staging.join("metadata.yaml").is_file() {
        let _ = fs::remove_dir_all(&staging);
        return Err(run_error(
            "invalid charm archive: archive file \"metadata.yaml\" not found",
        ));
    }
    fs::rename(&staging, dest)?;
    Ok(())
}

fn extract(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, root: &Path) -> Result<()> {
    fs::create_dir_all(root)?;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| run_error(format!("invalid charm archive: {e}")))?;
        let raw = entry
            .name()
            .map_err(|e| run_error(format!("invalid charm archive: {e}")))?
            .into_owned();
        let Some(relative) = safe_relative(&raw) else {
            return Err(run_error(format!(
                "invalid charm archive: entry {raw:?} escapes the charm directory"
            )));
        };
        let path = root.join(&relative);
        if entry.is_dir() {
            fs::create_dir_all(&path)?;
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut content = Vec::new();
        entry
            .read_to_end(&mut content)
            .map_err(|e| run_error(format!("invalid charm archive: entry {raw:?}: {e}")))?;
        if entry.is_symlink() {
            let target = String::from_utf8_lossy(&content).into_owned();
            let base = relative.parent().unwrap_or(Path::new(""));
            let joined = base.join(&target);
            if Path::new(&target).is_absolute()
                || safe_relative(&joined.to_string_lossy()).is_none()
            {
                return Err(run_error(format!(
                    "invalid charm archive: symlink {raw:?} points to {target:?}, outside the charm directory"
                )));
            }
            std::os::unix::fs::symlink(&target, &path)?;
            continue;
        }
        fs::write(&path, &content)?;
        let mode = entry.unix_mode().map_or(0o644, |m| m & 0o777);
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

/// Parses a YAML file of the charm into JSON values (`None` when absent).
fn read_yaml(dir: &Path, name: &str) -> Result<Option<Value>> {
    let path = dir.join(name);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(run_error(format!("cannot read {name}: {e}"))),
    };
    if text.trim().is_empty() {
        return Ok(Some(Value::Object(Map::new())));
    }
    serde_saphyr::from_str::<Value>(&text)
        .map(Some)
        .map_err(|e| run_error(format!("invalid {name}: {e}")))
}

/// Reads the charm's metadata, actions and config from an unpacked charm directory.
pub fn read_info(dir: &Path) -> Result<CharmInfo> {
    let Some(Value::Object(metadata)) = read_yaml(dir, "metadata.yaml")? else {
        return Err(run_error(
            "charm missing from disk: metadata.yaml not found or not a mapping",
        ));
    };
    let name = metadata
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| run_error("metadata: name: expected string"))?
        .to_owned();
    for key in ["summary", "description"] {
        if !metadata.get(key).is_some_and(Value::is_string) {
            return Err(run_error(format!("metadata: {key}: expected string")));
        }
    }
    let actions = match read_yaml(dir, "actions.yaml")? {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(run_error(
                "invalid actions.yaml: expected a mapping of action names",
            ));
        }
    };
    let options = match read_yaml(dir, "config.yaml")? {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(mut map)) => match map.remove("options") {
            Some(Value::Object(options)) => options,
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err(run_error("invalid config.yaml: options must be a mapping")),
        },
        Some(_) => return Err(run_error("invalid config.yaml: expected a mapping")),
    };
    let endpoints = crate::relation::endpoints(&metadata)?;
    let storage = crate::storage::stores(&metadata).map_err(run_error)?;
    let extra_bindings = match metadata.get("extra-bindings") {
        Some(Value::Object(bindings)) => bindings.keys().cloned().collect(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(run_error(
                "metadata: extra-bindings: expected map, got something else",
            ));
        }
    };
    Ok(CharmInfo {
        name,
        actions,
        options,
        endpoints,
        storage,
        extra_bindings,
    })
}

/// Reads a charm file as YAML for Juju's checks: `None` when absent, `Null` when empty.
fn read_raw(dir: &Path, name: &str) -> std::result::Result<Option<Value>, CharmRefusal> {
    let text = match fs::read_to_string(dir.join(name)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refusal(format!("cannot read {name}: {e}"))),
    };
    if text.trim().is_empty() {
        return Ok(Some(Value::Null));
    }
    serde_saphyr::from_str::<Value>(&text)
        .map(Some)
        .map_err(|e| refusal(format!("yaml: {name}: {e}")))
}

fn refusal(message: String) -> CharmRefusal {
    CharmRefusal {
        message,
        bare: false,
    }
}

/// Juju's checks of an unpacked charm before `deploy` or `refresh` touches the model: manifest
/// bases, `config.yaml` types and defaults, `actions.yaml` names and schemas
/// ([`crate::charm_rules`]).
pub fn validate(dir: &Path) -> std::result::Result<(), CharmRefusal> {
    let metadata = match read_raw(dir, "metadata.yaml")? {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let manifest = read_raw(dir, "manifest.yaml")?;
    let config = read_raw(dir, "config.yaml")?;
    let actions = read_raw(dir, "actions.yaml")?;
    charm_rules::check(
        &metadata,
        manifest.as_ref(),
        config.as_ref(),
        actions.as_ref(),
    )
}

impl CharmInfo {
    /// Config as `config-get` sees it: defaults overridden by the values set on the application.
    pub fn effective_config(&self, set: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, option) in &self.options {
            let value = set
                .get(name)
                .or_else(|| option.get("default"))
                .cloned()
                .unwrap_or(Value::Null);
            out.insert(name.clone(), value);
        }
        out
    }

    /// The type of option `key` as Juju reads it (`string` when missing), or `None` for an
    /// unknown option.
    pub fn option_type(&self, key: &str) -> Option<String> {
        let option = self.options.get(key)?;
        Some(match option {
            Value::Object(body) => charm_rules::option_type(body),
            _ => "string".to_owned(),
        })
    }

    /// Parses a `k=v` config value by the option's type, as Juju's `ParseSettingsStrings` does
    /// (`strconv.ParseInt`/`ParseFloat`/`ParseBool`; strings and secrets as given).
    pub fn parse_config_value(&self, key: &str, raw: &str) -> Result<Value> {
        let Some(kind) = self.option_type(key) else {
            return Err(run_error(format!("unknown option \"{key}\"")));
        };
        let bad = || {
            run_error(format!(
                "option \"{key}\" expected {kind}, got {}",
                gofmt::go_quote(raw)
            ))
        };
        Ok(match kind.as_str() {
            "int" => Value::from(raw.parse::<i64>().map_err(|_| bad())?),
            "float" => serde_json::Number::from_f64(go_parse_float(raw).ok_or_else(bad)?)
                .map(Value::Number)
                .ok_or_else(bad)?,
            "boolean" => Value::Bool(charm_rules::go_parse_bool(raw).ok_or_else(bad)?),
            _ => Value::String(raw.to_owned()),
        })
    }

    /// Juju's checks of secret-typed values after parsing: `secrets.ParseURI`
    /// (`invalid secret URI for option …`), then the option's checker, which needs the
    /// `secret:` scheme (`updating charm config settings: option … expected secret, got …`).
    pub fn check_secret_values(&self, values: &Map<String, Value>) -> Result<()> {
        for (key, value) in values {
            let Some(text) = value.as_str() else { continue };
            if self.option_type(key).as_deref() != Some("secret") || text.is_empty() {
                continue;
            }
            if let Err(e) = secret_uri::parse(text) {
                return Err(run_error(format!(
                    "invalid secret URI for option \"{key}\": {e}"
                )));
            }
            if !ops::Secret::has_secret_scheme(text) {
                return Err(run_error(format!(
                    "updating charm config settings: option \"{key}\" expected secret, got {}",
                    gofmt::go_quote(text)
                )));
            }
        }
        Ok(())
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for finite values (JSON has no NaN or infinities).
fn go_parse_float(raw: &str) -> Option<f64> {
    let lower = raw.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if body.starts_with("inf") || body.starts_with("nan") || body.contains('_') {
        return None;
    }
    raw.parse::<f64>().ok().filter(|f| f.is_finite())
}
