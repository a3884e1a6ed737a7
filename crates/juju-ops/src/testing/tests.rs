//! Tests of the harness: the charm directory, relations, leadership and charm state.

use std::path::Path;

use super::*;
use crate::Hook;
use crate::event::UnitEnv;
use crate::relation::RelationKind;

#[test]
fn runs_without_a_charm_dir_get_a_temporary_one_deleted_with_the_context() {
    let charm = Charm::new().on(Hook::Install, |event| {
        std::fs::write(event.env().charm_dir.join("../data"), "demo")?;
        Ok(())
    });
    let mut ctx = Context::from_yaml_str(charm, "name: demo\n").unwrap();
    let first = ctx.run(Event::install(), State::default()).unwrap();
    let second = ctx.run(Event::install(), State::default()).unwrap();
    let first = first.state.charm_dir.unwrap();
    let second = second.state.charm_dir.unwrap();
    assert_ne!(first, second);
    assert!(first.is_dir() && first.ends_with("charm"), "{first:?}");
    assert!(first.with_file_name("data").is_file());

    let root = first.parent().and_then(Path::parent).unwrap().to_path_buf();
    assert_eq!(second.parent().and_then(Path::parent), Some(root.as_path()));
    let name = root.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("ops-testing-"), "{name}");
    drop(ctx);
    assert!(!root.exists(), "{root:?} is left behind");
}

use std::sync::{Arc, Mutex};

use crate::relation::RelationEnv;
use crate::tools::{HookTools, StatusInfo, StatusName, StatusTarget, ToolError, ToolErrorKind};

const YAML: &str = r#"
name: blog
requires:
  database: {interface: postgresql_client, limit: 1}
  cache: redis
provides:
  website: {interface: http}
peers:
  cluster: {interface: blog_peers}
actions:
  tidy:
    description: Tidy up.
    params: {}
    additionalProperties: false
"#;

fn context(charm: Charm) -> Context {
    Context::from_yaml_str(charm, YAML).unwrap()
}

/// Runs `event` with a handler that calls `f` on the hook tools, and returns the run's result
/// and what `f` returned.
fn probe_run<T: Send + 'static>(
    event: Event,
    state: State,
    f: impl Fn(&mut dyn HookTools) -> T + Send + Sync + 'static,
) -> (Result<Output, RunError>, Option<T>) {
    let seen: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&seen);
    let charm = Charm::new().on(event.name(), move |event| {
        let value = f(event.tools());
        *sink.lock().unwrap() = Some(value);
        Ok(())
    });
    let result = context(charm).run(event, state);
    let value = seen.lock().unwrap().take();
    (result, value)
}

/// Like [`probe_run`], for a run that must succeed.
fn probe<T: Send + 'static>(
    event: Event,
    state: State,
    f: impl Fn(&mut dyn HookTools) -> T + Send + Sync + 'static,
) -> (Output, T) {
    let (result, value) = probe_run(event, state, f);
    (result.unwrap(), value.expect("the handler ran"))
}

/// The environment the handler of `event` saw.
fn env_of(event: Event, state: State) -> UnitEnv {
    let seen = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&seen);
    let charm = Charm::new().on(event.name(), move |event| {
        *sink.lock().unwrap() = Some(event.env().clone());
        Ok(())
    });
    context(charm).run(event, state).unwrap();
    let env = seen.lock().unwrap().take();
    env.expect("the handler ran")
}

fn problems(event: Event, state: State) -> Vec<String> {
    let ran = Arc::new(Mutex::new(false));
    let sink = Arc::clone(&ran);
    // An action event's handler would be an action; registered as a hook it would be a hook
    // Juju never sends (its own inconsistency).
    let charm = match &event {
        Event::Action { .. } => Charm::new(),
        _ => Charm::new().on(event.name(), move |_| {
            *sink.lock().unwrap() = true;
            Ok(())
        }),
    };
    match context(charm).run(event, state) {
        Err(RunError::Inconsistent { problems }) => {
            assert!(
                !*ran.lock().unwrap(),
                "the handler ran on an inconsistent state"
            );
            problems
        }
        other => panic!("expected an inconsistency, got {other:?}"),
    }
}

/// `(exit code, stderr)` of a failed tool.
fn failure(error: ToolError) -> (Option<i32>, String) {
    match error.kind {
        ToolErrorKind::Failed { code, stderr } => (code, stderr),
        other => panic!("expected a failed tool, got {other:?}"),
    }
}

fn bag(pairs: &[(&str, &str)]) -> Databag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn db() -> Relation {
    Relation::new("database")
        .id(5)
        .remote_app("pg")
        .remote_app_data([("endpoints", "10.0.0.1:5432")])
        .remote_unit_data(0, [("host", "pg-0")])
        .remote_unit_data(2, [("host", "pg-2")])
        .remote_unit_data(10, [("host", "pg-10")])
}

fn peers() -> Relation {
    Relation::peer("cluster")
        .id(7)
        .local_app_data([("primary", "blog/0")])
        .peer_data(1, [("role", "replica")])
        .peer_data(3, [("role", "replica")])
}

fn state() -> State {
    State::default().relation(db()).relation(peers())
}

