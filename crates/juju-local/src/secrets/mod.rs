//! The model's secrets, as Juju 3.6 keeps and serves them: the store on disk, the rules the
//! secrets manager facade applies when a unit reads a secret (`getSecretContent`,
//! `getConsumedRevision`: owners get the latest revision, a consumer's first read pins the
//! latest, `--peek` reads it without moving the pin, `--refresh` moves it, labels), the changes
//! a hook stages and commits when it succeeds ([`Pending`], [`commit`]), and which secret hook
//! a unit has next (the uniter's secrets resolver: expired, rotate, changed, then obsolete
//! revisions; [`next_due`]).
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

pub mod content;
pub mod display;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Result, run_error};
use crate::state::{self, Model};
pub use content::Data;

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
            Owner::Unit(unit) => format!("unit-{}", unit.replace('/', "-")),
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
            Target::Unit(unit) => format!("unit-{}", unit.replace('/', "-")),
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

fn dir(model: &Model) -> PathBuf {
    model.dir.join("secrets")
}

/// The store as it is on disk (empty before the first secret).
pub fn load(model: &Model) -> Result<Store> {
    let path = dir(model).join("store.json");
    if !path.exists() {
        return Ok(Store::default());
    }
    state::read_json(&path)
}

/// Runs `f` on the store under its lock and writes what it leaves (only the owner may read
/// the directory and the file).
pub fn update<T>(model: &Model, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
    let dir = private_dir(model)?;
    let _lock = state::lock(&dir.join("store.lock"))?;
    let mut store = load(model)?;
    let before = store.clone();
    let out = f(&mut store)?;
    if store != before {
        save(model, &store)?;
    }
    Ok(out)
}

/// The store's directory, made (or made private again) with mode 0700.
fn private_dir(model: &Model) -> Result<PathBuf> {
    let dir = dir(model);
    fs::create_dir_all(&dir)?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
    Ok(dir)
}

/// Writes the store through a temporary file (mode 0600) renamed into place.
fn save(model: &Model, store: &Store) -> Result<()> {
    let dir = private_dir(model)?;
    let path = dir.join("store.json");
    let text = serde_json::to_vec(store).map_err(|e| run_error(e.to_string()))?;
    let result = tempfile::Builder::new()
        .prefix(".store.json.")
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .and_then(|mut temp| {
            temp.write_all(&text)?;
            temp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        });
    result.map_err(|e| run_error(format!("cannot write {}: {e}", path.display())))
}

/// The model clock's offset from the real clock, in seconds.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Clock {
    offset: i64,
}

/// The model's time, in Unix seconds: the real time moved by `juju-local advance-clock`.
pub fn now(model: &Model) -> i64 {
    let clock: Clock = state::read_json(&model.dir.join("clock.json")).unwrap_or_default();
    state::now().0.saturating_add(clock.offset)
}

