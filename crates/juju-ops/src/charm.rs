//! The charm registry and the dispatcher: which handler runs for `JUJU_DISPATCH_PATH`, and how
//! its outcome becomes an exit code, `action-fail` and log lines.
//!
//! Handlers are functions or closures (`Fn + Send + Sync + 'static`), so a charm can capture its
//! own state; [`Dispatch`] is the parsed `JUJU_DISPATCH_PATH`.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::event::{ActionEvent, HookEvent, Unit, UnitEnv};
use crate::params::{self, ParamErrors};
use crate::relation::{Endpoint, Relation, RelationError, RelationEvent, RelationKind, Role};
use crate::schema::{self, ActionSpec, SchemaError};
use crate::secret::{SecretEvent, SecretKind, secret_runner};
use crate::tools::{HookTools, LogLevel, Subprocess};

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

/// An endpoint's `charmcraft.yaml` entry, from its [`Endpoint`] type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DeclaredEndpoint {
    interface: &'static str,
    role: Role,
    limit: Option<u32>,
    optional: bool,
}

impl DeclaredEndpoint {
    fn of<E: Endpoint>() -> DeclaredEndpoint {
        DeclaredEndpoint {
            interface: E::INTERFACE,
            role: E::ROLE,
            limit: E::LIMIT,
            optional: E::OPTIONAL,
        }
    }

    /// The entry as charmcraft writes it: `limit` only when set, `optional` only when true
    /// (charmcraft's defaults are no limit and `false`).
    fn to_json(self) -> Value {
        let mut entry = Map::new();
        entry.insert("interface".into(), json!(self.interface));
        if let Some(limit) = self.limit {
            entry.insert("limit".into(), json!(limit));
        }
        if self.optional {
            entry.insert("optional".into(), json!(true));
        }
        Value::Object(entry)
    }
}

impl fmt::Display for DeclaredEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.role.section(), self.interface)?;
        if let Some(limit) = self.limit {
            write!(f, ", limit {limit}")?;
        }
        if self.optional {
            write!(f, ", optional")?;
        }
        Ok(())
    }
}

/// The hooks Juju runs that belong to no relation, storage or container: every unit hook of
/// Juju 3.x (`juju/charm` `hooks.go`) and 4.x (`internal/charm/hooks`), and the secret hooks.
pub const STANDARD_HOOKS: [&str; 18] = [
    "install",
    "start",
    "config-changed",
    "upgrade-charm",
    "stop",
    "remove",
    "collect-metrics",
    "meter-status-changed",
    "leader-elected",
    "leader-deposed",
    "leader-settings-changed",
    "update-status",
    "pre-series-upgrade",
    "post-series-upgrade",
    "secret-changed",
    "secret-expired",
    "secret-remove",
    "secret-rotate",
];

/// The storage hooks, `<storage>-<kind>`.
pub const STORAGE_HOOK_KINDS: [&str; 2] = ["storage-attached", "storage-detaching"];

/// The workload hooks, `<container>-<kind>`.
pub const WORKLOAD_HOOK_KINDS: [&str; 4] = [
    "pebble-ready",
    "pebble-custom-notice",
    "pebble-check-failed",
    "pebble-check-recovered",
];

/// The endpoint every charm has without declaring it (subordinates relate to it).
const IMPLICIT_ENDPOINT: &str = "juju-info";

/// Lowercase letters, digits and hyphens, starting with a letter: the names of endpoints,
/// storage and containers as hook-name prefixes.
fn is_scoped_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Juju reserves `juju` and `juju-*` for relation names and provided interfaces
/// (`juju/charm` `meta.go`, `reservedName`).
fn is_reserved(name: &str) -> bool {
    name == "juju" || name.starts_with("juju-")
}

/// How one dispatch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handler returned `Ok` (for an action: possibly after calling `fail`).
    Completed,
    /// No handler for this hook: nothing ran.
    Skipped,
    /// The action could not start (unknown action, invalid params); `action-fail` was called.
    Refused { message: String },
    /// The handler returned an error; for an action `action-fail` was called with it.
    Errored { message: String },
    /// The handler panicked.
    Panicked { message: String },
}