fn rel_env(
    endpoint: &str,
    id: u32,
    remote_app: &str,
    remote_unit: Option<&str>,
    departing_unit: Option<&str>,
) -> Option<RelationEnv> {
    Some(RelationEnv {
        endpoint: endpoint.to_owned(),
        id,
        remote_app: remote_app.to_owned(),
        remote_unit: remote_unit.map(str::to_owned),
        departing_unit: departing_unit.map(str::to_owned),
    })
}

// --- The state's model ---

#[test]
fn relations_default_to_juju_s_seeded_bags_and_one_remote_unit() {
    let seeded = bag(&[
        ("egress-subnets", "192.0.2.0"),
        ("ingress-address", "192.0.2.0"),
        ("private-address", "192.0.2.0"),
    ]);
    let relation = Relation::new("database");
    assert_eq!(relation.remote_app, "remote");
    assert!(!relation.peer);
    assert_eq!(relation.local_unit_data, seeded);
    assert_eq!(
        relation.remote_units_data,
        BTreeMap::from([(0, seeded.clone())])
    );
    assert!(relation.local_app_data.is_empty() && relation.remote_app_data.is_empty());
    assert_eq!(default_unit_data(), seeded);

    let peer = Relation::peer("cluster");
    assert!(peer.peer);
    assert_eq!(peer.remote_app, "");
    assert!(peer.peers().is_empty());
    assert_eq!(peer.local_unit_data, seeded);

    assert_ne!(Relation::new("database").id, Relation::new("database").id);
    assert_eq!(Relation::new("database").id(9).relation_id(), "database:9");
}

#[test]
fn the_state_finds_relations_by_id_and_endpoint() {
    let other = Relation::new("cache").id(11).remote_app("redis");
    let state = state().relation(other.clone());
    assert_eq!(state.get_relation(11), Some(&other));
    assert_eq!(state.get_relation(12), None);
    assert_eq!(state.get_relations("database"), [&db()]);
    assert!(state.get_relations("website").is_empty());
}

#[test]
fn event_names_are_juju_s_hook_names() {
    let db = db();
    assert_eq!(
        Event::relation_created(&db).name(),
        "database-relation-created"
    );
    assert_eq!(
        Event::relation_joined(&db, 0).name(),
        "database-relation-joined"
    );
    assert_eq!(
        Event::relation_changed(&db).name(),
        "database-relation-changed"
    );
    assert_eq!(
        Event::relation_departed(&db, 0).name(),
        "database-relation-departed"
    );
    assert_eq!(
        Event::relation_broken(&db).name(),
        "database-relation-broken"
    );
    assert_eq!(Event::leader_elected().name(), "leader-elected");
    assert_eq!(
        Event::leader_settings_changed().name(),
        "leader-settings-changed"
    );
    assert_eq!(Event::upgrade_charm().name(), "upgrade-charm");
    assert_eq!(Event::stop().name(), "stop");
    assert_eq!(Event::remove().name(), "remove");
    assert_eq!(Event::update_status().name(), "update-status");
    assert_eq!(Event::action("tidy").name(), "tidy");
    // The builders touch relation events only.
    assert_eq!(
        Event::install().remote_unit(1).departing_unit("x"),
        Event::install()
    );
}

// --- The environment of each relation hook (§1.2) ---

#[test]
fn created_broken_and_app_level_changed_have_no_remote_unit() {
    let db = db();
    for event in [
        Event::relation_created(&db),
        Event::relation_changed(&db),
        Event::relation_broken(&db),
    ] {
        let env = env_of(event.clone(), state());
        assert_eq!(
            env.relation,
            rel_env("database", 5, "pg", None, None),
            "{event:?}"
        );
        assert_eq!(env.unit_name, "blog/0");
    }
}

#[test]
fn joined_and_unit_changed_name_the_remote_unit() {
    let db = db();
    let joined = env_of(Event::relation_joined(&db, 2), state());
    assert_eq!(
        joined.relation,
        rel_env("database", 5, "pg", Some("pg/2"), None)
    );
    let changed = env_of(Event::relation_changed(&db).remote_unit(10), state());
    assert_eq!(
        changed.relation,
        rel_env("database", 5, "pg", Some("pg/10"), None)
    );
}

#[test]
fn departed_names_the_departing_unit() {
    let db = db();
    let env = env_of(Event::relation_departed(&db, 2), state());
    assert_eq!(
        env.relation,
        rel_env("database", 5, "pg", Some("pg/2"), Some("pg/2"))
    );
    // This unit leaving: each remote member departs, and the departing unit is this one.
    let env = env_of(
        Event::relation_departed(&db, 2).departing_unit("blog/0"),
        state(),
    );
    assert_eq!(
        env.relation,
        rel_env("database", 5, "pg", Some("pg/2"), Some("blog/0"))
    );
}

#[test]
fn a_peer_relation_s_remote_app_is_this_unit_s_own() {
    let peers = peers();
    let env = env_of(Event::relation_joined(&peers, 3), state());
    assert_eq!(
        env.relation,
        rel_env("cluster", 7, "blog", Some("blog/3"), None)
    );
    let env = env_of(Event::relation_created(&peers), state().unit_name("blog/4"));
    assert_eq!(env.relation, rel_env("cluster", 7, "blog", None, None));
}