/// Moves the model clock forward by `seconds`.
pub fn advance_clock(model: &Model, seconds: i64) -> Result<()> {
    model.locked(|| {
        let path = model.dir.join("clock.json");
        let mut clock: Clock = state::read_json(&path).unwrap_or_default();
        clock.offset = clock.offset.saturating_add(seconds);
        state::write_json(&path, &clock)
    })
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

/// What a unit's hook reads: the secret's xid, the revision read, and its content.
pub type Read = (String, u32, Data);

impl Store {
    /// The secret the caller owns (as unit or application) with owner label `label`.
    pub fn by_owner_label(&self, caller: &Caller<'_>, label: &str) -> Option<&str> {
        self.secrets
            .iter()
            .find(|(_, s)| s.owner_side(caller) && s.label.as_deref() == Some(label))
            .map(|(id, _)| id.as_str())
    }

    /// The secret the caller's unit has labelled `label` as a consumer.
    pub fn by_consumer_label(&self, unit: &str, label: &str) -> Option<&str> {
        self.secrets
            .iter()
            .find(|(_, s)| {
                s.consumers
                    .get(unit)
                    .is_some_and(|c| c.label.as_deref() == Some(label))
            })
            .map(|(id, _)| id.as_str())
    }

    /// The secrets whose metadata the caller sees (`GetSecretMetadata`): those its unit owns,
    /// and, for the leader, its application's.
    pub fn owned_metadata<'a>(
        &'a self,
        caller: &'a Caller<'a>,
    ) -> impl Iterator<Item = (&'a String, &'a Secret)> + 'a {
        self.secrets
            .iter()
            .filter(move |(_, s)| s.managed_by(caller))
    }

    /// A unit reads a secret (`secret-get`): by URI, by owner label or by consumer label,
    /// following the facade's rules. Consumer records and labels change at once, as Juju's
    /// facade saves them during the call. `display` is the URI as the caller gave it, for
    /// messages.
    pub fn read(
        &mut self,
        caller: &Caller<'_>,
        id: Option<&str>,
        display: &str,
        label: Option<&str>,
        refresh: bool,
        peek: bool,
    ) -> std::result::Result<Read, String> {
        let mut id = id.map(str::to_owned);
        let mut label = label.map(str::to_owned);
        if id.is_none()
            && let Some(l) = &label
            && let Some(found) = self.by_owner_label(caller, l)
        {
            id = Some(found.to_owned());
            label = None;
        }
        if let Some(found) = id.as_deref()
            && let Some(secret) = self.secrets.get_mut(found)
            && secret.owner_side(caller)
        {
            if let Some(l) = &label
                && secret.managed_by(caller)
            {
                secret.label = Some(l.clone());
            }
            if !secret.managed_by(caller) && matches!(secret.owner, Owner::Application(_)) {
                let latest = secret.latest;
                secret
                    .consumers
                    .entry(caller.unit.to_owned())
                    .or_insert(Consumer {
                        current: 0,
                        label: None,
                        notified: latest,
                        peer: true,
                    });
            }
            let content = secret
                .latest_content()
                .cloned()
                .ok_or_else(|| format!("secret {} not found", crate::gofmt::go_quote(display)))?;
            return Ok((found.to_owned(), secret.latest, content));
        }
        let uri_given = id.is_some();
        let id = match id {
            Some(id) => id,
            None => {
                let l = label.clone().unwrap_or_default();
                self.by_consumer_label(caller.unit, &l)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        format!("consumer label {} not found", crate::gofmt::go_quote(&l))
                    })?
            }
        };
        let shown = if uri_given {
            display.to_owned()
        } else {
            uri(&id)
        };
        let Some(secret) = self.secrets.get_mut(&id) else {
            return Err(format!(
                "secret {} not found",
                crate::gofmt::go_quote(&shown)
            ));
        };
        if !secret.readable_by(caller) {
            return Err("permission denied".into());
        }
        let latest = secret.latest;
        let existing = secret.consumers.get(caller.unit).cloned();
        let refresh = refresh || existing.is_none() || existing.as_ref().is_some_and(|c| c.peer);
        let mut consumer = existing.unwrap_or(Consumer {
            current: 0,
            label: None,
            notified: latest,
            peer: false,
        });
        let mut want = consumer.current;
        if refresh || peek {
            want = latest;
            if refresh {
                consumer.current = latest;
                consumer.peer = false;
            }
        }
        if refresh || (uri_given && label.is_some()) {
            if let Some(l) = &label {
                consumer.label = Some(l.clone());
            }
            secret.consumers.insert(caller.unit.to_owned(), consumer);
        }
        let content = secret
            .revisions
            .get(&want)
            .map(|r| r.content.clone())
            .ok_or_else(|| format!("secret revision {}/{want} not found", uri(&id)))?;
        Ok((id, want, content))
    }

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

    /// A new revision of `id` with `content` (a user secret's unused revisions go when it
    /// auto-prunes).
    fn add_revision(&mut self, id: &str, content: Data, expire: Option<i64>, now: i64) {
        let Some(secret) = self.secrets.get_mut(id) else {
            return;
        };
        let revision = secret.latest + 1;
        secret.revisions.insert(
            revision,
            Revision {
                checksum: content::checksum(&content),
                content,
                created: now,
                updated: now,
                expire,
                expired_notified: false,
            },
        );
        secret.latest = revision;
        secret.updated = now;
        if secret.auto_prune {
            for old in secret.obsolete_revisions() {
                secret.revisions.remove(&old);
            }
        }
    }
}

