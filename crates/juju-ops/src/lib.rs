//! Runtime for Juju charms written in Rust: the counterpart of Python's `ops`.
//!
//! A charm binary is Juju's `dispatch`: Juju runs it with no arguments and
//! `JUJU_DISPATCH_PATH=hooks/<name>` or `actions/<name>`. [`Charm::main`] reads that, validates
//! action params against the schema generated from the params struct (the same schema
//! `cargo xtask sync` writes into `charmcraft.yaml`), and runs the registered handler with the
//! real hook tools. [`testing`] runs the same code in process against an in-memory backend.
//!
//! Handlers are functions or closures taking a [`HookEvent`] or a typed [`ActionEvent`]; their
//! message arguments take `impl AsRef<str>`, so `event.fail(format!(…))` needs no `&`. See
//! [`Charm`] for an example.
//!
//! **Relations.** Each endpoint is a type implementing [`Endpoint`] (name, interface, role,
//! limit, optional), so a misspelt endpoint does not compile. [`Charm::on_relation`] registers a
//! handler for `<endpoint>-relation-<kind>` taking a [`RelationEvent`]; [`Charm::endpoint`]
//! declares an endpoint without a handler. Both put the endpoint into [`Charm::schema_json`]
//! (`requires`, `provides`, `peers`), which also lists every handled hook and refuses hook
//! names Juju never runs ([`Charm::hook_problems`]). [`Unit::relations`] lists an endpoint's
//! relations and [`Unit::relation_data`] reads and writes their databags as typed
//! [`Databag`]s, under Juju's rules (only the leader writes, and outside peer relations reads,
//! its application's bag; remote bags are read only), checked before any hook tool is called.
//!
//! **Databags.** A [`Databag`] is a serde struct whose fields are a bag's keys, JSON-encoded one
//! by one as ops' `Relation.save` does ([`Encoding::Json`]), or raw strings as the
//! data-platform libraries write them ([`Encoding::Plain`]); see [`databag`]. The same types
//! hold the leader settings ([`Unit::leader_data`], [`Unit::set_leader_data`]) and the charm
//! state kept between events ([`Unit::state`], [`Unit::set_state`]). [`Unit::status`] and
//! [`Unit::app_status`] read the statuses back.
//!
//! **Storage, ports and network.** [`Charm::on_storage`] handles `<name>-storage-attached` and
//! `-storage-detaching` with a [`StorageEvent`] (the instance's [`StorageId`], location and
//! [`StorageType`]); [`Unit::storage_list`], [`Unit::storage`] and [`Unit::add_storage`] use the
//! storage tools. A [`Port`] is a TCP or UDP port or range, or ICMP, read and printed as Juju does
//! ([`Port::parse`], with Juju's messages), so an invalid port never reaches `open-port`;
//! [`Unit::open_port`], [`Unit::open_port_for`] (some endpoints only), [`Unit::close_port`] and
//! [`Unit::opened_ports`] use the port tools. [`Unit::network`] and [`Unit::network_for`] read an
//! endpoint's [`NetworkInfo`] (`network-get`), [`Unit::private_address`] the unit's address.
//!
//! **Secrets.** A config option of type `secret` is a [`Secret`], a URI read with Juju's rule
//! and messages ([`Secret::parse`]). [`Unit::add_secret`]
//! creates a secret from a serde type whose fields are its keys (checked against Juju's key
//! rule, [`is_valid_key`], before any hook tool runs); [`Unit::secret_content`] and its peek
//! and refresh siblings read one back as a type; [`Unit::set_secret_content`],
//! [`Unit::set_secret_info`], [`Unit::grant_secret`], [`Unit::revoke_secret`],
//! [`Unit::remove_secret_revision`] and [`Unit::remove_secret`] manage one, after
//! `secret-info-get` said the unit owns it (an application's secret on the leader only:
//! [`SecretError::NotLeader`]). [`Charm::on_secret`] registers a handler for `secret-changed`,
//! `secret-rotate`, `secret-expired` or `secret-remove`, taking a [`SecretEvent`]. No secret
//! value reaches an error, a `Debug` output or a log line ([`SecretContent`]'s `Debug` shows
//! keys only), and the real hook tools get content in a private temporary file, never in argv.
//!
//! Modules: [`databag`] (typed databags and their encodings), [`params`] (Juju's param
//! validation and defaults), [`results`] (result keys), [`schema`] (the `charmcraft.yaml`
//! schemas generated from Rust types), [`tools`] (the [`HookTools`] trait and the real hook
//! tools) and, with the `testing` feature, [`testing`].

mod charm;
pub mod databag;
mod event;
mod messages;
mod names;
mod network;
pub mod params;
mod ports;
mod relation;
pub mod results;
pub mod schema;
mod secret;
mod storage;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tools;

pub use charm::{
    Action, Charm, Dispatch, DispatchPathError, EventKind, HandlerResult, Hook, Outcome,
    STANDARD_HOOKS, STORAGE_HOOK_KINDS, WORKLOAD_HOOK_KINDS,
};
pub use databag::{Databag, DatabagError, DatabagErrorKind, Encoding};
pub use event::{ActionEvent, ConfigError, DataError, HookEvent, ResultsError, Unit, UnitEnv};
pub use relation::{
    Endpoint, Relation, RelationData, RelationEnv, RelationError, RelationEvent, RelationKind, Role,
};
pub use secret::{
    Expire, RotatePolicy, Secret, SecretAccess, SecretContent, SecretDecodeError,
    SecretEncodeError, SecretEnv, SecretError, SecretEvent, SecretInfo, SecretKind, SecretLookup,
    SecretOptions, SecretOwner, SecretRead, SecretUriError, is_valid_key,
};
pub use tools::{
    HookTools, LogLevel, StatusInfo, StatusName, StatusTarget, ToolError, ToolErrorKind,
};
// Storage, ports and network.
pub use network::{BindAddress, InterfaceAddress, NetworkError, NetworkInfo, UnitAddress};
pub use ports::{OpenedPort, Port, PortEndpoints, PortError, Protocol};
pub use storage::{
    StorageEnv, StorageError, StorageEvent, StorageId, StorageInfo, StorageKind, StorageType,
    is_storage_name,
};
