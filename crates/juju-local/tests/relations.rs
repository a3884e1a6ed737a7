//! Relations, several units and leadership on the local Juju, end to end: two test charms
//! (shell `dispatch` scripts that log each hook with its relation environment and run what the
//! test puts in `hook.sh`) are deployed, scaled, integrated and removed, and the exact hook
//! order on every unit is checked against Juju's (the uniter's resolvers, the reference's
//! §1.1 table), with the relation tools, the commit-on-success rule, `integrate`'s validation
//! and messages, and `status` and `show-unit` as jubilant parses them.

mod support;

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use support::{Juju, of, sh_quote};

const SERVER: &str = "name: server
summary: s
description: d
provides:
  db: {interface: mysql}
  db2: {interface: mysql}
  limited: {interface: lim, limit: 1}
peers:
  cluster: {interface: cluster}
";

const CLIENT: &str = "name: client
summary: s
description: d
requires:
  database: {interface: mysql}
  lim: lim
";

impl Juju {
    /// A local Juju home with model `m`, the directory the charms log to, and the two charms.
    fn with_charms() -> Juju {
        let juju = Juju::new();
        charm(&juju.path("server.charm"), SERVER, &juju.out());
        charm(&juju.path("client.charm"), CLIENT, &juju.out());
        juju
    }

    /// Deploys `which` charm (`server` or `client`) as `app` with `units` units.
    fn deploy(&self, which: &str, app: &str, units: u32) {
        let charm = self.path(&format!("{which}.charm"));
        let n = units.to_string();
        self.ok(&["deploy", charm.to_str().unwrap(), app, "-n", &n]);
    }

    fn show_unit(&self, unit: &str) -> Value {
        let text = self.ok(&["show-unit", unit, "--format", "json"]);
        serde_json::from_str::<Value>(&text).unwrap()[unit].clone()
    }
}

/// Packs a charm whose dispatch logs `unit hook` (and, for relation hooks, the remote unit,
/// remote application, departing unit — `?` when unset — and relation id) to `out/log`, then
/// sources `out/hook.sh` if there is one.
fn charm(path: &Path, metadata: &str, out: &Path) {
    support::logging_charm(
        path,
        out,
        &[
            ("metadata.yaml", metadata.as_bytes()),
            (
                "config.yaml",
                b"options: {x: {type: string, default: ''}}\n",
            ),
        ],
        "*-relation-*",
        "remote=${JUJU_REMOTE_UNIT-?} app=$JUJU_REMOTE_APP departing=${JUJU_DEPARTING_UNIT-?} id=$JUJU_RELATION_ID",
    );
}

/// A relation hook line as the charm logs it.
fn rel(unit: &str, hook: &str, remote: &str, app: &str, departing: &str, id: &str) -> String {
    format!("{unit} {hook} remote={remote} app={app} departing={departing} id={id}")
}

#[test]
fn deploy_with_peers_runs_each_units_sequence_then_joins_the_peers() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 3);
    let log = juju.take_log();
    let created = |u: &str| {
        rel(
            u,
            "cluster-relation-created",
            "",
            "server",
            "?",
            "cluster:0",
        )
    };
    let joined =
        |u: &str, r: &str| rel(u, "cluster-relation-joined", r, "server", "?", "cluster:0");
    let changed =
        |u: &str, r: &str| rel(u, "cluster-relation-changed", r, "server", "?", "cluster:0");
    let mut expected = Vec::new();
    for (unit, leader_hook) in [
        ("server/0", "leader-elected"),
        ("server/1", "leader-settings-changed"),
        ("server/2", "leader-settings-changed"),
    ] {
        expected.extend([
            format!("{unit} install"),
            created(unit),
            format!("{unit} {leader_hook}"),
            format!("{unit} config-changed"),
            format!("{unit} start"),
        ]);
    }
    for (unit, peers) in [
        ("server/0", ["server/1", "server/2"]),
        ("server/1", ["server/0", "server/2"]),
        ("server/2", ["server/0", "server/1"]),
    ] {
        for peer in peers {
            expected.extend([joined(unit, peer), changed(unit, peer)]);
        }
    }
    assert_eq!(log, expected);
    let status = juju.status();
    let app = &status["applications"]["server"];
    assert_eq!(
        app["relations"],
        json!({"cluster": [{"related-application": "server", "interface": "cluster", "scope": "global"}]})
    );
    assert_eq!(app["units"]["server/0"]["leader"], true);
    assert!(app["units"]["server/1"].get("leader").is_none());
}