/// Metadata a create or update sets (`SecretUpsertArg`): each only when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upsert {
    pub label: Option<String>,
    pub description: Option<String>,
    pub expire: Option<i64>,
    pub rotate: Option<String>,
}

impl Upsert {
    fn merge(&mut self, newer: &Upsert) {
        if newer.label.is_some() {
            self.label.clone_from(&newer.label);
        }
        if newer.description.is_some() {
            self.description.clone_from(&newer.description);
        }
        if newer.expire.is_some() {
            self.expire = newer.expire;
        }
        if newer.rotate.is_some() {
            self.rotate.clone_from(&newer.rotate);
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Upsert::default()
    }
}

/// A secret created in the running hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Create {
    pub id: String,
    pub owner: Owner,
    pub upsert: Upsert,
    pub content: Data,
}

/// An update staged in the running hook; `content` is set only when it differs from the
/// latest revision's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub upsert: Upsert,
    pub content: Option<Data>,
}

/// A grant staged in the running hook (one per relation and secret: the last wins, as in
/// Juju's change recorder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantArg {
    pub relation: u32,
    pub key: String,
    pub target: Target,
}

/// What a hook, action or exec has staged (Juju's `secretsChangeRecorder`), committed only
/// when the process succeeds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    pub creates: Vec<Create>,
    pub updates: BTreeMap<String, Update>,
    pub deletes: BTreeMap<String, Option<u32>>,
    pub grants: BTreeMap<String, BTreeMap<String, GrantArg>>,
    pub revokes: BTreeMap<String, Vec<Target>>,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        *self == Pending::default()
    }

    pub fn create(&self, id: &str) -> Option<&Create> {
        self.creates.iter().find(|c| c.id == id)
    }

    /// `create`: a label already used by a secret created in this hook is refused.
    pub fn add_create(&mut self, create: Create) -> std::result::Result<(), String> {
        if let Some(label) = &create.upsert.label
            && self
                .creates
                .iter()
                .any(|c| c.upsert.label.as_ref() == Some(label))
        {
            return Err(format!(
                "secret with label {} already exists",
                crate::gofmt::go_quote(label)
            ));
        }
        self.deletes.remove(&create.id);
        self.creates.push(create);
        Ok(())
    }

    /// `update`: merged into a create of this hook, or into an earlier update.
    pub fn add_update(&mut self, id: &str, update: Update) {
        self.deletes.remove(id);
        if let Some(create) = self.creates.iter_mut().find(|c| c.id == id) {
            create.upsert.merge(&update.upsert);
            if let Some(content) = update.content {
                create.content = content;
            }
            return;
        }
        match self.updates.get_mut(id) {
            Some(previous) => {
                previous.upsert.merge(&update.upsert);
                if update.content.is_some() {
                    previous.content = update.content;
                }
            }
            None => {
                self.updates.insert(id.to_owned(), update);
            }
        }
    }

    /// `remove`: drops what this hook staged for the secret.
    pub fn add_delete(&mut self, id: &str, revision: Option<u32>) {
        self.creates.retain(|c| c.id != id);
        self.updates.remove(id);
        self.grants.remove(id);
        self.revokes.remove(id);
        self.deletes.insert(id.to_owned(), revision);
    }
}

/// Commits what a hook staged (Juju's `CommitHookChanges`: creates, updates, grants, revokes,
/// deletes), at the model's time `now`; whether anything changed.
pub fn commit(model: &Model, pending: &Pending, now: i64) -> Result<bool> {
    if pending.is_empty() {
        return Ok(false);
    }
    update(model, |store| Ok(apply(store, pending, now)))
}

