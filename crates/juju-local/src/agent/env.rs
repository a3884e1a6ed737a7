//! The charm process's environment, built from scratch as Juju's uniter builds it
//! (`worker/uniter/runner/context`): the charm and context identity, the agent socket, the
//! unit and model, a relation hook's relation, remote unit and application and departing unit,
//! the action's name and id, a few locale and packaging settings, and `PATH` with the hook tools
//! first. Nothing is inherited but the agent's own `PATH`.

use std::path::Path;

use super::Kind;
use crate::state::JUJU_VERSION;

/// The `PATH` a charm process gets after the tools directory when the agent has none.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What a charm process's environment is made of; [`HookEnv::vars`] builds it.
#[derive(Debug, Clone)]
pub struct HookEnv<'a> {
    pub kind: &'a Kind,
    /// The unpacked charm (`CHARM_DIR`, and the process's working directory).
    pub charm_dir: &'a Path,
    /// The directory of hook-tool symlinks, put first on `PATH`.
    pub tools_dir: &'a Path,
    /// The tool server's socket (`JUJU_AGENT_SOCKET_ADDRESS`).
    pub socket: &'a Path,
    pub context_id: &'a str,
    pub unit_name: &'a str,
    pub unit_number: u32,
    pub model_name: &'a str,
    pub model_uuid: &'a str,
    /// The agent's own `PATH`, if it has one (the default system path otherwise).
    pub agent_path: Option<String>,
}

