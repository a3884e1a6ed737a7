//! The [`Unit`] methods for secrets, and their error, [`SecretError`].
//!
//! What is checked before a hook tool runs: URIs ([`Secret::parse`]), keys
//! ([`is_valid_key`](super::is_valid_key)), that content is not empty, that an expiry is a
//! positive duration or a time, that a revision to remove is not 0 (which `secret-remove`
//! reads as every revision), that a unit given a grant belongs to the relation's remote
//! application, and who manages a secret: `secret-add --owner application` needs the leader,
//! and before updating, granting, revoking or removing, `secret-info-get` says whether this
//! unit owns the secret (it lists the unit's secrets and, for the leader only, the
//! application's), so that a unit that does not manage it is told so before anything changes,
//! rather than when Juju commits the hook.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::content::{SecretDecodeError, SecretEncodeError};
use super::{
    Secret, SecretContent, SecretInfo, SecretOptions, SecretOwner, SecretRead, SecretUriError,
    is_valid_key,
};
use crate::event::Unit;
use crate::names;
use crate::relation::{Endpoint, Relation};
use crate::tools::{ToolError, ToolErrorKind};

/// How a secret is found: by URI, by label (the owner's, or this unit's consumer label), or
/// by URI while setting this unit's label for it (`secret-get <ID> --label L`).
///
/// A `&Secret` converts into one, so `unit.secret_content::<T>(&config.api_token)` reads the
/// secret a `secret` config option names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretLookup {
    Id(Secret),
    Label(String),
    IdWithLabel(Secret, String),
}

impl SecretLookup {
    /// By the owner's label, or this unit's consumer label.
    pub fn label(label: impl Into<String>) -> SecretLookup {
        SecretLookup::Label(label.into())
    }

    /// By URI, labelling the secret `label` for this unit (a consumer's label, or an owner's
    /// new label).
    pub fn id_with_label(secret: &Secret, label: impl Into<String>) -> SecretLookup {
        SecretLookup::IdWithLabel(secret.clone(), label.into())
    }

    /// The checked URI and label, as the hook tools take them.
    fn parts(&self) -> Result<(Option<Secret>, Option<&str>), SecretError> {
        Ok(match self {
            SecretLookup::Id(secret) => (Some(checked(secret)?), None),
            SecretLookup::Label(label) => (None, Some(label.as_str())),
            SecretLookup::IdWithLabel(secret, label) => (Some(checked(secret)?), Some(label)),
        })
    }

    /// How errors name it.
    fn describe(&self) -> String {
        match self {
            SecretLookup::Id(secret) | SecretLookup::IdWithLabel(secret, _) => {
                secret.as_str().to_owned()
            }
            SecretLookup::Label(label) => format!("with label {label:?}"),
        }
    }
}

impl From<&Secret> for SecretLookup {
    fn from(secret: &Secret) -> SecretLookup {
        SecretLookup::Id(secret.clone())
    }
}

impl From<Secret> for SecretLookup {
    fn from(secret: Secret) -> SecretLookup {
        SecretLookup::Id(secret)
    }
}

fn checked(secret: &Secret) -> Result<Secret, SecretError> {
    secret.checked().map_err(SecretError::InvalidUri)
}

