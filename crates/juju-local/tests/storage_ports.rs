//! Storage, ports and network on the local Juju, end to end, with a shell `dispatch` test charm
//! that logs each hook with its storage environment and runs what the test puts in `hook.sh`:
//! the hook order with storage at deploy, add-unit, add-storage and remove-unit (Juju's uniter:
//! `-storage-attached` before `install` on a machine, `-storage-detaching` before the relation
//! hooks and `stop` of a dying unit, and only for storage whose attached hook succeeded), the
//! storage, port and network tools with Juju's grammar, output and errors (vectors from Juju's
//! `jujuc` tests, cited where used), commit-on-success for `open-port`/`close-port` and
//! `storage-add`, and `status`/`show-unit`/`storage` as JSON.

mod support;

use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use support::{Juju, of};

const META: &str = "name: store
summary: s
description: d
requires:
  db: {interface: mysql}
peers:
  cluster: {interface: cluster}
extra-bindings:
  public: null
storage:
  data: {type: filesystem, location: /srv/data}
  logs: {type: filesystem, multiple: {range: 0-3}, minimum-size: 10M}
  disks: {type: block, multiple: {range: 0-2}}
";

impl Juju {
    /// A local Juju home with model `m`, the directory the test charm logs to, and the charm:
    /// its dispatch logs `unit hook` (with, for a storage hook, the storage id, kind and
    /// location) to `out/log`, then sources `out/hook.sh` if there is one.
    fn with_store() -> Juju {
        let juju = Juju::new();
        support::logging_charm(
            &juju.path("store.charm"),
            &juju.out(),
            &[("metadata.yaml", META.as_bytes())],
            "*-storage-*",
            "id=$JUJU_STORAGE_ID kind=$JUJU_STORAGE_KIND location=$JUJU_STORAGE_LOCATION",
        );
        juju
    }

    fn deploy(&self, extra: &[&str]) -> Output {
        let charm = self.path("store.charm");
        let mut args = vec!["deploy", charm.to_str().unwrap(), "store"];
        args.extend(extra);
        self.cmd(&args)
    }
}

/// A storage hook's log line.
fn storage_hook(unit: &str, hook: &str, id: &str, location: &Path) -> String {
    format!(
        "{unit} {hook} id={id} kind=filesystem location={}",
        location.display()
    )
}

#[test]
fn storage_attaches_before_install_and_numbers_run_per_model() {
    let juju = Juju::with_store();
    let out = juju.deploy(&["-n", "2", "--storage", "logs=2"]);
    assert!(out.status.success(), "{out:?}");
    let log = juju.take_log();
    let u0 = juju.unit_dir("store/0");
    let u1 = juju.unit_dir("store/1");
    // Instances in store-name order per unit, numbered from one sequence for the model.
    let mine = of(&log, "store/0");
    assert_eq!(
        mine[..4],
        [
            storage_hook(
                "store/0",
                "data-storage-attached",
                "data/0",
                &u0.join("root/srv/data")
            ),
            storage_hook(
                "store/0",
                "logs-storage-attached",
                "logs/1",
                &u0.join("storage/logs/1")
            ),
            storage_hook(
                "store/0",
                "logs-storage-attached",
                "logs/2",
                &u0.join("storage/logs/2")
            ),
            "store/0 install".to_owned(),
        ]
    );
    assert_eq!(
        of(&log, "store/1")[..4],
        [
            storage_hook(
                "store/1",
                "data-storage-attached",
                "data/3",
                &u1.join("root/srv/data")
            ),
            storage_hook(
                "store/1",
                "logs-storage-attached",
                "logs/4",
                &u1.join("storage/logs/4")
            ),
            storage_hook(
                "store/1",
                "logs-storage-attached",
                "logs/5",
                &u1.join("storage/logs/5")
            ),
            "store/1 install".to_owned(),
        ]
    );
    assert!(u0.join("root/srv/data").is_dir() && u1.join("storage/logs/5").is_dir());
    // A unit added later gets the application's storage, numbered on.
    juju.ok(&["add-unit", "store"]);
    let log = juju.take_log();
    let u2 = juju.unit_dir("store/2");
    assert_eq!(
        log[..4],
        [
            storage_hook(
                "store/2",
                "data-storage-attached",
                "data/6",
                &u2.join("root/srv/data")
            ),
            storage_hook(
                "store/2",
                "logs-storage-attached",
                "logs/7",
                &u2.join("storage/logs/7")
            ),
            storage_hook(
                "store/2",
                "logs-storage-attached",
                "logs/8",
                &u2.join("storage/logs/8")
            ),
            "store/2 install".to_owned(),
        ]
    );
    // `juju storage` and `juju status` list them, as Juju's StorageInfo.
    let listed: Value = serde_json::from_str(&juju.ok(&["storage", "--format", "json"])).unwrap();
    let data0 = &listed["storage"]["data/0"];
    assert_eq!(data0["kind"], "filesystem");
    assert_eq!(data0["status"]["current"], "attached");
    assert_eq!(data0["persistent"], false);
    assert_eq!(
        data0["attachments"]["units"]["store/0"]["location"],
        u0.join("root/srv/data").display().to_string()
    );
    assert_eq!(data0["attachments"]["units"]["store/0"]["machine"], "0");
    assert_eq!(listed["storage"].as_object().unwrap().len(), 9);
    let status = juju.status();
    assert_eq!(
        status["storage"]["storage"]["logs/8"]["attachments"]["units"]["store/2"]["machine"],
        "2"
    );
}

