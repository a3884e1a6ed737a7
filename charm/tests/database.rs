//! Unit tests of the example charm's `database` relation with the in-process harness: every
//! relation and secret event it handles, the `.pgpass` it keeps, the `connection-info` action,
//! and the wire format it shares with the data-platform libraries' `postgresql_client`
//! providers.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use charm::database::{DATABASE, DatabaseProvided, DatabaseRequest};
use ops::databag;
use ops::testing::{Context, Event, Output, Relation, RunError, Secret, State, StatusValue};
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

/// The user's secret, as the provider granted it to the relation.
fn user_secret() -> Secret {
    Secret::new([("username", "relation-7"), ("password", "s3cret-pw")])
        .label("database.7.user.secret")
}

/// What a data_interfaces v0 provider writes when the requirer asks for the user as a secret.
fn answered(secret: &Secret) -> Relation {
    database().remote_app_data([
        ("database", DATABASE),
        ("endpoints", "10.1.2.3:5432"),
        ("read-only-endpoints", "10.1.2.4:5432"),
        ("secret-user", secret.id.as_str()),
        ("version", "16.6"),
        // Keys the charm does not read (data_interfaces' diff copy) are ignored.
        ("data", r#"{"database": "snapshot-demo"}"#),
    ])
}

/// What a provider writes when it was asked for no secrets: the user in plain text.
fn answered_in_plain_text() -> Relation {
    database().remote_app_data([
        ("database", DATABASE),
        ("endpoints", "10.1.2.3:5432"),
        ("username", "relation-7"),
        ("password", "s3cret-pw"),
    ])
}

fn pgpass(out: &Output) -> PathBuf {
    out.state.charm_dir.as_deref().unwrap().join("../.pgpass")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
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
    // The bytes data_interfaces' requirer writes: plain strings, lists as JSON.
    assert_eq!(after.local_app_data["database"], DATABASE);
    assert_eq!(
        after.local_app_data["requested-secrets"],
        r#"["username", "password"]"#
    );
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
fn the_provider_s_answer_makes_the_unit_name_its_database_and_write_pgpass() {
    let mut ctx = context();
    let secret = user_secret();
    let relation = answered(&secret);
    for event in [
        Event::relation_changed(&relation),
        Event::relation_changed(&relation).remote_unit(0),
    ] {
        let state = State::default()
            .leader(false)
            .relation(relation.clone())
            .secret(secret.clone());
        let out = ctx.run(event, state).unwrap();
        assert_eq!(
            out.state.unit_status,
            status(
                StatusName::Active,
                "ready; database snapshot-demo at 10.1.2.3:5432"
            )
        );
        let path = pgpass(&out);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "10.1.2.3:5432:snapshot-demo:relation-7:s3cret-pw\n"
        );
        assert_eq!(mode(&path), 0o600);
    }
}

#[test]
fn a_provider_asked_for_no_secrets_is_read_from_plain_text() {
    let mut ctx = context();
    let relation = answered_in_plain_text();
    let out = ctx
        .run(
            Event::relation_changed(&relation),
            State::default().relation(relation.clone()),
        )
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(pgpass(&out)).unwrap(),
        "10.1.2.3:5432:snapshot-demo:relation-7:s3cret-pw\n"
    );
}

#[test]
fn a_new_password_reaches_pgpass_on_secret_changed() {
    let mut ctx = context();
    let secret = user_secret().latest_content([("username", "relation-7"), ("password", "n3w-pw")]);
    let relation = answered(&secret);
    let state = State::default().relation(relation).secret(secret.clone());
    let out = ctx.run(Event::secret_changed(&secret), state).unwrap();
    assert_eq!(
        std::fs::read_to_string(pgpass(&out)).unwrap(),
        "10.1.2.3:5432:snapshot-demo:relation-7:n3w-pw\n"
    );
    // The unit now tracks the new revision.
    let after = out.state.get_secret(&secret.id).unwrap();
    assert_eq!(after.tracked_revision, 2);
}

#[test]
fn another_secret_changing_leaves_the_credentials_alone() {
    let mut ctx = context();
    let secret = user_secret();
    let other = Secret::new([("token", "t0ken")]).latest_content([("token", "n3w")]);
    let state = State::default()
        .relation(answered(&secret))
        .secret(secret)
        .secret(other.clone());
    let out = ctx.run(Event::secret_changed(&other), state).unwrap();
    assert!(!pgpass(&out).exists());
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
fn a_broken_relation_returns_the_unit_to_ready_deletes_pgpass_and_says_why() {
    let mut ctx = context();
    let secret = user_secret();
    let relation = answered(&secret);
    let state = State::default().relation(relation.clone()).secret(secret);
    let changed = ctx
        .run(Event::relation_changed(&relation), state.clone())
        .unwrap();
    let charm_dir = changed.state.charm_dir.clone().unwrap();
    assert!(pgpass(&changed).exists());
    let out = ctx
        .run(
            Event::relation_broken(&relation),
            state.charm_dir(charm_dir),
        )
        .unwrap();
    assert!(!pgpass(&out).exists());
    assert_eq!(out.state.unit_status, status(StatusName::Active, "ready"));
    assert_eq!(
        out.juju_log_at(LogLevel::Info),
        ["the database relation with postgresql was removed"]
    );
}

#[test]
fn connection_info_shows_the_credentials_but_not_the_password() {
    let mut ctx = context();
    let secret = user_secret();
    let state = State::default()
        .leader(false)
        .relation(answered(&secret))
        .secret(secret);
    let out = ctx.run(Event::action("connection-info"), state).unwrap();
    let pgpass = pgpass(&out).display().to_string();
    assert_eq!(
        out.action_results,
        json!({
            "database": "snapshot-demo",
            "endpoints": "10.1.2.3:5432",
            "username": "relation-7",
            "password": "set",
            "pgpass": pgpass,
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
    let secret = user_secret();
    let bag = answered(&secret).remote_app_data;
    let provided: DatabaseProvided = databag::decode(&bag).unwrap();
    assert_eq!(provided.secret_user.as_ref(), Some(&secret.id));
    assert_eq!(provided.endpoints.as_deref(), Some("10.1.2.3:5432"));
    // Written back, the plain encoding gives the provider's bytes.
    let again = databag::encode(&provided).unwrap();
    for key in ["database", "endpoints", "secret-user", "version"] {
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
