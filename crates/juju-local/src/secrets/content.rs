//! Secret content as Juju 3.6 reads and stores it (`core/secrets` `CreateSecretData`,
//! `ReadSecretData`, `encodeBase64`, `SecretValue`): `key=value` arguments (`key#base64=…` for a
//! value already in base64, `key#file=path` for a value read from a file), a YAML or JSON file
//! of keys and values, the key rule, the size limits of 3.6.7 (8 KiB a value, 64 KiB in all,
//! counted before encoding), values stored base64-encoded, and the content's checksum (SHA-256
//! of the encoded values as `json.Marshal` writes them).
//!
//! No error here quotes a value: Juju's YAML errors quote the start of the offending value,
//! these do not, so secret content never reaches an error message.

use std::collections::BTreeMap;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;

use crate::gofmt::go_quote;

/// The largest value, before encoding (`maxValueSizeBytes` of Juju 3.6.7).
pub const MAX_VALUE_BYTES: usize = 8 * 1024;
/// The largest content, all values together before encoding (`maxContentSizeBytes`).
pub const MAX_CONTENT_BYTES: usize = 64 * 1024;

/// A secret's content: each key's value, base64-encoded.
pub type Data = BTreeMap<String, String>;

/// Reads a file for the content: its bytes, or Juju's message for why it could not be read
/// (`open <path>: no such file or directory`).
pub type ReadFile<'a> = dyn FnMut(&str) -> Result<Vec<u8>, String> + 'a;

/// The key rule (`keyRegExp`, `^([a-z](?:-?[a-z0-9]){2,})$`): a lower-case letter, then at
/// least two letters or digits, each optionally after one hyphen.
pub fn valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some((first, rest)) = bytes.split_first() else {
        return false;
    };
    if !first.is_ascii_lowercase() {
        return false;
    }
    let mut groups = 0;
    let mut i = 0;
    while i < rest.len() {
        if rest[i] == b'-' {
            i += 1;
        }
        match rest.get(i) {
            Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() => groups += 1,
            _ => return false,
        }
        i += 1;
    }
    groups >= 2
}

/// `CreateSecretData`: `key=value` arguments (trailing `=` padding is not a separator), with
/// `key#file=path` read through `read`, encoded by [`encode`].
pub fn from_args(args: &[String], read: &mut ReadFile<'_>) -> Result<Data, String> {
    let mut raw: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for arg in args {
        let stripped = arg.trim_end_matches('=');
        let idx = match stripped.find('=') {
            Some(i) if i >= 1 => i,
            _ => return Err(format!("key value {} not valid", go_quote(arg))),
        };
        let (key, value) = (&arg[..idx], &arg[idx + 1..]);
        let Some(key) = key.strip_suffix("#file") else {
            raw.insert(key.to_owned(), value.as_bytes().to_vec());
            continue;
        };
        match read(value) {
            Ok(bytes) if bytes.len() > MAX_VALUE_BYTES => {
                return Err(format!(
                    "secret content in file {} too large: {} bytes",
                    go_quote(value),
                    bytes.len()
                ));
            }
            Ok(bytes) => {
                raw.insert(key.to_owned(), bytes);
            }
            Err(e) => {
                return Err(format!(
                    "reading content for secret key {}: {e}",
                    go_quote(key)
                ));
            }
        }
    }
    encode(raw)
}

/// `ReadSecretData`: a file holding a JSON object of strings, or else YAML read as yaml.v2
/// reads a `map[string]string` (`!!binary` values decoded), encoded by [`encode`].
pub fn from_file(path: &str, read: &mut ReadFile<'_>) -> Result<Data, String> {
    let bytes = read(path)?;
    if bytes.len() > MAX_CONTENT_BYTES {
        return Err(format!(
            "secret content in file {} too large: {} bytes",
            go_quote(path),
            bytes.len()
        ));
    }
    if let Ok(map) = serde_json::from_slice::<BTreeMap<String, String>>(&bytes) {
        return encode(map.into_iter().map(|(k, v)| (k, v.into_bytes())).collect());
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| "yaml: invalid leading UTF-8 octet")?;
    encode(yaml_content(text)?)
}

