//! The secret hooks: [`SecretKind`], what Juju tells them ([`SecretEnv`]: `JUJU_SECRET_ID`,
//! `JUJU_SECRET_LABEL`, `JUJU_SECRET_REVISION`), and the [`SecretEvent`] a handler registered
//! with [`Charm::on_secret`](crate::Charm::on_secret) receives.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Secret, SecretError, SecretInfo, SecretOptions};
use crate::charm::{EventKind, HandlerResult, HookRunner, finish};
use crate::event::Unit;
use crate::relation::{Endpoint, Relation};

/// The secret hooks (`internal/worker/uniter/secrets/resolver.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    /// `secret-changed`, on a consumer: a revision newer than the one it tracks exists.
    Changed,
    /// `secret-rotate`, on the owner: rotation is due.
    Rotate,
    /// `secret-expired`, on the owner: a revision expired (`JUJU_SECRET_REVISION`).
    Expired,
    /// `secret-remove`, on the owner: no consumer tracks a revision any longer
    /// (`JUJU_SECRET_REVISION`).
    Remove,
}

impl SecretKind {
    pub const ALL: [SecretKind; 4] = [
        SecretKind::Changed,
        SecretKind::Rotate,
        SecretKind::Expired,
        SecretKind::Remove,
    ];

    /// The hook name: `secret-changed`, `secret-rotate`, `secret-expired`, `secret-remove`.
    pub fn hook_name(self) -> &'static str {
        match self {
            SecretKind::Changed => "secret-changed",
            SecretKind::Rotate => "secret-rotate",
            SecretKind::Expired => "secret-expired",
            SecretKind::Remove => "secret-remove",
        }
    }

    /// The kind of a secret hook's name.
    pub fn parse_hook(hook: &str) -> Option<SecretKind> {
        SecretKind::ALL.into_iter().find(|k| k.hook_name() == hook)
    }

    /// Whether Juju runs it on the secret's owner (all but `secret-changed`).
    pub fn is_for_owner(self) -> bool {
        self != SecretKind::Changed
    }

    /// Whether Juju names a revision (`JUJU_SECRET_REVISION`): `secret-expired` and
    /// `secret-remove` (`SecretHookRequiresRevision`).
    pub fn has_revision(self) -> bool {
        matches!(self, SecretKind::Expired | SecretKind::Remove)
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hook_name())
    }
}

/// What Juju tells a secret hook about its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEnv {
    /// `JUJU_SECRET_ID`: the secret's URI.
    pub id: Secret,
    /// `JUJU_SECRET_LABEL`: this unit's consumer label, or else the owner's label; `None` when
    /// empty.
    pub label: Option<String>,
    /// `JUJU_SECRET_REVISION`: in `secret-expired` and `secret-remove` only.
    pub revision: Option<u32>,
}

impl SecretEnv {
    /// Reads the secret variables through `var`; `None` outside a secret hook (no
    /// `JUJU_SECRET_ID`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<SecretEnv> {
        let id = var("JUJU_SECRET_ID").filter(|v| !v.is_empty())?;
        Some(SecretEnv {
            id: Secret(id),
            label: var("JUJU_SECRET_LABEL").filter(|v| !v.is_empty()),
            revision: var("JUJU_SECRET_REVISION").and_then(|r| r.parse().ok()),
        })
    }
}

/// A secret hook being handled. It derefs to the [`Unit`], and has the secret methods for its
/// own secret.
pub struct SecretEvent<'a> {
    pub(crate) unit: Unit<'a>,
    pub(crate) kind: SecretKind,
    pub(crate) secret: Secret,
    pub(crate) label: Option<String>,
    pub(crate) revision: Option<u32>,
}

