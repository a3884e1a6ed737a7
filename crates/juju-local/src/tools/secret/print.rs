//! Secret content as `secret-get` prints it.

use serde_json::Value;

use crate::gofmt::go_quote;
use crate::secrets::{Data, content};
use crate::tools::{Reply, ok, run_err};

/// The content as `secret-get` prints it: every value decoded (a map), or one key's (`key#base64`
/// for the stored base64), in YAML (`!!binary` for bytes that are not UTF-8) or JSON.
pub(super) fn print_content(data: &Data, key: Option<&str>, format: Option<&str>) -> Reply {
    let json = format == Some("json");
    let Some(key) = key else {
        let values = content::decoded(data).map_err(crate::error::run_error)?;
        if json {
            let map: serde_json::Map<String, Value> = values
                .into_iter()
                .map(|(k, v)| (k, Value::String(String::from_utf8_lossy(&v).into_owned())))
                .collect();
            return ok(format!("{}\n", crate::gojson::marshal(&Value::Object(map))));
        }
        if values.is_empty() {
            return ok("{}\n");
        }
        let mut out = String::new();
        for (k, v) in values {
            out.push_str(&format!("{k}:{}", yaml_bytes(&v, 2)));
        }
        return ok(out);
    };
    let (name, encoded) = match key.strip_suffix("#base64") {
        Some(name) => (name, true),
        None => (key, false),
    };
    let Some(stored) = data.get(name) else {
        return run_err(format!("secret key value {} not found", go_quote(name)));
    };
    let bytes = if encoded {
        stored.clone().into_bytes()
    } else {
        content::decode(stored).map_err(crate::error::run_error)?
    };
    if json {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        return ok(format!(
            "{}\n",
            crate::gojson::marshal(&Value::String(text))
        ));
    }
    let shown = yaml_bytes(&bytes, 2);
    ok(shown.strip_prefix(' ').unwrap_or(&shown).to_owned())
}

/// A string value as yaml.v2 writes it after a key (` value` and a line break); bytes that are
/// not UTF-8 as `!!binary`, their base64 in lines of 70 characters.
fn yaml_bytes(bytes: &[u8], indent: usize) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => crate::gojson::yaml_child(&Value::String(text.to_owned()), indent),
        Err(_) => {
            use base64::Engine;
            let b64 = base64::prelude::BASE64_STANDARD.encode(bytes);
            let pad = " ".repeat(indent);
            let mut out = String::from(" !!binary |\n");
            for chunk in b64.as_bytes().chunks(70) {
                out.push_str(&pad);
                out.push_str(&String::from_utf8_lossy(chunk));
                out.push('\n');
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_values_print_as_yaml_v2_binary() {
        // jujuc/secret-get_test.go TestSecretGetBinary (juju 25ca4bad).
        let encoded = "R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5OTk6enp56enmlpaWNjY6Ojo4SEhP/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++SH+Dk1hZGUgd2l0aCBHSU1QACwAAAAADAAMAAAFLCAgjoEwnuNAFOhpEMTRiggcz4BNJHrv/zCFcLiwMWYNG84BwwEeECcgggoBADs=";
        let data: Data = [("key".to_owned(), encoded.to_owned())].into();
        assert_eq!(
            print_content(&data, None, None).unwrap(),
            "key: !!binary |\n  R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5OTk6enp5\n  6enmlpaWNjY6Ojo4SEhP/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/+\n  +f/++SH+Dk1hZGUgd2l0aCBHSU1QACwAAAAADAAMAAAFLCAgjoEwnuNAFOhpEMTRiggcz4\n  BNJHrv/zCFcLiwMWYNG84BwwEeECcgggoBADs=\n"
        );
        // TestSecretGetKey, TestSecretGetKeyBase64, TestSecretGetJson, assertSecretGet.
        let data: Data = [
            ("cert".to_owned(), "Y2VydA==".to_owned()),
            ("key".to_owned(), "a2V5".to_owned()),
        ]
        .into();
        assert_eq!(
            print_content(&data, None, None).unwrap(),
            "cert: cert\nkey: key\n"
        );
        assert_eq!(print_content(&data, Some("cert"), None).unwrap(), "cert\n");
        assert_eq!(
            print_content(&data, Some("cert#base64"), None).unwrap(),
            "Y2VydA==\n"
        );
        let data: Data = [("key".to_owned(), "czNjcmV0IQ==".to_owned())].into();
        assert_eq!(
            print_content(&data, None, Some("json")).unwrap(),
            "{\"key\":\"s3cret!\"}\n"
        );
        assert_eq!(
            print_content(&data, Some("nope"), None)
                .unwrap_err()
                .message,
            "secret key value \"nope\" not found"
        );
    }
}
