//! Unit tests of the snapshot charm with the in-process harness (`ops::testing`): the docs'
//! "How to manage actions" unit tests, rewritten for Rust and made stricter.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use charm::actions::{Compression, CompressionKind, Snapshot};
use ops::LogLevel;
use ops::StatusName;
use ops::testing::{Context, Event, RunError, State, StatusValue};
use serde_json::{Value, json};

fn context() -> Context {
    Context::new(
        charm::charm(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../charmcraft.yaml"),
    )
    .unwrap()
}

/// A unit with a charm dir; `installed` runs the install hook (the demo data set).
struct Unit {
    dir: tempfile::TempDir,
}

impl Unit {
    fn new(installed: bool) -> Unit {
        let unit = Unit {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(unit.charm_dir()).unwrap();
        if installed {
            context().run(Event::install(), unit.state()).unwrap();
        }
        unit
    }

    fn charm_dir(&self) -> PathBuf {
        self.dir.path().join("charm")
    }

    fn snapshots(&self) -> PathBuf {
        self.dir.path().join("snapshots")
    }

    fn state(&self) -> State {
        State::default().charm_dir(self.charm_dir())
    }

    /// Files in the snapshot directory (temporary ones included).
    fn snapshot_files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.snapshots())
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// The names inside a snapshot, decompressed with `kind`.
fn archive_entries(path: &Path, kind: CompressionKind) -> Vec<(String, String)> {
    let mut archive = tar::Archive::new(charm::snapshot::open(path, kind).unwrap());
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        out.push((name, text));
    }
    out
}

fn demo_tables() -> Vec<(String, String)> {
    let mut tables: Vec<(String, String)> = charm::DEMO_TABLES
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    tables.sort();
    tables
}

#[test]
fn backup_action_logs_results_and_writes_a_real_archive() {
    let unit = Unit::new(true);
    let out = context()
        .run(
            Event::action("snapshot").params(json!({"filename": "db-snapshot.tar.gz"})),
            unit.state(),
        )
        .unwrap();
    assert_eq!(
        out.action_logs,
        [
            "Generating snapshot into db-snapshot.tar.gz",
            "orders.csv complete",
            "users.csv complete"
        ]
    );
    assert_eq!(
        out.action_results["result"],
        "Stored snapshot in db-snapshot.tar.gz."
    );
    let size = out.action_results["snapshot-size"].as_str().unwrap();
    assert!(size.chars().all(|c| c.is_ascii_digit()), "{size}");
    let path = unit.snapshots().join("db-snapshot.tar.gz");
    assert_eq!(size, fs::metadata(&path).unwrap().len().to_string());
    assert_eq!(archive_entries(&path, CompressionKind::Gzip), demo_tables());
    assert_eq!(
        unit.snapshot_files(),
        ["db-snapshot.tar.gz"],
        "no temporary file left"
    );
}

#[test]
fn every_codec_produces_an_archive_it_decompresses() {
    let unit = Unit::new(true);
    for (kind, name) in [
        (CompressionKind::Gzip, "a.tar.gz"),
        (CompressionKind::Bzip2, "a.tar.bz2"),
        (CompressionKind::Xz, "a.tar.xz"),
    ] {
        for quality in [0, 9] {
            let filename = format!("{quality}-{name}");
            let params = Snapshot {
                filename: filename.clone(),
                compression: Compression { kind, quality },
            };
            let out = context()
                .run(
                    Event::action("snapshot").typed_params(&SnapshotParams::from(&params)),
                    unit.state(),
                )
                .unwrap();
            assert_eq!(
                out.params.as_ref().unwrap()["compression"]["kind"],
                json!(params.compression.kind)
            );
            let path = unit.snapshots().join(&filename);
            assert_eq!(
                archive_entries(&path, kind),
                demo_tables(),
                "{kind:?} quality {quality}"
            );
        }
    }
}

/// The params as a user passes them (the charm's params type only deserialises).
#[derive(serde::Serialize)]
struct SnapshotParams {
    filename: String,
    compression: Compression,
}

impl From<&Snapshot> for SnapshotParams {
    fn from(s: &Snapshot) -> Self {
        SnapshotParams {
            filename: s.filename.clone(),
            compression: s.compression.clone(),
        }
    }
}

#[test]
fn yaml_defaults_apply_when_compression_is_absent_or_partial() {
    let unit = Unit::new(true);
    let mut ctx = context();
    let out = ctx
        .run(
            Event::action("snapshot").params(json!({"filename": "a"})),
            unit.state(),
        )
        .unwrap();
    assert_eq!(
        out.params.unwrap()["compression"],
        json!({"kind": "gzip", "quality": 5})
    );
    assert_eq!(
        archive_entries(&unit.snapshots().join("a"), CompressionKind::Gzip),
        demo_tables()
    );
    let out = ctx
        .run(
            Event::action("snapshot")
                .params(json!({"filename": "b", "compression": {"quality": 1}})),
            unit.state(),
        )
        .unwrap();
    assert_eq!(
        out.params.unwrap()["compression"],
        json!({"kind": "gzip", "quality": 1})
    );
    let out = ctx
        .run(
            Event::action("snapshot")
                .params(json!({"filename": "c", "compression": {"kind": "xz"}})),
            unit.state(),
        )
        .unwrap();
    assert_eq!(
        out.params.unwrap()["compression"],
        json!({"kind": "xz", "quality": 5})
    );
    assert_eq!(
        archive_entries(&unit.snapshots().join("c"), CompressionKind::Xz),
        demo_tables()
    );
}

#[test]
fn backup_action_failed_keeps_logs_and_sets_no_results() {
    // No install: the data directory is missing.
    let unit = Unit::new(false);
    let err = context()
        .run(
            Event::action("snapshot").params(json!({"filename": "db.tar.gz"})),
            unit.state(),
        )
        .unwrap_err();
    let RunError::ActionFailed(failed) = err else {
        panic!("{err}")
    };
    assert!(
        failed
            .message
            .starts_with("Failed to generate snapshot: data directory "),
        "{}",
        failed.message
    );
    assert!(
        failed
            .message
            .ends_with("does not exist (the install hook creates it)"),
        "{}",
        failed.message
    );
    assert_eq!(
        failed.output.action_logs,
        ["Generating snapshot into db.tar.gz"]
    );
    assert_eq!(failed.output.action_results, json!({}));
    assert!(
        unit.snapshot_files().is_empty(),
        "{:?}",
        unit.snapshot_files()
    );
}

#[test]
fn an_existing_snapshot_fails_the_action_and_is_kept() {
    let unit = Unit::new(true);
    let mut ctx = context();
    ctx.run(
        Event::action("snapshot").params(json!({"filename": "x.tar.gz"})),
        unit.state(),
    )
    .unwrap();
    let before = fs::read(unit.snapshots().join("x.tar.gz")).unwrap();
    let err = ctx
        .run(
            Event::action("snapshot")
                .params(json!({"filename": "x.tar.gz", "compression": {"kind": "xz"}})),
            unit.state(),
        )
        .unwrap_err();
    let RunError::ActionFailed(failed) = err else {
        panic!("{err}")
    };
    assert!(
        failed
            .message
            .ends_with("x.tar.gz already exists; choose another filename"),
        "{}",
        failed.message
    );
    assert_eq!(fs::read(unit.snapshots().join("x.tar.gz")).unwrap(), before);
    assert_eq!(unit.snapshot_files(), ["x.tar.gz"]);
}

#[test]
fn an_unwritable_snapshot_dir_fails_cleanly() {
    let unit = Unit::new(true);
    // A file where the snapshot directory should be: creating it fails, even as root.
    fs::write(unit.snapshots(), "not a directory").unwrap();
    let err = context()
        .run(
            Event::action("snapshot").params(json!({"filename": "a.tar.gz"})),
            unit.state(),
        )
        .unwrap_err();
    let RunError::ActionFailed(failed) = err else {
        panic!("{err}")
    };
    assert!(
        failed
            .message
            .starts_with("Failed to generate snapshot: cannot create "),
        "{}",
        failed.message
    );
    assert_eq!(failed.output.action_results, json!({}));
}

/// Each params case Juju refuses: refused before the handler, naming every bad field, nothing
/// written.
#[test]
fn invalid_params_are_refused_naming_each_field() {
    let unit = Unit::new(true);
    let cases = [
        (json!({}), vec!["filename: required parameter is missing"]),
        (
            json!({"filename": "a", "compression": {"quality": 12}}),
            vec!["compression.quality: must be less than or equal to 9, given 12"],
        ),
        (
            json!({"filename": "a", "compression": {"quality": -1}}),
            vec!["compression.quality: must be greater than or equal to 0, given -1"],
        ),
        (
            json!({"filename": "a", "compression": {"kind": "zip"}}),
            vec!["compression.kind: must be one of \"gzip\", \"bzip2\", \"xz\", given \"zip\""],
        ),
        (
            json!({"filename": "a", "compression": {"quality": "high"}}),
            vec!["compression.quality: must be of type integer, not string, given \"high\""],
        ),
        (
            json!({"filename": 123}),
            vec!["filename: must be of type string, not integer, given 123"],
        ),
        (
            json!({"filename": "a", "bogus": 1}),
            vec!["bogus: unknown parameter (the schema sets additionalProperties: false)"],
        ),
        (
            json!({"filename": "a", "compression": {"level": 3}}),
            vec!["compression.level: unknown parameter"],
        ),
        (
            json!({"compression": {"quality": 12, "kind": "zip"}}),
            vec![
                "filename: required parameter is missing",
                "compression.kind: must be one of",
                "compression.quality: must be less than or equal to 9",
            ],
        ),
    ];
    let mut ctx = context();
    for (params, wants) in cases {
        let err = ctx
            .run(
                Event::action("snapshot").params(params.clone()),
                unit.state(),
            )
            .unwrap_err();
        let RunError::InvalidParams(errors) = &err else {
            panic!("{params}: {err}")
        };
        assert_eq!(errors.errors.len(), wants.len(), "{params}: {err}");
        let message = err.to_string();
        assert!(
            message.starts_with("Error in action parameters: "),
            "{message}"
        );
        for want in wants {
            assert!(message.contains(want), "{params}: {message} lacks {want}");
        }
    }
    assert!(ctx.history.is_empty(), "no handler ran");
    assert!(unit.snapshot_files().is_empty());
}

#[test]
fn filenames_with_directories_are_failed_by_the_handler() {
    let unit = Unit::new(true);
    for (name, why) in [
        (
            "../x.tar.gz",
            "it must be a plain file name, without directories",
        ),
        (
            "/etc/x.tar.gz",
            "it must be a plain file name, without directories",
        ),
        ("", "it is empty"),
        ("..", "it must name a file"),
    ] {
        let err = context()
            .run(
                Event::action("snapshot").params(json!({"filename": name})),
                unit.state(),
            )
            .unwrap_err();
        let RunError::ActionFailed(failed) = err else {
            panic!("{err}")
        };
        assert_eq!(failed.message, format!("Invalid filename {name:?}: {why}"));
        assert!(failed.output.action_logs.is_empty());
    }
    assert!(unit.snapshot_files().is_empty());
    assert!(!unit.dir.path().join("x.tar.gz").exists());
}

#[test]
fn the_task_id_names_the_temporary_file_and_the_log_line() {
    let unit = Unit::new(true);
    let mut ctx = context();
    let out = ctx
        .run(
            Event::action("snapshot")
                .params(json!({"filename": "a.tar.gz"}))
                .id("42"),
            unit.state(),
        )
        .unwrap();
    assert_eq!(out.id.as_deref(), Some("42"));
    assert_eq!(
        out.juju_log_at(LogLevel::Info),
        ["Using backup-42.tar.gz as the temporary backup filename in task 42"]
    );
    let out = ctx
        .run(
            Event::action("snapshot")
                .params(json!({"filename": "b.tar.xz", "compression": {"kind": "xz"}})),
            unit.state(),
        )
        .unwrap();
    assert_eq!(
        out.juju_log_at(LogLevel::Info),
        ["Using backup-1.tar.xz as the temporary backup filename in task 1"]
    );
    let out = ctx
        .run(
            Event::action("snapshot").params(json!({"filename": "c"})),
            unit.state(),
        )
        .unwrap();
    assert_eq!(
        out.id.as_deref(),
        Some("2"),
        "default ids increase per context"
    );
}

#[test]
fn install_writes_the_demo_data_and_start_goes_active() {
    let unit = Unit::new(false);
    let mut ctx = context();
    let out = ctx.run(Event::install(), unit.state()).unwrap();
    assert_eq!(
        out.statuses,
        [
            StatusValue {
                name: StatusName::Maintenance,
                message: "creating the demo data set".into()
            },
            StatusValue {
                name: StatusName::Active,
                message: String::new()
            },
        ]
    );
    for (name, text) in charm::DEMO_TABLES {
        assert_eq!(
            fs::read_to_string(unit.dir.path().join("data").join(name)).unwrap(),
            text
        );
    }
    let out = ctx.run(Event::start(), out.state).unwrap();
    assert_eq!(
        out.state.unit_status,
        Some(StatusValue {
            name: StatusName::Active,
            message: "ready".into()
        })
    );
    assert_eq!(
        out.state.workload_version.as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn config_directs_where_data_and_snapshots_go() {
    let unit = Unit::new(false);
    let data = unit.dir.path().join("elsewhere/data");
    let snaps = unit.dir.path().join("elsewhere/snaps");
    let state = unit
        .state()
        .config("data-dir", data.display().to_string())
        .config("snapshot-dir", snaps.display().to_string());
    let mut ctx = context();
    ctx.run(Event::install(), state.clone()).unwrap();
    ctx.run(
        Event::action("snapshot").params(json!({"filename": "s.tar.gz"})),
        state,
    )
    .unwrap();
    assert!(snaps.join("s.tar.gz").is_file());
    assert!(data.join("users.csv").is_file());
}

#[test]
fn the_harness_refuses_what_juju_would() {
    let unit = Unit::new(true);
    let mut ctx = context();
    let err = ctx.run(Event::action("restore"), unit.state()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "inconsistent test: the following problems were found:\n  - action \"restore\" is not declared in charmcraft.yaml (declared: connection-info, snapshot)"
    );
    let err = ctx
        .run(
            Event::action("snapshot").params(json!("db.tar.gz")),
            unit.state(),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("must be of type object, not string"),
        "{err}"
    );
    // A stale charmcraft.yaml is caught before the handler runs.
    let stale = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../charmcraft.yaml"))
        .unwrap()
        .replace("default: 5", "default: 6");
    let mut stale_ctx = Context::from_yaml_str(charm::charm(), &stale).unwrap();
    let err = stale_ctx
        .run(
            Event::action("snapshot").params(json!({"filename": "a"})),
            unit.state(),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("differs from the Rust params type: run `cargo xtask sync`"),
        "{err}"
    );
    let broken = Context::from_yaml_str(charm::charm(), "actions: [\n").unwrap_err();
    assert!(
        broken
            .to_string()
            .starts_with("charmcraft.yaml: invalid YAML"),
        "{broken}"
    );
}

#[test]
fn results_are_checked_and_nested_as_juju_stores_them() {
    let unit = Unit::new(true);
    let out = context()
        .run(
            Event::action("snapshot").params(json!({"filename": "n.tar.gz"})),
            unit.state(),
        )
        .unwrap();
    let keys: Vec<&str> = out
        .action_results_flat
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(keys, ["result", "snapshot-size"]);
    assert!(
        out.action_results
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_string)
    );
}
