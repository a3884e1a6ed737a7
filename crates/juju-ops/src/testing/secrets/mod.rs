//! Secrets in a harness [`State`]: the [`Secret`] a test puts in the state (Scenario's model:
//! an owner or none for a consumer, tracked and latest content and revisions, label,
//! description, expiry, rotation, grants per relation) and the secret events, here; the
//! in-memory `secret-*` tools with Juju's rules and messages (`tools.rs`, on the run's
//! `store.rs`); and the
//! consistency checks for secrets, secret events and `secret` config values
//! (`consistency.rs`).
//!
//! What Juju does at once and what it does when the hook commits, kept apart as the uniter
//! keeps them (`context.go`, `secretsmanager/secrets.go`): a consumer's tracked revision
//! (`--refresh`) and a label set through `secret-get <id> --label` change at once; created
//! secrets, new content and metadata (`secret-set`), grants, revokes and removals are staged
//! and applied only when the hook succeeds. A change Juju accepts from the hook tool but
//! refuses when it commits (setting, revoking or removing a secret the unit does not own, a
//! label another secret of the owner has) fails the run as Juju fails the hook.

mod consistency;
mod store;
#[cfg(test)]
mod tests;
mod tools;

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

pub(super) use self::consistency::check;
pub(super) use self::store::SecretStore;
pub(super) use self::tools::Caller;
use super::relation::Relation;
use super::{Event, State};
use crate::secret::{
    RotatePolicy, Secret as SecretUri, SecretContent, SecretEnv, SecretKind, SecretOwner,
};

/// A secret the unit under test sees: one it (or its application) owns, or one it was granted
/// (a consumer's, `owner: None`).
///
/// ```
/// # extern crate juju_ops as ops;
/// use ops::SecretOwner;
/// use ops::testing::Secret;
///
/// // Granted to this unit; the owner has since published revision 2.
/// let token = Secret::new([("token", "abc")]).latest_content([("token", "def")]);
/// assert_eq!((token.tracked_revision, token.latest_revision), (1, 2));
///
/// // Owned by this unit's application, labelled by it.
/// let creds = Secret::new([("password", "hunter2")])
///     .owner(SecretOwner::Application)
///     .label("credentials");
/// assert!(format!("{creds:?}").contains("<redacted>"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The URI as Juju writes it (`secret:<id>`, the id an `xid`); [`Secret::new`] gives a
    /// fresh one.
    pub id: SecretUri,
    /// `Some` when this unit ([`SecretOwner::Unit`]) or its application owns the secret;
    /// `None` for a secret granted to it.
    pub owner: Option<SecretOwner>,
    /// The content of the revision a consumer tracks.
    pub tracked_content: SecretContent,
    /// The content of the latest revision (what an owner reads).
    pub latest_content: SecretContent,
    pub tracked_revision: u32,
    pub latest_revision: u32,
    /// The owner's label (for an owned secret) or this unit's consumer label.
    pub label: Option<String>,
    pub description: Option<String>,
    /// When the latest revision expires, RFC 3339.
    pub expire: Option<String>,
    pub rotate: Option<RotatePolicy>,
    /// For a consumer's secret: whether the grant still holds (`secret-get` is refused with
    /// `permission denied` once revoked).
    pub granted: bool,
    /// For an owned secret: the relation ids it is granted on, with the remote application or
    /// units granted.
    pub remote_grants: BTreeMap<u32, BTreeSet<String>>,
    /// The revisions the charm removed one by one (`secret-remove --revision`). Removing every
    /// revision takes the secret out of the state.
    pub removed_revisions: BTreeSet<u32>,
}

