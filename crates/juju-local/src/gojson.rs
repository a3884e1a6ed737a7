//! Values as Juju's Go code sees and prints them: every JSON number passes through `float64`
//! (the API server and the unit agent decode params with `encoding/json`), Go's `json.Marshal`
//! prints a float64 without `.0` (`5`, `0.5`, `1e+21`), and `gopkg.in/yaml.v2` prints it with
//! `strconv.FormatFloat(f, 'g', -1, 64)` (`5`, `1e+06`). [`marshal`] is `json.Marshal` (keys
//! sorted, `<`, `>`, `&` escaped), [`yaml`] is the `yaml.v2` output the hook tools' `smart` and
//! `yaml` formats give.

use serde_json::{Map, Number, Value};

/// Converts every number to what a Go `float64` holds: whole values within `i64` become integers
/// (so they print without `.0`), others stay floats; precision beyond 53 bits is lost as in Go.
pub fn as_float64(value: Value) -> Value {
    match value {
        Value::Number(n) => number_from_f64(n.as_f64().unwrap_or(0.0)),
        Value::Array(items) => Value::Array(items.into_iter().map(as_float64).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, as_float64(v))).collect())
        }
        other => other,
    }
}

/// A JSON number holding `f` as Go would: an integer when whole and small enough.
pub fn number_from_f64(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        // The cast is exact: `f` is whole and within i64.
        #[allow(clippy::cast_possible_truncation)]
        return Value::from(f as i64);
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// The shortest decimal digits of `f` (no dot) and its decimal exponent as `d.ddd × 10^exp`.
fn digits(f: f64) -> (String, i32) {
    let e = format!("{:e}", f.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((e.as_str(), "0"));
    (mantissa.replace('.', ""), exp.parse().unwrap_or(0))
}

/// `strconv.FormatFloat(f, 'e', -1, 64)`: `1e+21`, `1.5e-07`.
fn format_e(f: f64) -> String {
    let (d, exp) = digits(f);
    let sign = if f < 0.0 { "-" } else { "" };
    let mantissa = if d.len() > 1 {
        format!("{}.{}", &d[..1], &d[1..])
    } else {
        d
    };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{mantissa}e{esign}{:02}", exp.abs())
}

/// `strconv.FormatFloat(f, 'f', -1, 64)`.
fn format_f(f: f64) -> String {
    let (d, exp) = digits(f);
    let sign = if f < 0.0 { "-" } else { "" };
    if f == 0.0 {
        return "0".into();
    }
    let point = exp + 1;
    let body = if point <= 0 {
        format!("0.{}{d}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= d.len() {
        format!("{d}{}", "0".repeat(point as usize - d.len()))
    } else {
        format!("{}.{}", &d[..point as usize], &d[point as usize..])
    };
    format!("{sign}{body}")
}

/// A float64 as Go's `encoding/json` prints it.
pub fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Go cleans `e-07` to `e-7`.
        let s = format_e(f);
        match s.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = e.split_at(1);
                format!("{m}e{sign}{}", digits.trim_start_matches('0'))
            }
            None => s,
        }
    } else {
        format_f(f)
    }
}

/// A float64 as `strconv.FormatFloat(f, 'g', -1, 64)` prints it (what `yaml.v2` writes): the
/// shortest digits, in `%e` form when the exponent is below -4 or at least 6 (Go's rule for the
/// shortest precision), so `1000000` is `1e+06`.
pub fn g_float(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let (_, exp) = digits(f);
    if !(-4..6).contains(&exp) {
        format_e(f)
    } else {
        format_f(f)
    }
}

/// A number as Go prints the float64 it decodes to, in JSON.
fn json_number(n: &Number) -> String {
    match (n.as_i64(), n.as_f64()) {
        (Some(i), _) if (i as f64).abs() < 1e21 => i.to_string(),
        (_, Some(f)) => json_float(f),
        _ => n.to_string(),
    }
}

