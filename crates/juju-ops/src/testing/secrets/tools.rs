//! The in-memory `secret-*` tools on a [`SecretStore`], with Juju's rules and messages: the
//! hook tool's own checks (`Init`, exit 2, and `Run`, exit 1), what the facade refuses at once,
//! and what is staged for the commit or recorded as the refusal Juju gives when committing.

use super::super::backend::{argv, failed};
use super::store::{Entry, SecretStore, Staged, uri_of};
use super::{Secret, new_id};
use crate::names;
use crate::secret::{
    Secret as SecretUri, SecretContent, SecretInfo, SecretOptions, SecretOwner, SecretRead,
    is_valid_key,
};
use crate::tools::ToolError;

/// The most base64 bytes Juju 3.6 takes for one value, and for a secret's content
/// (`core/secrets` `maxValueSizeBytes`, `maxContentSizeBytes`).
const MAX_VALUE_BYTES: usize = 1_000_000;
const MAX_CONTENT_BYTES: usize = 1_000_000;

/// Who is calling: what the tools need to know about the unit.
#[derive(Clone, Copy)]
pub(in crate::testing) struct Caller<'a> {
    pub(in crate::testing) leader: bool,
    /// The remote application of the relation a grant or revoke names; `None` if the state
    /// has no such relation.
    pub(in crate::testing) remote_app: Option<&'a str>,
}

impl<'a> Caller<'a> {
    /// The unit, leader or not.
    pub(in crate::testing) fn unit(leader: bool) -> Caller<'a> {
        Caller {
            leader,
            remote_app: None,
        }
    }

    /// The same caller, about a relation whose remote application is `remote_app`.
    pub(in crate::testing) fn on(self, remote_app: Option<&'a str>) -> Caller<'a> {
        Caller { remote_app, ..self }
    }
}

/// `s` base64-encoded: its length.
pub(super) fn base64_len(s: &str) -> usize {
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

    pub(in crate::testing) fn add(
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

    pub(in crate::testing) fn get(
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

    pub(in crate::testing) fn info(
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

    pub(in crate::testing) fn set(
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
            Some(unit) => match names::split_unit(unit).map(|(app, _)| app) {
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
            },
        }
    }

    pub(in crate::testing) fn grant(
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

    pub(in crate::testing) fn revoke(
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

    pub(in crate::testing) fn remove(
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

    pub(in crate::testing) fn ids(&self, caller: Caller<'_>) -> Vec<String> {
        let mut ids: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.listed(caller.leader))
            .map(|e| e.secret.id.id().to_owned())
            .collect();
        ids.sort();
        ids
    }
}
