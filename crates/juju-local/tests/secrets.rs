//! Secrets on the local Juju, end to end: two test charms (shell `dispatch` scripts that log
//! each hook with its secret environment and source what the test puts in `hook.sh`) use the
//! secret tools in hooks and through `juju exec`; the tools' grammar and errors are checked
//! against the vectors of Juju's `jujuc/secret-*_test.go`, the owner and consumer revision rules
//! against the secrets manager facade's, grants through a relation, commit-on-success, the
//! secret hooks with their environment (rotation and expiry driven by `advance-clock`), the
//! user-secret commands' JSON as jubilant parses it, a `secret` config option, the store's
//! permissions, that no secret content leaks anywhere but `show-secret --reveal` and
//! `secret-get`, and a Python `ops` charm using its secret API unmodified.

mod support;

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use serde_json::{Value, json};
use support::{Juju, sh_quote};

const OWNER: &str = "name: owner
summary: s
description: d
provides:
  share: {interface: share}
";

const CONSUMER: &str = "name: consumer
summary: s
description: d
requires:
  share: {interface: share}
";

impl Juju {
    /// A local Juju home with model `m`; the commands run in a work directory outside the home,
    /// where the charms log to `out` (so the leak check can read the whole home) and which holds
    /// the two charms; every command's output is kept for the leak check.
    fn with_charms() -> Juju {
        let juju = Juju::empty().in_work_dir().recording().with_model();
        charm(&juju.work().join("owner.charm"), OWNER, &juju.out());
        charm(&juju.work().join("consumer.charm"), CONSUMER, &juju.out());
        juju
    }

    /// Deploys `which` charm (`owner` or `consumer`) as `app` with `units` units.
    fn deploy(&self, which: &str, app: &str, units: u32) {
        let charm = self.work().join(format!("{which}.charm"));
        let n = units.to_string();
        self.ok(&["deploy", charm.to_str().unwrap(), app, "-n", &n]);
    }

    /// The secret hooks logged since the last call.
    fn secret_hooks(&self) -> Vec<String> {
        self.take_log()
            .into_iter()
            .filter(|l| l.contains(" secret-"))
            .collect()
    }

    /// `juju exec` that must succeed; its stdout.
    fn exec_ok(&self, unit: &str, command: &str) -> String {
        let (out, err, code) = self.exec(unit, command);
        assert_eq!(code, 0, "{unit}: {command}: {out}{err}");
        out
    }

    fn model_uuid(&self) -> String {
        let v = self.json(&["show-model", "m", "--format", "json"]);
        v["m"]["model-uuid"].as_str().unwrap().to_owned()
    }

    fn store_dir(&self) -> PathBuf {
        self.path("models/m/secrets")
    }
}

/// Packs a charm whose dispatch logs `unit hook` (with `id=`, `label=` and `rev=` from the
/// `JUJU_SECRET_*` variables, `?` when unset, for a secret hook) to `out/log`, then sources
/// `out/hook.sh` if there is one.
fn charm(path: &Path, metadata: &str, out: &Path) {
    support::logging_charm(
        path,
        out,
        &[
            ("metadata.yaml", metadata.as_bytes()),
            (
                "config.yaml",
                b"options: {token: {type: secret, description: a user secret}}\n",
            ),
        ],
        "secret-*",
        "id=${JUJU_SECRET_ID-?} label=${JUJU_SECRET_LABEL-?} rev=${JUJU_SECRET_REVISION-?}",
    );
}

/// The xid of a URI as the tools print it (`secret://<uuid>/<xid>` or `secret:<xid>`).
fn xid(uri: &str) -> String {
    uri.trim().rsplit(['/', ':']).next().unwrap().to_owned()
}

