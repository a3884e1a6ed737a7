//! What to pack, read from `charmcraft.yaml` and checked before anything is built: the charm's
//! name, the platforms (one `.charm` each) and the YAML files that go into the archive, derived
//! the way charmcraft derives them.

use std::fmt;

use serde_json::{Map, Value, json};

/// Bases charmcraft accepts (`charmcraft/const.py`).
pub const BASES: [&str; 10] = [
    "ubuntu@18.04",
    "ubuntu@20.04",
    "ubuntu@22.04",
    "ubuntu@24.04",
    "ubuntu@24.10",
    "ubuntu@25.04",
    "ubuntu@25.10",
    "ubuntu@26.04",
    "ubuntu@26.10",
    "almalinux@9",
];

pub use ops::schema::ARCHITECTURES;

/// metadata.yaml keys charmcraft copies from charmcraft.yaml (`CharmMetadata.from_charm`).
const METADATA_KEYS: [&str; 15] = [
    "name",
    "summary",
    "description",
    "assumes",
    "charm-user",
    "containers",
    "devices",
    "extra-bindings",
    "peers",
    "provides",
    "requires",
    "resources",
    "storage",
    "subordinate",
    "terms",
];

/// A `charmcraft.yaml` that cannot be packed, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackError {
    pub field: String,
    pub message: String,
}

impl PackError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        PackError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "field `{}`: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for PackError {}

/// One build-for platform and the archive it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The key under `platforms:`.
    pub name: String,
    /// `ubuntu`, `almalinux`.
    pub base_name: String,
    /// `24.04`.
    pub channel: String,
    /// Debian architecture (`amd64`).
    pub arch: String,
    /// `<name>_<platform>.charm`, `:` replaced by `-` as charmcraft does.
    pub charm_file_name: String,
}

/// Everything `pack` needs from `charmcraft.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct PackPlan {
    pub name: String,
    pub metadata: Map<String, Value>,
    pub actions: Option<Value>,
    pub config: Option<Value>,
    pub platforms: Vec<Platform>,
}

impl PackPlan {
    /// The YAML files of the archive for `platform`, sorted by name.
    pub fn files(&self, platform: &Platform) -> anyhow::Result<Vec<(String, String)>> {
        let manifest = json!({
            "bases": [{
                "name": platform.base_name,
                "channel": platform.channel,
                "architectures": [platform.arch],
            }]
        });
        let mut files = vec![
            ("manifest.yaml".to_owned(), render(&manifest)?),
            (
                "metadata.yaml".to_owned(),
                render(&Value::Object(self.metadata.clone()))?,
            ),
        ];
        if let Some(actions) = &self.actions {
            files.push(("actions.yaml".to_owned(), render(actions)?));
        }
        if let Some(config) = &self.config {
            files.push(("config.yaml".to_owned(), render(config)?));
        }
        files.sort();
        Ok(files)
    }
}

/// YAML with keys sorted at every level (charmcraft writes `yaml.safe_dump(sort_keys=True)`).
fn render(value: &Value) -> anyhow::Result<String> {
    let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX / 2 };
    serde_saphyr::to_string_with_options(&ops::schema::sorted(value.clone()), options)
        .map_err(|e| anyhow::anyhow!("cannot render YAML: {e}"))
}

/// Juju's charm-name rule: `^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`.
pub fn is_valid_charm_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let first = parts.next().unwrap_or_default();
    let lower_alnum = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    first.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
        && lower_alnum(first)
        && parts.all(|p| lower_alnum(p) && p.bytes().any(|b| b.is_ascii_lowercase()))
}

fn string<'a>(root: &'a Map<String, Value>, field: &str) -> Result<&'a str, PackError> {
    match root.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(PackError::new(field, "must not be empty")),
        None | Some(Value::Null) => Err(PackError::new(field, "is required")),
        Some(other) => Err(PackError::new(
            field,
            format!("must be a string, found {other}"),
        )),
    }
}

/// Splits `ubuntu@24.04` into `("ubuntu", "24.04")`, checking it is a base charmcraft knows.
fn split_base(field: &str, base: &str) -> Result<(String, String), PackError> {
    if !BASES.contains(&base) {
        return Err(PackError::new(
            field,
            format!(
                "unknown base {base:?}; expected one of {}",
                BASES.join(", ")
            ),
        ));
    }
    let (name, channel) = base.split_once('@').unwrap_or((base, ""));
    Ok((name.to_owned(), channel.to_owned()))
}