/// [`commit`]'s work on a store the caller has locked.
pub fn apply(store: &mut Store, pending: &Pending, now: i64) -> bool {
    {
        let before = store.clone();
        for create in &pending.creates {
            if store.secrets.contains_key(&create.id) {
                continue;
            }
            let rotate = create.upsert.rotate.clone().filter(|p| p != "never");
            let next_rotate = rotate
                .as_deref()
                .and_then(|p| content::next_rotate_time(p, now, now));
            store.secrets.insert(
                create.id.clone(),
                Secret {
                    owner: create.owner.clone(),
                    label: create.upsert.label.clone(),
                    description: create.upsert.description.clone(),
                    rotate,
                    next_rotate,
                    auto_prune: false,
                    created: now,
                    updated: now,
                    latest: 0,
                    revisions: BTreeMap::new(),
                    grants: Vec::new(),
                    consumers: BTreeMap::new(),
                    obsolete_notified: BTreeSet::new(),
                },
            );
            store.add_revision(
                &create.id,
                create.content.clone(),
                create.upsert.expire,
                now,
            );
        }
        for (id, update) in &pending.updates {
            apply_update(store, id, &update.upsert, update.content.clone(), now);
        }
        for (id, grants) in &pending.grants {
            let Some(secret) = store.secrets.get_mut(id) else {
                continue;
            };
            for grant in grants.values() {
                let new = Grant {
                    target: grant.target.clone(),
                    scope: Scope::Relation {
                        id: grant.relation,
                        key: grant.key.clone(),
                    },
                };
                if !secret.grants.contains(&new) {
                    secret.grants.push(new);
                }
            }
        }
        for (id, targets) in &pending.revokes {
            let Some(secret) = store.secrets.get_mut(id) else {
                continue;
            };
            secret.grants.retain(|g| !targets.contains(&g.target));
        }
        for (id, revision) in &pending.deletes {
            delete(store, id, *revision);
        }
        *store != before
    }
}

/// Applies an update's metadata and content to a secret (a new revision when the content
/// changed; the expiry goes to the new revision, else to the latest).
pub fn apply_update(store: &mut Store, id: &str, upsert: &Upsert, content: Option<Data>, now: i64) {
    let Some(secret) = store.secrets.get_mut(id) else {
        return;
    };
    if let Some(label) = &upsert.label {
        secret.label = Some(label.clone());
    }
    if let Some(description) = &upsert.description {
        secret.description = Some(description.clone());
    }
    if let Some(policy) = &upsert.rotate {
        let was = content::will_rotate(secret.rotate.as_deref());
        if policy == "never" {
            secret.rotate = None;
            secret.next_rotate = None;
        } else {
            secret.rotate = Some(policy.clone());
            if !was {
                secret.next_rotate = content::next_rotate_time(policy, now, now);
            }
        }
    }
    secret.updated = now;
    match content {
        Some(content) => store.add_revision(id, content, upsert.expire, now),
        None => {
            if let Some(expire) = upsert.expire
                && let Some(secret) = store.secrets.get_mut(id)
                && let Some(revision) = secret.revisions.get_mut(&secret.latest)
            {
                revision.expire = Some(expire);
                revision.expired_notified = false;
            }
        }
    }
}

/// Removes a secret, or one revision of it (the secret goes with its last revision).
pub fn delete(store: &mut Store, id: &str, revision: Option<u32>) -> bool {
    let Some(secret) = store.secrets.get_mut(id) else {
        return false;
    };
    match revision {
        None => {
            store.secrets.remove(id);
            true
        }
        Some(revision) => {
            if secret.revisions.remove(&revision).is_none() {
                return false;
            }
            if secret.revisions.is_empty() {
                store.secrets.remove(id);
            } else {
                secret.latest = secret.revisions.keys().copied().max().unwrap_or(0);
            }
            true
        }
    }
}

/// The secret hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    Expired,
    Rotate,
    Changed,
    Remove,
}

impl HookKind {
    pub fn name(self) -> &'static str {
        match self {
            HookKind::Expired => "secret-expired",
            HookKind::Rotate => "secret-rotate",
            HookKind::Changed => "secret-changed",
            HookKind::Remove => "secret-remove",
        }
    }
}

