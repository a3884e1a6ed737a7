//! `juju run` argument values as Juju reads them: `yaml.Unmarshal` from `gopkg.in/yaml.v2` (YAML
//! 1.1) into an `interface{}` (`cmd/juju/action/run.go`, `enqueueActions`). [`resolve_plain`] is
//! yaml.v2's `resolve` for plain scalars (`yes`/`on`/`y` are booleans, `0777` is octal 511,
//! `1_000` is 1000, `.inf`, timestamps stay strings); [`parse_value`] reads one argument value:
//! plain, quoted, or a flow sequence or mapping, and fails with yaml.v2's message
//! (`yaml: found unexpected end of stream`, `yaml: did not find expected ',' or ']'`).

use serde_json::{Map, Value};

use crate::gojson::number_from_f64;

/// yaml.v2's resolution of a plain scalar.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        // NaN and infinities have no JSON form: Juju's client fails to marshal them; the
        // nearest faithful thing here is to keep the text.
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return Value::String(s.to_owned()),
        _ => {}
    }
    let Some(first) = s.chars().next() else {
        return Value::Null;
    };
    if first == '.' {
        return go_parse_float(s).map_or_else(|| Value::String(s.to_owned()), number_from_f64);
    }
    if !(first.is_ascii_digit() || first == '+' || first == '-') {
        return Value::String(s.to_owned());
    }
    if is_timestamp(s) {
        // yaml.v2 keeps timestamps decoded into interface{} as strings.
        return Value::String(s.to_owned());
    }
    let plain = s.replace('_', "");
    if let Some(i) = go_parse_int(&plain) {
        return i64::try_from(i)
            .map(Value::from)
            .or_else(|_| u64::try_from(i).map(Value::from))
            .unwrap_or_else(|_| Value::String(s.to_owned()));
    }
    if let Some(f) = yaml_style_float(&plain) {
        return number_from_f64(f);
    }
    if let Some(bits) = plain
        .strip_prefix("0b")
        .or_else(|| plain.strip_prefix("-0b"))
        && let Ok(i) = i64::from_str_radix(bits, 2)
    {
        return Value::from(if plain.starts_with('-') { -i } else { i });
    }
    Value::String(s.to_owned())
}

/// `strconv.ParseInt(s, 0, 64)` then `ParseUint`: decimal, `0x`, `0o`, `0b`, and `0`-prefixed
/// octal, with an optional sign.
fn go_parse_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(h) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, h)
    } else if let Some(o) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, o)
    } else if let Some(b) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, b)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    let value = if neg {
        -(i128::from(magnitude))
    } else {
        i128::from(magnitude)
    };
    // ParseInt takes [-2^63, 2^63); ParseUint (unsigned only) up to 2^64-1.
    (value >= i128::from(i64::MIN)).then_some(value)
}

/// yaml.v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if mantissa_ok && exponent_ok {
        go_parse_float(s)
    } else {
        None
    }
}

fn go_parse_float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// yaml.v2's `parseTimestamp` shape check: four digits then `-` (`2006-1-2`, with time).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && {
        let date = s.split(['T', 't', ' ']).next().unwrap_or(s);
        let parts: Vec<&str> = date.split('-').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    }
}

/// Parses one `juju run` value as yaml.v2 would into an `interface{}`; `Err` holds the message
/// Juju prints (`yaml: …`).
pub fn parse_value(raw: &str) -> Result<Value, String> {
    let text = raw.trim_matches([' ', '\t']);
    if text.is_empty() || text.starts_with('#') {
        // An empty document leaves the value as the raw string.
        return Ok(Value::String(raw.to_owned()));
    }
    let block = text.contains('\n')
        || text.starts_with("- ")
        || text == "-"
        || (!text.starts_with(['[', '{', '"', '\''])
            && (text.contains(": ") || text.ends_with(':')));
    if block {
        return block_value(text);
    }
    let mut p = Flow {
        s: text.as_bytes(),
        i: 0,
        src: text,
    };
    let value = p.node(false)?;
    p.skip_space();
    if p.i < p.s.len() && p.s[p.i] != b'#' {
        return Err(match p.s[p.i] {
            b']' | b'}' => "yaml: did not find expected <document start>".into(),
            _ => "yaml: did not find expected <document start>".into(),
        });
    }
    Ok(value)
}

/// Block mappings and sequences (rare on a command line): read with the workspace YAML parser.
fn block_value(text: &str) -> Result<Value, String> {
    let plain_parts: Vec<&str> = text.split(": ").collect();
    if !text.contains('\n') && plain_parts.len() > 2 {
        return Err("yaml: mapping values are not allowed in this context".into());
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| {
        let first = e.to_string();
        format!("yaml: {}", first.lines().next().unwrap_or_default())
    })
}

