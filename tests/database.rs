//! The example charm with a database: it requires `database` over `postgresql_client`, here
//! answered by a Python `ops` stand-in for PostgreSQL that speaks the data-platform libraries'
//! wire format (the user in a secret granted to the relation). On a model of its own: deploy
//! both, integrate, check the `.pgpass` the charm writes against the secret, use the
//! credentials in the `connection-info` action, rotate the password, add a unit, remove the
//! relation, integrate again.

mod support;

use std::time::Duration;

use juju::{
    AddUnitOptions, Error, Juju, RemoveRelationOptions, Status, TempModel, WaitOptions, all_active,
    all_agents_idle, is_related, unit_count,
};
use serde_json::{Value, json};

const APP: &str = "backup";
const DB: &str = "postgresql";

fn model() -> TempModel {
    let charm = std::env::var("ITEST_CHARM").expect("run by `cargo xtask itest` (ITEST_CHARM)");
    let juju = Juju::from_env().with_run_wait(Duration::from_secs(120));
    let model = juju.temp_model("database").unwrap();
    model
        .deploy(&charm, Some(APP), &Default::default())
        .unwrap();
    let stand_in = support::python_charm("postgresql-stand-in");
    model
        .deploy(&stand_in, Some(DB), &Default::default())
        .unwrap();
    wait(&model, |s| all_active(s, &[APP, DB]));
    model
}

fn wait(juju: &Juju, ready: impl Fn(&Status) -> bool) {
    let options = WaitOptions {
        delay: Duration::from_millis(200),
        ..WaitOptions::default()
    };
    juju.wait(|s| ready(s) && all_agents_idle(s, &[APP, DB]), &options)
        .unwrap();
}

/// The `connection-info` results on `unit`, or the action's failure message.
fn connection_info(juju: &Juju, unit: &str) -> Result<serde_json::Map<String, Value>, String> {
    match juju.run(unit, "connection-info", &json!({})) {
        Ok(task) => Ok(task.results),
        Err(Error::Task(e)) => Err(e.task.message.clone()),
        Err(e) => panic!("{e}"),
    }
}

/// The user the provider put in its secret for the relation, as the model's admin reads it.
fn provided_user(juju: &Juju) -> (String, String) {
    let secrets = juju.secrets(None).unwrap();
    let user: Vec<_> = secrets
        .iter()
        .filter(|s| {
            s.owner == DB
                && s.label
                    .as_deref()
                    .is_some_and(|l| l.ends_with(".user.secret"))
        })
        .collect();
    let [secret] = user.as_slice() else {
        panic!("one user secret owned by {DB}: {secrets:?}")
    };
    let revealed = juju.reveal_secret(secret.uri.to_string(), None).unwrap();
    (
        revealed.content["username"].clone(),
        revealed.content["password"].clone(),
    )
}

/// The `.pgpass` on `unit`, or `None` when it has none.
fn pgpass(juju: &Juju, unit: &str) -> Option<String> {
    let task = juju
        .exec(unit, ["cat ../.pgpass 2>/dev/null || true"])
        .unwrap();
    (!task.stdout.is_empty()).then_some(task.stdout)
}

fn workload_message(juju: &Juju, unit: &str) -> String {
    let status = juju.status().unwrap();
    status.applications[APP].units[unit]
        .workload_status
        .message
        .clone()
}

#[test]
fn the_charm_gets_credentials_from_the_database_and_lets_them_go() {
    let model = model();
    let unit = format!("{APP}/0");
    assert_eq!(
        connection_info(&model, &unit).unwrap_err(),
        "no database is related: relate one with `juju integrate backup <database app>`"
    );

    model.integrate(APP, DB).unwrap();
    wait(&model, |s| {
        is_related(s, APP, DB) && all_active(s, &[APP, DB])
    });
    let first = connection_info(&model, &unit).unwrap();
    assert_eq!(first["database"], "snapshot-demo", "{first:?}");
    assert!(
        first["endpoints"].as_str().unwrap().ends_with(":5432"),
        "{first:?}"
    );
    let username = first["username"].as_str().unwrap().to_owned();
    assert!(username.starts_with("relation-"), "{first:?}");
    assert_eq!(first["password"], "set", "{first:?}");
    // The user came in the provider's secret, and went into the unit's .pgpass.
    let (secret_user, password) = provided_user(&model);
    assert_eq!(secret_user, username);
    let endpoints = first["endpoints"].as_str().unwrap();
    assert_eq!(
        pgpass(&model, &unit),
        Some(format!("{endpoints}:snapshot-demo:{username}:{password}\n"))
    );

    // A new password (a new revision of the secret) reaches the unit through secret-changed.
    model
        .run(format!("{DB}/0"), "rotate-password", &json!({}))
        .unwrap();
    wait(&model, |s| all_active(s, &[APP, DB]));
    let (_, rotated) = provided_user(&model);
    assert_ne!(rotated, password);
    assert!(
        pgpass(&model, &unit).is_some_and(|p| p.ends_with(&format!(":{rotated}\n"))),
        "{:?}",
        pgpass(&model, &unit)
    );
    assert!(
        workload_message(&model, &unit).contains("database snapshot-demo"),
        "{}",
        workload_message(&model, &unit)
    );

    // A new unit joins the relation and reads what the provider's leader wrote.
    model.add_unit(APP, &AddUnitOptions::default()).unwrap();
    wait(&model, |s| {
        unit_count(s, APP) == 2 && all_active(s, &[APP, DB])
    });
    let mut second = connection_info(&model, &format!("{APP}/1")).unwrap();
    assert!(
        second["pgpass"].as_str().unwrap().contains("/1/"),
        "{second:?}"
    );
    second.insert("pgpass".into(), first["pgpass"].clone());
    assert_eq!(second, first);

    model
        .remove_relation(APP, DB, &RemoveRelationOptions::default())
        .unwrap();
    wait(&model, |s| {
        !is_related(s, APP, DB) && all_active(s, &[APP, DB])
    });
    assert_eq!(
        connection_info(&model, &unit).unwrap_err(),
        "no database is related: relate one with `juju integrate backup <database app>`"
    );
    assert_eq!(workload_message(&model, &unit), "ready");
    assert_eq!(
        pgpass(&model, &unit),
        None,
        "the credentials left with the relation"
    );

    // Integrated again, the provider answers the new relation with a new user.
    model.integrate(APP, DB).unwrap();
    wait(&model, |s| {
        is_related(s, APP, DB) && all_active(s, &[APP, DB])
    });
    let again = connection_info(&model, &format!("{APP}/1")).unwrap();
    assert_eq!(again["database"], "snapshot-demo");
    assert_ne!(again["username"], first["username"], "{again:?}");
}