/// A secret hook a unit has to run: which, the secret, the revision it is about (the latest for
/// `secret-changed` and `secret-rotate`), and the label the hook gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub kind: HookKind,
    pub id: String,
    pub revision: u32,
    pub label: String,
}

/// The caller's next secret hook at `now`, in the resolver's order: an expired revision of a
/// secret it manages, a rotation due, a secret it consumes with a revision it has not been told
/// of, then a revision of a secret it manages that nobody tracks any more.
pub fn next_due(store: &Store, now: i64, caller: &Caller<'_>) -> Option<Due> {
    let owned = || {
        store
            .secrets
            .iter()
            .filter(|(_, s)| s.managed_by(caller) && !matches!(s.owner, Owner::Model))
    };
    let owner_label = |s: &Secret| s.label.clone().unwrap_or_default();
    for (id, secret) in owned() {
        for (revision, r) in &secret.revisions {
            if r.expire.is_some_and(|t| t <= now) && !r.expired_notified {
                return Some(Due {
                    kind: HookKind::Expired,
                    id: id.clone(),
                    revision: *revision,
                    label: owner_label(secret),
                });
            }
        }
    }
    for (id, secret) in owned() {
        if content::will_rotate(secret.rotate.as_deref())
            && secret.next_rotate.is_some_and(|t| t <= now)
        {
            return Some(Due {
                kind: HookKind::Rotate,
                id: id.clone(),
                revision: secret.latest,
                label: owner_label(secret),
            });
        }
    }
    for (id, secret) in &store.secrets {
        let Some(consumer) = secret.consumers.get(caller.unit) else {
            continue;
        };
        if consumer.notified != secret.latest
            && secret.readable_by(caller)
            && !secret.revisions.is_empty()
        {
            let label = consumer.label.clone().unwrap_or_else(|| {
                if secret.owner_side(caller) {
                    owner_label(secret)
                } else {
                    String::new()
                }
            });
            return Some(Due {
                kind: HookKind::Changed,
                id: id.clone(),
                revision: secret.latest,
                label,
            });
        }
    }
    for (id, secret) in owned() {
        if let Some(revision) = secret
            .obsolete_revisions()
            .into_iter()
            .find(|r| !secret.obsolete_notified.contains(r))
        {
            return Some(Due {
                kind: HookKind::Remove,
                id: id.clone(),
                revision,
                label: owner_label(secret),
            });
        }
    }
    None
}