/// The marker a `!!binary` value's key gets while the YAML is read.
const BINARY: &str = "#yaml-binary";

/// A YAML map of strings; `key: !!binary …` values are base64-decoded, as yaml.v2 decodes them.
fn yaml_content(text: &str) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut marked = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.split_once(": !!binary") {
            Some((key, rest))
                if !key.trim().is_empty()
                    && !key.trim_start().starts_with(['#', '-', '{', '['])
                    && (rest.is_empty() || rest.starts_with([' ', '\n', '\r'])) =>
            {
                marked.push_str(key);
                marked.push_str(BINARY);
                marked.push(':');
                marked.push_str(rest);
            }
            _ => marked.push_str(line),
        }
    }
    let map = crate::tools::yaml_settings(&marked).map_err(|e| without_values(&e))?;
    let mut out = BTreeMap::new();
    for (key, value) in map {
        match key.strip_suffix(BINARY) {
            Some(key) => {
                let bytes = decode(&value).map_err(|_| {
                    format!(
                        "yaml: !!binary value for {} is not valid base64",
                        go_quote(key)
                    )
                })?;
                out.insert(key.to_owned(), bytes);
            }
            None => {
                out.insert(key, value.into_bytes());
            }
        }
    }
    Ok(out)
}

/// A YAML error without the quoted values yaml.v2 puts in it (`` `text…` ``).
fn without_values(message: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in message.chars() {
        if c == '`' {
            inside = !inside;
            continue;
        }
        if !inside {
            out.push(c);
        }
    }
    out.replace("  into", " into")
}

/// `encodeBase64`: each value at most [`MAX_VALUE_BYTES`] (counted as given, the base64 text
/// for a `#base64` key), the key checked against [`valid_key`], values not already base64
/// encoded, and the whole at most [`MAX_CONTENT_BYTES`]. Keys are taken in order (Go's map
/// order is random; the first error met is reported).
pub fn encode(raw: BTreeMap<String, Vec<u8>>) -> Result<Data, String> {
    let mut out = Data::new();
    let mut size = 0usize;
    for (key, value) in raw {
        if value.len() > MAX_VALUE_BYTES {
            return Err(format!(
                "secret content for key {} too large: {} bytes",
                go_quote(&key),
                value.len()
            ));
        }
        size += value.len();
        match key.strip_suffix("#base64") {
            Some(key) => {
                if !valid_key(key) {
                    return Err(format!("key {} not valid", go_quote(key)));
                }
                out.insert(key.to_owned(), String::from_utf8_lossy(&value).into_owned());
            }
            None => {
                if !valid_key(&key) {
                    return Err(format!("key {} not valid", go_quote(&key)));
                }
                out.insert(key, BASE64_STANDARD.encode(&value));
            }
        }
    }
    if size > MAX_CONTENT_BYTES {
        return Err(format!("secret content too large: {size} bytes"));
    }
    Ok(out)
}

/// Go's `base64.StdEncoding.DecodeString`, which skips line breaks.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let clean: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    BASE64_STANDARD
        .decode(clean.as_bytes())
        .map_err(|e| match e {
            base64::DecodeError::InvalidByte(at, _)
            | base64::DecodeError::InvalidLastSymbol { offset: at, .. } => {
                format!("illegal base64 data at input byte {at}")
            }
            _ => format!("illegal base64 data at input byte {}", clean.len()),
        })
}

/// Every value decoded (`SecretValue.Values`).
pub fn decoded(data: &Data) -> Result<BTreeMap<String, Vec<u8>>, String> {
    data.iter()
        .map(|(k, v)| decode(v).map(|bytes| (k.clone(), bytes)))
        .collect()
}

/// The content's checksum (`SecretValue.Checksum`): SHA-256, in hex, of the encoded values as
/// `json.Marshal` writes a `map[string]string` (keys sorted; base64 and the key rule need no
/// escaping).
pub fn checksum(data: &Data) -> String {
    let json = serde_json::to_string(data).unwrap_or_default();
    sha256_hex(json.as_bytes())
}

