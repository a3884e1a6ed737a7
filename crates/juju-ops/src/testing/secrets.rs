//! Secrets in a harness [`State`]: the [`Secret`] a test puts in the state (Scenario's model:
//! an owner or none for a consumer, tracked and latest content and revisions, label,
//! description, expiry, rotation, grants per relation), the secret events, the in-memory
//! `secret-*` tools with Juju's rules and messages ([`SecretStore`]), and the consistency
//! checks for secrets and `secret` config values.
//!
//! What Juju does at once and what it does when the hook commits, kept apart as the uniter
//! keeps them (`context.go`, `secretsmanager/secrets.go`): a consumer's tracked revision
//! (`--refresh`) and a label set through `secret-get <id> --label` change at once; created
//! secrets, new content and metadata (`secret-set`), grants, revokes and removals are staged
//! and applied only when the hook succeeds. A change Juju accepts from the hook tool but
//! refuses when it commits (setting, revoking or removing a secret the unit does not own, a
//! label another secret of the owner has) fails the run as Juju fails the hook.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use serde_json::{Map, Value};

use super::backend::{argv, failed};
use super::consistency::UnitName;
use super::relation::Relation;
use super::{Event, State};
use crate::secret::{
    RotatePolicy, Secret as SecretUri, SecretContent, SecretEnv, SecretInfo, SecretKind,
    SecretOptions, SecretOwner, SecretRead, is_valid_key,
};
use crate::tools::ToolError;

/// The most base64 bytes Juju 3.6 takes for one value, and for a secret's content
/// (`core/secrets` `maxValueSizeBytes`, `maxContentSizeBytes`).
const MAX_VALUE_BYTES: usize = 1_000_000;
const MAX_CONTENT_BYTES: usize = 1_000_000;

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
    /// The URI (`secret:<20 lowercase letters and digits>`); [`Secret::new`] gives a fresh one.
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

// ---------------------------------------------------------------------------------------------
// Consistency.

/// How a test builds the event of `kind`.
fn constructor(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Changed => "Event::secret_changed(&secret)",
        SecretKind::Rotate => "Event::secret_rotate(&secret)",
        SecretKind::Expired => "Event::secret_expired(&secret, revision)",
        SecretKind::Remove => "Event::secret_remove(&secret, revision)",
    }
}

/// A `secret` config value as Juju takes it: `secret:<id>` or `secret://<model-uuid>/<id>`.
fn is_secret_config_value(value: &str) -> bool {
    value.starts_with("secret:") && SecretUri(value.to_owned()).is_valid()
}

