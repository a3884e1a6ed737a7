//! Storage directives as Juju parses them (`internal/storage/directive.go` `ParseDirective`,
//! `ParseDirectivesMap`; juju/utils `ParseSize`), `deploy --storage`'s flag, and sizes as
//! go-humanize prints them.

use serde::{Deserialize, Serialize};

use crate::gofmt::go_quote;

/// A storage directive (`POOL,COUNT,SIZE` in any order); size in MiB.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directive {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pool: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub count: u64,
}

/// `^[a-zA-Z]+[-?a-zA-Z0-9]*$`.
pub(super) fn is_pool_name(s: &str) -> bool {
    let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    letters > 0
        && s[letters..]
            .bytes()
            .all(|b| b == b'-' || b == b'?' || b.is_ascii_alphanumeric())
}

/// `^-?[0-9]+$` → a count, or `None` when the field is not one.
fn parse_count(s: &str) -> Option<Result<u64, String>> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bad = || {
        Err(format!(
            "count must be greater than zero, got {}",
            go_quote(s)
        ))
    };
    if s.starts_with('-') {
        return Some(bad());
    }
    match s.parse::<u64>() {
        Ok(0) => Some(bad()),
        Ok(n) => Some(Ok(n)),
        // Too big for a uint64: not a count (Juju then tries it as a size).
        Err(_) => None,
    }
}

/// `^-?[0-9]+(?:\.[0-9]+)?[MGTPEZY](?:i?B)?$`.
fn looks_like_size(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let int = body.bytes().take_while(u8::is_ascii_digit).count();
    if int == 0 {
        return false;
    }
    let mut rest = &body[int..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    let mut chars = rest.chars();
    let Some(unit) = chars.next() else {
        return false;
    };
    "MGTPEZY".contains(unit) && matches!(chars.as_str(), "" | "B" | "iB")
}

/// juju/utils `ParseSize`: a non-negative number with an optional `M`, `G`, `T`, `P`, `E`, `Z`
/// or `Y` suffix (`MB`, `MiB` alike; powers of 1024), in MiB, rounded up.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let split = s
        .char_indices()
        .find(|(_, c)| *c != '.' && !c.is_ascii_digit())
        .map_or(s.len(), |(i, _)| i);
    let mut multiplier = 1f64;
    let mut number = s;
    if split > 0 && split < s.len() {
        let suffix = &s[split..];
        let found = "MGTPEZY".char_indices().find(|(_, base)| {
            let base = base.to_string();
            suffix == base || suffix == format!("{base}B") || suffix == format!("{base}iB")
        });
        let Some((power, _)) = found else {
            return Err(format!(
                "invalid multiplier suffix {}, expected one of MGTPEZY",
                go_quote(suffix)
            ));
        };
        multiplier = 1024f64.powi(i32::try_from(power).unwrap_or(0));
        number = &s[..split];
    }
    let bad = || format!("expected a non-negative number, got {}", go_quote(number));
    let value: f64 =
        if number.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !number.is_empty() {
            number.parse().map_err(|_| bad())?
        } else {
            return Err(bad());
        };
    // Rust's `as` saturates where Go's conversion of a too-large float is undefined.
    Ok((value * multiplier).ceil() as u64)
}

/// `ParseDirective`.
pub fn parse_directive(s: &str) -> Result<Directive, String> {
    let mut d = Directive::default();
    for field in s.split(',') {
        if field.is_empty() {
            continue;
        }
        if is_pool_name(field) {
            if !d.pool.is_empty() {
                return Err(format!(
                    "pool name is already set to {}, new value {} not valid",
                    go_quote(&d.pool),
                    go_quote(field)
                ));
            }
            d.pool = field.to_owned();
            continue;
        }
        if let Some(count) = parse_count(field) {
            let count = count.map_err(|e| format!("cannot parse count: {e}"))?;
            if d.count != 0 {
                return Err(format!(
                    "storage instance count is already set to {}, new value {count} not valid",
                    d.count
                ));
            }
            d.count = count;
            continue;
        }
        if looks_like_size(field) {
            let size = parse_size(field).map_err(|e| format!("cannot parse size: {e}"))?;
            if d.size != 0 {
                return Err(format!(
                    "storage size is already set to {}, new value {size} not valid",
                    d.size
                ));
            }
            d.size = size;
            continue;
        }
        return Err(format!(
            "unrecognized storage directive {} not valid",
            go_quote(field)
        ));
    }
    if d.count == 0 && d.size == 0 && d.pool.is_empty() {
        return Err("storage directives require at least one field to be specified".into());
    }
    if d.count == 0 {
        d.count = 1;
    }
    Ok(d)
}

/// `ParseDirectivesMap`: `name[=directive]…` (a bare name means `=1`), each name once, in the
/// order given.
pub fn parse_directives_map(
    args: &[String],
    must_have: bool,
) -> Result<Vec<(String, Directive)>, String> {
    let mut out: Vec<(String, Directive)> = Vec::new();
    for kv in args {
        let parts: Vec<&str> = kv.split('=').collect();
        let name = parts[0];
        if parts.len() > 2 || name.is_empty() {
            return Err(format!(
                "expected \"name=directive\" or \"name\", got {}",
                go_quote(kv)
            ));
        }
        if must_have && parts.len() == 1 {
            return Err(format!(
                "expected \"name=directive\" where \"directive\" must be specified, got {}",
                go_quote(kv)
            ));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(format!(
                "storage {} specified more than once",
                go_quote(name)
            ));
        }
        let text = parts.get(1).copied().unwrap_or("1");
        let d = parse_directive(text)
            .map_err(|e| format!("cannot parse directive for storage {}: {e}", go_quote(name)))?;
        out.push((name.to_owned(), d));
    }
    Ok(out)
}

/// `deploy --storage name=directive`'s flag value (`storageFlag.Set`).
pub fn parse_deploy_flag(value: &str) -> Result<(String, Directive), String> {
    let Some((name, directive)) = value.split_once('=') else {
        return Err("expected <store>=<directive>".into());
    };
    if name.contains(':') {
        return Err("expected <store>=<directive>".into());
    }
    let d = parse_directive(directive)
        .map_err(|e| format!("cannot parse disk storage directive: {e}"))?;
    Ok((name.to_owned(), d))
}

/// go-humanize `Bytes`: SI units, one decimal below 10.
pub fn humanize_bytes(bytes: u64) -> String {
    if bytes < 10 {
        return format!("{bytes} B");
    }
    let sizes = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let f = bytes as f64;
    let e = (f.ln() / 1000f64.ln()).floor();
    let index = (e as usize).min(sizes.len() - 1);
    let value = (f / 1000f64.powi(index as i32) * 10.0 + 0.5).floor() / 10.0;
    if value < 10.0 {
        format!("{value:.1} {}", sizes[index])
    } else {
        format!("{value:.0} {}", sizes[index])
    }
}
