//! The consistency checks for secrets: a state's secrets (ids, content keys, revisions, owners,
//! grants, labels), its `secret` config values, and a secret event, each refused with the fix.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::super::consistency::UnitName;
use super::super::{Event, State};
use crate::names;
use crate::secret::{Secret as SecretUri, SecretKind, SecretOwner, is_valid_key};

/// How a test builds the event of `kind`.
fn constructor(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Changed => "Event::secret_changed(&secret)",
        SecretKind::Rotate => "Event::secret_rotate(&secret)",
        SecretKind::Expired => "Event::secret_expired(&secret, revision)",
        SecretKind::Remove => "Event::secret_remove(&secret, revision)",
    }
}

/// A `secret` config value as Juju takes it: a secret URI ([`SecretUri::parse`]) with the
/// `secret:` scheme, which the `secret` config type needs.
fn is_secret_config_value(value: &str) -> bool {
    SecretUri::parse(value).is_ok() && SecretUri::has_secret_scheme(value)
}

/// What a secret URI is, for the messages.
const URI_FORM: &str = "secret:<id> or secret://<model-uuid>/<id>, the id an xid: 20 \
                        characters of 0-9 and a-v, the last 0 or g";

/// Every problem with the state's secrets, its `secret` config values and a secret event.
pub(in crate::testing) fn check(
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
                 URI ({URI_FORM}): use a secret's id, e.g. State::config({name:?}, \
                 secret.id.as_str())"
            )),
        }
    }
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut labels: BTreeMap<(Option<SecretOwner>, &str), &str> = BTreeMap::new();
    for secret in &state.secrets {
        let id = secret.id.as_str();
        if !secret.id.is_valid() {
            problems.push(format!(
                "the secret id {id:?} is not a secret URI as Juju writes it ({URI_FORM}): leave \
                 ids to Secret::new, or give one of that form"
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
                if grantee != remote_app && !names::is_unit_of(grantee, remote_app) {
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
