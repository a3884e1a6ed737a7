//! Action results: Juju's key rules and the flattening of nested maps into `action-set` pairs.
//!
//! Juju (`jujuc/action-set.go`) checks every dot-separated segment of a key against
//! `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$` and refuses the reserved keys `stdout`, `stderr`,
//! `stdout-encoding` and `stderr-encoding` in any segment. These rules are stricter than the
//! ones `ops` applies in Python; the runtime, the harness and the local Juju all use this module.

use std::fmt;

use serde_json::{Map, Value};

/// Result keys Juju reserves for the captured output of the charm process.
pub const RESERVED_KEYS: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// A result key Juju would refuse, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// The full (dotted) key as the charm gave it.
    pub key: String,
    pub kind: KeyErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyErrorKind {
    /// A segment breaks the lowercase-alphanumeric-and-hyphens rule (or is empty).
    Invalid { segment: String },
    /// A segment is one of [`RESERVED_KEYS`].
    Reserved { segment: String },
    /// Two entries flatten to the same dotted key.
    Duplicate,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            KeyErrorKind::Invalid { segment } if segment.is_empty() => write!(
                f,
                "result key {:?} has an empty segment: keys are dot-separated segments of lowercase letters, digits and hyphens",
                self.key
            ),
            KeyErrorKind::Invalid { segment } => write!(
                f,
                "result key {:?} is invalid at {segment:?}: each segment must start and end with a lowercase letter or digit and contain only lowercase letters, digits and hyphens",
                self.key
            ),
            KeyErrorKind::Reserved { segment } => write!(
                f,
                "result key {:?} uses the reserved key {segment:?}: Juju keeps stdout, stderr, stdout-encoding and stderr-encoding for the process output",
                self.key
            ),
            KeyErrorKind::Duplicate => {
                write!(
                    f,
                    "result key {:?} is set twice once nested maps are flattened",
                    self.key
                )
            }
        }
    }
}

impl std::error::Error for KeyError {}

/// Whether `segment` matches Juju's action-name rule `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`.
pub fn is_valid_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            edge(first) && edge(last) && bytes.iter().all(|b| edge(b) || *b == b'-')
        }
        _ => false,
    }
}

/// Checks a dotted result key the way `action-set` does.
pub fn check_key(key: &str) -> Result<(), KeyError> {
    for segment in key.split('.') {
        if !is_valid_segment(segment) {
            return Err(KeyError {
                key: key.to_owned(),
                kind: KeyErrorKind::Invalid {
                    segment: segment.to_owned(),
                },
            });
        }
        if RESERVED_KEYS.contains(&segment) {
            return Err(KeyError {
                key: key.to_owned(),
                kind: KeyErrorKind::Reserved {
                    segment: segment.to_owned(),
                },
            });
        }
    }
    Ok(())
}

/// Flattens a (possibly nested) result map into sorted `(dotted-key, string)` pairs, checking every
/// key. Strings are kept as they are, other scalars use their JSON text, `null` becomes an empty
/// string, and arrays are stored as JSON text (Juju results hold strings only).
pub fn flatten(results: &Map<String, Value>) -> Result<Vec<(String, String)>, KeyError> {
    let mut out = Vec::new();
    flatten_into(results, "", &mut out)?;
    out.sort();
    for pair in out.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(KeyError {
                key: pair[0].0.clone(),
                kind: KeyErrorKind::Duplicate,
            });
        }
    }
    Ok(out)
}

fn flatten_into(
    map: &Map<String, Value>,
    prefix: &str,
    out: &mut Vec<(String, String)>,
) -> Result<(), KeyError> {
    for (key, value) in map {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        check_key(&full)?;
        match value {
            Value::Object(inner) => flatten_into(inner, &full, out)?,
            other => out.push((full, scalar_text(other))),
        }
    }
    Ok(())
}

/// The text Juju would store for a JSON value given to `action-set`.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Nests flattened `(dotted-key, value)` pairs the way Juju stores results: each pair is applied in
/// order, last write wins, and a scalar in the way of a deeper key is replaced by a map.
pub fn nest<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Map<String, Value> {
    let mut root = Map::new();
    for (key, value) in pairs {
        let mut segments: Vec<&str> = key.split('.').collect();
        let last = segments.pop().unwrap_or_default();
        let mut node = &mut root;
        for segment in segments {
            let slot = node
                .entry(segment.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            node = match slot {
                Value::Object(map) => map,
                _ => unreachable!("slot was just made an object"),
            };
        }
        node.insert(last.to_owned(), Value::String(value.to_owned()));
    }
    root
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn flat(v: Value) -> Result<Vec<(String, String)>, String> {
        flatten(v.as_object().unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn nested_maps_flatten_to_dotted_strings() {
        let got = flat(json!({"a": {"b": "c", "d": 1, "e": {"f": true}}, "n": null, "l": [1, 2]}));
        assert_eq!(
            got.unwrap(),
            vec![
                ("a.b".into(), "c".into()),
                ("a.d".into(), "1".into()),
                ("a.e.f".into(), "true".into()),
                ("l".into(), "[1,2]".into()),
                ("n".into(), "".into()),
            ]
        );
    }

    #[test]
    fn segment_rule_matches_juju() {
        for ok in ["a", "1", "a-b", "snapshot-size", "a1-2b", "return-code"] {
            assert!(is_valid_segment(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "A", "snapshot_size", "a b", "é", "a.b"] {
            assert!(!is_valid_segment(bad), "{bad}");
        }
    }

    #[test]
    fn bad_keys_are_refused_with_the_offending_segment() {
        let cases = [
            (
                json!({"Result": 1}),
                "result key \"Result\" is invalid at \"Result\"",
            ),
            (
                json!({"snapshot_size": 1}),
                "is invalid at \"snapshot_size\"",
            ),
            (
                json!({"a..b": 1}),
                "result key \"a..b\" has an empty segment",
            ),
            (json!({"a.": 1}), "has an empty segment"),
            (json!({"stdout": 1}), "uses the reserved key \"stdout\""),
            (
                json!({"a": {"stderr-encoding": 1}}),
                "result key \"a.stderr-encoding\" uses the reserved key",
            ),
            (
                json!({"a": {"B": 1}}),
                "result key \"a.B\" is invalid at \"B\"",
            ),
            (
                json!({"a": {"b": 1}, "a.b": 2}),
                "result key \"a.b\" is set twice",
            ),
        ];
        for (input, want) in cases {
            let err = flat(input.clone()).unwrap_err();
            assert!(err.contains(want), "{input}: {err}");
        }
    }

    #[test]
    fn return_code_is_not_reserved() {
        assert!(check_key("return-code").is_ok());
    }

    #[test]
    fn nest_is_last_write_wins_like_juju() {
        assert_eq!(
            Value::Object(nest([("a", "1"), ("a.b", "2")])),
            json!({"a": {"b": "2"}})
        );
        assert_eq!(
            Value::Object(nest([("a.b", "2"), ("a", "1")])),
            json!({"a": "1"})
        );
        assert_eq!(
            Value::Object(nest([("x.y.z", "v"), ("x.w", "u")])),
            json!({"x": {"y": {"z": "v"}, "w": "u"}})
        );
    }
}
