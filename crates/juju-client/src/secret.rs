//! Secrets: user secrets made and changed with [`Juju::add_secret`], [`Juju::update_secret`],
//! [`Juju::grant_secret`], [`Juju::revoke_secret`] and [`Juju::remove_secret`], and every secret
//! of the model read with [`Juju::show_secret`] (and its `--reveal` and `--revisions` forms) and
//! [`Juju::secrets`], as jubilant runs and parses them (`_juju.py`, `secrettypes.py`). Content
//! goes to the CLI in a temporary file, never on its command line.
//!
//! Times are the RFC 3339 text Juju prints (`2025-06-26T09:43:38Z`).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use serde::Deserialize;
use serde_json::{Map, Value};
use tempfile::NamedTempFile;

use crate::{Error, Juju};

/// A secret's URI (`secret:<xid>`, or `secret://<model-uuid>/<xid>` as charms see their own).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretUri(pub String);

impl SecretUri {
    /// The secret's xid, the 20 characters after `secret:` or the last `/`
    /// (jubilant's `SecretURI.unique_identifier`).
    pub fn unique_identifier(&self) -> &str {
        let s = self.0.as_str();
        if let Some((_, id)) = s.rsplit_once('/') {
            id
        } else {
            s.strip_prefix("secret:").unwrap_or(s)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for SecretUri {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// One grant of access to a secret (`access` in `show-secret`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SecretAccess {
    /// `application-<name>` or `unit-<name>-<n>`.
    pub target: String,
    /// `relation-<key>` or `model-<uuid>`.
    pub scope: String,
    pub role: String,
}

/// One revision of a secret (`show-secret --revisions`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SecretRevision {
    pub revision: u64,
    #[serde(default)]
    pub backend: String,
    pub created: String,
    pub updated: String,
    #[serde(default)]
    pub expires: Option<String>,
}

/// A secret's metadata (jubilant's `Secret`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SecretInfo {
    /// `secret:` and the key Juju printed (the xid).
    #[serde(skip)]
    pub uri: SecretUri,
    pub revision: u64,
    /// The owning application or unit, or `<model>` for a user secret.
    pub owner: String,
    pub created: String,
    pub updated: String,
    #[serde(default)]
    pub expires: Option<String>,
    #[serde(default)]
    pub rotation: Option<String>,
    #[serde(default)]
    pub rotates: Option<String>,
    /// A user secret's name.
    #[serde(default)]
    pub name: Option<String>,
    /// A charm secret's owner label.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub access: Option<Vec<SecretAccess>>,
    #[serde(default)]
    pub revisions: Option<Vec<SecretRevision>>,
}

/// A revealed secret (jubilant's `RevealedSecret`): the metadata, the content's checksum (empty
/// before Juju 3.6) and the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealedSecret {
    pub info: SecretInfo,
    pub checksum: String,
    pub content: BTreeMap<String, String>,
}

impl std::ops::Deref for RevealedSecret {
    type Target = SecretInfo;

    fn deref(&self) -> &SecretInfo {
        &self.info
    }
}

/// Options for [`Juju::update_secret`] (jubilant's keyword arguments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateSecretOptions {
    /// `--info`: a new description.
    pub info: Option<String>,
    /// `--name`: a new name.
    pub name: Option<String>,
    /// `--auto-prune`: Juju removes revisions no consumer tracks any more.
    pub auto_prune: bool,
}

/// The content as a JSON object of strings in a temporary file (`ReadSecretData` reads JSON
/// before YAML), removed when dropped.
fn content_file<K: AsRef<str>, V: AsRef<str>>(
    content: impl IntoIterator<Item = (K, V)>,
) -> Result<NamedTempFile, Error> {
    let map: Map<String, Value> = content
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_owned(), Value::String(v.as_ref().to_owned())))
        .collect();
    let mut file = NamedTempFile::new().map_err(|e| Error::Io(e.to_string()))?;
    file.write_all(Value::Object(map).to_string().as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| Error::Io(e.to_string()))?;
    Ok(file)
}

/// Secrets keyed by xid, as `show-secret` and `secrets` print them.
fn secrets_from(value: Value, argv: Vec<String>) -> Result<Vec<(SecretInfo, Value)>, Error> {
    let Value::Object(map) = value else {
        return Err(Error::Parse {
            argv,
            reason: "expected a JSON object of secrets".into(),
        });
    };
    map.into_iter()
        .map(|(id, raw)| {
            let mut info: SecretInfo =
                serde_json::from_value(raw.clone()).map_err(|e| Error::Parse {
                    argv: argv.clone(),
                    reason: e.to_string(),
                })?;
            info.uri = SecretUri(format!("secret:{id}"));
            Ok((info, raw))
        })
        .collect()
}

impl Juju {
    /// `juju add-secret NAME [--info INFO] --file F`: a user secret (owned by the model) with
    /// `content`; its URI.
    pub fn add_secret<K: AsRef<str>, V: AsRef<str>>(
        &self,
        name: impl AsRef<str>,
        content: impl IntoIterator<Item = (K, V)>,
        info: Option<&str>,
    ) -> Result<SecretUri, Error> {
        let file = content_file(content)?;
        let mut args: Vec<String> = vec!["add-secret".into(), name.as_ref().into()];
        if let Some(info) = info {
            args.extend(["--info".into(), info.into()]);
        }
        args.extend(["--file".into(), file.path().display().to_string()]);
        let output = self.cli(&args)?;
        Ok(SecretUri(output.stdout.trim().to_owned()))
    }

