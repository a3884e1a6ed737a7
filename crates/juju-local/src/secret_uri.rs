//! Secret URIs as Juju 3.6 reads them (`core/secrets` `ParseURI`), with Juju's messages, in the
//! shapes the commands and hook tools use. The rule itself is `ops::Secret::parse`, the one the
//! runtime and its harness use; a `secret` config value's scheme is
//! `ops::Secret::has_secret_scheme`.

use ops::Secret;

/// `secrets.ParseURI`: `Err` carries Juju's message.
pub fn parse(s: &str) -> Result<(), String> {
    parse_id(s).map(drop)
}

/// `secrets.ParseURI`, keeping what it finds: the source (model) UUID when the URI has one, and
/// the 20-character xid.
pub fn parse_id(s: &str) -> Result<(Option<String>, String), String> {
    let secret = Secret::parse(s).map_err(|e| e.juju_message())?;
    Ok((
        secret.model_uuid().map(str::to_owned),
        secret.id().to_owned(),
    ))
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
        assert_eq!(
            parse_id("deadbeef-1bad-500d-9000-4b1d0d06f00d/cj4v5vm78ohs79o84r4g"),
            Ok((
                Some("deadbeef-1bad-500d-9000-4b1d0d06f00d".to_owned()),
                "cj4v5vm78ohs79o84r4g".to_owned()
            ))
        );
    }
}
