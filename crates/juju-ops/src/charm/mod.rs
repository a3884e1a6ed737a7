//! The charm registry and the dispatcher: which handler runs for `JUJU_DISPATCH_PATH`.
//!
//! Handlers are functions or closures (`Fn + Send + Sync + 'static`), so a charm can capture its
//! own state. Here: [`Charm`], its registration methods, [`Charm::dispatch`] and
//! [`Charm::main`]; `dispatch.rs`: the parsed `JUJU_DISPATCH_PATH` ([`Dispatch`]) and how a
//! handler's outcome becomes an exit code, `action-fail` and log lines ([`Outcome`]);
//! `metadata.rs`: what the charm declares ([`Charm::schema_json`]) under Juju's rules for hook
//! names and endpoints ([`STANDARD_HOOKS`], [`Charm::hook_problems`]).

mod dispatch;
mod metadata;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub(crate) use self::dispatch::finish;
pub use self::dispatch::{Dispatch, DispatchPathError, EventKind, Outcome};
use self::dispatch::{refuse, refuse_params};
use self::metadata::DeclaredEndpoint;
pub use self::metadata::{Hook, STANDARD_HOOKS, STORAGE_HOOK_KINDS, WORKLOAD_HOOK_KINDS};
use crate::event::{ActionEvent, HookEvent, Unit, UnitEnv};
use crate::messages::list_or_none;
use crate::params;
use crate::relation::{Endpoint, RelationEvent, RelationKind, relation_runner};
use crate::schema::{self, ActionSpec, SchemaError};
use crate::secret::{SecretEvent, SecretKind, secret_runner};
use crate::tools::{HookTools, Subprocess};

/// What a handler returns. Any error type converts with `?`.
pub type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync + 'static>>;

/// Params of one action: a struct deriving `Deserialize` and `JsonSchema`, whose doc comment is
/// the action's description.
pub trait Action: DeserializeOwned + JsonSchema + 'static {
    /// The action name (`juju run <unit> <NAME>`): lowercase letters, digits and hyphens.
    const NAME: &'static str;
}

type ActionRunner = Box<dyn Fn(&mut dyn HookTools, &UnitEnv, Value) -> Outcome + Send + Sync>;
pub(crate) type HookRunner =
    Box<dyn Fn(&mut dyn HookTools, &UnitEnv, &str) -> Outcome + Send + Sync>;
type ConfigOptionsFn = fn() -> Result<Map<String, Value>, SchemaError>;

struct RegisteredAction {
    spec: Result<ActionSpec, SchemaError>,
    run: ActionRunner,
}

/// A charm: its action and hook handlers, and its config type.
///
/// Handlers are functions or closures; a `Charm` is `Send + Sync`.
///
/// ```
/// # extern crate juju_ops as ops;
/// use ops::{Action, ActionEvent, Charm, HandlerResult, Hook, HookEvent, StatusName};
///
/// /// Say hello.
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// #[serde(deny_unknown_fields, rename_all = "kebab-case")]
/// struct Greet {
///     /// Who to greet.
///     name: String,
/// }
///
/// impl Action for Greet {
///     const NAME: &'static str = "greet";
/// }
///
/// fn on_greet(event: &mut ActionEvent<Greet>) -> HandlerResult {
///     event.log(format!("greeting {}", event.params().name))?;
///     let greeting = format!("hello, {}", event.params().name);
///     event.set_results(&serde_json::json!({ "greeting": greeting }))?;
///     Ok(())
/// }
///
/// fn on_start(event: &mut HookEvent) -> HandlerResult {
///     event.set_status(StatusName::Active, "")?;
///     Ok(())
/// }
///
/// let charm = Charm::new().action(on_greet).on(Hook::Start, on_start);
/// assert_eq!(charm.action_specs().unwrap()[0].name, "greet");
/// ```
#[derive(Default)]
pub struct Charm {
    actions: BTreeMap<String, RegisteredAction>,
    hooks: BTreeMap<String, Vec<HookRunner>>,
    /// Hooks registered by name with [`Charm::on`]: checked against the hooks Juju runs.
    named_hooks: BTreeSet<String>,
    endpoints: BTreeMap<&'static str, DeclaredEndpoint>,
    /// Endpoints declared twice with different metadata, as schema errors.
    endpoint_conflicts: Vec<String>,
    config: Option<ConfigOptionsFn>,
}