#[test]
fn other_events_have_no_relation() {
    for event in [
        Event::install(),
        Event::upgrade_charm(),
        Event::leader_elected(),
    ] {
        assert_eq!(env_of(event, state()).relation, None);
    }
    assert_eq!(
        env_of(Event::leader_settings_changed(), state().leader(false)).relation,
        None
    );
}

// --- relation-ids, relation-list ---

#[test]
fn relation_ids_are_sorted_as_strings() {
    let state = state()
        .relation(Relation::new("cache").id(10).remote_app("redis"))
        .relation(Relation::new("cache").id(2).remote_app("redis"));
    let (_, ids) = probe(Event::install(), state, |tools| {
        (
            tools.relation_ids("cache").unwrap(),
            tools.relation_ids("database").unwrap(),
            tools.relation_ids("website").unwrap(),
            tools.relation_ids("nowhere").unwrap(),
        )
    });
    assert_eq!(ids.0, ["cache:10", "cache:2"]);
    assert_eq!(ids.1, ["database:5"]);
    assert!(ids.2.is_empty() && ids.3.is_empty());
}

#[test]
fn relation_list_gives_the_remote_units_sorted_as_juju_sorts_them() {
    let (_, lists) = probe(Event::install(), state(), |tools| {
        (
            tools.relation_list(5).unwrap(),
            tools.relation_list(7).unwrap(),
            tools.relation_remote_app(5).unwrap(),
            tools.relation_remote_app(7).unwrap(),
        )
    });
    assert_eq!(lists.0, ["pg/0", "pg/10", "pg/2"]);
    assert_eq!(lists.1, ["blog/1", "blog/3"]);
    assert_eq!(lists.2, "pg");
    assert_eq!(lists.3, "blog");
}

#[test]
fn in_departed_the_departing_unit_is_no_member_but_its_bag_is_readable() {
    let (_, (list, bag_read, other)) =
        probe(Event::relation_departed(&db(), 2), state(), |tools| {
            (
                tools.relation_list(5).unwrap(),
                tools.relation_get(5, "pg/2", false).unwrap(),
                tools.relation_list(7).unwrap(),
            )
        });
    assert_eq!(list, ["pg/0", "pg/10"]);
    assert_eq!(bag_read, bag(&[("host", "pg-2")]));
    assert_eq!(
        other,
        ["blog/1", "blog/3"],
        "other relations keep their members"
    );
}

#[test]
fn in_broken_relation_list_is_empty_and_bags_stay_readable() {
    let (_, (list, remote)) = probe(Event::relation_broken(&db()), state(), |tools| {
        (
            tools.relation_list(5).unwrap(),
            tools.relation_get(5, "pg/0", false).unwrap(),
        )
    });
    assert!(list.is_empty());
    assert_eq!(remote, bag(&[("host", "pg-0")]));
}

#[test]
fn an_unknown_relation_id_is_refused_as_juju_s_r_flag_refuses_it() {
    let (_, errors) = probe(Event::install(), state(), |tools| {
        [
            tools.relation_list(99).unwrap_err(),
            tools.relation_remote_app(99).unwrap_err(),
            tools.relation_get(99, "pg/0", false).unwrap_err(),
            tools
                .relation_set(99, false, &bag(&[("a", "b")]))
                .unwrap_err(),
        ]
    });
    for error in errors {
        assert_eq!(
            failure(error),
            (
                Some(2),
                "ERROR invalid value \"99\" for option -r: relation not found\n".to_owned()
            )
        );
    }
}

// --- relation-get: who may read which bag (§1.4) ---

#[test]
fn relation_get_reads_the_remote_unit_and_app_bags() {
    let (_, reads) = probe(Event::install(), state(), |tools| {
        (
            tools.relation_get(5, "pg/10", false).unwrap(),
            tools.relation_get(5, "pg", true).unwrap(),
            // With --app a unit name stands for its application.
            tools.relation_get(5, "pg/0", true).unwrap(),
            tools.relation_get(7, "blog/3", false).unwrap(),
        )
    });
    assert_eq!(reads.0, bag(&[("host", "pg-10")]));
    assert_eq!(reads.1, bag(&[("endpoints", "10.0.0.1:5432")]));
    assert_eq!(reads.2, reads.1);
    assert_eq!(reads.3, bag(&[("role", "replica")]));
}

#[test]
fn relation_get_reads_this_unit_s_bag_with_the_hook_s_writes() {
    let (_, (before, after)) = probe(Event::install(), state(), |tools| {
        let before = tools.relation_get(5, "blog/0", false).unwrap();
        tools
            .relation_set(
                5,
                false,
                &bag(&[("db-name", "blog"), ("private-address", "")]),
            )
            .unwrap();
        (before, tools.relation_get(5, "blog/0", false).unwrap())
    });
    assert_eq!(before, default_unit_data());
    assert_eq!(
        after,
        bag(&[
            ("db-name", "blog"),
            ("egress-subnets", "192.0.2.0"),
            ("ingress-address", "192.0.2.0"),
        ])
    );
}

