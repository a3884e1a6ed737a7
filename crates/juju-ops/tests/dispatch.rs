//! Dispatch routing, handler outcomes and hook-tool error mapping, against a recording backend
//! and against stub hook-tool executables.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use juju_ops::tools::Subprocess;
use juju_ops::{
    Action, ActionEvent, Charm, Dispatch, EventKind, HandlerResult, Hook, HookEvent, HookTools,
    LogLevel, Outcome, StatusName, StatusTarget, ToolError, ToolErrorKind, UnitEnv,
};
use serde_json::{Map, Value, json};

/// Records every hook-tool call; `action-get` answers with `params`.
#[derive(Default)]
struct Recorder {
    params: Value,
    calls: Vec<String>,
}

impl HookTools for Recorder {
    fn action_get(&mut self) -> Result<Value, ToolError> {
        self.calls.push("action-get".into());
        Ok(self.params.clone())
    }
    fn action_set(&mut self, pairs: &[(String, String)]) -> Result<(), ToolError> {
        let args: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.calls.push(format!("action-set {}", args.join(" ")));
        Ok(())
    }
    fn action_log(&mut self, message: &str) -> Result<(), ToolError> {
        self.calls.push(format!("action-log {message}"));
        Ok(())
    }
    fn action_fail(&mut self, message: &str) -> Result<(), ToolError> {
        self.calls.push(format!("action-fail {message}"));
        Ok(())
    }
    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), ToolError> {
        self.calls.push(format!("juju-log {level} {message}"));
        Ok(())
    }
    fn status_set(
        &mut self,
        target: StatusTarget,
        status: StatusName,
        message: &str,
    ) -> Result<(), ToolError> {
        self.calls.push(format!(
            "status-set{} {status} {message}",
            match target {
                StatusTarget::Unit => "",
                StatusTarget::Application => " --application",
            }
        ));
        Ok(())
    }
    fn application_version_set(&mut self, version: &str) -> Result<(), ToolError> {
        self.calls
            .push(format!("application-version-set {version}"));
        Ok(())
    }
    fn config_get(&mut self) -> Result<Map<String, Value>, ToolError> {
        self.calls.push("config-get".into());
        Ok(Map::new())
    }
    fn is_leader(&mut self) -> Result<bool, ToolError> {
        Ok(true)
    }
}

/// Echo the given text.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Echo {
    /// What to echo.
    text: String,
    /// How many times.
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

impl Action for Echo {
    const NAME: &'static str = "echo";
}

fn on_echo(event: &mut ActionEvent<Echo>) -> HandlerResult {
    match event.params().text.as_str() {
        "panic" => panic!("asked to panic"),
        "error" => return Err("the handler gave up".into()),
        "bad-key" => {
            event.set_results(&json!({"Bad_Key": 1}))?;
        }
        "fail" => {
            event.fail("failed on purpose")?;
            event.log("still running after fail")?;
        }
        text => {
            let echoed = vec![text; event.params().times as usize].join(" ");
            let message = format!("echoing in task {}", event.id());
            event.log(message)?;
            event.set_results(&json!({"echo": {"text": echoed, "times": event.params().times}}))?;
        }
    }
    Ok(())
}

fn on_install(event: &mut HookEvent) -> HandlerResult {
    event.set_status(StatusName::Maintenance, "installing")?;
    Ok(())
}

fn on_remove(_: &mut HookEvent) -> HandlerResult {
    panic!("remove exploded")
}

fn on_stop(_: &mut HookEvent) -> HandlerResult {
    Err("cannot stop".into())
}

fn charm() -> Charm {
    Charm::new()
        .action(on_echo)
        .on(Hook::Install, on_install)
        .on("db-relation-changed", on_install)
        .on(Hook::Remove, on_remove)
        .on(Hook::Stop, on_stop)
}

fn run(event: &str, params: Value) -> (Outcome, Vec<String>) {
    run_charm(&charm(), event, params)
}

fn run_charm(charm: &Charm, event: &str, params: Value) -> (Outcome, Vec<String>) {
    let event: Dispatch = event.parse().unwrap();
    let mut tools = Recorder {
        params,
        calls: Vec::new(),
    };
    let env = UnitEnv {
        action_id: "7".into(),
        ..UnitEnv::default()
    };
    let outcome = charm.dispatch(&event, &mut tools, &env);
    (outcome, tools.calls)
}

