//! The checks made before a run: a [`State`] and an [`Event`] that Juju could not produce, given
//! what `charmcraft.yaml` declares, are refused with every problem found and how to fix it (the
//! counterpart of Scenario's `_consistency_checker.py`, with the gaps it leaves closed).

use std::collections::BTreeMap;

use super::relation::{EndpointSpec, Relation};
use super::{Event, State};
use crate::messages::list_or_none;
use crate::relation::{RelationKind, Role};

/// The unit under test, as its name `<app>/<n>` says.
pub(super) struct UnitName<'a> {
    pub(super) name: &'a str,
    pub(super) app: &'a str,
    /// `None` when the name is not `<app>/<n>` (a problem reported by [`check`]).
    pub(super) number: Option<u32>,
}

impl<'a> UnitName<'a> {
    pub(super) fn parse(name: &'a str) -> UnitName<'a> {
        let (app, number) = match name.split_once('/') {
            Some((app, n)) => (app, n.parse().ok().filter(|_| !app.is_empty())),
            None => (name, None),
        };
        UnitName { name, app, number }
    }
}

/// Every problem of running `event` against `state`; empty when Juju could produce both.
pub(super) fn check(
    state: &State,
    event: &Event,
    endpoints: &BTreeMap<String, EndpointSpec>,
    unit: &UnitName<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if unit.number.is_none() {
        problems.push(format!(
            "the unit name {:?} is not <application>/<number>: set State::unit_name(\"{}/0\"), \
             or leave it unset for <charm name>/0",
            unit.name, unit.app
        ));
    }
    for relation in &state.relations {
        check_relation(relation, endpoints, unit, &mut problems);
    }
    check_ids(&state.relations, &mut problems);
    check_limits(&state.relations, endpoints, &mut problems);
    check_event(state, event, unit, &mut problems);
    problems
}

fn declared(endpoints: &BTreeMap<String, EndpointSpec>) -> String {
    let sections: Vec<String> = [Role::Requires, Role::Provides, Role::Peers]
        .into_iter()
        .filter_map(|role| {
            let names: Vec<&str> = endpoints
                .iter()
                .filter(|(name, spec)| spec.role == role && name.as_str() != "juju-info")
                .map(|(name, _)| name.as_str())
                .collect();
            (!names.is_empty()).then(|| format!("{}: {}", role.section(), names.join(", ")))
        })
        .collect();
    if sections.is_empty() {
        "none".to_owned()
    } else {
        sections.join("; ")
    }
}

fn check_relation(
    relation: &Relation,
    endpoints: &BTreeMap<String, EndpointSpec>,
    unit: &UnitName<'_>,
    problems: &mut Vec<String>,
) {
    let rid = relation.relation_id();
    let endpoint = &relation.endpoint;
    match endpoints.get(endpoint) {
        None => problems.push(format!(
            "relation {rid}: the endpoint {endpoint:?} is not declared in charmcraft.yaml \
             (declared: {}): declare it under requires:, provides: or peers:, or use a declared \
             endpoint",
            declared(endpoints)
        )),
        Some(spec) => {
            if spec.role == Role::Peers && !relation.peer {
                problems.push(format!(
                    "relation {rid}: the endpoint {endpoint:?} is declared under peers:, so its \
                     relation is a peer relation: build it with Relation::peer({endpoint:?})"
                ));
            } else if spec.role != Role::Peers && relation.peer {
                problems.push(format!(
                    "relation {rid}: the endpoint {endpoint:?} is declared under {}:, not peers:, \
                     so its relation relates two applications: build it with \
                     Relation::new({endpoint:?})",
                    spec.role.section()
                ));
            }
            if let (Some(given), Some(wanted)) = (&relation.interface, &spec.interface)
                && given != wanted
            {
                problems.push(format!(
                    "relation {rid} has the interface {given:?}, but charmcraft.yaml declares \
                     {wanted:?} for the endpoint {endpoint:?}: use {wanted:?}, or leave the \
                     interface unset"
                ));
            }
        }
    }
    if relation.peer {
        if !relation.remote_app.is_empty() {
            problems.push(format!(
                "peer relation {rid} names a remote application ({:?}): the remote application \
                 of a peer relation is this unit's own ({:?}); do not set remote_app",
                relation.remote_app, unit.app
            ));
        }
        if !relation.remote_app_data.is_empty() {
            problems.push(format!(
                "peer relation {rid} has remote_app_data: a peer relation has one application \
                 bag, local_app_data; put the keys there"
            ));
        }
        if let Some(n) = unit.number
            && relation.remote_units_data.contains_key(&n)
        {
            problems.push(format!(
                "peer relation {rid}: peers_data holds unit {n}, which is the unit under test \
                 ({}): peers_data holds the other units of the application; put this unit's \
                 bag in local_unit_data",
                unit.name
            ));
        }
    } else if relation.remote_app.is_empty() {
        problems.push(format!(
            "relation {rid} has no remote application: set one with .remote_app(\"name\")"
        ));
    } else if relation.remote_app == unit.app {
        problems.push(format!(
            "relation {rid}: the remote application is this unit's own ({:?}), but a relation \
             that is not a peer relation relates two different applications: name another \
             remote_app (a peer endpoint takes Relation::peer)",
            unit.app
        ));
    }
}

fn check_ids(relations: &[Relation], problems: &mut Vec<String>) {
    let mut by_id: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for relation in relations {
        by_id
            .entry(relation.id)
            .or_default()
            .push(relation.relation_id());
    }
    for (id, users) in by_id {
        if users.len() > 1 {
            problems.push(format!(
                "the relation id {id} is used by {} relations ({}): ids are unique in a model; \
                 give each relation its own id with .id(n), or leave ids to the harness",
                users.len(),
                users.join(", ")
            ));
        }
    }
}

fn check_limits(
    relations: &[Relation],
    endpoints: &BTreeMap<String, EndpointSpec>,
    problems: &mut Vec<String>,
) {
    let mut by_endpoint: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for relation in relations {
        by_endpoint
            .entry(&relation.endpoint)
            .or_default()
            .push(relation.relation_id());
    }
    for (endpoint, ids) in by_endpoint {
        let Some(spec) = endpoints.get(endpoint) else {
            continue;
        };
        let count = ids.len() as u64;
        if spec.role == Role::Peers && count > 1 {
            problems.push(format!(
                "the peer endpoint {endpoint:?} has {count} relations ({}): Juju creates exactly \
                 one relation per peer endpoint; keep one",
                ids.join(", ")
            ));
        } else if let Some(limit) = spec.limit
            && count > limit
        {
            problems.push(format!(
                "the endpoint {endpoint:?} has {count} relations ({}), over its limit of {limit} \
                 (limit: {limit} in charmcraft.yaml): Juju refuses a relation past the limit; \
                 keep at most {limit}, or raise the limit",
                ids.join(", ")
            ));
        }
    }
}

/// How a test builds the event of `kind`.
fn constructor(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::Created => "Event::relation_created(&relation)",
        RelationKind::Joined => "Event::relation_joined(&relation, n)",
        RelationKind::Changed => {
            "Event::relation_changed(&relation) (.remote_unit(n) for a remote unit's bag)"
        }
        RelationKind::Departed => "Event::relation_departed(&relation, n)",
        RelationKind::Broken => "Event::relation_broken(&relation)",
    }
}

