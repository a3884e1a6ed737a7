//! JSON text as Python's `json.dumps` writes it with its default arguments, so that a Rust
//! charm writes the bytes its Python counterpart writes: `", "` and `": "` separators,
//! everything outside printable ASCII escaped, floats as `repr` writes them.

use std::io;

use serde::Serialize;
use serde_json::Value;

/// `value` as Python's `json.dumps(value)` writes it with its default arguments.
pub(crate) fn python_json(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Writing a `Value` into a `Vec` cannot fail.
    let _ = value.serialize(&mut serializer);
    String::from_utf8_lossy(&out).into_owned()
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
