//! URIs, expiry arguments, `secret-info-get`'s output and the metadata names.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::*;

#[test]
fn uris_are_read_in_each_form() {
    let id = "cj4v5vm78ohs79o84r4g";
    let plain = Secret::parse(&format!("secret:{id}")).unwrap();
    assert_eq!(plain.as_str(), format!("secret:{id}"));
    assert_eq!(plain.id(), id);
    assert_eq!(plain.model_uuid(), None);
    assert!(plain.is_valid());
    let uuid = "deadbeef-1bad-500d-9000-4b1d0d06f00d";
    let remote = Secret::parse(&format!("secret://{uuid}/{id}")).unwrap();
    assert_eq!(remote.id(), id);
    assert_eq!(remote.model_uuid(), Some(uuid));
    assert!(remote.same_secret(&plain));
    // Every form Juju reads, written as Juju writes it.
    for (given, canonical) in [
        (id.to_owned(), plain.as_str()),
        (format!("secret:/{id}"), plain.as_str()),
        (format!("SECRET:{id}#fragment"), plain.as_str()),
        (format!("secret:{id}?query"), plain.as_str()),
        (format!("secret:{uuid}/{id}"), remote.as_str()),
        (format!("{uuid}/{id}"), remote.as_str()),
        (format!("//{uuid}/{id}"), remote.as_str()),
        (format!("secret://user@{uuid}/{id}"), remote.as_str()),
    ] {
        let parsed = Secret::parse(&given).unwrap_or_else(|e| panic!("{given}: {e:?}"));
        assert_eq!(parsed.as_str(), canonical, "{given}");
        assert_eq!(
            Secret(given.clone()).is_valid(),
            given == canonical,
            "{given}"
        );
    }
}