/// Every problem with the state's secrets, its `secret` config values and a secret event.
pub(super) fn check(
    state: &State,
    event: &Event,
    options: &Map<String, Value>,
    unit: &UnitName<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, option) in options {
        if option.get("type").and_then(Value::as_str) != Some("secret") {
            continue;
        }
        match state.config.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if is_secret_config_value(s) => {}
            Some(other) => problems.push(format!(
                "config option {name:?} is of type secret, but its value {other} is not a secret \
                 URI (secret:<20 lowercase letters and digits>): use a secret's id, e.g. \
                 State::config({name:?}, secret.id.as_str())"
            )),
        }
    }
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut labels: BTreeMap<(Option<SecretOwner>, &str), &str> = BTreeMap::new();
    for secret in &state.secrets {
        let id = secret.id.as_str();
        if !secret.id.is_valid() || !id.starts_with("secret:") {
            problems.push(format!(
                "the secret id {id:?} is not a secret URI (secret:<20 lowercase letters and \
                 digits>): leave ids to Secret::new, or give one of that form"
            ));
        } else if let Some(other) = seen.insert(secret.id.id(), id) {
            problems.push(format!(
                "the secrets {other:?} and {id:?} have the same id: each secret of the state \
                 needs its own"
            ));
        }
        for (which, content) in [
            ("tracked_content", &secret.tracked_content),
            ("latest_content", &secret.latest_content),
        ] {
            if content.is_empty() {
                problems.push(format!(
                    "secret {id}: {which} is empty, but Juju keeps no secret without a key"
                ));
            }
            if let Some(key) = content.keys().find(|k| !is_valid_key(k)) {
                problems.push(format!(
                    "secret {id}: {which} has the key {key:?}, which Juju refuses (lowercase \
                     letters and digits, at least 3, starting with a letter, single hyphens \
                     between)"
                ));
            }
        }
        if secret.tracked_revision == 0 || secret.latest_revision < secret.tracked_revision {
            problems.push(format!(
                "secret {id}: revisions start at 1 and the latest is at least the tracked one \
                 (tracked {}, latest {})",
                secret.tracked_revision, secret.latest_revision
            ));
        }
        if secret.owner.is_some() && !secret.granted {
            problems.push(format!(
                "secret {id} is owned, so it cannot be revoked from its owner: .revoked() is for \
                 a secret granted to the unit (no owner)"
            ));
        }
        if secret.owner.is_none() && !secret.remote_grants.is_empty() {
            problems.push(format!(
                "secret {id} has remote_grants, but only its owner grants a secret: give it an \
                 owner, or drop the grants"
            ));
        }
        for (relation_id, grantees) in &secret.remote_grants {
            let Some(relation) = state.get_relation(*relation_id) else {
                problems.push(format!(
                    "secret {id} is granted on the relation {relation_id}, which is not in the \
                     state: add the relation"
                ));
                continue;
            };
            let remote_app = if relation.peer {
                unit.app
            } else {
                &relation.remote_app
            };
            for grantee in grantees {
                let of_app = grantee == remote_app
                    || grantee.split_once('/').is_some_and(|(app, n)| {
                        app == remote_app && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
                    });
                if !of_app {
                    problems.push(format!(
                        "secret {id} is granted on relation {} to {grantee:?}, which is neither \
                         the remote application {remote_app:?} nor one of its units",
                        relation.relation_id()
                    ));
                }
            }
        }
        if let Some(label) = secret.label.as_deref()
            && let Some(other) = labels.insert((secret.owner, label), id)
        {
            problems.push(format!(
                "the secrets {other} and {id} have the same label {label:?}: Juju keeps labels \
                 unique (per owner, and among a unit's consumer labels)"
            ));
        }
    }
    match event {
        Event::Hook(name) => {
            if let Some(kind) = SecretKind::parse_hook(name) {
                problems.push(format!(
                    "the hook {name:?} is a secret hook, which runs for one secret: build the \
                     event with {} from a secret in the state",
                    constructor(kind)
                ));
            }
        }
        Event::Secret { kind, id, revision } => {
            check_event(state, *kind, id, *revision, &mut problems)
        }
        _ => {}
    }
    problems
}