#[test]
fn the_leader_reads_its_app_bag_and_others_only_on_a_peer_relation() {
    let state = state().relation(
        Relation::new("cache")
            .id(3)
            .remote_app("redis")
            .local_app_data([("k", "v")]),
    );
    let (_, leader) = probe(Event::install(), state.clone(), |tools| {
        (
            tools.relation_get(3, "blog", true).unwrap(),
            tools.relation_get(7, "blog", true).unwrap(),
        )
    });
    assert_eq!(leader.0, bag(&[("k", "v")]));
    assert_eq!(leader.1, bag(&[("primary", "blog/0")]));

    let (_, follower) = probe(Event::install(), state.leader(false), |tools| {
        (
            tools.relation_get(3, "blog", true).unwrap_err(),
            tools.relation_get(3, "blog/0", true).unwrap_err(),
            tools.relation_get(7, "blog", true).unwrap(),
        )
    });
    let denied = (Some(1), "ERROR permission denied\n".to_owned());
    assert_eq!(failure(follower.0), denied);
    assert_eq!(failure(follower.1), denied);
    assert_eq!(follower.2, bag(&[("primary", "blog/0")]));
}

#[test]
fn relation_get_refuses_members_outside_the_relation() {
    let (_, errors) = probe(Event::install(), state(), |tools| {
        (
            tools.relation_get(5, "pg/7", false).unwrap_err(),
            tools.relation_get(5, "mysql/0", false).unwrap_err(),
            tools.relation_get(5, "mysql", true).unwrap_err(),
            tools.relation_get(7, "blog/9", false).unwrap_err(),
            tools.relation_get(7, "pg", true).unwrap_err(),
        )
    });
    assert_eq!(
        failure(errors.0),
        (
            Some(1),
            "ERROR cannot read settings for unit \"pg/7\" in relation \"blog:database \
             pg:database\": unit \"pg/7\": settings not found\n"
                .to_owned()
        )
    );
    let denied = (Some(1), "ERROR permission denied\n".to_owned());
    assert_eq!(failure(errors.1), denied);
    assert_eq!(failure(errors.2), denied);
    assert_eq!(
        failure(errors.3),
        (
            Some(1),
            "ERROR cannot read settings for unit \"blog/9\" in relation \"blog:cluster\": unit \
             \"blog/9\": settings not found\n"
                .to_owned()
        )
    );
    assert_eq!(failure(errors.4), denied);
}

#[test]
fn relation_get_names_the_provider_second_in_the_relation_key() {
    let site = Relation::new("website").id(4).remote_app("proxy");
    let (_, error) = probe(Event::install(), State::default().relation(site), |tools| {
        tools.relation_get(4, "proxy/1", false).unwrap_err()
    });
    assert_eq!(
        failure(error).1,
        "ERROR cannot read settings for unit \"proxy/1\" in relation \"proxy:website \
         blog:website\": unit \"proxy/1\": settings not found\n"
    );
}

#[test]
fn relation_get_refuses_what_is_not_a_unit_name_as_juju_s_init_does() {
    let (_, errors) = probe(Event::install(), state(), |tools| {
        (
            tools.relation_get(5, "pg", false).unwrap_err(),
            tools.relation_get(5, "PG/0", false).unwrap_err(),
            tools.relation_get(5, "pg/x", false).unwrap_err(),
        )
    });
    assert_eq!(
        failure(errors.0),
        (
            Some(2),
            "ERROR expected unit name, got application name \"pg\"\n".to_owned()
        )
    );
    assert_eq!(
        failure(errors.1),
        (Some(2), "ERROR invalid unit name \"PG/0\"\n".to_owned())
    );
    assert_eq!(
        failure(errors.2),
        (Some(2), "ERROR invalid unit name \"pg/x\"\n".to_owned())
    );
}

// --- relation-set, commit on success (§1.3, §1.5) ---

#[test]
fn relation_set_writes_the_local_bags_and_the_output_carries_them() {
    let (out, ()) = probe(Event::relation_changed(&db()), state(), |tools| {
        tools
            .relation_set(
                5,
                false,
                &bag(&[("db-name", "blog"), ("ingress-address", "")]),
            )
            .unwrap();
        tools
            .relation_set(5, true, &bag(&[("database", "blog")]))
            .unwrap();
        tools
            .relation_set(7, true, &bag(&[("primary", ""), ("epoch", "2")]))
            .unwrap();
    });
    let after = out.state.get_relation(5).unwrap();
    assert_eq!(after.local_app_data, bag(&[("database", "blog")]));
    assert_eq!(
        after.local_unit_data,
        bag(&[
            ("db-name", "blog"),
            ("egress-subnets", "192.0.2.0"),
            ("private-address", "192.0.2.0"),
        ])
    );
    // The remote side's bags are not the charm's to write.
    assert_eq!(after.remote_app_data, db().remote_app_data);
    assert_eq!(after.remote_units_data, db().remote_units_data);
    assert_eq!(
        out.state.get_relations("cluster")[0].local_app_data,
        bag(&[("epoch", "2")])
    );
}

#[test]
fn a_non_leader_cannot_write_app_data() {
    let (result, error) = probe_run(Event::install(), state().leader(false), |tools| {
        let error = tools
            .relation_set(7, true, &bag(&[("epoch", "3")]))
            .unwrap_err();
        tools
            .relation_set(7, false, &bag(&[("seen", "3")]))
            .unwrap();
        error
    });
    assert_eq!(
        failure(error.unwrap()),
        (Some(1), "ERROR cannot write relation settings\n".to_owned())
    );
    let out = result.unwrap();
    let peer = out.state.get_relation(7).unwrap();
    assert_eq!(peer.local_app_data, bag(&[("primary", "blog/0")]));
    assert_eq!(peer.local_unit_data["seen"], "3");
}

