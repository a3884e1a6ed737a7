//! The secrets a run sees ([`SecretStore`]): each as committed, with the changes Juju makes at
//! once applied, and what the run staged for Juju to apply when the hook commits; what Juju
//! would refuse at commit is recorded, and [`SecretStore::into_secrets`] applies the rest (or,
//! when the run failed, drops it).

use std::collections::BTreeSet;
use std::time::SystemTime;

use super::Secret;
use crate::secret::{RotatePolicy, Secret as SecretUri, SecretContent, SecretOwner};

/// Changes that Juju applies when the hook commits.
#[derive(Debug, Clone, Default)]
pub(super) struct Staged {
    pub(super) content: Option<SecretContent>,
    pub(super) label: Option<String>,
    pub(super) description: Option<String>,
    pub(super) expire: Option<String>,
    pub(super) rotate: Option<RotatePolicy>,
    pub(super) grants: Vec<(u32, String)>,
    pub(super) revokes: Vec<(u32, String)>,
    pub(super) removed_revisions: Vec<u32>,
    pub(super) removed: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// The secret as committed, with the changes Juju makes at once.
    pub(super) secret: Secret,
    /// Created by this run: it exists once the hook commits.
    pub(super) created: bool,
    pub(super) staged: Staged,
}

impl Entry {
    pub(super) fn label(&self) -> Option<&str> {
        self.staged
            .label
            .as_deref()
            .or(self.secret.label.as_deref())
    }

    /// The grants on `relation_id`, with this run's.
    pub(super) fn grants(&self, relation_id: u32) -> BTreeSet<String> {
        let mut grants = self
            .secret
            .remote_grants
            .get(&relation_id)
            .cloned()
            .unwrap_or_default();
        for (id, who) in &self.staged.grants {
            if *id == relation_id {
                grants.insert(who.clone());
            }
        }
        for (id, who) in &self.staged.revokes {
            if *id == relation_id {
                grants.remove(who);
            }
        }
        grants
    }

    /// Whether `secret-info-get` and `secret-ids` list it: this unit's secrets, and its
    /// application's on the leader.
    pub(super) fn listed(&self, leader: bool) -> bool {
        !self.staged.removed
            && match self.secret.owner {
                Some(SecretOwner::Unit) => true,
                Some(SecretOwner::Application) => leader,
                None => false,
            }
    }
}

/// The secrets a run sees, with the run's changes.
pub(in crate::testing) struct SecretStore {
    pub(super) entries: Vec<Entry>,
    pub(super) now: SystemTime,
    /// What Juju would refuse when committing the hook, with the call that caused it.
    pub(super) commit_errors: Vec<String>,
}

pub(super) fn uri_of(id: &str) -> SecretUri {
    SecretUri(format!("secret:{id}"))
}

impl SecretStore {
    pub(in crate::testing) fn new(secrets: &[Secret]) -> SecretStore {
        SecretStore {
            entries: secrets
                .iter()
                .map(|secret| Entry {
                    secret: secret.clone(),
                    created: false,
                    staged: Staged::default(),
                })
                .collect(),
            now: SystemTime::now(),
            commit_errors: Vec::new(),
        }
    }

    /// What Juju would refuse when committing the hook, if anything.
    pub(in crate::testing) fn commit_error(&self) -> Option<&str> {
        self.commit_errors.first().map(String::as_str)
    }

    pub(super) fn find(&self, uri: &SecretUri) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.secret.id.same_secret(uri))
    }

    /// A label as `secret-get --label` resolves it: this run's creates and updates, then the
    /// owner labels (an application's secrets for every unit of it), then consumer labels.
    pub(super) fn find_by_label(&self, label: &str) -> Option<usize> {
        let with = |pred: &dyn Fn(&Entry) -> bool| {
            self.entries
                .iter()
                .position(|e| pred(e) && e.label() == Some(label))
        };
        with(&|e| e.created || e.staged.label.is_some())
            .or_else(|| with(&|e| e.secret.owner.is_some()))
            .or_else(|| with(&|e| e.secret.owner.is_none()))
    }

    /// Records Juju's refusal of a label another secret of the same owner has (at commit).
    pub(super) fn check_label(
        &mut self,
        call: &str,
        index: Option<usize>,
        owner: SecretOwner,
        label: &str,
    ) {
        let taken = self.entries.iter().enumerate().any(|(i, e)| {
            Some(i) != index
                && !e.staged.removed
                && e.secret.owner == Some(owner)
                && e.label() == Some(label)
        });
        if taken {
            self.commit_errors.push(format!(
                "secret with label {label:?} already exists (from `{call}`)"
            ));
        }
    }

    /// The secrets after the run: with its staged changes when the hook `committed`, else
    /// with only what Juju changes at once.
    pub(in crate::testing) fn into_secrets(self, committed: bool) -> Vec<Secret> {
        self.entries
            .into_iter()
            .filter_map(
                |Entry {
                     mut secret,
                     created,
                     staged,
                 }| {
                    if !committed {
                        return (!created).then_some(secret);
                    }
                    if staged.removed {
                        return None;
                    }
                    if let Some(content) = staged.content {
                        secret.latest_content = content;
                        secret.latest_revision += 1;
                    }
                    if staged.label.is_some() {
                        secret.label = staged.label;
                    }
                    if staged.description.is_some() {
                        secret.description = staged.description;
                    }
                    if staged.expire.is_some() {
                        secret.expire = staged.expire;
                    }
                    if staged.rotate.is_some() {
                        secret.rotate = staged.rotate;
                    }
                    for (relation_id, who) in staged.grants {
                        secret
                            .remote_grants
                            .entry(relation_id)
                            .or_default()
                            .insert(who);
                    }
                    for (relation_id, who) in staged.revokes {
                        if let Some(grants) = secret.remote_grants.get_mut(&relation_id) {
                            grants.remove(&who);
                            if grants.is_empty() {
                                secret.remote_grants.remove(&relation_id);
                            }
                        }
                    }
                    secret.removed_revisions.extend(staged.removed_revisions);
                    Some(secret)
                },
            )
            .collect()
    }
}
