//! The `snapshot` action on a Juju model (real or local), end to end: the ops docs' integration
//! test, a failure, and params Juju refuses before the charm runs.

use juju::Error;
use juju::itest::deployed;
use serde_json::json;

/// Removes a snapshot left by an earlier run on a reused model.
fn forget(name: &str) {
    let d = deployed();
    d.juju
        .exec(d.unit(), ["rm", "-f", &format!("../snapshots/{name}")])
        .unwrap();
}

#[test]
fn the_unit_is_active() {
    let d = deployed();
    let status = d.juju.status().unwrap();
    let unit = &status.applications[&d.app].units[&d.unit()];
    assert_eq!(unit.workload_status.current, "active");
    assert_eq!(unit.workload_status.message, "ready");
}

/// The docs' integration test: `snapshot filename=db-snapshot.gz` completes with a numeric
/// `snapshot-size`, and the file is on the unit.
#[test]
fn snapshot_creates_the_file_on_the_unit() {
    let d = deployed();
    forget("db-snapshot.gz");
    let task = d
        .juju
        .run(d.unit(), "snapshot", &json!({"filename": "db-snapshot.gz"}))
        .unwrap();
    assert_eq!(task.status, "completed");
    assert_eq!(task.results["result"], "Stored snapshot in db-snapshot.gz.");
    assert_eq!(
        task.log_messages(),
        ["Generating snapshot into db-snapshot.gz"]
    );
    let size = task.results["snapshot-size"].as_str().unwrap();
    let on_unit = d
        .juju
        .exec(
            d.unit(),
            ["stat", "-c", "%s", "../snapshots/db-snapshot.gz"],
        )
        .unwrap();
    assert_eq!(on_unit.stdout.trim(), size);
}

#[test]
fn an_existing_snapshot_fails_the_action() {
    let d = deployed();
    forget("twice.gz");
    let params = json!({"filename": "twice.gz"});
    d.juju.run(d.unit(), "snapshot", &params).unwrap();
    let err = d.juju.run(d.unit(), "snapshot", &params).unwrap_err();
    let Error::Task(e) = err else { panic!("{err}") };
    assert_eq!(e.task.status, "failed");
    assert!(
        e.task.message.starts_with("Failed to generate snapshot: "),
        "{}",
        e.task.message
    );
}

/// Juju validates params against actions.yaml before anything runs on the unit.
#[test]
fn invalid_params_are_refused_before_the_charm_runs() {
    let d = deployed();
    for (params, field) in [
        (
            json!({"filename": "x", "compression": {"quality": 12}}),
            "quality",
        ),
        (json!({"compression": {"quality": 1}}), "filename"),
        (json!({"filename": "x", "bogus": 1}), "bogus"),
    ] {
        let err = d.juju.run(d.unit(), "snapshot", &params).unwrap_err();
        assert!(matches!(err, Error::NotScheduled { .. }), "{params}: {err}");
        assert!(err.to_string().contains(field), "{params}: {err}");
    }
}
