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

use std::collections::BTreeMap;
use std::fmt;
use std::io;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserializer, Serialize};
use serde_json::Value;

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

/// `value` as Python's `json.dumps(value)` writes it with its default arguments.
pub(crate) fn python_json(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Writing a `Value` into a `Vec` cannot fail.
    let _ = value.serialize(&mut serializer);
    String::from_utf8_lossy(&out).into_owned()
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// The output of Python's `json.dumps` with default arguments: `", "` between items, `": "`
/// after keys, everything outside printable ASCII escaped as `\uXXXX` (`ensure_ascii`), and
/// floats as `repr` writes them.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        for c in fragment.chars() {
            if matches!(c, ' '..='~') {
                writer.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_float_repr(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(writer, f64::from(value))
    }
}

/// Python's `repr(float)`: the shortest digits that read back as `value`, in positional
/// notation when the decimal exponent is in `-5 < e < 16` (with `.0` for a whole number),
/// otherwise as `d.ddde+XX` with a sign and at least two exponent digits.
fn python_float_repr(value: f64) -> String {
    if !value.is_finite() {
        // Not reachable through `serde_json::Value` (which holds no NaN or infinity); Python
        // writes these names.
        return if value.is_nan() {
            "NaN".into()
        } else if value > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    // Rust's `{:e}` is the shortest round-trip form: `-1.5e-7`, `1e16`.
    let sci = format!("{value:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-5 < exponent) && (exponent < 16) {
        let point = exponent + 1; // digits before the decimal point
        let (int_part, frac_part) = if point <= 0 {
            let zeros = "0".repeat(point.unsigned_abs() as usize);
            ("0".to_owned(), format!("{zeros}{digits}"))
        } else if point as usize >= digits.len() {
            let zeros = "0".repeat(point as usize - digits.len());
            (format!("{digits}{zeros}"), "0".to_owned())
        } else {
            let (i, f) = digits.split_at(point as usize);
            (i.to_owned(), f.to_owned())
        };
        format!("{sign}{int_part}.{frac_part}")
    } else {
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.unsigned_abs())
    }
}

/// The deserialiser's own error: which field failed is added as the error leaves the field.
#[derive(Debug)]
enum DeError {
    Missing(String),
    Invalid { field: String, reason: String },
    Custom(String),
}

impl DeError {
    /// The error, as raised while reading `field`'s value.
    fn at(self, field: &str) -> DeError {
        match self {
            DeError::Custom(reason) => DeError::Invalid {
                field: field.to_owned(),
                reason,
            },
            DeError::Missing(inner) => DeError::Invalid {
                field: field.to_owned(),
                reason: format!("missing field `{inner}`"),
            },
            invalid @ DeError::Invalid { .. } => invalid,
        }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeError::Missing(field) => write!(f, "missing field `{field}`"),
            DeError::Invalid { field, reason } => write!(f, "field `{field}`: {reason}"),
            DeError::Custom(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::Custom(msg.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::Missing(field.to_owned())
    }
}

fn json_error(e: serde_json::Error) -> DeError {
    DeError::Custom(e.to_string())
}

/// The whole bag: a map of fields.
struct BagDeserializer<'a> {
    data: &'a BTreeMap<String, String>,
    encoding: Encoding,
}

impl<'a> BagDeserializer<'a> {
    fn fields(&self, names: Option<&[&str]>) -> Fields<'a> {
        let entries: Vec<(&'a String, &'a String)> = self
            .data
            .iter()
            .filter(|(key, _)| names.is_none_or(|names| names.contains(&key.as_str())))
            .collect();
        Fields {
            entries: entries.into_iter(),
            value: None,
            encoding: self.encoding,
        }
    }
}

macro_rules! not_a_bag {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, DeError> {
            let _ = ($($arg,)* visitor);
            Err(DeError::Custom(
                "a databag is read into a struct with named fields or a map".to_owned(),
            ))
        }
    )*};
}

impl<'de> Deserializer<'de> for BagDeserializer<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(self.fields(None))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // Only the keys the struct names, so the keys Juju adds never reach it (not even a
        // struct with `deny_unknown_fields`).
        visitor.visit_map(self.fields(Some(fields)))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    not_a_bag! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16();
        deserialize_u32(); deserialize_u64(); deserialize_u128(); deserialize_f32();
        deserialize_f64(); deserialize_char(); deserialize_str(); deserialize_string();
        deserialize_bytes(); deserialize_byte_buf(); deserialize_unit();
        deserialize_unit_struct(name: &'static str); deserialize_seq();
        deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
    }
}

