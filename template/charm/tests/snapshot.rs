//! Unit tests of the `snapshot` action with the in-process harness (`ops::testing`), the Rust
//! counterpart of `ops.testing`: params Juju would refuse are refused here too.

use std::fs;
use std::path::PathBuf;

use ops::StatusName;
use ops::testing::{Context, Event, RunError, State, StatusValue};
use serde_json::json;

fn context() -> Context {
    Context::new(
        charm::charm(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../charmcraft.yaml"),
    )
    .unwrap()
}

/// A unit's directories: the charm dir, and `../snapshots` beside it (the config default).
struct Unit {
    dir: tempfile::TempDir,
}

impl Unit {
    fn new() -> Unit {
        let unit = Unit {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(unit.dir.path().join("charm")).unwrap();
        unit
    }

    fn state(&self) -> State {
        State::default().charm_dir(self.dir.path().join("charm"))
    }

    fn snapshot(&self, name: &str) -> PathBuf {
        self.dir.path().join("snapshots").join(name)
    }
}

#[test]
fn snapshot_logs_stores_the_file_and_sets_results() {
    let unit = Unit::new();
    let out = context()
        .run(
            Event::action("snapshot")
                .params(json!({"filename": "db-snapshot.gz"}))
                .id("7"),
            unit.state(),
        )
        .unwrap();
    assert_eq!(out.action_logs, ["Generating snapshot into db-snapshot.gz"]);
    assert_eq!(
        out.action_results["result"],
        "Stored snapshot in db-snapshot.gz."
    );
    let written = fs::read_to_string(unit.snapshot("db-snapshot.gz")).unwrap();
    // The defaults of `compression` reached the handler.
    assert_eq!(written, "snapshot of task 7: Gzip at quality 5\n");
    assert_eq!(
        out.action_results["snapshot-size"],
        written.len().to_string()
    );
}

#[test]
fn an_existing_snapshot_fails_the_action_and_is_kept() {
    let unit = Unit::new();
    let mut ctx = context();
    let params = json!({"filename": "x", "compression": {"kind": "xz", "quality": 9}});
    ctx.run(
        Event::action("snapshot").params(params.clone()),
        unit.state(),
    )
    .unwrap();
    let before = fs::read_to_string(unit.snapshot("x")).unwrap();
    let err = ctx
        .run(Event::action("snapshot").params(params), unit.state())
        .unwrap_err();
    let RunError::ActionFailed(failed) = err else {
        panic!("{err}")
    };
    assert!(
        failed.message.starts_with("Failed to generate snapshot: "),
        "{}",
        failed.message
    );
    assert_eq!(failed.output.action_logs, ["Generating snapshot into x"]);
    assert_eq!(failed.output.action_results, json!({}));
    assert_eq!(fs::read_to_string(unit.snapshot("x")).unwrap(), before);
}

#[test]
fn a_filename_with_directories_fails_the_action() {
    let err = context()
        .run(
            Event::action("snapshot").params(json!({"filename": "../escape"})),
            Unit::new().state(),
        )
        .unwrap_err();
    let RunError::ActionFailed(failed) = err else {
        panic!("{err}")
    };
    assert_eq!(
        failed.message,
        "Invalid filename \"../escape\": a plain file name is expected"
    );
}

/// Params Juju refuses never reach the handler, and the error names every bad field.
#[test]
fn invalid_params_are_refused_naming_each_field() {
    let cases = [
        (json!({}), "filename: required parameter is missing"),
        (
            json!({"filename": "a", "compression": {"quality": 12}}),
            "compression.quality: must be less than or equal to 9, given 12",
        ),
        (
            json!({"filename": "a", "compression": {"kind": "zip"}}),
            "compression.kind: must be one of \"gzip\", \"bzip2\", \"xz\", given \"zip\"",
        ),
        (
            json!({"filename": "a", "bogus": 1}),
            "bogus: unknown parameter",
        ),
    ];
    let mut ctx = context();
    for (params, want) in cases {
        let err = ctx
            .run(
                Event::action("snapshot").params(params.clone()),
                Unit::new().state(),
            )
            .unwrap_err();
        assert!(matches!(err, RunError::InvalidParams(_)), "{params}: {err}");
        assert!(
            err.to_string().contains(want),
            "{params}: {err} lacks {want}"
        );
    }
    assert!(ctx.history.is_empty(), "no handler ran");
}

#[test]
fn start_sets_the_unit_active() {
    let out = context()
        .run(Event::hook("start"), Unit::new().state())
        .unwrap();
    assert_eq!(
        out.statuses,
        [StatusValue {
            name: StatusName::Active,
            message: "ready".into()
        }]
    );
}