/// Runs each tool call in one `juju exec` and returns `code|stderr` per call, in order.
fn run_all(juju: &Juju, unit: &str, calls: &[Vec<&str>]) -> Vec<String> {
    let mut script = String::new();
    for call in calls {
        let words: Vec<String> = call.iter().map(|w| sh_quote(w)).collect();
        script.push_str(&format!(
            "e=$({} 2>&1 >/dev/null); echo \"$?|$e\"\n",
            words.join(" ")
        ));
    }
    let path = juju.out().join("calls.sh");
    fs::write(&path, script).unwrap();
    juju.exec_ok(unit, &format!("sh {}", path.display()))
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_tools_refuse_what_jujus_refuse_with_its_messages_and_exit_codes() {
    let juju = Juju::with_charms();
    juju.deploy("owner", "owner", 1);
    let uri = "secret:9m4e2mr0ui3e8a215n4g";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // jujuc/secret-add_test.go TestAddSecretInvalidArgs (juju 15dfb49b).
        (
            vec!["secret-add"],
            "2|ERROR missing secret value or filename",
        ),
        (
            vec!["secret-add", "s3cret"],
            "2|ERROR key value \"s3cret\" not valid",
        ),
        (
            vec!["secret-add", "foo=bar", "--rotate", "foo"],
            "2|ERROR rotate policy \"foo\" not valid",
        ),
        (
            vec!["secret-add", "foo=bar", "--owner", "foo"],
            "2|ERROR secret owner \"foo\" not valid",
        ),
        (
            vec!["secret-add", "foo=bar", "--expire", "-1h"],
            "2|ERROR negative expire duration \"-1h\" not valid",
        ),
        (
            vec!["secret-add", "foo=bar", "--expire", "2022-01-01"],
            "2|ERROR expire time or duration \"2022-01-01\" not valid",
        ),
        // core/secrets/createsecret_test.go TestBadKey (juju 937cf80e).
        (vec!["secret-add", "fo=bar"], "2|ERROR key \"fo\" not valid"),
        (
            vec!["secret-add", "k1#file=missing.txt"],
            "2|ERROR reading content for secret key \"k1\": open missing.txt: no such file or directory",
        ),
        // jujuc/secret-set_test.go TestUpdateSecretInvalidArgs (juju 18c8be69).
        (vec!["secret-set"], "2|ERROR missing secret URI"),
        (
            vec!["secret-set", "foo"],
            "2|ERROR secret URI \"foo\" not valid",
        ),
        (
            vec!["secret-set", uri, "s3cret"],
            "2|ERROR key value \"s3cret\" not valid",
        ),
        (
            vec!["secret-set", uri, "foo=bar", "--rotate", "foo"],
            "2|ERROR rotate policy \"foo\" not valid",
        ),
        (
            vec!["secret-set", uri, "foo=bar", "--expire", "-1h"],
            "2|ERROR negative expire duration \"-1h\" not valid",
        ),
        (
            vec!["secret-set", uri, "foo=bar", "--expire", "2022-01-01"],
            "2|ERROR expire time or duration \"2022-01-01\" not valid",
        ),
        // jujuc/secret-get_test.go TestSecretGetInit (juju 25ca4bad).
        (
            vec!["secret-get", uri, "--peek", "--refresh"],
            "2|ERROR specify one of --peek or --refresh but not both",
        ),
        (
            vec!["secret-get"],
            "2|ERROR require either a secret URI or label",
        ),
        (
            vec!["secret-get", "foo"],
            "2|ERROR secret URI \"foo\" not valid",
        ),
        (
            vec!["secret-get", uri, "a", "b"],
            "2|ERROR unrecognized args: [\"b\"]",
        ),
        (
            vec!["secret-get", uri, "--format", "smart"],
            "2|ERROR invalid value \"smart\" for option --format: unknown format \"smart\"",
        ),
        // jujuc/secret-remove_test.go TestRemoveSecretInvalidArgs (juju 25ca4bad).
        (vec!["secret-remove"], "2|ERROR missing secret URI"),
        (
            vec!["secret-remove", "foo"],
            "2|ERROR secret URI \"foo\" not valid",
        ),
        // jujuc/secret-grant_test.go TestGrantSecretInvalidArgs (juju 15dfb49b): outside a
        // relation hook, a relation must be named.
        (vec!["secret-grant"], "2|ERROR missing secret URI"),
        (
            vec!["secret-grant", "foo"],
            "2|ERROR secret URI \"foo\" not valid",
        ),
        (
            vec!["secret-grant", uri],
            "2|ERROR no relation id specified",
        ),
        (
            vec!["secret-grant", uri, "--relation", "foo"],
            "2|ERROR invalid value \"foo\" for option --relation: invalid relation id",
        ),
        (
            vec!["secret-grant", uri, "--relation", "-666"],
            "2|ERROR invalid value \"-666\" for option --relation: relation not found",
        ),
        // jujuc/secret-revoke_test.go TestRevokeSecretInvalidArgs (juju 15dfb49b).
        (vec!["secret-revoke"], "2|ERROR missing secret URI"),
        (
            vec!["secret-revoke", uri],
            "2|ERROR missing relation or application or unit",
        ),
        (
            vec!["secret-revoke", uri, "--app", "0/foo"],
            "2|ERROR application \"0/foo\" not valid",
        ),
        (
            vec!["secret-revoke", uri, "--app", "foo", "--unit", "foo/0"],
            "2|ERROR specify only one of application or unit",
        ),
        (
            vec!["secret-revoke", uri, "--unit", "foo"],
            "2|ERROR unit \"foo\" not valid",
        ),
        (
            vec!["secret-revoke", uri, "--relation", "-666"],
            "2|ERROR invalid value \"-666\" for option --relation: relation not found",
        ),
        // jujuc/secret-info-get_test.go TestSecretGetInit, TestSecretInfoGetFailedNotFound,
        // TestSecretInfoGetByLabelFailedNotFound (juju 25ca4bad).
        (
            vec!["secret-info-get"],
            "2|ERROR require either a secret URI or label",
        ),
        (
            vec!["secret-info-get", uri, "--label", "foo"],
            "2|ERROR specify either a secret URI or label but not both",
        ),
        (
            vec!["secret-info-get", "secret:cd88u16ffbaql5kgmlh0"],
            "1|ERROR secret \"cd88u16ffbaql5kgmlh0\" not found",
        ),
        (
            vec!["secret-info-get", "--label", "not-found-label"],
            "1|ERROR secret \"not-found-label\" not found",
        ),
        (
            vec!["secret-ids", "x"],
            "2|ERROR unrecognized args: [\"x\"]",
        ),
        // What the facade answers for a secret nobody has.
        (
            vec!["secret-get", uri],
            "1|ERROR secret \"secret:9m4e2mr0ui3e8a215n4g\" not found",
        ),
        (
            vec!["secret-get", "--label", "nope"],
            "1|ERROR consumer label \"nope\" not found",
        ),
        (
            vec!["secret-set", uri, "a-b-c=d"],
            "1|ERROR secret \"secret:9m4e2mr0ui3e8a215n4g\" not found",
        ),
        (
            vec!["secret-remove", uri, "--revision", "x"],
            "2|ERROR invalid value \"x\" for flag --revision: strconv.ParseInt: parsing \"x\": invalid syntax",
        ),
    ];
    let calls: Vec<Vec<&str>> = cases.iter().map(|(c, _)| c.clone()).collect();
    let got = run_all(&juju, "owner/0", &calls);
    for ((call, want), got) in cases.iter().zip(&got) {
        assert_eq!(got, want, "{call:?}");
    }
    assert_eq!(got.len(), cases.len());
}

