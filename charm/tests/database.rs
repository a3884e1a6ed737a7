//! Unit tests of the example charm's `database` relation with the in-process harness: every
//! relation event it handles, the `connection-info` action, and the wire format it shares with
//! the data-platform libraries' `postgresql_client` providers.

use charm::database::{DATABASE, DatabaseProvided, DatabaseRequest};
use ops::databag;
use ops::testing::{Context, Event, Relation, RunError, State, StatusValue};
use ops::{LogLevel, StatusName};
use serde_json::json;

fn context() -> Context {
    Context::new(
        charm::charm(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../charmcraft.yaml"),
    )
    .unwrap()
}

/// The relation before the provider answered.
fn database() -> Relation {
    Relation::new("database")
        .interface("postgresql_client")
        .remote_app("postgresql")
}

/// What a data_interfaces v0 provider writes when the requirer asks for no secrets.
fn answered() -> Relation {
    database().remote_app_data([
        ("database", DATABASE),
        ("endpoints", "10.1.2.3:5432"),
        ("read-only-endpoints", "10.1.2.4:5432"),
        ("username", "relation-7"),
        ("password", "s3cret-pw"),
        ("version", "16.6"),
        // Keys the charm does not read (data_interfaces' diff copy) are ignored.
        ("data", r#"{"database": "snapshot-demo"}"#),
    ])
}

fn status(name: StatusName, message: &str) -> Option<StatusValue> {
    Some(StatusValue {
        name,
        message: message.to_owned(),
    })
}

#[test]
fn the_leader_asks_for_the_database_when_the_relation_is_created() {
    let mut ctx = context();
    let relation = database();
    let out = ctx
        .run(
            Event::relation_created(&relation),
            State::default().relation(relation.clone()),
        )
        .unwrap();
    let after = out.state.get_relation(relation.id).unwrap();
    assert_eq!(after.local_app_data["database"], DATABASE);
    // The same bag data_interfaces' requirer writes for `database` (plain strings).
    let request: DatabaseRequest = databag::decode(&after.local_app_data).unwrap();
    assert_eq!(request.database, DATABASE);
}

#[test]
fn a_unit_that_is_not_the_leader_writes_nothing_on_created() {
    let mut ctx = context();
    let relation = database();
    let out = ctx
        .run(
            Event::relation_created(&relation),
            State::default().leader(false).relation(relation.clone()),
        )
        .unwrap();
    assert!(
        out.state
            .get_relation(relation.id)
            .unwrap()
            .local_app_data
            .is_empty()
    );
}

#[test]
fn the_provider_s_answer_makes_the_unit_name_its_database() {
    let mut ctx = context();
    let relation = answered();
    for event in [
        Event::relation_changed(&relation),
        Event::relation_changed(&relation).remote_unit(0),
    ] {
        let out = ctx
            .run(
                event,
                State::default().leader(false).relation(relation.clone()),
            )
            .unwrap();
        assert_eq!(
            out.state.unit_status,
            status(
                StatusName::Active,
                "ready; database snapshot-demo at 10.1.2.3:5432"
            )
        );
    }
}

#[test]
fn an_incomplete_answer_keeps_the_unit_waiting() {
    let mut ctx = context();
    let relation = database().remote_app_data([("database", DATABASE)]);
    let out = ctx
        .run(
            Event::relation_changed(&relation),
            State::default().relation(relation.clone()),
        )
        .unwrap();
    assert_eq!(
        out.state.unit_status,
        status(StatusName::Waiting, "waiting for database credentials")
    );
}

#[test]
fn a_broken_relation_returns_the_unit_to_ready_and_says_why() {
    let mut ctx = context();
    let relation = answered();
    let state = State::default().relation(relation.clone());
    let out = ctx.run(Event::relation_broken(&relation), state).unwrap();
    assert_eq!(out.state.unit_status, status(StatusName::Active, "ready"));
    assert_eq!(
        out.juju_log_at(LogLevel::Info),
        ["the database relation with postgresql was removed"]
    );
}

#[test]
fn connection_info_shows_the_credentials_but_not_the_password() {
    let mut ctx = context();
    let state = State::default().leader(false).relation(answered());
    let out = ctx.run(Event::action("connection-info"), state).unwrap();
    assert_eq!(
        out.action_results,
        json!({
            "database": "snapshot-demo",
            "endpoints": "10.1.2.3:5432",
            "username": "relation-7",
            "password": "set",
        })
    );
    assert!(
        out.juju_log
            .iter()
            .all(|l| !l.message.contains("s3cret-pw")),
        "{:?}",
        out.juju_log
    );
}

#[test]
fn connection_info_fails_without_a_database_or_before_the_answer() {
    let mut ctx = context();
    let Err(RunError::ActionFailed(failed)) =
        ctx.run(Event::action("connection-info"), State::default())
    else {
        panic!("connection-info succeeded without a database")
    };
    assert_eq!(
        failed.message,
        "no database is related: relate one with `juju integrate snapshot-demo <database app>`"
    );

    let state = State::default().relation(database());
    let Err(RunError::ActionFailed(failed)) = ctx.run(Event::action("connection-info"), state)
    else {
        panic!("connection-info succeeded before the provider answered")
    };
    assert_eq!(
        failed.message,
        "postgresql has not sent the credentials yet"
    );
}

#[test]
fn the_provider_s_bag_reads_as_data_interfaces_writes_it() {
    let bag = answered().remote_app_data;
    let provided: DatabaseProvided = databag::decode(&bag).unwrap();
    let credentials = provided.credentials().unwrap();
    assert_eq!(credentials.endpoints, "10.1.2.3:5432");
    assert_eq!(credentials.password, "s3cret-pw");
    // Written back, the plain encoding gives the provider's bytes.
    let again = databag::encode(&provided).unwrap();
    for key in ["database", "endpoints", "username", "password", "version"] {
        assert_eq!(again[key], bag[key], "{key}");
    }
}

#[test]
fn the_harness_refuses_a_relation_charmcraft_yaml_does_not_declare() {
    let mut ctx = context();
    let wrong = Relation::new("databse").remote_app("postgresql");
    let err = ctx
        .run(
            Event::relation_changed(&wrong),
            State::default().relation(wrong.clone()),
        )
        .unwrap_err();
    assert!(err.to_string().contains("databse"), "{err}");
}
