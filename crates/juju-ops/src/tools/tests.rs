//! What `Subprocess` writes and reads: the YAML settings of `--file -`, and `status-get`'s
//! output.

use std::collections::BTreeMap;

use super::StatusInfo;
use super::StatusTarget;
use super::subprocess::{parse_status, settings_yaml};
use serde_json::json;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn settings_yaml_quotes_every_key_and_value() {
    assert_eq!(settings_yaml(&BTreeMap::new()), "{}\n");
    assert_eq!(
        settings_yaml(&map(&[
            ("database", "app"),
            ("port", "5432"),
            ("on", "yes"),
            ("gone", ""),
            ("requested-secrets", "[\"username\", \"password\"]"),
            ("multi", "a\nb\tc \\ \u{85}\u{2028}\u{7f}é"),
        ])),
        "\"database\": \"app\"\n\
         \"gone\": \"\"\n\
         \"multi\": \"a\\u000ab\\u0009c \\\\ \\u0085\\u2028\\u007fé\"\n\
         \"on\": \"yes\"\n\
         \"port\": \"5432\"\n\
         \"requested-secrets\": \"[\\\"username\\\", \\\"password\\\"]\"\n"
    );
    let long = "k".repeat(1200);
    let yaml = settings_yaml(&map(&[(&long, "v")]));
    assert_eq!(yaml, format!("? \"{long}\"\n: \"v\"\n"));
}

#[test]
fn status_get_output_is_read_for_the_unit_and_the_application() {
    // The shapes of `jujuc/status-get.go` (`toDetails`, `ApplicationStatus`).
    let unit = json!({"message": "ready", "status": "active", "status-data": {}});
    assert_eq!(
        parse_status(&unit, StatusTarget::Unit).unwrap(),
        StatusInfo {
            status: "active".into(),
            message: "ready".into()
        }
    );
    let app = json!({"application-status": {
        "message": "1 of 2 ready", "status": "waiting", "status-data": {},
        "units": {"app/0": {"message": "", "status": "active", "status-data": {}}}
    }});
    assert_eq!(
        parse_status(&app, StatusTarget::Application).unwrap(),
        StatusInfo {
            status: "waiting".into(),
            message: "1 of 2 ready".into()
        }
    );
    assert_eq!(
        parse_status(&json!("unknown"), StatusTarget::Application)
            .unwrap()
            .status,
        "unknown"
    );
    assert!(
        parse_status(&unit, StatusTarget::Application)
            .unwrap_err()
            .contains("application-status")
    );
    assert!(parse_status(&json!({"status": 1}), StatusTarget::Unit).is_err());
    assert!(
        parse_status(
            &json!({"status": "active", "message": 2}),
            StatusTarget::Unit
        )
        .is_err()
    );
}

#[cfg(feature = "testing")]
proptest::proptest! {
    /// What `settings_yaml` writes, a YAML parser reads back as the same map of strings.
    #[test]
    fn settings_yaml_round_trips(
        data in proptest::collection::btree_map("\\PC{0,12}|[ -~]{0,8}", "\\PC{0,40}|\\p{Cc}{0,4}|[\u{80}-\u{3000}]{0,6}", 0..6)
    ) {
        let yaml = settings_yaml(&data);
        let back: BTreeMap<String, String> = serde_saphyr::from_str(&yaml)
            .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}: {yaml}")))?;
        proptest::prop_assert_eq!(back, data);
    }
}
