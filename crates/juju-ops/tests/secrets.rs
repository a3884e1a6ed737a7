//! Secrets: the runtime's checks and calls against an in-memory Juju written here that records
//! every hook-tool call; the argv and content file the real hook tools get, through stub
//! executables; the harness's secrets with Juju's rules; and that no secret value reaches an
//! error, a `Debug` output or a log line.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use juju_ops::testing::{
    Context, Event, Output, Relation as TestRelation, RunError, Secret as TestSecret, State,
};
use juju_ops::tools::Subprocess;
use juju_ops::{
    Charm, Dispatch, Endpoint, Expire, HandlerResult, Hook, HookTools, LogLevel, Outcome, Relation,
    Role, RotatePolicy, Secret, SecretContent, SecretEnv, SecretError, SecretEvent, SecretInfo,
    SecretKind, SecretLookup, SecretOptions, SecretOwner, SecretRead, StatusName, StatusTarget,
    ToolError, ToolErrorKind, Unit, UnitEnv,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// A value no output may show.
const VALUE: &str = "xyzzy-hunter2-4711";

const ID: &str = "secret:cj4v5vm78ohs79o84r4g";
const OTHER_ID: &str = "secret:d0l7vlu78ohs79o84r50";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Credentials {
    username: String,
    password: String,
}

fn creds(password: &str) -> Credentials {
    Credentials {
        username: "app".into(),
        password: password.into(),
    }
}

/// A content type whose `port` does not decode from a password.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct WithPort {
    username: String,
    password: u16,
}

/// A content type whose `password` is an enum: serde's message about it quotes the value.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct WithLevel {
    password: Level,
}

#[derive(Debug, Deserialize)]
enum Level {
    Low,
}

struct Database;

impl Endpoint for Database {
    const NAME: &'static str = "database";
    const INTERFACE: &'static str = "postgresql_client";
    const ROLE: Role = Role::Requires;
}

// ---------------------------------------------------------------------------------------------
// The in-memory Juju.

struct FakeSecret {
    owner: Option<SecretOwner>,
    content: SecretContent,
}

/// Juju for one unit, `app/0`, with secrets, recording every call as a command line.
#[derive(Default)]
struct FakeJuju {
    leader: bool,
    secrets: BTreeMap<String, FakeSecret>,
    calls: Vec<String>,
    logs: Vec<String>,
}

fn id_of(s: &str) -> String {
    Secret(s.to_owned()).id().to_owned()
}

fn not_found(tool: &str, what: &str) -> ToolError {
    ToolError {
        argv: vec![tool.into()],
        kind: ToolErrorKind::Failed {
            code: Some(1),
            stderr: format!("ERROR secret {what:?} not found\n"),
        },
    }
}

impl FakeJuju {
    fn with_secrets() -> FakeJuju {
        let mut juju = FakeJuju {
            leader: true,
            ..FakeJuju::default()
        };
        juju.secrets.insert(
            id_of(ID),
            FakeSecret {
                owner: Some(SecretOwner::Application),
                content: SecretContent::encode(&creds(VALUE)).unwrap(),
            },
        );
        juju.secrets.insert(
            id_of(OTHER_ID),
            FakeSecret {
                owner: None,
                content: SecretContent::from_pairs([("token", VALUE)]),
            },
        );
        juju
    }

    fn call(&mut self, line: String) {
        self.calls.push(line);
    }
}

impl HookTools for FakeJuju {
    fn action_get(&mut self) -> Result<Value, ToolError> {
        Ok(Value::Object(Map::new()))
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
        self.logs.push(format!("{level} {message}"));
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
        self.call("is-leader".into());
        Ok(self.leader)
    }

    fn secret_add(
        &mut self,
        owner: SecretOwner,
        content: &SecretContent,
        options: &SecretOptions,
    ) -> Result<String, ToolError> {
        self.call(format!(
            "secret-add --owner {owner} {:?} {}",
            options.label,
            content.keys().collect::<Vec<_>>().join(",")
        ));
        let id = "d0l7vlu78ohs79o84r5g".to_owned();
        self.secrets.insert(
            id.clone(),
            FakeSecret {
                owner: Some(owner),
                content: content.clone(),
            },
        );
        Ok(format!(
            "secret://deadbeef-1bad-500d-9000-4b1d0d06f00d/{id}"
        ))
    }