struct Flow<'a> {
    s: &'a [u8],
    i: usize,
    src: &'a str,
}

impl Flow<'_> {
    fn skip_space(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn node(&mut self, in_flow: bool) -> Result<Value, String> {
        self.skip_space();
        match self.peek() {
            Some(b'[') => self.sequence(),
            Some(b'{') => self.mapping(),
            Some(b'"') => self.double_quoted().map(Value::String),
            Some(b'\'') => self.single_quoted().map(Value::String),
            Some(b']' | b'}') if !in_flow => Err("yaml: did not find expected node content".into()),
            _ => Ok(resolve_plain(&self.plain(in_flow))),
        }
    }

    fn plain(&mut self, in_flow: bool) -> String {
        let start = self.i;
        while let Some(c) = self.peek() {
            let next = self.s.get(self.i + 1).copied();
            let stop = (in_flow && matches!(c, b',' | b'[' | b']' | b'{' | b'}'))
                || (c == b':'
                    && (next.is_none() || matches!(next, Some(b' ' | b',' | b']' | b'}')))
                    && in_flow)
                || (c == b'#' && self.i > start && matches!(self.s[self.i - 1], b' ' | b'\t'));
            if stop {
                break;
            }
            self.i += 1;
        }
        self.src[start..self.i].trim_end().to_owned()
    }

    fn sequence(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                None => return Err("yaml: did not find expected ',' or ']'".into()),
                _ => {}
            }
            items.push(self.node(true)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                _ => return Err("yaml: did not find expected ',' or ']'".into()),
            }
        }
    }

    fn mapping(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut map = Map::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(map));
                }
                None => return Err("yaml: did not find expected ',' or '}'".into()),
                _ => {}
            }
            let key = match self.node(true)? {
                Value::String(s) => s,
                Value::Null => "null".into(),
                other => crate::gojson::marshal(&other),
            };
            self.skip_space();
            let value = if self.peek() == Some(b':') {
                self.i += 1;
                self.skip_space();
                if matches!(self.peek(), Some(b',' | b'}')) {
                    Value::Null
                } else {
                    self.node(true)?
                }
            } else {
                Value::Null
            };
            map.insert(key, value);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return Err("yaml: did not find expected ',' or '}'".into()),
            }
        }
    }

    fn single_quoted(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        let rest = &self.src[self.i..];
        let mut chars = rest.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c == '\'' {
                if let Some((_, '\'')) = chars.peek() {
                    chars.next();
                    out.push('\'');
                    continue;
                }
                self.i += at + 1;
                return Ok(out);
            }
            out.push(c);
        }
        Err("yaml: found unexpected end of stream".into())
    }

    fn double_quoted(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        let rest = &self.src[self.i..];
        let mut chars = rest.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    self.i += at + 1;
                    return Ok(out);
                }
                '\\' => match chars.next().map(|(_, e)| e) {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('0') => out.push('\0'),
                    Some(' ') => out.push(' '),
                    Some('/') => out.push('/'),
                    Some('\\') => out.push('\\'),
                    Some('"') => out.push('"'),
                    Some(e @ ('x' | 'u' | 'U')) => {
                        let len = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = chars.by_ref().take(len).map(|(_, h)| h).collect();
                        match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            Some(ch) if hex.len() == len => out.push(ch),
                            _ => {
                                return Err("yaml: did not find expected hexdecimal number".into());
                            }
                        }
                    }
                    None => return Err("yaml: found unexpected end of stream".into()),
                    Some(_) => return Err("yaml: found unknown escape character".into()),
                },
                c => out.push(c),
            }
        }
        Err("yaml: found unexpected end of stream".into())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scalars_resolve_as_yaml_v2_does() {
        assert_eq!(resolve_plain("0777"), json!(511));
        assert_eq!(resolve_plain("0x1F"), json!(31));
        assert_eq!(resolve_plain("1_000"), json!(1000));
        assert_eq!(resolve_plain("yes"), json!(true));
        assert_eq!(resolve_plain("Off"), json!(false));
        assert_eq!(resolve_plain("~"), json!(null));
        assert_eq!(resolve_plain("08"), json!(8));
        assert_eq!(resolve_plain("1.5"), json!(1.5));
        assert_eq!(resolve_plain("2024-01-02"), json!("2024-01-02"));
        assert_eq!(resolve_plain("0b101"), json!(5));
        assert_eq!(
            parse_value("[1, yes, 'a''b', {k: 0o10}]"),
            Ok(json!([1, true, "a'b", {"k": 8}]))
        );
        assert_eq!(
            parse_value("\""),
            Err("yaml: found unexpected end of stream".into())
        );
        assert_eq!(
            parse_value("[x"),
            Err("yaml: did not find expected ',' or ']'".into())
        );
        assert_eq!(parse_value("x #c"), Ok(json!("x")));
    }
}