fn check_event(state: &State, event: &Event, unit: &UnitName<'_>, problems: &mut Vec<String>) {
    let (kind, endpoint, id, remote_unit, departing_unit) = match event {
        // Storage and secret events are checked in `storage.rs` and `secrets.rs`.
        Event::Action { .. } | Event::Storage { .. } | Event::Secret { .. } => return,
        Event::Hook(name) => {
            if let Some((_, kind)) = RelationKind::parse_hook(name) {
                problems.push(format!(
                    "the hook {name:?} is a relation hook, which runs for one relation: build \
                     the event with {} from a relation in the state",
                    constructor(kind)
                ));
            } else if name == "leader-elected" && !state.leader {
                problems.push(
                    "Juju runs leader-elected on the leader only: set State::leader(true)"
                        .to_owned(),
                );
            } else if name == "leader-settings-changed" && state.leader {
                problems.push(
                    "Juju runs leader-settings-changed on the units that are not the leader: \
                     set State::leader(false)"
                        .to_owned(),
                );
            }
            return;
        }
        Event::Relation {
            kind,
            endpoint,
            id,
            remote_unit,
            departing_unit,
        } => (*kind, endpoint, *id, *remote_unit, departing_unit),
    };
    let hook = kind.hook_name(endpoint);
    let Some(relation) = state.get_relation(id) else {
        problems.push(format!(
            "the event {hook} is for the relation {endpoint}:{id}, which is not in the state: add \
             that relation with State::relation(..) and build the event from it"
        ));
        return;
    };
    if &relation.endpoint != endpoint {
        problems.push(format!(
            "the event {hook} is for the relation {endpoint}:{id}, but the relation {id} of the \
             state is on the endpoint {:?}: build the event from the relation in the state",
            relation.endpoint
        ));
        return;
    }
    let rid = relation.relation_id();
    if kind == RelationKind::Broken && relation.peer {
        problems.push(format!(
            "the event {hook} is for the peer relation {rid}, but Juju never runs -relation-broken \
             for a peer relation"
        ));
    }
    match (kind, remote_unit) {
        (RelationKind::Created | RelationKind::Broken, Some(n)) => problems.push(format!(
            "the event {hook} has the remote unit {n}, but Juju sets no remote unit \
             (JUJU_REMOTE_UNIT is empty) in -relation-{kind}: drop .remote_unit({n})"
        )),
        (RelationKind::Joined | RelationKind::Departed, None) => problems.push(format!(
            "the event {hook} needs its remote unit: build it with {}",
            constructor(kind)
        )),
        _ => {}
    }
    let remote_app = if relation.peer {
        unit.app
    } else {
        &relation.remote_app
    };
    if let Some(n) = remote_unit
        && !relation.remote_units_data.contains_key(&n)
        && !matches!(kind, RelationKind::Created | RelationKind::Broken)
    {
        let (which, add) = if relation.peer {
            ("its other units", ".peer_data(n, ..)")
        } else {
            ("its remote units", ".remote_unit_data(n, ..)")
        };
        let units = relation.unit_names(remote_app);
        problems.push(format!(
            "the event {hook} is for the unit {remote_app}/{n}, which is not in the relation \
             {rid} ({which}: {}): add it to the relation with {add}, or use one of them",
            list_or_none(&units)
        ));
    }
    if let Some(departing) = departing_unit {
        if kind != RelationKind::Departed {
            problems.push(format!(
                "the event {hook} has a departing unit ({departing:?}), but Juju sets \
                 JUJU_DEPARTING_UNIT in -relation-departed only"
            ));
        } else if let Some(n) = remote_unit {
            let remote = format!("{remote_app}/{n}");
            if departing != unit.name && *departing != remote {
                problems.push(format!(
                    "the event {hook} has the departing unit {departing:?}, but the unit leaving \
                     is either the remote unit ({remote}) or this unit ({})",
                    unit.name
                ));
            }
        }
    }
}
