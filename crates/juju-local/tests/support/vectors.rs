//! Juju's own test cases as data: a file of `tests/vectors/`, and its fields.

use std::fs;
use std::path::Path;

use serde_json::Value;

/// `tests/vectors/<name>`, read as YAML.
pub fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    serde_saphyr::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// A string field.
pub fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}
