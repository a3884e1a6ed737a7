//! The model's secrets, as Juju 3.6 keeps and serves them: the record types here, and the ids
//! and URIs of charm secrets; `store.rs` the store on disk, `read.rs` the rules the secrets
//! manager facade applies when a unit reads a secret, `pending.rs` the changes a hook stages and
//! commits when it succeeds ([`Pending`], [`commit`]), `hooks.rs` which secret hook a unit has
//! next ([`next_due`]), `clock.rs` the model clock and the times a secret carries,
//! `content.rs` its content, `display.rs` how Juju prints it.
//!
//! ```text
//! <model>/secrets/            0700
//! <model>/secrets/store.json  0600   every secret, its revisions (values base64-encoded, as
//!                                    Juju stores them), grants and consumers
//! <model>/secrets/store.lock         held while the store is read, changed and written
//! <model>/clock.json                 the model clock's offset from the real one
//! ```
//!
//! The store lock is taken last: whoever holds it takes no other lock. Content is never
//! written anywhere else, and no message here quotes it.

pub mod clock;
pub mod content;
pub mod display;
mod hooks;
mod pending;
mod read;
mod store;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::state;
pub use clock::{advance_clock, now};
pub use content::Data;
pub use hooks::{Due, HookKind, hook_done, next_due};
pub use pending::{Create, GrantArg, Pending, Update, Upsert, apply, apply_update, commit, delete};
pub use store::{load, update};

/// Who owns a secret: an application (managed by its leader), a unit, or the model (a user
/// secret, made with `juju add-secret`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Owner {
    Application(String),
    Unit(String),
    Model,
}

impl Owner {
    /// The owner's tag (`application-mysql`, `unit-mysql-0`, `model-<uuid>`).
    pub fn tag(&self, model_uuid: &str) -> String {
        match self {
            Owner::Application(app) => format!("application-{app}"),
            Owner::Unit(unit) => crate::relation::unit_tag(unit),
            Owner::Model => format!("model-{model_uuid}"),
        }
    }

    /// The owner as `juju secrets` shows it: the application, the unit, or `<model>`.
    pub fn display(&self) -> String {
        match self {
            Owner::Application(app) => app.clone(),
            Owner::Unit(unit) => unit.clone(),
            Owner::Model => "<model>".into(),
        }
    }

    /// `application`, `unit` or `model`, as `secret-info-get` prints the owner.
    pub fn kind(&self) -> &'static str {
        match self {
            Owner::Application(_) => "application",
            Owner::Unit(_) => "unit",
            Owner::Model => "model",
        }
    }
}

/// Whom a grant lets read a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Target {
    Application(String),
    Unit(String),
}

impl Target {
    pub fn tag(&self) -> String {
        match self {
            Target::Application(app) => format!("application-{app}"),
            Target::Unit(unit) => crate::relation::unit_tag(unit),
        }
    }

    fn app(&self) -> &str {
        match self {
            Target::Application(app) => app,
            Target::Unit(unit) => unit.split('/').next().unwrap_or(unit),
        }
    }
}

/// What a grant lasts for: a relation (the grant goes with it), or the model (`grant-secret`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Scope {
    Relation { id: u32, key: String },
    Model,
}

impl Scope {
    /// The scope's tag: `relation-<key>` (`:` as `.`, the space as `#`) or `model-<uuid>`.
    pub fn tag(&self, model_uuid: &str) -> String {
        match self {
            Scope::Relation { key, .. } => {
                format!("relation-{}", key.replace(':', ".").replace(' ', "#"))
            }
            Scope::Model => format!("model-{model_uuid}"),
        }
    }
}

/// View access for `target` within `scope`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub target: Target,
    pub scope: Scope,
}

/// A unit that has read a secret it does not own: the revision it tracks, its label for the
/// secret, and the latest revision it has had `secret-changed` for (or had when it first read).
/// A `peer` is a unit of the owning application other than its leader, which reads the latest
/// revision as an owner does but is told of new ones as a consumer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    pub current: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub notified: u32,
    #[serde(default)]
    pub peer: bool,
}

/// One revision: its content (values base64-encoded), checksum, times and expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub content: Data,
    pub checksum: String,
    pub created: i64,
    pub updated: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire: Option<i64>,
    /// `secret-expired` has run for it.
    #[serde(default)]
    pub expired_notified: bool,
}

/// A secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    pub owner: Owner,
    /// The owner's label (a user secret's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_rotate: Option<i64>,
    /// A user secret's `--auto-prune`: revisions nobody tracks go.
    #[serde(default)]
    pub auto_prune: bool,
    pub created: i64,
    pub updated: i64,
    pub latest: u32,
    pub revisions: BTreeMap<u32, Revision>,
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// By unit name.
    #[serde(default)]
    pub consumers: BTreeMap<String, Consumer>,
    /// Revisions whose `secret-remove` has run.
    #[serde(default)]
    pub obsolete_notified: BTreeSet<u32>,
}

impl Secret {
    /// The latest revision's content.
    pub fn latest_content(&self) -> Option<&Data> {
        self.revisions.get(&self.latest).map(|r| &r.content)
    }

    /// The latest revision's checksum.
    pub fn checksum(&self) -> String {
        self.revisions
            .get(&self.latest)
            .map(|r| r.checksum.clone())
            .unwrap_or_default()
    }