/// Go's `json.Marshal` of a decoded value: compact, keys sorted, HTML characters escaped.
pub fn marshal(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&json_number(n)),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_json(&map[key.as_str()], out);
            }
            out.push('}');
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `yaml.v2`'s output for a decoded value (block style, keys sorted), as juju/cmd's `yaml` and
/// `smart` formatters print maps and numbers. `{}` for an empty map.
pub fn yaml(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "{}\n".into(),
        Value::Array(items) if items.is_empty() => "[]\n".into(),
        Value::Object(_) | Value::Array(_) => {
            let mut out = String::new();
            write_yaml_block(value, 0, &mut out);
            out
        }
        Value::String(s) if literal_allowed(s) => {
            let mut out = String::new();
            write_literal(s, 2, &mut out);
            out
        }
        scalar => format!("{}\n", yaml_scalar(scalar)),
    }
}

fn write_yaml_block(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                let v = &map[key.as_str()];
                out.push_str(&format!("{pad}{}:", yaml_string(key)));
                write_yaml_child(v, indent + 2, out, false);
            }
        }
        Value::Array(items) => {
            for v in items {
                out.push_str(&format!("{pad}-"));
                write_yaml_child(v, indent + 2, out, true);
            }
        }
        scalar => out.push_str(&format!("{pad}{}\n", yaml_scalar(scalar))),
    }
}

fn write_yaml_child(v: &Value, indent: usize, out: &mut String, in_seq: bool) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            if in_seq {
                // `- a: 1` with the rest of the map aligned under it.
                let mut inner = String::new();
                write_yaml_block(v, indent, &mut inner);
                out.push(' ');
                out.push_str(inner.trim_start());
            } else {
                out.push('\n');
                write_yaml_block(v, indent, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            // yaml.v2 does not indent a sequence under a mapping key.
            let child = if in_seq { indent } else { indent - 2 };
            write_yaml_block(v, child, out);
        }
        Value::Object(_) => out.push_str(" {}\n"),
        Value::Array(_) => out.push_str(" []\n"),
        Value::String(s) if literal_allowed(s) => {
            out.push(' ');
            write_literal(s, indent, out);
        }
        scalar => out.push_str(&format!(" {}\n", yaml_scalar(scalar))),
    }
}

/// Whether `yaml.v2` writes a string as a literal block (`|`): it holds a line break, and
/// libyaml's analysis allows a block scalar (no space before a break, no trailing space, no
/// special characters).
fn literal_allowed(s: &str) -> bool {
    s.contains('\n')
        && !s.contains(" \n")
        && !s.ends_with(' ')
        && s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
        && !s.contains('\u{feff}')
}

/// A literal block scalar as libyaml writes it: `|`, an indentation hint when the text starts
/// with a space or break, the chomping indicator (`-` without a final break, `+` with more than
/// one), then the lines at `indent` (empty lines bare).
fn write_literal(s: &str, indent: usize, out: &mut String) {
    out.push('|');
    if s.starts_with([' ', '\n']) {
        out.push('2');
    }
    let body = if !s.ends_with('\n') {
        out.push('-');
        s
    } else if s.len() == 1 || s[..s.len() - 1].ends_with('\n') {
        out.push('+');
        &s[..s.len() - 1]
    } else {
        &s[..s.len() - 1]
    };
    out.push('\n');
    let pad = " ".repeat(indent);
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) if (i as f64).abs() < 1e21 && i.unsigned_abs() < 1_000_000 => {
                i.to_string()
            }
            (_, Some(f)) => g_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => yaml_string(s),
        other => marshal(other),
    }
}

