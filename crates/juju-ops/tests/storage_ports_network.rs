//! Storage, ports and network: the port vectors of Juju's Go tests (`tests/vectors/ports.json`),
//! the `Unit` methods and `Charm::on_storage` against a Juju written here that records every
//! hook-tool call, the argv the real hook tools get (through stub executables), and, with the
//! `testing` feature, the harness's storage, ports and networks.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use juju_ops::tools::Subprocess;
use juju_ops::{
    BindAddress, Charm, Dispatch, Endpoint, HookTools, InterfaceAddress, LogLevel, NetworkError,
    NetworkInfo, OpenedPort, Outcome, Port, PortEndpoints, PortError, Protocol, Relation, Role,
    StatusName, StatusTarget, StorageEnv, StorageError, StorageId, StorageInfo, StorageKind,
    StorageType, ToolError, ToolErrorKind, Unit, UnitAddress, UnitEnv,
};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------
// Juju's port vectors.

fn vectors() -> Vec<Value> {
    let file: Value =
        serde_json::from_str(include_str!("vectors/ports.json")).expect("ports.json is JSON");
    file["vectors"]
        .as_array()
        .expect("a `vectors` list")
        .clone()
}

fn port_of(v: &Value) -> Result<Port, PortError> {
    Port::validate(
        v[2].as_str().unwrap_or_default(),
        v[0].as_i64().unwrap_or_default(),
        v[1].as_i64().unwrap_or_default(),
    )
}

/// Go's `ErrorMatches`: the regex anchored at both ends; the vectors use only `.*` and `\"`.
fn error_matches(message: &str, pattern: &str) -> bool {
    match pattern.strip_suffix(".*") {
        Some(prefix) => message.starts_with(prefix),
        None => message == pattern,
    }
}

/// What went wrong with one vector (kinds other than `hook`), or `None` when the runtime agrees.
fn run(v: &Value) -> Option<String> {
    let case = format!("{} / {}", v["source"], v["case"]);
    let from_to = |v: &Value| json!([v["from_port"], v["to_port"], v["protocol"]]);
    match v["kind"].as_str() {
        Some("validate") => {
            let got = port_of(&from_to(v));
            match (&got, v["error"].as_str()) {
                (Ok(_), None) => {}
                (Err(e), Some(want)) if e.to_string() == want => {}
                _ => return Some(format!("{case}: want {}, got {got:?}", v["error"])),
            }
        }
        Some("string") => {
            let got = port_of(&from_to(v)).map(|p| p.to_string());
            if got.as_deref().ok() != v["printed"].as_str() {
                return Some(format!("{case}: want {}, got {got:?}", v["printed"]));
            }
        }
        Some("conflict") => {
            let (Ok(a), Ok(b)) = (port_of(&v["first"]), port_of(&v["second"])) else {
                return Some(format!("{case}: the ports do not read"));
            };
            let want = v["conflict"].as_bool() == Some(true);
            if a.conflicts_with(&b) != want || b.conflicts_with(&a) != want {
                return Some(format!("{case}: want conflict={want}"));
            }
        }
        Some("sort") => {
            let mut ports: Vec<Port> = v["ports"]
                .as_array()?
                .iter()
                .filter_map(|p| Port::parse(p.as_str()?).ok())
                .collect();
            ports.sort();
            let got: Vec<String> = ports.iter().map(Port::to_string).collect();
            if json!(got) != v["sorted"] {
                return Some(format!("{case}: want {}, got {got:?}", v["sorted"]));
            }
        }
        Some("parse") => {
            let got = Port::parse(v["input"].as_str()?);
            match (&got, v["error_matches"].as_str()) {
                (Err(e), Some(pattern)) if error_matches(&e.to_string(), pattern) => {}
                (Ok(port), None) => {
                    let protocol = port.protocol().as_str();
                    let ports = json!([port.from_port(), port.to_port()]);
                    let want_ports = match v["protocol"].as_str() {
                        Some("icmp") => json!([null, null]),
                        _ => json!([v["from_port"], v["to_port"]]),
                    };
                    if json!(protocol) != v["protocol"]
                        || ports != want_ports
                        || json!(port.to_string()) != v["printed"]
                    {
                        return Some(format!("{case}: got {port:?}"));
                    }
                }
                _ => return Some(format!("{case}: got {got:?}")),
            }
        }
        Some("hook") => {}
        other => return Some(format!("{case}: unknown kind {other:?}")),
    }
    None
}

