//! The serde deserialiser over a bag: the bag is a map of fields, each field's stored string
//! read in the bag's [`Encoding`]; an error names the field it came from.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde_json::Value;

use super::Encoding;

/// The deserialiser's own error: which field failed is added as the error leaves the field.
#[derive(Debug)]
pub(super) enum DeError {
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
pub(super) struct BagDeserializer<'a> {
    pub(super) data: &'a BTreeMap<String, String>,
    pub(super) encoding: Encoding,
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
