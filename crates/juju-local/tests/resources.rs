//! File resources end to end: `deploy --resource`, `resource-get` in the install hook,
//! `attach-resource` (which runs `upgrade-charm`), `refresh --resource`, `juju resources`, and
//! the refusals (undeclared name, missing file, wrong extension, never-supplied and undeclared
//! `resource-get`, an `oci-image`, bad declarations).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::Juju;

impl Juju {
    /// Writes a file under the home and returns its path as a string.
    fn file(&self, name: &str, content: &str) -> String {
        let path = self.path(name);
        fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }

    fn trace(&self) -> String {
        fs::read_to_string(self.path("models/m/apps/app/0/trace")).unwrap_or_default()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const METADATA: &str = "name: res-charm\nsummary: s\ndescription: d\nresources:\n  data:\n    type: file\n    filename: data.txt\n    description: the data\n  other:\n    type: file\n    filename: other.bin\n";

/// Install and upgrade-charm record what `resource-get` gives for `data`, and its exit code and
/// error for `other` (never supplied) and `nope` (undeclared).
const DISPATCH: &[u8] = br#"#!/bin/sh
t="$CHARM_DIR/../trace"
case "$JUJU_DISPATCH_PATH" in
hooks/install|hooks/upgrade-charm)
  p=$(resource-get data); rc=$?
  echo "$JUJU_HOOK_NAME data rc=$rc path=$p content=$(cat "$p" 2>/dev/null)" >> "$t"
  resource-get other >/dev/null 2>"$t.err"; rc=$?
  echo "$JUJU_HOOK_NAME other rc=$rc $(cat "$t.err")" >> "$t"
  resource-get nope >/dev/null 2>"$t.err"; rc=$?
  echo "$JUJU_HOOK_NAME nope rc=$rc $(cat "$t.err")" >> "$t"
  resource-get >/dev/null 2>"$t.err"; rc=$?
  echo "$JUJU_HOOK_NAME none rc=$rc $(cat "$t.err")" >> "$t"
  status-set active "$(cat "$p" 2>/dev/null)" ;;
esac
"#;

/// Zips a charm with `metadata` and the recording dispatch.
fn charm(dir: &Path, file: &str, metadata: &str) -> PathBuf {
    support::charm(
        &dir.join(file),
        &[("metadata.yaml", metadata.as_bytes())],
        DISPATCH,
    )
}

/// Deploys the charm as `app` with `data` supplied.
fn deployed() -> (Juju, PathBuf) {
    let juju = Juju::new();
    let charm = charm(juju.home.path(), "res.charm", METADATA);
    let data = juju.file("first.txt", "one");
    let out = juju.cmd(&[
        "deploy",
        charm.to_str().unwrap(),
        "app",
        "-m",
        "m",
        "--resource",
        &format!("data={data}"),
    ]);
    assert!(out.status.success(), "{out:?}");
    (juju, charm)
}

#[test]
fn a_deployed_resource_is_there_for_install_and_refusals_read_as_juju_s() {
    let (juju, _) = deployed();
    let unit_dir = juju.path("models/m/apps/app/0");
    let trace = juju.trace();
    let path = unit_dir.join("resources/data/data.txt");
    assert!(
        trace.contains(&format!(
            "install data rc=0 path={} content=one",
            path.display()
        )),
        "{trace}"
    );
    let uuid =
        serde_json::from_slice::<Value>(&juju.cmd(&["show-model", "m", "--format", "json"]).stdout)
            .unwrap()["m"]["model-uuid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    let url = format!("https://127.0.0.1:17070/model/{uuid}/units/unit-app-0/resources");
    assert!(
        trace.contains(&format!(
            "install other rc=1 ERROR could not download resource: HTTP request failed: Get \"{url}/other\": getting resource from charmhub: resource \"other\" not found"
        )),
        "{trace}"
    );
    assert!(
        trace.contains(&format!(
            "install nope rc=1 ERROR could not download resource: HTTP request failed: Get \"{url}/nope\": resource#app/nope not found"
        )),
        "{trace}"
    );
    assert!(
        trace.contains("install none rc=2 ERROR missing required resource name"),
        "{trace}"
    );
    assert_eq!(
        juju.status()["applications"]["app"]["units"]["app/0"]["workload-status"]["message"],
        "one"
    );
}

#[test]
fn attach_resource_replaces_the_file_and_runs_upgrade_charm() {
    let (juju, _) = deployed();
    let second = juju.file("second.txt", "two");
    let out = juju.cmd(&[
        "attach-resource",
        "-m",
        "m",
        "app",
        &format!("data={second}"),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let trace = juju.trace();
    assert!(
        trace.contains("upgrade-charm data rc=0 path=") && trace.contains("content=two"),
        "{trace}"
    );
    assert_eq!(
        juju.status()["applications"]["app"]["units"]["app/0"]["workload-status"]["message"],
        "two"
    );
    // `juju resources` lists the upload (by admin) and the resource never supplied.
    let out = juju.cmd(&["resources", "app", "-m", "m", "--format", "json"]);
    assert!(out.status.success(), "{out:?}");
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = listed["resources"].as_array().unwrap();
    assert_eq!(listed[0]["name"], "data");
    assert_eq!(listed[0]["origin"], "upload");
    assert_eq!(listed[0]["revision"], "0");
    assert_eq!(listed[0]["username"], "admin");
    assert_eq!(listed[0]["size"], 3);
    assert_eq!(listed[1]["name"], "other");
    assert_eq!(listed[1]["used"], false);
    let out = juju.cmd(&["resources", "app", "-m", "m"]);
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        table.starts_with("Resource  Supplied by  Revision\n"),
        "{table}"
    );
    assert!(table.contains("\nother     store        -\n"), "{table}");

    // Refusals: Juju's argument errors (exit 2) and upload errors (exit 1); nothing runs.
    let cases: [(&[&str], i32, String); 5] = [
        (&[], 2, "ERROR missing application name\n".into()),
        (&["app"], 2, "ERROR no resource specified\n".into()),
        (
            &["app", "data"],
            2,
            "ERROR bad resource arg \"data\": expected name=path format\n".into(),
        ),
        (
            &["app", "data=/no/such.txt"],
            1,
            "ERROR failed to upload resource \"data\": open /no/such.txt: no such file or directory\n"
                .into(),
        ),
        (
            &["app", &format!("data={}", juju.file("x.bin", "x"))],
            1,
            format!(
                "ERROR failed to upload resource \"data\": incorrect extension on resource upload \"{}\", expected \".txt\"\n",
                juju.path("x.bin").display()
            ),
        ),
    ];
    for (args, code, message) in cases {
        let mut all = vec!["attach-resource", "-m", "m"];
        all.extend(args);
        let out = juju.cmd(&all);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
        assert_eq!(stderr(&out), message, "{args:?}");
    }
    assert_eq!(juju.trace().matches("upgrade-charm data").count(), 1);
}

#[test]
fn deploy_refuses_undeclared_missing_and_oci_resources_before_the_model_changes() {
    let juju = Juju::new();
    let path = charm(juju.home.path(), "res.charm", METADATA);
    let charm_arg = path.to_str().unwrap();
    let data = juju.file("d.txt", "x");
    let cases: Vec<(Vec<String>, i32, String)> = vec![
        (
            vec![format!("nope={data}")],
            1,
            "ERROR unrecognized resource \"nope\"\n".into(),
        ),
        (
            vec![format!("nope={data}"), format!("zap={data}")],
            1,
            "ERROR unrecognized resources: nope, zap\n".into(),
        ),
        (
            vec!["data=/no/such.txt".into()],
            1,
            "ERROR file for resource \"data\": stat /no/such.txt: no such file or directory\n"
                .into(),
        ),
        (
            vec!["data".into()],
            2,
            "ERROR invalid value \"data\" for option --resource: badly formatted name value pair: data\n"
                .into(),
        ),
    ];
    for (values, code, message) in cases {
        let mut args = vec!["deploy", charm_arg, "app", "-m", "m"];
        for value in &values {
            args.extend(["--resource", value.as_str()]);
        }
        let out = juju.cmd(&args);
        assert_eq!(out.status.code(), Some(code), "{values:?}: {out:?}");
        assert_eq!(stderr(&out), message, "{values:?}");
        assert!(!juju.path("models/m/apps/app/app.json").exists());
    }

    let oci = charm(
        juju.home.path(),
        "oci.charm",
        "name: oci\nsummary: s\ndescription: d\nresources:\n  image:\n    type: oci-image\n",
    );
    let out = juju.cmd(&[
        "deploy",
        oci.to_str().unwrap(),
        "-m",
        "m",
        "--resource",
        &format!("image={data}"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr(&out).contains("oci-image"), "{}", stderr(&out));
    assert!(!juju.path("models/m/apps/oci/app.json").exists());

    let bad = charm(
        juju.home.path(),
        "bad.charm",
        "name: bad\nsummary: s\ndescription: d\nresources:\n  r:\n    type: blob\n",
    );
    let out = juju.cmd(&["deploy", bad.to_str().unwrap(), "-m", "m"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "ERROR attempting to deploy \"{}\": unsupported resource type \"blob\"\n",
            bad.display()
        )
    );
}

#[test]
fn refresh_takes_resources_and_wants_new_ones_supplied() {
    let (juju, _) = deployed();
    let grown = METADATA.to_owned() + "  extra:\n    type: file\n    filename: extra.txt\n";
    let v2 = charm(juju.home.path(), "v2.charm", &grown);
    let out = juju.cmd(&["refresh", "app", "-m", "m", "--path", v2.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        stderr(&out),
        "ERROR new resource \"extra\" was missing, please provide it via --resource\n"
    );
    let extra = juju.file("e.txt", "more");
    let third = juju.file("third.txt", "three");
    let out = juju.cmd(&[
        "refresh",
        "app",
        "-m",
        "m",
        "--path",
        v2.to_str().unwrap(),
        "--resource",
        &format!("extra={extra}"),
        "--resource",
        &format!("data={third}"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let trace = juju.trace();
    assert!(
        trace.contains("upgrade-charm data rc=0") && trace.contains("content=three"),
        "{trace}"
    );
}