#[test]
fn a_failed_hook_commits_no_relation_data_or_charm_state_but_keeps_leader_settings() {
    let charm = Charm::new().on("database-relation-changed", |event| {
        let tools = event.tools();
        tools.relation_set(5, false, &bag(&[("db-name", "blog")]))?;
        tools.relation_set(5, true, &bag(&[("database", "blog")]))?;
        tools.state_set(&bag(&[("seen", "yes")]))?;
        tools.leader_set(&bag(&[("secret", "s3")]))?;
        tools.status_set(StatusTarget::Unit, StatusName::Blocked, "no db")?;
        Err("the database is not ready".into())
    });
    let before = state().charm_state([("kept", "1")]);
    let err = context(charm)
        .run(Event::relation_changed(&db()), before.clone())
        .unwrap_err();
    let RunError::HookFailed { message, output } = err else {
        panic!("expected a failed hook, got {err:?}")
    };
    assert_eq!(message, "the database is not ready");
    assert_eq!(output.state.relations, before.relations);
    assert_eq!(output.state.charm_state, before.charm_state);
    assert_eq!(output.state.leader_settings, bag(&[("secret", "s3")]));
    assert_eq!(output.state.unit_status.unwrap().message, "no db");
}

#[test]
fn a_panicking_hook_commits_nothing_either() {
    let charm = Charm::new().on("install", |event| {
        event.tools().relation_set(5, false, &bag(&[("a", "b")]))?;
        event.tools().state_set(&bag(&[("a", "b")]))?;
        panic!("boom");
    });
    let err = context(charm).run(Event::install(), state()).unwrap_err();
    let RunError::Panicked { output, .. } = err else {
        panic!("expected a panic, got {err:?}")
    };
    assert_eq!(output.state.relations, state().relations);
    assert!(output.state.charm_state.is_empty());
}

#[test]
fn the_same_hook_succeeding_commits_everything() {
    let charm = Charm::new().on("database-relation-changed", |event| {
        let tools = event.tools();
        tools.relation_set(5, false, &bag(&[("db-name", "blog")]))?;
        tools.state_set(&bag(&[("seen", "yes")]))?;
        Ok(())
    });
    let out = context(charm)
        .run(Event::relation_changed(&db()), state())
        .unwrap();
    assert_eq!(
        out.state.get_relation(5).unwrap().local_unit_data["db-name"],
        "blog"
    );
    assert_eq!(out.state.charm_state, bag(&[("seen", "yes")]));
}

#[test]
fn an_action_that_fails_with_action_fail_still_commits() {
    /// Tidy up.
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Tidy {}
    impl crate::Action for Tidy {
        const NAME: &'static str = "tidy";
    }
    let charm = Charm::new().action(|event: &mut crate::ActionEvent<Tidy>| {
        event.tools().state_set(&bag(&[("tidied", "partly")]))?;
        event.fail("only partly")?;
        Ok(())
    });
    let mut ctx = context(charm);
    let err = ctx.run(Event::action("tidy"), state()).unwrap_err();
    let RunError::ActionFailed(failed) = err else {
        panic!("expected a failed action, got {err:?}")
    };
    // action-fail is not an exit status: Juju commits the hook's changes.
    assert_eq!(
        failed.output.state.charm_state,
        bag(&[("tidied", "partly")])
    );
}

// --- Leadership, charm state, status ---

#[test]
fn leader_settings_are_read_by_all_and_written_by_the_leader_only() {
    let state = State::default().leader_settings([("a", "1"), ("b", "2")]);
    let (out, read) = probe(Event::install(), state.clone(), |tools| {
        tools.leader_set(&bag(&[("a", ""), ("c", "3")])).unwrap();
        tools.leader_get().unwrap()
    });
    assert_eq!(read, bag(&[("b", "2"), ("c", "3")]));
    assert_eq!(out.state.leader_settings, read);

    let (out, (error, read)) = probe(Event::install(), state.clone().leader(false), |tools| {
        (
            tools.leader_set(&bag(&[("c", "3")])).unwrap_err(),
            tools.leader_get().unwrap(),
        )
    });
    assert_eq!(
        failure(error),
        (
            Some(1),
            "ERROR cannot write leadership settings: cannot write settings: not the leader\n"
                .to_owned()
        )
    );
    assert_eq!(read, state.leader_settings);
    assert_eq!(out.state.leader_settings, state.leader_settings);
}

#[test]
fn charm_state_is_set_read_and_deleted() {
    let state = State::default().charm_state([("a", "1"), ("b", "2")]);
    let (out, read) = probe(Event::install(), state, |tools| {
        tools.state_set(&bag(&[("a", "10"), ("c", "")])).unwrap();
        tools.state_delete("b").unwrap();
        tools.state_delete("missing").unwrap();
        tools.state_get().unwrap()
    });
    assert_eq!(read, bag(&[("a", "10"), ("c", "")]));
    assert_eq!(out.state.charm_state, read);
}