/// A secret operation that failed. No variant holds, and no message shows, a secret value.
#[derive(Debug)]
#[non_exhaustive]
pub enum SecretError {
    /// A string that is not a secret URI (a `secret` config value, an id printed by Juju).
    InvalidUri(SecretUriError),
    /// A key breaks Juju's rule ([`is_valid_key`]).
    InvalidKey { key: String },
    /// The content has no key: Juju keeps no empty secret.
    EmptyContent,
    /// The value given cannot be written as content.
    Encode(SecretEncodeError),
    /// The secret's content does not decode into the type asked for.
    Decode {
        secret: String,
        error: SecretDecodeError,
    },
    /// [`Unit::set_secret_info`] with nothing to set.
    NothingToSet { secret: Secret },
    /// Revision 0, which `secret-remove --revision` reads as "every revision".
    InvalidRevision { secret: Secret },
    /// An expiry Juju would refuse.
    InvalidExpire { reason: String },
    /// Creating or managing an application's secret on a unit that is not the leader.
    NotLeader,
    /// Managing a secret this unit does not own: `secret-info-get` does not list it.
    NotOwned { secret: Secret, leader: bool },
    /// A unit to grant to (or revoke from) that is not a unit of the relation's remote
    /// application.
    NotARemoteUnit {
        relation: String,
        unit: String,
        remote_app: String,
    },
    /// A secret hook ran without `JUJU_SECRET_ID` (or, for `secret-expired` and
    /// `secret-remove`, without `JUJU_SECRET_REVISION`).
    NoSecretInHook {
        hook: String,
        variable: &'static str,
    },
    /// A hook tool failed.
    Tool(ToolError),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::InvalidUri(e) => write!(f, "{e}"),
            SecretError::InvalidKey { key } => write!(
                f,
                "secret key {key:?} not valid: keys are lowercase letters and digits, at least \
                 3 long, starting with a letter, with single hyphens between (Juju's \
                 ^([a-z](?:-?[a-z0-9]){{2,}})$)"
            ),
            SecretError::EmptyContent => {
                f.write_str("secret content must not be empty: Juju requires at least one key")
            }
            SecretError::Encode(e) => write!(f, "{e}"),
            SecretError::Decode { secret, error } => write!(f, "secret {secret}: {error}"),
            SecretError::NothingToSet { secret } => write!(
                f,
                "secret {secret}: nothing to set: give a label, description, expiry or rotation policy"
            ),
            SecretError::InvalidRevision { secret } => write!(
                f,
                "secret {secret}: revision 0 does not exist (secret-remove --revision 0 would remove every revision; use remove_secret for that)"
            ),
            SecretError::InvalidExpire { reason } => write!(f, "secret expiry not valid: {reason}"),
            // Juju's `ErrIsNotLeader`.
            SecretError::NotLeader => f.write_str("this unit is not the leader"),
            SecretError::NotOwned {
                secret,
                leader: true,
            } => write!(
                f,
                "secret {secret:?} not found among this unit's and its application's secrets: \
                 only the owner manages a secret"
            ),
            SecretError::NotOwned {
                secret,
                leader: false,
            } => write!(
                f,
                "secret {secret:?} not found among this unit's secrets: this unit is not the \
                 leader, so it manages only the secrets it owns itself (the leader manages the \
                 application's)"
            ),
            // Juju's `secret-grant` message.
            SecretError::NotARemoteUnit {
                unit, remote_app, ..
            } => write!(
                f,
                "cannot specify unit {unit:?} in relation to application {remote_app:?}"
            ),
            SecretError::NoSecretInHook { hook, variable } => {
                write!(f, "hook {hook:?} ran without {variable} set")
            }
            SecretError::Tool(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SecretError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SecretError::InvalidUri(e) => Some(e),
            SecretError::Tool(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ToolError> for SecretError {
    fn from(e: ToolError) -> SecretError {
        SecretError::Tool(e)
    }
}

/// `value` as content with every key checked.
fn content_of<T: Serialize + ?Sized>(value: &T) -> Result<SecretContent, SecretError> {
    let content = SecretContent::encode(value).map_err(SecretError::Encode)?;
    if let Some(key) = content.keys().find(|k| !is_valid_key(k)) {
        return Err(SecretError::InvalidKey {
            key: key.to_owned(),
        });
    }
    if content.is_empty() {
        return Err(SecretError::EmptyContent);
    }
    Ok(content)
}

fn check_options(options: &SecretOptions) -> Result<(), SecretError> {
    if let Some(expire) = &options.expire {
        expire
            .to_arg()
            .map_err(|reason| SecretError::InvalidExpire { reason })?;
    }
    Ok(())
}

/// Whether a tool failed because what it was asked about does not exist.
fn is_not_found(e: &ToolError) -> bool {
    matches!(&e.kind, ToolErrorKind::Failed { stderr, .. } if stderr.to_lowercase().contains("not found"))
}

impl<'a> Unit<'a> {
    /// Creates a secret owned by `owner` (`secret-add`) and returns its URI. `content` is a
    /// serde struct whose fields are the keys (a string field as it is, any other as JSON text,
    /// a `None` field left out), a map, or a [`SecretContent`]; the keys are checked against
    /// Juju's rule first, and an application's secret is created by the leader only
    /// ([`SecretError::NotLeader`] before anything runs).
    ///
    /// ```
    /// # extern crate juju_ops as ops;
    /// use ops::{HandlerResult, HookEvent, SecretOptions, SecretOwner};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Credentials {
    ///     username: String,
    ///     password: String,
    /// }
    ///
    /// fn on_leader_elected(event: &mut HookEvent) -> HandlerResult {
    ///     let credentials = Credentials { username: "app".into(), password: "generated".into() };
    ///     let secret = event.add_secret(
    ///         SecretOwner::Application,
    ///         &credentials,
    ///         &SecretOptions::new().label("credentials"),
    ///     )?;
    ///     event.info(format!("created {secret}"))?;
    ///     Ok(())
    /// }
    /// ```
    pub fn add_secret<T: Serialize + ?Sized>(
        &mut self,
        owner: SecretOwner,
        content: &T,
        options: &SecretOptions,
    ) -> Result<Secret, SecretError> {
        let content = content_of(content)?;
        check_options(options)?;
        if owner == SecretOwner::Application && !self.is_leader()? {
            return Err(SecretError::NotLeader);
        }
        let printed = self.tools().secret_add(owner, &content, options)?;
        Secret::parse(&printed).map_err(SecretError::InvalidUri)
    }

    /// The content of the revision this unit tracks (`secret-get`), as `T`: a consumer's first
    /// read tracks the latest revision and keeps to it until it refreshes; an owner (the
    /// owning unit, or any unit of the owning application) always reads the latest.
    /// `secret` is a [`Secret`] (for instance a `secret` config option), or a
    /// [`SecretLookup`].
    pub fn secret_content<T: DeserializeOwned>(
        &mut self,
        secret: impl Into<SecretLookup>,
    ) -> Result<T, SecretError> {
        self.read_secret(secret.into(), SecretRead::Tracked)
    }

    /// The content of the latest revision, without tracking it (`secret-get --peek`).
    pub fn peek_secret_content<T: DeserializeOwned>(
        &mut self,
        secret: impl Into<SecretLookup>,
    ) -> Result<T, SecretError> {
        self.read_secret(secret.into(), SecretRead::Peek)
    }

    /// The content of the latest revision, tracked from now on (`secret-get --refresh`): what a
    /// consumer does in `secret-changed`.
    pub fn refresh_secret_content<T: DeserializeOwned>(
        &mut self,
        secret: impl Into<SecretLookup>,
    ) -> Result<T, SecretError> {
        self.read_secret(secret.into(), SecretRead::Refresh)
    }

    fn read_secret<T: DeserializeOwned>(
        &mut self,
        lookup: SecretLookup,
        read: SecretRead,
    ) -> Result<T, SecretError> {
        let (id, label) = lookup.parts()?;
        let content = self
            .tools()
            .secret_get(id.as_ref().map(Secret::as_str), label, read)?;
        content.decode().map_err(|error| SecretError::Decode {
            secret: lookup.describe(),
            error,
        })
    }

    /// Replaces the content of a secret this unit manages (`secret-set`): a new revision,
    /// unless (from Juju 3.6) the content is the latest revision's. Keys are checked first.
    pub fn set_secret_content<T: Serialize + ?Sized>(
        &mut self,
        secret: &Secret,
        content: &T,
    ) -> Result<(), SecretError> {
        let content = content_of(content)?;
        let secret = self.managed(secret)?;
        self.tools()
            .secret_set(secret.as_str(), Some(&content), &SecretOptions::new())?;
        Ok(())
    }

    /// Sets the label, description, expiry or rotation policy of a secret this unit manages
    /// (`secret-set` without content: no new revision).
    pub fn set_secret_info(
        &mut self,
        secret: &Secret,
        options: &SecretOptions,
    ) -> Result<(), SecretError> {
        if options.is_empty() {
            return Err(SecretError::NothingToSet {
                secret: secret.clone(),
            });
        }
        check_options(options)?;
        let secret = self.managed(secret)?;
        self.tools().secret_set(secret.as_str(), None, options)?;
        Ok(())
    }

    /// Lets the remote application of `relation` read a secret this unit manages
    /// (`secret-grant -r`), for as long as the relation lives.
    pub fn grant_secret<E: Endpoint>(
        &mut self,
        secret: &Secret,
        relation: &Relation<E>,
    ) -> Result<(), SecretError> {
        self.share(Share::Grant, secret, relation, None)
    }

    /// Lets one unit of `relation`'s remote application read a secret this unit manages
    /// (`secret-grant -r --unit`).
    pub fn grant_secret_to_unit<E: Endpoint>(
        &mut self,
        secret: &Secret,
        relation: &Relation<E>,
        unit: &str,
    ) -> Result<(), SecretError> {
        self.share(Share::Grant, secret, relation, Some(unit))
    }

    /// Withdraws the grant of a secret to `relation`'s remote application (`secret-revoke -r`).
    pub fn revoke_secret<E: Endpoint>(
        &mut self,
        secret: &Secret,
        relation: &Relation<E>,
    ) -> Result<(), SecretError> {
        self.share(Share::Revoke, secret, relation, None)
    }

    /// Withdraws the grant of a secret to one unit of `relation`'s remote application
    /// (`secret-revoke -r --unit`).
    pub fn revoke_secret_from_unit<E: Endpoint>(
        &mut self,
        secret: &Secret,
        relation: &Relation<E>,
        unit: &str,
    ) -> Result<(), SecretError> {
        self.share(Share::Revoke, secret, relation, Some(unit))
    }

    /// `secret-grant` or `secret-revoke` of a secret this unit manages, on `relation` (for one
    /// of its remote units when `unit` is given, checked first).
    fn share<E: Endpoint>(
        &mut self,
        share: Share,
        secret: &Secret,
        relation: &Relation<E>,
        unit: Option<&str>,
    ) -> Result<(), SecretError> {
        if let Some(unit) = unit {
            check_remote_unit(relation, unit)?;
        }
        let secret = self.managed(secret)?;
        let tools = self.tools();
        match share {
            Share::Grant => tools.secret_grant(secret.as_str(), relation.id(), unit)?,
            Share::Revoke => tools.secret_revoke(secret.as_str(), relation.id(), unit)?,
        }
        Ok(())
    }

    /// Removes one revision of a secret this unit manages (`secret-remove --revision`): what
    /// an owner does in `secret-remove` and `secret-expired` for the revision the hook names.
    pub fn remove_secret_revision(
        &mut self,
        secret: &Secret,
        revision: u32,
    ) -> Result<(), SecretError> {
        if revision == 0 {
            return Err(SecretError::InvalidRevision {
                secret: secret.clone(),
            });
        }
        let secret = self.managed(secret)?;
        self.tools()
            .secret_remove(secret.as_str(), Some(revision))?;
        Ok(())
    }

    /// Removes a secret this unit manages, every revision (`secret-remove`).
    pub fn remove_secret(&mut self, secret: &Secret) -> Result<(), SecretError> {
        let secret = self.managed(secret)?;
        self.tools().secret_remove(secret.as_str(), None)?;
        Ok(())
    }

    /// The secrets this unit owns, and its application's when it is the leader
    /// (`secret-ids`), as `secret:<id>` URIs.
    pub fn secret_ids(&mut self) -> Result<Vec<Secret>, SecretError> {
        self.tools()
            .secret_ids()?
            .iter()
            .map(|id| Secret::parse(id).map_err(SecretError::InvalidUri))
            .collect()
    }

    /// The metadata of a secret this unit owns, or (the leader) its application owns
    /// (`secret-info-get`, by URI, or by label when no URI is given).
    pub fn secret_info(
        &mut self,
        secret: impl Into<SecretLookup>,
    ) -> Result<SecretInfo, SecretError> {
        let lookup = secret.into();
        let (id, label) = lookup.parts()?;
        // `secret-info-get` takes a URI or a label, not both.
        let label = if id.is_some() { None } else { label };
        Ok(self
            .tools()
            .secret_info_get(id.as_ref().map(Secret::as_str), label)?)
    }

    /// The checked URI of a secret this unit may manage: listed by `secret-info-get`, and for
    /// an application's secret, on the leader.
    fn managed(&mut self, secret: &Secret) -> Result<Secret, SecretError> {
        let secret = checked(secret)?;
        match self.tools().secret_info_get(Some(secret.as_str()), None) {
            Ok(info) => {
                if info.owner == SecretOwner::Application && !self.is_leader()? {
                    return Err(SecretError::NotLeader);
                }
                Ok(secret)
            }
            Err(e) if is_not_found(&e) => {
                let leader = self.is_leader()?;
                Err(SecretError::NotOwned { secret, leader })
            }
            Err(e) => Err(SecretError::Tool(e)),
        }
    }
}

/// Whether [`Unit::share`] grants or revokes.
#[derive(Clone, Copy)]
enum Share {
    Grant,
    Revoke,
}

fn check_remote_unit<E: Endpoint>(relation: &Relation<E>, unit: &str) -> Result<(), SecretError> {
    let remote_app = relation.remote_app();
    if names::is_unit_of(unit, remote_app) {
        Ok(())
    } else {
        Err(SecretError::NotARemoteUnit {
            relation: relation.to_string(),
            unit: unit.to_owned(),
            remote_app: remote_app.to_owned(),
        })
    }
}