#[test]
fn integrate_runs_created_then_joined_and_changed_on_both_sides() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 2);
    juju.deploy("client", "client", 1);
    juju.take_log();
    // The server's leader writes its application data in -relation-created: the client sees
    // an application-level -changed (no remote unit) before its -joined.
    juju.hook_script(
        "case $H in db-relation-created) [ \"$(is-leader)\" = True ] && relation-set --app token=t0 ;; esac\n",
    );
    assert_eq!(juju.ok(&["integrate", "server:db", "client"]), "");
    let log = juju.take_log();
    let id = "database:1";
    let sid = "db:1";
    assert_eq!(
        log,
        vec![
            rel(
                "client/0",
                "database-relation-created",
                "",
                "server",
                "?",
                id
            ),
            rel("server/0", "db-relation-created", "", "client", "?", sid),
            rel("server/1", "db-relation-created", "", "client", "?", sid),
            rel(
                "client/0",
                "database-relation-changed",
                "",
                "server",
                "?",
                id
            ),
            rel(
                "client/0",
                "database-relation-joined",
                "server/0",
                "server",
                "?",
                id
            ),
            rel(
                "client/0",
                "database-relation-changed",
                "server/0",
                "server",
                "?",
                id
            ),
            rel(
                "client/0",
                "database-relation-joined",
                "server/1",
                "server",
                "?",
                id
            ),
            rel(
                "client/0",
                "database-relation-changed",
                "server/1",
                "server",
                "?",
                id
            ),
            rel(
                "server/0",
                "db-relation-joined",
                "client/0",
                "client",
                "?",
                sid
            ),
            rel(
                "server/0",
                "db-relation-changed",
                "client/0",
                "client",
                "?",
                sid
            ),
            rel(
                "server/1",
                "db-relation-joined",
                "client/0",
                "client",
                "?",
                sid
            ),
            rel(
                "server/1",
                "db-relation-changed",
                "client/0",
                "client",
                "?",
                sid
            ),
        ]
    );
    // The same relation again: Juju's message and hint, exit 1.
    let (code, stderr) = juju.fails(&["integrate", "client", "server:db"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "ERROR cannot add relation \"client:database server:db\"\nrelation client:database server:db (already exists): \n\nUse 'juju status --relations' to view the current relations.\n"
    );
    // The relation in status, both sides.
    let status = juju.status();
    assert_eq!(
        status["applications"]["client"]["relations"],
        json!({"database": [{"related-application": "server", "interface": "mysql", "scope": "global"}]})
    );
    assert_eq!(
        status["applications"]["server"]["relations"]["db"],
        json!([{"related-application": "client", "interface": "mysql", "scope": "global"}])
    );
}

#[test]
fn relation_data_is_committed_only_when_the_hook_succeeds_and_changes_reach_the_other_side() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 1);
    juju.deploy("client", "client", 1);
    juju.take_log();
    juju.hook_script(
        "case $H in
db-relation-joined) relation-set good=1 ;;
database-relation-joined) relation-set bad=1; exit 1 ;;
esac
",
    );
    let out = juju.cmd(&["integrate", "server:db", "client"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "unit client/0: hook failed: \"database-relation-joined\"\n"
    );
    let log = juju.take_log();
    // client/0 runs nothing after its failed hook; server/0 goes on.
    assert_eq!(
        of(&log, "client/0"),
        vec![
            rel(
                "client/0",
                "database-relation-created",
                "",
                "server",
                "?",
                "database:1"
            ),
            rel(
                "client/0",
                "database-relation-joined",
                "server/0",
                "server",
                "?",
                "database:1"
            ),
        ]
    );
    // What each side sees of the other: the failed hook's write is not there.
    let client = juju.show_unit("client/0");
    let info = &client["relation-info"][0];
    assert_eq!(info["endpoint"], "database");
    assert_eq!(info["related-endpoint"], "db");
    assert_eq!(info["relation-id"], 1);
    assert_eq!(info["local-unit"], json!({"in-scope": false, "data": null}));
    assert_eq!(info["related-units"]["server/0"]["data"]["good"], "1");
    let server = juju.show_unit("server/0");
    let seen = &server["relation-info"][1]["related-units"]["client/0"];
    assert_eq!(
        seen,
        &json!({"in-scope": true, "data": {"egress-subnets": "127.0.0.1/32", "ingress-address": "127.0.0.1", "private-address": "127.0.0.1"}})
    );
    let status = juju.status();
    assert_eq!(
        status["applications"]["client"]["units"]["client/0"]["workload-status"]["message"],
        "hook failed: \"database-relation-joined\" for server:db"
    );
    // A later command resumes the unit: it owes the -changed of server/0's joined.
    juju.hook_script("");
    juju.ok(&["config", "client", "x=1"]);
    let log = juju.take_log();
    assert!(
        log.contains(&rel(
            "client/0",
            "database-relation-changed",
            "server/0",
            "server",
            "?",
            "database:1"
        )),
        "{log:?}"
    );
}