#[test]
fn owners_add_read_update_and_describe_their_secrets() {
    let juju = Juju::with_charms();
    juju.deploy("owner", "owner", 2);
    let uuid = juju.model_uuid();
    // secret-add prints the URI with the model's UUID; the leader owns it for the application.
    let added = juju.exec_ok(
        "owner/0",
        "secret-add --label db-pass --description 'the password' --rotate daily pass=s3cret user=admin",
    );
    assert!(added.starts_with(&format!("secret://{uuid}/")), "{added}");
    let added = added.trim();
    let id = xid(added);
    assert_eq!(id.len(), 20);
    // jujuc/secret-get_test.go assertSecretGet, TestSecretGetKey, TestSecretGetKeyBase64,
    // TestSecretGetJson (juju 25ca4bad): YAML by default, one key, `#base64`, JSON.
    let uri = format!("secret:{id}");
    assert_eq!(
        juju.exec_ok("owner/0", &format!("secret-get {uri}")),
        "pass: s3cret\nuser: admin\n"
    );
    assert_eq!(
        juju.exec_ok("owner/0", &format!("secret-get {added} pass")),
        "s3cret\n"
    );
    assert_eq!(
        juju.exec_ok("owner/0", &format!("secret-get {id} pass#base64")),
        "czNjcmV0\n"
    );
    assert_eq!(
        juju.exec_ok("owner/0", "secret-get --label db-pass --format json"),
        "{\"pass\":\"s3cret\",\"user\":\"admin\"}\n"
    );
    assert_eq!(
        juju.exec("owner/0", &format!("secret-get {uri} nope")),
        (
            String::new(),
            "ERROR secret key value \"nope\" not found\n".into(),
            1
        )
    );
    // Other units of the application read it too (the latest, by URI or owner label), but do
    // not manage it.
    assert_eq!(
        juju.exec_ok("owner/1", "secret-get --label db-pass"),
        "pass: s3cret\nuser: admin\n"
    );
    // As in Juju's Init, a first argument is the URI even with --label.
    assert_eq!(
        juju.exec("owner/1", "secret-get --label db-pass pass").1,
        "ERROR secret URI \"pass\" not valid\n"
    );
    assert_eq!(juju.exec_ok("owner/1", "secret-ids"), "");
    assert_eq!(
        juju.exec("owner/1", "secret-add xyz=z"),
        (
            String::new(),
            "ERROR this unit is not the leader\n".into(),
            1
        )
    );
    assert_eq!(
        juju.exec("owner/1", &format!("secret-set {uri} pass=other"))
            .1,
        "ERROR this unit is not the leader\n"
    );
    // A unit-owned secret is the unit's, leader or not.
    let mine = xid(&juju.exec_ok("owner/1", "secret-add --owner unit --label mine abc=def"));
    assert_eq!(juju.exec_ok("owner/1", "secret-ids"), format!("{mine}\n"));
    assert_eq!(
        juju.exec("owner/0", &format!("secret-get secret:{mine}")).1,
        "ERROR permission denied\n"
    );
    // secret-ids and secret-info-get (jujuc/secret-ids_test.go TestSecretIds,
    // secret-info-get_test.go TestSecretInfoGetURI's shape).
    assert_eq!(juju.exec_ok("owner/0", "secret-ids"), format!("{id}\n"));
    assert_eq!(
        juju.exec_ok("owner/0", "secret-ids --format json"),
        format!("[\"{id}\"]\n")
    );
    let info = juju.exec_ok("owner/0", &format!("secret-info-get {uri}"));
    let lines: Vec<&str> = info.lines().collect();
    assert_eq!(
        lines[..6],
        [
            format!("{id}:").as_str(),
            "  revision: 1",
            "  label: db-pass",
            "  owner: application",
            "  description: the password",
            "  rotation: daily",
        ]
    );
    assert!(lines[6].starts_with("  rotates: 20"), "{info}");
    assert_eq!(
        juju.exec("owner/0", "secret-info-get --label mine").1,
        "ERROR secret \"mine\" not found\n",
        "owner/0 does not manage owner/1's secret"
    );
    let info: Value = serde_json::from_str(
        &juju.exec_ok("owner/1", "secret-info-get --label mine --format json"),
    )
    .unwrap();
    assert_eq!(
        info,
        json!({mine.clone(): {"revision": 1, "label": "mine", "owner": "unit"}})
    );
    // secret-set: identical content makes no revision; new content does; metadata alone.
    juju.exec_ok(
        "owner/0",
        &format!("secret-set {uri} pass=s3cret user=admin"),
    );
    assert!(
        juju.exec_ok("owner/0", &format!("secret-info-get {uri}"))
            .contains("revision: 1")
    );
    juju.exec_ok(
        "owner/0",
        &format!("secret-set {uri} pass=n3w user=admin --label renamed"),
    );
    let info = juju.exec_ok("owner/0", "secret-info-get --label renamed");
    assert!(info.contains("revision: 2"), "{info}");
    assert_eq!(
        juju.exec_ok("owner/0", &format!("secret-get {uri} pass")),
        "n3w\n"
    );
    // A label is the owner's once: taken labels are refused.
    assert_eq!(
        juju.exec("owner/0", "secret-add --label renamed qqq=r").1,
        "ERROR secret with label \"renamed\" already exists\n"
    );
    // --file (YAML or JSON) and key#file=path are read relative to the tool's directory.
    let dir = juju.out();
    fs::write(
        dir.join("content.yaml"),
        "from-yaml: yes\nkey: |-\n  line\n",
    )
    .unwrap();
    fs::write(dir.join("value.bin"), [0xff, 0x00, 0x41]).unwrap();
    let filed = xid(&juju.exec_ok(
        "owner/0",
        &format!(
            "cd {} && secret-add --file content.yaml bin#file=value.bin key=overridden",
            dir.display()
        ),
    ));
    assert_eq!(
        juju.exec_ok("owner/0", &format!("secret-get {filed}")),
        "bin: !!binary |\n  /wBB\nfrom-yaml: \"yes\"\nkey: line\n"
    );
    assert_eq!(
        juju.exec_ok("owner/0", &format!("secret-get {filed} bin#base64")),
        "/wBB\n"
    );
    // secret-remove of a revision, then of the secret.
    juju.exec_ok("owner/0", &format!("secret-remove {uri} --revision 1"));
    let shown = juju.json(&["show-secret", &id, "--revisions", "--format", "json"]);
    assert_eq!(shown[&id]["revisions"].as_array().unwrap().len(), 1);
    juju.exec_ok("owner/0", &format!("secret-remove {uri}"));
    assert!(!juju.exec_ok("owner/0", "secret-ids").contains(&id));
}

#[test]
fn changes_are_seen_in_the_hook_and_committed_only_when_it_succeeds() {
    let juju = Juju::with_charms();
    juju.deploy("owner", "owner", 1);
    // A create is visible at once in the same process, and gone when the process fails.
    let (out, _, code) = juju.exec(
        "owner/0",
        "u=$(secret-add --label tmp abc=v1) && secret-get $u abc && secret-get --label tmp && secret-ids | wc -l && exit 3",
    );
    assert_eq!((out.as_str(), code), ("v1\nabc: v1\n1\n", 3));
    assert_eq!(juju.exec_ok("owner/0", "secret-ids"), "");
    let id = xid(&juju.exec_ok("owner/0", "secret-add --label kept abc=v1"));
    // Juju's getPendingSecretValue: a pending update is read only with --peek or --refresh,
    // and by label only when the update sets that label (else the committed revision).
    let out = juju.exec_ok(
        "owner/0",
        &format!(
            "secret-set {id} abc=v2 && secret-get {id} abc && secret-get {id} abc --peek && secret-get --label kept --refresh"
        ),
    );
    assert_eq!(out, "v1\nv2\nabc: v1\n");
    assert_eq!(
        juju.exec_ok("owner/0", &format!("secret-get {id} abc")),
        "v2\n"
    );
    // A failed process commits no update, removal or grant.
    let (_, _, code) = juju.exec(
        "owner/0",
        &format!("secret-set {id} abc=v3 --label lost && secret-remove {id} --revision 1 && false"),
    );
    assert_eq!(code, 1);
    assert_eq!(
        juju.exec_ok("owner/0", &format!("secret-get {id} abc")),
        "v2\n"
    );
    let info = juju.exec_ok("owner/0", &format!("secret-info-get {id}"));
    assert!(
        info.contains("label: kept") && info.contains("revision: 2"),
        "{info}"
    );
    let shown = juju.json(&["show-secret", &id, "--revisions", "--format", "json"]);
    assert_eq!(shown[&id]["revisions"].as_array().unwrap().len(), 2);
    // A hook that fails commits nothing either; one that succeeds commits.
    juju.hook_script(
        "case $H in config-changed) secret-add --label from-hook xyz=1; exit 1 ;; esac\n",
    );
    let out = juju.cmd(&["config", "owner", "token="]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("hook failed: \"config-changed\""), "{err}");
    assert_eq!(juju.exec_ok("owner/0", "secret-ids").lines().count(), 1);
}

