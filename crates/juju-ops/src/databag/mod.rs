//! Typed databags: a Rust struct as one of the string-to-string maps Juju keeps (relation
//! databags, leader settings, charm state), in the encodings Python charms put on the wire.
//!
//! A [`Databag`] type is a struct deriving `Serialize` and `Deserialize`; each field is one key.
//! [`Encoding::Json`] (the default) is what ops' `Relation.save`/`Relation.load` do: every field
//! JSON-encoded on its own, so the string `x` is stored as `"x"`, quotes included.
//! [`Encoding::Plain`] is what the data-platform libraries (`data_interfaces`) write: strings
//! raw, any other value (list, number, boolean, map) as JSON text. Either way the JSON text is
//! what Python's `json.dumps` writes with its defaults (`", "` and `": "` separators, non-ASCII
//! escaped), so a Rust charm writes the bytes its Python counterpart writes.
//!
//! Writing ([`encode`]): a `None` field becomes `""`, which deletes the key (Juju's rule, and
//! what ops writes for an unset field); keys the type does not name are left as they are (they
//! are not in the map written). Reading ([`decode`]): keys the type does not name are ignored
//! (a unit's bag always holds Juju's `private-address`, `ingress-address` and `egress-subnets`);
//! a field that is present but does not decode is [`DatabagErrorKind::Invalid`] naming the
//! field, a missing required field is [`DatabagErrorKind::Missing`].
//!
//! ```
//! # extern crate juju_ops as ops;
//! use std::collections::BTreeMap;
//! use ops::databag::{self, Databag, Encoding};
//!
//! /// What a `database_client` requirer writes into its application bag (data_interfaces v0).
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! #[serde(rename_all = "kebab-case")]
//! struct DatabaseRequest {
//!     database: String,
//!     requested_secrets: Vec<String>,
//!     extra_user_roles: Option<String>,
//! }
//!
//! impl Databag for DatabaseRequest {
//!     const ENCODING: Encoding = Encoding::Plain;
//! }
//!
//! let request = DatabaseRequest {
//!     database: "app".into(),
//!     requested_secrets: vec!["username".into(), "password".into()],
//!     extra_user_roles: None,
//! };
//! let bag = databag::encode(&request).unwrap();
//! assert_eq!(bag["database"], "app");
//! assert_eq!(bag["requested-secrets"], r#"["username", "password"]"#);
//! assert_eq!(bag["extra-user-roles"], ""); // deletes the key
//! ```

//!
//! Here: the trait, the errors and the four functions; `python.rs`: JSON text as Python's
//! `json.dumps` writes it; `de.rs`: the serde deserialiser over a bag.

mod de;
mod python;

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use self::de::{BagDeserializer, DeError};
pub(crate) use self::python::python_json;
use crate::messages::json_kind;

/// How a field's value is written as a databag string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// Every value JSON-encoded, strings included (`"x"`): ops' `Relation.save` and `load`.
    #[default]
    Json,
    /// Strings raw, any other value as JSON text: the data-platform libraries' wire format.
    /// An empty string is the same as an unset field there (Juju deletes a key set to `""`).
    Plain,
}

/// A type stored in a databag: a struct (or a map) whose fields are the bag's keys.
///
/// `BTreeMap<String, String>` is a databag too, in [`Encoding::Plain`]: the bag as it is, for
/// keys not known in advance.
pub trait Databag: Serialize + DeserializeOwned {
    /// How the fields are written; [`Encoding::Json`] unless the interface says otherwise.
    const ENCODING: Encoding = Encoding::Json;
}

impl Databag for BTreeMap<String, String> {
    const ENCODING: Encoding = Encoding::Plain;
}

/// A value that cannot be written to or read from a databag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabagError {
    /// Which bag: `databag` from the free functions here; the relation, leader settings or
    /// charm state from the methods that read and write them.
    pub bag: String,
    pub kind: DatabagErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DatabagErrorKind {
    /// A field the type requires is not in the bag.
    Missing { field: String },
    /// A field is in the bag but its value does not decode as the field's type.
    Invalid { field: String, reason: String },
    /// Not about one field: the type is not a struct of named fields (or a map), a check on the
    /// whole value failed, or the value cannot be written as a databag.
    Other { reason: String },
}

impl DatabagError {
    /// The same error, about the bag described by `bag`.
    pub fn in_bag(mut self, bag: impl Into<String>) -> DatabagError {
        self.bag = bag.into();
        self
    }

    /// The field the error is about, if it is about one.
    pub fn field(&self) -> Option<&str> {
        match &self.kind {
            DatabagErrorKind::Missing { field } | DatabagErrorKind::Invalid { field, .. } => {
                Some(field)
            }
            DatabagErrorKind::Other { .. } => None,
        }
    }

    fn other(reason: String) -> DatabagError {
        DatabagError {
            bag: DEFAULT_BAG.to_owned(),
            kind: DatabagErrorKind::Other { reason },
        }
    }
}

const DEFAULT_BAG: &str = "databag";

impl fmt::Display for DatabagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bag = &self.bag;
        match &self.kind {
            DatabagErrorKind::Missing { field } => {
                write!(f, "{bag}: required field {field:?} is missing")
            }
            DatabagErrorKind::Invalid { field, reason } => {
                write!(f, "{bag}: field {field:?} does not decode: {reason}")
            }
            DatabagErrorKind::Other { reason } => write!(f, "{bag}: {reason}"),
        }
    }
}

impl std::error::Error for DatabagError {}

/// `value` as the keys and values to write, in `T`'s encoding (`""` for a `None` field).
pub fn encode<T: Databag>(value: &T) -> Result<BTreeMap<String, String>, DatabagError> {
    encode_with(value, T::ENCODING)
}

/// [`encode`] with the encoding given.
pub fn encode_with<T: Serialize + ?Sized>(
    value: &T,
    encoding: Encoding,
) -> Result<BTreeMap<String, String>, DatabagError> {
    let value = serde_json::to_value(value)
        .map_err(|e| DatabagError::other(format!("cannot be written as a databag: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(DatabagError::other(format!(
            "a databag is written from a struct with named fields or a map, not {}",
            json_kind(&value)
        )));
    };
    Ok(fields
        .into_iter()
        .map(|(key, value)| {
            let text = match (value, encoding) {
                (Value::Null, _) => String::new(),
                (Value::String(s), Encoding::Plain) => s,
                (value, _) => python_json(&value),
            };
            (key, text)
        })
        .collect())
}

/// Reads a `T` from a bag, in `T`'s encoding, ignoring keys `T` does not name.
pub fn decode<T: Databag>(data: &BTreeMap<String, String>) -> Result<T, DatabagError> {
    decode_with(data, T::ENCODING)
}

/// [`decode`] with the encoding given.
pub fn decode_with<T: DeserializeOwned>(
    data: &BTreeMap<String, String>,
    encoding: Encoding,
) -> Result<T, DatabagError> {
    T::deserialize(BagDeserializer { data, encoding }).map_err(|e| {
        let kind = match e {
            DeError::Missing(field) => DatabagErrorKind::Missing { field },
            DeError::Invalid { field, reason } => DatabagErrorKind::Invalid { field, reason },
            DeError::Custom(reason) => DatabagErrorKind::Other { reason },
        };
        DatabagError {
            bag: DEFAULT_BAG.to_owned(),
            kind,
        }
    })
}
