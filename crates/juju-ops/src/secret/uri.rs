//! [`Secret`]: a Juju secret's URI, also the type of a `secret` config option, read and
//! checked as Juju 3.6 reads it (`core/secrets` `ParseURI`, over Go's `net/url` `Parse`), with
//! Juju's messages. This is the one place the rule lives: the harness and the local Juju use it.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::messages::go_quote;

/// A Juju secret's URI (`secret:<id>`, or `secret://<model-uuid>/<id>` for a secret of another
/// model), where the id is an `xid`: 20 characters of `0-9` and `a-v`, the last `0` or `g`.
///
/// It is also a config option of Juju's `secret` type (the schema says `type: secret`): read
/// the secret it names with [`Unit::secret_content`](crate::Unit::secret_content).
///
/// The field is the URI as given; [`Secret::parse`] checks it with Juju's rule (and writes it
/// as Juju does), and every method that calls a hook tool with it checks it first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl JsonSchema for Secret {
    fn schema_name() -> Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "x-juju-type": "secret" })
    }
}

/// A string that is not a secret URI. Its `Display` and `Debug` show the string only when it
/// starts with `secret:` (anything else may be a value put where a URI belongs).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUriError {
    /// The string given.
    pub given: String,
}

impl SecretUriError {
    fn shown(&self) -> bool {
        self.given.trim_start().starts_with("secret:")
    }
}

impl fmt::Debug for SecretUriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SecretUriError");
        if self.shown() {
            debug.field("given", &self.given);
        } else {
            debug.field(
                "given",
                &format_args!("<{} characters>", self.given.chars().count()),
            );
        }
        debug.finish()
    }
}

impl fmt::Display for SecretUriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Juju's `secrets.ParseURI` message, for a string meant as a URI. Anything else may be
        // a value put where a URI belongs (a password in the wrong option): it is not shown.
        if self.shown() {
            f.write_str(&self.juju_message())
        } else {
            write!(
                f,
                "secret URI not valid: a string of {} characters that does not start with \
                 \"secret:\" (not shown, in case it is a secret value)",
                self.given.chars().count()
            )
        }
    }
}

impl std::error::Error for SecretUriError {}

impl SecretUriError {
    /// Juju's own message for the string, as `secrets.ParseURI` words it (`secret URI "…" not
    /// valid`, `secret URI scheme "…" not valid`, `host controller UUID "…" not valid`, or
    /// Go's `net/url` error). It quotes the string, or part of it, whatever it is: it is for a
    /// program that answers as Juju does (the local Juju). The `Display` of this error shows
    /// it only for a string that starts with `secret:`.
    pub fn juju_message(&self) -> String {
        match parse_uri(&self.given) {
            Err(message) => message,
            // Not reached: the error is made only for a string `parse_uri` refuses.
            Ok(_) => format!("secret URI {} not valid", go_quote(&self.given)),
        }
    }
}

/// A URL's parts as Go's `net/url.Parse` splits them, for the shapes a secret URI can take.
struct Url<'a> {
    /// Lowercased, as Go keeps it.
    scheme: String,
    host: &'a str,
    path: &'a str,
    opaque: &'a str,
}

/// Go's `url.Parse(s)`; `Err` is its error without the `parse "…": ` that Go puts before it.
/// Not checked, as no secret URI needs them: the user info, the host's characters and port, and
/// percent-escapes (which no secret URI holds).
fn parse_url(s: &str) -> Result<Url<'_>, &'static str> {
    let s = s.split('#').next().unwrap_or_default();
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL");
    }
    let (scheme, rest) = match url_scheme(s)? {
        Some(scheme) => (scheme.to_ascii_lowercase(), &s[scheme.len() + 1..]),
        None => (String::new(), s),
    };
    let rest = rest.split('?').next().unwrap_or_default();
    if !rest.starts_with('/') {
        if !scheme.is_empty() {
            // A rootless path is opaque (RFC 3986).
            return Ok(Url {
                scheme,
                host: "",
                path: "",
                opaque: rest,
            });
        }
        if rest.split('/').next().unwrap_or_default().contains(':') {
            return Err("first path segment in URL cannot contain colon");
        }
    }
    let (host, path) = match rest.strip_prefix("//") {
        Some(authority) if !scheme.is_empty() || !rest.starts_with("///") => {
            let (authority, path) =
                authority.split_at(authority.find('/').unwrap_or(authority.len()));
            (authority.rsplit('@').next().unwrap_or_default(), path)
        }
        _ => ("", rest),
    };
    Ok(Url {
        scheme,
        host,
        path,
        opaque: "",
    })
}

/// The scheme Go's `getScheme` finds in `s`: letters, then letters, digits, `+`, `-` or `.`,
/// before the first `:`; `None` when `s` has none.
fn url_scheme(s: &str) -> Result<Option<&str>, &'static str> {
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme"),
            b':' => return Ok(Some(&s[..i])),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// A UUID as Juju's `uuidSnippet` matches it: `8-4-4-4-12` lowercase hexadecimal digits. (Juju