#[test]
fn consumers_pin_peek_and_refresh_revisions_granted_through_a_relation() {
    let juju = Juju::with_charms();
    juju.deploy("owner", "owner", 1);
    juju.deploy("consumer", "consumer", 2);
    juju.deploy("consumer", "other", 1);
    juju.ok(&["integrate", "owner", "consumer"]);
    let id = xid(&juju.exec_ok("owner/0", "secret-add --label shared foo=v1"));
    let uri = format!("secret:{id}");
    // Granted in the relation's scope to the remote application (or one of its units).
    assert_eq!(
        juju.exec(
            "owner/0",
            &format!("secret-grant {uri} -r share:0 --unit other/0")
        )
        .1,
        "ERROR cannot specify unit \"other/0\" in relation to application \"consumer\"\n"
    );
    juju.exec_ok(
        "owner/0",
        &format!("secret-grant {uri} -r share:0 --unit consumer/1"),
    );
    assert_eq!(
        juju.exec("owner/0", &format!("secret-grant {uri} -r share:0"))
            .1,
        "ERROR any unit level grants need to be revoked before granting access to the corresponding application\n"
    );
    juju.exec_ok("owner/0", &format!("secret-revoke {uri} --unit consumer/1"));
    juju.exec_ok("owner/0", &format!("secret-grant {uri} -r share:0"));
    let info: Value = serde_json::from_str(
        &juju.exec_ok("owner/0", &format!("secret-info-get {uri} --format json")),
    )
    .unwrap();
    assert_eq!(
        info[&id]["access"],
        json!([{"target": "application-consumer", "scope": "relation-consumer.share#owner.share", "role": "view"}])
    );
    // The first read pins the latest revision; the consumer label is set with the URI.
    assert_eq!(
        juju.exec_ok(
            "consumer/0",
            &format!("secret-get {uri} foo --label theirs")
        ),
        "v1\n"
    );
    assert_eq!(
        juju.exec("other/0", &format!("secret-get {uri}")).1,
        "ERROR permission denied\n"
    );
    juju.take_log();
    // A new revision: the consumer that read it runs secret-changed (with its label; no
    // revision in the environment), run by the process that committed it.
    juju.exec_ok("owner/0", &format!("secret-set {uri} foo=v2"));
    assert_eq!(
        juju.secret_hooks(),
        [format!(
            "consumer/0 secret-changed id={uri} label=theirs rev=?"
        )]
    );
    // jujuc/secret-get_test.go's --peek and --refresh, with the facade's pinning.
    let get = |args: &str| juju.exec_ok("consumer/0", &format!("secret-get {uri} foo {args}"));
    assert_eq!(get(""), "v1\n");
    assert_eq!(get("--peek"), "v2\n");
    assert_eq!(get(""), "v1\n");
    assert_eq!(
        juju.exec_ok("consumer/0", "secret-get --label theirs"),
        "foo: v1\n"
    );
    // Revision 1 is still tracked: no secret-remove until the consumer refreshes.
    assert_eq!(juju.secret_hooks(), Vec::<String>::new());
    assert_eq!(get("--refresh"), "v2\n");
    assert_eq!(get(""), "v2\n");
    assert_eq!(
        juju.secret_hooks(),
        Vec::<String>::new(),
        "a tool call runs no hooks"
    );
    juju.ok(&["status"]);
    juju.exec_ok("owner/0", "true");
    // The next command that settles runs the owner's secret-remove for the revision no
    // consumer tracks.
    juju.hook_script(
        "case $H in secret-remove) secret-remove $JUJU_SECRET_ID --revision $JUJU_SECRET_REVISION ;; esac\n",
    );
    juju.ok(&["config", "owner", "token="]);
    let log = juju.secret_hooks();
    assert_eq!(
        log,
        [format!("owner/0 secret-remove id={uri} label=shared rev=1")]
    );
    let shown = juju.json(&["show-secret", &id, "--revisions", "--format", "json"]);
    assert_eq!(shown[&id]["revisions"][0]["revision"], 2);
    assert_eq!(shown[&id]["revisions"].as_array().unwrap().len(), 1);
    // Revoked: the consumer may no longer read it.
    juju.exec_ok("owner/0", &format!("secret-revoke {uri} --app consumer"));
    assert_eq!(
        juju.exec("consumer/0", &format!("secret-get {uri}")).1,
        "ERROR permission denied\n"
    );
    // A grant lasts as long as its relation.
    juju.exec_ok("owner/0", &format!("secret-grant {uri} -r share:0"));
    assert_eq!(
        juju.exec_ok("consumer/1", &format!("secret-get {uri} foo")),
        "v2\n"
    );
    juju.ok(&["remove-relation", "owner", "consumer"]);
    assert_eq!(
        juju.exec("consumer/1", &format!("secret-get {uri} foo")).1,
        "ERROR permission denied\n"
    );
}

#[test]
fn relation_hooks_grant_and_revoke_their_own_relation_by_default() {
    let juju = Juju::with_charms();
    juju.deploy("owner", "owner", 1);
    juju.deploy("consumer", "consumer", 1);
    let id = xid(&juju.exec_ok("owner/0", "secret-add --label shared foo=bar"));
    fs::write(juju.out().join("id"), &id).unwrap();
    let out = juju.out();
    juju.hook_script(&format!(
        "ID=$(cat {o}/id)
case \"$JUJU_UNIT_NAME $H\" in
'owner/0 share-relation-joined') secret-grant secret:$ID; relation-set uri=secret:$ID ;;
'consumer/0 share-relation-changed') u=$(relation-get uri owner/0); [ -n \"$u\" ] && secret-get $u foo > {o}/read ;;
'owner/0 share-relation-departed') secret-revoke secret:$ID ;;
esac
",
        o = out.display()
    ));
    juju.ok(&["integrate", "owner", "consumer"]);
    assert_eq!(fs::read_to_string(out.join("read")).unwrap(), "bar\n");
    juju.ok(&["remove-unit", "consumer/0"]);
    juju.ok(&["add-unit", "consumer"]);
    assert_eq!(
        juju.exec("consumer/1", &format!("secret-get secret:{id}"))
            .2,
        0,
        "the application's grant covers its new units"
    );
}

#[test]
fn peers_of_the_owner_are_told_of_new_revisions_and_the_leader_is_not() {
    let juju = Juju::with_charms();
    juju.deploy("owner", "owner", 2);
    let id = xid(&juju.exec_ok("owner/0", "secret-add --label app-secret key=a"));
    assert_eq!(
        juju.exec_ok("owner/1", "secret-get --label app-secret"),
        "key: a\n"
    );
    assert_eq!(
        juju.exec_ok("owner/0", "secret-get --label app-secret"),
        "key: a\n"
    );
    juju.take_log();
    juju.exec_ok("owner/0", &format!("secret-set {id} key=b"));
    let mut hooks = juju.secret_hooks();
    hooks.sort();
    assert_eq!(
        hooks,
        [
            format!("owner/0 secret-remove id=secret:{id} label=app-secret rev=1"),
            format!("owner/1 secret-changed id=secret:{id} label=app-secret rev=?"),
        ]
    );
    // Owners always read the latest revision.
    assert_eq!(
        juju.exec_ok("owner/1", &format!("secret-get {id} key")),
        "b\n"
    );
}

