//! The secret hooks a unit has next: the uniter's secrets resolver (expired, rotate, changed,
//! then obsolete revisions; [`next_due`]) and what running one records ([`hook_done`]).

use super::{Caller, Owner, Secret, Store, clock, update};
use crate::error::Result;
use crate::state::Model;

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
        if clock::will_rotate(secret.rotate.as_deref())
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
                    .filter(|p| clock::will_rotate(Some(p)))
                else {
                    return Ok(());
                };
                let last = secret.next_rotate.unwrap_or(now);
                let mut next = clock::next_rotate_time(&policy, last, now).unwrap_or(now);
                let expire = secret.expire();
                let will_expire = expire.is_some_and(|e| e < next);
                let forced = last.saturating_add(clock::ROTATE_RETRY_SECONDS);
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
    use crate::secrets::tests::{ID, data, secret};

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