/// A string as `yaml.v2` writes it: plain when it reads back as the same string, double-quoted
/// when it would read as another type (`"1"`, `"yes"`) or holds characters only double quotes
/// can carry, otherwise single-quoted (`'"db.example"'`, `'- x'`).
fn yaml_string(s: &str) -> String {
    // libyaml's `analyze_scalar` in block context: these start an indicator anywhere, `-`, `?`
    // and `:` only before a space or the end.
    let starts_indicator = s.starts_with([
        ' ', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
    ]) || (s.starts_with(['-', '?', ':'])
        && s[1..].chars().next().is_none_or(|c| c == ' '));
    let plain_chars = !s.is_empty()
        && !starts_indicator
        && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && s.chars().all(|c| !c.is_control());
    if plain_chars && matches!(crate::yaml11::resolve_plain(s), Value::String(_)) {
        return s.to_owned();
    }
    if plain_chars || s.is_empty() || s.chars().any(char::is_control) {
        let mut out = String::new();
        write_json_string(s, &mut out);
        // yaml.v2 does not escape HTML characters.
        return out
            .replace("\\u003c", "<")
            .replace("\\u003e", ">")
            .replace("\\u0026", "&");
    }
    // Not plain (an indicator first, `: ` inside, a space at an end, …) but printable: the
    // emitter falls back from plain to single quotes (libyaml's `select_scalar_style`).
    format!("'{}'", s.replace('\'', "''"))
}

/// A value under a mapping key at `indent`, as `yaml.v2` writes it after the colon: ` scalar`
/// and a line break, or a literal block whose lines sit at `indent` (for writers of ordered
/// maps, whose keys [`yaml`] would sort).
pub fn yaml_child(value: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_yaml_child(value, indent, &mut out, false);
    out
}

/// An empty map: what `action-get` prints when there are no params.
pub fn empty() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strings_are_quoted_as_yaml_v2_quotes_them() {
        for (s, yaml) in [
            ("db.example", "db.example"),
            ("\"db.example\"", "'\"db.example\"'"),
            ("it's: here", "'it''s: here'"),
            ("- item", "'- item'"),
            ("-x", "-x"),
            ("?x", "?x"),
            ("[a]", "'[a]'"),
            ("a, b", "a, b"),
            ("5432", "\"5432\""),
            ("yes", "\"yes\""),
            ("", "\"\""),
            ("tab\there", "\"tab\\there\""),
        ] {
            assert_eq!(yaml_string(s), yaml, "{s:?}");
        }
    }

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(json_float(5.0), "5");
        assert_eq!(json_float(0.5), "0.5");
        assert_eq!(json_float(1e21), "1e+21");
        assert_eq!(json_float(1.5e-7), "1.5e-7");
        assert_eq!(json_float(9007199254740992.0), "9007199254740992");
        assert_eq!(g_float(5.0), "5");
        assert_eq!(g_float(0.25), "0.25");
        assert_eq!(g_float(1e21), "1e+21");
        assert_eq!(g_float(1e6), "1e+06");
        assert_eq!(g_float(123456.0), "123456");
        assert_eq!(
            marshal(&json!({"b": 5.0, "a": "<&>"})),
            r#"{"a":"\u003c\u0026\u003e","b":5}"#
        );
        assert_eq!(as_float64(json!({"n": 5.0})), json!({"n": 5}));
    }

    #[test]
    fn strings_with_breaks_are_literal_blocks_as_yaml_v2_writes_them() {
        // relation-get_test.go: "pew\npew\n" under a key, and "foo: bar\n".
        assert_eq!(
            yaml(&json!({"pew": "pew\npew\n"})),
            "pew: |\n  pew\n  pew\n"
        );
        assert_eq!(
            yaml(&json!({"private-address": "foo: bar\n"})),
            "private-address: |\n  foo: bar\n"
        );
        assert_eq!(yaml(&json!({"a": "x\ny"})), "a: |-\n  x\n  y\n");
        assert_eq!(yaml(&json!({"a": "x\n\n"})), "a: |+\n  x\n\n");
        assert_eq!(
            yaml(&json!({"a": {"b": "x\ny\n"}})),
            "a:\n  b: |\n    x\n    y\n"
        );
        // A space before a break rules the block out.
        assert_eq!(yaml(&json!({"a": "x \ny"})), "a: \"x \\ny\"\n");
    }
}