#[test]
fn rotation_and_expiry_follow_the_model_clock_on_the_leader_only() {
    let juju = Juju::with_charms();
    juju.deploy("owner", "owner", 2);
    let rotating = xid(&juju.exec_ok("owner/0", "secret-add --label rot --rotate hourly key=a"));
    let expiring = xid(&juju.exec_ok("owner/0", "secret-add --label exp --expire 2h key=a"));
    let unit_owned = xid(&juju.exec_ok(
        "owner/1",
        "secret-add --owner unit --label u-exp --expire 30m key=a",
    ));
    juju.take_log();
    assert_eq!(juju.ok(&["advance-clock", "29m"]), "");
    assert_eq!(juju.secret_hooks(), Vec::<String>::new());
    juju.ok(&["advance-clock", "2m"]);
    assert_eq!(
        juju.secret_hooks(),
        [format!(
            "owner/1 secret-expired id=secret:{unit_owned} label=u-exp rev=1"
        )]
    );
    // The leader rotates the application's secret when it falls due; the hook gets no
    // revision. A rotation that makes no new revision is due again five minutes later.
    juju.ok(&["advance-clock", "30m"]);
    assert_eq!(
        juju.secret_hooks(),
        [format!(
            "owner/0 secret-rotate id=secret:{rotating} label=rot rev=?"
        )]
    );
    juju.ok(&["advance-clock", "3m"]);
    assert_eq!(juju.secret_hooks(), Vec::<String>::new());
    juju.hook_script(
        "case $H in secret-rotate) secret-set $JUJU_SECRET_ID key=rotated-$(date +%s%N) ;; esac\n",
    );
    juju.ok(&["advance-clock", "2m"]);
    let log = juju.secret_hooks();
    assert_eq!(
        log[0],
        format!("owner/0 secret-rotate id=secret:{rotating} label=rot rev=?")
    );
    assert_eq!(
        log[1..],
        [format!(
            "owner/0 secret-remove id=secret:{rotating} label=rot rev=1"
        )]
    );
    // Rotated: the next rotation is an hour after the one that was due.
    juju.ok(&["advance-clock", "50m"]);
    assert_eq!(juju.secret_hooks(), Vec::<String>::new());
    // The expiry of revision 1 of the other secret, with its revision.
    juju.ok(&["advance-clock", "15m"]);
    let log = juju.secret_hooks();
    assert_eq!(
        log,
        [
            format!("owner/0 secret-expired id=secret:{expiring} label=exp rev=1"),
            format!("owner/0 secret-rotate id=secret:{rotating} label=rot rev=?"),
            format!("owner/0 secret-remove id=secret:{rotating} label=rot rev=2"),
        ]
    );
    let shown = juju.json(&["show-secret", &expiring, "--format", "json"]);
    assert!(shown[&expiring]["expires"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        juju.fails(&["advance-clock", "--", "-1h"]).1,
        "ERROR the model clock only moves forward: \"-1h\"\n"
    );
    assert_eq!(
        juju.fails(&["advance-clock", "soon"]).1,
        "ERROR time: invalid duration \"soon\"\n"
    );
}

#[test]
fn user_secrets_have_jujus_commands_and_json() {
    let juju = Juju::with_charms();
    juju.deploy("consumer", "consumer", 1);
    let uuid = juju.model_uuid();
    // cmd/juju/secrets/add_test.go TestAddDataFromArg, TestAddDataFromFile, TestAddEmptyData
    // (juju 6c27b064).
    let uri = juju.ok(&[
        "add-secret",
        "my-secret",
        "foo=bar",
        "--info",
        "this is a secret.",
    ]);
    assert!(uri.starts_with("secret:") && uri.ends_with('\n'), "{uri}");
    let id = xid(&uri);
    fs::write(juju.work().join("data.txt"), "\nfoo: bar\n    ").unwrap();
    juju.ok(&["add-secret", "from-file", "--file", "data.txt"]);
    assert_eq!(
        juju.fails(&["add-secret", "empty", "--info", "this is a secret."]),
        (2, "ERROR missing secret value or filename\n".into())
    );
    assert_eq!(
        juju.fails(&["add-secret"]).1,
        "ERROR secret name needs to be supplied as the first argument\n"
    );
    assert_eq!(
        juju.fails(&["add-secret", "my-secret", "abc=c"]).1,
        "ERROR secret with name \"my-secret\" already exists\n"
    );
    // show-secret (show_test.go TestInit, TestShow's shape, juju b57dc713): keyed by the bare
    // xid, the name for a user secret, the content only when revealed, under `Data` in JSON.
    let shown = juju.json(&["show-secret", "my-secret", "--format", "json"]);
    let s = &shown[&id];
    assert_eq!(s["revision"], 1);
    assert_eq!(s["owner"], "<model>");
    assert_eq!(s["name"], "my-secret");
    assert_eq!(s["description"], "this is a secret.");
    assert_eq!(s["created"], s["updated"]);
    assert!(s.get("content").is_none() && s.get("checksum").is_none());
    // The fields in the struct's order (serde_json's Value sorts them, so read the text).
    let text = juju.ok(&["show-secret", "my-secret", "--format", "json"]);
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
    let order = [
        "revision",
        "owner",
        "description",
        "name",
        "created",
        "updated",
    ];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{text}");
    let revealed = juju.json(&["show-secret", uri.trim(), "--reveal", "--format", "json"]);
    assert_eq!(revealed[&id]["content"], json!({"Data": {"foo": "bar"}}));
    let sha = |json: &str| {
        // Checksum: SHA-256 of the encoded values as json.Marshal writes them.
        let out = Command::new("sha256sum")
            .arg("-")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().unwrap().write_all(json.as_bytes())?;
                c.wait_with_output()
            });
        out.ok()
            .map(|o| String::from_utf8_lossy(&o.stdout)[..64].to_owned())
    };
    if let Some(sum) = sha("{\"foo\":\"YmFy\"}") {
        assert_eq!(revealed[&id]["checksum"], sum.as_str());
    }
    let yaml = juju.ok(&["show-secret", &id, "--reveal"]);
    assert!(
        yaml.starts_with(&format!("{id}:\n  revision: 1\n  checksum: ")),
        "{yaml}"
    );
    assert!(yaml.contains("\n  content:\n    foo: bar\n"), "{yaml}");
    for (args, err) in [
        (
            vec!["show-secret", id.as_str(), "--revisions", "--reveal"],
            "ERROR specify either --revisions or --reveal but not both\n",
        ),
        (
            vec!["show-secret", id.as_str(), "--revisions", "--revision", "2"],
            "ERROR specify either --revisions or --revision but not both\n",
        ),
        (
            vec!["show-secret", id.as_str(), "--revision", "-1"],
            "ERROR revision must be a positive integer\n",
        ),
        (vec!["show-secret"], "ERROR secret ID is required\n"),
    ] {
        assert_eq!(juju.fails(&args), (2, err.to_owned()), "{args:?}");
    }
    assert_eq!(
        juju.fails(&["show-secret", "nope"]),
        (1, "ERROR secret \"nope\" not found\n".into())
    );
    // update-secret by name makes revision 2; each revision is shown with --revision.
    juju.ok(&[
        "update-secret",
        "my-secret",
        "foo=baz",
        "--info",
        "new info",
    ]);
    let shown = juju.json(&["show-secret", &id, "--revisions", "--format", "json"]);
    assert_eq!(shown[&id]["revision"], 2);
    assert_eq!(shown[&id]["description"], "new info");
    let revisions = shown[&id]["revisions"].as_array().unwrap();
    assert_eq!(
        revisions
            .iter()
            .map(|r| r["revision"].clone())
            .collect::<Vec<_>>(),
        [json!(1), json!(2)]
    );
    assert_eq!(revisions[0]["backend"], "internal");
    let old = juju.json(&[
        "show-secret",
        &id,
        "--reveal",
        "--revision",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(old[&id]["content"]["Data"]["foo"], "bar");
    assert_eq!(
        juju.fails(&["update-secret", "my-secret"]).1,
        "ERROR at least one attribute to update must be specified\n"
    );
    // grant-secret (grantrevoke_test.go TestGrant, TestGrantByName, TestGrantEmptyData, juju
    // 39e5c1ef) in the model's scope; the charm reads it through a `secret` config option.
    assert_eq!(
        juju.fails(&["grant-secret", "arg1"]).1,
        "ERROR missing secret URI or application name\n"
    );
    assert_eq!(
        juju.fails(&["grant-secret", "my-secret", "consumer,nope"])
            .1,
        "ERROR failed to grant/revoke secret: application \"nope\" not found\n"
    );
    let out = juju.out();
    juju.hook_script(&format!(
        "case $H in config-changed) t=$(config-get token); [ -n \"$t\" ] && secret-get \"$t\" foo > {}/token 2>&1 ;; esac\n",
        out.display()
    ));
    juju.ok(&["config", "consumer", &format!("token=secret:{id}")]);
    assert_eq!(
        fs::read_to_string(out.join("token")).unwrap(),
        "ERROR permission denied\n"
    );
    juju.ok(&["grant-secret", "my-secret", "consumer"]);
    juju.ok(&["config", "consumer", "token="]);
    juju.ok(&["config", "consumer", &format!("token=secret:{id}")]);
    assert_eq!(fs::read_to_string(out.join("token")).unwrap(), "baz\n");
    let config = juju.json(&["config", "consumer", "--format", "json"]);
    assert_eq!(config["settings"]["token"]["type"], "secret");
    let shown = juju.json(&["show-secret", &id, "--format", "json"]);
    assert_eq!(
        shown[&id]["access"],
        json!([{"target": "application-consumer", "scope": format!("model-{uuid}"), "role": "view"}])
    );
    // A new revision tells the consumer.
    juju.take_log();
    juju.ok(&["update-secret", &format!("secret:{id}"), "foo=qux"]);
    assert_eq!(
        juju.secret_hooks(),
        [format!(
            "consumer/0 secret-changed id=secret:{id} label= rev=?"
        )]
    );
    juju.ok(&["revoke-secret", "my-secret", "consumer"]);
    let shown = juju.json(&["show-secret", &id, "--format", "json"]);
    assert!(shown[&id].get("access").is_none());
    // secrets: every secret, keyed by xid (jubilant's fake_secrets.py MULTIPLE_SECRETS shape).
    let all = juju.json(&["secrets", "--format", "json"]);
    assert_eq!(all.as_object().unwrap().len(), 2);
    assert_eq!(all[&id]["name"], "my-secret");
    assert_eq!(all[&id]["owner"], "<model>");
    assert!(all[&id].get("access").is_none());
    let owned = juju.json(&[
        "secrets",
        "--owner",
        &format!("model-{uuid}"),
        "--format",
        "json",
    ]);
    assert_eq!(owned.as_object().unwrap().len(), 2);
    let none = juju.json(&[
        "secrets",
        "--owner",
        "application-consumer",
        "--format",
        "json",
    ]);
    assert_eq!(none, json!({}));
    assert_eq!(
        juju.fails(&["secrets", "--owner", "user"]).1,
        "ERROR invalid owner \"user\": \"user\" is not a valid tag\n"
    );
    let table = juju.ok(&["secrets"]);
    let header = table.lines().next().unwrap();
    assert!(header.starts_with("ID  "), "{table}");
    assert!(header.ends_with("Revision  Last updated"), "{table}");
    assert!(
        table.contains("my-secret") && table.contains("<model>"),
        "{table}"
    );
    // remove-secret (remove_test.go, juju b57dc713).
    assert_eq!(
        juju.fails(&["remove-secret", "--revision", "4"]).1,
        "ERROR missing secret URI\n"
    );
    juju.ok(&["remove-secret", "my-secret", "--revision", "1"]);
    juju.ok(&["remove-secret", "my-secret"]);
    assert_eq!(
        juju.fails(&["remove-secret", "my-secret"]),
        (1, "ERROR secret \"my-secret\" not found\n".into())
    );
}

#[test]
fn the_store_is_private_and_holds_values_encoded() {
    let juju = Juju::with_charms();
    juju.ok(&["add-secret", "p", "word=plain-text-value"]);
    let dir = juju.store_dir();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let file = dir.join("store.json");
    assert_eq!(mode(&file), 0o600);
    let text = fs::read_to_string(&file).unwrap();
    assert!(!text.contains("plain-text-value"));
    assert!(text.contains(&base64::prelude::BASE64_STANDARD.encode("plain-text-value")));
    // Still private after the store is written again.
    juju.ok(&["update-secret", "p", "word=other"]);
    assert_eq!(mode(&dir.join("store.json")), 0o600);
}

/// Every file under `dir` (but `skip`) that holds `needle` (the hook-tool symlinks, which lead
/// to this binary, are not followed).
fn files_with(dir: &Path, needle: &[u8], skip: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let is_link = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if path == skip || is_link {
            continue;
        }
        if path.is_dir() {
            files_with(&path, needle, skip, found);
        } else if let Ok(bytes) = fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle)
        {
            found.push(path);
        }
    }
}

