//! What a hook, action or exec stages ([`Pending`], Juju's `secretsChangeRecorder`) and its
//! commit when the process succeeds ([`commit`], Juju's `CommitHookChanges`), with the store
//! changes the commands make the same way: a new revision, an update, a removal.

use std::collections::{BTreeMap, BTreeSet};

use super::{Data, Grant, Owner, Revision, Scope, Secret, Store, Target, clock, content, update};
use crate::error::Result;
use crate::state::Model;

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
                .and_then(|p| clock::next_rotate_time(p, now, now));
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
        let was = clock::will_rotate(secret.rotate.as_deref());
        if policy == "never" {
            secret.rotate = None;
            secret.next_rotate = None;
        } else {
            secret.rotate = Some(policy.clone());
            if !was {
                secret.next_rotate = clock::next_rotate_time(policy, now, now);
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

impl Store {
    /// A new revision of `id` with `content` (a user secret's unused revisions go when it
    /// auto-prunes).
    pub(super) fn add_revision(&mut self, id: &str, content: Data, expire: Option<i64>, now: i64) {
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