#[test]
fn dispatch_path_is_parsed_strictly() {
    assert_eq!(
        Dispatch::parse("hooks/install"),
        Ok(Dispatch::Hook("install".into()))
    );
    assert_eq!(
        Dispatch::parse("actions/do-it"),
        Ok(Dispatch::Action("do-it".into()))
    );
    for bad in ["install", "hooks/", "actions/a/b", "relations/x", ""] {
        let err = Dispatch::parse(bad).unwrap_err();
        assert_eq!(err.path, bad);
        assert_eq!(
            err.to_string(),
            format!("JUJU_DISPATCH_PATH is {bad:?}; expected hooks/<name> or actions/<name>")
        );
    }
    assert_eq!(
        Dispatch::parse("hooks/start").unwrap().kind(),
        EventKind::Hook
    );
    assert_eq!(
        Dispatch::parse("actions/x").unwrap().kind(),
        EventKind::Action
    );
}

#[test]
fn hooks_route_by_name_and_unknown_hooks_are_a_no_op() {
    let (outcome, calls) = run("hooks/install", Value::Null);
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(calls, ["status-set maintenance installing"]);
    let (outcome, calls) = run("hooks/db-relation-changed", Value::Null);
    assert_eq!((outcome, calls.len()), (Outcome::Completed, 1));
    let (outcome, calls) = run("hooks/update-status", Value::Null);
    assert_eq!(outcome, Outcome::Skipped);
    assert!(calls.is_empty());
    assert_eq!(Outcome::Skipped.exit_code(EventKind::Hook), 0);
}

#[test]
fn action_gets_validated_params_with_defaults() {
    let (outcome, calls) = run("actions/echo", json!({"text": "hi", "times": 2.0}));
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(
        calls,
        [
            "action-get",
            "action-log echoing in task 7",
            "action-set echo.text=hi hi echo.times=2"
        ]
    );
    let (_, calls) = run("actions/echo", json!({"text": "hi"}));
    assert_eq!(calls[2], "action-set echo.text=hi echo.times=1");
}

#[test]
fn invalid_params_fail_the_action_before_the_handler() {
    let (outcome, calls) = run("actions/echo", json!({"times": -1, "extra": true}));
    let message = "Error in action parameters: text: required parameter is missing; \
                   extra: unknown parameter (the schema sets additionalProperties: false); \
                   times: must be greater than or equal to 0, given -1";
    assert_eq!(
        outcome,
        Outcome::Refused {
            message: message.into()
        }
    );
    assert_eq!(
        calls,
        ["action-get".to_owned(), format!("action-fail {message}")]
    );
    assert_eq!(outcome.exit_code(EventKind::Action), 0);
}

#[test]
fn undeclared_action_fails_clearly() {
    let (outcome, calls) = run("actions/nope", json!({}));
    let message = "action \"nope\" is not implemented by this charm (it handles: echo)";
    assert_eq!(
        outcome,
        Outcome::Refused {
            message: message.into()
        }
    );
    assert_eq!(calls, [format!("action-fail {message}")]);
}

#[test]
fn fail_does_not_stop_the_handler() {
    let (outcome, calls) = run("actions/echo", json!({"text": "fail"}));
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(
        calls,
        [
            "action-get",
            "action-fail failed on purpose",
            "action-log still running after fail"
        ]
    );
}

#[test]
fn bad_result_keys_are_refused_before_any_tool_call() {
    let (outcome, calls) = run("actions/echo", json!({"text": "bad-key"}));
    let Outcome::Errored { message } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        message.contains("result key \"Bad_Key\" is invalid"),
        "{message}"
    );
    assert!(
        !calls.iter().any(|c| c.starts_with("action-set")),
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("action-fail cannot set action results")),
        "{calls:?}"
    );
}

#[test]
fn handler_errors_fail_actions_and_error_hooks() {
    let (outcome, calls) = run("actions/echo", json!({"text": "error"}));
    assert_eq!(
        outcome,
        Outcome::Errored {
            message: "the handler gave up".into()
        }
    );
    assert_eq!(outcome.exit_code(EventKind::Action), 0);
    assert_eq!(
        calls,
        [
            "action-get",
            "juju-log ERROR action \"echo\" failed: the handler gave up",
            "action-fail the handler gave up"
        ]
    );
    let (outcome, calls) = run("hooks/stop", Value::Null);
    assert_eq!(outcome.exit_code(EventKind::Hook), 1);
    assert_eq!(calls, ["juju-log ERROR hook \"stop\" failed: cannot stop"]);
}

