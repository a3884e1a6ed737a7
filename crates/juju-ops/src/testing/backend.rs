//! The harness's in-memory [`HookTools`] backend: what Juju would record for one run (logs,
//! results, statuses, failure, relation data, leader settings, charm state), with Juju's rules
//! and messages, turned into an [`Output`] afterwards.
//!
//! Relation data and charm state are written to working copies that [`Backend::into_output`]
//! commits only when the run succeeded, as Juju's `Flush` does; leader settings and statuses
//! are written at once, as Juju writes them. The tools of each domain keep their state and
//! rules in the domain's module (`relation.rs`, `storage.rs`, `network.rs`, `secrets/`); this
//! one has the action, log, status, config, leadership and charm-state tools.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use super::network::NetworkTools;
use super::relation::{Databag, EndpointSpec, RelationTools, apply};
use super::secrets::{Caller, SecretStore};
use super::storage::StorageTools;
use super::{Event, LogLine, Output, State, StatusValue};
use crate::event::UnitEnv;
use crate::network::{NetworkInfo, UnitAddress};
use crate::ports::{OpenedPort, Port};
use crate::relation::RelationKind;
use crate::results;
use crate::schema::sorted;
use crate::secret::{SecretContent, SecretInfo, SecretOptions, SecretOwner, SecretRead};
use crate::storage::StorageInfo;
use crate::tools::{
    self, HookTools, LogLevel, StatusInfo, StatusName, StatusTarget, ToolError, ToolErrorKind,
};

/// The longest charm-state key and value Juju accepts (`core/quota`).
const MAX_STATE_KEY: usize = 256;
const MAX_STATE_VALUE: usize = 64 * 1024;

/// The in-memory hook tools: what Juju would record, kept in memory.
pub(super) struct Backend {
    params: Option<Value>,
    config: Map<String, Value>,
    leader: bool,
    unit_name: String,
    /// The relations, with this run's writes (committed on success).
    relations: RelationTools,
    leader_settings: Databag,
    /// The charm state, with this run's writes (committed on success).
    charm_state: Databag,
    logs: Vec<String>,
    results: Vec<(String, String)>,
    failure: Option<String>,
    juju_log: Vec<LogLine>,
    statuses: Vec<StatusValue>,
    unit_status: Option<StatusValue>,
    app_status: Option<StatusValue>,
    version: Option<String>,
    /// Storage, ports and network: set up by the context after `new`.
    pub(super) storage: StorageTools,
    pub(super) network: NetworkTools,
    /// The secrets, with this run's changes (committed on success).
    secrets: SecretStore,
}

impl Backend {
    /// A backend for one run of the unit `env.unit_name` (which names the hook's relation, if
    /// any: `kind` is then its hook kind).
    pub(super) fn new(
        state: &State,
        options: &Map<String, Value>,
        params: Option<Value>,
        env: &UnitEnv,
        kind: Option<RelationKind>,
        endpoints: &BTreeMap<String, EndpointSpec>,
    ) -> Backend {
        // config-get: YAML defaults, overridden by the state's values; unset options omitted.
        let mut config = Map::new();
        for (name, option) in options {
            if let Some(default) = option.get("default") {
                config.insert(name.clone(), default.clone());
            }
        }
        for (name, value) in &state.config {
            config.insert(name.clone(), value.clone());
        }
        config.retain(|_, v| !v.is_null());
        Backend {
            params,
            config,
            leader: state.leader,
            unit_name: env.unit_name.clone(),
            relations: RelationTools::new(state, env, kind, endpoints),
            leader_settings: state.leader_settings.clone(),
            charm_state: state.charm_state.clone(),
            logs: Vec::new(),
            results: Vec::new(),
            failure: None,
            juju_log: Vec::new(),
            statuses: Vec::new(),
            unit_status: state.unit_status.clone(),
            app_status: state.app_status.clone(),
            version: state.workload_version.clone(),
            storage: StorageTools::default(),
            network: NetworkTools::default(),
            secrets: SecretStore::new(&state.secrets),
        }
    }

    /// Why Juju would refuse to commit what a successful run changed (it then puts the unit in
    /// error, committing nothing): an endpoint of `open-port`/`close-port` the charm does not
    /// have, a storage `storage-add` cannot add, a secret change the unit may not make (a
    /// secret it does not own, a label taken).
    pub(super) fn commit_problem(&self) -> Option<String> {
        if let Err(message) = self.network.commit() {
            return Some(message);
        }
        if let Some(error) = self.secrets.commit_error() {
            return Some(format!("Juju could not commit the changes: {error}"));
        }
        self.storage.commit_problem(&self.unit_name)
    }