impl fmt::Debug for Charm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Charm")
            .field("actions", &self.actions.keys().collect::<Vec<_>>())
            .field("hooks", &self.hooks.keys().collect::<Vec<_>>())
            .field("endpoints", &self.endpoints.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Charm {
    pub fn new() -> Charm {
        Charm::default()
    }

    /// Registers the handler for the action whose params are `P`: a function, or a closure
    /// that captures the charm's own state (shared state needs `Arc`/`Mutex` or atomics, since
    /// a `Charm` is `Send + Sync`).
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::{Action, ActionEvent, Charm};
    ///
    /// /// Say hello.
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Greet {}
    ///
    /// impl Action for Greet {
    ///     const NAME: &'static str = "greet";
    /// }
    ///
    /// let greeting = String::from("hello");
    /// let charm = Charm::new().action(move |event: &mut ActionEvent<Greet>| {
    ///     event.set_results(&serde_json::json!({ "greeting": greeting }))?;
    ///     Ok(())
    /// });
    /// # let _ = charm;
    /// ```
    pub fn action<P: Action>(
        mut self,
        handler: impl Fn(&mut ActionEvent<'_, P>) -> HandlerResult + Send + Sync + 'static,
    ) -> Self {
        let spec = ActionSpec::of::<P>(P::NAME);
        let run: ActionRunner = Box::new(move |tools, env, params| {
            let params: P = match serde_json::from_value(params) {
                Ok(p) => p,
                Err(e) => {
                    let message = format!("Error in action parameters: {e}");
                    return refuse(tools, message);
                }
            };
            let mut event = ActionEvent {
                unit: Unit::new(tools, env),
                name: P::NAME,
                params,
                id: env.action_id.clone(),
                failed: false,
            };
            let result = catch_unwind(AssertUnwindSafe(|| handler(&mut event)));
            finish(
                &mut event.unit,
                &format!("action {:?}", P::NAME),
                result,
                EventKind::Action,
            )
        });
        self.actions
            .insert(P::NAME.to_owned(), RegisteredAction { spec, run });
        self
    }

    /// Registers a handler for a hook (`Hook::Install`, or any hook name such as
    /// `"db-relation-changed"`). Several handlers for one hook run in registration order.
    /// Like [`Charm::action`], `handler` is a function or a closure.
    pub fn on(
        mut self,
        hook: impl AsRef<str>,
        handler: impl Fn(&mut HookEvent<'_>) -> HandlerResult + Send + Sync + 'static,
    ) -> Self {
        let name = hook.as_ref().to_owned();
        let runner: HookRunner = Box::new(move |tools, env, name| {
            let mut event = HookEvent {
                unit: Unit::new(tools, env),
                name,
            };
            let result = catch_unwind(AssertUnwindSafe(|| handler(&mut event)));
            finish(
                &mut event.unit,
                &format!("hook {name:?}"),
                result,
                EventKind::Hook,
            )
        });
        self.named_hooks.insert(name.clone());
        self.hooks.entry(name).or_default().push(runner);
        self
    }

    /// Declares the endpoint `E`, so that `cargo xtask sync` writes it into `charmcraft.yaml`
    /// (under `requires`, `provides` or `peers`) and hooks named after it are accepted.
    /// [`Charm::on_relation`] declares its endpoint too.
    pub fn endpoint<E: Endpoint>(mut self) -> Self {
        let declared = DeclaredEndpoint::of::<E>();
        match self.endpoints.get(E::NAME) {
            None => {
                self.endpoints.insert(E::NAME, declared);
            }
            Some(existing) if *existing == declared => {}
            Some(existing) => self.endpoint_conflicts.push(format!(
                "endpoint {:?} is declared twice, as {existing} and as {declared}",
                E::NAME
            )),
        }
        self
    }

    /// Registers a handler for the relation hook `<E::NAME>-relation-<kind>`, and declares
    /// `E`. The handler receives a [`RelationEvent`] for the hook's relation, with typed access
    /// to its databags. Several handlers for one hook run in registration order.
    ///
    /// Juju never runs `-relation-broken` for a peer relation; registering a handler for it is
    /// allowed (the handler never runs).
    ///
    /// If the environment Juju gave the hook names no relation, or a relation of another
    /// endpoint, the handler does not run and the hook fails with a message saying so.
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::{Charm, Databag, Endpoint, HandlerResult, RelationEvent, RelationKind, Role};
    ///
    /// struct Database;
    ///
    /// impl Endpoint for Database {
    ///     const NAME: &'static str = "database";
    ///     const INTERFACE: &'static str = "postgresql_client";
    ///     const ROLE: Role = Role::Requires;
    /// }
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Credentials {
    ///     username: String,
    ///     password: String,
    /// }
    ///
    /// impl Databag for Credentials {}
    ///
    /// fn on_database_changed(event: &mut RelationEvent<Database>) -> HandlerResult {
    ///     let credentials: Credentials = event.read_remote_app()?;
    ///     event.info(format!("connecting as {}", credentials.username))?;
    ///     Ok(())
    /// }
    ///
    /// let charm = Charm::new().on_relation::<Database>(RelationKind::Changed, on_database_changed);
    /// assert_eq!(charm.schema_json().unwrap()["hooks"], serde_json::json!(["database-relation-changed"]));
    /// ```
    ///
    /// The endpoint is a type, so a misspelt endpoint does not compile:
    ///
    /// ```compile_fail
    /// # extern crate juju_ops as ops;
    /// # use ops::{Charm, Endpoint, HandlerResult, RelationEvent, RelationKind, Role};
    /// struct Database;
    ///
    /// impl Endpoint for Database {
    ///     const NAME: &'static str = "database";
    ///     const INTERFACE: &'static str = "postgresql_client";
    ///     const ROLE: Role = Role::Requires;
    /// }
    ///
    /// let charm = Charm::new().on_relation::<Databse>(RelationKind::Changed, |_| Ok(()));
    /// ```
    pub fn on_relation<E: Endpoint>(
        self,
        kind: RelationKind,
        handler: impl Fn(&mut RelationEvent<'_, E>) -> HandlerResult + Send + Sync + 'static,
    ) -> Self {
        let mut charm = self.endpoint::<E>();
        let runner = relation_runner::<E>(kind, handler);
        charm
            .hooks
            .entry(kind.hook_name(E::NAME))
            .or_default()
            .push(runner);
        charm
    }

    /// Registers `runner` for `hook` by name (checked by [`Charm::hook_problems`]), after any
    /// handler already registered for it: the typed registrations of other modules
    /// ([`Charm::on_storage`]) come through here.
    pub(crate) fn register_hook(mut self, hook: String, runner: HookRunner) -> Self {
        self.named_hooks.insert(hook.clone());
        self.hooks.entry(hook).or_default().push(runner);
        self
    }

    /// Registers a handler for the secret hook of `kind` (`secret-changed`, `secret-rotate`,
    /// `secret-expired`, `secret-remove`). The handler receives a [`SecretEvent`] for the
    /// hook's secret (`JUJU_SECRET_ID`, `JUJU_SECRET_LABEL` and, for `secret-expired` and
    /// `secret-remove`, `JUJU_SECRET_REVISION`), with the secret methods for it. If Juju named
    /// no secret (or no revision where it names one), the handler does not run and the hook
    /// fails saying so. Several handlers for one hook run in registration order.
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::{Charm, HandlerResult, SecretEvent, SecretKind};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct ApiToken {
    ///     token: String,
    /// }
    ///
    /// fn on_secret_changed(event: &mut SecretEvent) -> HandlerResult {
    ///     let token: ApiToken = event.refresh_content()?;
    ///     event.info(format!("new token of {} bytes", token.token.len()))?;
    ///     Ok(())
    /// }
    ///
    /// fn on_secret_remove(event: &mut SecretEvent) -> HandlerResult {
    ///     if let Some(revision) = event.revision() {
    ///         event.remove_revision(revision)?;
    ///     }
    ///     Ok(())
    /// }
    ///
    /// let charm = Charm::new()
    ///     .on_secret(SecretKind::Changed, on_secret_changed)
    ///     .on_secret(SecretKind::Remove, on_secret_remove);
    /// assert_eq!(charm.hook_names(), ["secret-changed", "secret-remove"]);
    /// ```
    pub fn on_secret(
        mut self,
        kind: SecretKind,
        handler: impl Fn(&mut SecretEvent<'_>) -> HandlerResult + Send + Sync + 'static,
    ) -> Self {
        self.hooks
            .entry(kind.hook_name().to_owned())
            .or_default()
            .push(secret_runner(kind, handler));
        self
    }

    /// Declares the charm's config type, from which `config: options:` is generated.
    pub fn config<C: DeserializeOwned + JsonSchema>(mut self) -> Self {
        self.config = Some(schema::config_options::<C>);
        self
    }

    /// The specs of every registered action, sorted by name.
    pub fn action_specs(&self) -> Result<Vec<ActionSpec>, SchemaError> {
        self.actions.values().map(|a| a.spec.clone()).collect()
    }

    /// The spec of one action, if registered.
    pub fn action_spec(&self, name: &str) -> Option<Result<&ActionSpec, &SchemaError>> {
        self.actions.get(name).map(|a| a.spec.as_ref())
    }

    /// `config: options:` generated from the config type, if one was declared.
    pub fn config_options(&self) -> Result<Option<Map<String, Value>>, SchemaError> {
        self.config.map(|f| f()).transpose()
    }
    /// Every hook the charm handles, sorted: the names given to [`Charm::on`], the relation
    /// hooks of [`Charm::on_relation`] and the storage hooks of [`Charm::on_storage`].
    pub fn hook_names(&self) -> Vec<&str> {
        self.hooks.keys().map(String::as_str).collect()
    }

    /// Whether any endpoint is declared in Rust ([`Charm::endpoint`], [`Charm::on_relation`]).
    #[cfg(feature = "testing")]
    pub(crate) fn declares_endpoints(&self) -> bool {
        !self.endpoints.is_empty()
    }
    /// Runs the handler for one event against `tools`. The runtime and the testing harness
    /// both come through here.
    pub fn dispatch(&self, event: &Dispatch, tools: &mut dyn HookTools, env: &UnitEnv) -> Outcome {
        match event {
            Dispatch::Hook(name) => {
                let Some(handlers) = self.hooks.get(name) else {
                    return Outcome::Skipped;
                };
                for handler in handlers {
                    let outcome = handler(tools, env, name);
                    if outcome != Outcome::Completed {
                        return outcome;
                    }
                }
                Outcome::Completed
            }
            Dispatch::Action(name) => self.run_action(name, tools, env),
        }
    }

    fn run_action(&self, name: &str, tools: &mut dyn HookTools, env: &UnitEnv) -> Outcome {
        let Some(action) = self.actions.get(name) else {
            return refuse(
                tools,
                format!(
                    "action {name:?} is not implemented by this charm (it handles: {})",
                    list_or_none(self.actions.keys())
                ),
            );
        };
        let spec = match &action.spec {
            Ok(spec) => spec,
            Err(e) => {
                return refuse(
                    tools,
                    format!("the charm's schema for this action is invalid: {e}"),
                );
            }
        };
        let raw = match tools.action_get() {
            Ok(raw) => raw,
            Err(e) => return refuse(tools, format!("cannot read action parameters: {e}")),
        };
        let params = match params::prepare(spec, &raw) {
            Ok(params) => params,
            Err(errors) => return refuse_params(tools, &errors),
        };
        (action.run)(tools, env, params)
    }

    /// The entry point of a charm binary: reads `JUJU_DISPATCH_PATH`, runs the handler against
    /// the real hook tools, and returns the exit code Juju should see.
    ///
    /// Run with `--print-schema` (Juju never passes arguments), it prints [`Charm::schema_json`]
    /// instead; `cargo xtask sync` uses this.
    pub fn main(self) -> ExitCode {
        let args: Vec<String> = std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        match args.first().map(String::as_str) {
            None => {}
            Some("--print-schema") => {
                return match self.schema_json() {
                    Ok(json) => {
                        println!("{json:#}");
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::FAILURE
                    }
                };
            }
            Some(other) => {
                eprintln!(
                    "error: unexpected argument {other:?}\n\nThis is a Juju charm: Juju runs it with no arguments and JUJU_DISPATCH_PATH set.\nUse --print-schema to print its actions and config schema."
                );
                return ExitCode::from(2);
            }
        }
        let Some(path) = std::env::var_os("JUJU_DISPATCH_PATH") else {
            eprintln!(
                "error: JUJU_DISPATCH_PATH is not set\n\nThis is a Juju charm: Juju runs it with JUJU_DISPATCH_PATH=hooks/<name> or actions/<name>."
            );
            return ExitCode::from(2);
        };
        let event = match Dispatch::parse(&path.to_string_lossy()) {
            Ok(event) => event,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        let env = UnitEnv::from_env();
        let mut tools = Subprocess::new();
        let outcome = self.dispatch(&event, &mut tools, &env);
        ExitCode::from(outcome.exit_code(event.kind()))
    }
}