#[test]
fn tools_in_exec_write_through_and_the_other_side_runs_changed() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 2);
    juju.deploy("client", "client", 1);
    juju.ok(&["integrate", "server:db", "client:database"]);
    juju.take_log();

    // relation-ids and relation-list, outside a relation hook.
    let (out, _, rc) = juju.exec("client/0", "relation-ids database --format json");
    assert_eq!((out.as_str(), rc), ("[\"database:1\"]\n", 0));
    let (out, _, _) = juju.exec("client/0", "relation-list -r 1");
    assert_eq!(out, "server/0\nserver/1\n");
    let (out, _, _) = juju.exec("client/0", "relation-list -r database:1 --app");
    assert_eq!(out, "server\n");
    let (_, err, rc) = juju.exec("client/0", "relation-list");
    assert_eq!((err.as_str(), rc), ("ERROR no relation id specified\n", 2));
    let (_, err, rc) = juju.exec("client/0", "relation-get -r 7 - server/0");
    assert_eq!(
        (err.as_str(), rc),
        (
            "ERROR invalid value \"7\" for option -r: relation not found\n",
            2
        )
    );

    // A unit-bag write from exec commits and the remote units run -changed for it.
    let (_, err, rc) = juju.exec("server/1", "relation-set -r 1 host=db1");
    assert_eq!(rc, 0, "{err}");
    assert_eq!(
        juju.take_log(),
        vec![rel(
            "client/0",
            "database-relation-changed",
            "server/1",
            "server",
            "?",
            "database:1"
        )]
    );
    let (out, _, _) = juju.exec("client/0", "relation-get -r 1 host server/1");
    assert_eq!(out, "db1\n");
    // Setting the same value again changes nothing, so no hook runs.
    juju.exec("server/1", "relation-set -r 1 host=db1");
    assert!(juju.take_log().is_empty());

    // The application bag: the leader writes (from stdin, as ops does); the other side runs an
    // application-level -changed; a non-leader may not write it, nor read it (not a peer relation).
    let (_, err, rc) = juju.exec(
        "server/0",
        "printf 'user: u1\\npassword: p1\\n' | relation-set -r 1 --app --file -",
    );
    assert_eq!(rc, 0, "{err}");
    assert_eq!(
        juju.take_log(),
        vec![rel(
            "client/0",
            "database-relation-changed",
            "",
            "server",
            "?",
            "database:1"
        )]
    );
    let (out, _, _) = juju.exec("client/0", "relation-get -r 1 --app - server --format json");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"password": "p1", "user": "u1"})
    );
    let (_, err, rc) = juju.exec("server/1", "relation-set -r 1 --app user=u2");
    assert_eq!(
        (err.as_str(), rc),
        ("ERROR cannot write relation settings\n", 1)
    );
    let (_, err, rc) = juju.exec("server/1", "relation-get -r 1 --app - server");
    assert_eq!((err.as_str(), rc), ("ERROR permission denied\n", 1));
    // ...but on the peer relation every unit reads the application bag.
    juju.exec("server/0", "relation-set -r 0 --app members=2");
    assert_eq!(
        juju.take_log(),
        vec![rel(
            "server/1",
            "cluster-relation-changed",
            "",
            "server",
            "?",
            "cluster:0"
        )],
        "the leader does not run -changed for its own write"
    );
    let (out, _, _) = juju.exec("server/1", "relation-get -r 0 --app members server");
    assert_eq!(out, "2\n");

    // A failing exec commits nothing.
    let (_, _, rc) = juju.exec("server/0", "relation-set -r 1 host=lost; exit 3");
    assert_eq!(rc, 3);
    let (out, _, _) = juju.exec("client/0", "relation-get -r 1 host server/0");
    assert_eq!(out, "");
    assert!(juju.take_log().is_empty());

    // leader-set reaches the other units as leader-settings-changed; it writes at once, so a
    // process that then fails keeps it.
    juju.exec("server/0", "leader-set k=v");
    assert_eq!(juju.take_log(), vec!["server/1 leader-settings-changed"]);
    let (_, _, rc) = juju.exec("server/0", "leader-set k=w; exit 1");
    assert_eq!(rc, 1);
    assert_eq!(juju.take_log(), vec!["server/1 leader-settings-changed"]);
    let (out, _, _) = juju.exec("server/1", "leader-get k");
    assert_eq!(out, "w\n");
}