impl Outcome {
    /// The process exit code Juju should see after an event of `kind`: non-zero only for a
    /// panic, or a hook handler error (so Juju puts the unit in error state). A failed action
    /// exits 0: `action-fail` already reported it.
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::{EventKind, Outcome};
    ///
    /// let errored = Outcome::Errored { message: "no disk".into() };
    /// assert_eq!(errored.exit_code(EventKind::Hook), 1);
    /// assert_eq!(errored.exit_code(EventKind::Action), 0);
    /// ```
    pub fn exit_code(&self, kind: EventKind) -> u8 {
        match self {
            Outcome::Completed | Outcome::Skipped | Outcome::Refused { .. } => 0,
            Outcome::Errored { .. } if kind == EventKind::Action => 0,
            Outcome::Errored { .. } | Outcome::Panicked { .. } => 1,
        }
    }
}

/// Whether an event is a hook or an action: they report a failed handler differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Hook,
    Action,
}

/// The event named by `JUJU_DISPATCH_PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    Hook(String),
    Action(String),
}

impl Dispatch {
    /// Parses `hooks/<name>` or `actions/<name>` (also available as [`str::parse`]).
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::{Dispatch, EventKind};
    ///
    /// let event = Dispatch::parse("actions/snapshot").unwrap();
    /// assert_eq!(event, Dispatch::Action("snapshot".into()));
    /// assert_eq!(event.kind(), EventKind::Action);
    /// assert_eq!(Dispatch::parse("install").unwrap_err().path, "install");
    /// ```
    pub fn parse(path: &str) -> Result<Dispatch, DispatchPathError> {
        match path.split_once('/') {
            Some(("hooks", name)) if !name.is_empty() && !name.contains('/') => {
                Ok(Dispatch::Hook(name.to_owned()))
            }
            Some(("actions", name)) if !name.is_empty() && !name.contains('/') => {
                Ok(Dispatch::Action(name.to_owned()))
            }
            _ => Err(DispatchPathError {
                path: path.to_owned(),
            }),
        }
    }

    /// Whether this is a hook or an action.
    pub fn kind(&self) -> EventKind {
        match self {
            Dispatch::Hook(_) => EventKind::Hook,
            Dispatch::Action(_) => EventKind::Action,
        }
    }

    /// The hook or action name.
    pub fn name(&self) -> &str {
        match self {
            Dispatch::Hook(name) | Dispatch::Action(name) => name,
        }
    }
}

impl FromStr for Dispatch {
    type Err = DispatchPathError;

    fn from_str(path: &str) -> Result<Dispatch, DispatchPathError> {
        Dispatch::parse(path)
    }
}

/// A `JUJU_DISPATCH_PATH` that is neither `hooks/<name>` nor `actions/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchPathError {
    /// The path as given.
    pub path: String,
}

impl fmt::Display for DispatchPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "JUJU_DISPATCH_PATH is {:?}; expected hooks/<name> or actions/<name>",
            self.path
        )
    }
}

impl std::error::Error for DispatchPathError {}

/// Hooks a charm commonly handles. Any other hook name can be given as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hook {
    Install,
    Start,
    Stop,
    Remove,
    ConfigChanged,
    UpdateStatus,
    UpgradeCharm,
    LeaderElected,
    LeaderSettingsChanged,
    PostSeriesUpgrade,
}

impl Hook {
    /// The hook name as Juju spells it.
    pub fn name(self) -> &'static str {
        match self {
            Hook::Install => "install",
            Hook::Start => "start",
            Hook::Stop => "stop",
            Hook::Remove => "remove",
            Hook::ConfigChanged => "config-changed",
            Hook::UpdateStatus => "update-status",
            Hook::UpgradeCharm => "upgrade-charm",
            Hook::LeaderElected => "leader-elected",
            Hook::LeaderSettingsChanged => "leader-settings-changed",
            Hook::PostSeriesUpgrade => "post-series-upgrade",
        }
    }
}