    fn secret_get(
        &mut self,
        id: Option<&str>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent, ToolError> {
        self.call(format!("secret-get {id:?} {label:?} {read:?}"));
        let id = id.ok_or_else(|| not_found("secret-get", label.unwrap_or_default()))?;
        self.secrets
            .get(&id_of(id))
            .map(|s| s.content.clone())
            .ok_or_else(|| not_found("secret-get", id))
    }

    fn secret_set(
        &mut self,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<(), ToolError> {
        self.call(format!(
            "secret-set {id} content={} {options:?}",
            content.is_some()
        ));
        if let (Some(secret), Some(content)) = (self.secrets.get_mut(&id_of(id)), content) {
            secret.content = content.clone();
        }
        Ok(())
    }

    fn secret_grant(
        &mut self,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        self.call(format!("secret-grant {id} -r {relation_id} {unit:?}"));
        Ok(())
    }

    fn secret_revoke(
        &mut self,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        self.call(format!("secret-revoke {id} -r {relation_id} {unit:?}"));
        Ok(())
    }

    fn secret_remove(&mut self, id: &str, revision: Option<u32>) -> Result<(), ToolError> {
        self.call(format!("secret-remove {id} {revision:?}"));
        Ok(())
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, ToolError> {
        self.call("secret-ids".into());
        Ok(self
            .secrets
            .iter()
            .filter(|(_, s)| s.owner.is_some())
            .map(|(id, _)| id.clone())
            .collect())
    }

    fn secret_info_get(
        &mut self,
        id: Option<&str>,
        label: Option<&str>,
    ) -> Result<SecretInfo, ToolError> {
        self.call(format!("secret-info-get {id:?} {label:?}"));
        let id = id.map(id_of).unwrap_or_default();
        match self.secrets.get(&id) {
            Some(FakeSecret {
                owner: Some(owner), ..
            }) if *owner == SecretOwner::Unit || self.leader => Ok(SecretInfo {
                id: Secret(format!("secret:{id}")),
                label: None,
                revision: 1,
                owner: *owner,
                description: None,
                rotation: None,
                expiry: None,
                rotates: None,
                access: Vec::new(),
            }),
            _ => Err(not_found("secret-info-get", &id)),
        }
    }
}

fn env(secret: Option<SecretEnv>) -> UnitEnv {
    UnitEnv {
        unit_name: "app/0".into(),
        model_name: "test".into(),
        secret,
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

fn secret(s: &str) -> Secret {
    Secret(s.to_owned())
}

fn database() -> Relation<Database> {
    Relation::new(3, "pg")
}

// ---------------------------------------------------------------------------------------------
// The runtime: what is checked before a tool runs, and the calls made.

#[test]
fn adding_a_secret_checks_keys_and_leadership_first() {
    let mut juju = FakeJuju::with_secrets();
    let added = with_unit(&mut juju, |unit| {
        unit.add_secret(
            SecretOwner::Application,
            &creds(VALUE),
            &SecretOptions::new().label("creds"),
        )
        .unwrap()
    });
    // The URI as Juju printed it, checked.
    assert_eq!(added.id(), "d0l7vlu78ohs79o84r5g");
    assert_eq!(
        juju.calls,
        [
            "is-leader",
            "secret-add --owner application Some(\"creds\") password,username"
        ]
    );

    // A bad key, empty content, a value that is not a map: refused before any call.
    let mut juju = FakeJuju::with_secrets();
    let errors = with_unit(&mut juju, |unit| {
        let mut bad_key = BTreeMap::new();
        bad_key.insert("Password".to_owned(), VALUE.to_owned());
        [
            unit.add_secret(SecretOwner::Unit, &bad_key, &SecretOptions::new()),
            unit.add_secret(
                SecretOwner::Unit,
                &BTreeMap::<String, String>::new(),
                &SecretOptions::new(),
            ),
            unit.add_secret(SecretOwner::Unit, VALUE, &SecretOptions::new()),
            unit.add_secret(
                SecretOwner::Unit,
                &creds("x"),
                &SecretOptions::new().expire(Expire::In(std::time::Duration::ZERO)),
            ),
        ]
        .map(|r| r.unwrap_err().to_string())
    });
    assert!(juju.calls.is_empty(), "{:?}", juju.calls);
    assert!(
        errors[0].starts_with("secret key \"Password\" not valid"),
        "{}",
        errors[0]
    );
    assert_eq!(
        errors[1],
        "secret content must not be empty: Juju requires at least one key"
    );
    assert_eq!(
        errors[2],
        "secret content is written from a struct with named fields or a map, not a string"
    );
    assert!(errors[3].contains("must be positive"), "{}", errors[3]);

    // An application's secret on a unit that is not the leader: Juju's message, no secret-add.
    let mut juju = FakeJuju::with_secrets();
    juju.leader = false;
    let err = with_unit(&mut juju, |unit| {
        unit.add_secret(SecretOwner::Application, &creds("x"), &SecretOptions::new())
            .unwrap_err()
    });
    assert!(matches!(err, SecretError::NotLeader));
    assert_eq!(err.to_string(), "this unit is not the leader");
    assert_eq!(juju.calls, ["is-leader"]);
}

#[test]
fn content_is_read_by_uri_label_or_config_option_as_a_type() {
    #[derive(Deserialize)]
    struct Config {
        api_token: Secret,
    }
    let mut juju = FakeJuju::with_secrets();
    let (creds_read, token, by_label, peeked, refreshed) = with_unit(&mut juju, |unit| {
        let config: Config = serde_json::from_value(json!({ "api_token": OTHER_ID })).unwrap();
        let token: BTreeMap<String, String> = unit.secret_content(&config.api_token).unwrap();
        let creds_read: Credentials = unit.secret_content(secret(ID)).unwrap();
        let by_label = unit
            .secret_content::<SecretContent>(SecretLookup::label("creds"))
            .unwrap_err()
            .to_string();
        let peeked: SecretContent = unit
            .peek_secret_content(SecretLookup::id_with_label(&secret(ID), "db"))
            .unwrap();
        let refreshed: SecretContent = unit.refresh_secret_content(secret(ID)).unwrap();
        (creds_read, token, by_label, peeked, refreshed)
    });
    assert_eq!(creds_read, creds(VALUE));
    assert_eq!(token["token"], VALUE);
    assert!(by_label.contains("not found"), "{by_label}");
    assert_eq!(peeked.get("password"), Some(VALUE));
    assert_eq!(refreshed.len(), 2);
    assert_eq!(
        juju.calls,
        [
            format!("secret-get Some({OTHER_ID:?}) None Tracked"),
            format!("secret-get Some({ID:?}) None Tracked"),
            "secret-get None Some(\"creds\") Tracked".to_owned(),
            format!("secret-get Some({ID:?}) Some(\"db\") Peek"),
            format!("secret-get Some({ID:?}) None Refresh"),
        ]
    );

    // A config value that is not a URI, and a type the content does not decode into.
    let mut juju = FakeJuju::with_secrets();
    let (bad_uri, bad_type) = with_unit(&mut juju, |unit| {
        let bad_uri = unit
            .secret_content::<SecretContent>(&secret("secret:nope"))
            .unwrap_err();
        let bad_type = unit.secret_content::<WithPort>(&secret(ID)).unwrap_err();
        (bad_uri.to_string(), bad_type)
    });
    assert_eq!(bad_uri, "secret URI \"secret:nope\" not valid");
    assert_eq!(
        bad_type.to_string(),
        format!(
            "secret {ID}: the value of key \"password\" does not decode as its field's type (the value is not shown)"
        )
    );
    assert_eq!(juju.calls.len(), 1, "{:?}", juju.calls);
}

#[test]
fn managing_a_secret_asks_who_owns_it_first() {
    // The leader manages its application's secret.
    let mut juju = FakeJuju::with_secrets();
    with_unit(&mut juju, |unit| {
        let s = secret(ID);
        unit.set_secret_content(&s, &creds("new")).unwrap();
        unit.set_secret_info(&s, &SecretOptions::new().rotate(RotatePolicy::Daily))
            .unwrap();
        unit.grant_secret(&s, &database()).unwrap();
        unit.grant_secret_to_unit(&s, &database(), "pg/1").unwrap();
        unit.revoke_secret_from_unit(&s, &database(), "pg/1")
            .unwrap();
        unit.revoke_secret(&s, &database()).unwrap();
        unit.remove_secret_revision(&s, 2).unwrap();
        unit.remove_secret(&s).unwrap();
    });
    let managing: Vec<&String> = juju
        .calls
        .iter()
        .filter(|c| !c.starts_with("secret-info-get") && *c != "is-leader")
        .collect();
    assert_eq!(
        managing,
        [
            &format!(
                "secret-set {ID} content=true SecretOptions {{ label: None, description: None, expire: None, rotate: None }}"
            ),
            &format!(
                "secret-set {ID} content=false SecretOptions {{ label: None, description: None, expire: None, rotate: Some(Daily) }}"
            ),
            &format!("secret-grant {ID} -r 3 None"),
            &format!("secret-grant {ID} -r 3 Some(\"pg/1\")"),
            &format!("secret-revoke {ID} -r 3 Some(\"pg/1\")"),
            &format!("secret-revoke {ID} -r 3 None"),
            &format!("secret-remove {ID} Some(2)"),
            &format!("secret-remove {ID} None"),
        ]
    );
    assert_eq!(
        juju.calls
            .iter()
            .filter(|c| c.starts_with("secret-info-get"))
            .count(),
        8
    );

    // Not the leader: an application's secret is not its to manage; nothing is changed.
    let mut juju = FakeJuju::with_secrets();
    juju.leader = false;
    let errors = with_unit(&mut juju, |unit| {
        let s = secret(ID);
        [
            unit.set_secret_content(&s, &creds("new")),
            unit.grant_secret(&s, &database()),
            unit.remove_secret(&s),
        ]
        .map(|r| r.unwrap_err())
    });
    for err in &errors {
        assert!(
            matches!(err, SecretError::NotOwned { leader: false, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("this unit is not the leader"),
            "{err}"
        );
    }
    assert!(
        juju.calls
            .iter()
            .all(|c| c.starts_with("secret-info-get") || c == "is-leader"),
        "{:?}",
        juju.calls
    );

    // A secret granted to this unit: not its to manage, even on the leader.
    let mut juju = FakeJuju::with_secrets();
    let err = with_unit(&mut juju, |unit| {
        unit.set_secret_content(&secret(OTHER_ID), &creds("x"))
            .unwrap_err()
    });
    assert!(
        matches!(err, SecretError::NotOwned { leader: true, .. }),
        "{err:?}"
    );
    assert!(!juju.calls.iter().any(|c| c.starts_with("secret-set")));
}

#[test]
fn arguments_juju_would_misread_are_refused_before_any_call() {
    let mut juju = FakeJuju::with_secrets();
    let errors = with_unit(&mut juju, |unit| {
        let s = secret(ID);
        [
            // `--revision 0` is every revision to Juju.
            unit.remove_secret_revision(&s, 0),
            unit.set_secret_info(&s, &SecretOptions::new()),
            unit.grant_secret_to_unit(&s, &database(), "other/1"),
            unit.revoke_secret_from_unit(&s, &database(), "pg"),
            unit.grant_secret(&secret("cj4v5vm78ohs79o84r4"), &database()),
        ]
        .map(|r| r.unwrap_err().to_string())
    });
    assert!(juju.calls.is_empty(), "{:?}", juju.calls);
    assert!(
        errors[0].contains("revision 0 does not exist"),
        "{}",
        errors[0]
    );
    assert!(errors[1].contains("nothing to set"), "{}", errors[1]);
    assert_eq!(
        errors[2],
        "cannot specify unit \"other/1\" in relation to application \"pg\""
    );
    assert_eq!(
        errors[3],
        "cannot specify unit \"pg\" in relation to application \"pg\""
    );
    assert_eq!(
        errors[4],
        "secret URI not valid: a string of 19 characters that does not start with \"secret:\" \
         (not shown, in case it is a secret value)"
    );
}

#[test]
fn owned_ids_are_read_as_uris() {
    let mut juju = FakeJuju::with_secrets();
    let ids = with_unit(&mut juju, |unit| unit.secret_ids().unwrap());
    assert_eq!(ids, [secret(ID)]);
    let info = with_unit(&mut juju, |unit| unit.secret_info(secret(ID)).unwrap());
    assert_eq!(info.owner, SecretOwner::Application);
}

/// What a secret hook's handler saw: the secret, its label and revision.
type Seen = Option<(Secret, Option<String>, Option<u32>)>;

/// Dispatches secret hook `hook` with `env`, recording what the handler saw.
fn run_secret_hook(kind: SecretKind, secret_env: Option<SecretEnv>) -> (Outcome, Seen, FakeJuju) {
    let seen = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&seen);
    let charm = Charm::new().on_secret(kind, move |event: &mut SecretEvent| {
        *sink.lock().unwrap() = Some((
            event.secret().clone(),
            event.label().map(str::to_owned),
            event.revision(),
        ));
        assert_eq!(event.kind(), kind);
        let _: SecretContent = event.peek_content()?;
        Ok(())
    });
    let mut juju = FakeJuju::with_secrets();
    let outcome = charm.dispatch(
        &Dispatch::Hook(kind.hook_name().into()),
        &mut juju,
        &env(secret_env),
    );
    let seen = seen.lock().unwrap().take();
    (outcome, seen, juju)
}

#[test]
fn secret_hooks_get_their_secret_from_the_environment() {
    let (outcome, seen, _) = run_secret_hook(
        SecretKind::Changed,
        Some(SecretEnv {
            id: secret(OTHER_ID),
            label: Some("token".into()),
            revision: None,
        }),
    );
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(seen, Some((secret(OTHER_ID), Some("token".into()), None)));

    let (outcome, seen, _) = run_secret_hook(
        SecretKind::Remove,
        Some(SecretEnv {
            id: secret(ID),
            label: None,
            revision: Some(2),
        }),
    );
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(seen, Some((secret(ID), None, Some(2))));

    // No secret, or no revision where Juju names one: the handler does not run.
    let (outcome, seen, juju) = run_secret_hook(SecretKind::Rotate, None);
    assert_eq!(
        outcome,
        Outcome::Errored {
            message: "hook \"secret-rotate\" ran without JUJU_SECRET_ID set".into()
        }
    );
    assert_eq!(seen, None);
    assert!(juju.logs[0].contains("JUJU_SECRET_ID"), "{:?}", juju.logs);
    let (outcome, seen, _) = run_secret_hook(
        SecretKind::Expired,
        Some(SecretEnv {
            id: secret(ID),
            label: None,
            revision: None,
        }),
    );
    assert!(
        matches!(&outcome, Outcome::Errored { message } if message.contains("JUJU_SECRET_REVISION")),
        "{outcome:?}"
    );
    assert_eq!(seen, None);
}

// ---------------------------------------------------------------------------------------------
// The real hook tools: argv and the content file, through stub executables.

/// A stub that records its arguments (one a line), and, for the path after `--file`, the
/// path, the file's content and its mode; then prints `output` and exits with `code`.
fn stub(dir: &Path, name: &str, output: &str, code: i32) {
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\n\
         printf '%s\\n' \"$@\" > '{d}/{name}.args'\n\
         prev=''\n\
         for a in \"$@\"; do\n\
           if [ \"$prev\" = '--file' ]; then\n\
             cp \"$a\" '{d}/{name}.content'\n\
             stat -c %a \"$a\" > '{d}/{name}.mode'\n\
             printf '%s' \"$a\" > '{d}/{name}.path'\n\
           fi\n\
           prev=\"$a\"\n\
         done\n\
         if [ {code} -ne 0 ]; then printf 'ERROR %s\\n' '{output}' >&2; exit {code}; fi\n\
         printf '%s' '{output}'\n",
        d = dir.display()
    );
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn read(dir: &Path, file: &str) -> String {
    fs::read_to_string(dir.join(file)).unwrap_or_default()
}

fn args_of(dir: &Path, name: &str) -> Vec<String> {
    read(dir, &format!("{name}.args"))
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn content_reaches_the_real_tools_in_a_private_file_never_in_argv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    stub(d, "secret-add", &format!("{ID}\n"), 0);
    stub(d, "secret-set", "", 0);
    let mut tools = Subprocess::with_tools_dir(d);
    let content = SecretContent::from_pairs([
        ("password", VALUE),
        ("multi-line", "a\nb \"c\" 'd' $HOME ☃"),
    ]);
    let options = SecretOptions::new()
        .label("-creds")
        .description("the db")
        .expire(Expire::In(std::time::Duration::from_secs(3600)))
        .rotate(RotatePolicy::Monthly);
    let uri = tools
        .secret_add(SecretOwner::Unit, &content, &options)
        .unwrap();
    assert_eq!(uri, ID);
    let args = args_of(d, "secret-add");
    let path = read(d, "secret-add.path");
    assert_eq!(
        args,
        [
            "--owner=unit",
            "--label=-creds",
            "--description=the db",
            "--expire=3600s",
            "--rotate=monthly",
            "--file",
            path.as_str(),
        ]
    );
    assert!(!args.iter().any(|a| a.contains(VALUE)), "{args:?}");
    assert_eq!(read(d, "secret-add.mode").trim(), "600");
    let written: BTreeMap<String, String> =
        serde_json::from_str(&read(d, "secret-add.content")).unwrap();
    assert_eq!(&written, content.expose());
    assert!(!Path::new(&path).exists(), "{path} was left behind");

    tools
        .secret_set(ID, Some(&content), &SecretOptions::new())
        .unwrap();
    let args = args_of(d, "secret-set");
    let path = read(d, "secret-set.path");
    assert_eq!(args, [ID, "--file", path.as_str()]);
    assert!(!Path::new(&path).exists());
    // Metadata only: no file.
    fs::remove_file(d.join("secret-set.path")).unwrap();
    tools
        .secret_set(ID, None, &SecretOptions::new().label("db"))
        .unwrap();
    assert_eq!(args_of(d, "secret-set"), [ID, "--label=db"]);
    assert!(read(d, "secret-set.path").is_empty());

    // The file is gone when the tool fails too.
    stub(d, "secret-add", "this unit is not the leader", 1);
    let err = tools
        .secret_add(SecretOwner::Application, &content, &SecretOptions::new())
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("ERROR this unit is not the leader"),
        "{err}"
    );
    assert!(!err.to_string().contains(VALUE));
    assert!(!Path::new(&read(d, "secret-add.path")).exists());
}

#[test]
fn the_other_secret_tools_get_juju_s_grammar() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut tools = Subprocess::with_tools_dir(d);
    stub(d, "secret-get", &format!(r#"{{"password":"{VALUE}"}}"#), 0);
    let got = tools
        .secret_get(Some(ID), Some("db"), SecretRead::Refresh)
        .unwrap();
    assert_eq!(got.get("password"), Some(VALUE));
    assert_eq!(
        args_of(d, "secret-get"),
        [ID, "--label=db", "--refresh", "--format=json"]
    );
    tools
        .secret_get(None, Some("db"), SecretRead::Peek)
        .unwrap();
    assert_eq!(
        args_of(d, "secret-get"),
        ["--label=db", "--peek", "--format=json"]
    );

    for (tool, call) in [
        ("secret-grant", 0),
        ("secret-grant", 1),
        ("secret-revoke", 0),
        ("secret-revoke", 1),
    ] {
        stub(d, tool, "", 0);
        let unit = (call == 1).then_some("pg/1");
        if tool == "secret-grant" {
            tools.secret_grant(ID, 3, unit).unwrap();
        } else {
            tools.secret_revoke(ID, 3, unit).unwrap();
        }
        let mut expected = vec![ID, "-r", "3"];
        expected.extend(unit.map(|_| "--unit=pg/1"));
        assert_eq!(args_of(d, tool), expected);
    }

    stub(d, "secret-remove", "", 0);
    tools.secret_remove(ID, Some(2)).unwrap();
    assert_eq!(args_of(d, "secret-remove"), [ID, "--revision=2"]);
    tools.secret_remove(ID, None).unwrap();
    assert_eq!(args_of(d, "secret-remove"), [ID]);

    stub(d, "secret-ids", r#"["cj4v5vm78ohs79o84r4g"]"#, 0);
    assert_eq!(tools.secret_ids().unwrap(), ["cj4v5vm78ohs79o84r4g"]);
    assert_eq!(args_of(d, "secret-ids"), ["--format=json"]);
    stub(d, "secret-ids", "null", 0);
    assert!(tools.secret_ids().unwrap().is_empty());

    stub(
        d,
        "secret-info-get",
        r#"{"cj4v5vm78ohs79o84r4g":{"revision":2,"label":"db","owner":"unit","rotation":"daily"}}"#,
        0,
    );
    let info = tools.secret_info_get(None, Some("db")).unwrap();
    assert_eq!(info.id, secret(ID));
    assert_eq!(info.revision, 2);
    assert_eq!(info.rotation, Some(RotatePolicy::Daily));
    assert_eq!(
        args_of(d, "secret-info-get"),
        ["--label=db", "--format=json"]
    );

    // What secret-get prints is the secret: a bad output is not quoted.
    for printed in [
        format!(r#"{{"password":"{VALUE}""#),
        format!(r#"{{"password":["{VALUE}"]}}"#),
        format!(r#"["{VALUE}"]"#),
    ] {
        stub(d, "secret-get", &printed, 0);
        let err = tools
            .secret_get(Some(ID), None, SecretRead::Tracked)
            .unwrap_err();
        assert!(
            matches!(err.kind, ToolErrorKind::BadOutput { .. }),
            "{err:?}"
        );
        assert!(!err.to_string().contains(VALUE), "{err}");
        assert!(!format!("{err:?}").contains(VALUE), "{err:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The harness.

const YAML: &str = r#"
name: app
requires:
  database: {interface: postgresql_client}
config:
  options:
    api-token: {type: secret, description: The API token.}
"#;

fn context(charm: Charm) -> Context {
    Context::from_yaml_str(charm, YAML).unwrap()
}

/// Runs `event` with a handler that calls `f` on the unit, and returns the run's result and
/// what `f` returned.
fn run_with<T: Send + 'static>(
    event: Event,
    state: State,
    f: impl Fn(&mut Unit) -> Result<T, SecretError> + Send + Sync + 'static,
) -> (Result<Output, RunError>, Option<Result<T, String>>) {
    let seen = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&seen);
    let charm = Charm::new().on(event.name(), move |event| {
        let result = f(event);
        let failed = result.as_ref().err().map(ToString::to_string);
        *sink.lock().unwrap() = Some(result.map_err(|e| e.to_string()));
        match failed {
            Some(message) => Err(message.into()),
            None => Ok(()),
        }
    });
    let result = context(charm).run(event, state);
    let value = seen.lock().unwrap().take();
    (result, value)
}

/// Like [`run_with`], for a run that must succeed.
fn run_ok<T: Send + 'static>(
    event: Event,
    state: State,
    f: impl Fn(&mut Unit) -> Result<T, SecretError> + Send + Sync + 'static,
) -> (Output, T) {
    let (result, value) = run_with(event, state, f);
    let output = result.unwrap_or_else(|e| panic!("{e}"));
    (output, value.unwrap().unwrap())
}

/// The error a run gave (the handler's, or the harness's).
fn run_err<T: Send + 'static>(
    event: Event,
    state: State,
    f: impl Fn(&mut Unit) -> Result<T, SecretError> + Send + Sync + 'static,
) -> (String, Output) {
    match run_with(event, state, f).0 {
        Err(RunError::HookFailed { message, output }) => (message, *output),
        other => panic!("expected a failed hook, got {other:?}"),
    }
}

#[test]
fn the_leader_creates_an_application_secret_and_grants_it() {
    let db = TestRelation::new("database").remote_app("pg");
    let state = State::default().relation(db.clone());
    let (out, (uri, ids, info)) = run_ok(Event::update_status(), state, |unit| {
        let uri = unit.add_secret(
            SecretOwner::Application,
            &creds("generated"),
            &SecretOptions::new()
                .label("creds")
                .description("db login")
                .rotate(RotatePolicy::Monthly),
        )?;
        let relation = unit.relations::<Database>().unwrap().remove(0);
        unit.grant_secret(&uri, &relation)?;
        // Visible within the hook that created it.
        let read: Credentials = unit.secret_content(&uri)?;
        assert_eq!(read, creds("generated"));
        let by_label: Credentials = unit.secret_content(SecretLookup::label("creds"))?;
        assert_eq!(by_label, read);
        let (ids, info) = (unit.secret_ids()?, unit.secret_info(&uri)?);
        Ok((uri, ids, info))
    });
    assert_eq!(ids, std::slice::from_ref(&uri));
    assert_eq!(info.revision, 1);
    assert_eq!(info.owner, SecretOwner::Application);
    assert_eq!(info.label.as_deref(), Some("creds"));
    assert_eq!(info.rotation, Some(RotatePolicy::Monthly));
    let created = out
        .state
        .get_secret(&uri)
        .expect("the secret is in the output");
    assert_eq!(created.owner, Some(SecretOwner::Application));
    assert_eq!(
        created.latest_content,
        SecretContent::encode(&creds("generated")).unwrap()
    );
    assert_eq!(created.latest_revision, 1);
    assert_eq!(created.label.as_deref(), Some("creds"));
    assert_eq!(created.description.as_deref(), Some("db login"));
    assert_eq!(created.remote_grants[&db.id], ["pg".to_owned()].into());

    // A unit that is not the leader: Juju's message, and no secret.
    let (message, out) = run_err(
        Event::update_status(),
        State::default().leader(false),
        |unit| unit.add_secret(SecretOwner::Application, &creds("x"), &SecretOptions::new()),
    );
    assert_eq!(message, "this unit is not the leader");
    assert!(out.state.secrets.is_empty());
    // Its own secret it may create.
    let (out, uri) = run_ok(
        Event::update_status(),
        State::default().leader(false),
        |unit| unit.add_secret(SecretOwner::Unit, &creds("x"), &SecretOptions::new()),
    );
    assert_eq!(
        out.state.get_secret(&uri).unwrap().owner,
        Some(SecretOwner::Unit)
    );
}

#[test]
fn a_consumer_keeps_its_revision_until_it_refreshes() {
    let token = TestSecret::new([("token", "old")]).latest_content([("token", "new")]);
    let state = State::default().secret(token.clone());
    let (out, reads) = run_ok(Event::update_status(), state.clone(), {
        let id = token.id.clone();
        move |unit| {
            let mut reads = Vec::new();
            for read in [0, 1, 0, 2, 0] {
                let content: SecretContent = match read {
                    0 => unit.secret_content(&id)?,
                    1 => unit.peek_secret_content(&id)?,
                    _ => unit.refresh_secret_content(&id)?,
                };
                reads.push(content.get("token").unwrap().to_owned());
            }
            Ok(reads)
        }
    });
    assert_eq!(reads, ["old", "new", "old", "new", "new"]);
    let after = out.state.get_secret(&token.id).unwrap();
    assert_eq!(after.tracked_revision, 2);
    assert_eq!(after.tracked_content.get("token"), Some("new"));

    // Juju moves the tracked revision at once: a hook that then fails keeps it moved.
    let (_, out) = run_err(Event::update_status(), state, {
        let id = token.id.clone();
        move |unit| {
            let _: SecretContent = unit.refresh_secret_content(&id)?;
            Err::<(), _>(SecretError::NotLeader)
        }
    });
    assert_eq!(out.state.get_secret(&token.id).unwrap().tracked_revision, 2);
}

#[test]
fn reading_follows_juju_s_rules_and_messages() {
    let revoked = TestSecret::new([("token", VALUE)]).revoked();
    let labelled = TestSecret::new([("token", VALUE)]).label("api");
    let state = State::default()
        .secret(revoked.clone())
        .secret(labelled.clone());
    let unknown = Secret(ID.into());
    let errors = [
        run_err(Event::update_status(), state.clone(), {
            let id = revoked.id.clone();
            move |unit| unit.secret_content::<SecretContent>(&id)
        }),
        run_err(Event::update_status(), state.clone(), move |unit| {
            unit.secret_content::<SecretContent>(&unknown)
        }),
        run_err(Event::update_status(), state.clone(), |unit| {
            unit.secret_content::<SecretContent>(SecretLookup::label("nope"))
        }),
        // secret-info-get lists owned secrets only.
        run_err(Event::update_status(), state.clone(), {
            let id = labelled.id.clone();
            move |unit| unit.secret_info(&id)
        }),
    ]
    .map(|(message, _)| message);
    assert!(
        errors[0].ends_with("ERROR permission denied"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].ends_with(&format!("ERROR secret \"{ID}\" not found")),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].ends_with("ERROR consumer label \"nope\" not found"),
        "{}",
        errors[2]
    );
    assert!(
        errors[3].ends_with(&format!("ERROR secret \"{}\" not found", labelled.id.id())),
        "{}",
        errors[3]
    );
    // A consumer label finds the secret.
    let (_, content) = run_ok(Event::update_status(), state, |unit| {
        unit.secret_content::<SecretContent>(SecretLookup::label("api"))
    });
    assert_eq!(content.get("token"), Some(VALUE));
}

#[test]
fn an_owner_s_new_content_is_a_new_revision_unless_it_is_the_same() {
    let owned = TestSecret::new([("token", "one")])
        .owner(SecretOwner::Unit)
        .label("mine");
    let state = State::default().leader(false).secret(owned.clone());
    let (out, (tracked, peeked)) = run_ok(Event::update_status(), state.clone(), {
        let id = owned.id.clone();
        move |unit| {
            unit.set_secret_content(&id, &BTreeMap::from([("token", "two")]))?;
            // Until the hook commits, the latest revision is still the first; --peek shows
            // the pending content.
            let tracked: SecretContent = unit.secret_content(&id)?;
            let peeked: SecretContent = unit.peek_secret_content(&id)?;
            Ok((tracked, peeked))
        }
    });
    assert_eq!(tracked.get("token"), Some("one"));
    assert_eq!(peeked.get("token"), Some("two"));
    let after = out.state.get_secret(&owned.id).unwrap();
    assert_eq!(after.latest_revision, 2);
    assert_eq!(after.latest_content.get("token"), Some("two"));

    // The same content again: Juju 3.6 makes no revision.
    let (out, ()) = run_ok(Event::update_status(), state, {
        let id = owned.id.clone();
        move |unit| unit.set_secret_content(&id, &BTreeMap::from([("token", "one")]))
    });
    assert_eq!(out.state.get_secret(&owned.id).unwrap().latest_revision, 1);
}

#[test]
fn changes_are_committed_only_when_the_hook_succeeds() {
    let db = TestRelation::new("database").remote_app("pg");
    let owned = TestSecret::new([("token", "one")])
        .owner(SecretOwner::Application)
        .remote_grant(&db, "pg/0");
    let state = State::default().relation(db.clone()).secret(owned.clone());
    let changes = {
        let id = owned.id.clone();
        move |unit: &mut Unit| -> Result<(), SecretError> {
            let relation = unit.relations::<Database>().unwrap().remove(0);
            unit.add_secret(SecretOwner::Unit, &creds("x"), &SecretOptions::new())?;
            unit.set_secret_content(&id, &BTreeMap::from([("token", "two")]))?;
            unit.set_secret_info(&id, &SecretOptions::new().description("d"))?;
            unit.revoke_secret_from_unit(&id, &relation, "pg/0")?;
            unit.remove_secret_revision(&id, 1)?;
            Ok(())
        }
    };
    let (out, ()) = run_ok(Event::update_status(), state.clone(), changes.clone());
    assert_eq!(out.state.secrets.len(), 2);
    let after = out.state.get_secret(&owned.id).unwrap();
    assert_eq!(after.latest_revision, 2);
    assert_eq!(after.description.as_deref(), Some("d"));
    assert!(after.remote_grants.is_empty(), "{:?}", after.remote_grants);
    assert_eq!(after.removed_revisions, [1].into());

    let (_, out) = run_err(Event::update_status(), state.clone(), move |unit| {
        changes(unit)?;
        Err::<(), _>(SecretError::NotLeader)
    });
    assert_eq!(out.state.secrets, state.secrets);

    // Removing every revision takes the secret out of the state.
    let (out, ()) = run_ok(Event::update_status(), state, {
        let id = owned.id.clone();
        move |unit| unit.remove_secret(&id)
    });
    assert!(out.state.secrets.is_empty());
}

#[test]
fn grants_follow_juju_s_rules() {
    let db = TestRelation::new("database").remote_app("pg");
    let owned = TestSecret::new([("token", "one")])
        .owner(SecretOwner::Unit)
        .remote_grant(&db, "pg/1");
    let state = State::default().relation(db.clone()).secret(owned.clone());
    let (message, _) = run_err(Event::update_status(), state.clone(), {
        let id = owned.id.clone();
        move |unit| {
            let relation = unit.relations::<Database>().unwrap().remove(0);
            unit.grant_secret(&id, &relation)
        }
    });
    assert!(
        message.ends_with(
            "ERROR any unit level grants need to be revoked before granting access to the corresponding application"
        ),
        "{message}"
    );
    // Granting a unit again changes nothing; another unit is added.
    let (out, ()) = run_ok(Event::update_status(), state, {
        let id = owned.id.clone();
        move |unit| {
            let relation = unit.relations::<Database>().unwrap().remove(0);
            unit.grant_secret_to_unit(&id, &relation, "pg/1")?;
            unit.grant_secret_to_unit(&id, &relation, "pg/2")
        }
    });
    assert_eq!(
        out.state.get_secret(&owned.id).unwrap().remote_grants[&db.id],
        ["pg/1".to_owned(), "pg/2".to_owned()].into()
    );
}

#[test]
fn a_label_another_secret_has_fails_the_hook_when_juju_commits() {
    let first = TestSecret::new([("token", "one")])
        .owner(SecretOwner::Unit)
        .label("taken");
    let state = State::default().secret(first);
    let (message, out) = run_err(Event::update_status(), state, |unit| {
        unit.add_secret(
            SecretOwner::Unit,
            &creds("x"),
            &SecretOptions::new().label("taken"),
        )
    });
    assert!(
        message.starts_with(
            "Juju could not commit the changes: secret with label \"taken\" already exists"
        ),
        "{message}"
    );
    assert_eq!(out.state.secrets.len(), 1);
}

#[test]
fn secret_events_get_juju_s_environment() {
    let token = TestSecret::new([("token", "old")])
        .latest_content([("token", "new")])
        .label("api");
    let owned = TestSecret::new([("token", "one")])
        .owner(SecretOwner::Application)
        .revisions(1, 3);
    let state = State::default().secret(token.clone()).secret(owned.clone());
    type Seen = Arc<Mutex<Vec<(SecretKind, Secret, Option<String>, Option<u32>)>>>;
    let seen: Seen = Arc::default();
    let handler = {
        let seen = Arc::clone(&seen);
        move |event: &mut SecretEvent| -> HandlerResult {
            seen.lock().unwrap().push((
                event.kind(),
                event.secret().clone(),
                event.label().map(str::to_owned),
                event.revision(),
            ));
            match event.kind() {
                SecretKind::Changed => {
                    let _: SecretContent = event.refresh_content()?;
                }
                SecretKind::Rotate => event.set_content(&BTreeMap::from([("token", "two")]))?,
                SecretKind::Expired | SecretKind::Remove => {
                    let revision = event.revision().expect("a revision");
                    event.remove_revision(revision)?;
                }
            }
            Ok(())
        }
    };
    let charm = SecretKind::ALL
        .into_iter()
        .fold(Charm::new(), |charm, kind| {
            charm.on_secret(kind, handler.clone())
        });
    let mut ctx = context(charm);
    let out = ctx
        .run(Event::secret_changed(&token), state.clone())
        .unwrap();
    assert_eq!(out.state.get_secret(&token.id).unwrap().tracked_revision, 2);
    let out = ctx
        .run(Event::secret_rotate(&owned), state.clone())
        .unwrap();
    assert_eq!(out.state.get_secret(&owned.id).unwrap().latest_revision, 4);
    let out = ctx
        .run(Event::secret_expired(&owned, 3), state.clone())
        .unwrap();
    assert_eq!(
        out.state.get_secret(&owned.id).unwrap().removed_revisions,
        [3].into()
    );
    ctx.run(Event::secret_remove(&owned, 2), state).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (
                SecretKind::Changed,
                token.id.clone(),
                Some("api".to_owned()),
                None
            ),
            (SecretKind::Rotate, owned.id.clone(), None, None),
            (SecretKind::Expired, owned.id.clone(), None, Some(3)),
            (SecretKind::Remove, owned.id.clone(), None, Some(2)),
        ]
    );
    // The environment itself.
    let env = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&env);
    let charm = Charm::new().on("secret-remove", move |event| {
        *sink.lock().unwrap() = event.env().secret.clone();
        Ok(())
    });
    context(charm)
        .run(
            Event::secret_remove(&owned, 2),
            State::default().secret(owned.clone()),
        )
        .unwrap();
    assert_eq!(
        env.lock().unwrap().take(),
        Some(SecretEnv {
            id: owned.id.clone(),
            label: None,
            revision: Some(2)
        })
    );
}

/// The problems the harness finds with `event` and `state`.
fn problems(event: Event, state: State) -> Vec<String> {
    let charm = Charm::new().on(event.name(), |_| Ok(()));
    match context(charm).run(event, state) {
        Err(RunError::Inconsistent { problems }) => problems,
        other => panic!("expected an inconsistent run, got {other:?}"),
    }
}

#[test]
fn states_and_events_juju_could_not_produce_are_refused() {
    let consumed = TestSecret::new([("token", "a")]);
    let owned = TestSecret::new([("token", "a")]).owner(SecretOwner::Application);
    let state = State::default()
        .secret(consumed.clone())
        .secret(owned.clone());
    let cases: Vec<(Event, State, &str)> = vec![
        (
            Event::secret_changed(&owned),
            state.clone(),
            "Juju runs secret-changed on the units a secret is granted to",
        ),
        (
            Event::secret_changed(&consumed),
            state.clone(),
            "when a revision newer than the tracked one exists",
        ),
        (
            Event::secret_rotate(&consumed),
            state.clone(),
            "Juju runs secret-rotate on a secret's owner",
        ),
        (
            Event::secret_rotate(&owned),
            state.clone().leader(false),
            "for an application's secret on the leader only",
        ),
        (
            Event::secret_expired(&owned, 2),
            state.clone(),
            "names revision 2",
        ),
        (
            Event::secret_remove(&TestSecret::new([("token", "a")]), 1),
            state.clone(),
            "which is not in the state",
        ),
        (
            Event::hook("secret-changed"),
            state.clone(),
            "build the event with Event::secret_changed(&secret)",
        ),
        (
            Event::update_status(),
            state.clone().config("api-token", "secret:nope"),
            "config option \"api-token\" is of type secret",
        ),
        (
            Event::update_status(),
            State::default().secret(TestSecret::new([("Token", "a")])),
            "has the key \"Token\", which Juju refuses",
        ),
        (
            Event::update_status(),
            State::default().secret(TestSecret::new([("token", "a")]).id("secret:x")),
            "is not a secret URI",
        ),
        (
            Event::update_status(),
            State::default().secret(TestSecret::new(Vec::<(String, String)>::new())),
            "tracked_content is empty",
        ),
        (
            Event::update_status(),
            State::default().secret(
                TestSecret::new([("token", "a")])
                    .remote_grant(&TestRelation::new("database").remote_app("pg"), "pg"),
            ),
            "only its owner grants a secret",
        ),
        (
            Event::update_status(),
            State::default()
                .secret(consumed.clone())
                .secret(consumed.clone()),
            "have the same id",
        ),
    ];
    for (event, state, expected) in cases {
        let found = problems(event.clone(), state);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{event:?}: expected {expected:?} in {found:#?}"
        );
    }
    // And what Juju can produce runs.
    let ok = State::default()
        .secret(consumed.clone().latest_content([("token", "b")]))
        .secret(owned.clone())
        .config("api-token", consumed.id.as_str());
    let charm = Charm::new().on_secret(SecretKind::Changed, |_| Ok(()));
    context(charm)
        .run(
            Event::secret_changed(&consumed.clone().latest_content([("token", "b")])),
            ok,
        )
        .unwrap();
}

#[test]
fn a_secret_config_option_is_read_as_a_secret() {
    #[derive(Deserialize)]
    #[serde(rename_all = "kebab-case")]
    struct Config {
        api_token: Option<Secret>,
    }
    let token = TestSecret::new([("token", VALUE)]);
    let state = State::default()
        .secret(token.clone())
        .config("api-token", token.id.as_str());
    let (_, value) = run_ok(Event::config_changed(), state, |unit| {
        let config: Config = unit.config().unwrap();
        let content: BTreeMap<String, String> =
            unit.secret_content(config.api_token.expect("set"))?;
        Ok(content["token"].clone())
    });
    assert_eq!(value, VALUE);
}

// ---------------------------------------------------------------------------------------------
// No value in any error, Debug output or log line.

#[test]
fn no_secret_value_reaches_errors_debug_output_or_logs() {
    let mut outputs: Vec<String> = Vec::new();
    let mut record = |what: &str, text: String| outputs.push(format!("{what}: {text}"));

    // The runtime, against the recording Juju.
    let mut juju = FakeJuju::with_secrets();
    let errors = with_unit(&mut juju, |unit| {
        let mut bad = BTreeMap::new();
        bad.insert("Bad_Key".to_owned(), VALUE.to_owned());
        vec![
            unit.secret_content::<WithPort>(&secret(ID)).unwrap_err(),
            unit.secret_content::<WithLevel>(&secret(ID)).unwrap_err(),
            unit.add_secret(SecretOwner::Unit, &bad, &SecretOptions::new())
                .unwrap_err(),
            unit.add_secret(SecretOwner::Unit, VALUE, &SecretOptions::new())
                .unwrap_err(),
            unit.set_secret_content(&secret(OTHER_ID), &creds(VALUE))
                .unwrap_err(),
            unit.secret_content::<Credentials>(&secret(OTHER_ID))
                .unwrap_err(),
            // A value put where a URI belongs.
            unit.secret_content::<Credentials>(&secret(VALUE))
                .unwrap_err(),
        ]
    });
    for err in &errors {
        record("runtime error", err.to_string());
        record("runtime error debug", format!("{err:?}"));
    }
    record("runtime calls", format!("{:?}", juju.calls));
    record(
        "content debug",
        format!("{:?}", SecretContent::from_pairs([("password", VALUE)])),
    );
    let test_secret = TestSecret::new([("password", VALUE)]).owner(SecretOwner::Unit);
    record("harness secret debug", format!("{test_secret:?}"));

    // A handler whose error is a decode error: what the dispatcher logs and returns.
    let charm = Charm::new().on(Hook::UpdateStatus, |event| {
        let _: WithPort = event.secret_content(secret(ID))?;
        Ok(())
    });
    let mut juju = FakeJuju::with_secrets();
    let outcome = charm.dispatch(
        &Dispatch::Hook("update-status".into()),
        &mut juju,
        &env(None),
    );
    assert!(matches!(outcome, Outcome::Errored { .. }), "{outcome:?}");
    record("outcome", format!("{outcome:?}"));
    record("juju-log", format!("{:?}", juju.logs));

    // The harness: failing runs, their errors, logs and output state.
    let owned = TestSecret::new([("password", VALUE), ("username", "app")])
        .owner(SecretOwner::Unit)
        .label("creds");
    let state = State::default().secret(owned.clone());
    let charm = Charm::new()
        .on(Hook::UpdateStatus, {
            let id = owned.id.clone();
            move |event| {
                let _: WithPort = event.secret_content(&id)?;
                Ok(())
            }
        })
        .on(Hook::ConfigChanged, {
            let id = owned.id.clone();
            move |event| {
                let mut bad = BTreeMap::new();
                bad.insert("password!".to_owned(), VALUE.to_owned());
                event.set_secret_content(&id, &bad)?;
                Ok(())
            }
        })
        .on(Hook::Stop, {
            let id = owned.id.clone();
            move |event| {
                let _: WithLevel = event.secret_content(&id)?;
                Ok(())
            }
        })
        .on(Hook::Start, |event| {
            let huge = "x".repeat(800_000) + VALUE;
            event.add_secret(
                SecretOwner::Unit,
                &BTreeMap::from([("big", huge)]),
                &SecretOptions::new(),
            )?;
            Ok(())
        });
    let mut ctx = context(charm);
    for event in [
        Event::update_status(),
        Event::stop(),
        Event::config_changed(),
        Event::start(),
    ] {
        let err = ctx.run(event, state.clone()).unwrap_err();
        record("run error", err.to_string());
        record("run error debug", format!("{err:?}"));
        if let RunError::HookFailed { output, .. } = &err {
            record("log", format!("{:?}", output.juju_log));
            record("state debug", format!("{:?}", output.state));
        } else {
            panic!("expected a failed hook: {err}");
        }
    }
    assert!(outputs.len() > 15);
    for output in &outputs {
        assert!(!output.contains(VALUE), "a secret value leaked: {output}");
    }
    // The test can fail: the value is where it should be, and serde's own message about the
    // enum quotes it.
    assert!(format!("{:?}", owned.latest_content.expose()).contains(VALUE));
    let serde_message = serde_json::from_value::<Level>(json!(VALUE)).unwrap_err();
    assert!(serde_message.to_string().contains(VALUE));
}