#[test]
fn add_unit_joins_every_relation_and_remove_unit_departs_them() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 2);
    juju.deploy("client", "client", 1);
    juju.ok(&["integrate", "server:db", "client:database"]);
    juju.take_log();

    assert_eq!(juju.ok(&["add-unit", "server"]), "");
    let log = juju.take_log();
    assert_eq!(
        of(&log, "server/2"),
        vec![
            "server/2 install".to_owned(),
            rel(
                "server/2",
                "cluster-relation-created",
                "",
                "server",
                "?",
                "cluster:0"
            ),
            rel("server/2", "db-relation-created", "", "client", "?", "db:1"),
            "server/2 leader-settings-changed".to_owned(),
            "server/2 config-changed".to_owned(),
            "server/2 start".to_owned(),
            rel(
                "server/2",
                "cluster-relation-joined",
                "server/0",
                "server",
                "?",
                "cluster:0"
            ),
            rel(
                "server/2",
                "cluster-relation-changed",
                "server/0",
                "server",
                "?",
                "cluster:0"
            ),
            rel(
                "server/2",
                "cluster-relation-joined",
                "server/1",
                "server",
                "?",
                "cluster:0"
            ),
            rel(
                "server/2",
                "cluster-relation-changed",
                "server/1",
                "server",
                "?",
                "cluster:0"
            ),
            rel(
                "server/2",
                "db-relation-joined",
                "client/0",
                "client",
                "?",
                "db:1"
            ),
            rel(
                "server/2",
                "db-relation-changed",
                "client/0",
                "client",
                "?",
                "db:1"
            ),
        ]
    );
    assert_eq!(
        of(&log, "server/0"),
        vec![
            rel(
                "server/0",
                "cluster-relation-joined",
                "server/2",
                "server",
                "?",
                "cluster:0"
            ),
            rel(
                "server/0",
                "cluster-relation-changed",
                "server/2",
                "server",
                "?",
                "cluster:0"
            ),
        ]
    );
    assert_eq!(
        of(&log, "client/0"),
        vec![
            rel(
                "client/0",
                "database-relation-joined",
                "server/2",
                "server",
                "?",
                "database:1"
            ),
            rel(
                "client/0",
                "database-relation-changed",
                "server/2",
                "server",
                "?",
                "database:1"
            ),
        ]
    );

    // The departing unit runs -departed for each member (departing: itself), -broken for the
    // non-peer relation, stop and remove; the others run -departed for it.
    assert_eq!(
        juju.ok(&["remove-unit", "server/1", "--no-prompt"]),
        "will remove unit server/1\n"
    );
    let log = juju.take_log();
    assert_eq!(
        of(&log, "server/1"),
        vec![
            rel(
                "server/1",
                "cluster-relation-departed",
                "server/0",
                "server",
                "server/1",
                "cluster:0"
            ),
            rel(
                "server/1",
                "cluster-relation-departed",
                "server/2",
                "server",
                "server/1",
                "cluster:0"
            ),
            rel(
                "server/1",
                "db-relation-departed",
                "client/0",
                "client",
                "server/1",
                "db:1"
            ),
            rel("server/1", "db-relation-broken", "", "client", "?", "db:1"),
            "server/1 stop".to_owned(),
            "server/1 remove".to_owned(),
        ]
    );
    for (unit, hook, app, id) in [
        (
            "server/0",
            "cluster-relation-departed",
            "server",
            "cluster:0",
        ),
        (
            "server/2",
            "cluster-relation-departed",
            "server",
            "cluster:0",
        ),
        (
            "client/0",
            "database-relation-departed",
            "server",
            "database:1",
        ),
    ] {
        assert_eq!(
            of(&log, unit),
            vec![rel(unit, hook, "server/1", app, "server/1", id)]
        );
    }
    let status = juju.status();
    let units = status["applications"]["server"]["units"]
        .as_object()
        .unwrap();
    assert_eq!(units.keys().collect::<Vec<_>>(), ["server/0", "server/2"]);

    // Unit numbers are not reused; a removed unit is an error by name.
    juju.ok(&["add-unit", "server", "-n", "1"]);
    assert!(juju.status()["applications"]["server"]["units"]["server/3"].is_object());
    let out = juju.cmd(&["remove-unit", "server/1", "server/9"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR removing unit server/1 failed: unit \"server/1\" does not exist\nERROR removing unit server/9 failed: unit \"server/9\" does not exist\n"
    );
    assert_eq!(
        juju.fails(&["remove-unit"]),
        (2, "ERROR no units specified\n".into())
    );
    assert_eq!(
        juju.fails(&["remove-unit", "server"]),
        (2, "ERROR invalid unit name \"server\"\n".into())
    );
    assert_eq!(
        juju.fails(&["add-unit"]),
        (2, "ERROR no application specified\n".into())
    );
    assert_eq!(
        juju.fails(&["add-unit", "nope"]),
        (1, "ERROR application \"nope\" not found\n".into())
    );
}