#[test]
fn charm_state_keys_and_values_have_juju_s_size_limits() {
    let (out, errors) = probe(Event::install(), State::default(), |tools| {
        let long_key = "k".repeat(257);
        let long_value = "v".repeat(64 * 1024 + 1);
        let fits = bag(&[("k".repeat(256).as_str(), "v".repeat(64 * 1024).as_str())]);
        tools.state_set(&fits).unwrap();
        (
            tools
                .state_set(&bag(&[("ok", "1"), (long_key.as_str(), "v")]))
                .unwrap_err(),
            tools
                .state_set(&bag(&[("ok", "1"), ("key", long_value.as_str())]))
                .unwrap_err(),
        )
    });
    assert_eq!(
        failure(errors.0),
        (
            Some(1),
            "ERROR max allowed key length (256) exceeded\n".to_owned()
        )
    );
    assert_eq!(
        failure(errors.1),
        (
            Some(1),
            "ERROR max allowed value length (65536) exceeded\n".to_owned()
        )
    );
    // A refused call sets none of its pairs.
    assert_eq!(out.state.charm_state.len(), 1);
    assert!(!out.state.charm_state.contains_key("ok"));
}

#[test]
fn status_get_reports_juju_s_status_and_the_app_s_to_the_leader_only() {
    let (_, statuses) = probe(Event::install(), State::default(), |tools| {
        let before = tools.status_get(StatusTarget::Unit).unwrap();
        tools
            .status_set(StatusTarget::Unit, StatusName::Waiting, "for db")
            .unwrap();
        (
            before,
            tools.status_get(StatusTarget::Unit).unwrap(),
            tools.status_get(StatusTarget::Application).unwrap(),
        )
    });
    let info = |status: &str, message: &str| StatusInfo {
        status: status.to_owned(),
        message: message.to_owned(),
    };
    assert_eq!(statuses.0, info("unknown", ""));
    assert_eq!(statuses.1, info("waiting", "for db"));
    assert_eq!(statuses.2, info("unknown", ""));

    let (_, error) = probe(Event::install(), State::default().leader(false), |tools| {
        tools.status_get(StatusTarget::Application).unwrap_err()
    });
    assert_eq!(
        failure(error),
        (
            Some(1),
            "ERROR finding application status: this unit is not the leader\n".to_owned()
        )
    );
}

// --- Consistency checks ---

#[test]
fn a_relation_on_an_undeclared_endpoint_is_refused() {
    let state = State::default().relation(Relation::new("db").id(1));
    assert_eq!(
        problems(Event::install(), state),
        [
            "relation db:1: the endpoint \"db\" is not declared in charmcraft.yaml (declared: \
          requires: cache, database; provides: website; peers: cluster): declare it under requires:, provides: or peers:, or use a declared endpoint"
        ]
    );
    // juju-info is every charm's.
    let state = State::default().relation(Relation::new("juju-info").remote_app("ubuntu"));
    context(Charm::new()).run(Event::install(), state).unwrap();
}

#[test]
fn peer_endpoints_take_peer_relations_and_only_they_do() {
    let state = State::default()
        .relation(Relation::new("cluster").id(1))
        .relation(Relation::peer("database").id(2));
    assert_eq!(
        problems(Event::install(), state),
        [
            "relation cluster:1: the endpoint \"cluster\" is declared under peers:, so its \
             relation is a peer relation: build it with Relation::peer(\"cluster\")",
            "relation database:2: the endpoint \"database\" is declared under requires:, not \
             peers:, so its relation relates two applications: build it with \
             Relation::new(\"database\")",
        ]
    );
}

#[test]
fn a_peer_relation_has_no_remote_app_of_its_own() {
    let state = State::default().relation(
        Relation::peer("cluster")
            .id(1)
            .remote_app("other")
            .remote_app_data([("k", "v")]),
    );
    assert_eq!(
        problems(Event::install(), state),
        [
            "peer relation cluster:1 names a remote application (\"other\"): the remote \
             application of a peer relation is this unit's own (\"blog\"); do not set remote_app",
            "peer relation cluster:1 has remote_app_data: a peer relation has one application \
             bag, local_app_data; put the keys there",
        ]
    );
}

#[test]
fn peers_data_holds_the_other_units_only() {
    let state = State::default().unit_name("blog/1").relation(peers());
    assert_eq!(
        problems(Event::install(), state),
        [
            "peer relation cluster:7: peers_data holds unit 1, which is the unit under test \
          (blog/1): peers_data holds the other units of the application; put this unit's bag in \
          local_unit_data"
        ]
    );
}

#[test]
fn a_relation_relates_two_different_applications() {
    let state = State::default()
        .relation(Relation::new("database").id(1).remote_app("blog"))
        .relation(Relation::new("cache").id(2).remote_app(""));
    assert_eq!(
        problems(Event::install(), state),
        [
            "relation database:1: the remote application is this unit's own (\"blog\"), but a \
             relation that is not a peer relation relates two different applications: name \
             another remote_app (a peer endpoint takes Relation::peer)",
            "relation cache:2 has no remote application: set one with .remote_app(\"name\")",
        ]
    );
}

