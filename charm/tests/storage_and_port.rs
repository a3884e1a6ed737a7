//! Unit tests of the example charm's `data` storage and published port with the in-process
//! harness: the storage's location kept in the charm state and used by `install` and the
//! `snapshot` action, and the configured port opened (and only it).

use ops::testing::{Context, Event, State, StatusValue, Storage};
use ops::{Port, StatusName};
use serde_json::json;

fn context() -> Context {
    Context::new(
        charm::charm(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../charmcraft.yaml"),
    )
    .unwrap()
}

fn ports(state: &State) -> Vec<String> {
    state.ports().iter().map(ToString::to_string).collect()
}

#[test]
fn the_data_storage_holds_the_data_install_writes_and_snapshot_archives() {
    let mut ctx = context();
    let data = Storage::new("data");
    let location = ctx.storage_location(&data).unwrap();
    let state = State::default().storage(data.clone());

    let attached = ctx.run(Event::storage_attached(&data), state).unwrap();
    assert_eq!(
        attached.state.charm_state["data-dir"],
        format!("\"{}\"", location.display()),
        "the location, JSON-encoded as ops stores a field"
    );

    let installed = ctx.run(Event::install(), attached.state.clone()).unwrap();
    for (name, _) in charm::DEMO_TABLES {
        assert!(location.join(name).is_file(), "{name} not in the storage");
    }

    let out = ctx
        .run(
            Event::action("snapshot").params(json!({"filename": "s.tar.gz"})),
            installed.state,
        )
        .unwrap();
    assert_eq!(out.action_results["result"], "Stored snapshot in s.tar.gz.");
    assert_eq!(
        out.action_logs[1..],
        ["orders.csv complete", "users.csv complete"]
    );
}

#[test]
fn a_detaching_storage_is_forgotten() {
    let mut ctx = context();
    let data = Storage::new("data");
    let state = State::default()
        .storage(data.clone())
        .charm_state([("data-dir", "\"/srv/snapshot-demo/data\"")]);
    let out = ctx.run(Event::storage_detaching(&data), state).unwrap();
    assert!(
        out.state.charm_state.is_empty(),
        "{:?}",
        out.state.charm_state
    );
}

#[test]
fn the_configured_port_is_opened_and_only_it() {
    let mut ctx = context();
    let out = ctx.run(Event::config_changed(), State::default()).unwrap();
    assert_eq!(ports(&out.state), ["8080/tcp (*)"]);

    let moved = State::default()
        .opened_port(Port::tcp(8080))
        .config("port", 9000);
    let out = ctx.run(Event::config_changed(), moved).unwrap();
    assert_eq!(ports(&out.state), ["9000/tcp (*)"]);
}

#[test]
fn port_zero_blocks_the_unit_and_opens_nothing() {
    let mut ctx = context();
    let out = ctx
        .run(Event::config_changed(), State::default().config("port", 0))
        .unwrap();
    assert_eq!(
        out.state.unit_status,
        Some(StatusValue {
            name: StatusName::Blocked,
            message: "config port must be between 1 and 65535".into()
        })
    );
    assert!(ports(&out.state).is_empty());
}