#[test]
fn removing_the_leader_elects_the_lowest_remaining_unit() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 3);
    juju.take_log();
    juju.ok(&["remove-unit", "server/0"]);
    let log = juju.take_log();
    assert_eq!(
        of(&log, "server/1").last().map(String::as_str),
        Some("server/1 leader-elected")
    );
    assert!(
        of(&log, "server/2")
            .iter()
            .all(|l| !l.contains("leader-elected"))
    );
    let units = &juju.status()["applications"]["server"]["units"];
    assert_eq!(units["server/1"]["leader"], true);
    let (out, _, _) = juju.exec("server/1", "is-leader");
    assert_eq!(out, "True\n");
    let (out, _, _) = juju.exec("server/2", "is-leader");
    assert_eq!(out, "False\n");
}

#[test]
fn remove_relation_departs_and_breaks_both_sides_and_it_can_be_made_again() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 1);
    juju.deploy("client", "client", 2);
    juju.ok(&["integrate", "server:db", "client"]);
    juju.take_log();
    assert_eq!(juju.ok(&["remove-relation", "client", "server"]), "");
    let log = juju.take_log();
    assert_eq!(
        log,
        vec![
            rel(
                "client/0",
                "database-relation-departed",
                "server/0",
                "server",
                "server/0",
                "database:1"
            ),
            rel(
                "client/1",
                "database-relation-departed",
                "server/0",
                "server",
                "server/0",
                "database:1"
            ),
            rel(
                "server/0",
                "db-relation-departed",
                "client/0",
                "client",
                "client/0",
                "db:1"
            ),
            rel(
                "server/0",
                "db-relation-departed",
                "client/1",
                "client",
                "client/1",
                "db:1"
            ),
            rel(
                "client/0",
                "database-relation-broken",
                "",
                "server",
                "?",
                "database:1"
            ),
            rel(
                "client/1",
                "database-relation-broken",
                "",
                "server",
                "?",
                "database:1"
            ),
            rel("server/0", "db-relation-broken", "", "client", "?", "db:1"),
        ]
    );
    let status = juju.status();
    assert!(
        status["applications"]["client"].get("relations").is_none(),
        "{status}"
    );
    assert_eq!(
        juju.fails(&["remove-relation", "client", "server"]),
        (
            1,
            "ERROR relation matching \"client server\" not found (not found)\n".into()
        )
    );
    // Again: a new id, and the same hooks as the first time.
    juju.ok(&["integrate", "server:db", "client"]);
    let log = juju.take_log();
    assert_eq!(log.len(), 3 + 4 + 4, "{log:?}");
    assert!(log.iter().all(|l| l.ends_with(":2")), "{log:?}");
    // By id.
    juju.ok(&["remove-relation", "2"]);
    assert_eq!(juju.take_log().len(), 7);
    assert_eq!(
        juju.fails(&["remove-relation", "x"]),
        (2, "ERROR relation ID \"x\" not valid\n".into())
    );
}

#[test]
fn remove_application_departs_every_unit_and_breaks_the_other_side() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 1);
    juju.deploy("client", "client", 2);
    juju.ok(&["integrate", "server:db", "client"]);
    juju.take_log();
    assert_eq!(
        juju.ok(&["remove-application", "--no-prompt", "client"]),
        "will remove application client\n- will remove unit client/0\n- will remove unit client/1\n"
    );
    let log = juju.take_log();
    assert_eq!(
        of(&log, "server/0"),
        vec![
            rel(
                "server/0",
                "db-relation-departed",
                "client/0",
                "client",
                "client/0",
                "db:1"
            ),
            rel(
                "server/0",
                "db-relation-departed",
                "client/1",
                "client",
                "client/1",
                "db:1"
            ),
            rel("server/0", "db-relation-broken", "", "client", "?", "db:1"),
        ]
    );
    assert_eq!(
        of(&log, "client/1"),
        vec![
            rel(
                "client/1",
                "database-relation-departed",
                "server/0",
                "server",
                "client/1",
                "database:1"
            ),
            rel(
                "client/1",
                "database-relation-broken",
                "",
                "server",
                "?",
                "database:1"
            ),
            "client/1 stop".to_owned(),
            "client/1 remove".to_owned(),
        ]
    );
    let status = juju.status();
    assert!(status["applications"].get("client").is_none(), "{status}");
    assert_eq!(
        status["applications"]["server"]["relations"],
        json!({"cluster": [{"related-application": "server", "interface": "cluster", "scope": "global"}]})
    );
}

