//! [`Juju::show_unit`] and its serde types: one unit as `juju show-unit --format json` prints
//! it, with its relations' databags (jubilant's `unittypes.py`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::cli::parse_json;
use crate::status::null_as_default;
use crate::{Error, Juju};

/// One unit, as `juju show-unit UNIT --format json` prints it (the parts tests look at; unknown
/// fields are ignored, missing ones and `null`s are empty).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct UnitInfo {
    /// The charm URL (`local:my-charm-0`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub charm: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub leader: bool,
    /// `alive`, `dying`, `dead`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub life: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub workload_version: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub machine: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub address: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub public_address: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub provider_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub opened_ports: Vec<String>,
    /// The unit's relations, each with the databags this unit sees.
    #[serde(default, deserialize_with = "null_as_default")]
    pub relation_info: Vec<RelationData>,
}

impl UnitInfo {
    /// The relations on `endpoint` (a unit has one per related application on that endpoint).
    pub fn relations_on<'a>(&'a self, endpoint: &'a str) -> impl Iterator<Item = &'a RelationData> {
        self.relation_info
            .iter()
            .filter(move |r| r.endpoint == endpoint)
    }
}

/// One entry of `relation-info`: a relation of the unit, and its databags.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelationData {
    /// The unit's endpoint (`database`).
    pub endpoint: String,
    /// The relation's id (the number in `JUJU_RELATION_ID`, `database:<id>`).
    pub relation_id: u64,
    /// The endpoint at the other end (`database` of `postgresql`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub related_endpoint: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub cross_model: bool,
    /// The remote application's databag.
    #[serde(default, deserialize_with = "null_as_default")]
    pub application_data: Map<String, Value>,
    /// This unit's own databag, and whether it is in the relation's scope.
    #[serde(default)]
    pub local_unit: Option<UnitRelationData>,
    /// The remote units' databags, by unit name (on a peer relation: the other units).
    #[serde(default, deserialize_with = "null_as_default")]
    pub related_units: BTreeMap<String, UnitRelationData>,
}

/// A unit's databag in [`RelationData`], and whether the unit is in the relation's scope.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct UnitRelationData {
    #[serde(default, deserialize_with = "null_as_default")]
    pub in_scope: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: Map<String, Value>,
}

impl Juju {
    /// `juju show-unit UNIT --format json`: the unit, with its relations' databags.
    ///
    /// ```no_run
    /// # extern crate juju_client as juju;
    /// let juju = juju::Juju::from_env();
    /// let info = juju.show_unit("my-charm/0")?;
    /// for relation in info.relations_on("database") {
    ///     println!("{:?}", relation.application_data.get("endpoints"));
    /// }
    /// # Ok::<(), juju::Error>(())
    /// ```
    pub fn show_unit(&self, unit: impl AsRef<str>) -> Result<UnitInfo, Error> {
        let unit = unit.as_ref();
        let output = self.cli(["show-unit", unit, "--format", "json"])?;
        // Keyed by unit name.
        let mut by_unit: BTreeMap<String, UnitInfo> =
            parse_json(&output.stdout, output.argv.clone())?;
        match by_unit
            .remove(unit)
            .or_else(|| by_unit.into_values().next())
        {
            Some(info) => Ok(info),
            None => Err(Error::Parse {
                argv: output.argv,
                reason: format!("no unit in the output; stderr:\n{}", output.stderr),
            }),
        }
    }
}