#[test]
fn deploy_storage_directives_are_checked_as_juju_checks_them() {
    let juju = Juju::with_store();
    let cases: [(&[&str], i32, &str); 9] = [
        (
            &["--storage", "logs"],
            2,
            "ERROR invalid value \"logs\" for option --storage: expected <store>=<directive>\n",
        ),
        (
            &["--storage", "logs="],
            2,
            "ERROR invalid value \"logs=\" for option --storage: cannot parse disk storage directive: storage directives require at least one field to be specified\n",
        ),
        (
            &["--storage", "logs=0"],
            2,
            "ERROR invalid value \"logs=0\" for option --storage: cannot parse disk storage directive: cannot parse count: count must be greater than zero, got \"0\"\n",
        ),
        (
            &["--storage", "nope=1"],
            1,
            "ERROR cannot add application \"store\": charm \"store\" has no store called \"nope\"\n",
        ),
        (
            &["--storage", "logs=4"],
            1,
            "ERROR cannot add application \"store\": charm \"store\" store \"logs\": at most 3 instances supported, 4 specified\n",
        ),
        (
            &["--storage", "data=2"],
            1,
            "ERROR cannot add application \"store\": charm \"store\" store \"data\": storage is singular, 2 specified\n",
        ),
        (
            &["--storage", "logs=1,5M"],
            1,
            "ERROR cannot add application \"store\": charm \"store\" store \"logs\": minimum storage size is 10 MB, 5.0 MB specified\n",
        ),
        (
            &["--storage", "logs=ebs"],
            1,
            "ERROR cannot add application \"store\": pool \"ebs\" not found\n",
        ),
        (
            &["--storage", "disks=1"],
            1,
            "ERROR cannot add application \"store\": charm \"store\" store \"disks\": block storage is not supported by juju-local (filesystem storage only)\n",
        ),
    ];
    for (flags, code, stderr) in cases {
        let out = juju.deploy(flags);
        assert_eq!(out.status.code(), Some(code), "{flags:?}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), stderr, "{flags:?}");
    }
    // Nothing was deployed; a later flag for a store wins, as Juju's map.
    assert_eq!(juju.status()["applications"], json!({}));
    let out = juju.deploy(&["--storage", "logs=3", "--storage", "logs=tmpfs,1,20M"]);
    assert!(out.status.success(), "{out:?}");
    let listed: Value = serde_json::from_str(&juju.ok(&["storage", "--format", "json"])).unwrap();
    let ids: Vec<&String> = listed["storage"].as_object().unwrap().keys().collect();
    assert_eq!(ids, ["data/0", "logs/1"]);
}

#[test]
fn add_storage_attaches_and_reports_as_juju() {
    let juju = Juju::with_store();
    assert!(juju.deploy(&[]).status.success());
    juju.take_log();
    let out = juju.cmd(&["add-storage", "store/0", "logs=2"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "added storage logs/1 to store/0\nadded storage logs/2 to store/0\n"
    );
    let u0 = juju.unit_dir("store/0");
    assert_eq!(
        juju.take_log(),
        [
            storage_hook(
                "store/0",
                "logs-storage-attached",
                "logs/1",
                &u0.join("storage/logs/1")
            ),
            storage_hook(
                "store/0",
                "logs-storage-attached",
                "logs/2",
                &u0.join("storage/logs/2")
            ),
        ]
    );
    // Juju's messages (cmd/juju/storage/add.go; state's addStorageForUnitOps).
    let (code, err) = juju.fails(&["add-storage", "store/0", "logs=2"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "failed to add storage \"logs\" to store/0: adding \"logs\" storage to store/0: attaching 2 storage instances brings the total to 4, exceeding the maximum of 3\n"
    );
    let (_, err) = juju.fails(&["add-storage", "store/0", "nope"]);
    assert_eq!(
        err,
        "failed to add storage \"nope\" to store/0: adding \"nope\" storage to store/0: charm storage \"nope\" not found\n"
    );
    let (_, err) = juju.fails(&["add-storage", "store/0", "data"]);
    assert_eq!(
        err,
        "failed to add storage \"data\" to store/0: adding \"data\" storage to store/0: cannot attach, storage is singular\n"
    );
    let (code, err) = juju.fails(&["add-storage", "store/0", "logs", "logs=1"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "ERROR storage \"logs\" specified more than once\n")
    );
    let (code, err) = juju.fails(&["add-storage", "store/0"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "ERROR add-storage requires a unit and a storage directive\n"
        )
    );
    let (code, err) = juju.fails(&["add-storage", "store", "logs"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "ERROR unit name \"store\" not valid\n")
    );
    let (_, err) = juju.fails(&["add-storage", "store/9", "logs"]);
    assert_eq!(
        err,
        "failed to add storage \"logs\" to store/9: unit \"store/9\" not found\n"
    );
    assert!(juju.take_log().is_empty());
}

#[test]
fn removal_detaches_attached_storage_before_the_relation_hooks_and_stop() {
    let juju = Juju::with_store();
    assert!(
        juju.deploy(&["-n", "2", "--storage", "logs=1"])
            .status
            .success()
    );
    // logs/4's attached hook fails: it is never detached.
    juju.hook_script("[ \"$JUJU_STORAGE_ID\" = logs/4 ] && exit 1\n");
    let out = juju.cmd(&["add-storage", "store/1", "logs"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("unit store/1: hook failed: \"logs-storage-attached\"")
    );
    juju.hook_script("");
    juju.take_log();
    juju.ok(&["remove-unit", "store/1"]);
    let log = juju.take_log();
    let u1 = juju.unit_dir("store/1");
    let mine = of(&log, "store/1");
    assert_eq!(
        mine,
        [
            storage_hook(
                "store/1",
                "data-storage-detaching",
                "data/2",
                &u1.join("root/srv/data")
            ),
            storage_hook(
                "store/1",
                "logs-storage-detaching",
                "logs/3",
                &u1.join("storage/logs/3")
            ),
            "store/1 cluster-relation-departed".to_owned(),
            "store/1 stop".to_owned(),
            "store/1 remove".to_owned(),
        ]
    );
    let listed: Value = serde_json::from_str(&juju.ok(&["storage", "--format", "json"])).unwrap();
    let ids: Vec<&String> = listed["storage"].as_object().unwrap().keys().collect();
    assert_eq!(ids, ["data/0", "logs/1"]);
}

#[test]
fn storage_tools_follow_jujuc() {
    let juju = Juju::with_store();
    assert!(juju.deploy(&["--storage", "logs=2"]).status.success());
    let u0 = juju.unit_dir("store/0");
    let data = u0.join("root/srv/data").display().to_string();
    // In a storage hook, storage-get defaults to the hook's instance.
    juju.hook_script(
        "case $H in logs-storage-attached) storage-get location >> $OUT/get; storage-get >> $OUT/get ;; esac\n",
    );
    juju.ok(&["add-storage", "store/0", "logs"]);
    let logs3 = u0.join("storage/logs/3").display().to_string();
    assert_eq!(
        fs::read_to_string(juju.out().join("get")).unwrap(),
        format!("{logs3}\nkind: filesystem\nlocation: {logs3}\n")
    );
    // storage-list_test.go TestOutputFormat* and TestOutputFiltered, TestOutputNoMatches
    // (25ca4bad7eb55c12ac71c64b13da553fed1d6d48 via 0cdccd5f8d25c44919b72a36bd2d160617ad2b55).
    let vectors: &[(&str, &str, &str, i64)] = &[
        ("storage-list", "data/0\nlogs/1\nlogs/2\nlogs/3\n", "", 0),
        (
            "storage-list --format json",
            "[\"data/0\",\"logs/1\",\"logs/2\",\"logs/3\"]\n",
            "",
            0,
        ),
        (
            "storage-list --format yaml logs",
            "- logs/1\n- logs/2\n- logs/3\n",
            "",
            0,
        ),
        ("storage-list --format yaml log", "[]\n", "", 0),
        (
            "storage-list a b",
            "",
            "ERROR unrecognized args: [\"b\"]\n",
            2,
        ),
        // storage-get_test.go TestOutputFormatKey; Init's "no storage instance specified".
        (
            "storage-get",
            "",
            "ERROR no storage instance specified\n",
            2,
        ),
        ("storage-get -s data/0 kind", "filesystem\n", "", 0),
        ("storage-get -s data/0 --format json", "", "", 0),
        (
            "storage-get -s data/0 size",
            "",
            "ERROR invalid storage attribute \"size\"\n",
            1,
        ),
        (
            "storage-get -s data/9",
            "",
            "ERROR invalid value \"data/9\" for option -s: storage attachment data/9:store/0 not found\n",
            2,
        ),
        (
            "storage-get -s data",
            "",
            "ERROR invalid value \"data\" for option -s: invalid storage ID \"data\"\n",
            2,
        ),
        (
            "storage-get -s data/0 kind location",
            "",
            "ERROR unrecognized args: [\"location\"]\n",
            2,
        ),
        // storage-add_test.go TestStorageAddInit.
        (
            "storage-add",
            "",
            "ERROR storage add requires a storage directive\n",
            2,
        ),
        (
            "storage-add data=-676",
            "",
            "ERROR cannot parse directive for storage \"data\": cannot parse count: count must be greater than zero, got \"-676\"\n",
            2,
        ),
        (
            "storage-add data=",
            "",
            "ERROR cannot parse directive for storage \"data\": storage directives require at least one field to be specified\n",
            2,
        ),
        (
            "storage-add data=pool",
            "",
            "ERROR only count can be specified for \"data\"\n",
            2,
        ),
        (
            "storage-add data=pool,1M",
            "",
            "ERROR only count can be specified for \"data\"\n",
            2,
        ),
        (
            "storage-add data=1M",
            "",
            "ERROR only count can be specified for \"data\"\n",
            2,
        ),
        (
            "storage-add data=2,1M",
            "",
            "ERROR only count can be specified for \"data\"\n",
            2,
        ),
    ];
    for (command, stdout, stderr, rc) in vectors {
        let (out, err, code) = juju.exec("store/0", command);
        if *command == "storage-get -s data/0 --format json" {
            assert_eq!(
                serde_json::from_str::<Value>(&out).unwrap(),
                json!({"kind": "filesystem", "location": data}),
            );
            continue;
        }
        assert_eq!(
            (out.as_str(), err.as_str(), code),
            (*stdout, *stderr, *rc),
            "{command}"
        );
    }
    juju.take_log();
    // storage-add is committed only on success; then the attached hook runs.
    let (_, _, rc) = juju.exec("store/0", "storage-add logs; exit 1");
    assert_eq!(rc, 1);
    assert!(juju.take_log().is_empty());
    let (_, _, rc) = juju.exec("store/0", "storage-add logs=1");
    assert_eq!(rc, 0);
    // The total is past the maximum: the commit fails, and nothing is added.
    let (out, _, _) = juju.exec("store/0", "storage-list logs");
    assert_eq!(out, "logs/1\nlogs/2\nlogs/3\n");
    assert!(juju.take_log().is_empty());
    juju.ok(&["remove-unit", "store/0"]);
    juju.ok(&["add-unit", "store"]);
    juju.take_log();
    // The new unit has data/4, logs/5 and logs/6 (the application's two logs); one more.
    let (_, _, rc) = juju.exec("store/1", "storage-add logs");
    assert_eq!(rc, 0);
    let u1 = juju.unit_dir("store/1");
    assert_eq!(
        juju.take_log(),
        [storage_hook(
            "store/1",
            "logs-storage-attached",
            "logs/7",
            &u1.join("storage/logs/7")
        )]
    );
    let r = juju.exec_json("store/1", "storage-add logs=2");
    assert_eq!(r["status"], "failed", "{r}");
    assert_eq!(
        r["message"],
        "adding \"logs\" storage to store/1: attaching 2 storage instances brings the total to 5, exceeding the maximum of 3"
    );
}

#[test]
fn ports_follow_jujuc_and_commit_only_on_success() {
    let juju = Juju::with_store();
    assert!(juju.deploy(&[]).status.success());
    // ports_test.go TestOpenClose (0cdccd5f8d25c44919b72a36bd2d160617ad2b55), one command per
    // exec, each committed, with the ranges opened-ports lists afterwards.
    let steps: &[(&str, &[&str])] = &[
        ("open-port 80", &["80/tcp"]),
        ("open-port 99/tcp", &["80/tcp", "99/tcp"]),
        ("open-port 100-200", &["80/tcp", "99/tcp", "100-200/tcp"]),
        (
            "open-port 443/udp",
            &["80/tcp", "99/tcp", "100-200/tcp", "443/udp"],
        ),
        ("close-port 80/TCP", &["99/tcp", "100-200/tcp", "443/udp"]),
        ("close-port 100-200/tcP", &["99/tcp", "443/udp"]),
        ("close-port 443", &["99/tcp", "443/udp"]),
        ("close-port 443/udp", &["99/tcp"]),
        ("open-port 123/udp", &["99/tcp", "123/udp"]),
        ("close-port 9999/UDP", &["99/tcp", "123/udp"]),
        ("open-port icmp", &["icmp", "99/tcp", "123/udp"]),
    ];
    for (command, expected) in steps {
        let (out, err, rc) = juju.exec("store/0", command);
        assert_eq!((out.as_str(), err.as_str(), rc), ("", "", 0), "{command}");
        let (out, _, _) = juju.exec("store/0", "opened-ports");
        let want: String = expected.iter().map(|r| format!("{r}\n")).collect();
        assert_eq!(out, want, "after {command}");
    }
    // TestOpenCloseDeprecation: --format is accepted with a notice.
    let (_, err, rc) = juju.exec(
        "store/0",
        "open-port --format foo 80; close-port --format foo 80/TCP",
    );
    assert_eq!(rc, 0);
    assert_eq!(
        err,
        // No newline from Juju's `Fprintf`; exec's captured stderr ends with one.
        "--format flag deprecated for command \"open-port\"--format flag deprecated for command \"close-port\"\n"
    );
    // Status and show-unit (jubilant's UnitStatus.open_ports, UnitInfo.opened_ports).
    let status = juju.status();
    assert_eq!(
        status["applications"]["store"]["units"]["store/0"]["open-ports"],
        json!(["icmp", "99/tcp", "123/udp"])
    );
    assert_eq!(status["applications"]["store"]["exposed"], false);
    let shown: Value =
        serde_json::from_str(&juju.ok(&["show-unit", "store/0", "--format", "json"])).unwrap();
    assert_eq!(
        shown["store/0"]["opened-ports"],
        json!(["icmp", "99/tcp", "123/udp"])
    );
    // Errors: Init's (exit 2, core/network/portrange.go's messages) and Run's (exit 1,
    // context/ports.go's).
    let errors: &[(&str, &str, i64)] = &[
        ("open-port", "ERROR no port or range specified\n", 2),
        (
            "open-port two",
            "ERROR invalid port \"two\": strconv.Atoi: parsing \"two\": invalid syntax\n",
            2,
        ),
        (
            "open-port 80/http",
            "ERROR invalid protocol \"http\", expected \"tcp\", \"udp\", or \"icmp\"\n",
            2,
        ),
        (
            "open-port 65536",
            "ERROR port range bounds must be between 0 and 65535, got 65536-65536\n",
            2,
        ),
        (
            "open-port 20-10/tcp",
            "ERROR invalid port range 20-10/tcp\n",
            2,
        ),
        (
            "open-port 10-55-100",
            "ERROR invalid port range \"10-55-100\"\n",
            2,
        ),
        (
            "open-port 80/icmp",
            "ERROR protocol \"icmp\" doesn't support any ports; got \"80\"\n",
            2,
        ),
        (
            "open-port 123 haha",
            "ERROR unrecognized args: [\"haha\"]\n",
            2,
        ),
        (
            "close-port -42",
            "ERROR flag provided but not defined: -4\n",
            2,
        ),
        (
            "open-port 1-200",
            "ERROR cannot open 1-200/tcp (unit \"store/0\"): port range conflicts with 99/tcp (unit \"store/0\")\n",
            1,
        ),
        (
            "close-port 90-100",
            "ERROR cannot close 90-100/tcp (unit \"store/0\"): port range conflicts with 99/tcp (unit \"store/0\")\n",
            1,
        ),
        (
            "opened-ports foo",
            "ERROR unrecognized args: [\"foo\"]\n",
            2,
        ),
    ];
    for (command, stderr, rc) in errors {
        let (out, err, code) = juju.exec("store/0", command);
        assert_eq!(
            (out.as_str(), err.as_str(), code),
            ("", *stderr, *rc),
            "{command}"
        );
    }
    // Commit on success only; requests show in opened-ports at once (mergeWithPendingChanges).
    let (out, _, rc) = juju.exec("store/0", "open-port 8080; opened-ports; exit 1");
    assert_eq!((out.as_str(), rc), ("icmp\n99/tcp\n8080/tcp\n123/udp\n", 1));
    let (out, _, _) = juju.exec("store/0", "opened-ports");
    assert_eq!(out, "icmp\n99/tcp\n123/udp\n");
    // --endpoints: opened-ports_test.go TestRunAllFormatsWithEndpointDetails's shape.
    let (out, err, rc) = juju.exec(
        "store/0",
        "close-port icmp; close-port 99; close-port 123/udp; open-port 80; open-port --endpoints db 10-20; open-port --endpoints cluster,public 63/udp; open-port 53-55/udp",
    );
    assert_eq!((out.as_str(), err.as_str(), rc), ("", "", 0));
    let (out, _, _) = juju.exec("store/0", "opened-ports --endpoints");
    assert_eq!(
        out,
        "10-20/tcp (db)\n80/tcp (*)\n53-55/udp (*)\n63/udp (cluster, public)\n"
    );
    let (out, _, _) = juju.exec("store/0", "opened-ports --endpoints --format json");
    assert_eq!(
        out,
        "[\"10-20/tcp (db)\",\"80/tcp (*)\",\"53-55/udp (*)\",\"63/udp (cluster, public)\"]\n"
    );
    let (out, _, _) = juju.exec("store/0", "opened-ports --format yaml");
    assert_eq!(out, "- 10-20/tcp\n- 80/tcp\n- 53-55/udp\n- 63/udp\n");
    // Closing one endpoint of a range open for all leaves it open on the others.
    let (_, _, rc) = juju.exec("store/0", "close-port --endpoints db 80");
    assert_eq!(rc, 0);
    let (out, _, _) = juju.exec("store/0", "opened-ports --endpoints");
    assert_eq!(
        out,
        "10-20/tcp (db)\n80/tcp (cluster, juju-info, public)\n53-55/udp (*)\n63/udp (cluster, public)\n"
    );
    // An endpoint the charm does not have fails the commit (the controller's check).
    let r = juju.exec_json("store/0", "open-port --endpoints nope 9000");
    assert_eq!(r["status"], "failed", "{r}");
    assert_eq!(
        r["message"],
        "cannot open/close ports: open port range: endpoint \"nope\" for unit \"store/0\" not found"
    );
    let (out, _, _) = juju.exec("store/0", "opened-ports");
    assert!(!out.contains("9000"), "{out}");
    // A refused storage request fails the commit of the ports requested with it too.
    let r = juju.exec_json("store/0", "open-port 9001; storage-add nope");
    assert_eq!(r["status"], "failed", "{r}");
    assert_eq!(
        r["message"],
        "adding \"nope\" storage to store/0: charm storage \"nope\" not found"
    );
    let (out, _, _) = juju.exec("store/0", "opened-ports");
    assert!(!out.contains("9001"), "{out}");
    // Expose and unexpose set the application's flag.
    juju.ok(&["expose", "store"]);
    assert_eq!(juju.status()["applications"]["store"]["exposed"], true);
    juju.ok(&["unexpose", "store"]);
    assert_eq!(juju.status()["applications"]["store"]["exposed"], false);
    let (code, err) = juju.fails(&["expose", "nope"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "ERROR application \"nope\" not found\n")
    );
}

#[test]
fn network_get_answers_with_the_loopback_for_every_binding() {
    let juju = Juju::with_store();
    assert!(juju.deploy(&[]).status.success());
    let full_yaml = "bind-addresses:\n- mac-address: \"00:00:00:00:00:00\"\n  interface-name: lo\n  addresses:\n  - hostname: \"\"\n    value: 127.0.0.1\n    cidr: 127.0.0.0/8\n    address: 127.0.0.1\n  macaddress: \"00:00:00:00:00:00\"\n  interfacename: lo\negress-subnets:\n- 127.0.0.1/32\ningress-addresses:\n- 127.0.0.1\n";
    // network-get_test.go TestNetworkGet (25ca4bad7eb55c12ac71c64b13da553fed1d6d48): the
    // shapes, with the local Juju's one address.
    let vectors: &[(&str, &str, &str, i64)] = &[
        ("network-get", "", "ERROR no arguments specified\n", 2),
        ("network-get ''", "", "ERROR no binding name specified\n", 2),
        (
            "network-get unknown",
            "",
            "ERROR no network config found for binding \"unknown\"\n",
            1,
        ),
        (
            "network-get unknown --ingress-address",
            "",
            "ERROR no network config found for binding \"unknown\"\n",
            1,
        ),
        ("network-get public --ingress-address", "127.0.0.1\n", "", 0),
        (
            "network-get public --ingress-address --bind-address",
            "bind-address: 127.0.0.1\ningress-address: 127.0.0.1\n",
            "",
            0,
        ),
        ("network-get db", full_yaml, "", 0),
        ("network-get cluster --format yaml", full_yaml, "", 0),
        (
            "network-get juju-info --ingress-address --bind-address --egress-subnets",
            "bind-address: 127.0.0.1\negress-subnets:\n- 127.0.0.1/32\ningress-address: 127.0.0.1\n",
            "",
            0,
        ),
        ("network-get db --egress-subnets", "- 127.0.0.1/32\n", "", 0),
        (
            "network-get db --bind-address --format json",
            "\"127.0.0.1\"\n",
            "",
            0,
        ),
        ("network-get db --primary-address", "127.0.0.1\n", "", 0),
        (
            "network-get db --primary-address --bind-address",
            "",
            "ERROR --primary-address must be the only flag specified\n",
            1,
        ),
        (
            "network-get db extra",
            "",
            "ERROR unrecognized args: [\"extra\"]\n",
            2,
        ),
        (
            "network-get db -r 99",
            "",
            "ERROR invalid value \"99\" for option -r: relation not found\n",
            2,
        ),
        (
            "network-get cluster -r cluster:0 --ingress-address",
            "127.0.0.1\n",
            "",
            0,
        ),
    ];
    for (command, stdout, stderr, rc) in vectors {
        let (out, err, code) = juju.exec("store/0", command);
        assert_eq!(
            (out.as_str(), err.as_str(), code),
            (*stdout, *stderr, *rc),
            "{command}"
        );
    }
    let (out, _, _) = juju.exec("store/0", "network-get db --format json");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"bind-addresses": [{"mac-address": "00:00:00:00:00:00", "interface-name": "lo", "addresses": [{"hostname": "", "value": "127.0.0.1", "cidr": "127.0.0.0/8"}]}], "egress-subnets": ["127.0.0.1/32"], "ingress-addresses": ["127.0.0.1"]})
    );
    // unit-get and the relation-seeded address agree.
    let (out, _, _) = juju.exec("store/0", "unit-get private-address");
    assert_eq!(out, "127.0.0.1\n");
}
