//! Reading `charmcraft.yaml` into a [`Context`] (actions, config options, endpoints, storage,
//! extra bindings), and checking the charm against it: hooks Juju would never send it, storage
//! it does not declare, and endpoints or actions that differ from the Rust declarations
//! (`cargo xtask sync` writes them).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};

use super::{Context, RunError, network, relation, storage};
use crate::charm::Charm;
use crate::messages::list_or_none;
use crate::relation::RelationKind;
use crate::schema::ActionSpec;
use crate::storage::StorageKind;

/// The sections of `charmcraft.yaml` that declare endpoints, one per [`Role`](crate::Role).
const ENDPOINT_SECTIONS: [&str; 3] = ["requires", "provides", "peers"];

/// A `charmcraft.yaml` larger than this is refused before parsing.
const MAX_YAML_BYTES: usize = 4 * 1024 * 1024;

/// `charmcraft.yaml` could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for YamlError {}

impl Context {
    /// A context for `charm`, with the actions, config and endpoints declared in the `charmcraft.yaml` at
    /// `path` (typically `concat!(env!("CARGO_MANIFEST_DIR"), "/../charmcraft.yaml")`).
    pub fn new(charm: Charm, path: impl AsRef<Path>) -> Result<Context, YamlError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| YamlError {
            path: path.display().to_string(),
            message: format!("cannot read: {e}"),
        })?;
        Context::from_yaml_str(charm, &text).map_err(|e| YamlError {
            path: path.display().to_string(),
            ..e
        })
    }

    /// Like [`Context::new`], from the text of a `charmcraft.yaml`.
    pub fn from_yaml_str(charm: Charm, text: &str) -> Result<Context, YamlError> {
        let err = |message: String| YamlError {
            path: "charmcraft.yaml".into(),
            message,
        };
        if text.len() > MAX_YAML_BYTES {
            return Err(err(format!(
                "{} bytes is over the {MAX_YAML_BYTES}-byte limit",
                text.len()
            )));
        }
        let root: Value =
            serde_saphyr::from_str(text).map_err(|e| err(format!("invalid YAML: {e}")))?;
        let Value::Object(root) = root else {
            return Err(err("the document must be a mapping".into()));
        };
        let charm_name = root
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("charm")
            .to_owned();
        let mut specs = BTreeMap::new();
        match root.get("actions") {
            None | Some(Value::Null) => {}
            Some(Value::Object(actions)) => {
                for (name, body) in actions {
                    let spec = ActionSpec::from_yaml_value(name, body)
                        .map_err(|e| err(format!("actions.{name}: {}", e.reason)))?;
                    specs.insert(name.clone(), spec);
                }
            }
            Some(_) => return Err(err("`actions` must be a mapping of action names".into())),
        }
        let options = match root.get("config").and_then(|c| c.get("options")) {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(options)) => options.clone(),
            Some(_) => return Err(err("`config.options` must be a mapping".into())),
        };
        let endpoints = relation::endpoints_from_yaml(&root).map_err(err)?;
        let storage_specs = storage::storage_from_yaml(&root).map_err(err)?;
        let extra_bindings = network::extra_bindings_from_yaml(&root).map_err(err)?;
        let endpoint_sections = ENDPOINT_SECTIONS
            .iter()
            .filter_map(|&section| Some((section.to_owned(), root.get(section)?.clone())))
            .collect();
        let mut context = Context {
            charm,
            charm_name,
            specs,
            options,
            endpoints,
            charm_problems: Vec::new(),
            storage_specs,
            extra_bindings,
            next_id: 0,
            scratch: None,
            next_dir: 0,
            history: Vec::new(),
        };
        context.charm_problems = context.find_charm_problems(&endpoint_sections);
        Ok(context)
    }

    /// Refuses a charm that handles a hook Juju would never send it (judged by the endpoints
    /// `charmcraft.yaml` declares), and, when the charm declares its endpoints in Rust, a
    /// `charmcraft.yaml` whose endpoints differ from them (`cargo xtask sync` writes them).
    /// `endpoint_sections` are the file's three endpoint sections as written. Neither the charm
    /// nor the file changes after the context is made, so this runs once.
    fn find_charm_problems(&self, endpoint_sections: &Map<String, Value>) -> Vec<String> {
        let mut problems: Vec<String> = self
            .charm
            .hook_problems()
            .into_iter()
            .filter(|hook| {
                !RelationKind::parse_hook(hook)
                    .is_some_and(|(endpoint, _)| self.endpoints.contains_key(endpoint))
            })
            .map(|hook| {
                let declared: Vec<&str> = self.endpoints.keys().map(String::as_str).collect();
                format!(
                    "the charm handles {hook:?}, a hook Juju never sends it (endpoints in charmcraft.yaml: {})",
                    declared.join(", ")
                )
            })
            .collect();
        for hook in self.charm.hook_names() {
            if let Some((name, _)) = StorageKind::parse_hook(hook)
                && !self.storage_specs.contains_key(name)
            {
                problems.push(format!(
                    "the charm handles {hook:?}, but charmcraft.yaml declares no storage {name:?} \
                     (storage: {})",
                    list_or_none(self.storage_specs.keys())
                ));
            }
        }
        if problems.is_empty() && self.charm.declares_endpoints() {
            match self.charm.schema_json() {
                Err(e) => problems.push(format!(
                    "the charm cannot be synced to charmcraft.yaml: {e}"
                )),
                Ok(schema) => {
                    let empty = Value::Object(Map::new());
                    for section in ENDPOINT_SECTIONS {
                        let rust = schema.get(section).unwrap_or(&empty);
                        let yaml = match endpoint_sections.get(section) {
                            None | Some(Value::Null) => &empty,
                            Some(yaml) => yaml,
                        };
                        if rust != yaml {
                            problems.push(format!(
                                "charmcraft.yaml's `{section}:` differs from the endpoints the charm declares in Rust: run `cargo xtask sync`"
                            ));
                        }
                    }
                }
            }
        }
        problems
    }

    /// Refuses every run of a charm that does not fit `charmcraft.yaml`.
    pub(super) fn check_charm(&self) -> Result<(), RunError> {
        if self.charm_problems.is_empty() {
            Ok(())
        } else {
            Err(RunError::Inconsistent {
                problems: self.charm_problems.clone(),
            })
        }
    }

    pub(super) fn check_action(&self, name: &str) -> Result<&ActionSpec, RunError> {
        let Some(spec) = self.specs.get(name) else {
            return Err(RunError::Inconsistent {
                problems: vec![format!(
                    "action {name:?} is not declared in charmcraft.yaml (declared: {})",
                    list_or_none(self.specs.keys())
                )],
            });
        };
        if let Some(Ok(rust)) = self.charm.action_spec(name)
            && rust.to_yaml_value() != spec.to_yaml_value()
        {
            return Err(RunError::Inconsistent {
                problems: vec![format!(
                    "charmcraft.yaml's actions.{name} differs from the Rust params type: run `cargo xtask sync`"
                )],
            });
        }
        Ok(spec)
    }
}
