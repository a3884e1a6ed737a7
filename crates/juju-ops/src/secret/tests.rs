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
    assert_eq!(Secret::parse(&format!(" {id}\n")).unwrap(), plain);
    let remote = format!("secret://deadbeef-1bad-500d-9000-4b1d0d06f00d/{id}");
    let remote = Secret::parse(&remote).unwrap();
    assert_eq!(remote.id(), id);
    assert_eq!(
        remote.model_uuid(),
        Some("deadbeef-1bad-500d-9000-4b1d0d06f00d")
    );
    assert!(remote.same_secret(&plain));
    for bad in [
        "secret:",
        "secret:cheese",
        "secret:CJ4V5VM78OHS79O84R4G",
        "secret://nothost/cj4v5vm78ohs79o84r4g",
        "secret://deadbeef-1bad-500d-9000-4b1d0d06f00d/",
        "secret:cj4v5vm78ohs79o84r4g/x",
    ] {
        let err = Secret::parse(bad).unwrap_err();
        assert_eq!(err.to_string(), format!("secret URI {bad:?} not valid"));
    }
    // A string not meant as a URI may be a value: not shown.
    for bad in ["", "hunter2", "http:cj4v5vm78ohs79o84r4g"] {
        let err = Secret::parse(bad).unwrap_err().to_string();
        assert!(!bad.is_empty() || err.contains("0 characters"), "{err}");
        assert!(bad.is_empty() || !err.contains(bad), "{err}");
    }
    assert!(!Secret("secret:nope".into()).is_valid());
    assert!(!Secret(id.into()).is_valid());
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