#[test]
fn secret_content_never_leaks_into_logs_output_tasks_or_state() {
    const MARKER: &str = "leak-marker-5b1f0e9c";
    let juju = Juju::with_charms();
    juju.deploy("owner", "owner", 2);
    juju.deploy("consumer", "consumer", 1);
    juju.ok(&["integrate", "owner", "consumer"]);
    let out = juju.out();
    let o = out.display();
    fs::write(out.join("marker"), MARKER).unwrap();
    fs::write(out.join("content.yaml"), format!("from-file: {MARKER}\n")).unwrap();
    fs::write(out.join("bad.yaml"), format!("{MARKER}-no-map\n")).unwrap();
    fs::write(out.join("big"), MARKER.repeat(1000)).unwrap();
    // Every tool, succeeding and failing, with the marker in content; what is read goes to
    // files, never to the hook's output.
    fs::write(
        out.join("tools.sh"),
        format!(
            r#"cd {o}
u=$(secret-add --label leak value#file=marker) || exit 1
secret-add --file content.yaml > /dev/null
secret-add --file bad.yaml
secret-add bad_key#file=marker
secret-add big#file=big
secret-add --label leak again#file=marker
secret-get $u > got-1
secret-get $u value > got-2
secret-get $u value#base64 > got-3
secret-get $u nope
secret-get --label leak --format json > got-4
secret-set $u value#file=marker other#file=marker
secret-set $u bad_key#file=marker
secret-info-get $u
secret-info-get $u --format json
secret-ids
secret-grant $u -r share:0
secret-grant $u
echo $u > uri
exit 0
"#
        ),
    )
    .unwrap();
    juju.exec_ok("owner/0", &format!("sh {o}/tools.sh"));
    let uri = fs::read_to_string(out.join("uri"))
        .unwrap()
        .trim()
        .to_owned();
    let id = xid(&uri);
    // The consumer reads it in a hook and in exec, into files; then a failing read.
    fs::write(
        out.join("consumer.sh"),
        format!(
            "cd {o}\nsecret-get {uri} value > c-1\nsecret-get {uri} --refresh > c-2\nsecret-get {uri} value --peek > c-3\nsecret-get {uri} nope\n"
        ),
    )
    .unwrap();
    juju.exec("consumer/0", &format!("sh {o}/consumer.sh"));
    juju.exec(
        "owner/1",
        &format!("secret-set {uri} value#file={o}/marker"),
    );
    juju.exec(
        "owner/0",
        &format!("secret-revoke {uri} --app consumer && false"),
    );
    juju.hook_script(&format!(
        "case $H in secret-changed|config-changed) secret-get {uri} value > {o}/in-hook; secret-get {uri} --peek > {o}/peeked ;; esac\n"
    ));
    juju.exec_ok(
        "owner/0",
        &format!("cd {o} && secret-set {uri} value=changed-{MARKER}"),
    );
    juju.ok(&["config", "consumer", "token="]);
    // User secrets through every command, succeeding and failing.
    let arg = format!("pwd={MARKER}");
    let user = juju.ok(&["add-secret", "user-leak", &arg]);
    let _ = juju.cmd(&["add-secret", "user-leak", &arg]);
    let _ = juju.cmd(&["add-secret", "bad", &format!("bad_key={MARKER}")]);
    let _ = juju.cmd(&["add-secret", "bad2", "--file", "out/bad.yaml"]);
    juju.ok(&["update-secret", "user-leak", &format!("pwd=new-{MARKER}")]);
    let _ = juju.cmd(&["update-secret", "nope", &arg]);
    juju.ok(&["grant-secret", "user-leak", "consumer"]);
    let _ = juju.cmd(&["grant-secret", "user-leak", "nope"]);
    juju.ok(&["config", "consumer", &format!("token={}", user.trim())]);
    juju.ok(&["update-secret", "user-leak", &format!("pwd=third-{MARKER}")]);
    for format in ["yaml", "json"] {
        juju.ok(&["show-secret", "user-leak", "--format", format]);
        juju.ok(&["show-secret", &id, "--revisions", "--format", format]);
        juju.ok(&["secrets", "--format", format]);
    }
    juju.ok(&["secrets"]);
    let _ = juju.cmd(&["show-secret", "user-leak", "--reveal", "--revisions"]);
    juju.ok(&["revoke-secret", "user-leak", "consumer"]);
    juju.ok(&["status", "--format", "json"]);
    juju.ok(&["status"]);
    juju.ok(&["show-unit", "owner/0", "--format", "json"]);
    juju.ok(&["advance-clock", "1h"]);
    let log = juju.ok(&["debug-log", "--replay", "--no-tail"]);
    juju.ok(&["remove-secret", "user-leak"]);
    // The test can fail: the content did flow where it may.
    assert!(
        fs::read_to_string(out.join("got-2"))
            .unwrap()
            .contains(MARKER)
    );
    assert!(
        fs::read_to_string(out.join("c-1"))
            .unwrap()
            .contains(MARKER)
    );
    assert!(
        fs::read_to_string(out.join("in-hook"))
            .unwrap()
            .contains(MARKER)
    );
    let revealed = juju.ok(&["show-secret", &id, "--reveal"]);
    assert!(revealed.contains(MARKER), "{revealed}");
    // Nowhere else: not in any command's output, debug-log, nor any file of the model outside
    // the store (task records, unit logs and records, requests).
    let b64 = base64::prelude::BASE64_STANDARD.encode(MARKER);
    for (args, text) in &juju.seen() {
        if args.iter().any(|a| a == "--reveal") {
            continue;
        }
        assert!(
            !text.contains(MARKER),
            "{args:?} printed the content: {text}"
        );
        assert!(
            !text.contains(&b64),
            "{args:?} printed the encoded content: {text}"
        );
    }
    assert!(!log.contains(MARKER), "debug-log: {log}");
    let mut found = Vec::new();
    let models = juju.home.path().join("models");
    files_with(&models, MARKER.as_bytes(), &juju.store_dir(), &mut found);
    files_with(&models, b64.as_bytes(), &juju.store_dir(), &mut found);
    assert_eq!(found, Vec::<PathBuf>::new());
    let tasks = fs::read_dir(models.join("m/tasks")).unwrap().count();
    assert!(tasks > 3, "the task records were checked");
    // The store itself holds the content only encoded.
    let mut plain = Vec::new();
    files_with(
        &juju.store_dir(),
        MARKER.as_bytes(),
        Path::new("/"),
        &mut plain,
    );
    assert_eq!(plain, Vec::<PathBuf>::new());
}

/// A Python charm using `ops`'s secret API (`ops==3.9.0` from PyPI, installed once under the
/// target dir), deployed as a provider and a requirer: it adds an application secret with a
/// rotation policy and a unit secret that expires, grants the first through the relation,
/// reads it on the other side with a label, refreshes in `secret-changed`, removes obsolete
/// revisions in `secret-remove`, rotates in `secret-rotate`, and reads a user secret from a
/// `secret` config option: `ops` runs the tools unmodified (`key#file=` content, RFC 3339
/// expiry, JSON output, `JUJU_SECRET_*`).
const OPS_CHARM: &str = r#"#!/usr/bin/env python3
import datetime
import json
import pathlib

import ops

OUT = pathlib.Path('@OUT@')


def log(**fields):
    with (OUT / 'events').open('a') as f:
        f.write(json.dumps(fields, sort_keys=True) + '\n')


class Charm(ops.CharmBase):
    def __init__(self, framework):
        super().__init__(framework)
        framework.observe(self.on.share_relation_joined, self._share_joined)
        framework.observe(self.on.use_relation_changed, self._use_changed)
        framework.observe(self.on.update_action, self._update)
        framework.observe(self.on.secret_changed, self._changed)
        framework.observe(self.on.secret_rotate, self._rotate)
        framework.observe(self.on.secret_remove, self._remove)
        framework.observe(self.on.secret_expired, self._expired)
        framework.observe(self.on.config_changed, self._config)

    def _share_joined(self, event):
        if not self.unit.is_leader():
            return
        try:
            secret = self.model.get_secret(label='db')
        except ops.SecretNotFoundError:
            secret = self.app.add_secret(
                {'password': 'p1'}, label='db', rotate=ops.SecretRotate.HOURLY
            )
        secret.grant(event.relation)
        event.relation.data[self.app]['secret-id'] = secret.id
        info = secret.get_info()
        log(unit=self.unit.name, hook='share-joined', id=secret.id, label=info.label,
            revision=info.revision, rotation=str(info.rotation))
        self.unit.add_secret({'token': 't1'}, label='short', expire=datetime.timedelta(minutes=30))

    def _use_changed(self, event):
        secret_id = event.relation.data[event.app].get('secret-id')
        if secret_id:
            content = self.model.get_secret(id=secret_id, label='mine').get_content()
            log(unit=self.unit.name, hook='use-changed', content=content)

    def _update(self, event):
        self.model.get_secret(label='db').set_content({'password': 'p2'})
        event.set_results({'done': 'yes'})

    def _changed(self, event):
        before = event.secret.get_content()
        after = event.secret.get_content(refresh=True)
        log(unit=self.unit.name, hook='secret-changed', label=event.secret.label,
            before=before, after=after)

    def _rotate(self, event):
        event.secret.set_content({'password': 'rotated'})
        log(unit=self.unit.name, hook='secret-rotate', label=event.secret.label)

    def _remove(self, event):
        log(unit=self.unit.name, hook='secret-remove', label=event.secret.label,
            revision=event.revision)
        event.remove_revision()

    def _expired(self, event):
        log(unit=self.unit.name, hook='secret-expired', label=event.secret.label,
            revision=event.revision)
        event.secret.remove_all_revisions()

    def _config(self, event):
        token = self.config.get('token')
        if token:
            log(unit=self.unit.name, hook='config-changed',
                token=self.model.get_secret(id=str(token)).get_content())


if __name__ == '__main__':
    ops.main(Charm)
"#;

#[test]
fn an_ops_charm_uses_secrets_unmodified() {
    let juju = Juju::with_charms();
    let out = juju.out();
    let path = juju.work().join("opsec.charm");
    let charm_py = OPS_CHARM.replace("@OUT@", &out.display().to_string());
    let dispatch = "#!/bin/sh\nJUJU_DISPATCH_PATH=\"${JUJU_DISPATCH_PATH:-$0}\" PYTHONPATH=lib:venv exec ./src/charm.py\n";
    let files: [(&str, &str, u32); 6] = [
        ("manifest.yaml", support::MANIFEST, 0o644),
        (
            "metadata.yaml",
            "name: opsec\nsummary: s\ndescription: d\nprovides:\n  share: {interface: share}\nrequires:\n  use: {interface: share}\n",
            0o644,
        ),
        (
            "config.yaml",
            "options: {token: {type: secret, description: a user secret}}\n",
            0o644,
        ),
        (
            "actions.yaml",
            "update: {description: new content}\n",
            0o644,
        ),
        ("dispatch", dispatch, 0o755),
        ("src/charm.py", charm_py.as_str(), 0o755),
    ];
    let entries: Vec<support::Entry<'_>> = files
        .iter()
        .map(|(name, text, mode)| (*name, text.as_bytes(), *mode))
        .collect();
    // `ops` from PyPI, installed once under the target dir, as the charm's `venv/`.
    let venv = support::pip_target("ops-venv", &[support::OPS]);
    support::zip_trees(&path, &[(&venv, "venv/")], &entries);
    let charm = path.to_str().unwrap();
    juju.ok(&["deploy", charm, "prov"]);
    juju.ok(&["deploy", charm, "req"]);
    let events = || -> Vec<Value> {
        let text = fs::read_to_string(out.join("events")).unwrap_or_default();
        let _ = fs::remove_file(out.join("events"));
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let integrated = juju.cmd(&["integrate", "prov:share", "req:use"]);
    let err = String::from_utf8_lossy(&integrated.stderr);
    assert!(integrated.status.success() && err.is_empty(), "{err}");
    let got = events();
    let joined = got.iter().find(|e| e["hook"] == "share-joined").unwrap();
    let id = joined["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("secret://"), "{joined}");
    assert_eq!(joined["label"], "db");
    assert_eq!(joined["revision"], 1);
    assert_eq!(joined["rotation"], "SecretRotate.HOURLY");
    let changed = got.iter().find(|e| e["hook"] == "use-changed").unwrap();
    assert_eq!(changed["content"], json!({"password": "p1"}));
    // An action's new content: the requirer refreshes in secret-changed, then the provider
    // removes the revision nobody tracks.
    let task = juju.json(&["run", "prov/0", "update", "--format", "json"]);
    assert_eq!(task["prov/0"]["status"], "completed", "{task}");
    assert_eq!(
        events(),
        [
            json!({"unit": "req/0", "hook": "secret-changed", "label": "mine", "before": {"password": "p1"}, "after": {"password": "p2"}}),
            json!({"unit": "prov/0", "hook": "secret-remove", "label": "db", "revision": 1}),
        ]
    );
    // The model clock: the unit secret expires, the application secret rotates.
    juju.ok(&["advance-clock", "61m"]);
    assert_eq!(
        events(),
        [
            json!({"unit": "prov/0", "hook": "secret-expired", "label": "short", "revision": 1}),
            json!({"unit": "prov/0", "hook": "secret-rotate", "label": "db"}),
            json!({"unit": "req/0", "hook": "secret-changed", "label": "mine", "before": {"password": "p2"}, "after": {"password": "rotated"}}),
            json!({"unit": "prov/0", "hook": "secret-remove", "label": "db", "revision": 2}),
        ]
    );
    let ids: Vec<String> = juju
        .json(&["secrets", "--format", "json"])
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(ids, [xid(&id)], "the expired unit secret was removed");
    // A user secret in a `secret` config option, read after grant-secret.
    let uri = juju.ok(&["add-secret", "cfg", "value=hello"]);
    juju.ok(&["grant-secret", "cfg", "req"]);
    juju.ok(&["config", "req", &format!("token={}", uri.trim())]);
    assert_eq!(
        events(),
        [json!({"unit": "req/0", "hook": "config-changed", "token": {"value": "hello"}})]
    );
}