    /// The run's output; `committed` says whether the run succeeded (exit 0), so that Juju
    /// would commit its relation data and charm state.
    pub(super) fn into_output(
        self,
        event: Event,
        mut state: State,
        env: UnitEnv,
        id: Option<String>,
        params: Option<Value>,
        committed: bool,
    ) -> Output {
        if committed {
            state.relations = self.relations.relations;
            state.charm_state = self.charm_state;
            if let Ok(ports) = self.network.commit() {
                state.opened_ports = ports;
            }
        }
        for storage in &mut state.storages {
            let location = self
                .storage
                .attached
                .iter()
                .find(|(id, _)| id.name() == storage.name && id.index() == storage.index)
                .map(|(_, info)| info.location.clone());
            if location.is_some() {
                storage.location = location;
            }
        }
        let storage_added = if committed {
            self.storage.added
        } else {
            BTreeMap::new()
        };
        state.secrets = self.secrets.into_secrets(committed);
        state.leader_settings = self.leader_settings;
        state.unit_status = self.unit_status;
        state.app_status = self.app_status;
        state.workload_version = self.version;
        state.charm_dir = Some(env.charm_dir);
        state.unit_name = Some(env.unit_name);
        let nested = results::nest(self.results.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Output {
            event,
            id,
            params,
            action_logs: self.logs,
            action_results: sorted(Value::Object(nested)),
            action_results_flat: self.results,
            failure: self.failure,
            juju_log: self.juju_log,
            statuses: self.statuses,
            storage_added,
            state,
        }
    }

    /// `action-*`'s refusal outside an action.
    fn not_in_action(&self, argv: Vec<String>) -> Result<(), ToolError> {
        if self.params.is_some() {
            return Ok(());
        }
        Err(failed(argv, 1, "not running an action"))
    }
}

/// A hook tool's failure as Juju reports it: `ERROR <message>` on stderr, exit 2 for a usage
/// (`Init`) error and 1 for a `Run` error.
pub(super) fn failed(argv: Vec<String>, code: i32, message: impl fmt::Display) -> ToolError {
    ToolError {
        argv,
        kind: ToolErrorKind::Failed {
            code: Some(code),
            stderr: format!("ERROR {message}\n"),
        },
    }
}

/// A command line from its parts (the secret tools name the tool and the secret only).
pub(super) fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| (*p).to_owned()).collect()
}

impl HookTools for Backend {
    fn action_get(&mut self) -> Result<Value, ToolError> {
        self.not_in_action(tools::argv::action_get())?;
        Ok(self.params.clone().unwrap_or(Value::Null))
    }

    fn action_set(&mut self, pairs: &[(String, String)]) -> Result<(), ToolError> {
        self.not_in_action(tools::argv::action_set(pairs))?;
        self.results.extend(pairs.iter().cloned());
        Ok(())
    }

    fn action_log(&mut self, message: &str) -> Result<(), ToolError> {
        self.not_in_action(tools::argv::action_log(message))?;
        self.logs.push(message.to_owned());
        Ok(())
    }

    fn action_fail(&mut self, message: &str) -> Result<(), ToolError> {
        self.not_in_action(tools::argv::action_fail(message))?;
        self.failure = Some(message.to_owned());
        Ok(())
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), ToolError> {
        self.juju_log.push(LogLine {
            level,
            message: message.to_owned(),
        });
        Ok(())
    }

    fn status_set(
        &mut self,
        target: StatusTarget,
        status: StatusName,
        message: &str,
    ) -> Result<(), ToolError> {
        let value = StatusValue {
            name: status,
            message: message.to_owned(),
        };
        if target == StatusTarget::Application {
            if !self.leader {
                return Err(failed(
                    tools::argv::status_set(target, status, message),
                    1,
                    "setting application status: this unit is not the leader",
                ));
            }
            self.app_status = Some(value);
        } else {
            self.statuses.push(value.clone());
            self.unit_status = Some(value);
        }
        Ok(())
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), ToolError> {
        self.version = Some(version.to_owned());
        Ok(())
    }

    fn config_get(&mut self) -> Result<Map<String, Value>, ToolError> {
        Ok(self.config.clone())
    }

    fn is_leader(&mut self) -> Result<bool, ToolError> {
        Ok(self.leader)
    }

    fn status_get(&mut self, target: StatusTarget) -> Result<StatusInfo, ToolError> {
        let status = match target {
            StatusTarget::Unit => &self.unit_status,
            StatusTarget::Application => {
                if !self.leader {
                    return Err(failed(
                        tools::argv::status_get(target),
                        1,
                        "finding application status: this unit is not the leader",
                    ));
                }
                &self.app_status
            }
        };
        Ok(match status {
            Some(value) => StatusInfo {
                status: value.name.as_str().to_owned(),
                message: value.message.clone(),
            },
            None => StatusInfo {
                status: "unknown".to_owned(),
                message: String::new(),
            },
        })
    }

    // Relations (`relation.rs`).

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<String>, ToolError> {
        Ok(self.relations.ids(endpoint))
    }