impl AsRef<str> for Hook {
    fn as_ref(&self) -> &str {
        self.name()
    }
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
        let runner: HookRunner = Box::new(move |tools, env, name| {
            let mut unit = Unit::new(tools, env);
            let what = format!("hook {name:?}");
            let relation_env = match env.relation.as_ref() {
                None => Err(RelationError::NoRelation {
                    hook: name.to_owned(),
                }),
                Some(r) if r.endpoint != E::NAME => Err(RelationError::WrongEndpoint {
                    hook: name.to_owned(),
                    expected: E::NAME,
                    relation: format!("{}:{}", r.endpoint, r.id),
                }),
                Some(r) => Ok(r),
            };
            let relation_env = match relation_env {
                Ok(r) => r,
                Err(e) => return finish(&mut unit, &what, Ok(Err(e.into())), EventKind::Hook),
            };
            // Juju always sets JUJU_REMOTE_APP in a relation hook; ask if it did not.
            let remote_app = if relation_env.remote_app.is_empty() {
                match unit.tools().relation_remote_app(relation_env.id) {
                    Ok(app) => app,
                    Err(error) => {
                        let e = RelationError::Tool {
                            relation: format!("{}:{}", E::NAME, relation_env.id),
                            error,
                        };
                        return finish(&mut unit, &what, Ok(Err(e.into())), EventKind::Hook);
                    }
                }
            } else {
                relation_env.remote_app.clone()
            };
            let mut event = RelationEvent {
                unit,
                relation: Relation::new(relation_env.id, remote_app),
                kind,
                remote_unit: relation_env.remote_unit.clone(),
                departing_unit: relation_env.departing_unit.clone(),
            };
            let result = catch_unwind(AssertUnwindSafe(|| handler(&mut event)));
            finish(&mut event.unit, &what, result, EventKind::Hook)
        });
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