#[test]
fn the_interface_must_be_the_declared_one() {
    let state = State::default()
        .relation(Relation::new("database").id(1).interface("mysql_client"))
        .relation(Relation::new("cache").id(2).interface("redis"));
    assert_eq!(
        problems(Event::install(), state),
        [
            "relation database:1 has the interface \"mysql_client\", but charmcraft.yaml declares \
          \"postgresql_client\" for the endpoint \"database\": use \"postgresql_client\", or \
          leave the interface unset"
        ]
    );
}

#[test]
fn relation_ids_are_unique() {
    let state = State::default()
        .relation(Relation::new("database").id(3))
        .relation(Relation::new("cache").id(3))
        .relation(Relation::peer("cluster").id(3));
    assert_eq!(
        problems(Event::install(), state),
        [
            "the relation id 3 is used by 3 relations (database:3, cache:3, cluster:3): ids are \
          unique in a model; give each relation its own id with .id(n), or leave ids to the \
          harness"
        ]
    );
}

#[test]
fn an_endpoint_has_at_most_its_limit_of_relations() {
    let state = State::default()
        .relation(Relation::new("database").id(1))
        .relation(Relation::new("database").id(2).remote_app("pg"))
        .relation(Relation::new("cache").id(3))
        .relation(Relation::new("cache").id(4).remote_app("redis"))
        .relation(Relation::peer("cluster").id(5))
        .relation(Relation::peer("cluster").id(6));
    assert_eq!(
        problems(Event::install(), state),
        [
            "the peer endpoint \"cluster\" has 2 relations (cluster:5, cluster:6): Juju creates \
             exactly one relation per peer endpoint; keep one",
            "the endpoint \"database\" has 2 relations (database:1, database:2), over its limit \
             of 1 (limit: 1 in charmcraft.yaml): Juju refuses a relation past the limit; keep at \
             most 1, or raise the limit",
        ]
    );
}

#[test]
fn the_event_s_relation_must_be_in_the_state() {
    let absent = Relation::new("database").id(40);
    assert_eq!(
        problems(Event::relation_changed(&absent), state()),
        [
            "the event database-relation-changed is for the relation database:40, which is not in \
          the state: add that relation with State::relation(..) and build the event from it"
        ]
    );
    let elsewhere = Relation::new("cache").id(5);
    assert_eq!(
        problems(Event::relation_created(&elsewhere), state()),
        [
            "the event cache-relation-created is for the relation cache:5, but the relation 5 of \
          the state is on the endpoint \"database\": build the event from the relation in the \
          state"
        ]
    );
}

#[test]
fn the_event_s_remote_unit_must_be_in_the_relation() {
    let db = db();
    let message = "the event {hook} is for the unit pg/3, which is not in the relation \
                   database:5 (its remote units: pg/0, pg/10, pg/2): add it to the relation with \
                   .remote_unit_data(n, ..), or use one of them";
    for event in [
        Event::relation_joined(&db, 3),
        Event::relation_changed(&db).remote_unit(3),
        Event::relation_departed(&db, 3),
    ] {
        let expected = message.replace("{hook}", &event.name());
        assert_eq!(problems(event, state()), [expected]);
    }
    assert_eq!(
        problems(Event::relation_joined(&peers(), 0), state()),
        [
            "the event cluster-relation-joined is for the unit blog/0, which is not in the \
          relation cluster:7 (its other units: blog/1, blog/3): add it to the relation with \
          .peer_data(n, ..), or use one of them"
        ]
    );
    let lonely = Relation::new("cache")
        .id(8)
        .remote_app("redis")
        .remote_units_data([]);
    assert_eq!(
        problems(
            Event::relation_joined(&lonely, 0),
            State::default().relation(lonely.clone())
        ),
        [
            "the event cache-relation-joined is for the unit redis/0, which is not in the relation \
          cache:8 (its remote units: none): add it to the relation with .remote_unit_data(n, ..), \
          or use one of them"
        ]
    );
}

#[test]
fn remote_and_departing_units_only_where_juju_sets_them() {
    let db = db();
    assert_eq!(
        problems(Event::relation_created(&db).remote_unit(0), state()),
        [
            "the event database-relation-created has the remote unit 0, but Juju sets no remote \
          unit (JUJU_REMOTE_UNIT is empty) in -relation-created: drop .remote_unit(0)"
        ]
    );
    assert_eq!(
        problems(Event::relation_broken(&db).remote_unit(0), state()),
        [
            "the event database-relation-broken has the remote unit 0, but Juju sets no remote \
          unit (JUJU_REMOTE_UNIT is empty) in -relation-broken: drop .remote_unit(0)"
        ]
    );
    let joined = Event::Relation {
        kind: RelationKind::Joined,
        endpoint: "database".into(),
        id: 5,
        remote_unit: None,
        departing_unit: None,
    };
    assert_eq!(
        problems(joined, state()),
        [
            "the event database-relation-joined needs its remote unit: build it with \
          Event::relation_joined(&relation, n)"
        ]
    );
    assert_eq!(
        problems(
            Event::relation_changed(&db)
                .remote_unit(0)
                .departing_unit("pg/0"),
            state()
        ),
        [
            "the event database-relation-changed has a departing unit (\"pg/0\"), but Juju sets \
          JUJU_DEPARTING_UNIT in -relation-departed only"
        ]
    );
    assert_eq!(
        problems(
            Event::relation_departed(&db, 0).departing_unit("pg/2"),
            state()
        ),
        [
            "the event database-relation-departed has the departing unit \"pg/2\", but the unit \
          leaving is either the remote unit (pg/0) or this unit (blog/0)"
        ]
    );
}