#[test]
fn integrate_validates_as_juju_does() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 1);
    juju.deploy("client", "client", 1);
    juju.deploy("client", "client2", 1);
    juju.take_log();
    let cases: [(&[&str], i32, &str); 9] = [
        (
            &["server"],
            2,
            "an integration must involve two applications",
        ),
        (&["server:", "client"], 2, "endpoint \"server:\" not valid"),
        (&["server", "nope"], 1, "application \"nope\" not found"),
        (
            &["server:nope", "client"],
            1,
            "application \"server\" has no \"nope\" relation",
        ),
        (&["client", "client2"], 1, "no relations found"),
        (&["server:cluster", "client"], 1, "no relations found"),
        (
            &["server:cluster", "server:cluster"],
            1,
            "no relations found",
        ),
        (
            &["server", "client"],
            1,
            "ambiguous relation: \"server client\" could refer to \"client:database server:db\"; \"client:database server:db2\"; \"client:lim server:limited\"",
        ),
        (
            &["other.server", "client"],
            2,
            "\"other.server\": cross-model relations are not supported by juju-local (one model, no offers)",
        ),
    ];
    for (args, code, message) in cases {
        let mut all = vec!["integrate"];
        all.extend(args);
        assert_eq!(
            juju.fails(&all),
            (code, format!("ERROR {message}\n")),
            "{args:?}"
        );
    }
    assert!(juju.take_log().is_empty());
    // The limit of server:limited is 1.
    juju.ok(&["integrate", "server:limited", "client:lim"]);
    assert_eq!(
        juju.fails(&["integrate", "client2", "server:limited"]),
        (
            1,
            "ERROR cannot add relation \"client2:lim server:limited\": establishing a new relation for server:limited would exceed its maximum relation limit of 1 (quota limit exceeded)\n".into()
        )
    );
    // `relate` is the same command.
    juju.ok(&["relate", "server:db", "client2:database"]);
}

#[test]
fn charms_that_never_stop_changing_data_are_stopped_with_an_error() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 2);
    juju.take_log();
    juju.hook_script(
        "case $H in cluster-relation-changed) relation-set n=\"$(date +%s%N)\" ;; esac\n",
    );
    let out = juju.cmd_env(&["add-unit", "server"], &[("JUJU_LOCAL_MAX_HOOKS", "40")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("ERROR relation hooks did not settle after 40 hooks: the charms keep changing relation data (the last hooks: "),
        "{stderr}"
    );
    assert!(stderr.contains("cluster-relation-changed"), "{stderr}");
    // The model stays usable.
    juju.hook_script("");
    juju.status();
}

#[test]
fn show_unit_has_the_relation_data_as_jubilant_reads_it() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 2);
    juju.deploy("client", "client", 1);
    juju.ok(&["integrate", "server:db", "client"]);
    juju.exec("server/0", "relation-set -r 1 --app a=1");
    juju.exec("client/0", "relation-set -r 1 c=3");
    let info = juju.show_unit("server/1");
    assert_eq!(info["leader"], false);
    assert_eq!(info["life"], "alive");
    let relations = info["relation-info"].as_array().unwrap();
    assert_eq!(relations.len(), 2, "{info}");
    let peer = &relations[0];
    assert_eq!(
        (
            peer["endpoint"].as_str(),
            peer["related-endpoint"].as_str(),
            peer["relation-id"].as_i64()
        ),
        (Some("cluster"), Some("cluster"), Some(0))
    );
    assert_eq!(peer["related-units"]["server/0"]["in-scope"], true);
    let db = &relations[1];
    assert_eq!(db["related-endpoint"], "database");
    assert_eq!(db["application-data"], json!({}));
    assert_eq!(db["related-units"]["client/0"]["data"]["c"], "3");
    let client = juju.show_unit("client/0");
    assert_eq!(
        client["relation-info"][0]["application-data"],
        json!({"a": "1"})
    );
    let yaml = juju.ok(&["show-unit", "client/0"]);
    assert!(yaml.contains("relation-info:"), "{yaml}");
}