/// looks for it anywhere in a URI's host; no host a secret URI has differs.)
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// A secret's id as Juju reads it: 20 lowercase letters and digits (`idSnippet`) that are an
/// `xid` (`xid.FromString`: base32hex, `0-9` and `a-v`, whose last character carries no stray
/// bits, so is `0` or `g`).
fn is_secret_id(s: &str) -> bool {
    s.len() == 20
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
        && matches!(s.as_bytes().last(), Some(b'0' | b'g'))
}

/// Juju 3.6's `secrets.ParseURI`: the source UUID when the URI has one, and the id; `Err` is
/// Juju's message.
fn parse_uri(s: &str) -> Result<(Option<&str>, &str), String> {
    let url = parse_url(s).map_err(|e| {
        format!(
            "parse {}: {e}",
            go_quote(s.split('#').next().unwrap_or_default())
        )
    })?;
    if !url.scheme.is_empty() && url.scheme != "secret" {
        return Err(format!(
            "secret URI scheme {} not valid",
            go_quote(&url.scheme)
        ));
    }
    if !url.host.is_empty() && !is_uuid(url.host) {
        return Err(format!(
            "host controller UUID {} not valid",
            go_quote(url.host)
        ));
    }
    let mut id = url.path.trim_start_matches('/');
    if id.is_empty() {
        id = url.opaque;
    }
    let invalid = || format!("secret URI {} not valid", go_quote(s));
    let (source, id) = match id.split_once('/') {
        Some((uuid, id)) if is_uuid(uuid) => (Some(uuid), id),
        Some(_) => return Err(invalid()),
        None => ((!url.host.is_empty()).then_some(url.host), id),
    };
    if !is_secret_id(id) {
        return Err(invalid());
    }
    Ok((source, id))
}

impl Secret {
    /// Reads a secret URI as Juju's `secrets.ParseURI` (Juju 3.6) reads it: `secret:<id>`,
    /// `secret://<source-uuid>/<id>`, `secret:<source-uuid>/<id>`, or the same without the
    /// scheme (a bare `<id>`), where the id is an `xid` (20 characters of `0-9` and `a-v`,
    /// the last `0` or `g`) and a UUID is `8-4-4-4-12` lowercase hexadecimal digits. The
    /// result is the URI as Juju prints it: `secret:<id>`, or `secret://<source-uuid>/<id>`.
    /// The error's `Display` is Juju's message ([`SecretUriError::juju_message`]) when the
    /// string starts with `secret:`.
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::Secret;
    ///
    /// let secret = Secret::parse("secret:cj4v5vm78ohs79o84r4g").unwrap();
    /// assert_eq!(secret.id(), "cj4v5vm78ohs79o84r4g");
    /// assert_eq!(Secret::parse("cj4v5vm78ohs79o84r4g").unwrap(), secret);
    /// let err = Secret::parse("secret:short").unwrap_err();
    /// assert_eq!(err.to_string(), r#"secret URI "secret:short" not valid"#);
    /// ```
    pub fn parse(s: &str) -> Result<Secret, SecretUriError> {
        match parse_uri(s) {
            Ok((None, id)) => Ok(Secret(format!("secret:{id}"))),
            Ok((Some(source), id)) => Ok(Secret(format!("secret://{source}/{id}"))),
            Err(_) => Err(SecretUriError {
                given: s.to_owned(),
            }),
        }
    }

    /// Whether `s` names the URL scheme `secret` (in any case), as Go's `net/url` reads a
    /// scheme. A `secret` config option needs it besides what [`Secret::parse`] checks, which
    /// takes a bare id too (Juju's `secret` config type).
    pub fn has_secret_scheme(s: &str) -> bool {
        let s = s.split('#').next().unwrap_or_default();
        url_scheme(s).is_ok_and(|scheme| scheme.is_some_and(|s| s.eq_ignore_ascii_case("secret")))
    }

    /// The URI as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the URI is one [`Secret::parse`] accepts as it is: valid, and as Juju prints it.
    pub fn is_valid(&self) -> bool {
        Secret::parse(&self.0).is_ok_and(|parsed| parsed.0 == self.0)
    }

    /// The secret's unique id, the 20 characters after `secret:` or the source UUID (what
    /// `secret-ids` prints, and ops calls `unique_identifier`).
    pub fn id(&self) -> &str {
        let s = self.0.trim();
        let s = s.strip_prefix("secret:").unwrap_or(s);
        s.rsplit('/').next().unwrap_or(s)
    }

    /// The source (model) UUID of a `secret://<source-uuid>/<id>` URI.
    pub fn model_uuid(&self) -> Option<&str> {
        let rest = self.0.trim().strip_prefix("secret://")?;
        rest.split_once('/').map(|(model, _)| model)
    }

    /// Whether `self` and `other` name the same secret (the same id, whichever form).
    pub fn same_secret(&self, other: &Secret) -> bool {
        self.id() == other.id()
    }

    /// The URI, checked ([`Secret::parse`]).
    pub(crate) fn checked(&self) -> Result<Secret, SecretUriError> {
        Secret::parse(&self.0)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Secret {
    type Err = SecretUriError;

    fn from_str(s: &str) -> Result<Secret, SecretUriError> {
        Secret::parse(s)
    }
}