#[test]
fn panics_are_caught_logged_and_exit_non_zero() {
    let (outcome, calls) = run("actions/echo", json!({"text": "panic"}));
    assert_eq!(
        outcome,
        Outcome::Panicked {
            message: "asked to panic".into()
        }
    );
    assert_eq!(outcome.exit_code(EventKind::Action), 1);
    assert_eq!(
        calls,
        [
            "action-get",
            "juju-log ERROR action \"echo\" panicked: asked to panic"
        ]
    );
    let (outcome, _) = run("hooks/remove", Value::Null);
    assert_eq!(outcome.exit_code(EventKind::Hook), 1);
}

/// Greet someone.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Greet {
    /// Who to greet.
    name: String,
}

impl Action for Greet {
    const NAME: &'static str = "greet";
}

#[test]
fn closures_capturing_state_can_be_handlers() {
    let greeting = String::from("welcome");
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen_by_action = Arc::clone(&seen);
    let seen_by_hook = Arc::clone(&seen);
    let charm = Charm::new()
        .action(move |event: &mut ActionEvent<Greet>| {
            let name = event.params().name.clone();
            seen_by_action.lock().unwrap().push(name.clone());
            event.set_results(&json!({ "text": format!("{greeting}, {name}") }))?;
            Ok(())
        })
        .on(Hook::Start, move |event| {
            let seen = seen_by_hook.lock().unwrap().len();
            event.set_status(StatusName::Active, format!("{seen} greeted"))?;
            Ok(())
        });

    let (outcome, calls) = run_charm(&charm, "actions/greet", json!({"name": "ada"}));
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(calls, ["action-get", "action-set text=welcome, ada"]);
    let (_, calls) = run_charm(&charm, "hooks/start", Value::Null);
    assert_eq!(calls, ["status-set active 1 greeted"]);
    assert_eq!(*seen.lock().unwrap(), ["ada"]);

    // A charm can be shared across threads.
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    assert_send_sync(&charm);
}

#[test]
fn unsupported_tools_are_a_typed_error() {
    let err = ToolError::unsupported("secret-get");
    assert_eq!(err.kind, ToolErrorKind::Unsupported);
    assert_eq!(
        err.to_string(),
        "hook tool `secret-get` is not supported by this backend"
    );
}

fn stub(dir: &Path, name: &str, script: &str) {
    let path = dir.join(name);
    fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn tool_failures_become_typed_errors_with_stderr() {
    let dir = tempfile::tempdir().unwrap();
    stub(
        dir.path(),
        "action-log",
        "echo 'ERROR not running an action' >&2; exit 1",
    );
    stub(dir.path(), "action-get", "echo 'not json'");
    stub(dir.path(), "is-leader", "echo true");
    let mut tools = Subprocess::with_tools_dir(dir.path());

    let err = tools.action_log("hello").unwrap_err();
    assert_eq!(err.argv, ["action-log", "--", "hello"]);
    assert_eq!(
        err.kind,
        ToolErrorKind::Failed {
            code: Some(1),
            stderr: "ERROR not running an action\n".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "hook tool `action-log -- hello` exited with code 1: ERROR not running an action"
    );

    let err = tools.action_get().unwrap_err();
    assert!(matches!(err.kind, ToolErrorKind::BadOutput { .. }), "{err}");
    assert!(err.to_string().contains("invalid JSON"), "{err}");

    assert!(tools.is_leader().unwrap());

    let err = tools
        .status_set(StatusTarget::Unit, StatusName::Active, "")
        .unwrap_err();
    assert!(matches!(err.kind, ToolErrorKind::Spawn { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("cannot run hook tool `status-set`"),
        "{err}"
    );
}

#[test]
fn action_set_is_batched_under_the_os_argument_limit() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls");
    stub(
        dir.path(),
        "action-set",
        &format!("echo \"$#\" >> '{}'", log.display()),
    );
    let mut tools = Subprocess::with_tools_dir(dir.path());
    let value = "x".repeat(1000);
    let pairs: Vec<(String, String)> = (0..2000)
        .map(|i| (format!("k{i}"), value.clone()))
        .collect();
    tools.action_set(&pairs).unwrap();
    let counts: Vec<usize> = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(counts.len() > 1, "{counts:?}");
    assert_eq!(counts.iter().sum::<usize>(), 2000);

    let err = tools
        .action_set(&[("big".into(), "y".repeat(200_000))])
        .unwrap_err();
    assert!(matches!(err.kind, ToolErrorKind::TooLarge { .. }), "{err}");
}