#[test]
fn hooks_get_the_relation_environment_and_relation_get_defaults_to_the_remote_unit() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 1);
    juju.deploy("client", "client", 1);
    juju.hook_script(
        "case $H in
db-relation-created) relation-set from=created ;;
database-relation-changed) [ -n \"$JUJU_REMOTE_UNIT\" ] && echo \"$JUJU_UNIT_NAME got $(relation-get from) ids=$(relation-ids) list=$(relation-list)\" >> \"$OUT/seen\" ;;
esac
",
    );
    juju.ok(&["integrate", "server:db", "client"]);
    let seen = fs::read_to_string(juju.out().join("seen")).unwrap();
    assert_eq!(seen, "client/0 got created ids=database:1 list=server/0\n");
}

/// `relation-set --file -` reads the tool's stdin; `state-set --file` a file relative to the
/// process's working directory.
#[test]
fn file_arguments_are_read_by_the_tool() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 1);
    let (_, err, rc) = juju.exec(
        "server/0",
        "echo '{a: b, c: d}' > /tmp/juju-local-rel-$$.yaml && state-set --file /tmp/juju-local-rel-$$.yaml c=over; rm -f /tmp/juju-local-rel-$$.yaml; state-get --format json",
    );
    assert_eq!(rc, 0, "{err}");
    let (out, _, _) = juju.exec("server/0", "state-get --format json");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"a": "b", "c": "over"})
    );
    let (_, err, rc) = juju.exec("server/0", "state-set --file /nonexistent/x.yaml");
    assert_eq!(
        (err.as_str(), rc),
        (
            "ERROR open /nonexistent/x.yaml: no such file or directory\n",
            1
        )
    );
    let (_, err, rc) = juju.exec("server/0", "echo haha | relation-set -r 0 --file -");
    assert_eq!(
        (err.as_str(), rc),
        (
            "ERROR yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `haha` into map[string]string\n",
            1
        )
    );
}

/// `refresh` keeps the relations: every unit runs `upgrade-charm` and `config-changed`; a peer
/// relation the new charm adds is created and joined; a charm that drops an endpoint in use is
/// refused.
#[test]
fn refresh_keeps_the_relations_and_adds_new_peer_relations() {
    let juju = Juju::with_charms();
    juju.deploy("server", "server", 2);
    juju.deploy("client", "client", 1);
    juju.ok(&["integrate", "server:db", "client"]);
    juju.take_log();
    let upgraded = juju.home.path().join("server2.charm");
    charm(
        &upgraded,
        &format!("{SERVER}  extra: {{interface: extra}}\n"),
        &juju.out(),
    );
    juju.ok(&["refresh", "server", "--path", upgraded.to_str().unwrap()]);
    let log = juju.take_log();
    let extra = |u: &str, hook: &str, remote: &str| rel(u, hook, remote, "server", "?", "extra:2");
    assert_eq!(
        of(&log, "server/0"),
        vec![
            "server/0 upgrade-charm".to_owned(),
            "server/0 config-changed".to_owned(),
            extra("server/0", "extra-relation-created", ""),
            extra("server/0", "extra-relation-joined", "server/1"),
            extra("server/0", "extra-relation-changed", "server/1"),
        ]
    );
    assert_eq!(of(&log, "server/1").len(), 5, "{log:?}");
    assert!(of(&log, "client/0").is_empty(), "{log:?}");
    let relations = &juju.status()["applications"]["server"]["relations"];
    assert_eq!(relations["db"][0]["related-application"], "client");
    assert_eq!(relations["extra"][0]["related-application"], "server");

    let dropped = juju.home.path().join("server3.charm");
    charm(
        &dropped,
        &SERVER.replace("  db: {interface: mysql}\n", ""),
        &juju.out(),
    );
    assert_eq!(
        juju.fails(&["refresh", "server", "--path", dropped.to_str().unwrap()]),
        (
            1,
            "ERROR cannot upgrade application \"server\" to charm \"local:server-2\": would break relation \"client:database server:db\"\n".into()
        )
    );
}

