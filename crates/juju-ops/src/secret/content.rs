//! Secret content: [`SecretContent`] (a map whose `Debug` shows keys only), Juju's key rule,
//! and a serde type written as, and read from, content, with errors that name keys and never
//! values.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::databag::{self, DatabagErrorKind, Encoding};
use crate::messages::json_kind;

/// A secret's content: keys and string values, as `secret-get` prints them.
///
/// Its `Debug` lists the keys and hides the values, so a content type may be logged, asserted
/// on or put in an error without its values reaching the output. It is also a serde map, so
/// it can be what [`Unit::secret_content`](crate::Unit::secret_content) reads.
///
/// ```
/// # extern crate juju_ops as ops;
/// use ops::SecretContent;
///
/// let content = SecretContent::from_pairs([("username", "admin"), ("password", "hunter2")]);
/// assert_eq!(content.get("username"), Some("admin"));
/// assert_eq!(format!("{content:?}"), r#"SecretContent { keys: ["password", "username"], values: "<redacted>" }"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretContent(BTreeMap<String, String>);

impl SecretContent {
    pub fn new() -> SecretContent {
        SecretContent::default()
    }

    /// Content from key-value pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> SecretContent {
        SecretContent(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Sets `key` to `value`.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys and values. Whatever prints them prints the secret.
    pub fn expose(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// The keys and values, owned.
    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }

    /// `value` as content: each field of a struct (or entry of a map) is a key; a string is
    /// written as it is, any other value as JSON text, and a `None` field is left out. Keys
    /// are not checked here (see [`is_valid_key`]).
    pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<SecretContent, SecretEncodeError> {
        let value = serde_json::to_value(value).map_err(|_| SecretEncodeError::NotSerializable)?;
        let Value::Object(fields) = value else {
            return Err(SecretEncodeError::NotAMap {
                got: json_kind(&value),
            });
        };
        Ok(SecretContent(
            fields
                .into_iter()
                .filter_map(|(key, value)| match value {
                    Value::Null => None,
                    Value::String(s) => Some((key, s)),
                    other => Some((key, databag::python_json(&other))),
                })
                .collect(),
        ))
    }

    /// The content as a `T`: a struct whose fields are keys (keys it does not name are
    /// ignored; a value that is not a string field is read as JSON text), or a map.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, SecretDecodeError> {
        databag::decode_with(&self.0, Encoding::Plain).map_err(|e| match e.kind {
            DatabagErrorKind::Missing { field } => SecretDecodeError::Missing { key: field },
            // serde's message about a value may quote it: only the key is kept.
            DatabagErrorKind::Invalid { field, .. } => SecretDecodeError::Invalid { key: field },
            _ => SecretDecodeError::Other,
        })
    }
}

impl fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretContent")
            .field("keys", &self.0.keys().collect::<Vec<_>>())
            .field("values", &"<redacted>")
            .finish()
    }
}

impl From<BTreeMap<String, String>> for SecretContent {
    fn from(map: BTreeMap<String, String>) -> SecretContent {
        SecretContent(map)
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for SecretContent {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> SecretContent {
        SecretContent::from_pairs(iter)
    }
}

/// A value that cannot be written as secret content; it says what, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretEncodeError {
    /// The type's `Serialize` failed.
    NotSerializable,
    /// The value is not a struct with named fields or a map.
    NotAMap { got: &'static str },
}

impl fmt::Display for SecretEncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretEncodeError::NotSerializable => {
                f.write_str("the content could not be serialised (its value is not shown)")
            }
            SecretEncodeError::NotAMap { got } => write!(
                f,
                "secret content is written from a struct with named fields or a map, not {got}"
            ),
        }
    }
}

/// Content that does not decode into the type asked for; it names the key, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretDecodeError {
    /// A key the type requires is not in the content.
    Missing { key: String },
    /// A key's value does not decode as its field's type.
    Invalid { key: String },
    /// The type is not a struct of named fields or a map, or a check on the whole value failed.
    Other,
}