/// Records that `due` ran for the caller's unit (whatever its outcome: a failed hook is not run
/// again). After `secret-rotate` the next rotation is scheduled as the facade's
/// `SecretsRotated` does: a period after the one just due, or five minutes after it when the
/// hook made no new revision (or the secret expires before the next rotation).
pub fn hook_done(model: &Model, due: &Due, unit: &str, now: i64) -> Result<()> {
    update(model, |store| {
        let Some(secret) = store.secrets.get_mut(&due.id) else {
            return Ok(());
        };
        match due.kind {
            HookKind::Expired => {
                if let Some(r) = secret.revisions.get_mut(&due.revision) {
                    r.expired_notified = true;
                }
            }
            HookKind::Changed => {
                if let Some(c) = secret.consumers.get_mut(unit) {
                    c.notified = due.revision;
                }
            }
            HookKind::Remove => {
                secret.obsolete_notified.insert(due.revision);
            }
            HookKind::Rotate => {
                let Some(policy) = secret
                    .rotate
                    .clone()
                    .filter(|p| content::will_rotate(Some(p)))
                else {
                    return Ok(());
                };
                let last = secret.next_rotate.unwrap_or(now);
                let mut next = content::next_rotate_time(&policy, last, now).unwrap_or(now);
                let expire = secret.expire();
                let will_expire = expire.is_some_and(|e| e < next);
                let forced = last + content::ROTATE_RETRY_SECONDS;
                if (will_expire && expire.is_some_and(|e| forced < e))
                    || secret.latest == due.revision
                {
                    next = forced;
                }
                secret.next_rotate = Some(next);
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(v: &str) -> Data {
        content::encode([("key".to_owned(), v.as_bytes().to_vec())].into()).unwrap()
    }

    fn secret(owner: Owner) -> Secret {
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

    const ID: &str = "cj4v5vm78ohs79o84r4g";

    #[test]
    fn ids_are_xids() {
        let id = new_id(&Store::default(), 1_700_000_000);
        assert_eq!(id.len(), 20);
        assert!(crate::secret_uri::parse(&uri(&id)).is_ok(), "{id}");
        assert_eq!(base32hex(&[0; 12]), "00000000000000000000");
    }

    #[test]
    fn owners_read_the_latest_and_consumers_pin_peek_and_refresh() {
        let mut store = Store::default();
        let mut s = secret(Owner::Application("db".into()));
        s.grants.push(Grant {
            target: Target::Application("web".into()),
            scope: Scope::Relation {
                id: 0,
                key: "web:db db:db".into(),
            },
        });
        store.secrets.insert(ID.into(), s);
        let web = Caller {
            unit: "web/0",
            app: "web",
            leader: true,
        };
        let get = |store: &mut Store, refresh, peek| {
            store
                .read(&web, Some(ID), "secret:x", None, refresh, peek)
                .map(|(_, rev, _)| rev)
        };
        assert_eq!(get(&mut store, false, false), Ok(1));
        store.add_revision(ID, data("two"), None, 5);
        assert_eq!(get(&mut store, false, false), Ok(1));
        assert_eq!(get(&mut store, false, true), Ok(2));
        assert_eq!(get(&mut store, false, false), Ok(1));
        assert_eq!(get(&mut store, true, false), Ok(2));
        assert_eq!(get(&mut store, false, false), Ok(2));
        // The owner application's units read the latest, by URI or owner label.
        let db1 = Caller {
            unit: "db/1",
            app: "db",
            leader: false,
        };
        assert_eq!(
            store
                .read(&db1, None, "", Some("owned"), false, false)
                .map(|r| r.1),
            Ok(2)
        );
        assert!(store.secrets[ID].consumers["db/1"].peer);
        let other = Caller {
            unit: "other/0",
            app: "other",
            leader: true,
        };
        assert_eq!(
            store.read(&other, Some(ID), "secret:x", None, false, false),
            Err("permission denied".into())
        );
        assert_eq!(
            store.read(&other, None, "", Some("nope"), false, false),
            Err("consumer label \"nope\" not found".into())
        );
        assert_eq!(
            store.read(
                &other,
                Some("cj4v5vm78ohs79o84r50"),
                "secret:y",
                None,
                false,
                false
            ),
            Err("secret \"secret:y\" not found".into())
        );
    }

    #[test]
    fn hooks_fall_due_in_the_resolvers_order() {
        let mut store = Store::default();
        let mut s = secret(Owner::Unit("db/0".into()));
        s.rotate = Some("hourly".into());
        s.next_rotate = Some(100);
        s.revisions.get_mut(&1).unwrap().expire = Some(50);
        store.secrets.insert(ID.into(), s);
        let db0 = Caller {
            unit: "db/0",
            app: "db",
            leader: false,
        };
        assert_eq!(next_due(&store, 10, &db0), None);
        let due = next_due(&store, 200, &db0).unwrap();
        assert_eq!((due.kind, due.revision), (HookKind::Expired, 1));
        store
            .secrets
            .get_mut(ID)
            .unwrap()
            .revisions
            .get_mut(&1)
            .unwrap()
            .expired_notified = true;
        let due = next_due(&store, 200, &db0).unwrap();
        assert_eq!(due.kind, HookKind::Rotate);
        store.secrets.get_mut(ID).unwrap().next_rotate = Some(1000);
        store.add_revision(ID, data("two"), None, 300);
        let due = next_due(&store, 300, &db0).unwrap();
        assert_eq!((due.kind, due.revision), (HookKind::Remove, 1));
        assert_eq!(due.label, "owned");
    }
}