    fn relation_list(&mut self, relation_id: u32) -> Result<Vec<String>, ToolError> {
        self.relations.list(relation_id)
    }

    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, ToolError> {
        self.relations.remote_app_tool(relation_id)
    }

    fn relation_get(
        &mut self,
        relation_id: u32,
        member: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>, ToolError> {
        self.relations.get(relation_id, member, app)
    }

    fn relation_set(
        &mut self,
        relation_id: u32,
        app: bool,
        data: &BTreeMap<String, String>,
    ) -> Result<(), ToolError> {
        self.relations.set(relation_id, app, data)
    }

    fn leader_get(&mut self) -> Result<BTreeMap<String, String>, ToolError> {
        Ok(self.leader_settings.clone())
    }

    /// Written at once, as Juju writes leader settings (a failed hook keeps them).
    fn leader_set(&mut self, data: &BTreeMap<String, String>) -> Result<(), ToolError> {
        if !self.leader {
            return Err(failed(
                tools::argv::leader_set(data),
                1,
                "cannot write leadership settings: cannot write settings: not the leader",
            ));
        }
        apply(&mut self.leader_settings, data);
        Ok(())
    }

    fn state_get(&mut self) -> Result<BTreeMap<String, String>, ToolError> {
        Ok(self.charm_state.clone())
    }

    /// Every pair is checked against Juju's limits before any is set (Juju sets them in map
    /// order, so which ones a failing call leaves set is not defined).
    fn state_set(&mut self, data: &BTreeMap<String, String>) -> Result<(), ToolError> {
        for (key, value) in data {
            let message = if key.len() > MAX_STATE_KEY {
                format!("max allowed key length ({MAX_STATE_KEY}) exceeded")
            } else if value.len() > MAX_STATE_VALUE {
                format!("max allowed value length ({MAX_STATE_VALUE}) exceeded")
            } else {
                continue;
            };
            return Err(failed(tools::argv::state_set(), 1, message));
        }
        for (key, value) in data {
            self.charm_state.insert(key.clone(), value.clone());
        }
        Ok(())
    }

    fn state_delete(&mut self, key: &str) -> Result<(), ToolError> {
        self.charm_state.remove(key);
        Ok(())
    }

    // Storage, ports and network (`storage.rs`, `network.rs`).

    fn storage_get(&mut self, id: Option<&str>) -> Result<StorageInfo, ToolError> {
        self.storage.get(id)
    }

    fn storage_list(&mut self, name: Option<&str>) -> Result<Vec<String>, ToolError> {
        Ok(self.storage.list(name))
    }

    fn storage_add(&mut self, counts: &BTreeMap<String, u32>) -> Result<(), ToolError> {
        self.storage.add(counts)
    }

    fn open_port(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        self.network.open(port, endpoints)
    }

    fn close_port(&mut self, port: &Port, endpoints: &[String]) -> Result<(), ToolError> {
        self.network.close(port, endpoints)
    }

    fn opened_ports(&mut self) -> Result<Vec<OpenedPort>, ToolError> {
        Ok(self.network.opened())
    }

    fn network_get(
        &mut self,
        binding: &str,
        relation_id: Option<u32>,
    ) -> Result<NetworkInfo, ToolError> {
        self.network.network_get(binding, relation_id)
    }

    fn unit_get(&mut self, address: UnitAddress) -> Result<String, ToolError> {
        self.network.unit_get(address)
    }

    // Secrets: `SecretStore` (secrets.rs) has Juju's rules.

    fn secret_add(
        &mut self,
        owner: SecretOwner,
        content: &SecretContent,
        options: &SecretOptions,
    ) -> Result<String, ToolError> {
        self.secrets
            .add(Caller::unit(self.leader), owner, content, options)
    }

    fn secret_get(
        &mut self,
        id: Option<&str>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent, ToolError> {
        self.secrets.get(Caller::unit(self.leader), id, label, read)
    }

    fn secret_set(
        &mut self,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<(), ToolError> {
        self.secrets
            .set(Caller::unit(self.leader), id, content, options)
    }

    fn secret_grant(
        &mut self,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        let caller = Caller::unit(self.leader).on(self.relations.remote_app_of(relation_id));
        self.secrets.grant(caller, id, relation_id, unit)
    }

    fn secret_revoke(
        &mut self,
        id: &str,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        let caller = Caller::unit(self.leader).on(self.relations.remote_app_of(relation_id));
        self.secrets.revoke(caller, id, relation_id, unit)
    }

    fn secret_remove(&mut self, id: &str, revision: Option<u32>) -> Result<(), ToolError> {
        self.secrets.remove(Caller::unit(self.leader), id, revision)
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, ToolError> {
        Ok(self.secrets.ids(Caller::unit(self.leader)))
    }

    fn secret_info_get(
        &mut self,
        id: Option<&str>,
        label: Option<&str>,
    ) -> Result<SecretInfo, ToolError> {
        self.secrets.info(Caller::unit(self.leader), id, label)
    }
}
