//! [`Secret`]: a Juju secret's URI, also the type of a `secret` config option, read and
//! checked as Juju reads it.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// A Juju secret's URI (`secret:<id>`, or `secret://<model-uuid>/<id>` for a secret of another
/// model), where the id is 20 lowercase letters and digits.
///
/// It is also a config option of Juju's `secret` type (the schema says `type: secret`): read
/// the secret it names with [`Unit::secret_content`](crate::Unit::secret_content).
///
/// The field is the URI as given; [`Secret::parse`] checks it (and adds `secret:` to a bare
/// id), and every method that calls a hook tool with it checks it first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl JsonSchema for Secret {
    fn schema_name() -> Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "x-juju-type": "secret" })
    }
}

/// A string that is not a secret URI. Its `Display` and `Debug` show the string only when it
/// starts with `secret:` (anything else may be a value put where a URI belongs).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUriError {
    /// The string given.
    pub given: String,
}

impl SecretUriError {
    fn shown(&self) -> bool {
        self.given.trim_start().starts_with("secret:")
    }
}

impl fmt::Debug for SecretUriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SecretUriError");
        if self.shown() {
            debug.field("given", &self.given);
        } else {
            debug.field(
                "given",
                &format_args!("<{} characters>", self.given.chars().count()),
            );
        }
        debug.finish()
    }
}

impl fmt::Display for SecretUriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Juju's `secrets.ParseURI` message, for a string meant as a URI. Anything else may be
        // a value put where a URI belongs (a password in the wrong option): it is not shown.
        if self.shown() {
            write!(f, "secret URI {:?} not valid", self.given)
        } else {
            write!(
                f,
                "secret URI not valid: a string of {} characters that does not start with \
                 \"secret:\" (not shown, in case it is a secret value)",
                self.given.chars().count()
            )
        }
    }
}

impl std::error::Error for SecretUriError {}

/// 20 lowercase letters and digits: the id part of a secret URI (an `xid`).
fn is_secret_id(s: &str) -> bool {
    s.len() == 20
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A model UUID: `8-4-4-4-12` lowercase hexadecimal digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

impl Secret {
    /// Reads a secret URI: `secret:<id>`, `secret://<model-uuid>/<id>`, or a bare `<id>` (which
    /// becomes `secret:<id>`, as ops canonicalises it). Surrounding whitespace is dropped.
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::Secret;
    ///
    /// let secret = Secret::parse("secret:cj4v5vm78ohs79o84r4g").unwrap();
    /// assert_eq!(secret.id(), "cj4v5vm78ohs79o84r4g");
    /// assert_eq!(Secret::parse("cj4v5vm78ohs79o84r4g").unwrap(), secret);
    /// assert!(Secret::parse("secret:short").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Secret, SecretUriError> {
        let trimmed = s.trim();
        let invalid = || SecretUriError {
            given: s.to_owned(),
        };
        if is_secret_id(trimmed) {
            return Ok(Secret(format!("secret:{trimmed}")));
        }
        if let Some(rest) = trimmed.strip_prefix("secret://") {
            let (model, id) = rest.split_once('/').ok_or_else(invalid)?;
            return if is_uuid(model) && is_secret_id(id) {
                Ok(Secret(trimmed.to_owned()))
            } else {
                Err(invalid())
            };
        }
        match trimmed.strip_prefix("secret:") {
            Some(id) if is_secret_id(id) => Ok(Secret(trimmed.to_owned())),
            _ => Err(invalid()),
        }
    }

    /// The URI as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the URI is one [`Secret::parse`] accepts as it is.
    pub fn is_valid(&self) -> bool {
        Secret::parse(&self.0).is_ok_and(|parsed| parsed.0 == self.0)
    }

    /// The secret's unique id, the 20 characters after `secret:` or the model UUID (what
    /// `secret-ids` prints, and ops calls `unique_identifier`).
    pub fn id(&self) -> &str {
        let s = self.0.trim();
        let s = s.strip_prefix("secret:").unwrap_or(s);
        s.rsplit('/').next().unwrap_or(s)
    }

    /// The model UUID of a `secret://<model-uuid>/<id>` URI.
    pub fn model_uuid(&self) -> Option<&str> {
        let rest = self.0.trim().strip_prefix("secret://")?;
        rest.split_once('/').map(|(model, _)| model)
    }

    /// Whether `self` and `other` name the same secret (the same id, whichever form).
    pub fn same_secret(&self, other: &Secret) -> bool {
        self.id() == other.id()
    }

    /// The URI, checked ([`Secret::parse`]).
    pub(crate) fn checked(&self) -> Result<Secret, SecretUriError> {
        Secret::parse(&self.0)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Secret {
    type Err = SecretUriError;

    fn from_str(s: &str) -> Result<Secret, SecretUriError> {
        Secret::parse(s)
    }
}