    /// The charm's schemas as JSON: `{"actions": {name: spec}, "config": {"options": …},
    /// "requires": {…}, "provides": {…}, "peers": {…}, "hooks": [name, …]}`. This is what
    /// `cargo xtask sync` writes into `charmcraft.yaml` and checks it against.
    ///
    /// Each endpoint is `{"interface": …}`, with `limit` when set and `optional` when true;
    /// the three endpoint sections are always present. `hooks` lists every hook the charm
    /// handles, sorted. It fails on an invalid or conflicting endpoint and on a hook Juju would
    /// never run (see [`Charm::hook_problems`]).
    pub fn schema_json(&self) -> Result<Value, SchemaError> {
        let mut actions = Map::new();
        for spec in self.action_specs()? {
            actions.insert(spec.name.clone(), spec.to_yaml_value());
        }
        let mut out = Map::new();
        out.insert("actions".into(), Value::Object(actions));
        if let Some(options) = self.config_options()? {
            out.insert("config".into(), json!({ "options": options }));
        }
        self.check_endpoints()?;
        let problems = self.hook_problems();
        if !problems.is_empty() {
            return Err(SchemaError::new(
                schema::HOOKS_SUBJECT,
                format!(
                    "the charm handles {}, which Juju never runs: a hook is one of Juju's \
                     ({}), <endpoint>-relation-<{}> for a declared endpoint, \
                     <storage>-{{{}}} or <container>-{{{}}}; declared endpoints: {} \
                     (declare one with Charm::endpoint::<E>() or Charm::on_relation)",
                    quoted_list(&problems),
                    STANDARD_HOOKS.join(", "),
                    RelationKind::ALL.map(RelationKind::as_str).join("|"),
                    STORAGE_HOOK_KINDS.join(","),
                    WORKLOAD_HOOK_KINDS.join(","),
                    if self.endpoints.is_empty() {
                        "none".to_owned()
                    } else {
                        self.endpoints
                            .keys()
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ),
            ));
        }
        for role in [Role::Requires, Role::Provides, Role::Peers] {
            let section: Map<String, Value> = self
                .endpoints
                .iter()
                .filter(|(_, declared)| declared.role == role)
                .map(|(name, declared)| ((*name).to_owned(), declared.to_json()))
                .collect();
            out.insert(role.section().into(), Value::Object(section));
        }
        out.insert("hooks".into(), json!(self.hook_names()));
        Ok(Value::Object(out))
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

    /// The hooks registered by name with [`Charm::on`] that Juju would never run, sorted: a
    /// name that is none of Juju's hooks ([`STANDARD_HOOKS`]), nor
    /// `<endpoint>-relation-<kind>` for a declared endpoint (or the implicit `juju-info`), nor
    /// `<name>-storage-attached|detaching`, nor `<name>-pebble-ready|custom-notice|check-failed|
    /// check-recovered`. (Whether the storage or container exists is `charmcraft.yaml`'s to
    /// say, and `cargo xtask sync` checks it.)
    pub fn hook_problems(&self) -> Vec<String> {
        self.named_hooks
            .iter()
            .filter(|hook| !self.is_known_hook(hook))
            .cloned()
            .collect()
    }

    fn is_known_hook(&self, hook: &str) -> bool {
        let scoped = |kinds: &[&str]| {
            kinds.iter().any(|kind| {
                hook.strip_suffix(kind)
                    .and_then(|prefix| prefix.strip_suffix('-'))
                    .is_some_and(is_scoped_name)
            })
        };
        STANDARD_HOOKS.contains(&hook)
            || RelationKind::parse_hook(hook).is_some_and(|(endpoint, _)| {
                endpoint == IMPLICIT_ENDPOINT || self.endpoints.contains_key(endpoint)
            })
            || scoped(&STORAGE_HOOK_KINDS)
            || scoped(&WORKLOAD_HOOK_KINDS)
    }

    /// Juju's rules for endpoints (`juju/charm` `meta.go`, `Check`): a valid name, not
    /// reserved, an interface (not reserved unless required), one declaration per name.
    fn check_endpoints(&self) -> Result<(), SchemaError> {
        let error = |reason: String| Err(SchemaError::new(schema::ENDPOINTS_SUBJECT, reason));
        if let Some(conflict) = self.endpoint_conflicts.first() {
            return error(conflict.clone());
        }
        for (name, declared) in &self.endpoints {
            if !is_scoped_name(name) {
                return error(format!(
                    "endpoint {name:?} is not a valid name: lowercase letters, digits and hyphens, starting with a letter"
                ));
            }
            if is_reserved(name) {
                return error(format!(
                    "endpoint {name:?} uses a name Juju reserves (juju and juju-*)"
                ));
            }
            if declared.interface.is_empty() {
                return error(format!("endpoint {name:?} has no interface"));
            }
            if declared.role != Role::Requires && is_reserved(declared.interface) {
                return error(format!(
                    "endpoint {name:?} ({}) uses interface {:?}, which Juju reserves (juju and juju-*)",
                    declared.role.section(),
                    declared.interface
                ));
            }
        }
        Ok(())
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
            let known: Vec<&str> = self.actions.keys().map(String::as_str).collect();
            return refuse(
                tools,
                format!(
                    "action {name:?} is not implemented by this charm (it handles: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
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

/// Fails the action before its handler runs.
fn refuse(tools: &mut dyn HookTools, message: String) -> Outcome {
    if let Err(e) = tools.action_fail(&message) {
        eprintln!("{message}\n(and action-fail failed: {e})");
    }
    Outcome::Refused { message }
}

fn refuse_params(tools: &mut dyn HookTools, errors: &ParamErrors) -> Outcome {
    refuse(tools, errors.to_string())
}

/// Turns a handler's result (or panic) into an outcome, reporting errors where Juju shows them.
pub(crate) fn finish(
    unit: &mut Unit<'_>,
    what: &str,
    result: Result<HandlerResult, Box<dyn Any + Send>>,
    kind: EventKind,
) -> Outcome {
    match result {
        Ok(Ok(())) => Outcome::Completed,
        Ok(Err(error)) => {
            let message = error.to_string();
            eprintln!("error: {what} failed: {message}");
            let _ = unit.juju_log(LogLevel::Error, format!("{what} failed: {message}"));
            if kind == EventKind::Action
                && let Err(e) = unit.tools().action_fail(&message)
            {
                eprintln!("error: action-fail failed: {e}");
            }
            Outcome::Errored { message }
        }
        Err(payload) => {
            let message = panic_message(payload.as_ref());
            // The default panic hook already printed the message and location to stderr, which
            // Juju stores in the task's results and the unit log.
            let _ = unit.juju_log(LogLevel::Error, format!("{what} panicked: {message}"));
            Outcome::Panicked { message }
        }
    }
}

/// `"a", "b"`.
fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("{item:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
