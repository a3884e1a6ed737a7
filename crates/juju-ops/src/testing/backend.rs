//! The harness's in-memory [`HookTools`] backend: what Juju would record for one run (logs,
//! results, statuses, failure), turned into an [`Output`] afterwards.

use serde_json::{Map, Value};

use super::{Event, LogLine, Output, State, StatusValue};
use crate::event::UnitEnv;
use crate::results;
use crate::schema::sorted;
use crate::tools::{HookTools, LogLevel, StatusName, StatusTarget, ToolError, ToolErrorKind};

/// The in-memory hook tools: what Juju would record, kept in memory.
pub(super) struct Backend {
    params: Option<Value>,
    config: Map<String, Value>,
    leader: bool,
    logs: Vec<String>,
    results: Vec<(String, String)>,
    failure: Option<String>,
    juju_log: Vec<LogLine>,
    statuses: Vec<StatusValue>,
    unit_status: Option<StatusValue>,
    app_status: Option<StatusValue>,
    version: Option<String>,
}

impl Backend {
    pub(super) fn new(
        state: &State,
        options: &Map<String, Value>,
        params: Option<Value>,
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
            logs: Vec::new(),
            results: Vec::new(),
            failure: None,
            juju_log: Vec::new(),
            statuses: Vec::new(),
            unit_status: state.unit_status.clone(),
            app_status: state.app_status.clone(),
            version: state.workload_version.clone(),
        }
    }

    pub(super) fn into_output(
        self,
        event: Event,
        mut state: State,
        env: UnitEnv,
        id: Option<String>,
        params: Option<Value>,
    ) -> Output {
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
            state,
        }
    }

    fn not_in_action(&self, tool: &str) -> Result<(), ToolError> {
        if self.params.is_some() {
            return Ok(());
        }
        Err(ToolError {
            argv: vec![tool.to_owned()],
            kind: ToolErrorKind::Failed {
                code: Some(1),
                stderr: "ERROR not running an action\n".into(),
            },
        })
    }
}

impl HookTools for Backend {
    fn action_get(&mut self) -> Result<Value, ToolError> {
        self.not_in_action("action-get")?;
        Ok(self.params.clone().unwrap_or(Value::Null))
    }

    fn action_set(&mut self, pairs: &[(String, String)]) -> Result<(), ToolError> {
        self.not_in_action("action-set")?;
        self.results.extend(pairs.iter().cloned());
        Ok(())
    }

    fn action_log(&mut self, message: &str) -> Result<(), ToolError> {
        self.not_in_action("action-log")?;
        self.logs.push(message.to_owned());
        Ok(())
    }

    fn action_fail(&mut self, message: &str) -> Result<(), ToolError> {
        self.not_in_action("action-fail")?;
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
                return Err(ToolError {
                    argv: vec!["status-set".into(), "--application".into()],
                    kind: ToolErrorKind::Failed {
                        code: Some(1),
                        stderr: "ERROR setting application status: this unit is not the leader\n"
                            .into(),
                    },
                });
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
}