/// The bag's entries, one field at a time; a value's error names its field.
struct Fields<'a> {
    entries: std::vec::IntoIter<(&'a String, &'a String)>,
    value: Option<(&'a str, &'a str)>,
    encoding: Encoding,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        seed.deserialize(key.as_str().into_deserializer())
            .map(Some)
            .map_err(|e: DeError| e.at(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((field, raw)) = self.value.take() else {
            return Err(DeError::Custom(
                "a value was read before its key".to_owned(),
            ));
        };
        seed.deserialize(FieldValue {
            raw,
            encoding: self.encoding,
        })
        .map_err(|e| e.at(field))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// One field's stored string, read in the bag's encoding.
struct FieldValue<'a> {
    raw: &'a str,
    encoding: Encoding,
}

impl FieldValue<'_> {
    fn json(&self) -> Result<Value, DeError> {
        serde_json::from_str(self.raw).map_err(|e| {
            let hint = match self.encoding {
                Encoding::Json => {
                    " (this bag's values are JSON-encoded, as ops' Relation.save writes them; \
                     a bag of raw strings is Encoding::Plain)"
                }
                Encoding::Plain => "",
            };
            DeError::Custom(format!("the value is not JSON: {e}{hint}"))
        })
    }

    /// A value in `Plain` that is not JSON: the raw string.
    fn json_or_string(&self) -> Value {
        serde_json::from_str(self.raw).unwrap_or_else(|_| Value::String(self.raw.to_owned()))
    }
}

macro_rules! via_json {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, DeError> {
            self.json()?.$method($($arg,)* visitor).map_err(json_error)
        }
    )*};
}

impl<'de> Deserializer<'de> for FieldValue<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.encoding {
            Encoding::Json => self.json()?.deserialize_any(visitor).map_err(json_error),
            Encoding::Plain => self
                .json_or_string()
                .deserialize_any(visitor)
                .map_err(json_error),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.encoding {
            Encoding::Json => self.json()?.deserialize_str(visitor).map_err(json_error),
            Encoding::Plain => visitor.visit_str(self.raw),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.encoding {
            Encoding::Json => self.json()?.deserialize_option(visitor).map_err(json_error),
            // Present is `Some`: `None` is written as a deleted key.
            Encoding::Plain => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.encoding {
            Encoding::Json => self
                .json()?
                .deserialize_newtype_struct(name, visitor)
                .map_err(json_error),
            Encoding::Plain => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let value = match self.encoding {
            Encoding::Json => self.json()?,
            // A unit variant is written as its raw name, any other as a JSON map.
            Encoding::Plain => match serde_json::from_str::<Value>(self.raw) {
                Ok(map @ Value::Object(_)) => map,
                _ => return visitor.visit_enum(self.raw.into_deserializer()),
            },
        };
        value
            .deserialize_enum(name, variants, visitor)
            .map_err(json_error)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    via_json! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16();
        deserialize_u32(); deserialize_u64(); deserialize_u128(); deserialize_f32();
        deserialize_f64(); deserialize_bytes(); deserialize_byte_buf(); deserialize_unit();
        deserialize_unit_struct(name: &'static str); deserialize_seq();
        deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map(); deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_identifier();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_as_python_s_repr() {
        // Python 3: `json.dumps(x)` for each x.
        for (value, python) in [
            (0.1, "0.1"),
            (1.5, "1.5"),
            (-2.0, "-2.0"),
            (0.0, "0.0"),
            (123.456, "123.456"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e20, "1.5e+20"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (-1.25e-7, "-1.25e-07"),
            (1e100, "1e+100"),
        ] {
            assert_eq!(python_float_repr(value), python, "{value}");
        }
    }

    #[test]
    fn json_text_is_python_s_json_dumps() {
        let value = serde_json::json!({"b": [1, "x", true, null], "a": {"sub": 8}, "é": "snow ☃ \u{1F600}\u{7f}\n"});
        assert_eq!(
            python_json(&value),
            r#"{"a": {"sub": 8}, "b": [1, "x", true, null], "\u00e9": "snow \u2603 \ud83d\ude00\u007f\n"}"#
        );
    }
}