impl HookEnv<'_> {
    /// The environment variables, in the order the uniter sets them.
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = Vec::new();
        let mut set = |name: &str, value: String| env.push((name.to_owned(), value));
        let charm_dir = self.charm_dir.display().to_string();
        set("CHARM_DIR", charm_dir.clone());
        set("JUJU_CHARM_DIR", charm_dir);
        set("JUJU_CONTEXT_ID", self.context_id.to_owned());
        let hook_name = match self.kind {
            Kind::Hook(hook) => hook.name.clone(),
            _ => String::new(),
        };
        set("JUJU_HOOK_NAME", hook_name);
        set(
            "JUJU_AGENT_SOCKET_ADDRESS",
            self.socket.display().to_string(),
        );
        set("JUJU_AGENT_SOCKET_NETWORK", "unix".into());
        set("JUJU_UNIT_NAME", self.unit_name.to_owned());
        set("JUJU_MODEL_UUID", self.model_uuid.to_owned());
        set("JUJU_MODEL_NAME", self.model_name.to_owned());
        set("JUJU_API_ADDRESSES", "127.0.0.1:17070".into());
        set("JUJU_MACHINE_ID", self.unit_number.to_string());
        set("JUJU_PRINCIPAL_UNIT", String::new());
        set("JUJU_AVAILABILITY_ZONE", String::new());
        set("JUJU_VERSION", JUJU_VERSION.into());
        set("CLOUD_API_VERSION", String::new());
        // `HookVars`: the remote unit is exported even when empty (`-relation-created`,
        // `-relation-broken`, an application-level `-changed`); the departing unit only in
        // `-relation-departed`.
        if let Kind::Hook(hook) = self.kind
            && let Some(relation) = &hook.relation
        {
            set("JUJU_RELATION", relation.endpoint.clone());
            set(
                "JUJU_RELATION_ID",
                format!("{}:{}", relation.endpoint, relation.id),
            );
            set("JUJU_REMOTE_UNIT", relation.remote_unit.clone());
            set("JUJU_REMOTE_APP", relation.remote_app.clone());
            if let Some(departing) = &relation.departing_unit {
                set("JUJU_DEPARTING_UNIT", departing.clone());
            }
        }
        // `HookVars`: a storage hook's instance.
        if let Kind::Hook(hook) = self.kind
            && let Some(storage) = &hook.storage
        {
            set("JUJU_STORAGE_ID", storage.id.clone());
            set("JUJU_STORAGE_LOCATION", storage.location.clone());
            set("JUJU_STORAGE_KIND", storage.kind.clone());
        }
        // `JUJU_SECRET_REVISION` only for the hooks about one revision
        // (`SecretHookRequiresRevision`: `secret-expired`, `secret-remove`).
        if let Kind::Hook(hook) = self.kind
            && let Some(secret) = &hook.secret
        {
            set("JUJU_SECRET_ID", crate::secrets::uri(&secret.id));
            set("JUJU_SECRET_LABEL", secret.label.clone());
            if matches!(
                secret.kind,
                crate::secrets::HookKind::Expired | crate::secrets::HookKind::Remove
            ) {
                set("JUJU_SECRET_REVISION", secret.revision.to_string());
            }
        }
        if let Kind::Action { name, id, .. } = self.kind {
            set("JUJU_ACTION_NAME", name.clone());
            set("JUJU_ACTION_UUID", id.to_string());
            set("JUJU_ACTION_TAG", format!("action-{id}"));
        }
        set("APT_LISTCHANGES_FRONTEND", "none".into());
        set("DEBIAN_FRONTEND", "noninteractive".into());
        set("LANG", "C.UTF-8".into());
        set("TERM", "tmux-256color".into());
        let agent_path = self.agent_path.as_deref().unwrap_or(DEFAULT_PATH);
        set("PATH", format!("{}:{agent_path}", self.tools_dir.display()));
        match self.kind {
            Kind::Hook(hook) => set("JUJU_DISPATCH_PATH", format!("hooks/{}", hook.name)),
            Kind::Action { name, .. } => set("JUJU_DISPATCH_PATH", format!("actions/{name}")),
            Kind::Exec { .. } => {}
        }
        env
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn vars(kind: &Kind, agent_path: Option<&str>) -> BTreeMap<String, String> {
        HookEnv {
            kind,
            charm_dir: Path::new("/u/charm"),
            tools_dir: Path::new("/u/tools"),
            socket: Path::new("/tmp/s.sock"),
            context_id: "ctx",
            unit_name: "app/1",
            unit_number: 1,
            model_name: "m",
            model_uuid: "uuid",
            agent_path: agent_path.map(str::to_owned),
        }
        .vars()
        .into_iter()
        .collect()
    }

    #[test]
    fn an_action_gets_its_name_id_and_dispatch_path() {
        let kind = Kind::Action {
            name: "go".into(),
            id: 7,
            params: serde_json::Value::Null,
        };
        let env = vars(&kind, Some("/bin"));
        assert_eq!(env["JUJU_ACTION_NAME"], "go");
        assert_eq!(env["JUJU_ACTION_UUID"], "7");
        assert_eq!(env["JUJU_ACTION_TAG"], "action-7");
        assert_eq!(env["JUJU_DISPATCH_PATH"], "actions/go");
        assert_eq!(env["JUJU_HOOK_NAME"], "");
        assert_eq!(env["PATH"], "/u/tools:/bin");
        assert_eq!(env["CHARM_DIR"], "/u/charm");
        assert_eq!(env["JUJU_AGENT_SOCKET_ADDRESS"], "/tmp/s.sock");
    }

    #[test]
    fn a_hook_has_its_name_and_an_exec_no_dispatch_path() {
        let env = vars(&Kind::Hook(crate::agent::HookInfo::plain("start")), None);
        assert_eq!(env["JUJU_HOOK_NAME"], "start");
        assert_eq!(env["JUJU_DISPATCH_PATH"], "hooks/start");
        assert!(!env.contains_key("JUJU_ACTION_NAME"));
        assert!(!env.contains_key("JUJU_RELATION"));
        assert_eq!(env["PATH"], format!("/u/tools:{DEFAULT_PATH}"));
        let env = vars(
            &Kind::Exec {
                command: "true".into(),
            },
            None,
        );
        assert!(!env.contains_key("JUJU_DISPATCH_PATH"));
    }

    #[test]
    fn a_relation_hook_has_its_relation_and_remote_unit_and_only_departed_a_departing_unit() {
        use super::super::{HookInfo, HookRelation, RelationHookKind};
        let hook = |kind: RelationHookKind, remote: &str, departing: Option<&str>| {
            Kind::Hook(HookInfo {
                secret: None,
                name: format!("db-{}", kind.suffix()),
                relation: Some(HookRelation {
                    id: 3,
                    endpoint: "db".into(),
                    remote_unit: remote.into(),
                    remote_app: "mysql".into(),
                    departing_unit: departing.map(str::to_owned),
                    kind,
                }),
                storage: None,
            })
        };
        let env = vars(&hook(RelationHookKind::Created, "", None), None);
        assert_eq!(env["JUJU_RELATION"], "db");
        assert_eq!(env["JUJU_RELATION_ID"], "db:3");
        assert_eq!(env["JUJU_REMOTE_UNIT"], "");
        assert_eq!(env["JUJU_REMOTE_APP"], "mysql");
        assert_eq!(env["JUJU_DISPATCH_PATH"], "hooks/db-relation-created");
        assert!(!env.contains_key("JUJU_DEPARTING_UNIT"));
        let env = vars(
            &hook(RelationHookKind::Departed, "mysql/1", Some("mysql/1")),
            None,
        );
        assert_eq!(env["JUJU_REMOTE_UNIT"], "mysql/1");
        assert_eq!(env["JUJU_DEPARTING_UNIT"], "mysql/1");
    }
}