#[test]
fn every_port_vector_gets_the_verdict_juju_gives() {
    let vectors = vectors();
    assert!(vectors.len() >= 30, "{} vectors", vectors.len());
    let failures: Vec<String> = vectors.iter().filter_map(run).collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors disagree:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

#[test]
fn ports_are_read_lower_cased_as_open_port_reads_them() {
    // `jujuc/ports.go` lower-cases the argument before `ParsePortRange`.
    assert_eq!(Port::parse("80/TCP").unwrap(), Port::tcp(80));
    assert_eq!(Port::parse("ICMP").unwrap(), Port::icmp());
    assert_eq!(
        Port::parse("+80").unwrap(),
        Port::tcp(80),
        "Go's Atoi takes a sign"
    );
    assert_eq!(
        Port::parse("0").unwrap(),
        Port::tcp(0),
        "Juju's bounds start at 0"
    );
    assert_eq!(Port::parse("icmp/udp").unwrap(), Port::icmp());
    let err = |s: &str| Port::parse(s).unwrap_err().to_string();
    assert_eq!(
        err("80/sctp"),
        r#"invalid protocol "sctp", expected "tcp", "udp", or "icmp""#
    );
    assert_eq!(
        err("80/"),
        r#"invalid protocol "", expected "tcp", "udp", or "icmp""#
    );
    assert_eq!(
        err("80/icmp"),
        r#"protocol "icmp" doesn't support any ports; got "80""#
    );
    assert_eq!(err("90-80"), "invalid port range 90-80/tcp");
    assert_eq!(
        err("1-65536/udp"),
        "port range bounds must be between 0 and 65535, got 1-65536"
    );
    assert_eq!(
        err(""),
        r#"invalid port "": strconv.Atoi: parsing "": invalid syntax"#
    );
    assert_eq!(
        err("-80"),
        r#"invalid port "": strconv.Atoi: parsing "": invalid syntax"#
    );
    assert_eq!(
        err("99999999999999999999"),
        r#"invalid port "99999999999999999999": strconv.Atoi: parsing "99999999999999999999": value out of range"#
    );
    assert_eq!(
        err("8\t0"),
        r#"invalid port "8\t0": strconv.Atoi: parsing "8\t0": invalid syntax"#
    );
    assert_eq!(
        Port::range(Protocol::Icmp, 1, 1).unwrap_err(),
        PortError::IcmpWithPorts { port: 1 }
    );
    assert_eq!(
        Port::range(Protocol::Udp, 8000, 8010).unwrap().to_string(),
        "8000-8010/udp"
    );
    assert_eq!(Port::tcp(80).from_port(), Some(80));
    assert_eq!(Port::icmp().to_port(), None);
    // Every printed port reads back as itself.
    for port in [
        Port::icmp(),
        Port::tcp(0),
        Port::udp(65535),
        Port::range(Protocol::Tcp, 1, 65535).unwrap(),
    ] {
        assert_eq!(port.to_string().parse::<Port>().unwrap(), port);
    }
}

#[test]
fn opened_ports_lines_read_with_their_endpoints() {
    let line = |s: &str| OpenedPort::parse(s).unwrap();
    assert_eq!(
        line("80/tcp (*)"),
        OpenedPort {
            port: Port::tcp(80),
            endpoints: PortEndpoints::All
        }
    );
    let ranged = line("8000-8010/udp (metrics, admin)");
    assert_eq!(
        ranged.endpoints,
        PortEndpoints::Only(vec!["admin".into(), "metrics".into()])
    );
    assert_eq!(ranged.to_string(), "8000-8010/udp (admin, metrics)");
    assert_eq!(line("icmp").endpoints, PortEndpoints::All);
    assert!(OpenedPort::parse("80/tcp (a").is_err());
    assert!(OpenedPort::parse("eighty (*)").is_err());
}

// ---------------------------------------------------------------------------------------------
// A Juju that records every call.

#[derive(Default)]
struct FakeJuju {
    storage: BTreeMap<String, StorageInfo>,
    opened: Vec<OpenedPort>,
    network: NetworkInfo,
    calls: Vec<String>,
    /// The tool that fails, when set.
    failing: Option<&'static str>,
}

impl FakeJuju {
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
}

fn port_call(tool: &str, port: &Port, endpoints: &[String]) -> String {
    if endpoints.is_empty() {
        format!("{tool} {port}")
    } else {
        format!("{tool} --endpoints {} {port}", endpoints.join(","))
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
        Ok(true)
    }
    fn storage_get(&mut self, id: Option<&str>) -> Result<StorageInfo, ToolError> {
        self.calls
            .push(format!("storage-get {}", id.unwrap_or("-")));
        self.check("storage-get")?;
        let id = id.ok_or_else(|| ToolError::unsupported("storage-get"))?;
        self.storage
            .get(id)
            .cloned()
            .ok_or_else(|| ToolError::unsupported("storage-get"))
    }
    fn storage_list(&mut self, name: Option<&str>) -> Result<Vec<String>, ToolError> {
        self.calls
            .push(format!("storage-list {}", name.unwrap_or_default()));
        self.check("storage-list")?;
        Ok(self
            .storage
            .keys()
            .filter(|id| name.is_none_or(|n| id.starts_with(&format!("{n}/"))))
            .cloned()
            .collect())
    }
    fn storage_add(&mut self, counts: &BTreeMap<String, u32>) -> Result<(), ToolError> {
        let args: Vec<String> = counts.iter().map(|(k, n)| format!("{k}={n}")).collect();
        self.calls.push(format!("storage-add {}", args.join(" ")));
        self.check("storage-add")
    }
    fn open_port(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        self.calls.push(port_call("open-port", port, endpoints));
        self.check("open-port")
    }
    fn close_port(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        self.calls.push(port_call("close-port", port, endpoints));
        self.check("close-port")
    }
    fn opened_ports(&mut self) -> Result<Vec<OpenedPort>, ToolError> {
        self.calls.push("opened-ports".into());
        self.check("opened-ports")?;
        Ok(self.opened.clone())
    }
    fn network_get(
        &mut self,
        binding: &str,
        relation_id: Option<u32>,
    ) -> Result<NetworkInfo, ToolError> {
        match relation_id {
            Some(id) => self.calls.push(format!("network-get {binding} -r {id}")),
            None => self.calls.push(format!("network-get {binding}")),
        }
        self.check("network-get")?;
        Ok(self.network.clone())
    }
    fn unit_get(&mut self, address: UnitAddress) -> Result<String, ToolError> {
        self.calls.push(format!("unit-get {}", address.as_str()));
        self.check("unit-get")?;
        Ok("10.0.0.7".into())
    }
}

fn env(storage: Option<StorageEnv>) -> UnitEnv {
    UnitEnv {
        unit_name: "app/0".into(),
        model_name: "test".into(),
        storage,
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
    let charm = Charm::new().on("update-status", move |event| {
        let result = f(event);
        *out.lock().unwrap() = Some(result);
        Ok(())
    });
    let outcome = charm.dispatch(&Dispatch::Hook("update-status".into()), juju, &env(None));
    assert_eq!(outcome, Outcome::Completed);
    let result = slot.lock().unwrap().take();
    result.expect("the handler ran")
}

fn filesystem(location: &str) -> StorageInfo {
    StorageInfo {
        kind: StorageType::Filesystem,
        location: location.into(),
    }
}

struct Website;

impl Endpoint for Website {
    const NAME: &'static str = "website";
    const INTERFACE: &'static str = "http";
    const ROLE: Role = Role::Provides;
}

#[test]
fn ports_are_opened_and_closed_through_the_port_tools() {
    let mut juju = FakeJuju {
        opened: vec![OpenedPort::parse("80/tcp (*)").unwrap()],
        ..FakeJuju::default()
    };
    let opened = with_unit(&mut juju, |unit| {
        unit.open_port(Port::tcp(80)).unwrap();
        unit.open_port_for(
            Port::range(Protocol::Udp, 9000, 9010).unwrap(),
            &["metrics", "admin"],
        )
        .unwrap();
        unit.close_port(Port::icmp()).unwrap();
        unit.close_port_for(Port::tcp(22), &["admin"]).unwrap();
        unit.opened_ports().unwrap()
    });
    assert_eq!(opened, [OpenedPort::parse("80/tcp (*)").unwrap()]);
    assert_eq!(
        juju.calls,
        [
            "open-port 80/tcp",
            "open-port --endpoints metrics,admin 9000-9010/udp",
            "close-port icmp",
            "close-port --endpoints admin 22/tcp",
            "opened-ports",
        ]
    );
}

#[test]
fn bad_endpoint_names_are_refused_before_any_tool() {
    let mut juju = FakeJuju::default();
    let errors = with_unit(&mut juju, |unit| {
        [
            unit.open_port_for(Port::tcp(80), &[]),
            unit.open_port_for(Port::tcp(80), &["a,b"]),
            unit.close_port_for(Port::tcp(80), &["ok", "-r"]),
            unit.network("").map(drop),
            unit.network("Db").map(drop),
        ]
        .map(|r| r.unwrap_err().to_string())
    });
    assert!(errors[0].contains("no endpoint given"), "{}", errors[0]);
    assert!(
        errors[1].starts_with("\"a,b\" is not an endpoint"),
        "{}",
        errors[1]
    );
    assert!(errors[2].starts_with("\"-r\" is not"), "{}", errors[2]);
    assert!(errors[3].starts_with("\"\" is not"), "{}", errors[3]);
    assert!(errors[4].starts_with("\"Db\" is not"), "{}", errors[4]);
    assert!(juju.calls.is_empty(), "{:?}", juju.calls);
}

#[test]
fn tool_failures_come_back_typed() {
    let mut juju = FakeJuju {
        failing: Some("open-port"),
        ..FakeJuju::default()
    };
    let err = with_unit(&mut juju, |unit| unit.open_port(Port::tcp(80)).unwrap_err());
    assert!(matches!(err, NetworkError::Tool(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "hook tool `open-port` exited with code 1: ERROR boom"
    );
    let mut juju = FakeJuju {
        failing: Some("storage-add"),
        ..FakeJuju::default()
    };
    let err = with_unit(&mut juju, |unit| unit.add_storage("data", 1).unwrap_err());
    assert!(matches!(err, StorageError::Tool(_)), "{err:?}");
}

#[test]
fn storage_is_listed_read_and_added() {
    let mut juju = FakeJuju {
        storage: BTreeMap::from([
            ("data/0".to_owned(), filesystem("/srv/data")),
            ("data/1".to_owned(), filesystem("/srv/data/1")),
            ("logs/0".to_owned(), filesystem("/var/log/app")),
        ]),
        ..FakeJuju::default()
    };
    let (ids, info) = with_unit(&mut juju, |unit| {
        let ids = unit.storage_list("data").unwrap();
        let info = unit.storage(&ids[1]).unwrap();
        unit.add_storage("logs", 2).unwrap();
        (ids, info)
    });
    assert_eq!(
        ids.iter().map(StorageId::to_string).collect::<Vec<_>>(),
        ["data/0", "data/1"]
    );
    assert_eq!(info, filesystem("/srv/data/1"));
    assert_eq!(
        juju.calls,
        [
            "storage-list data",
            "storage-get data/1",
            "storage-add logs=2"
        ]
    );
}

#[test]
fn bad_storage_names_counts_and_printed_ids_are_errors() {
    let mut juju = FakeJuju {
        storage: BTreeMap::from([("data/01".to_owned(), filesystem("/x"))]),
        ..FakeJuju::default()
    };
    let errors = with_unit(&mut juju, |unit| {
        [
            unit.add_storage("data", 0).unwrap_err(),
            unit.add_storage("data=1", 1).unwrap_err(),
            unit.storage_list("Data").unwrap_err(),
        ]
        .map(|e| e.to_string())
    });
    // Juju's `storage-add data=0` (`internal/storage/directive.go`, `parseCount`).
    assert_eq!(
        errors[0],
        "cannot parse directive for storage \"data\": cannot parse count: count must be greater than zero, got \"0\""
    );
    assert!(
        errors[1].starts_with("\"data=1\" is not a storage name"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].starts_with("\"Data\" is not a storage name"),
        "{}",
        errors[2]
    );
    assert!(juju.calls.is_empty(), "{:?}", juju.calls);
    let err = with_unit(&mut juju, |unit| unit.storage_list("data").unwrap_err());
    assert!(
        err.to_string().contains("\"data/01\" is not a storage id"),
        "{err}"
    );
    assert_eq!(
        "data/01".parse::<StorageId>().unwrap_err().to_string(),
        "\"data/01\" is not a storage id (<name>/<number>)"
    );
}

#[test]
fn networks_and_addresses_come_from_network_get_and_unit_get() {
    let network = NetworkInfo {
        bind_addresses: vec![BindAddress {
            mac_address: "00:11:22:33:44:00".into(),
            interface_name: "eth0".into(),
            addresses: vec![InterfaceAddress {
                hostname: String::new(),
                value: "10.10.0.23".into(),
                cidr: "10.10.0.0/24".into(),
            }],
        }],
        egress_subnets: vec!["10.10.0.0/24".into()],
        ingress_addresses: vec!["100.1.2.3".into()],
    };
    let mut juju = FakeJuju {
        network: network.clone(),
        ..FakeJuju::default()
    };
    let (by_name, by_relation, private, public) = with_unit(&mut juju, |unit| {
        (
            unit.network("website").unwrap(),
            unit.network_for(&Relation::<Website>::new(4, "proxy"))
                .unwrap(),
            unit.private_address().unwrap(),
            unit.public_address().unwrap(),
        )
    });
    assert_eq!(by_name, network);
    assert_eq!(by_relation.ingress_address(), Some("100.1.2.3"));
    assert_eq!(by_relation.bind_address(), Some("10.10.0.23"));
    assert_eq!(
        (private.as_str(), public.as_str()),
        ("10.0.0.7", "10.0.0.7")
    );
    assert_eq!(
        juju.calls,
        [
            "network-get website",
            "network-get website -r 4",
            "unit-get private-address",
            "unit-get public-address"
        ]
    );
}

#[test]
fn a_backend_without_these_tools_says_so() {
    struct Old;
    impl HookTools for Old {
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
        fn juju_log(&mut self, _: LogLevel, _: &str) -> Result<(), ToolError> {
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
            Ok(true)
        }
    }
    let mut old = Old;
    let unsupported = [
        old.storage_get(None).unwrap_err(),
        old.storage_list(None).unwrap_err(),
        old.storage_add(&BTreeMap::new()).unwrap_err(),
        old.open_port(&Port::icmp(), &[]).unwrap_err(),
        old.close_port(&Port::icmp(), &[]).unwrap_err(),
        old.opened_ports().unwrap_err(),
        old.network_get("db", None).unwrap_err(),
        old.unit_get(UnitAddress::Private).unwrap_err(),
    ];
    for err in unsupported {
        assert_eq!(err.kind, ToolErrorKind::Unsupported, "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Storage hooks.

#[derive(Debug, Clone, PartialEq)]
struct SeenStorage {
    hook: String,
    kind: StorageKind,
    id: String,
    location: PathBuf,
    storage_type: StorageType,
}

fn storage_charm(seen: &Arc<Mutex<Vec<SeenStorage>>>) -> Charm {
    let mut charm = Charm::new();
    for kind in StorageKind::ALL {
        let seen = Arc::clone(seen);
        charm = charm.on_storage("data", kind, move |event| {
            seen.lock().unwrap().push(SeenStorage {
                hook: event.hook_name(),
                kind: event.kind(),
                id: event.id().to_string(),
                location: event.location().to_path_buf(),
                storage_type: event.storage_type(),
            });
            Ok(())
        });
    }
    charm
}

fn storage_env(id: &str, location: Option<&str>, kind: Option<StorageType>) -> StorageEnv {
    StorageEnv {
        id: StorageId::parse(id).unwrap(),
        location: location.map(PathBuf::from),
        kind,
    }
}

#[test]
fn storage_hooks_get_the_instance_juju_names() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let charm = storage_charm(&seen);
    assert_eq!(
        charm.schema_json().unwrap()["hooks"],
        json!(["data-storage-attached", "data-storage-detaching"])
    );
    for kind in StorageKind::ALL {
        let mut juju = FakeJuju::default();
        let env = env(Some(storage_env(
            "data/2",
            Some("/srv/data"),
            Some(StorageType::Block),
        )));
        let outcome = charm.dispatch(&Dispatch::Hook(kind.hook_name("data")), &mut juju, &env);
        assert_eq!(outcome, Outcome::Completed);
        assert_eq!(
            seen.lock().unwrap().pop().unwrap(),
            SeenStorage {
                hook: format!("data-storage-{kind}"),
                kind,
                id: "data/2".into(),
                location: "/srv/data".into(),
                storage_type: StorageType::Block,
            }
        );
        assert!(juju.calls.is_empty(), "{:?}", juju.calls);
    }
}

#[test]
fn a_storage_hook_missing_location_or_kind_asks_storage_get() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let charm = storage_charm(&seen);
    let mut juju = FakeJuju {
        storage: BTreeMap::from([("data/0".to_owned(), filesystem("/srv/data"))]),
        ..FakeJuju::default()
    };
    let env = env(Some(storage_env("data/0", None, None)));
    let outcome = charm.dispatch(
        &Dispatch::Hook("data-storage-attached".into()),
        &mut juju,
        &env,
    );
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(juju.calls, ["storage-get data/0"]);
    let seen = seen.lock().unwrap().pop().unwrap();
    assert_eq!(seen.location, Path::new("/srv/data"));
    assert_eq!(seen.storage_type, StorageType::Filesystem);
}

#[test]
fn a_storage_handler_without_its_storage_fails_the_hook() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let charm = storage_charm(&seen);
    let hook = Dispatch::Hook("data-storage-attached".into());
    let mut juju = FakeJuju::default();
    let outcome = charm.dispatch(&hook, &mut juju, &env(None));
    assert_eq!(
        outcome,
        Outcome::Errored {
            message: "hook \"data-storage-attached\" ran without a storage: JUJU_STORAGE_ID is not set to <name>/<number>".into()
        }
    );
    let outcome = charm.dispatch(
        &hook,
        &mut juju,
        &env(Some(storage_env(
            "logs/0",
            Some("/l"),
            Some(StorageType::Filesystem),
        ))),
    );
    assert_eq!(
        outcome,
        Outcome::Errored {
            message: "hook \"data-storage-attached\" is handled for the storage \"data\", but Juju ran it for logs/0".into()
        }
    );
    // The location could not be asked for either.
    juju.failing = Some("storage-get");
    let outcome = charm.dispatch(
        &hook,
        &mut juju,
        &env(Some(storage_env("data/0", None, None))),
    );
    assert!(matches!(outcome, Outcome::Errored { .. }), "{outcome:?}");
    assert!(seen.lock().unwrap().is_empty());
    // Each failure was logged at ERROR.
    assert_eq!(
        juju.calls
            .iter()
            .filter(|c| c.starts_with("juju-log ERROR"))
            .count(),
        3,
        "{:?}",
        juju.calls
    );
}

// ---------------------------------------------------------------------------------------------
// The real hook tools: argv, through stub executables.

/// A stub that records its arguments (one a line), then prints `output`.
fn stub(dir: &Path, name: &str, output: &str) {
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{dir}/{name}.args'\nprintf '%s' '{output}'\n",
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

#[test]
fn storage_tools_get_juju_s_grammar() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    stub(
        d,
        "storage-get",
        r#"{"kind":"block","location":"/dev/sdb"}"#,
    );
    stub(d, "storage-list", r#"["data/0","data/1"]"#);
    stub(d, "storage-add", "");
    let mut tools = Subprocess::with_tools_dir(d);

    let info = tools.storage_get(Some("data/1")).unwrap();
    assert_eq!(
        (info.kind, info.location.as_path()),
        (StorageType::Block, Path::new("/dev/sdb"))
    );
    assert_eq!(args_of(d, "storage-get"), ["--format=json", "-s", "data/1"]);
    tools.storage_get(None).unwrap();
    assert_eq!(args_of(d, "storage-get"), ["--format=json"]);

    assert_eq!(
        tools.storage_list(Some("data")).unwrap(),
        ["data/0", "data/1"]
    );
    assert_eq!(args_of(d, "storage-list"), ["--format=json", "data"]);
    tools.storage_list(None).unwrap();
    assert_eq!(args_of(d, "storage-list"), ["--format=json"]);

    let counts = BTreeMap::from([("logs".to_owned(), 1), ("data".to_owned(), 3)]);
    tools.storage_add(&counts).unwrap();
    assert_eq!(args_of(d, "storage-add"), ["data=3", "logs=1"]);

    stub(d, "storage-get", r#"{"kind":"unknown","location":""}"#);
    let err = tools.storage_get(Some("data/0")).unwrap_err();
    assert!(matches!(err.kind, ToolErrorKind::BadOutput { .. }), "{err}");
}

#[test]
fn port_tools_get_juju_s_grammar() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    stub(d, "open-port", "");
    stub(d, "close-port", "");
    // `jujuc/opened-ports_test.go` `TestRunAllFormatsWithEndpointDetails`, as JSON.
    stub(
        d,
        "opened-ports",
        r#"["10-20/tcp (foo)","80/tcp (*)","53-55/udp (*)","63/udp (bar)"]"#,
    );
    let mut tools = Subprocess::with_tools_dir(d);

    tools.open_port(&Port::tcp(80), &[]).unwrap();
    assert_eq!(args_of(d, "open-port"), ["80/tcp"]);
    tools
        .open_port(
            &Port::range(Protocol::Udp, 1000, 2000).unwrap(),
            &["dmz".into(), "monitoring".into()],
        )
        .unwrap();
    assert_eq!(
        args_of(d, "open-port"),
        ["--endpoints", "dmz,monitoring", "1000-2000/udp"]
    );
    tools.close_port(&Port::icmp(), &[]).unwrap();
    assert_eq!(args_of(d, "close-port"), ["icmp"]);
    tools
        .close_port(&Port::tcp(80), &["public".into()])
        .unwrap();
    assert_eq!(
        args_of(d, "close-port"),
        ["--endpoints", "public", "80/tcp"]
    );

    let opened = tools.opened_ports().unwrap();
    assert_eq!(args_of(d, "opened-ports"), ["--endpoints", "--format=json"]);
    assert_eq!(
        opened.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "10-20/tcp (foo)",
            "80/tcp (*)",
            "53-55/udp (*)",
            "63/udp (bar)"
        ]
    );
    stub(d, "opened-ports", r#"["80/sctp (*)"]"#);
    let err = tools.opened_ports().unwrap_err();
    assert!(err.to_string().contains("invalid protocol"), "{err}");
    assert!(matches!(err.kind, ToolErrorKind::BadOutput { .. }));
}

#[test]
fn network_tools_get_juju_s_grammar() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // `jujuc/network-get_test.go` `TestNetworkGet`, "explicit ingress and egress information",
    // as `--format=json` prints it (`resultToDisplay`).
    stub(
        d,
        "network-get",
        r#"{"bind-addresses":[{"mac-address":"00:11:22:33:44:33","interface-name":"eth3","addresses":[{"hostname":"","value":"10.33.1.8","cidr":"10.33.1.8/24"}]}],"egress-subnets":["192.168.1.0/8","10.0.0.0/8"],"ingress-addresses":["100.1.2.3","100.4.3.2"]}"#,
    );
    stub(d, "unit-get", r#""10.0.0.7""#);
    let mut tools = Subprocess::with_tools_dir(d);

    let info = tools.network_get("ingress-egress", None).unwrap();
    assert_eq!(
        args_of(d, "network-get"),
        ["--format=json", "ingress-egress"]
    );
    assert_eq!(info.bind_addresses[0].interface_name, "eth3");
    assert_eq!(info.bind_addresses[0].mac_address, "00:11:22:33:44:33");
    assert_eq!(info.bind_address(), Some("10.33.1.8"));
    assert_eq!(info.ingress_address(), Some("100.1.2.3"));
    assert_eq!(info.egress_subnets, ["192.168.1.0/8", "10.0.0.0/8"]);
    tools.network_get("db", Some(3)).unwrap();
    assert_eq!(
        args_of(d, "network-get"),
        ["-r", "3", "--format=json", "db"]
    );

    assert_eq!(tools.unit_get(UnitAddress::Private).unwrap(), "10.0.0.7");
    assert_eq!(args_of(d, "unit-get"), ["--format=json", "private-address"]);
    tools.unit_get(UnitAddress::Public).unwrap();
    assert_eq!(args_of(d, "unit-get"), ["--format=json", "public-address"]);

    stub(d, "unit-get", "[1]");
    assert!(matches!(
        tools.unit_get(UnitAddress::Public).unwrap_err().kind,
        ToolErrorKind::BadOutput { .. }
    ));
    stub(d, "network-get", r#"{"bind-addresses": 3}"#);
    assert!(matches!(
        tools.network_get("db", None).unwrap_err().kind,
        ToolErrorKind::BadOutput { .. }
    ));
}

// ---------------------------------------------------------------------------------------------
// The harness.

#[cfg(feature = "testing")]
mod harness {
    use super::*;
    use juju_ops::testing::{Context, Event, RunError, State, Storage, default_network};

    const YAML: &str = r#"
name: web
requires:
  database: {interface: postgresql_client}
provides:
  foo: {interface: foo}
  bar: {interface: bar}
peers:
  cluster: {interface: web_peers}
extra-bindings:
  public: null
storage:
  data:
    type: filesystem
    location: /srv/data
  disks:
    type: block
    multiple: {range: 0-2}
actions:
  grow:
    description: Add storage.
    params: {}
    additionalProperties: true
"#;

    /// A charm whose `update-status` (or the given hook) runs `f` on the unit and keeps what it
    /// returned.
    fn probe<T: Send + 'static>(
        hook: &str,
        f: impl Fn(&mut Unit) -> T + Send + Sync + 'static,
    ) -> (Charm, Arc<Mutex<Option<T>>>) {
        let seen = Arc::new(Mutex::new(None));
        let sink = Arc::clone(&seen);
        let charm = Charm::new().on(hook, move |event| {
            *sink.lock().unwrap() = Some(f(event));
            Ok(())
        });
        (charm, seen)
    }

    fn context(charm: Charm) -> Context {
        Context::from_yaml_str(charm, YAML).unwrap()
    }

    fn problems(event: Event, state: State) -> Vec<String> {
        let (charm, _) = probe("update-status", |_| ());
        match context(charm).run(event, state) {
            Err(RunError::Inconsistent { problems }) => problems,
            other => panic!("expected an inconsistent run, got {other:?}"),
        }
    }

    #[test]
    fn the_port_vectors_of_jujuc_run_in_one_hook() {
        for v in vectors().iter().filter(|v| v["kind"] == "hook") {
            let steps = v["steps"].as_array().unwrap().clone();
            let commands: Vec<Vec<String>> = steps
                .iter()
                .map(|s| serde_json::from_value(s["command"].clone()).unwrap())
                .collect();
            let (charm, seen) = probe("update-status", move |unit| {
                let mut printed = Vec::new();
                for command in &commands {
                    let (tool, rest) = command.split_first().unwrap();
                    let (endpoints, arg) = match rest {
                        [flag, list, arg] if flag == "--endpoints" => {
                            (list.split(',').collect::<Vec<_>>(), arg)
                        }
                        [arg] => (Vec::new(), arg),
                        other => panic!("{other:?}"),
                    };
                    let port = Port::parse(arg).unwrap();
                    match (tool.as_str(), endpoints.is_empty()) {
                        ("open-port", true) => unit.open_port(port).unwrap(),
                        ("open-port", false) => unit.open_port_for(port, &endpoints).unwrap(),
                        ("close-port", true) => unit.close_port(port).unwrap(),
                        ("close-port", false) => unit.close_port_for(port, &endpoints).unwrap(),
                        other => panic!("{other:?}"),
                    }
                    let opened: Vec<String> = unit
                        .opened_ports()
                        .unwrap()
                        .iter()
                        .map(ToString::to_string)
                        .collect();
                    printed.push(opened);
                }
                printed
            });
            let out = context(charm)
                .run(Event::update_status(), State::default())
                .unwrap();
            let printed = seen.lock().unwrap().take().unwrap();
            for (step, got) in steps.iter().zip(&printed) {
                assert_eq!(
                    json!(got),
                    step["opened"],
                    "{} / {}: after {}",
                    v["source"],
                    v["case"],
                    step["command"]
                );
            }
            // Committed as the hook succeeded.
            let last = steps.last().unwrap()["opened"].clone();
            let committed: Vec<String> =
                out.state.ports().iter().map(ToString::to_string).collect();
            assert_eq!(json!(committed), last, "{}", v["case"]);
        }
    }

    #[test]
    fn ports_are_committed_only_when_the_hook_succeeds() {
        let charm = Charm::new()
            .on("update-status", |event| {
                event.open_port(Port::tcp(443))?;
                event.close_port(Port::tcp(80))?;
                Ok(())
            })
            .on("config-changed", |event| {
                event.open_port(Port::tcp(443))?;
                Err("no config".into())
            });
        let mut ctx = context(charm);
        let state = State::default().opened_port(Port::tcp(80));
        let out = ctx.run(Event::update_status(), state.clone()).unwrap();
        assert_eq!(
            out.state.ports(),
            [OpenedPort::parse("443/tcp (*)").unwrap()]
        );
        let Err(RunError::HookFailed { output, .. }) = ctx.run(Event::config_changed(), state)
        else {
            panic!("the hook fails")
        };
        assert_eq!(
            output.state.ports(),
            [OpenedPort::parse("80/tcp (*)").unwrap()]
        );
    }

    #[test]
    fn overlapping_ranges_are_refused_with_juju_s_message() {
        let (charm, seen) = probe("update-status", |unit| {
            let first = unit.open_port(Port::range(Protocol::Tcp, 8000, 8010).unwrap());
            let again = unit.open_port(Port::range(Protocol::Tcp, 8000, 8010).unwrap());
            let overlap = unit.open_port(Port::tcp(8005));
            let committed = unit.open_port(Port::range(Protocol::Tcp, 70, 90).unwrap());
            let close = unit.close_port(Port::range(Protocol::Tcp, 79, 81).unwrap());
            [first, again, overlap, committed, close].map(|r| r.map_err(|e| e.to_string()))
        });
        let state = State::default().opened_port(Port::tcp(80));
        context(charm).run(Event::update_status(), state).unwrap();
        let results = seen.lock().unwrap().take().unwrap();
        assert_eq!(results[0], Ok(()));
        assert_eq!(results[1], Ok(()), "opening an open range does nothing");
        // `context/ports.go` `OpenPortRange`, `checkForConflict`.
        assert_eq!(
            results[2],
            Err("hook tool `open-port 8005/tcp` exited with code 1: ERROR cannot open 8005/tcp (unit \"web/0\"): port range conflicts with 8000-8010/tcp (unit \"web/0\") requested earlier".into())
        );
        assert_eq!(
            results[3],
            Err("hook tool `open-port 70-90/tcp` exited with code 1: ERROR cannot open 70-90/tcp (unit \"web/0\"): port range conflicts with 80/tcp (unit \"web/0\")".into())
        );
        assert_eq!(
            results[4],
            Err("hook tool `close-port 79-81/tcp` exited with code 1: ERROR cannot close 79-81/tcp (unit \"web/0\"): port range conflicts with 80/tcp (unit \"web/0\")".into())
        );
    }

    #[test]
    fn closing_a_port_open_everywhere_on_one_endpoint_leaves_it_open_on_the_others() {
        let (charm, seen) = probe("update-status", |unit| {
            unit.close_port_for(Port::tcp(80), &["foo"]).unwrap();
            unit.opened_ports().unwrap()
        });
        let state = State::default().opened_port(Port::tcp(80));
        let out = context(charm).run(Event::update_status(), state).unwrap();
        // During the hook, `mergeWithPendingChanges` removes only an exact (endpoint, range).
        assert_eq!(
            seen.lock().unwrap().take().unwrap(),
            [OpenedPort::parse("80/tcp (*)").unwrap()]
        );
        // The controller (`state/machine_ports.go`, `removePortRange`) reopens it on every
        // other endpoint and binding.
        assert_eq!(
            out.state.ports(),
            [OpenedPort::parse("80/tcp (bar, cluster, database, juju-info, public)").unwrap()]
        );
        // Opening it everywhere again drops the single endpoints (`pruneOpenPorts`).
        let charm = Charm::new().on("update-status", |event| {
            event.open_port(Port::tcp(80))?;
            Ok(())
        });
        let out = context(charm)
            .run(Event::update_status(), out.state)
            .unwrap();
        assert_eq!(out.state.opened_ports.len(), 1);
        assert_eq!(
            out.state.ports(),
            [OpenedPort::parse("80/tcp (*)").unwrap()]
        );
    }

    #[test]
    fn an_endpoint_the_charm_does_not_have_fails_the_hook_at_commit() {
        let charm = Charm::new().on("update-status", |event| {
            event.open_port_for(Port::tcp(80), &["nope"])?;
            Ok(())
        });
        let err = context(charm)
            .run(Event::update_status(), State::default())
            .unwrap_err();
        let RunError::HookFailed { message, output } = err else {
            panic!("{err:?}")
        };
        // `state/machine_ports.go` `validatePendingChanges`, annotated by `Build`.
        assert_eq!(
            message,
            "cannot open/close ports: open port range: endpoint \"nope\" for unit \"web/0\" not found"
        );
        assert!(output.state.opened_ports.is_empty());
        // The state may not hold one either.
        let problems = problems(
            Event::update_status(),
            State::default().opened_port_for(Port::tcp(80), &["nope"]),
        );
        assert!(
            problems[0].contains("on the endpoint \"nope\""),
            "{problems:?}"
        );
    }

    #[test]
    fn every_binding_has_a_network_and_unknown_ones_none() {
        let custom = NetworkInfo {
            ingress_addresses: vec!["203.0.113.9".into()],
            ..default_network()
        };
        let (charm, seen) = probe("update-status", |unit| {
            let names = ["database", "foo", "cluster", "juju-info", "public"];
            let all: Vec<NetworkInfo> = names.iter().map(|n| unit.network(n).unwrap()).collect();
            let unknown = unit.network("other").unwrap_err().to_string();
            let private = unit.private_address().unwrap();
            (all, unknown, private)
        });
        let state = State::default().network("public", custom.clone());
        context(charm).run(Event::update_status(), state).unwrap();
        let (all, unknown, private) = seen.lock().unwrap().take().unwrap();
        assert_eq!(all[..4], vec![default_network(); 4][..]);
        assert_eq!(all[4], custom);
        assert_eq!(all[0].bind_address(), Some("192.0.2.0"));
        assert_eq!(all[0].ingress_address(), Some("192.0.2.0"));
        assert_eq!(all[0].egress_subnets, ["192.0.2.0/24"]);
        // `jujuc/network-get.go`, `Run`.
        assert_eq!(
            unknown,
            "hook tool `network-get --format=json other` exited with code 1: ERROR no network config found for binding \"other\""
        );
        assert_eq!(private, "192.0.2.0");
    }

    #[test]
    fn a_binding_without_addresses_has_no_network_config_and_states_name_known_bindings() {
        let (charm, seen) = probe("update-status", |unit| {
            unit.network("foo").unwrap_err().to_string()
        });
        let state = State::default().network("foo", NetworkInfo::default());
        context(charm).run(Event::update_status(), state).unwrap();
        let err = seen.lock().unwrap().take().unwrap();
        assert!(
            err.ends_with("no network config found for binding \"foo\""),
            "{err}"
        );
        let problems = problems(
            Event::update_status(),
            State::default().network("nope", default_network()),
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("binding \"nope\""), "{problems:?}");
    }

    #[test]
    fn network_for_a_relation_needs_the_relation() {
        struct Database;
        impl Endpoint for Database {
            const NAME: &'static str = "database";
            const INTERFACE: &'static str = "postgresql_client";
            const ROLE: Role = Role::Requires;
        }
        let db = juju_ops::testing::Relation::new("database").id(7);
        let (charm, seen) = probe("update-status", |unit| {
            let known = unit.network_for(&Relation::<Database>::new(7, "remote"));
            let unknown = unit.network_for(&Relation::<Database>::new(8, "remote"));
            (
                known.map_err(|e| e.to_string()),
                unknown.map_err(|e| e.to_string()),
            )
        });
        let state = State::default().relation(db);
        context(charm).run(Event::update_status(), state).unwrap();
        let (known, unknown) = seen.lock().unwrap().take().unwrap();
        assert_eq!(known, Ok(default_network()));
        assert!(
            unknown
                .unwrap_err()
                .ends_with("ERROR invalid value \"8\" for option -r: relation not found"),
        );
    }

    #[test]
    fn storage_events_carry_the_instance_with_a_real_location() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let charm = storage_charm(&seen);
        let mut ctx = context(charm);
        let data = Storage::new("data");
        let state = State::default().storage(data.clone());
        let out = ctx.run(Event::storage_attached(&data), state).unwrap();
        let attached = seen.lock().unwrap().pop().unwrap();
        assert_eq!(attached.id, "data/0");
        assert_eq!(attached.storage_type, StorageType::Filesystem);
        assert!(attached.location.is_dir(), "{:?}", attached.location);
        assert_eq!(ctx.storage_location(&data).unwrap(), attached.location);
        // The output names the location, and the env carried all three variables.
        let after = out.state.get_storage("data", 0).unwrap();
        assert_eq!(after.location.as_ref(), Some(&attached.location));
        assert_eq!(out.state.storages.len(), 1);
        // The same location in every run of the context: files written there stay.
        fs::write(attached.location.join("db"), "x").unwrap();
        ctx.run(Event::storage_detaching(&data), out.state).unwrap();
        let detaching = seen.lock().unwrap().pop().unwrap();
        assert_eq!(detaching.kind, StorageKind::Detaching);
        assert!(detaching.location.join("db").is_file());
    }

    #[test]
    fn block_storage_is_a_file_and_storage_tools_list_and_get_it() {
        let (charm, seen) = probe("disks-storage-attached", |unit| {
            let env = unit.env().storage.clone().unwrap();
            let all = unit.storage_list("disks").unwrap();
            let info = unit.storage(&all[0]).unwrap();
            let none = unit.storage_list("data").unwrap();
            let missing = unit
                .storage(&StorageId::new("disks", 9).unwrap())
                .unwrap_err()
                .to_string();
            (env, all, info, none, missing)
        });
        let disks = [
            Storage::new("disks").index(1),
            Storage::new("disks").index(0),
        ];
        let state = State::default()
            .storage(disks[0].clone())
            .storage(disks[1].clone());
        // The context owns the locations: keep it while looking at them.
        let mut ctx = context(charm);
        ctx.run(Event::storage_attached(&disks[0]), state).unwrap();
        let (env, all, info, none, missing) = seen.lock().unwrap().take().unwrap();
        assert_eq!(env.id.to_string(), "disks/1");
        assert_eq!(env.kind, Some(StorageType::Block));
        assert!(env.location.as_ref().unwrap().is_file());
        assert_eq!(
            all.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["disks/0", "disks/1"]
        );
        assert_eq!(info.kind, StorageType::Block);
        assert!(none.is_empty());
        assert!(
            missing.contains("invalid value \"disks/9\" for option -s"),
            "{missing}"
        );
    }

    #[test]
    fn other_events_have_no_storage_in_their_environment() {
        let (charm, seen) = probe("update-status", |unit| unit.env().storage.clone());
        let state = State::default().storage(Storage::new("data"));
        context(charm).run(Event::update_status(), state).unwrap();
        assert_eq!(seen.lock().unwrap().take().unwrap(), None);
    }

    #[test]
    fn storage_add_is_recorded_when_the_run_succeeds_and_checked_at_commit() {
        let charm = Charm::new().on("update-status", |event| {
            event.add_storage("disks", 1)?;
            event.add_storage("disks", 1)?;
            Ok(())
        });
        let mut ctx = context(charm);
        let out = ctx.run(Event::update_status(), State::default()).unwrap();
        assert_eq!(out.storage_added, BTreeMap::from([("disks".to_owned(), 2)]));
        assert!(out.state.storages.is_empty(), "Juju attaches them later");
        // One more than `multiple: range: 0-2` allows.
        let state = State::default().storage(Storage::new("disks"));
        let err = ctx.run(Event::update_status(), state).unwrap_err();
        let RunError::HookFailed { message, output } = err else {
            panic!("{err:?}")
        };
        assert!(message.contains("allows at most 2"), "{message}");
        assert!(output.storage_added.is_empty());

        let charm = Charm::new().on("update-status", |event| {
            event.add_storage("logs", 1)?;
            Ok(())
        });
        let err = context(charm)
            .run(Event::update_status(), State::default())
            .unwrap_err();
        assert!(
            err.to_string().contains("declares no storage \"logs\""),
            "{err}"
        );
    }

    #[test]
    fn storage_in_the_state_and_events_must_be_declared_and_unique() {
        let data = Storage::new("data");
        let p = problems(
            Event::update_status(),
            State::default().storage(Storage::new("logs")),
        );
        assert!(
            p[0].contains("charmcraft.yaml declares no storage \"logs\""),
            "{p:?}"
        );
        let p = problems(
            Event::update_status(),
            State::default().storage(data.clone()).storage(data.clone()),
        );
        assert!(
            p[0].contains("data/0 is in the state more than once"),
            "{p:?}"
        );
        // `data` has no `multiple`: one instance at most.
        let p = problems(
            Event::update_status(),
            State::default()
                .storage(data.clone())
                .storage(data.clone().index(1)),
        );
        assert!(p[0].contains("over the 1 charmcraft.yaml allows"), "{p:?}");
        let p = problems(Event::storage_attached(&data), State::default());
        assert!(p[0].contains("data/0, which is not in the state"), "{p:?}");
        let p = problems(
            Event::storage_detaching(&Storage::new("logs")),
            State::default(),
        );
        assert!(p[0].contains("does not declare"), "{p:?}");
        let p = problems(
            Event::hook("data-storage-attached"),
            State::default().storage(data),
        );
        assert!(p[0].contains("Event::storage_attached(&storage)"), "{p:?}");
    }

    #[test]
    fn a_charm_handling_storage_charmcraft_yaml_lacks_is_refused() {
        let charm = Charm::new().on_storage("logs", StorageKind::Attached, |_| Ok(()));
        let err = context(charm)
            .run(Event::update_status(), State::default())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("handles \"logs-storage-attached\", but charmcraft.yaml declares no storage \"logs\""),
            "{err}"
        );
    }

    #[test]
    fn charmcraft_yaml_storage_is_checked_when_read() {
        let bad = "name: x\nstorage:\n  data: {type: tmpfs}\n";
        let err = Context::from_yaml_str(Charm::new(), bad).unwrap_err();
        assert!(err.message.contains("\"tmpfs\""), "{err}");
        let bad = "name: x\nextra-bindings: [a]\n";
        assert!(Context::from_yaml_str(Charm::new(), bad).is_err());
    }

    #[test]
    fn a_commit_refused_after_an_action_fails_the_action() {
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        /// Add storage.
        struct Grow {}
        impl juju_ops::Action for Grow {
            const NAME: &'static str = "grow";
        }
        let charm = Charm::new().action(|event: &mut juju_ops::ActionEvent<Grow>| {
            event.open_port_for(Port::tcp(80), &["nope"])?;
            Ok(())
        });
        let err = context(charm)
            .run(Event::action("grow"), State::default())
            .unwrap_err();
        let RunError::ActionFailed(failed) = err else {
            panic!("{err:?}")
        };
        assert!(
            failed.message.contains("endpoint \"nope\""),
            "{}",
            failed.message
        );
        assert!(failed.output.state.opened_ports.is_empty());
    }
}