/// The relation tools against the cases of Juju's `jujuc` tests (`vectors/relation-tools.yaml`,
/// which describes the model they run in): the hook vectors run, in order, in u/0's
/// `peer1-relation-changed` for u/2; the exec vectors in one `juju exec` on u/0.
#[test]
fn relation_tools_match_juju_tests() {
    let juju = Juju::with_charms();
    let charm_path = juju.home.path().join("u.charm");
    charm(
        &charm_path,
        "name: u\nsummary: s\ndescription: d\npeers:\n  peer0: {interface: p0}\n  peer1: {interface: p1}\n",
        &juju.out(),
    );
    juju.ok(&["deploy", charm_path.to_str().unwrap(), "u", "-n", "3"]);
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/relation-tools.yaml"),
    )
    .unwrap();
    let file: Value = serde_saphyr::from_str(&text).unwrap();
    let vectors = file["vectors"].as_array().unwrap().clone();
    let o = juju.out().display().to_string();
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut scripts = (String::new(), String::new());
    for (i, v) in vectors.iter().enumerate() {
        let args: Vec<String> = v["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| sh_quote(a.as_str().unwrap()))
            .collect();
        let input = match field(v, "stdin") {
            Some(s) => format!("printf '%s' {} | ", sh_quote(&s)),
            None => String::new(),
        };
        let redirect = if input.is_empty() { " </dev/null" } else { "" };
        let setup = match field(v, "file") {
            Some(content) => format!("printf '%s' {} > spam; ", sh_quote(&content)),
            None => String::new(),
        };
        let piece = format!(
            "( cd \"$CHARM_DIR\" && {setup}{input}{} {}{redirect} ) >{o}/v{i}.out 2>{o}/v{i}.err; echo $? >{o}/v{i}.rc\n( cd \"$CHARM_DIR\" && {} ) >{o}/v{i}.then 2>&1\nrm -f \"$CHARM_DIR/spam\"\n",
            field(v, "tool").unwrap(),
            args.join(" "),
            field(v, "then").unwrap_or_else(|| ":".into()),
        );
        if field(v, "context").as_deref() == Some("hook") {
            scripts.0.push_str(&piece);
        } else {
            scripts.1.push_str(&piece);
        }
    }
    // The databags the Go tests' fake context holds.
    let setups = [
        (
            "u/0",
            "printf 'private-address: \"foo: bar\\\\n\"\\negress-subnets: \"\"\\ningress-address: \"\"\\n' | relation-set -r 0 --file -",
        ),
        (
            "u/1",
            "relation-set -r 1 egress-subnets= ingress-address= private-address= value=12345",
        ),
    ];
    for (unit, command) in setups {
        let (_, err, rc) = juju.exec(unit, command);
        assert_eq!(rc, 0, "{err}");
    }
    fs::write(juju.out().join("vectors.sh"), &scripts.0).unwrap();
    juju.hook_script(
        "case $H in peer1-relation-changed)
if [ \"$JUJU_UNIT_NAME\" = u/0 ] && [ \"$JUJU_REMOTE_UNIT\" = u/2 ] && [ -f \"$OUT/vectors.sh\" ]; then
  . \"$OUT/vectors.sh\"; rm -f \"$OUT/vectors.sh\"
fi ;;
esac
",
    );
    // u/2's databag changes last: u/0 runs peer1-relation-changed for it, and the hook vectors.
    let (_, err, rc) = juju.exec(
        "u/2",
        "printf 'pew: \"pew\\\\npew\\\\n\"\\negress-subnets: \"\"\\ningress-address: \"\"\\nprivate-address: \"\"\\n' | relation-set -r 1 --file -",
    );
    assert_eq!(rc, 0, "{err}");
    assert!(
        !juju.out().join("vectors.sh").exists(),
        "the hook vectors did not run"
    );
    fs::write(juju.out().join("exec.sh"), &scripts.1).unwrap();
    let (_, err, rc) = juju.exec("u/0", &format!(". {o}/exec.sh"));
    assert_eq!(rc, 0, "{err}");

    let read = |name: String| fs::read_to_string(juju.out().join(name)).unwrap_or_default();
    let mut failures = Vec::new();
    for (i, v) in vectors.iter().enumerate() {
        let got = (
            read(format!("v{i}.rc")).trim().parse::<i64>().unwrap_or(-1),
            read(format!("v{i}.out")),
            read(format!("v{i}.err")),
        );
        let want = (
            v.get("code").and_then(Value::as_i64).unwrap_or(0),
            field(v, "stdout").unwrap_or_default(),
            field(v, "stderr").unwrap_or_default(),
        );
        if got != want {
            failures.push(format!(
                "{}: got {got:?}, want {want:?}",
                field(v, "source").unwrap()
            ));
        }
        if let Some(then) = field(v, "then_stdout") {
            let seen = read(format!("v{i}.then"));
            if seen != then {
                failures.push(format!(
                    "{} (then): got {seen:?}, want {then:?}",
                    field(v, "source").unwrap()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