impl SecretEvent<'_> {
    /// Which secret hook this is.
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// The hook name.
    pub fn hook_name(&self) -> &'static str {
        self.kind.hook_name()
    }

    /// The secret (`JUJU_SECRET_ID`).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// This unit's label for the secret (`JUJU_SECRET_LABEL`): tell several secrets apart by
    /// it.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The revision that expired, or that no consumer tracks any more (`JUJU_SECRET_REVISION`):
    /// always there in `secret-expired` and `secret-remove`, never in the others.
    pub fn revision(&self) -> Option<u32> {
        self.revision
    }

    /// [`Unit::secret_content`] of this secret: the tracked revision.
    pub fn content<T: DeserializeOwned>(&mut self) -> Result<T, SecretError> {
        let secret = self.secret.clone();
        self.unit.secret_content(&secret)
    }

    /// [`Unit::peek_secret_content`] of this secret: the latest revision, not tracked.
    pub fn peek_content<T: DeserializeOwned>(&mut self) -> Result<T, SecretError> {
        let secret = self.secret.clone();
        self.unit.peek_secret_content(&secret)
    }

    /// [`Unit::refresh_secret_content`] of this secret: the latest revision, tracked from now
    /// on (what a consumer does in `secret-changed`).
    pub fn refresh_content<T: DeserializeOwned>(&mut self) -> Result<T, SecretError> {
        let secret = self.secret.clone();
        self.unit.refresh_secret_content(&secret)
    }

    /// [`Unit::set_secret_content`] of this secret (what an owner does in `secret-rotate`).
    pub fn set_content<T: Serialize + ?Sized>(&mut self, content: &T) -> Result<(), SecretError> {
        let secret = self.secret.clone();
        self.unit.set_secret_content(&secret, content)
    }

    /// [`Unit::set_secret_info`] of this secret.
    pub fn set_info(&mut self, options: &SecretOptions) -> Result<(), SecretError> {
        let secret = self.secret.clone();
        self.unit.set_secret_info(&secret, options)
    }

    /// [`Unit::secret_info`] of this secret (ops' `get_info`; named so as not to hide
    /// [`Unit::info`], which logs).
    pub fn get_info(&mut self) -> Result<SecretInfo, SecretError> {
        let secret = self.secret.clone();
        self.unit.secret_info(&secret)
    }

    /// [`Unit::grant_secret`] of this secret.
    pub fn grant<E: Endpoint>(&mut self, relation: &Relation<E>) -> Result<(), SecretError> {
        let secret = self.secret.clone();
        self.unit.grant_secret(&secret, relation)
    }

    /// [`Unit::grant_secret_to_unit`] of this secret.
    pub fn grant_to_unit<E: Endpoint>(
        &mut self,
        relation: &Relation<E>,
        unit: &str,
    ) -> Result<(), SecretError> {
        let secret = self.secret.clone();
        self.unit.grant_secret_to_unit(&secret, relation, unit)
    }

    /// [`Unit::revoke_secret`] of this secret.
    pub fn revoke<E: Endpoint>(&mut self, relation: &Relation<E>) -> Result<(), SecretError> {
        let secret = self.secret.clone();
        self.unit.revoke_secret(&secret, relation)
    }

    /// [`Unit::revoke_secret_from_unit`] of this secret.
    pub fn revoke_from_unit<E: Endpoint>(
        &mut self,
        relation: &Relation<E>,
        unit: &str,
    ) -> Result<(), SecretError> {
        let secret = self.secret.clone();
        self.unit.revoke_secret_from_unit(&secret, relation, unit)
    }

    /// [`Unit::remove_secret_revision`] of this secret: in `secret-remove` and
    /// `secret-expired`, pass [`revision`](Self::revision).
    pub fn remove_revision(&mut self, revision: u32) -> Result<(), SecretError> {
        let secret = self.secret.clone();
        self.unit.remove_secret_revision(&secret, revision)
    }

    /// [`Unit::remove_secret`] of this secret: every revision.
    pub fn remove_all_revisions(&mut self) -> Result<(), SecretError> {
        let secret = self.secret.clone();
        self.unit.remove_secret(&secret)
    }
}

impl<'a> Deref for SecretEvent<'a> {
    type Target = Unit<'a>;
    fn deref(&self) -> &Unit<'a> {
        &self.unit
    }
}

impl<'a> DerefMut for SecretEvent<'a> {
    fn deref_mut(&mut self) -> &mut Unit<'a> {
        &mut self.unit
    }
}

/// The runner of a [`SecretEvent`] handler for `kind`: the hook fails without running the
/// handler when Juju named no secret (or, for `secret-expired` and `secret-remove`, no
/// revision).
pub(crate) fn secret_runner(
    kind: SecretKind,
    handler: impl Fn(&mut SecretEvent<'_>) -> HandlerResult + Send + Sync + 'static,
) -> HookRunner {
    Box::new(move |tools, env, name| {
        let mut unit = Unit::new(tools, env);
        let what = format!("hook {name:?}");
        let missing = |variable| {
            Err(SecretError::NoSecretInHook {
                hook: name.to_owned(),
                variable,
            }
            .into())
        };
        let Some(secret) = env.secret.clone() else {
            return finish(
                &mut unit,
                &what,
                Ok(missing("JUJU_SECRET_ID")),
                EventKind::Hook,
            );
        };
        if kind.has_revision() && secret.revision.is_none() {
            return finish(
                &mut unit,
                &what,
                Ok(missing("JUJU_SECRET_REVISION")),
                EventKind::Hook,
            );
        }
        let mut event = SecretEvent {
            unit,
            kind,
            secret: secret.id,
            label: secret.label,
            revision: secret.revision.filter(|_| kind.has_revision()),
        };
        let result = catch_unwind(AssertUnwindSafe(|| handler(&mut event)));
        finish(&mut event.unit, &what, result, EventKind::Hook)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_names_round_trip() {
        for kind in SecretKind::ALL {
            assert_eq!(SecretKind::parse_hook(kind.hook_name()), Some(kind));
            assert!(crate::STANDARD_HOOKS.contains(&kind.hook_name()));
        }
        assert_eq!(SecretKind::parse_hook("secret-gone"), None);
    }

    #[test]
    fn the_secret_env_is_read_from_juju_s_variables() {
        let vars = [
            ("JUJU_SECRET_ID", "secret:cj4v5vm78ohs79o84r4g"),
            ("JUJU_SECRET_LABEL", ""),
            ("JUJU_SECRET_REVISION", "3"),
        ];
        let get = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let env = SecretEnv::from_vars(get).unwrap();
        assert_eq!(env.id.id(), "cj4v5vm78ohs79o84r4g");
        assert_eq!(env.label, None);
        assert_eq!(env.revision, Some(3));
        assert_eq!(SecretEnv::from_vars(|_| None), None);
    }
}