    /// `juju update-secret ID|NAME [--info] [--name] [--auto-prune] --file F`: new content (a
    /// new revision when it differs) and metadata.
    pub fn update_secret<K: AsRef<str>, V: AsRef<str>>(
        &self,
        identifier: impl AsRef<str>,
        content: impl IntoIterator<Item = (K, V)>,
        options: &UpdateSecretOptions,
    ) -> Result<(), Error> {
        let file = content_file(content)?;
        let mut args: Vec<String> = vec!["update-secret".into(), identifier.as_ref().into()];
        if let Some(info) = &options.info {
            args.extend(["--info".into(), info.clone()]);
        }
        if let Some(name) = &options.name {
            args.extend(["--name".into(), name.clone()]);
        }
        if options.auto_prune {
            args.push("--auto-prune".into());
        }
        args.extend(["--file".into(), file.path().display().to_string()]);
        self.cli(&args)?;
        Ok(())
    }

    /// `juju grant-secret ID|NAME APP[,APP…]`: the applications may read the secret (a charm
    /// reads it by URI, e.g. from a `secret` config option).
    pub fn grant_secret<S: AsRef<str>>(
        &self,
        identifier: impl AsRef<str>,
        apps: impl IntoIterator<Item = S>,
    ) -> Result<(), Error> {
        let apps: Vec<String> = apps.into_iter().map(|a| a.as_ref().to_owned()).collect();
        self.cli(["grant-secret", identifier.as_ref(), &apps.join(",")])?;
        Ok(())
    }

    /// `juju revoke-secret ID|NAME APP[,APP…]` (jubilant has no method for it).
    pub fn revoke_secret<S: AsRef<str>>(
        &self,
        identifier: impl AsRef<str>,
        apps: impl IntoIterator<Item = S>,
    ) -> Result<(), Error> {
        let apps: Vec<String> = apps.into_iter().map(|a| a.as_ref().to_owned()).collect();
        self.cli(["revoke-secret", identifier.as_ref(), &apps.join(",")])?;
        Ok(())
    }

    /// `juju remove-secret ID|NAME [--revision N]`: the secret, or one revision.
    pub fn remove_secret(
        &self,
        identifier: impl AsRef<str>,
        revision: Option<u64>,
    ) -> Result<(), Error> {
        let mut args: Vec<String> = vec!["remove-secret".into(), identifier.as_ref().into()];
        if let Some(revision) = revision {
            args.extend(["--revision".into(), revision.to_string()]);
        }
        self.cli(&args)?;
        Ok(())
    }

    fn show(&self, identifier: &str, extra: &[String]) -> Result<(SecretInfo, Value), Error> {
        let mut args: Vec<String> = vec![
            "show-secret".into(),
            identifier.into(),
            "--format".into(),
            "json".into(),
        ];
        args.extend(extra.iter().cloned());
        let output = self.cli(&args)?;
        let value = crate::cli::parse_json::<Value>(&output.stdout, output.argv.clone())?;
        secrets_from(value, output.argv.clone())?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Parse {
                argv: output.argv,
                reason: "no secret in the output".into(),
            })
    }

    /// `juju show-secret ID|NAME --format json`: the secret's metadata.
    pub fn show_secret(&self, identifier: impl AsRef<str>) -> Result<SecretInfo, Error> {
        Ok(self.show(identifier.as_ref(), &[])?.0)
    }

    /// `juju show-secret ID|NAME --format json --revisions`: with every revision's metadata.
    pub fn show_secret_revisions(&self, identifier: impl AsRef<str>) -> Result<SecretInfo, Error> {
        Ok(self
            .show(identifier.as_ref(), &["--revisions".to_owned()])?
            .0)
    }

    /// `juju show-secret ID|NAME --format json --reveal [--revision N]`: the metadata and the
    /// content of the latest revision, or of `revision`.
    pub fn reveal_secret(
        &self,
        identifier: impl AsRef<str>,
        revision: Option<u64>,
    ) -> Result<RevealedSecret, Error> {
        let mut extra = vec!["--reveal".to_owned()];
        if let Some(revision) = revision {
            extra.extend(["--revision".to_owned(), revision.to_string()]);
        }
        let (info, raw) = self.show(identifier.as_ref(), &extra)?;
        let content = raw
            .get("content")
            .and_then(|c| c.get("Data"))
            .and_then(Value::as_object)
            .map(|data| {
                data.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let checksum = raw
            .get("checksum")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(RevealedSecret {
            info,
            checksum,
            content,
        })
    }

    /// `juju secrets [--owner OWNER] --format json`: every secret of the model (the owner as a
    /// tag: `application-mysql`, `unit-mysql-0`, `model-<uuid>`).
    pub fn secrets(&self, owner: Option<&str>) -> Result<Vec<SecretInfo>, Error> {
        let mut args: Vec<String> = vec!["secrets".into()];
        if let Some(owner) = owner {
            args.extend(["--owner".into(), owner.into()]);
        }
        args.extend(["--format".into(), "json".into()]);
        let output = self.cli(&args)?;
        let value = crate::cli::parse_json::<Value>(&output.stdout, output.argv.clone())?;
        Ok(secrets_from(value, output.argv)?
            .into_iter()
            .map(|(info, _)| info)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_identifiers_are_jubilants() {
        // jubilant tests/unit/test_secret_uri.py test_unique_identifier (06572b5).
        let id = |s: &str| SecretUri(s.into()).unique_identifier().to_owned();
        assert_eq!(id("abc"), "abc");
        assert_eq!(id("secret:xyz"), "xyz");
        assert_eq!(id("secret://model-uuid/unique"), "unique");
    }
}