impl fmt::Display for SecretDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretDecodeError::Missing { key } => write!(f, "required key {key:?} is missing"),
            SecretDecodeError::Invalid { key } => write!(
                f,
                "the value of key {key:?} does not decode as its field's type (the value is not shown)"
            ),
            SecretDecodeError::Other => f.write_str(
                "the content does not decode into the type asked for, a struct with named fields \
                 or a map (the reason is not shown, as it may quote a value)",
            ),
        }
    }
}

/// Juju's rule for a secret key (`core/secrets`, and ops' `Secret._key_re`):
/// `^([a-z](?:-?[a-z0-9]){2,})$`, a lowercase letter, then at least two lowercase letters or
/// digits, each optionally after one hyphen.
///
/// ```
/// # extern crate juju_ops as ops;
/// use ops::is_valid_key;
///
/// assert!(is_valid_key("db-password"));
/// assert!(is_valid_key("tls2"));
/// for bad in ["ab", "-abc", "abc-", "a--bc", "Abc", "a_bc", "2abc", ""] {
///     assert!(!is_valid_key(bad), "{bad}");
/// }
/// ```
pub fn is_valid_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    if !bytes.next().is_some_and(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let mut groups = 0;
    let mut after_hyphen = false;
    for b in bytes {
        match b {
            b'-' if !after_hyphen => after_hyphen = true,
            b'a'..=b'z' | b'0'..=b'9' => {
                groups += 1;
                after_hyphen = false;
            }
            _ => return false,
        }
    }
    groups >= 2 && !after_hyphen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    struct Creds {
        username: String,
        port: u16,
        ca_cert: Option<String>,
    }

    #[test]
    fn the_key_rule_is_juju_s() {
        // `regexp.MustCompile("^([a-z](?:-?[a-z0-9]){2,})$")`, case by case.
        for good in [
            "abc", "a-b-c", "a1b", "username", "tls-ca-2", "a-bc", "ab-c",
        ] {
            assert!(is_valid_key(good), "{good}");
        }
        for bad in [
            "", "a", "ab", "a-b", "-ab", "ab-", "a--b", "a-b-", "Abc", "aBc", "1ab", "a_b", "a.b",
            "ab c", "é12",
        ] {
            assert!(!is_valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn content_round_trips_through_a_type() {
        let creds = Creds {
            username: "admin".into(),
            port: 5432,
            ca_cert: None,
        };
        let content = SecretContent::encode(&creds).unwrap();
        assert_eq!(
            content,
            SecretContent::from_pairs([("port", "5432"), ("username", "admin")])
        );
        assert_eq!(content.decode::<Creds>().unwrap(), creds);
        let map: BTreeMap<String, String> = content.decode().unwrap();
        assert_eq!(map.len(), 2);
        let again: SecretContent = content.decode().unwrap();
        assert_eq!(again, content);
    }

    #[test]
    fn errors_name_keys_and_never_values() {
        let content = SecretContent::from_pairs([("username", "admin"), ("port", "hunter2")]);
        let err = content.decode::<Creds>().unwrap_err();
        assert_eq!(err, SecretDecodeError::Invalid { key: "port".into() });
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!format!("{err:?}").contains("hunter2"));
        let err = SecretContent::from_pairs([("port", "1")])
            .decode::<Creds>()
            .unwrap_err();
        assert_eq!(
            err,
            SecretDecodeError::Missing {
                key: "username".into()
            }
        );
        assert_eq!(
            SecretContent::encode("hunter2").unwrap_err(),
            SecretEncodeError::NotAMap { got: "a string" }
        );
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        enum Level {
            Low,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct WithEnum {
            level: Level,
        }
        let err = SecretContent::from_pairs([("level", "hunter2")])
            .decode::<WithEnum>()
            .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn debug_hides_values() {
        let content = SecretContent::from_pairs([("password", "hunter2")]);
        let debug = format!("{content:?} {content:#?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("password"));
    }
}
