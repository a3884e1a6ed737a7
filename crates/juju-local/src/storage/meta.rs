//! The stores a charm declares in `metadata.yaml` (Juju's `charm.Storage`: `type`,
//! `multiple: {range}`, `minimum-size`, `location`, `shared`, `read-only`), read with the paths
//! Juju's schema reports.

use serde_json::{Map, Value};

use super::parse_size;
use crate::gofmt::go_quote;

/// A store as the charm declares it (Juju's `charm.Storage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageMeta {
    pub name: String,
    /// `filesystem` or `block`.
    pub kind: String,
    pub shared: bool,
    pub read_only: bool,
    pub count_min: u64,
    /// `None`: no maximum (`m+` or `m-`).
    pub count_max: Option<u64>,
    /// In MiB; 0 when the charm sets none.
    pub minimum_size: u64,
    pub location: String,
}

/// The stores in a charm's `metadata.yaml`, by name, with the paths Juju's schema reports.
pub fn stores(metadata: &Map<String, Value>) -> Result<Vec<StorageMeta>, String> {
    let entries = match metadata.get("storage") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(entries)) => entries,
        Some(_) => return Err("metadata: storage: expected map, got something else".into()),
    };
    let mut out = Vec::new();
    for (name, body) in entries {
        let at = format!("storage.{name}");
        let Value::Object(body) = body else {
            return Err(format!("metadata: {at}: expected map"));
        };
        let kind = match body.get("type") {
            Some(Value::String(t)) if t == "filesystem" || t == "block" => t.clone(),
            Some(Value::String(t)) => {
                return Err(format!(
                    "metadata: {at}.type: unexpected value {}",
                    go_quote(t)
                ));
            }
            _ => return Err(format!("metadata: {at}.type: expected string, got nothing")),
        };
        let flag = |key: &str| -> Result<bool, String> {
            match body.get(key) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(format!("metadata: {at}.{key}: expected bool")),
            }
        };
        let (count_min, count_max) = match body.get("multiple") {
            None | Some(Value::Null) => (1, Some(1)),
            Some(Value::Object(multiple)) => match multiple.get("range") {
                Some(range) => parse_range(range, &at)?,
                None => return Err(format!("metadata: {at}.multiple.range: expected value")),
            },
            Some(_) => return Err(format!("metadata: {at}.multiple: expected map")),
        };
        let minimum_size = match body.get("minimum-size") {
            None | Some(Value::Null) => 0,
            Some(Value::Number(n)) => n
                .as_u64()
                .ok_or_else(|| format!("metadata: {at}.minimum-size: expected a size"))?,
            Some(Value::String(s)) => {
                parse_size(s).map_err(|e| format!("metadata: {at}.minimum-size: {e}"))?
            }
            Some(_) => return Err(format!("metadata: {at}.minimum-size: expected a size")),
        };
        let location = match body.get("location") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(format!("metadata: {at}.location: expected string")),
        };
        out.push(StorageMeta {
            name: name.clone(),
            kind,
            shared: flag("shared")?,
            read_only: flag("read-only")?,
            count_min,
            count_max,
            minimum_size,
            location,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// `multiple.range`: `n`, `m-n`, `m-` or `m+` (Juju's `storageCountC`).
fn parse_range(range: &Value, at: &str) -> Result<(u64, Option<u64>), String> {
    let text = match range {
        Value::Number(n) => {
            let n = n
                .as_u64()
                .ok_or_else(|| format!("{at}.multiple.range: invalid count {n}"))?;
            return Ok((n, Some(n)));
        }
        Value::String(s) => s.as_str(),
        _ => {
            return Err(format!(
                "metadata: {at}.multiple.range: expected string or int"
            ));
        }
    };
    let bad = || {
        format!(
            "{at}.multiple.range: value {} does not match 'm', 'm-n', or 'm+'",
            go_quote(text)
        )
    };
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(bad());
    }
    let min: u64 = text[..digits].parse().map_err(|_| bad())?;
    match &text[digits..] {
        "" => Ok((min, Some(min))),
        "+" | "-" => Ok((min, None)),
        rest => {
            let max: u64 = rest
                .strip_prefix('-')
                .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|m| m.parse().ok())
                .ok_or_else(bad)?;
            if max < min {
                return Err(format!("{at}.multiple.range: invalid range {min}-{max}"));
            }
            Ok((min, Some(max)))
        }
    }
}