#[test]
fn uris_are_refused_with_juju_s_messages() {
    // Juju 3.6 `core/secrets` `ParseURI` over Go's `net/url`.
    for (bad, message) in [
        ("secret:", r#"secret URI "secret:" not valid"#),
        ("secret:cheese", r#"secret URI "secret:cheese" not valid"#),
        (
            "secret:CJ4V5VM78OHS79O84R4G",
            r#"secret URI "secret:CJ4V5VM78OHS79O84R4G" not valid"#,
        ),
        // 20 lowercase letters and digits, but not an xid.
        (
            "secret:cj4v5vm78ohs79o84r4z",
            r#"secret URI "secret:cj4v5vm78ohs79o84r4z" not valid"#,
        ),
        (
            "secret:cj4v5vm78ohs79o84r4h",
            r#"secret URI "secret:cj4v5vm78ohs79o84r4h" not valid"#,
        ),
        (
            "secret://nothost/cj4v5vm78ohs79o84r4g",
            r#"host controller UUID "nothost" not valid"#,
        ),
        (
            "secret://deadbeef-1bad-500d-9000-4b1d0d06f00d/",
            r#"secret URI "secret://deadbeef-1bad-500d-9000-4b1d0d06f00d/" not valid"#,
        ),
        (
            "secret:cj4v5vm78ohs79o84r4g/x",
            r#"secret URI "secret:cj4v5vm78ohs79o84r4g/x" not valid"#,
        ),
        (
            "secret:cj4v5vm78ohs79o84r4g\n",
            r#"parse "secret:cj4v5vm78ohs79o84r4g\n": net/url: invalid control character in URL"#,
        ),
        (
            "http:cj4v5vm78ohs79o84r4g",
            r#"secret URI scheme "http" not valid"#,
        ),
        (
            " secret:cj4v5vm78ohs79o84r4g",
            r#"parse " secret:cj4v5vm78ohs79o84r4g": first path segment in URL cannot contain colon"#,
        ),
        (":x", r#"parse ":x": missing protocol scheme"#),
        ("hunter2", r#"secret URI "hunter2" not valid"#),
    ] {
        let err = Secret::parse(bad).unwrap_err();
        assert_eq!(err.juju_message(), message, "{bad:?}");
    }
    // The error shows the string only when it is meant as a URI; anything else may be a value.
    let err = Secret::parse("secret:cheese").unwrap_err();
    assert_eq!(err.to_string(), r#"secret URI "secret:cheese" not valid"#);
    for bad in ["", "hunter2", "http:cj4v5vm78ohs79o84r4g", " hunter:2"] {
        let err = Secret::parse(bad).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(bad.is_empty() || !shown.contains(bad.trim()), "{shown}");
        assert!(
            shown.contains(&format!("{} characters", bad.chars().count())),
            "{shown}"
        );
    }
    assert!(!Secret("secret:nope".into()).is_valid());
    assert!(!Secret("cj4v5vm78ohs79o84r4g".into()).is_valid());
}

#[test]
fn config_values_need_the_secret_scheme() {
    assert!(Secret::has_secret_scheme("secret:cj4v5vm78ohs79o84r4g"));
    assert!(Secret::has_secret_scheme("Secret://x"));
    assert!(!Secret::has_secret_scheme("cj4v5vm78ohs79o84r4g"));
    assert!(!Secret::has_secret_scheme("http:x"));
    assert!(!Secret::has_secret_scheme(":secret"));
    assert!(!Secret::has_secret_scheme(""));
}

#[test]
fn expiry_is_written_as_go_reads_it() {
    assert_eq!(
        Expire::In(Duration::from_secs(3600)).to_arg().unwrap(),
        "3600s"
    );
    assert_eq!(
        Expire::In(Duration::from_millis(1500)).to_arg().unwrap(),
        "1500000000ns"
    );
    assert!(Expire::In(Duration::ZERO).to_arg().is_err());
    assert!(Expire::In(Duration::from_secs(u64::MAX)).to_arg().is_err());
    let t = UNIX_EPOCH + Duration::from_secs(1_735_711_566);
    assert_eq!(Expire::At(t).to_arg().unwrap(), "2025-01-01T06:06:06Z");
    assert_eq!(rfc3339(UNIX_EPOCH).unwrap(), "1970-01-01T00:00:00Z");
    assert_eq!(
        rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)).unwrap(),
        "2000-02-29T00:00:00Z"
    );
    assert_eq!(
        Expire::In(Duration::from_secs(60)).resolve(t).unwrap(),
        "2025-01-01T06:07:06Z"
    );
}

#[test]
fn info_output_is_read() {
    let out = json!({"cj4v5vm78ohs79o84r4g": {
        "revision": 3, "label": "db", "owner": "application", "description": "the db",
        "rotation": "monthly", "expiry": "2025-01-01T06:06:06Z",
        "access": [{"target": "application-pg", "scope": "relation-x", "role": "view"}]
    }});
    let info = parse_info(&out).unwrap();
    assert_eq!(info.id.as_str(), "secret:cj4v5vm78ohs79o84r4g");
    assert_eq!(info.revision, 3);
    assert_eq!(info.label.as_deref(), Some("db"));
    assert_eq!(info.owner, SecretOwner::Application);
    assert_eq!(info.rotation, Some(RotatePolicy::Monthly));
    assert_eq!(info.expiry.as_deref(), Some("2025-01-01T06:06:06Z"));
    assert_eq!(info.access[0].target, "application-pg");
    let bare = json!({"cj4v5vm78ohs79o84r4g": {"revision": 1, "label": "", "owner": "unit"}});
    let info = parse_info(&bare).unwrap();
    assert_eq!(info.label, None);
    assert_eq!(info.owner, SecretOwner::Unit);
    assert!(parse_info(&json!({})).is_err());
    assert!(parse_info(&json!({"cj4v5vm78ohs79o84r4g": {"owner": "unit"}})).is_err());
    assert!(
        parse_info(&json!({"cj4v5vm78ohs79o84r4g": {"revision": 1, "owner": "model"}})).is_err()
    );
}

#[test]
fn names_round_trip() {
    for policy in RotatePolicy::ALL {
        assert_eq!(RotatePolicy::parse(policy.as_str()), Some(policy));
    }
    for owner in [SecretOwner::Application, SecretOwner::Unit] {
        assert_eq!(SecretOwner::parse(owner.as_str()), Some(owner));
    }
    assert!(SecretOptions::new().is_empty());
    assert!(!SecretOptions::new().description("d").is_empty());
}
