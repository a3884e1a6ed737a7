//! Relations, leadership data, charm state and status, against an in-memory Juju written here
//! that records every hook-tool call; the schema's endpoint sections and the hook-name check;
//! and the argv and stdin the real hook tools get, through stub executables.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use juju_ops::tools::Subprocess;
use juju_ops::{
    Charm, DataError, Databag, DatabagErrorKind, Dispatch, Encoding, Endpoint, HandlerResult, Hook,
    HookTools, LogLevel, Outcome, Relation, RelationEnv, RelationError, RelationEvent,
    RelationKind, Role, StatusInfo, StatusName, StatusTarget, ToolError, ToolErrorKind, Unit,
    UnitEnv,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------
// The in-memory Juju.

struct FakeRelation {
    endpoint: &'static str,
    id: u32,
    remote_app: &'static str,
    units: Vec<&'static str>,
}

/// Juju for one unit, `app/0`: relations and their bags, leader settings, charm state and
/// statuses, with every call recorded as the tool's command line would read.
#[derive(Default)]
struct FakeJuju {
    leader: bool,
    relations: Vec<FakeRelation>,
    /// Bags by relation id and member (a unit or an application name).
    bags: BTreeMap<(u32, String), BTreeMap<String, String>>,
    leader_settings: BTreeMap<String, String>,
    state: BTreeMap<String, String>,
    unit_status: StatusInfo,
    app_status: StatusInfo,
    /// `relation-ids` prints this instead, when set.
    printed_ids: Option<Vec<String>>,
    /// The tool that fails, when set.
    failing: Option<&'static str>,
    calls: Vec<String>,
}

impl FakeJuju {
    fn with_relations() -> FakeJuju {
        let mut juju = FakeJuju {
            relations: vec![
                FakeRelation {
                    endpoint: "database",
                    id: 3,
                    remote_app: "pg",
                    units: vec!["pg/0", "pg/1"],
                },
                FakeRelation {
                    endpoint: "cluster",
                    id: 1,
                    remote_app: "app",
                    units: vec!["app/1"],
                },
                FakeRelation {
                    endpoint: "website",
                    id: 7,
                    remote_app: "proxy",
                    units: vec![],
                },
                FakeRelation {
                    endpoint: "website",
                    id: 12,
                    remote_app: "cdn",
                    units: vec!["cdn/4"],
                },
            ],
            ..FakeJuju::default()
        };
        let seeded = |addr: &str| {
            bag(&[
                ("egress-subnets", &format!("{addr}/32")),
                ("ingress-address", addr),
                ("private-address", addr),
            ])
        };
        juju.bags.insert((3, "app/0".into()), seeded("10.0.0.1"));
        let mut pg0 = seeded("10.0.0.9");
        pg0.insert("host".into(), r#""pg-0.local""#.into());
        juju.bags.insert((3, "pg/0".into()), pg0);
        juju.bags.insert(
            (3, "pg".into()),
            bag(&[
                ("database", "app"),
                ("endpoints", "10.0.0.9:5432,10.0.0.10:5432"),
                ("password", "s3cret"),
                ("username", "relation-3"),
            ]),
        );
        juju.bags.insert(
            (3, "app".into()),
            bag(&[
                ("database", "app"),
                ("requested-secrets", r#"["username", "password"]"#),
            ]),
        );
        juju.bags.insert(
            (1, "app".into()),
            bag(&[("members", r#"["app/0", "app/1"]"#)]),
        );
        juju
    }

    fn check(&self, tool: &'static str) -> Result<(), ToolError> {
        if self.failing == Some(tool) {
            return Err(ToolError {
                argv: vec![tool.into()],
                kind: ToolErrorKind::Failed {
                    code: Some(1),
                    stderr: "ERROR boom\n".into(),
                },
            });
        }
        Ok(())
    }

    fn relation(&self, id: u32) -> Result<&FakeRelation, ToolError> {
        self.relations
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| ToolError {
                argv: vec!["relation".into()],
                kind: ToolErrorKind::Failed {
                    code: Some(2),
                    stderr: format!(
                        "ERROR invalid value \"{id}\" for option -r: relation not found\n"
                    ),
                },
            })
    }

    fn tools_called(&self) -> Vec<&str> {
        self.calls
            .iter()
            .map(|c| c.split(' ').next().unwrap_or_default())
            .collect()
    }
}

fn pairs(data: &BTreeMap<String, String>) -> String {
    data.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn apply(bag: &mut BTreeMap<String, String>, data: &BTreeMap<String, String>) {
    for (k, v) in data {
        if v.is_empty() {
            bag.remove(k);
        } else {
            bag.insert(k.clone(), v.clone());
        }
    }
}

impl HookTools for FakeJuju {
    fn action_get(&mut self) -> Result<Value, ToolError> {
        Ok(json!({}))
    }
    fn action_set(&mut self, _: &[(String, String)]) -> Result<(), ToolError> {
        Ok(())
    }
    fn action_log(&mut self, _: &str) -> Result<(), ToolError> {
        Ok(())
    }
    fn action_fail(&mut self, _: &str) -> Result<(), ToolError> {
        Ok(())
    }
    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), ToolError> {
        self.calls.push(format!("juju-log {level} {message}"));
        Ok(())
    }
    fn status_set(&mut self, _: StatusTarget, _: StatusName, _: &str) -> Result<(), ToolError> {
        Ok(())
    }
    fn application_version_set(&mut self, _: &str) -> Result<(), ToolError> {
        Ok(())
    }
    fn config_get(&mut self) -> Result<Map<String, Value>, ToolError> {
        Ok(Map::new())
    }
    fn is_leader(&mut self) -> Result<bool, ToolError> {
        self.calls.push("is-leader".into());
        self.check("is-leader")?;
        Ok(self.leader)
    }
    fn status_get(&mut self, target: StatusTarget) -> Result<StatusInfo, ToolError> {
        self.check("status-get")?;
        Ok(match target {
            StatusTarget::Unit => {
                self.calls.push("status-get".into());
                self.unit_status.clone()
            }
            StatusTarget::Application => {
                self.calls.push("status-get --application".into());
                self.app_status.clone()
            }
        })
    }
    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<String>, ToolError> {
        self.calls.push(format!("relation-ids {endpoint}"));
        self.check("relation-ids")?;
        if let Some(printed) = &self.printed_ids {
            return Ok(printed.clone());
        }
        let mut ids: Vec<String> = self
            .relations
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .map(|r| format!("{}:{}", r.endpoint, r.id))
            .collect();
        ids.sort();
        Ok(ids)
    }
    fn relation_list(&mut self, relation_id: u32) -> Result<Vec<String>, ToolError> {
        self.calls.push(format!("relation-list -r {relation_id}"));
        self.check("relation-list")?;
        Ok(self
            .relation(relation_id)?
            .units
            .iter()
            .map(|u| (*u).to_owned())
            .collect())
    }
    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, ToolError> {
        self.calls
            .push(format!("relation-list -r {relation_id} --app"));
        self.check("relation-list")?;
        Ok(self.relation(relation_id)?.remote_app.to_owned())
    }
    fn relation_get(
        &mut self,
        relation_id: u32,
        member: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>, ToolError> {
        let flag = if app { " --app" } else { "" };
        self.calls
            .push(format!("relation-get -r {relation_id}{flag} - {member}"));
        self.check("relation-get")?;
        self.relation(relation_id)?;
        Ok(self
            .bags
            .get(&(relation_id, member.to_owned()))
            .cloned()
            .unwrap_or_default())
    }
    fn relation_set(
        &mut self,
        relation_id: u32,
        app: bool,
        data: &BTreeMap<String, String>,
    ) -> Result<(), ToolError> {
        let flag = if app { " --app" } else { "" };
        self.calls.push(format!(
            "relation-set -r {relation_id}{flag} {}",
            pairs(data)
        ));
        self.check("relation-set")?;
        self.relation(relation_id)?;
        let member = if app { "app" } else { "app/0" };
        apply(
            self.bags.entry((relation_id, member.into())).or_default(),
            data,
        );
        Ok(())
    }
    fn leader_get(&mut self) -> Result<BTreeMap<String, String>, ToolError> {
        self.calls.push("leader-get".into());
        self.check("leader-get")?;
        Ok(self.leader_settings.clone())
    }
    fn leader_set(&mut self, data: &BTreeMap<String, String>) -> Result<(), ToolError> {
        self.calls.push(format!("leader-set {}", pairs(data)));
        self.check("leader-set")?;
        apply(&mut self.leader_settings, data);
        Ok(())
    }
    fn state_get(&mut self) -> Result<BTreeMap<String, String>, ToolError> {
        self.calls.push("state-get".into());
        self.check("state-get")?;
        Ok(self.state.clone())
    }
    fn state_set(&mut self, data: &BTreeMap<String, String>) -> Result<(), ToolError> {
        self.calls.push(format!("state-set {}", pairs(data)));
        self.check("state-set")?;
        apply(&mut self.state, data);
        Ok(())
    }
    fn state_delete(&mut self, key: &str) -> Result<(), ToolError> {
        self.calls.push(format!("state-delete {key}"));
        self.check("state-delete")?;
        self.state.remove(key);
        Ok(())
    }
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Endpoints and databags of the charm under test.

struct Database;

impl Endpoint for Database {
    const NAME: &'static str = "database";
    const INTERFACE: &'static str = "postgresql_client";
    const ROLE: Role = Role::Requires;
    const LIMIT: Option<u32> = Some(1);
    const OPTIONAL: bool = true;
}

struct Cluster;

impl Endpoint for Cluster {
    const NAME: &'static str = "cluster";
    const INTERFACE: &'static str = "app_cluster";
    const ROLE: Role = Role::Peers;
}

struct Website;

impl Endpoint for Website {
    const NAME: &'static str = "website";
    const INTERFACE: &'static str = "http";
    const ROLE: Role = Role::Provides;
}

/// The provider's answer, data_interfaces v0 (plain strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Provided {
    database: String,
    endpoints: String,
    username: String,
    password: String,
}

impl Databag for Provided {
    const ENCODING: Encoding = Encoding::Plain;
}

/// The requirer's request, data_interfaces v0 (plain strings, a JSON list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Request {
    database: String,
    requested_secrets: Vec<String>,
    extra_user_roles: Option<String>,
}

impl Databag for Request {
    const ENCODING: Encoding = Encoding::Plain;
}

/// A unit's own data, in ops' JSON encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Host {
    host: String,
    port: Option<u16>,
}

impl Databag for Host {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Members {
    members: Vec<String>,
}

impl Databag for Members {}

fn env(relation: Option<RelationEnv>) -> UnitEnv {
    UnitEnv {
        unit_name: "app/0".into(),
        model_name: "test".into(),
        relation,
        ..UnitEnv::default()
    }
}

/// Runs `f` on the unit inside an `update-status` hook against `juju`, and returns its result.
fn with_unit<R: Send + 'static>(
    juju: &mut FakeJuju,
    f: impl Fn(&mut Unit) -> R + Send + Sync + 'static,
) -> R {
    let slot = Arc::new(Mutex::new(None));
    let out = Arc::clone(&slot);
    let charm = Charm::new().on(Hook::UpdateStatus, move |event| {
        let result = f(event);
        *out.lock().unwrap() = Some(result);
        Ok(())
    });
    let outcome = charm.dispatch(&Dispatch::Hook("update-status".into()), juju, &env(None));
    assert_eq!(outcome, Outcome::Completed);
    let result = slot.lock().unwrap().take();
    result.expect("the handler ran")
}

fn database() -> Relation<Database> {
    Relation::new(3, "pg")
}

fn cluster() -> Relation<Cluster> {
    Relation::new(1, "app")
}

// ---------------------------------------------------------------------------------------------
// Listing relations.

#[test]
fn relations_are_listed_with_their_remote_application() {
    let mut juju = FakeJuju::with_relations();
    let websites = with_unit(&mut juju, |unit| unit.relations::<Website>().unwrap());
    assert_eq!(
        websites,
        [Relation::new(12, "cdn"), Relation::new(7, "proxy")]
    );
    assert_eq!(websites[0].to_string(), "website:12");
    assert_eq!(websites[0].endpoint(), "website");
    assert!(!websites[0].is_peer());
    assert_eq!(
        juju.calls,
        [
            "relation-ids website",
            "relation-list -r 12 --app",
            "relation-list -r 7 --app"
        ]
    );
    let peers = with_unit(&mut juju, |unit| unit.relations::<Cluster>().unwrap());
    assert_eq!(peers, [Relation::new(1, "app")]);
    assert!(peers[0].is_peer());
}

#[test]
fn relation_ids_that_are_not_endpoint_colon_number_are_an_error() {
    for printed in ["database", "database:x", "other:3", ":3"] {
        let mut juju = FakeJuju {
            printed_ids: Some(vec![printed.into()]),
            ..FakeJuju::with_relations()
        };
        let err = with_unit(&mut juju, |unit| unit.relations::<Database>().unwrap_err());
        assert!(
            matches!(&err, RelationError::BadRelationId { endpoint, printed: p } if endpoint == "database" && p == printed),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("relation-ids database printed {printed:?}, not database:<number>")
        );
    }
    let mut juju = FakeJuju {
        failing: Some("relation-ids"),
        ..FakeJuju::with_relations()
    };
    let err = with_unit(&mut juju, |unit| unit.relations::<Database>().unwrap_err());
    assert_eq!(
        err.to_string(),
        "relation database: hook tool `relation-ids` exited with code 1: ERROR boom"
    );
}

// ---------------------------------------------------------------------------------------------
// Juju's access rules, checked before any tool that touches a bag.

#[test]
fn a_non_leader_cannot_read_its_own_application_bag_on_a_non_peer_relation() {
    let mut juju = FakeJuju::with_relations();
    let err = with_unit(&mut juju, |unit| {
        unit.relation_data(&database())
            .read_local_app::<Request>()
            .unwrap_err()
    });
    assert!(
        matches!(&err, RelationError::CannotReadOwnAppBag { relation, unit } if relation == "database:3" && unit == "app/0"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "relation database:3: app/0 is not leader and cannot read its own application databag"
    );
    // Only is-leader ran: the bag was never asked for.
    assert_eq!(juju.calls, ["is-leader"]);
}

#[test]
fn the_leader_reads_its_own_application_bag() {
    let mut juju = FakeJuju {
        leader: true,
        ..FakeJuju::with_relations()
    };
    let request = with_unit(&mut juju, |unit| {
        unit.relation_data(&database())
            .read_local_app::<Request>()
            .unwrap()
    });
    assert_eq!(
        request,
        Request {
            database: "app".into(),
            requested_secrets: vec!["username".into(), "password".into()],
            extra_user_roles: None,
        }
    );
    assert_eq!(juju.calls, ["is-leader", "relation-get -r 3 --app - app"]);
}

#[test]
fn any_unit_reads_its_application_bag_on_a_peer_relation() {
    let mut juju = FakeJuju::with_relations();
    let members = with_unit(&mut juju, |unit| {
        unit.relation_data(&cluster())
            .read_local_app::<Members>()
            .unwrap()
    });
    assert_eq!(members.members, ["app/0", "app/1"]);
    assert_eq!(juju.calls, ["relation-get -r 1 --app - app"]);
}

#[test]
fn only_the_leader_writes_the_application_bag_even_on_a_peer_relation() {
    let request = Request {
        database: "app".into(),
        requested_secrets: vec!["username".into()],
        extra_user_roles: None,
    };
    let mut juju = FakeJuju::with_relations();
    let req = request.clone();
    let err = with_unit(&mut juju, move |unit| {
        unit.relation_data(&database())
            .write_local_app(&req)
            .unwrap_err()
    });
    assert!(
        matches!(&err, RelationError::CannotWriteAppBag { relation, unit } if relation == "database:3" && unit == "app/0"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "relation database:3: app/0 is not leader and cannot write application data."
    );
    let err = with_unit(&mut juju, |unit| {
        unit.relation_data(&cluster())
            .write_local_app(&Members { members: vec![] })
            .unwrap_err()
    });
    assert_eq!(
        err.to_string(),
        "relation cluster:1: app/0 is not leader and cannot write application data."
    );
    // No relation-set ran, and the bag is as it was.
    assert_eq!(juju.calls, ["is-leader", "is-leader"]);
    assert_eq!(
        juju.bags[&(3, "app".to_owned())]["requested-secrets"],
        r#"["username", "password"]"#
    );
}

#[test]
fn the_leader_writes_the_application_bag_deleting_unset_fields_and_keeping_others() {
    let mut juju = FakeJuju {
        leader: true,
        ..FakeJuju::with_relations()
    };
    juju.bags
        .get_mut(&(3, "app".to_owned()))
        .unwrap()
        .insert("extra-user-roles".into(), "admin".into());
    juju.bags
        .get_mut(&(3, "app".to_owned()))
        .unwrap()
        .insert("data".into(), "{}".into());
    with_unit(&mut juju, |unit| {
        unit.relation_data(&database())
            .write_local_app(&Request {
                database: "app2".into(),
                requested_secrets: vec!["username".into(), "password".into(), "tls".into()],
                extra_user_roles: None,
            })
            .unwrap()
    });
    assert_eq!(
        juju.calls,
        [
            "is-leader",
            r#"relation-set -r 3 --app database=app2 extra-user-roles= requested-secrets=["username", "password", "tls"]"#
        ]
    );
    assert_eq!(
        juju.bags[&(3, "app".to_owned())],
        bag(&[
            ("data", "{}"),
            ("database", "app2"),
            ("requested-secrets", r#"["username", "password", "tls"]"#),
        ])
    );
}

#[test]
fn any_unit_reads_and_writes_its_own_unit_bag() {
    let mut juju = FakeJuju::with_relations();
    let (before, after) = with_unit(&mut juju, |unit| {
        let mut data = unit.relation_data(&database());
        let before = data.read_local_unit::<BTreeMap<String, String>>().unwrap();
        data.write_local_unit(&Host {
            host: "app-0.local".into(),
            port: Some(8080),
        })
        .unwrap();
        let after = data.read_local_unit::<Host>().unwrap();
        (before, after)
    });
    assert_eq!(before["private-address"], "10.0.0.1");
    assert_eq!(
        after,
        Host {
            host: "app-0.local".into(),
            port: Some(8080)
        }
    );
    assert_eq!(
        juju.calls,
        [
            "relation-get -r 3 - app/0",
            r#"relation-set -r 3 host="app-0.local" port=8080"#,
            "relation-get -r 3 - app/0",
        ]
    );
    // Juju's keys are still there.
    assert_eq!(
        juju.bags[&(3, "app/0".to_owned())]["ingress-address"],
        "10.0.0.1"
    );
}

#[test]
fn remote_bags_are_read_and_remote_units_listed() {
    let mut juju = FakeJuju::with_relations();
    let (provided, host, units) = with_unit(&mut juju, |unit| {
        let mut data = unit.relation_data(&database());
        (
            data.read_remote_app::<Provided>().unwrap(),
            data.read_remote_unit::<Host>("pg/0").unwrap(),
            data.remote_units().unwrap(),
        )
    });
    assert_eq!(provided.endpoints, "10.0.0.9:5432,10.0.0.10:5432");
    assert_eq!(provided.username, "relation-3");
    assert_eq!(
        host,
        Host {
            host: "pg-0.local".into(),
            port: None
        }
    );
    assert_eq!(units, ["pg/0", "pg/1"]);
    assert_eq!(
        juju.calls,
        [
            "relation-get -r 3 --app - pg",
            "relation-get -r 3 - pg/0",
            "relation-list -r 3"
        ]
    );
}

#[test]
fn only_units_of_the_remote_application_are_remote_units() {
    for unit_name in ["app/0", "pg", "pg/", "pg/x", "pgx/0", "other/1", ""] {
        let mut juju = FakeJuju::with_relations();
        let name = unit_name.to_owned();
        let err = with_unit(&mut juju, move |unit| {
            unit.relation_data(&database())
                .read_remote_unit::<Host>(&name)
                .unwrap_err()
        });
        assert_eq!(
            err.to_string(),
            format!(
                "relation database:3: {unit_name:?} is not a unit of the remote application \"pg\""
            )
        );
        assert!(juju.calls.is_empty(), "{:?}", juju.calls);
    }
    // On a peer relation, the other units of this application are the remote units.
    let mut juju = FakeJuju::with_relations();
    let read = with_unit(&mut juju, |unit| {
        unit.relation_data(&cluster())
            .read_remote_unit::<BTreeMap<String, String>>("app/1")
            .unwrap()
    });
    assert!(read.is_empty());
    assert_eq!(juju.calls, ["relation-get -r 1 - app/1"]);
}

// ---------------------------------------------------------------------------------------------
// Errors name the relation, the bag and the field.

#[test]
fn a_field_that_does_not_decode_names_the_relation_bag_and_field() {
    let mut juju = FakeJuju::with_relations();
    juju.bags
        .get_mut(&(3, "pg/0".to_owned()))
        .unwrap()
        .insert("port".into(), r#""not a port""#.into());
    let err = with_unit(&mut juju, |unit| {
        unit.relation_data(&database())
            .read_remote_unit::<Host>("pg/0")
            .unwrap_err()
    });
    let RelationError::Databag(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.bag, "relation database:3, remote unit bag (pg/0)");
    assert_eq!(e.field(), Some("port"));
    assert!(
        err.to_string().starts_with(
            "relation database:3, remote unit bag (pg/0): field \"port\" does not decode: invalid type: string \"not a port\""
        ),
        "{err}"
    );
}

#[test]
fn a_missing_field_is_its_own_error() {
    let mut juju = FakeJuju::with_relations();
    juju.bags
        .get_mut(&(3, "pg".to_owned()))
        .unwrap()
        .remove("password");
    let err = with_unit(&mut juju, |unit| {
        unit.relation_data(&database())
            .read_remote_app::<Provided>()
            .unwrap_err()
    });
    let RelationError::Databag(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        e.kind,
        DatabagErrorKind::Missing {
            field: "password".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "relation database:3, remote application bag (pg): required field \"password\" is missing"
    );
}

#[test]
fn a_value_that_is_not_a_bag_is_refused_before_any_tool() {
    #[derive(Serialize, Deserialize)]
    struct Wrapper(Vec<u8>);
    impl Databag for Wrapper {}
    let mut juju = FakeJuju {
        leader: true,
        ..FakeJuju::with_relations()
    };
    let err = with_unit(&mut juju, |unit| {
        unit.relation_data(&database())
            .write_local_app(&Wrapper(vec![1]))
            .unwrap_err()
    });
    assert_eq!(
        err.to_string(),
        "relation database:3, local application bag (app): a databag is written from a struct with named fields or a map, not a list"
    );
    assert!(juju.calls.is_empty(), "{:?}", juju.calls);
}

#[test]
fn tool_failures_name_the_relation() {
    for (tool, expected_calls) in [
        ("relation-get", vec!["relation-get"]),
        ("is-leader", vec!["is-leader"]),
    ] {
        let mut juju = FakeJuju {
            failing: Some(tool),
            leader: true,
            ..FakeJuju::with_relations()
        };
        let err = with_unit(&mut juju, |unit| {
            unit.relation_data(&database())
                .read_local_app::<Request>()
                .unwrap_err()
        });
        assert!(matches!(&err, RelationError::Tool { relation, .. } if relation == "database:3"));
        assert_eq!(
            err.to_string(),
            format!("relation database:3: hook tool `{tool}` exited with code 1: ERROR boom")
        );
        let called = juju.tools_called();
        assert_eq!(called[called.len() - 1..], expected_calls[..]);
    }
    let mut juju = FakeJuju {
        failing: Some("relation-set"),
        ..FakeJuju::with_relations()
    };
    let err = with_unit(&mut juju, |unit| {
        unit.relation_data(&database())
            .write_local_unit(&Host {
                host: "h".into(),
                port: None,
            })
            .unwrap_err()
    });
    assert!(
        err.to_string()
            .starts_with("relation database:3: hook tool `relation-set`")
    );
}

// ---------------------------------------------------------------------------------------------
// Relation hooks.

/// What a relation handler saw.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    kind: RelationKind,
    hook: String,
    relation: String,
    remote_app: String,
    remote_unit: Option<String>,
    departing_unit: Option<String>,
}

fn relation_env(id: u32, remote_unit: Option<&str>, departing: Option<&str>) -> RelationEnv {
    RelationEnv {
        endpoint: "database".into(),
        id,
        remote_app: "pg".into(),
        remote_unit: remote_unit.map(str::to_owned),
        departing_unit: departing.map(str::to_owned),
    }
}

fn recording_charm(seen: &Arc<Mutex<Vec<Seen>>>) -> Charm {
    let mut charm = Charm::new();
    for kind in RelationKind::ALL {
        let seen = Arc::clone(seen);
        charm = charm.on_relation::<Database>(kind, move |event| {
            seen.lock().unwrap().push(Seen {
                kind: event.kind(),
                hook: event.hook_name(),
                relation: event.relation().to_string(),
                remote_app: event.relation().remote_app().to_owned(),
                remote_unit: event.remote_unit().map(str::to_owned),
                departing_unit: event.departing_unit().map(str::to_owned),
            });
            Ok(())
        });
    }
    charm
}

#[test]
fn every_relation_kind_is_dispatched_to_its_handler_with_juju_s_environment() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let charm = recording_charm(&seen);
    // The environment of each hook (juju-relations-secrets.md §1.2): no remote unit in
    // -created, -broken and an application-level -changed; a departing unit in -departed.
    let cases = [
        (RelationKind::Created, None, None),
        (RelationKind::Joined, Some("pg/1"), None),
        (RelationKind::Changed, Some("pg/1"), None),
        (RelationKind::Changed, None, None),
        (RelationKind::Departed, Some("pg/1"), Some("pg/1")),
        (RelationKind::Broken, None, None),
    ];
    for (kind, remote_unit, departing) in cases {
        let mut juju = FakeJuju::with_relations();
        let hook = Dispatch::Hook(kind.hook_name("database"));
        let outcome = charm.dispatch(
            &hook,
            &mut juju,
            &env(Some(relation_env(3, remote_unit, departing))),
        );
        assert_eq!(outcome, Outcome::Completed, "{hook:?}");
        let last = seen.lock().unwrap().pop().expect("the handler ran");
        assert_eq!(
            last,
            Seen {
                kind,
                hook: format!("database-relation-{kind}"),
                relation: "database:3".into(),
                remote_app: "pg".into(),
                remote_unit: remote_unit.map(str::to_owned),
                departing_unit: departing.map(str::to_owned),
            }
        );
        // The environment was enough: no tool ran.
        assert!(juju.calls.is_empty(), "{:?}", juju.calls);
    }
    // Other endpoints' hooks are not this handler's.
    let mut juju = FakeJuju::with_relations();
    let outcome = charm.dispatch(
        &Dispatch::Hook("website-relation-changed".into()),
        &mut juju,
        &env(Some(relation_env(7, None, None))),
    );
    assert_eq!(outcome, Outcome::Skipped);
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn a_relation_handler_without_its_relation_in_the_environment_fails_the_hook() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let charm = recording_charm(&seen);
    let hook = Dispatch::Hook("database-relation-changed".into());

    let mut juju = FakeJuju::with_relations();
    let outcome = charm.dispatch(&hook, &mut juju, &env(None));
    let message = "hook \"database-relation-changed\" ran without a relation: JUJU_RELATION_ID is not set to <endpoint>:<number>";
    assert_eq!(
        outcome,
        Outcome::Errored {
            message: message.into()
        }
    );
    assert_eq!(
        juju.calls,
        [format!(
            "juju-log ERROR hook \"database-relation-changed\" failed: {message}"
        )]
    );

    let mut juju = FakeJuju::with_relations();
    let mut other = relation_env(7, None, None);
    other.endpoint = "website".into();
    let outcome = charm.dispatch(&hook, &mut juju, &env(Some(other)));
    assert_eq!(
        outcome,
        Outcome::Errored {
            message: "hook \"database-relation-changed\" is handled for endpoint \"database\", but Juju ran it for relation website:7".into()
        }
    );
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(outcome.exit_code(juju_ops::EventKind::Hook), 1);
}

#[test]
fn the_remote_application_is_asked_for_when_the_environment_lacks_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let charm = recording_charm(&seen);
    let mut juju = FakeJuju::with_relations();
    let mut relation = relation_env(3, None, None);
    relation.remote_app.clear();
    let outcome = charm.dispatch(
        &Dispatch::Hook("database-relation-created".into()),
        &mut juju,
        &env(Some(relation)),
    );
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(juju.calls, ["relation-list -r 3 --app"]);
    assert_eq!(seen.lock().unwrap()[0].remote_app, "pg");
}

#[test]
fn relation_events_read_and_write_their_own_relation() {
    fn on_changed(event: &mut RelationEvent<Database>) -> HandlerResult {
        let provided: Provided = event.read_remote_app()?;
        let units = event.remote_units()?;
        event.write_local_unit(&Host {
            host: format!("{}@{}", provided.username, units.join("+")),
            port: None,
        })?;
        if event.is_leader()? {
            event.write_local_app(&Request {
                database: provided.database,
                requested_secrets: vec![],
                extra_user_roles: Some("admin".into()),
            })?;
        }
        // Reading the local app bag as a non-leader fails the hook with ops' message.
        let _: Request = event.read_local_app()?;
        Ok(())
    }
    let charm = Charm::new().on_relation::<Database>(RelationKind::Changed, on_changed);
    let hook = Dispatch::Hook("database-relation-changed".into());

    let mut juju = FakeJuju {
        leader: true,
        ..FakeJuju::with_relations()
    };
    let outcome = charm.dispatch(
        &hook,
        &mut juju,
        &env(Some(relation_env(3, Some("pg/0"), None))),
    );
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(
        juju.bags[&(3, "app/0".to_owned())]["host"],
        r#""relation-3@pg/0+pg/1""#
    );
    assert_eq!(
        juju.bags[&(3, "app".to_owned())]["extra-user-roles"],
        "admin"
    );

    let mut juju = FakeJuju::with_relations();
    let outcome = charm.dispatch(
        &hook,
        &mut juju,
        &env(Some(relation_env(3, Some("pg/0"), None))),
    );
    assert_eq!(
        outcome,
        Outcome::Errored {
            message: "relation database:3: app/0 is not leader and cannot read its own application databag".into()
        }
    );
}

#[test]
fn typed_and_named_handlers_of_one_hook_run_in_registration_order() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let (first, second) = (Arc::clone(&order), Arc::clone(&order));
    let charm = Charm::new()
        .on_relation::<Database>(RelationKind::Joined, move |_| {
            first.lock().unwrap().push("typed");
            Ok(())
        })
        .on("database-relation-joined", move |event| {
            let relation = event.env().relation.clone().unwrap();
            second.lock().unwrap().push("named");
            assert_eq!(relation.id, 3);
            Ok(())
        });
    assert!(charm.hook_problems().is_empty());
    let mut juju = FakeJuju::with_relations();
    let outcome = charm.dispatch(
        &Dispatch::Hook("database-relation-joined".into()),
        &mut juju,
        &env(Some(relation_env(3, Some("pg/0"), None))),
    );
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(*order.lock().unwrap(), ["typed", "named"]);
}

// ---------------------------------------------------------------------------------------------
// Leadership data, charm state, status.

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Shared {
    admin_password: String,
    rotation: Option<u32>,
}

impl Databag for Shared {}

#[test]
fn leader_data_is_written_by_the_leader_only() {
    let shared = Shared {
        admin_password: "pw".into(),
        rotation: None,
    };
    let mut juju = FakeJuju::default();
    let value = shared.clone();
    let err = with_unit(&mut juju, move |unit| {
        unit.set_leader_data(&value).unwrap_err()
    });
    assert!(matches!(err, DataError::NotLeader));
    assert_eq!(
        err.to_string(),
        "cannot write leadership settings: cannot write settings: not the leader"
    );
    assert_eq!(juju.calls, ["is-leader"]);

    let mut juju = FakeJuju {
        leader: true,
        ..FakeJuju::default()
    };
    juju.leader_settings.insert("rotation".into(), "3".into());
    juju.leader_settings.insert("other".into(), "kept".into());
    let value = shared.clone();
    let read = with_unit(&mut juju, move |unit| {
        unit.set_leader_data(&value).unwrap();
        unit.leader_data::<Shared>().unwrap()
    });
    assert_eq!(read, shared);
    assert_eq!(
        juju.calls,
        [
            "is-leader",
            r#"leader-set admin-password="pw" rotation="#,
            "leader-get"
        ]
    );
    assert_eq!(
        juju.leader_settings,
        bag(&[("admin-password", r#""pw""#), ("other", "kept")])
    );
}

#[test]
fn leader_keys_leader_set_cannot_write_are_refused_before_any_tool() {
    let mut juju = FakeJuju {
        leader: true,
        ..FakeJuju::default()
    };
    let err = with_unit(&mut juju, |unit| {
        unit.set_leader_data(&bag(&[("a=b", "c")])).unwrap_err()
    });
    assert_eq!(
        err.to_string(),
        "leader settings: leader-set cannot write the key \"a=b\" (empty, or holding `=`)"
    );
    assert!(juju.calls.is_empty());
    juju.leader_settings
        .insert("admin-password".into(), "12".into());
    let err = with_unit(&mut juju, |unit| unit.leader_data::<Shared>().unwrap_err());
    let DataError::Databag(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field(), Some("admin-password"));
    assert!(
        err.to_string()
            .starts_with("leader settings: field \"admin-password\"")
    );
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Progress {
    installed: bool,
    version: Option<String>,
    attempts: u32,
}

impl Databag for Progress {}

#[test]
fn charm_state_round_trips_and_unset_fields_are_deleted() {
    let mut juju = FakeJuju::default();
    juju.state.insert("version".into(), r#""1.0""#.into());
    juju.state.insert("unrelated".into(), "x".into());
    let read = with_unit(&mut juju, |unit| {
        unit.set_state(&Progress {
            installed: true,
            version: None,
            attempts: 2,
        })
        .unwrap();
        unit.state::<Progress>().unwrap()
    });
    assert_eq!(
        read,
        Progress {
            installed: true,
            version: None,
            attempts: 2
        }
    );
    assert_eq!(
        juju.calls,
        [
            "state-set attempts=2 installed=true",
            "state-delete version",
            "state-get"
        ]
    );
    assert_eq!(
        juju.state,
        bag(&[("attempts", "2"), ("installed", "true"), ("unrelated", "x")])
    );
    // Missing state is a typed error naming the bag.
    let mut juju = FakeJuju::default();
    let err = with_unit(&mut juju, |unit| unit.state::<Progress>().unwrap_err());
    assert_eq!(
        err.to_string(),
        "charm state: required field \"installed\" is missing"
    );
    let mut juju = FakeJuju {
        failing: Some("state-set"),
        ..FakeJuju::default()
    };
    let err = with_unit(&mut juju, |unit| {
        unit.set_state(&Progress {
            installed: false,
            version: Some("2".into()),
            attempts: 0,
        })
        .unwrap_err()
    });
    assert!(matches!(err, DataError::Tool(_)), "{err:?}");
}

#[test]
fn statuses_are_read_through_status_get() {
    let mut juju = FakeJuju {
        unit_status: StatusInfo {
            status: "active".into(),
            message: "ready".into(),
        },
        app_status: StatusInfo {
            status: "waiting".into(),
            message: "1 of 2".into(),
        },
        ..FakeJuju::default()
    };
    let (unit_status, app_status) = with_unit(&mut juju, |unit| {
        (unit.status().unwrap(), unit.app_status().unwrap())
    });
    assert_eq!(
        (unit_status.status.as_str(), unit_status.message.as_str()),
        ("active", "ready")
    );
    assert_eq!(app_status.status, "waiting");
    assert_eq!(juju.calls, ["status-get", "status-get --application"]);
}

// ---------------------------------------------------------------------------------------------
// The schema: endpoint sections, hooks, and the names Juju refuses.

fn on_nothing(_: &mut juju_ops::HookEvent) -> HandlerResult {
    Ok(())
}

#[test]
fn the_schema_lists_endpoints_by_role_and_every_hook() {
    let charm = Charm::new()
        .on(Hook::Install, on_nothing)
        .on_relation::<Database>(RelationKind::Changed, |_| Ok(()))
        .on_relation::<Database>(RelationKind::Broken, |_| Ok(()))
        .on_relation::<Cluster>(RelationKind::Broken, |_| Ok(()))
        .endpoint::<Website>()
        .on("data-storage-attached", on_nothing)
        .on("workload-pebble-ready", on_nothing)
        .on("juju-info-relation-joined", on_nothing)
        .on("website-relation-joined", on_nothing);
    let schema = charm.schema_json().unwrap();
    assert_eq!(
        schema,
        json!({
            "actions": {},
            "requires": {"database": {"interface": "postgresql_client", "limit": 1, "optional": true}},
            "provides": {"website": {"interface": "http"}},
            "peers": {"cluster": {"interface": "app_cluster"}},
            "hooks": [
                "cluster-relation-broken",
                "data-storage-attached",
                "database-relation-broken",
                "database-relation-changed",
                "install",
                "juju-info-relation-joined",
                "website-relation-joined",
                "workload-pebble-ready",
            ],
        })
    );
    // The sections are there when empty.
    let empty = Charm::new().schema_json().unwrap();
    assert_eq!(
        empty,
        json!({"actions": {}, "requires": {}, "provides": {}, "peers": {}, "hooks": []})
    );
}

#[test]
fn every_standard_hook_is_accepted() {
    let mut charm = Charm::new();
    for hook in juju_ops::STANDARD_HOOKS {
        charm = charm.on(hook, on_nothing);
    }
    for hook in [
        "secret-changed",
        "leader-settings-changed",
        "pre-series-upgrade",
        "collect-metrics",
    ] {
        assert!(juju_ops::STANDARD_HOOKS.contains(&hook), "{hook}");
    }
    assert!(charm.hook_problems().is_empty());
    assert_eq!(
        charm.schema_json().unwrap()["hooks"]
            .as_array()
            .unwrap()
            .len(),
        juju_ops::STANDARD_HOOKS.len()
    );
}

#[test]
fn hooks_juju_never_runs_are_refused_by_name() {
    let charm = Charm::new()
        .on_relation::<Database>(RelationKind::Changed, |_| Ok(()))
        .endpoint::<Cluster>()
        .on("instal", on_nothing)
        .on("database-relation-chnged", on_nothing)
        .on("databse-relation-changed", on_nothing)
        .on("db-relation-changed", on_nothing)
        .on("-storage-attached", on_nothing)
        .on("Data-storage-attached", on_nothing)
        .on("workload-pebble-started", on_nothing)
        .on("hooks/install", on_nothing);
    assert_eq!(
        charm.hook_problems(),
        [
            "-storage-attached",
            "Data-storage-attached",
            "database-relation-chnged",
            "databse-relation-changed",
            "db-relation-changed",
            "hooks/install",
            "instal",
            "workload-pebble-started",
        ]
    );
    let err = charm.schema_json().unwrap_err();
    assert_eq!(err.action, juju_ops::schema::HOOKS_SUBJECT);
    let message = err.to_string();
    assert!(
        message.starts_with(
            "charm hooks: the charm handles \"-storage-attached\", \"Data-storage-attached\", \"database-relation-chnged\""
        ),
        "{message}"
    );
    assert!(
        message.contains("declared endpoints: cluster, database (declare one with"),
        "{message}"
    );
    // Declaring the endpoint makes its hooks valid.
    struct Db;
    impl Endpoint for Db {
        const NAME: &'static str = "db";
        const INTERFACE: &'static str = "mysql";
        const ROLE: Role = Role::Requires;
    }
    let charm = Charm::new()
        .on("db-relation-changed", on_nothing)
        .endpoint::<Db>();
    assert!(charm.hook_problems().is_empty());
    let undeclared = Charm::new().on("db-relation-changed", on_nothing);
    assert!(
        undeclared
            .schema_json()
            .unwrap_err()
            .to_string()
            .contains("declared endpoints: none"),
    );
}

macro_rules! endpoint {
    ($ty:ident, $name:expr, $interface:expr, $role:expr) => {
        struct $ty;
        impl Endpoint for $ty {
            const NAME: &'static str = $name;
            const INTERFACE: &'static str = $interface;
            const ROLE: Role = $role;
        }
    };
}

#[test]
fn endpoint_names_and_interfaces_follow_juju_s_rules() {
    endpoint!(Upper, "Database", "pg", Role::Requires);
    endpoint!(Digit, "1db", "pg", Role::Requires);
    endpoint!(Underscore, "my_db", "pg", Role::Requires);
    endpoint!(Empty, "", "pg", Role::Requires);
    endpoint!(Juju, "juju", "pg", Role::Requires);
    endpoint!(JujuInfo, "juju-info", "juju-info", Role::Provides);
    endpoint!(NoInterface, "db", "", Role::Requires);
    endpoint!(ReservedProvided, "db", "juju-thing", Role::Provides);
    endpoint!(ReservedPeer, "db", "juju", Role::Peers);
    endpoint!(ReservedRequired, "db", "juju-info", Role::Requires);
    endpoint!(Twice, "database", "mysql_client", Role::Requires);

    let refusal = |charm: Charm| charm.schema_json().unwrap_err().to_string();
    assert_eq!(
        refusal(Charm::new().endpoint::<Upper>()),
        "charm endpoints: endpoint \"Database\" is not a valid name: lowercase letters, digits and hyphens, starting with a letter"
    );
    for charm in [
        Charm::new().endpoint::<Digit>(),
        Charm::new().endpoint::<Underscore>(),
        Charm::new().endpoint::<Empty>(),
    ] {
        assert!(refusal(charm).contains("is not a valid name"));
    }
    assert_eq!(
        refusal(Charm::new().endpoint::<Juju>()),
        "charm endpoints: endpoint \"juju\" uses a name Juju reserves (juju and juju-*)"
    );
    assert!(
        refusal(Charm::new().endpoint::<JujuInfo>())
            .contains("\"juju-info\" uses a name Juju reserves")
    );
    assert_eq!(
        refusal(Charm::new().endpoint::<NoInterface>()),
        "charm endpoints: endpoint \"db\" has no interface"
    );
    assert_eq!(
        refusal(Charm::new().endpoint::<ReservedProvided>()),
        "charm endpoints: endpoint \"db\" (provides) uses interface \"juju-thing\", which Juju reserves (juju and juju-*)"
    );
    assert!(
        refusal(Charm::new().endpoint::<ReservedPeer>())
            .contains("(peers) uses interface \"juju\"")
    );
    // A required interface may be juju-info (subordinates relate to it).
    assert!(
        Charm::new()
            .endpoint::<ReservedRequired>()
            .schema_json()
            .is_ok()
    );
    // One name, two declarations.
    assert_eq!(
        refusal(Charm::new().endpoint::<Database>().endpoint::<Twice>()),
        "charm endpoints: endpoint \"database\" is declared twice, as requires postgresql_client, limit 1, optional and as requires mysql_client"
    );
    // The same declaration twice is one endpoint.
    assert!(
        Charm::new()
            .endpoint::<Database>()
            .endpoint::<Database>()
            .schema_json()
            .is_ok()
    );
}

// ---------------------------------------------------------------------------------------------
// The real hook tools: argv and stdin, through stub executables.

/// A stub that records its arguments (one a line) and its stdin, then prints `output`.
fn stub(dir: &Path, name: &str, output: &str) {
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{dir}/{name}.args'\ncat > '{dir}/{name}.stdin'\nprintf '%s' '{output}'\n",
        dir = dir.display()
    );
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn args_of(dir: &Path, name: &str) -> Vec<String> {
    fs::read_to_string(dir.join(format!("{name}.args")))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn stdin_of(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(format!("{name}.stdin"))).unwrap()
}

#[test]
fn relation_tools_get_juju_s_grammar() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    stub(d, "relation-ids", r#"["database:1","database:12"]"#);
    stub(d, "relation-list", r#"["pg/0","pg/1"]"#);
    stub(d, "relation-get", r#"{"database":"app","port":"5432"}"#);
    stub(d, "relation-set", "");
    let mut tools = Subprocess::with_tools_dir(d);

    assert_eq!(
        tools.relation_ids("database").unwrap(),
        ["database:1", "database:12"]
    );
    assert_eq!(args_of(d, "relation-ids"), ["database", "--format=json"]);

    assert_eq!(tools.relation_list(3).unwrap(), ["pg/0", "pg/1"]);
    assert_eq!(args_of(d, "relation-list"), ["-r", "3", "--format=json"]);

    assert_eq!(
        tools.relation_get(3, "pg", true).unwrap(),
        bag(&[("database", "app"), ("port", "5432")])
    );
    assert_eq!(
        args_of(d, "relation-get"),
        ["-r", "3", "--app", "--format=json", "-", "pg"]
    );
    tools.relation_get(3, "pg/0", false).unwrap();
    assert_eq!(
        args_of(d, "relation-get"),
        ["-r", "3", "--format=json", "-", "pg/0"]
    );

    tools
        .relation_set(
            3,
            true,
            &bag(&[
                ("requested-secrets", r#"["username", "password"]"#),
                ("gone", ""),
            ]),
        )
        .unwrap();
    assert_eq!(
        args_of(d, "relation-set"),
        ["-r", "3", "--app", "--file", "-"]
    );
    assert_eq!(
        stdin_of(d, "relation-set"),
        "\"gone\": \"\"\n\"requested-secrets\": \"[\\\"username\\\", \\\"password\\\"]\"\n"
    );
    tools.relation_set(3, false, &bag(&[("a", "b")])).unwrap();
    assert_eq!(args_of(d, "relation-set"), ["-r", "3", "--file", "-"]);
    assert_eq!(stdin_of(d, "relation-set"), "\"a\": \"b\"\n");

    // `relation-list --app` prints the remote application's name as a JSON string.
    stub(d, "relation-list", r#""pg""#);
    assert_eq!(tools.relation_remote_app(3).unwrap(), "pg");
    assert_eq!(
        args_of(d, "relation-list"),
        ["-r", "3", "--app", "--format=json"]
    );
}

#[test]
fn leader_state_and_status_tools_get_juju_s_grammar() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    stub(d, "leader-get", r#"{"a":"1"}"#);
    stub(d, "leader-set", "");
    stub(d, "state-get", r#"{"k":"\"v\""}"#);
    stub(d, "state-set", "");
    stub(d, "state-delete", "");
    stub(
        d,
        "status-get",
        r#"{"message":"ready","status":"active","status-data":{}}"#,
    );
    let mut tools = Subprocess::with_tools_dir(d);

    assert_eq!(tools.leader_get().unwrap(), bag(&[("a", "1")]));
    assert_eq!(args_of(d, "leader-get"), ["--format=json"]);
    tools
        .leader_set(&bag(&[("a", "x=y"), ("b", ""), ("-c", "1")]))
        .unwrap();
    assert_eq!(args_of(d, "leader-set"), ["--", "-c=1", "a=x=y", "b="]);

    assert_eq!(tools.state_get().unwrap(), bag(&[("k", r#""v""#)]));
    assert_eq!(args_of(d, "state-get"), ["--format=json"]);
    tools.state_set(&bag(&[("k", "multi\nline")])).unwrap();
    assert_eq!(args_of(d, "state-set"), ["--file", "-"]);
    assert_eq!(stdin_of(d, "state-set"), "\"k\": \"multi\\u000aline\"\n");
    tools.state_delete("-k").unwrap();
    assert_eq!(args_of(d, "state-delete"), ["--", "-k"]);

    let status = tools.status_get(StatusTarget::Unit).unwrap();
    assert_eq!(
        (status.status.as_str(), status.message.as_str()),
        ("active", "ready")
    );
    assert_eq!(
        args_of(d, "status-get"),
        ["--include-data", "--format=json"]
    );
    stub(
        d,
        "status-get",
        r#"{"application-status":{"message":"","status":"blocked","status-data":{},"units":{"app/0":{"message":"","status":"active","status-data":{}}}}}"#,
    );
    let status = tools.status_get(StatusTarget::Application).unwrap();
    assert_eq!(status.status, "blocked");
    assert_eq!(
        args_of(d, "status-get"),
        ["--include-data", "--format=json", "--application"]
    );
}

#[test]
fn empty_and_unexpected_tool_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Juju prints null for an empty map from some tools.
    stub(d, "leader-get", "null");
    stub(d, "relation-ids", "[]");
    stub(d, "state-get", r#"{"n": 1}"#);
    stub(d, "relation-list", r#"{"not": "a list"}"#);
    stub(d, "relation-get", r#"["a"]"#);
    let mut tools = Subprocess::with_tools_dir(d);
    assert!(tools.leader_get().unwrap().is_empty());
    assert!(tools.relation_ids("database").unwrap().is_empty());
    for err in [
        tools.state_get().unwrap_err(),
        tools.relation_list(1).unwrap_err(),
        tools.relation_remote_app(1).unwrap_err(),
        tools.relation_get(1, "pg", true).unwrap_err(),
    ] {
        assert!(matches!(err.kind, ToolErrorKind::BadOutput { .. }), "{err}");
    }
    assert_eq!(
        tools.state_get().unwrap_err().to_string(),
        "hook tool `state-get --format=json` printed unexpected output: the value of \"n\" is 1, not a string"
    );
}

#[test]
fn a_tool_that_fails_after_stdin_reports_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relation-set");
    // Exits without reading its input, as a tool refusing its flags would.
    fs::write(
        &path,
        "#!/bin/sh\necho 'ERROR cannot write relation settings' >&2\nexit 1\n",
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    let mut tools = Subprocess::with_tools_dir(dir.path());
    let big = "x".repeat(1 << 20);
    let err = tools
        .relation_set(3, true, &bag(&[("big", &big)]))
        .unwrap_err();
    assert_eq!(
        err.kind,
        ToolErrorKind::Failed {
            code: Some(1),
            stderr: "ERROR cannot write relation settings\n".into()
        }
    );
    assert_eq!(
        err.argv,
        ["relation-set", "-r", "3", "--app", "--file", "-"]
    );
}
