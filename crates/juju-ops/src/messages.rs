//! Pieces of messages that several modules write: a list of names (`none` when empty), a JSON
//! value's kind in words, and a string quoted as Go's `%q` quotes it (for Juju's messages).

use serde_json::Value;

/// `items` joined with `", "`, or `none` when there are none.
pub(crate) fn list_or_none<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<S> = items.into_iter().collect();
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join(", ")
}

/// What kind of JSON value `value` is, in words: `null`, `a boolean`, `a number`, `a string`,
/// `a list`, `a mapping`.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// `s` as Go's `%q` writes it (`strconv.Quote`): printable characters as they are, the rest
/// escaped.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_kinds_and_go_quotes() {
        assert_eq!(list_or_none(Vec::<String>::new()), "none");
        assert_eq!(list_or_none(["a", "b"]), "a, b");
        assert_eq!(json_kind(&serde_json::json!({})), "a mapping");
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\t\n\u{0}\u{7f}é"), r#""\t\n\x00\x7fé""#);
        assert_eq!(go_quote("\u{85}"), r#""\u0085""#);
    }
}