impl Secret {
    /// A secret granted to this unit (a consumer's: no owner), at revision 1 with `content`,
    /// with a new unique id.
    pub fn new<K: Into<String>, V: Into<String>>(
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Secret {
        let content = SecretContent::from_pairs(content);
        Secret {
            id: SecretUri(format!("secret:{}", new_id())),
            owner: None,
            tracked_content: content.clone(),
            latest_content: content,
            tracked_revision: 1,
            latest_revision: 1,
            label: None,
            description: None,
            expire: None,
            rotate: None,
            granted: true,
            remote_grants: BTreeMap::new(),
            removed_revisions: BTreeSet::new(),
        }
    }

    /// Sets the URI.
    pub fn id(mut self, id: impl Into<String>) -> Secret {
        self.id = SecretUri(id.into());
        self
    }

    /// Makes this unit ([`SecretOwner::Unit`]) or its application the owner.
    pub fn owner(mut self, owner: SecretOwner) -> Secret {
        self.owner = Some(owner);
        self
    }

    /// A newer revision (the tracked one plus one) with `content`.
    pub fn latest_content<K: Into<String>, V: Into<String>>(
        mut self,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Secret {
        self.latest_content = SecretContent::from_pairs(content);
        self.latest_revision = self.tracked_revision + 1;
        self
    }

    /// Sets the tracked and latest revision numbers.
    pub fn revisions(mut self, tracked: u32, latest: u32) -> Secret {
        self.tracked_revision = tracked;
        self.latest_revision = latest;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Secret {
        self.label = Some(label.into());
        self
    }

    pub fn description(mut self, description: impl Into<String>) -> Secret {
        self.description = Some(description.into());
        self
    }

    /// The expiry, RFC 3339.
    pub fn expire(mut self, expire: impl Into<String>) -> Secret {
        self.expire = Some(expire.into());
        self
    }

    pub fn rotate(mut self, rotate: RotatePolicy) -> Secret {
        self.rotate = Some(rotate);
        self
    }

    /// For a consumer's secret: the owner revoked the grant.
    pub fn revoked(mut self) -> Secret {
        self.granted = false;
        self
    }

    /// For an owned secret: granted on `relation` to `grantee` (its remote application, or a
    /// unit of it).
    pub fn remote_grant(mut self, relation: &Relation, grantee: impl Into<String>) -> Secret {
        self.remote_grants
            .entry(relation.id)
            .or_default()
            .insert(grantee.into());
        self
    }
}

/// Ids handed out in this process, mixed into each new one.
static ISSUED: AtomicU64 = AtomicU64::new(0);

/// A new secret id as Juju makes them (an `xid`): 12 bytes in base32hex, 20 characters of
/// `0-9a-v` whose last one is `0` or `g`.
fn new_id() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(ISSUED.fetch_add(1, Ordering::Relaxed));
    let random = hasher.finish();
    let count = ISSUED.load(Ordering::Relaxed) as u32;
    let mut bytes = [0u8; 12];
    bytes[..8].copy_from_slice(&random.to_be_bytes());
    bytes[8..].copy_from_slice(&count.to_be_bytes());
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let bits = bytes
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b))
        << 4;
    (0..20)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

impl Event {
    fn secret(kind: SecretKind, secret: &Secret, revision: Option<u32>) -> Event {
        Event::Secret {
            kind,
            id: secret.id.clone(),
            revision,
        }
    }

    /// `secret-changed` for a secret granted to the unit (no owner) that has a revision newer
    /// than the one it tracks.
    pub fn secret_changed(secret: &Secret) -> Event {
        Event::secret(SecretKind::Changed, secret, None)
    }

    /// `secret-rotate` for a secret the unit (or, on the leader, its application) owns.
    pub fn secret_rotate(secret: &Secret) -> Event {
        Event::secret(SecretKind::Rotate, secret, None)
    }

    /// `secret-expired` for `revision` of a secret the unit (or its application) owns.
    pub fn secret_expired(secret: &Secret, revision: u32) -> Event {
        Event::secret(SecretKind::Expired, secret, Some(revision))
    }

    /// `secret-remove` for `revision` of a secret the unit (or its application) owns: no
    /// consumer tracks that revision any longer.
    pub fn secret_remove(secret: &Secret, revision: u32) -> Event {
        Event::secret(SecretKind::Remove, secret, Some(revision))
    }
}

impl State {
    /// Adds a secret.
    pub fn secret(mut self, secret: Secret) -> State {
        self.secrets.push(secret);
        self
    }

    /// The secret with this URI (in either form, compared by id).
    pub fn get_secret(&self, id: &SecretUri) -> Option<&Secret> {
        self.secrets.iter().find(|s| s.id.same_secret(id))
    }

    /// The secret with this label.
    pub fn get_secret_by_label(&self, label: &str) -> Option<&Secret> {
        self.secrets
            .iter()
            .find(|s| s.label.as_deref() == Some(label))
    }
}

/// `JUJU_SECRET_ID`, `JUJU_SECRET_LABEL` and (in `secret-expired` and `secret-remove`)
/// `JUJU_SECRET_REVISION` for a secret event; `None` for any other event.
pub(super) fn secret_env(event: &Event, state: &State) -> Option<SecretEnv> {
    let Event::Secret { id, revision, .. } = event else {
        return None;
    };
    let secret = state.get_secret(id)?;
    Some(SecretEnv {
        id: secret.id.clone(),
        label: secret.label.clone(),
        revision: *revision,
    })
}
