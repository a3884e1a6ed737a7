//! The snapshot charm on a real (or local) Juju model: the ops docs' integration test, the
//! codecs, and the failure and bad-param cases end to end.

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

fn size_on_unit(name: &str) -> String {
    let d = deployed();
    let task = d
        .juju
        .exec(
            d.unit(),
            ["stat", "-c", "%s", &format!("../snapshots/{name}")],
        )
        .unwrap();
    task.stdout.trim().to_owned()
}

fn magic_on_unit(name: &str) -> String {
    let d = deployed();
    let task = d
        .juju
        .exec(
            d.unit(),
            ["od", "-An", "-tx1", "-N6", &format!("../snapshots/{name}")],
        )
        .unwrap();
    task.stdout.split_whitespace().collect()
}

#[test]
fn the_unit_is_active_with_its_workload_version() {
    let d = deployed();
    let status = d.juju.status().unwrap();
    let app = &status.applications[&d.app];
    let unit = &app.units[&d.unit()];
    assert_eq!(
        (
            unit.workload_status.current.as_str(),
            unit.workload_status.message.as_str()
        ),
        ("active", "ready")
    );
    assert!(
        !app.version.is_empty(),
        "the start hook sets the workload version"
    );
}

/// The docs' integration test: `snapshot filename=db-snapshot.tar.gz` completes with a numeric
/// `snapshot-size`, and the file is on the unit.
#[test]
fn snapshot_creates_the_file_on_the_unit() {
    let d = deployed();
    forget("db-snapshot.tar.gz");
    let task = d
        .juju
        .run(
            d.unit(),
            "snapshot",
            &json!({"filename": "db-snapshot.tar.gz"}),
        )
        .unwrap();
    assert_eq!(task.status, "completed");
    let size = task.results["snapshot-size"].as_str().unwrap();
    assert!(
        !size.is_empty() && size.chars().all(|c| c.is_ascii_digit()),
        "{size:?}"
    );
    assert_eq!(
        task.results["result"],
        "Stored snapshot in db-snapshot.tar.gz."
    );
    assert_eq!(
        task.log_messages()[0],
        "Generating snapshot into db-snapshot.tar.gz"
    );
    assert_eq!(size_on_unit("db-snapshot.tar.gz"), size);
    assert_eq!(
        &magic_on_unit("db-snapshot.tar.gz")[..4],
        "1f8b",
        "gzip magic"
    );
}

#[test]
fn each_codec_writes_its_own_format() {
    let d = deployed();
    for (kind, name, magic) in [
        ("bzip2", "codec.tar.bz2", "425a68"),
        ("xz", "codec.tar.xz", "fd377a585a00"),
    ] {
        forget(name);
        let params = json!({"filename": name, "compression": {"kind": kind, "quality": 9}});
        let task = d.juju.run(d.unit(), "snapshot", &params).unwrap();
        assert_eq!(
            task.results["snapshot-size"].as_str().unwrap(),
            size_on_unit(name)
        );
        assert!(
            magic_on_unit(name).starts_with(magic),
            "{kind}: {}",
            magic_on_unit(name)
        );
    }
}

#[test]
fn an_existing_snapshot_is_never_overwritten() {
    let d = deployed();
    forget("twice.tar.gz");
    d.juju
        .run(d.unit(), "snapshot", &json!({"filename": "twice.tar.gz"}))
        .unwrap();
    let before = size_on_unit("twice.tar.gz");
    let err = d
        .juju
        .run(d.unit(), "snapshot", &json!({"filename": "twice.tar.gz"}))
        .unwrap_err();
    let Error::Task(e) = err else { panic!("{err}") };
    assert_eq!(e.task.status, "failed");
    assert!(
        e.task.message.starts_with("Failed to generate snapshot: ")
            && e.task
                .message
                .ends_with("already exists; choose another filename"),
        "{}",
        e.task.message
    );
    assert_eq!(
        e.task.log_messages(),
        ["Generating snapshot into twice.tar.gz"]
    );
    assert!(!e.task.results.contains_key("snapshot-size"));
    assert_eq!(size_on_unit("twice.tar.gz"), before);
}

#[test]
fn a_filename_with_directories_fails_the_action() {
    let d = deployed();
    for name in ["../escape.tar.gz", "/tmp/abs.tar.gz"] {
        let err = d
            .juju
            .run(d.unit(), "snapshot", &json!({"filename": name}))
            .unwrap_err();
        let Error::Task(e) = err else { panic!("{err}") };
        assert_eq!(
            e.task.message,
            format!("Invalid filename {name:?}: it must be a plain file name, without directories")
        );
    }
}

/// Juju validates params against actions.yaml before anything runs on the unit.
#[test]
fn invalid_params_are_refused_before_the_charm_runs() {
    let d = deployed();
    let cases = [
        (
            json!({"filename": "x", "compression": {"quality": 12}}),
            "quality",
        ),
        (
            json!({"filename": "x", "compression": {"kind": "zip"}}),
            "kind",
        ),
        (json!({"compression": {"quality": 1}}), "filename"),
        (json!({"filename": "x", "bogus": 1}), "bogus"),
        (
            json!({"filename": "x", "compression": {"level": 3}}),
            "level",
        ),
    ];
    for (params, field) in cases {
        let err = d.juju.run(d.unit(), "snapshot", &params).unwrap_err();
        assert!(matches!(err, Error::NotScheduled { .. }), "{params}: {err}");
        assert!(err.to_string().contains(field), "{params}: {err}");
    }
}

#[test]
fn an_undefined_action_is_refused() {
    let d = deployed();
    let err = d.juju.run(d.unit(), "restore", &json!({})).unwrap_err();
    assert!(matches!(err, Error::NotScheduled { .. }), "{err}");
    assert!(err.to_string().contains("restore"), "{err}");
}

/// The unit publishes its configured port (8080 by default) and keeps its data on the `data`
/// storage Juju attached before `install`: the snapshot archives the demo data written there.
#[test]
fn the_unit_publishes_its_port_and_keeps_its_data_on_storage() {
    let d = deployed();
    let status = d.juju.status().unwrap();
    let unit = &status.applications[&d.app].units[&d.unit()];
    assert_eq!(unit.open_ports, ["8080/tcp"]);
    let attached: Vec<&str> = status
        .storage
        .storage
        .iter()
        .filter(|(id, _)| id.starts_with("data/"))
        .filter_map(|(_, s)| s.attachments.as_ref()?.units.get(&d.unit()))
        .map(|a| a.location.as_str())
        .collect();
    let [location] = attached.as_slice() else {
        panic!("one data storage attached to {}: {attached:?}", d.unit())
    };
    let listing = d.juju.exec(d.unit(), ["ls", location]).unwrap();
    assert_eq!(listing.stdout, "orders.csv\nusers.csv\n");
}
