//! [`RelationData`]: one relation's databags as this unit may use them, with Juju's access
//! rules checked before any hook tool is called (ops' messages).

use std::collections::BTreeMap;

use super::{Endpoint, Relation, RelationError, Role};
use crate::databag::{self, Databag};
use crate::event::Unit;
use crate::names;
use crate::tools::ToolError;

/// The databags of one relation, as this unit may use them: its own unit bag, its application's
/// bag (the leader; any unit reads it on a peer relation), and the remote side's bags, read
/// only. Values are [`Databag`] types, in their [`Encoding`](crate::Encoding).
pub struct RelationData<'u, 'a, E: Endpoint> {
    pub(super) unit: &'u mut Unit<'a>,
    pub(super) relation: Relation<E>,
}

impl<E: Endpoint> RelationData<'_, '_, E> {
    /// The relation these bags belong to.
    pub fn relation(&self) -> &Relation<E> {
        &self.relation
    }

    /// This application's bag. A unit that is not the leader may read it only on a peer
    /// relation; elsewhere it gets [`RelationError::CannotReadOwnAppBag`] without the bag
    /// being asked for.
    pub fn read_local_app<T: Databag>(&mut self) -> Result<T, RelationError> {
        if E::ROLE != Role::Peers && !self.is_leader()? {
            return Err(RelationError::CannotReadOwnAppBag {
                relation: self.relation.to_string(),
                unit: self.unit.env().unit_name.clone(),
            });
        }
        let app = self.unit.app_name().to_owned();
        self.read(&app, true, format!("local application bag ({app})"))
    }

    /// Writes `value`'s fields into this application's bag (`relation-set --app`); the leader
    /// only ([`RelationError::CannotWriteAppBag`] otherwise, before `relation-set` is run).
    /// `None` fields delete their keys; keys `T` does not name are left as they are.
    pub fn write_local_app<T: Databag>(&mut self, value: &T) -> Result<(), RelationError> {
        let app = self.unit.app_name().to_owned();
        let data = self.encode(value, format!("local application bag ({app})"))?;
        if !self.is_leader()? {
            return Err(RelationError::CannotWriteAppBag {
                relation: self.relation.to_string(),
                unit: self.unit.env().unit_name.clone(),
            });
        }
        self.write(true, &data)
    }

    /// This unit's bag.
    pub fn read_local_unit<T: Databag>(&mut self) -> Result<T, RelationError> {
        let unit = self.unit.env().unit_name.clone();
        self.read(&unit, false, format!("local unit bag ({unit})"))
    }

    /// Writes `value`'s fields into this unit's bag (`relation-set`). `None` fields delete
    /// their keys; keys `T` does not name are left as they are.
    pub fn write_local_unit<T: Databag>(&mut self, value: &T) -> Result<(), RelationError> {
        let unit = self.unit.env().unit_name.clone();
        let data = self.encode(value, format!("local unit bag ({unit})"))?;
        self.write(false, &data)
    }

    /// The remote application's bag (written by its leader).
    pub fn read_remote_app<T: Databag>(&mut self) -> Result<T, RelationError> {
        let app = self.relation.remote_app().to_owned();
        self.read(&app, true, format!("remote application bag ({app})"))
    }

    /// The bag of `unit`, a unit of the remote application (on a peer relation, another unit
    /// of this application). Juju keeps a departed unit's bag readable while the relation
    /// exists.
    pub fn read_remote_unit<T: Databag>(&mut self, unit: &str) -> Result<T, RelationError> {
        let remote_app = self.relation.remote_app();
        if !names::is_unit_of(unit, remote_app) {
            return Err(RelationError::NotARemoteUnit {
                relation: self.relation.to_string(),
                unit: unit.to_owned(),
                remote_app: remote_app.to_owned(),
            });
        }
        self.read(unit, false, format!("remote unit bag ({unit})"))
    }

    /// The remote units in the relation now (`relation-list`), sorted.
    pub fn remote_units(&mut self) -> Result<Vec<String>, RelationError> {
        let id = self.relation.id();
        self.unit
            .tools()
            .relation_list(id)
            .map_err(|error| self.tool_error(error))
    }

    fn is_leader(&mut self) -> Result<bool, RelationError> {
        self.unit
            .is_leader()
            .map_err(|error| self.tool_error(error))
    }

    fn read<T: Databag>(
        &mut self,
        member: &str,
        app: bool,
        bag: String,
    ) -> Result<T, RelationError> {
        let id = self.relation.id();
        let data = self
            .unit
            .tools()
            .relation_get(id, member, app)
            .map_err(|error| self.tool_error(error))?;
        databag::decode(&data).map_err(|e| RelationError::Databag(e.in_bag(self.bag_name(&bag))))
    }

    fn encode<T: Databag>(
        &self,
        value: &T,
        bag: String,
    ) -> Result<BTreeMap<String, String>, RelationError> {
        databag::encode(value).map_err(|e| RelationError::Databag(e.in_bag(self.bag_name(&bag))))
    }

    fn write(&mut self, app: bool, data: &BTreeMap<String, String>) -> Result<(), RelationError> {
        if data.is_empty() {
            return Ok(());
        }
        let id = self.relation.id();
        self.unit
            .tools()
            .relation_set(id, app, data)
            .map_err(|error| self.tool_error(error))
    }

    fn bag_name(&self, bag: &str) -> String {
        format!("relation {}, {bag}", self.relation)
    }

    fn tool_error(&self, error: ToolError) -> RelationError {
        RelationError::Tool {
            relation: self.relation.to_string(),
            error,
        }
    }
}