/// SHA-256 (FIPS 180-4), in lower-case hex.
pub fn sha256_hex(message: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    let bits = (message.len() as u64).wrapping_mul(8);
    padded.extend_from_slice(&bits.to_be_bytes());
    for block in padded.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (slot, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *slot = slot.wrapping_add(v);
        }
    }
    h.iter().map(|v| format!("{v:08x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: &str) -> Result<Vec<u8>, String> {
        Err("open x: no such file or directory".into())
    }

    fn args(list: &[&str]) -> Result<Data, String> {
        let list: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        from_args(&list, &mut no_files)
    }

    #[test]
    fn the_key_rule_is_jujus_regex() {
        for good in ["foo", "a-b-c", "abc", "a12", "my-key-2", "a-1-2"] {
            assert!(valid_key(good), "{good}");
        }
        for bad in [
            "fo", "Foo", "1ab", "a--b", "ab-", "-ab", "a_b", "", "a b", "ab#c",
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn arguments_encode_as_create_secret_data_does() {
        // core/secrets/createsecret_test.go TestKeyValues, TestBadKey (juju 937cf80e).
        let data = args(&["foo=bar", "hello=world", "goodbye#base64=world"]).unwrap();
        let want: Data = [("foo", "YmFy"), ("hello", "d29ybGQ="), ("goodbye", "world")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(data, want);
        assert_eq!(args(&["fo=bar"]).unwrap_err(), "key \"fo\" not valid");
        // jujuc/secret-add_test.go TestAddSecretInvalidArgs, TestAddSecretBase64.
        assert_eq!(
            args(&["s3cret"]).unwrap_err(),
            "key value \"s3cret\" not valid"
        );
        assert_eq!(args(&["token#base64=key="]).unwrap()["token"], "key=");
        assert_eq!(args(&["foo="]).unwrap_err(), "key value \"foo=\" not valid");
        assert_eq!(args(&["=x"]).unwrap_err(), "key value \"=x\" not valid");
        assert_eq!(args(&["a-b=x=y"]).unwrap_err(), "key \"a-b\" not valid");
    }

    #[test]
    fn sizes_are_limited_as_in_juju_3_6_7() {
        // createsecret_test.go TestKeyContentTooLarge, TestTotalContentTooLarge (937cf80e).
        let big = format!("foo={}", "a".repeat(9 * 1024));
        assert_eq!(
            args(&[&big]).unwrap_err(),
            "secret content for key \"foo\" too large: 9216 bytes"
        );
        let four = "a".repeat(4 * 1024);
        let many: Vec<String> = (1..=20).map(|i| format!("key{i}={four}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            args(&refs).unwrap_err(),
            "secret content too large: 81920 bytes"
        );
        assert!(args(&[&format!("foo={}", "a".repeat(8 * 1024))]).is_ok());
    }

    #[test]
    fn file_values_and_files_are_read_through_the_reader() {
        // createsecret_test.go TestSecretKeyFromFile (937cf80e).
        let cert = "      -----BEGIN CERTIFICATE-----\n      MIIFYjCCA0qgAwIBAgIQKaPND9YggIG6+jOcgmpk3DANBgkqhkiG9w0BAQsFADAz\n      MRwwGgYDVQQKExNsaW51eGNvbnRhaW5lcnMub3JnMRMwEQYDVQQDDAp0aW1AZWx3\n      -----END CERTIFICATE-----";
        let mut read = |path: &str| -> Result<Vec<u8>, String> {
            assert_eq!(path, "cert.pem");
            Ok(cert.as_bytes().to_vec())
        };
        let list = vec!["key1=value1".to_owned(), "key2#file=cert.pem".to_owned()];
        let data = from_args(&list, &mut read).unwrap();
        assert_eq!(data["key1"], "dmFsdWUx");
        assert_eq!(
            data["key2"],
            "ICAgICAgLS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCiAgICAgIE1JSUZZakNDQTBxZ0F3SUJBZ0lRS2FQTkQ5WWdnSUc2K2pPY2dtcGszREFOQmdrcWhraUc5dzBCQVFzRkFEQXoKICAgICAgTVJ3d0dnWURWUVFLRXhOc2FXNTFlR052Ym5SaGFXNWxjbk11YjNKbk1STXdFUVlEVlFRRERBcDBhVzFBWld4MwogICAgICAtLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0t"
        );
        let list = vec!["key2#file=missing".to_owned()];
        assert_eq!(
            from_args(&list, &mut no_files).unwrap_err(),
            "reading content for secret key \"key2\": open x: no such file or directory"
        );
        // createsecret_test.go TestYAMLFile, TestJSONFile; secret-add_test.go TestAddSecretFromFile.
        let yaml = "\n    hello: world\n    goodbye#base64: world\n    another-key: !!binary |\n      R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5\n      OTk6enp56enmlpaWNjY6Ojo4SEhP/++f/++f/++f/++f/++f/++f/++f/++f/+\n      +f/++f/++f/++f/++f/++SH+Dk1hZGUgd2l0aCBHSU1QACwAAAAADAAMAAAFLC\n      AgjoEwnuNAFOhpEMTRiggcz4BNJHrv/zCFcLiwMWYNG84BwwEeECcgggoBADs=";
        let data = from_file("f", &mut |_: &str| Ok(yaml.as_bytes().to_vec())).unwrap();
        assert_eq!(data["hello"], "d29ybGQ=");
        assert_eq!(data["goodbye"], "world");
        assert_eq!(
            data["another-key"],
            "R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5OTk6enp56enmlpaWNjY6Ojo4SEhP/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++f/++SH+Dk1hZGUgd2l0aCBHSU1QACwAAAAADAAMAAAFLCAgjoEwnuNAFOhpEMTRiggcz4BNJHrv/zCFcLiwMWYNG84BwwEeECcgggoBADs="
        );
        let json = "{\n    \"hello\": \"world\",\n    \"goodbye#base64\": \"world\",\n}";
        let data = from_file("f", &mut |_: &str| Ok(json.as_bytes().to_vec())).unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data["hello"], "d29ybGQ=");
        let literal = "key: |-\n  secret\n";
        let data = from_file("f", &mut |_: &str| Ok(literal.as_bytes().to_vec())).unwrap();
        assert_eq!(data["key"], "c2VjcmV0");
        let big = vec![b'a'; MAX_CONTENT_BYTES + 1];
        assert_eq!(
            from_file("f.yaml", &mut |_: &str| Ok(big.clone())).unwrap_err(),
            "secret content in file \"f.yaml\" too large: 65537 bytes"
        );
    }

    #[test]
    fn yaml_errors_do_not_quote_values() {
        let err = from_file("f", &mut |_: &str| Ok(b"hunter2-and-more".to_vec())).unwrap_err();
        assert!(!err.contains("hunter"), "{err}");
        assert!(err.starts_with("yaml: unmarshal errors"), "{err}");
    }

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            sha256_hex(&[b'a'; 1000]),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(
            args in proptest::collection::vec(".{0,40}", 0..5),
            file in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        ) {
            let _ = from_args(&args, &mut |_: &str| Ok(file.clone()));
            let _ = from_file("f", &mut |_: &str| Ok(file.clone()));
            let _ = decode(&String::from_utf8_lossy(&file));
        }
    }

    #[test]
    fn checksums_are_of_the_encoded_json() {
        let data: Data = [("password".to_owned(), "c2VjcmV0".to_owned())].into();
        assert_eq!(checksum(&data), sha256_hex(br#"{"password":"c2VjcmV0"}"#));
        assert_eq!(decode("c2Vj\ncmV0").unwrap(), b"secret");
        assert!(
            decode("%%%")
                .unwrap_err()
                .starts_with("illegal base64 data")
        );
    }
}