fn check_event(
    state: &State,
    kind: SecretKind,
    id: &SecretUri,
    revision: Option<u32>,
    problems: &mut Vec<String>,
) {
    let hook = kind.hook_name();
    let Some(secret) = state.get_secret(id) else {
        problems.push(format!(
            "the event {hook} is for the secret {id}, which is not in the state: add it with \
             State::secret(..) and build the event from it"
        ));
        return;
    };
    match (kind, secret.owner) {
        (SecretKind::Changed, Some(owner)) => problems.push(format!(
            "Juju runs secret-changed on the units a secret is granted to, but secret {id} is \
             owned by this {}: drop .owner(..), or use an owner's event (rotate, expired, remove)",
            if owner == SecretOwner::Unit {
                "unit"
            } else {
                "unit's application"
            }
        )),
        (SecretKind::Changed, None) => {
            if !secret.granted {
                problems.push(format!(
                    "Juju runs secret-changed on the units a secret is granted to, but secret \
                     {id} is revoked"
                ));
            }
            if secret.latest_revision <= secret.tracked_revision {
                problems.push(format!(
                    "Juju runs secret-changed when a revision newer than the tracked one exists, \
                     but secret {id} tracks its latest revision ({}): give it .latest_content(..)",
                    secret.latest_revision
                ));
            }
        }
        (_, None) => problems.push(format!(
            "Juju runs {hook} on a secret's owner, but secret {id} is granted to this unit, not \
             owned: give it .owner(SecretOwner::Unit) or .owner(SecretOwner::Application)"
        )),
        (_, Some(SecretOwner::Application)) if !state.leader => problems.push(format!(
            "Juju runs {hook} for an application's secret on the leader only: set \
             State::leader(true)"
        )),
        (_, Some(_)) => {}
    }
    if let Some(revision) = revision
        && (revision == 0 || revision > secret.latest_revision)
    {
        problems.push(format!(
            "the event {hook} names revision {revision} of secret {id}, whose revisions are 1 to \
             {}",
            secret.latest_revision
        ));
    }
    if kind.has_revision() && revision.is_none() {
        problems.push(format!(
            "the event {hook} needs a revision: build it with {}",
            constructor(kind)
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// The in-memory secret tools.

/// Who is calling: what the tools need to know about the unit.
#[derive(Clone, Copy)]
pub(super) struct Caller<'a> {
    pub(super) leader: bool,
    /// The remote application of the relation a grant or revoke names; `None` if the state
    /// has no such relation.
    pub(super) remote_app: Option<&'a str>,
}

impl<'a> Caller<'a> {
    /// The unit, leader or not.
    pub(super) fn unit(leader: bool) -> Caller<'a> {
        Caller {
            leader,
            remote_app: None,
        }
    }

    /// The same caller, about a relation whose remote application is `remote_app`.
    pub(super) fn on(self, remote_app: Option<&'a str>) -> Caller<'a> {
        Caller { remote_app, ..self }
    }
}

/// Changes that Juju applies when the hook commits.
#[derive(Debug, Clone, Default)]
struct Staged {
    content: Option<SecretContent>,
    label: Option<String>,
    description: Option<String>,
    expire: Option<String>,
    rotate: Option<RotatePolicy>,
    grants: Vec<(u32, String)>,
    revokes: Vec<(u32, String)>,
    removed_revisions: Vec<u32>,
    removed: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The secret as committed, with the changes Juju makes at once.
    secret: Secret,
    /// Created by this run: it exists once the hook commits.
    created: bool,
    staged: Staged,
}

impl Entry {
    fn label(&self) -> Option<&str> {
        self.staged
            .label
            .as_deref()
            .or(self.secret.label.as_deref())
    }

    /// The grants on `relation_id`, with this run's.
    fn grants(&self, relation_id: u32) -> BTreeSet<String> {
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
    fn listed(&self, leader: bool) -> bool {
        !self.staged.removed
            && match self.secret.owner {
                Some(SecretOwner::Unit) => true,
                Some(SecretOwner::Application) => leader,
                None => false,
            }
    }
}

/// The secrets a run sees, with the run's changes.
pub(super) struct SecretStore {
    entries: Vec<Entry>,
    now: SystemTime,
    /// What Juju would refuse when committing the hook, with the call that caused it.
    commit_errors: Vec<String>,
}

fn uri_of(id: &str) -> SecretUri {
    SecretUri(format!("secret:{id}"))
}

/// `s` base64-encoded: its length.
fn base64_len(s: &str) -> usize {
    s.len().div_ceil(3) * 4
}

/// `secret-add`'s and `secret-set`'s `Init` checks of content (`encodeBase64`): exit 2.
fn check_content(tool: &str, content: &SecretContent) -> Result<(), ToolError> {
    let mut total = 0;
    for (key, value) in content.expose() {
        if !is_valid_key(key) {
            return Err(failed(argv(&[tool]), 2, format!("key {key:?} not valid")));
        }
        let size = base64_len(value);
        if size > MAX_VALUE_BYTES {
            return Err(failed(
                argv(&[tool]),
                2,
                format!("base64 encoded secret content for key {key:?} too large: {size} bytes"),
            ));
        }
        total += size;
    }
    if total > MAX_CONTENT_BYTES {
        return Err(failed(
            argv(&[tool]),
            2,
            format!("base64 encoded secret content too large: {total} bytes"),
        ));
    }
    Ok(())
}

/// A URI argument as `secrets.ParseURI` reads it (exit 2 otherwise).
fn parse_uri(tool: &str, id: &str) -> Result<SecretUri, ToolError> {
    SecretUri::parse(id).map_err(|e| failed(argv(&[tool, id]), 2, e))
}

fn not_leader(tool: &str, id: &str) -> ToolError {
    failed(argv(&[tool, id]), 1, "this unit is not the leader")
}

impl SecretStore {
    pub(super) fn new(secrets: &[Secret]) -> SecretStore {
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
    pub(super) fn commit_error(&self) -> Option<&str> {
        self.commit_errors.first().map(String::as_str)
    }

    fn find(&self, uri: &SecretUri) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.secret.id.same_secret(uri))
    }

    /// The expiry as stored: the time it names.
    fn expiry(&self, tool: &str, options: &SecretOptions) -> Result<Option<String>, ToolError> {
        options
            .expire
            .map(|expire| {
                expire.resolve(self.now).map_err(|reason| {
                    failed(
                        argv(&[tool]),
                        2,
                        format!("expire time or duration not valid: {reason}"),
                    )
                })
            })
            .transpose()
    }

    /// Records Juju's refusal of a label another secret of the same owner has (at commit).
    fn check_label(&mut self, call: &str, index: Option<usize>, owner: SecretOwner, label: &str) {
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

    /// The entry a management tool names, or the commit-time refusal Juju would give:
    /// `Ok(None)` once the refusal is recorded.
    fn managed(
        &mut self,
        tool: &str,
        uri: &SecretUri,
        caller: Caller<'_>,
    ) -> Result<Option<usize>, ToolError> {
        let call = format!("{tool} {uri}");
        match self.find(uri) {
            None => {
                self.commit_errors.push(format!(
                    "secret {:?} not found (from `{call}`)",
                    uri.as_str()
                ));
                Ok(None)
            }
            Some(i) => match self.entries[i].secret.owner {
                None => {
                    self.commit_errors
                        .push(format!("permission denied (from `{call}`)"));
                    Ok(None)
                }
                Some(SecretOwner::Application) if !caller.leader => {
                    Err(not_leader(tool, uri.as_str()))
                }
                Some(_) => Ok(Some(i)),
            },
        }
    }

    pub(super) fn add(
        &mut self,
        caller: Caller<'_>,
        owner: SecretOwner,
        content: &SecretContent,
        options: &SecretOptions,
    ) -> Result<String, ToolError> {
        let tool = "secret-add";
        check_content(tool, content)?;
        let expire = self.expiry(tool, options)?;
        if content.is_empty() {
            return Err(failed(argv(&[tool]), 1, "empty secret value not valid"));
        }
        if owner == SecretOwner::Application && !caller.leader {
            return Err(failed(argv(&[tool]), 1, "this unit is not the leader"));
        }
        let id = new_id();
        if let Some(label) = &options.label {
            self.check_label(&format!("{tool} --label {label:?}"), None, owner, label);
        }
        let mut secret = Secret::new(content.expose().clone()).id(format!("secret:{id}"));
        secret.owner = Some(owner);
        secret.label = options.label.clone();
        secret.description = options.description.clone();
        secret.expire = expire;
        secret.rotate = options.rotate;
        self.entries.push(Entry {
            secret,
            created: true,
            staged: Staged::default(),
        });
        Ok(format!("secret:{id}"))
    }

    pub(super) fn get(
        &mut self,
        caller: Caller<'_>,
        id: Option<&str>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent, ToolError> {
        let tool = "secret-get";
        let label = label.filter(|l| !l.is_empty());
        let index = match (id, label) {
            (None, None) => {
                return Err(failed(
                    argv(&[tool]),
                    2,
                    "require either a secret URI or label",
                ));
            }
            (Some(id), _) => {
                let uri = parse_uri(tool, id)?;
                self.find(&uri).ok_or_else(|| {
                    failed(argv(&[tool, id]), 1, format!("secret {id:?} not found"))
                })?
            }
            (None, Some(label)) => self.find_by_label(label).ok_or_else(|| {
                failed(
                    argv(&[tool]),
                    1,
                    format!("consumer label {label:?} not found"),
                )
            })?,
        };
        let entry = &mut self.entries[index];
        let peek_or_refresh = read != SecretRead::Tracked;
        if entry.created {
            if let (Some(_), Some(label)) = (id, label) {
                entry.secret.label = Some(label.to_owned());
            }
            return Ok(match (&entry.staged.content, peek_or_refresh) {
                (Some(content), true) => content.clone(),
                _ => entry.secret.latest_content.clone(),
            });
        }
        match entry.secret.owner {
            Some(owner) => {
                // An owner label given with the URI is saved at once, by the owning unit or
                // the leader of the owning application.
                if let (Some(_), Some(label)) = (id, label)
                    && (owner == SecretOwner::Unit || caller.leader)
                {
                    entry.secret.label = Some(label.to_owned());
                }
                Ok(match (&entry.staged.content, peek_or_refresh) {
                    (Some(content), true) => content.clone(),
                    _ => entry.secret.latest_content.clone(),
                })
            }
            None => {
                if !entry.secret.granted {
                    let args = argv(&[tool, id.unwrap_or_default()]);
                    return Err(failed(args, 1, "permission denied"));
                }
                if let (Some(_), Some(label)) = (id, label) {
                    entry.secret.label = Some(label.to_owned());
                }
                Ok(match read {
                    SecretRead::Tracked => entry.secret.tracked_content.clone(),
                    SecretRead::Peek => entry.secret.latest_content.clone(),
                    SecretRead::Refresh => {
                        // The consumer's tracked revision moves at once.
                        entry.secret.tracked_content = entry.secret.latest_content.clone();
                        entry.secret.tracked_revision = entry.secret.latest_revision;
                        entry.secret.latest_content.clone()
                    }
                })
            }
        }
    }

    /// A label as `secret-get --label` resolves it: this run's creates and updates, then the
    /// owner labels (an application's secrets for every unit of it), then consumer labels.
    fn find_by_label(&self, label: &str) -> Option<usize> {
        let with = |pred: &dyn Fn(&Entry) -> bool| {
            self.entries
                .iter()
                .position(|e| pred(e) && e.label() == Some(label))
        };
        with(&|e| e.created || e.staged.label.is_some())
            .or_else(|| with(&|e| e.secret.owner.is_some()))
            .or_else(|| with(&|e| e.secret.owner.is_none()))
    }

    pub(super) fn info(
        &self,
        caller: Caller<'_>,
        id: Option<&str>,
        label: Option<&str>,
    ) -> Result<SecretInfo, ToolError> {
        let tool = "secret-info-get";
        let label = label.filter(|l| !l.is_empty());
        let want = match (id, label) {
            (Some(_), Some(_)) => {
                return Err(failed(
                    argv(&[tool]),
                    2,
                    "specify either a secret URI or label but not both",
                ));
            }
            (None, None) => {
                return Err(failed(
                    argv(&[tool]),
                    2,
                    "require either a secret URI or label",
                ));
            }
            (Some(id), None) => parse_uri(tool, id)?.id().to_owned(),
            (None, Some(label)) => label.to_owned(),
        };
        let found = self.entries.iter().find(|e| {
            e.listed(caller.leader)
                && match id {
                    Some(_) => e.secret.id.id() == want,
                    None => e.label() == Some(want.as_str()),
                }
        });
        let Some(entry) = found else {
            let args = argv(&[tool, id.or(label).unwrap_or_default()]);
            return Err(failed(args, 1, format!("secret {want:?} not found")));
        };
        let secret = &entry.secret;
        Ok(SecretInfo {
            id: uri_of(secret.id.id()),
            label: entry.label().map(str::to_owned),
            revision: secret.latest_revision,
            owner: secret.owner.unwrap_or(SecretOwner::Unit),
            description: entry
                .staged
                .description
                .clone()
                .or_else(|| secret.description.clone()),
            rotation: entry.staged.rotate.or(secret.rotate),
            expiry: entry
                .staged
                .expire
                .clone()
                .or_else(|| secret.expire.clone()),
            rotates: None,
            access: Vec::new(),
        })
    }

    pub(super) fn set(
        &mut self,
        caller: Caller<'_>,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<(), ToolError> {
        let tool = "secret-set";
        let uri = parse_uri(tool, id)?;
        if let Some(content) = content {
            check_content(tool, content)?;
        }
        let expire = self.expiry(tool, options)?;
        let Some(index) = self.managed(tool, &uri, caller)? else {
            return Ok(());
        };
        if let Some(label) = &options.label
            && let Some(owner) = self.entries[index].secret.owner
        {
            self.check_label(
                &format!("{tool} {id} --label {label:?}"),
                Some(index),
                owner,
                label,
            );
        }
        let entry = &mut self.entries[index];
        if let Some(content) = content.filter(|c| !c.is_empty()) {
            // From Juju 3.6, content equal to the latest revision's makes no new revision.
            entry.staged.content =
                (*content != entry.secret.latest_content).then(|| content.clone());
        }
        let staged = &mut entry.staged;
        staged.label = options.label.clone().or(staged.label.take());
        staged.description = options.description.clone().or(staged.description.take());
        staged.expire = expire.or(staged.expire.take());
        staged.rotate = options.rotate.or(staged.rotate);
        Ok(())
    }

    fn check_grant_args(
        tool: &str,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
        caller: Caller<'_>,
    ) -> Result<String, ToolError> {
        let Some(remote_app) = caller.remote_app else {
            return Err(failed(
                argv(&[tool, id, "-r", &relation_id.to_string()]),
                2,
                format!("invalid value \"{relation_id}\" for option -r: relation not found"),
            ));
        };
        match unit {
            None => Ok(remote_app.to_owned()),
            Some(unit) => {
                let app = unit.split_once('/').and_then(|(app, n)| {
                    (!app.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                        .then_some(app)
                });
                match app {
                    None => Err(failed(
                        argv(&[tool, id]),
                        2,
                        format!("unit {unit:?} not valid"),
                    )),
                    Some(app) if tool == "secret-grant" && app != remote_app => Err(failed(
                        argv(&[tool, id]),
                        2,
                        format!(
                            "cannot specify unit {unit:?} in relation to application {remote_app:?}"
                        ),
                    )),
                    Some(_) => Ok(unit.to_owned()),
                }
            }
        }
    }

    pub(super) fn grant(
        &mut self,
        caller: Caller<'_>,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        let tool = "secret-grant";
        let uri = parse_uri(tool, id)?;
        let grantee = SecretStore::check_grant_args(tool, id, relation_id, unit, caller)?;
        let index = self.find(&uri);
        if let Some(i) = index
            && self.entries[i].secret.owner == Some(SecretOwner::Application)
            && !caller.leader
        {
            return Err(not_leader(tool, id));
        }
        let Some(index) = index.filter(|&i| self.entries[i].listed(caller.leader)) else {
            return Err(failed(
                argv(&[tool, id]),
                1,
                format!("secret {:?} not found", uri.id()),
            ));
        };
        let entry = &mut self.entries[index];
        let grants = entry.grants(relation_id);
        let remote_app = caller.remote_app.unwrap_or_default();
        if grants.contains(&grantee) || (unit.is_some() && grants.contains(remote_app)) {
            return Ok(());
        }
        if unit.is_none() && !grants.is_empty() {
            return Err(failed(
                argv(&[tool, id]),
                1,
                "any unit level grants need to be revoked before granting access to the \
                 corresponding application",
            ));
        }
        entry.staged.grants.push((relation_id, grantee));
        Ok(())
    }

    pub(super) fn revoke(
        &mut self,
        caller: Caller<'_>,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        let tool = "secret-revoke";
        let uri = parse_uri(tool, id)?;
        let grantee = SecretStore::check_grant_args(tool, id, relation_id, unit, caller)?;
        if let Some(index) = self.managed(tool, &uri, caller)? {
            self.entries[index]
                .staged
                .revokes
                .push((relation_id, grantee));
        }
        Ok(())
    }

    pub(super) fn remove(
        &mut self,
        caller: Caller<'_>,
        id: &str,
        revision: Option<u32>,
    ) -> Result<(), ToolError> {
        let tool = "secret-remove";
        let uri = parse_uri(tool, id)?;
        if let Some(index) = self.managed(tool, &uri, caller)? {
            let staged = &mut self.entries[index].staged;
            // `--revision 0` is no revision: the whole secret.
            match revision.filter(|&r| r > 0) {
                Some(revision) => staged.removed_revisions.push(revision),
                None => staged.removed = true,
            }
        }
        Ok(())
    }

    pub(super) fn ids(&self, caller: Caller<'_>) -> Vec<String> {
        let mut ids: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.listed(caller.leader))
            .map(|e| e.secret.id.id().to_owned())
            .collect();
        ids.sort();
        ids
    }

    /// The secrets after the run: with its staged changes when the hook `committed`, else
    /// with only what Juju changes at once.
    pub(super) fn into_secrets(self, committed: bool) -> Vec<Secret> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_juju_xids() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        for id in [a, b] {
            assert_eq!(id.len(), 20, "{id}");
            assert!(
                id.bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'v').contains(&c))
            );
            assert!(id.ends_with('0') || id.ends_with('g'), "{id}");
            assert!(SecretUri::parse(&id).is_ok());
        }
    }

    fn stderr(e: ToolError) -> (Option<i32>, String) {
        match e.kind {
            crate::tools::ToolErrorKind::Failed { code, stderr } => (code, stderr),
            other => panic!("{other:?}"),
        }
    }

    fn fixture() -> (SecretStore, Secret, Secret, Secret) {
        let consumed = Secret::new([("token", "a")]).label("api");
        let mine = Secret::new([("token", "b")]).owner(SecretOwner::Unit);
        let app = Secret::new([("token", "c")]).owner(SecretOwner::Application);
        let store = SecretStore::new(&[consumed.clone(), mine.clone(), app.clone()]);
        (store, consumed, mine, app)
    }

    const LEADER: Caller<'static> = Caller {
        leader: true,
        remote_app: None,
    };
    const FOLLOWER: Caller<'static> = Caller {
        leader: false,
        remote_app: None,
    };

    #[test]
    fn changes_juju_refuses_at_commit_are_recorded_not_refused() {
        let (mut store, consumed, _, _) = fixture();
        let content = SecretContent::from_pairs([("token", "x")]);
        // Setting a consumed secret: the tool succeeds, the commit fails.
        store
            .set(
                LEADER,
                consumed.id.as_str(),
                Some(&content),
                &SecretOptions::new(),
            )
            .unwrap();
        assert_eq!(
            store.commit_error(),
            Some(format!("permission denied (from `secret-set {}`)", consumed.id).as_str())
        );
        let (mut store, _, _, _) = fixture();
        let unknown = "secret:cj4v5vm78ohs79o84r4g";
        store.remove(LEADER, unknown, None).unwrap();
        assert!(
            store
                .commit_error()
                .unwrap()
                .starts_with("secret \"secret:cj4v5vm78ohs79o84r4g\" not found"),
            "{:?}",
            store.commit_error()
        );
        // Nothing is applied either way when the run does not commit.
        let (mut store, _, mine, _) = fixture();
        store
            .set(
                LEADER,
                mine.id.as_str(),
                Some(&content),
                &SecretOptions::new(),
            )
            .unwrap();
        assert_eq!(store.into_secrets(false)[1], mine);
    }

    #[test]
    fn tool_errors_are_juju_s() {
        let (mut store, consumed, mine, app) = fixture();
        let content = SecretContent::from_pairs([("token", "x")]);
        let cases = [
            (
                store.get(LEADER, None, None, SecretRead::Tracked),
                2,
                "require either a secret URI or label",
            ),
            (
                store.get(LEADER, Some("secret:x"), None, SecretRead::Tracked),
                2,
                "secret URI \"secret:x\" not valid",
            ),
            (
                store
                    .info(LEADER, Some(mine.id.as_str()), Some("l"))
                    .map(|_| SecretContent::new()),
                2,
                "specify either a secret URI or label but not both",
            ),
            (
                store
                    .info(FOLLOWER, Some(app.id.as_str()), None)
                    .map(|_| SecretContent::new()),
                1,
                &format!("secret {:?} not found", app.id.id()),
            ),
            (
                store
                    .set(
                        FOLLOWER,
                        app.id.as_str(),
                        Some(&content),
                        &SecretOptions::new(),
                    )
                    .map(|()| SecretContent::new()),
                1,
                "this unit is not the leader",
            ),
            (
                store
                    .add(
                        FOLLOWER,
                        SecretOwner::Application,
                        &content,
                        &SecretOptions::new(),
                    )
                    .map(|_| SecretContent::new()),
                1,
                "this unit is not the leader",
            ),
            (
                store
                    .add(
                        LEADER,
                        SecretOwner::Unit,
                        &SecretContent::from_pairs([("Token", "x")]),
                        &SecretOptions::new(),
                    )
                    .map(|_| SecretContent::new()),
                2,
                "key \"Token\" not valid",
            ),
            (
                store
                    .add(
                        LEADER,
                        SecretOwner::Unit,
                        &SecretContent::new(),
                        &SecretOptions::new(),
                    )
                    .map(|_| SecretContent::new()),
                1,
                "empty secret value not valid",
            ),
            (
                store
                    .grant(LEADER, mine.id.as_str(), 9, None)
                    .map(|()| SecretContent::new()),
                2,
                "invalid value \"9\" for option -r: relation not found",
            ),
            (
                store
                    .grant(LEADER.on(Some("pg")), mine.id.as_str(), 9, Some("other/0"))
                    .map(|()| SecretContent::new()),
                2,
                "cannot specify unit \"other/0\" in relation to application \"pg\"",
            ),
            (
                store
                    .grant(LEADER.on(Some("pg")), mine.id.as_str(), 9, Some("pg"))
                    .map(|()| SecretContent::new()),
                2,
                "unit \"pg\" not valid",
            ),
            (
                store
                    .grant(LEADER.on(Some("pg")), consumed.id.as_str(), 9, None)
                    .map(|()| SecretContent::new()),
                1,
                &format!("secret {:?} not found", consumed.id.id()),
            ),
        ];
        for (result, code, message) in cases {
            let (got_code, got) = stderr(result.unwrap_err());
            assert_eq!(
                (got_code, got.as_str()),
                (Some(code), format!("ERROR {message}\n").as_str())
            );
        }
        assert_eq!(store.commit_error(), None);
        // What a unit lists: its own secrets, and its application's on the leader.
        assert_eq!(store.ids(FOLLOWER), [mine.id.id()]);
        let mut both = vec![mine.id.id().to_owned(), app.id.id().to_owned()];
        both.sort();
        assert_eq!(store.ids(LEADER), both);
    }

    #[test]
    fn base64_lengths() {
        assert_eq!(base64_len(""), 0);
        assert_eq!(base64_len("a"), 4);
        assert_eq!(base64_len("abc"), 4);
        assert_eq!(base64_len("abcd"), 8);
    }
}
