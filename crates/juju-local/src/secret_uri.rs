//! Secret URIs as Juju 3.6 checks a `secret` config value: `core/secrets` `ParseURI` (scheme
//! `secret` or none, an optional controller UUID host, a 20-character xid) and the charm's
//! `secretC` (a scheme is required). URLs are split as Go's `net/url.Parse` splits them, for the
//! shapes a secret URI can take.

/// A URL's parts as `net/url` names them.
struct Url<'a> {
    scheme: String,
    host: &'a str,
    path: &'a str,
    opaque: &'a str,
}

fn parse_url(s: &str) -> Url<'_> {
    let s = s.split('#').next().unwrap_or("");
    let (mut rest, mut scheme) = (s, String::new());
    if let Some((head, tail)) = s.split_once(':') {
        let mut chars = head.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if valid {
            scheme = head.to_ascii_lowercase();
            rest = tail;
        }
    }
    let rest = rest.split('?').next().unwrap_or("");
    if !scheme.is_empty() && !rest.starts_with('/') {
        return Url {
            scheme,
            host: "",
            path: "",
            opaque: rest,
        };
    }
    if let Some(authority) = rest.strip_prefix("//") {
        let (host, path) = match authority.find('/') {
            Some(i) => authority.split_at(i),
            None => (authority, ""),
        };
        let host = host.rsplit('@').next().unwrap_or(host);
        return Url {
            scheme,
            host,
            path,
            opaque: "",
        };
    }
    Url {
        scheme,
        host: "",
        path: rest,
        opaque: "",
    }
}

/// The URL scheme of `s`, lower-cased, if it has one (`secretC` requires `secret`).
pub fn scheme(s: &str) -> Option<String> {
    let url = parse_url(s);
    (!url.scheme.is_empty()).then_some(url.scheme)
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// `xid.FromString`: 20 base32hex characters whose last one carries no stray bits.
fn is_xid(s: &str) -> bool {
    s.len() == 20
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
        && matches!(s.as_bytes().last(), Some(b'0' | b'g'))
}

/// `secrets.ParseURI` of Juju 3.6: `Err` carries Juju's message.
pub fn parse(s: &str) -> Result<(), String> {
    parse_id(s).map(|_| ())
}

/// `secrets.ParseURI`, keeping what it finds: the source (model) UUID when the URI has one, and
/// the 20-character xid.
pub fn parse_id(s: &str) -> Result<(Option<String>, String), String> {
    if s.starts_with(':') {
        return Err(format!("parse {s:?}: missing protocol scheme"));
    }
    let url = parse_url(s);
    if !url.scheme.is_empty() && url.scheme != "secret" {
        return Err(format!("secret URI scheme {:?} not valid", url.scheme));
    }
    if !url.host.is_empty() && !is_uuid(url.host) {
        return Err(format!("host controller UUID {:?} not valid", url.host));
    }
    let mut id = url.path.trim_start_matches('/');
    if id.is_empty() {
        id = url.opaque;
    }
    let mut source = (!url.host.is_empty()).then(|| url.host.to_owned());
    let id = match id.split_once('/') {
        Some((uuid, id)) if is_uuid(uuid) => {
            source = Some(uuid.to_owned());
            id
        }
        Some(_) => return Err(format!("secret URI {s:?} not valid")),
        None => id,
    };
    let well_formed = id.len() == 20
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    if !well_formed || !is_xid(id) {
        return Err(format!("secret URI {s:?} not valid"));
    }
    Ok((source, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_uris_parse_as_juju_parses_them() {
        assert_eq!(parse("secret:cj4v5vm78ohs79o84r4g"), Ok(()));
        assert_eq!(parse("cj4v5vm78ohs79o84r4g"), Ok(()));
        assert_eq!(
            parse("secret://deadbeef-1bad-500d-9000-4b1d0d06f00d/cj4v5vm78ohs79o84r4g"),
            Ok(())
        );
        assert_eq!(
            parse("http:cj4v5vm78ohs79o84r4g"),
            Err("secret URI scheme \"http\" not valid".to_owned())
        );
        assert_eq!(
            parse("secret:cheese"),
            Err("secret URI \"secret:cheese\" not valid".to_owned())
        );
        assert_eq!(
            parse("secret://nothost/cj4v5vm78ohs79o84r4g"),
            Err("host controller UUID \"nothost\" not valid".to_owned())
        );
        assert_eq!(
            parse_id("secret:cj4v5vm78ohs79o84r4g"),
            Ok((None, "cj4v5vm78ohs79o84r4g".to_owned()))
        );
        assert_eq!(
            parse_id("secret://deadbeef-1bad-500d-9000-4b1d0d06f00d/cj4v5vm78ohs79o84r4g"),
            Ok((
                Some("deadbeef-1bad-500d-9000-4b1d0d06f00d".to_owned()),
                "cj4v5vm78ohs79o84r4g".to_owned()
            ))
        );
        assert_eq!(scheme("cj4v5vm78ohs79o84r4g"), None);
        assert_eq!(scheme("secret:x").as_deref(), Some("secret"));
    }
}
