//! [`RelationEvent`]: a relation hook being handled, and the runner that builds it for a
//! handler registered with [`Charm::on_relation`](crate::Charm::on_relation).

use std::ops::{Deref, DerefMut};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{Endpoint, Relation, RelationData, RelationError, RelationKind};
use crate::charm::{EventKind, HandlerResult, HookRunner, finish};
use crate::databag::Databag;
use crate::event::Unit;

/// A relation hook of endpoint `E` being handled: `<E::NAME>-relation-<kind>`.
///
/// It derefs to the [`Unit`], and has the [`RelationData`] methods for its own relation.
pub struct RelationEvent<'a, E: Endpoint> {
    pub(crate) unit: Unit<'a>,
    pub(crate) relation: Relation<E>,
    pub(crate) kind: RelationKind,
    pub(crate) remote_unit: Option<String>,
    pub(crate) departing_unit: Option<String>,
}

impl<'a, E: Endpoint> RelationEvent<'a, E> {
    /// The relation the hook is about.
    pub fn relation(&self) -> &Relation<E> {
        &self.relation
    }

    /// Which relation hook this is.
    pub fn kind(&self) -> RelationKind {
        self.kind
    }

    /// The hook name, `<endpoint>-relation-<kind>`.
    pub fn hook_name(&self) -> String {
        self.kind.hook_name(E::NAME)
    }

    /// The remote unit the hook is about (`JUJU_REMOTE_UNIT`): none in `-created`, `-broken`
    /// and an application-level `-changed`.
    pub fn remote_unit(&self) -> Option<&str> {
        self.remote_unit.as_deref()
    }

    /// The unit leaving the relation (`JUJU_DEPARTING_UNIT`), in `-departed` only: the remote
    /// unit, or this unit when it is the one going.
    pub fn departing_unit(&self) -> Option<&str> {
        self.departing_unit.as_deref()
    }

    /// The relation's databags; the methods below are shortcuts to it.
    pub fn data(&mut self) -> RelationData<'_, 'a, E> {
        RelationData {
            unit: &mut self.unit,
            relation: self.relation.clone(),
        }
    }

    /// [`RelationData::read_local_app`] for this relation.
    pub fn read_local_app<T: Databag>(&mut self) -> Result<T, RelationError> {
        self.data().read_local_app()
    }

    /// [`RelationData::write_local_app`] for this relation.
    pub fn write_local_app<T: Databag>(&mut self, value: &T) -> Result<(), RelationError> {
        self.data().write_local_app(value)
    }

    /// [`RelationData::read_local_unit`] for this relation.
    pub fn read_local_unit<T: Databag>(&mut self) -> Result<T, RelationError> {
        self.data().read_local_unit()
    }

    /// [`RelationData::write_local_unit`] for this relation.
    pub fn write_local_unit<T: Databag>(&mut self, value: &T) -> Result<(), RelationError> {
        self.data().write_local_unit(value)
    }

    /// [`RelationData::read_remote_app`] for this relation.
    pub fn read_remote_app<T: Databag>(&mut self) -> Result<T, RelationError> {
        self.data().read_remote_app()
    }

    /// [`RelationData::read_remote_unit`] for this relation.
    pub fn read_remote_unit<T: Databag>(&mut self, unit: &str) -> Result<T, RelationError> {
        self.data().read_remote_unit(unit)
    }

    /// [`RelationData::remote_units`] for this relation.
    pub fn remote_units(&mut self) -> Result<Vec<String>, RelationError> {
        self.data().remote_units()
    }
}

impl<'a, E: Endpoint> Deref for RelationEvent<'a, E> {
    type Target = Unit<'a>;
    fn deref(&self) -> &Unit<'a> {
        &self.unit
    }
}

impl<'a, E: Endpoint> DerefMut for RelationEvent<'a, E> {
    fn deref_mut(&mut self) -> &mut Unit<'a> {
        &mut self.unit
    }
}

/// The runner of a [`RelationEvent`] handler of endpoint `E` for `kind`: the hook fails without
/// running the handler when Juju named no relation, or a relation of another endpoint.
pub(crate) fn relation_runner<E: Endpoint>(
    kind: RelationKind,
    handler: impl Fn(&mut RelationEvent<'_, E>) -> HandlerResult + Send + Sync + 'static,
) -> HookRunner {
    Box::new(move |tools, env, name| {
        let mut unit = Unit::new(tools, env);
        let what = format!("hook {name:?}");
        let relation_env = match env.relation.as_ref() {
            None => Err(RelationError::NoRelation {
                hook: name.to_owned(),
            }),
            Some(r) if r.endpoint != E::NAME => Err(RelationError::WrongEndpoint {
                hook: name.to_owned(),
                expected: E::NAME,
                relation: format!("{}:{}", r.endpoint, r.id),
            }),
            Some(r) => Ok(r),
        };
        let relation_env = match relation_env {
            Ok(r) => r,
            Err(e) => return finish(&mut unit, &what, Ok(Err(e.into())), EventKind::Hook),
        };
        // Juju always sets JUJU_REMOTE_APP in a relation hook; ask if it did not.
        let remote_app = if relation_env.remote_app.is_empty() {
            match unit.tools().relation_remote_app(relation_env.id) {
                Ok(app) => app,
                Err(error) => {
                    let e = RelationError::Tool {
                        relation: format!("{}:{}", E::NAME, relation_env.id),
                        error,
                    };
                    return finish(&mut unit, &what, Ok(Err(e.into())), EventKind::Hook);
                }
            }
        } else {
            relation_env.remote_app.clone()
        };
        let mut event = RelationEvent {
            unit,
            relation: Relation::new(relation_env.id, remote_app),
            kind,
            remote_unit: relation_env.remote_unit.clone(),
            departing_unit: relation_env.departing_unit.clone(),
        };
        let result = catch_unwind(AssertUnwindSafe(|| handler(&mut event)));
        finish(&mut event.unit, &what, result, EventKind::Hook)
    })
}