/// Reads and checks `charmcraft.yaml`.
pub fn plan(text: &str) -> Result<PackPlan, PackError> {
    let root = crate::sync::parse(text).map_err(|e| PackError::new("", e.to_string()))?;
    let Value::Object(root) = root else {
        return Err(PackError::new(
            "",
            "the document must be a mapping of keys (type, name, …)",
        ));
    };
    match root.get("type") {
        Some(Value::String(t)) if t == "charm" => {}
        Some(other) => {
            return Err(PackError::new(
                "type",
                format!("must be `charm`, found {other}"),
            ));
        }
        None => return Err(PackError::new("type", "is required (`type: charm`)")),
    }
    let name = string(&root, "name")?;
    if !is_valid_charm_name(name) {
        return Err(PackError::new(
            "name",
            format!(
                "{name:?} is not a valid charm name: lowercase letters, digits and hyphens, starting with a letter, every part after a hyphen containing a letter"
            ),
        ));
    }
    let summary = string(&root, "summary")?;
    if summary.chars().count() > 200 {
        return Err(PackError::new("summary", "must be at most 200 characters"));
    }
    string(&root, "description")?;
    if root.contains_key("bases") {
        return Err(PackError::new(
            "bases",
            "legacy `bases:` is not supported; use `base:` and `platforms:`",
        ));
    }
    let base = match root.get("base") {
        None | Some(Value::Null) => None,
        Some(Value::String(b)) => Some(split_base("base", b)?),
        Some(other) => {
            return Err(PackError::new(
                "base",
                format!("must be a string like ubuntu@24.04, found {other}"),
            ));
        }
    };
    let platforms = platforms(&root, base.as_ref(), name)?;

    let mut metadata = Map::new();
    for key in METADATA_KEYS {
        if let Some(value) = root.get(key) {
            metadata.insert(key.to_owned(), value.clone());
        }
    }
    if let Some(title) = root.get("title") {
        metadata.insert("display-name".into(), title.clone());
    }
    if let Some(links) = root.get("links") {
        let Value::Object(links) = links else {
            return Err(PackError::new("links", "must be a mapping"));
        };
        for (from, to) in [
            ("documentation", "docs"),
            ("issues", "issues"),
            ("source", "source"),
            ("website", "website"),
        ] {
            if let Some(v) = links.get(from) {
                metadata.insert(to.into(), v.clone());
            }
        }
        if let Some(contact) = links.get("contact") {
            let list = if contact.is_array() {
                contact.clone()
            } else {
                json!([contact])
            };
            metadata.insert("maintainers".into(), list);
        }
    }
    let actions = match root.get("actions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) if map.is_empty() => None,
        Some(v @ Value::Object(_)) => Some(v.clone()),
        Some(other) => {
            return Err(PackError::new(
                "actions",
                format!("must be a mapping of action names, found {other}"),
            ));
        }
    };
    let config = match root.get("config") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => {
            let Some(Value::Object(options)) = map.get("options") else {
                return Err(PackError::new("config", "must have an `options` mapping"));
            };
            for (option, body) in options {
                if body.get("type").and_then(Value::as_str).is_none() {
                    return Err(PackError::new(
                        &format!("config.options.{option}"),
                        "must have a `type`",
                    ));
                }
            }
            Some(Value::Object(map.clone()))
        }
        Some(other) => {
            return Err(PackError::new(
                "config",
                format!("must be a mapping, found {other}"),
            ));
        }
    };
    Ok(PackPlan {
        name: name.to_owned(),
        metadata,
        actions,
        config,
        platforms,
    })
}

fn platforms(
    root: &Map<String, Value>,
    base: Option<&(String, String)>,
    charm: &str,
) -> Result<Vec<Platform>, PackError> {
    let Some(Value::Object(platforms)) = root.get("platforms") else {
        return Err(PackError::new(
            "platforms",
            "is required, e.g. `platforms: {amd64: }`",
        ));
    };
    if platforms.is_empty() {
        return Err(PackError::new(
            "platforms",
            "must declare at least one platform",
        ));
    }
    let mut out = Vec::new();
    for (key, body) in platforms {
        let field = format!("platforms.{key}");
        // `ubuntu@22.04:amd64` carries its own base; a plain key is an architecture.
        let (platform_base, arch) = match body {
            Value::Null => match key.split_once(':') {
                Some((b, arch)) => {
                    if base.is_some() {
                        return Err(PackError::new(
                            &field,
                            "declares a base while a top-level `base` is declared",
                        ));
                    }
                    (Some(split_base(&field, b)?), arch.to_owned())
                }
                None => (None, key.clone()),
            },
            Value::Object(map) => {
                let first = match map.get("build-for") {
                    Some(Value::Array(items)) => items.first().and_then(Value::as_str),
                    Some(Value::String(s)) => Some(s.as_str()),
                    _ => None,
                };
                let Some(first) = first else {
                    return Err(PackError::new(
                        &field,
                        "must give `build-for` (e.g. [amd64])",
                    ));
                };
                match first.split_once(':') {
                    Some((b, arch)) => (Some(split_base(&field, b)?), arch.to_owned()),
                    None => (None, first.to_owned()),
                }
            }
            other => {
                return Err(PackError::new(
                    &field,
                    format!("must be empty or a mapping, found {other}"),
                ));
            }
        };
        if !ARCHITECTURES.contains(&arch.as_str()) {
            return Err(PackError::new(
                &field,
                format!(
                    "{arch:?} is not a valid Debian architecture ({}); specify build-on and build-for",
                    ARCHITECTURES.join(", ")
                ),
            ));
        }
        let Some((base_name, channel)) = platform_base.or_else(|| base.cloned()) else {
            return Err(PackError::new(
                "base",
                "is required when a platform does not name its base",
            ));
        };
        out.push(Platform {
            name: key.clone(),
            base_name,
            channel,
            arch,
            charm_file_name: format!("{charm}_{}.charm", key.replace(':', "-")),
        });
    }
    Ok(out)
}