    /// The latest revision's expiry.
    pub fn expire(&self) -> Option<i64> {
        self.revisions.get(&self.latest).and_then(|r| r.expire)
    }

    /// Whether `unit` reads the secret as an owner (the unit that owns it, or any unit of the
    /// application that owns it): always the latest revision.
    pub fn owner_side(&self, caller: &Caller<'_>) -> bool {
        match &self.owner {
            Owner::Unit(u) => u == caller.unit,
            Owner::Application(a) => a == caller.app,
            Owner::Model => false,
        }
    }

    /// Whether the caller manages it: the owning unit, or the owning application's leader.
    pub fn managed_by(&self, caller: &Caller<'_>) -> bool {
        match &self.owner {
            Owner::Unit(u) => u == caller.unit,
            Owner::Application(a) => a == caller.app && caller.leader,
            Owner::Model => false,
        }
    }

    /// Whether the caller may read it: an owner, or granted (itself or its application).
    pub fn readable_by(&self, caller: &Caller<'_>) -> bool {
        self.owner_side(caller)
            || self.grants.iter().any(|g| match &g.target {
                Target::Application(a) => a == caller.app,
                Target::Unit(u) => u == caller.unit,
            })
    }

    /// Revisions older than the latest that no consumer tracks.
    pub fn obsolete_revisions(&self) -> Vec<u32> {
        self.revisions
            .keys()
            .copied()
            .filter(|r| *r < self.latest)
            .filter(|r| !self.consumers.values().any(|c| !c.peer && c.current == *r))
            .collect()
    }
}

/// The unit asking: its name, application and leadership.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub unit: &'a str,
    pub app: &'a str,
    pub leader: bool,
}

/// Every secret of a model, by xid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    pub secrets: BTreeMap<String, Secret>,
}

impl Store {
    /// Removes what belongs to a relation that is gone: the grants made in its scope.
    pub fn forget_relation(&mut self, relation: u32) {
        for secret in self.secrets.values_mut() {
            secret
                .grants
                .retain(|g| !matches!(g.scope, Scope::Relation { id, .. } if id == relation));
        }
    }

    /// Removes what belongs to a unit that is gone: its secrets, its consumer records and the
    /// grants to it.
    pub fn forget_unit(&mut self, unit: &str) {
        self.secrets
            .retain(|_, s| !matches!(&s.owner, Owner::Unit(u) if u == unit));
        for secret in self.secrets.values_mut() {
            secret.consumers.remove(unit);
            secret
                .grants
                .retain(|g| !matches!(&g.target, Target::Unit(u) if u == unit));
        }
    }

    /// Removes what belongs to an application that is gone: its secrets and the grants to it.
    pub fn forget_app(&mut self, app: &str) {
        self.secrets.retain(|_, s| match &s.owner {
            Owner::Application(a) => a != app,
            Owner::Unit(u) => u.split('/').next() != Some(app),
            Owner::Model => true,
        });
        for secret in self.secrets.values_mut() {
            secret.grants.retain(|g| g.target.app() != app);
            secret
                .consumers
                .retain(|u, _| u.split('/').next() != Some(app));
        }
    }
}

/// A new xid (`xid.New`): 12 bytes (the time, then random-enough bytes) in base32hex, 20
/// lower-case characters, unused in `store`.
pub fn new_id(store: &Store, now: i64) -> String {
    loop {
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&(now as u32).to_be_bytes());
        let hex = state::unique_hex(16);
        for (i, slot) in bytes[4..].iter_mut().enumerate() {
            *slot = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap_or(0);
        }
        let id = base32hex(&bytes);
        if !store.secrets.contains_key(&id) {
            return id;
        }
    }
}

fn base32hex(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The URI a charm's secret is known by in hooks: `secret:<xid>`.
pub fn uri(id: &str) -> String {
    format!("secret:{id}")
}

#[cfg(test)]
mod tests {
    //! The ids' test, and the fixtures the other secrets modules' tests share.
    use super::*;

    pub(super) fn data(v: &str) -> Data {
        content::encode([("key".to_owned(), v.as_bytes().to_vec())].into()).unwrap()
    }

    pub(super) fn secret(owner: Owner) -> Secret {
        let mut revisions = BTreeMap::new();
        revisions.insert(
            1,
            Revision {
                content: data("one"),
                checksum: String::new(),
                created: 0,
                updated: 0,
                expire: None,
                expired_notified: false,
            },
        );
        Secret {
            owner,
            label: Some("owned".into()),
            description: None,
            rotate: None,
            next_rotate: None,
            auto_prune: false,
            created: 0,
            updated: 0,
            latest: 1,
            revisions,
            grants: Vec::new(),
            consumers: BTreeMap::new(),
            obsolete_notified: BTreeSet::new(),
        }
    }

    pub(super) const ID: &str = "cj4v5vm78ohs79o84r4g";

    #[test]
    fn ids_are_xids() {
        let id = new_id(&Store::default(), 1_700_000_000);
        assert_eq!(id.len(), 20);
        assert!(crate::secret_uri::parse(&uri(&id)).is_ok(), "{id}");
        assert_eq!(base32hex(&[0; 12]), "00000000000000000000");
    }
}