#[test]
fn peer_relations_are_never_broken() {
    assert_eq!(
        problems(Event::relation_broken(&peers()), state()),
        [
            "the event cluster-relation-broken is for the peer relation cluster:7, but Juju never \
          runs -relation-broken for a peer relation"
        ]
    );
}

#[test]
fn a_relation_hook_named_by_string_is_refused_with_its_constructor() {
    assert_eq!(
        problems(Event::hook("database-relation-changed"), state()),
        [
            "the hook \"database-relation-changed\" is a relation hook, which runs for one \
          relation: build the event with Event::relation_changed(&relation) (.remote_unit(n) for \
          a remote unit's bag) from a relation in the state"
        ]
    );
    assert_eq!(
        problems(Event::hook("cluster-relation-departed"), state()),
        [
            "the hook \"cluster-relation-departed\" is a relation hook, which runs for one \
          relation: build the event with Event::relation_departed(&relation, n) from a relation \
          in the state"
        ]
    );
}

#[test]
fn leadership_hooks_run_where_juju_runs_them() {
    assert_eq!(
        problems(Event::leader_elected(), State::default().leader(false)),
        ["Juju runs leader-elected on the leader only: set State::leader(true)"]
    );
    assert_eq!(
        problems(Event::leader_settings_changed(), State::default()),
        [
            "Juju runs leader-settings-changed on the units that are not the leader: set \
          State::leader(false)"
        ]
    );
}

#[test]
fn the_unit_name_is_application_slash_number() {
    for name in ["blog", "blog/x", "/0"] {
        let problems = problems(Event::install(), State::default().unit_name(name));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with(&format!(
                "the unit name {name:?} is not <application>/<number>"
            )),
            "{problems:?}"
        );
    }
}

#[test]
fn every_problem_is_reported_at_once_and_actions_are_checked_too() {
    let state = State::default()
        .relation(Relation::new("db").id(1))
        .relation(Relation::new("cache").id(1));
    let problems = problems(Event::action("tidy"), state);
    assert_eq!(problems.len(), 2, "{problems:?}");
    let err = RunError::Inconsistent { problems };
    assert!(err.to_string().starts_with(
        "inconsistent test: the following problems were found:\n  - relation db:1: the endpoint"
    ));
}

#[test]
fn a_hook_juju_never_sends_and_stale_endpoints_are_refused() {
    struct Db;
    impl crate::Endpoint for Db {
        const NAME: &'static str = "db";
        const INTERFACE: &'static str = "pgsql";
        const ROLE: crate::Role = crate::Role::Requires;
    }
    let misspelt = Charm::new().on("databse-relation-changed", |_| Ok(()));
    let err = context(misspelt)
        .run(Event::install(), State::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the charm handles \"databse-relation-changed\", a hook Juju never sends it"),
        "{err}"
    );
    // Declared in Rust with another interface than charmcraft.yaml's.
    let stale = Charm::new().on_relation::<Db>(RelationKind::Changed, |_| Ok(()));
    let mut ctx =
        Context::from_yaml_str(stale, "name: x\nrequires:\n  db: {interface: mysql}\n").unwrap();
    let err = ctx.run(Event::install(), State::default()).unwrap_err();
    assert!(
        err.to_string().contains(
            "charmcraft.yaml's `requires:` differs from the endpoints the charm declares in Rust: run `cargo xtask sync`"
        ),
        "{err}"
    );
    let synced = Charm::new().on_relation::<Db>(RelationKind::Changed, |_| Ok(()));
    let mut ctx =
        Context::from_yaml_str(synced, "name: x\nrequires:\n  db: {interface: pgsql}\n").unwrap();
    ctx.run(Event::install(), State::default()).unwrap();
}

#[test]
fn endpoints_are_read_from_charmcraft_yaml() {
    let ctx = |yaml: &str| Context::from_yaml_str(Charm::new(), yaml).map(|_| ());
    assert_eq!(
        ctx("name: x\nrequires:\n  db: {interface: a}\npeers:\n  db: {interface: b}\n")
            .unwrap_err()
            .message,
        "endpoint \"db\" is declared under both requires: and peers:"
    );
    assert_eq!(
        ctx("name: x\nrequires:\n  db: {interface: a, limit: -1}\n")
            .unwrap_err()
            .message,
        "requires.db.limit must be a non-negative integer, not -1"
    );
    assert_eq!(
        ctx("name: x\nprovides: [db]\n").unwrap_err().message,
        "`provides` must be a mapping of endpoint names"
    );
    assert_eq!(
        ctx("name: x\npeers:\n  p: 3\n").unwrap_err().message,
        "peers.p must be a mapping (interface:, limit:, …), not 3"
    );
    // `limit: 0` is no limit.
    let yaml = "name: x\nrequires:\n  db: {interface: a, limit: 0}\n";
    let state = State::default()
        .relation(Relation::new("db").id(1))
        .relation(Relation::new("db").id(2));
    Context::from_yaml_str(Charm::new(), yaml)
        .unwrap()
        .run(Event::install(), state)
        .unwrap();
}
