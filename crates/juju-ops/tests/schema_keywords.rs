//! What the Rust types' schemas carry into `charmcraft.yaml` and the runtime enforces: schemars
//! keywords on action params (`regex` → `pattern`, sets → `uniqueItems`, ranges), action-level
//! keywords copied as Juju copies them, and config fields whose validation Juju cannot express.

use std::collections::BTreeSet;

use juju_ops::params::prepare;
use juju_ops::schema::{ActionSpec, config_options};
use schemars::JsonSchema;
use serde_json::json;

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)] // reason: only the schema is used
struct Params {
    #[schemars(regex(pattern = r"^[a-z][a-z0-9-]*$"))]
    name: String,
    tags: Option<BTreeSet<String>>,
    #[schemars(range(min = 1, max = 10))]
    count: Option<u32>,
}

#[test]
fn schemars_keywords_on_params_are_enforced() {
    let spec = ActionSpec::of::<Params>("tag").unwrap();
    assert_eq!(spec.params["name"]["pattern"], json!("^[a-z][a-z0-9-]*$"));
    assert_eq!(spec.params["tags"]["uniqueItems"], json!(true));
    let err = |params| prepare(&spec, &params).unwrap_err().to_string();
    assert!(err(json!({"name": "Bad Name"})).contains("name: does not match pattern"));
    assert!(err(json!({"name": "ok", "tags": ["a", "a"]})).contains("tags: items must be unique"));
    assert!(
        err(json!({"name": "ok", "count": 11})).contains("count: must be less than or equal to 10")
    );
    assert!(
        prepare(
            &spec,
            &json!({"name": "ok", "tags": ["a", "b"], "count": 10.0})
        )
        .is_ok()
    );
}

#[test]
fn action_level_keywords_are_kept_and_enforced() {
    let body = json!({
        "params": {"a": {"type": "string"}, "b": {"type": "string"}},
        "minProperties": 1,
        "dependencies": {"a": ["b"]},
        "title": "Act",
    });
    let spec = ActionSpec::from_yaml_value("act", &body).unwrap();
    assert_eq!(spec.to_yaml_value()["minProperties"], json!(1));
    let err = |params| prepare(&spec, &params).unwrap_err().to_string();
    assert!(err(json!({})).contains("must have at least 1 parameters"));
    assert!(err(json!({"a": "x"})).contains("a: is given, so \"b\" is required too"));
    assert!(prepare(&spec, &json!({"a": "x", "b": "y"})).is_ok());
}

#[derive(JsonSchema)]
#[allow(dead_code)] // reason: only the schema is used
struct RangedConfig {
    #[schemars(range(min = 1, max = 9))]
    level: i64,
}

#[derive(JsonSchema)]
#[allow(dead_code)] // reason: only the schema is used
struct TypedConfig {
    small: u8,
    port: u32,
    name: String,
}

#[test]
fn config_fields_with_validation_are_refused() {
    let err = config_options::<RangedConfig>().unwrap_err().to_string();
    assert!(
        err.contains("option \"level\" has `maximum`")
            || err.contains("option \"level\" has `minimum`"),
        "{err}"
    );
    assert!(err.contains("Juju would not enforce it"), "{err}");
    // Bounds that only restate the Rust type (u8, u32) are the type's, checked when parsing.
    let options = config_options::<TypedConfig>().unwrap();
    assert_eq!(options["small"], json!({"type": "int"}));
}
