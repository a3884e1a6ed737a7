//! `juju integrate` (and its alias `relate`) and `juju remove-relation`, with Juju 3.6's
//! validation and messages ([`crate::relation`]; `cmd/juju/application/integrate.go`,
//! `removerelation.go`, `state.InferActiveRelation`). The relation hooks run before the
//! command returns: every unit of both applications enters the relation's scope and runs
//! `-relation-created`, then `-joined` and `-changed` for each remote unit; removing a relation
//! runs `-departed` for each remote unit and `-broken` ([`super::settle`]).

use super::settle;
use super::{MODEL, Output};
use crate::args::Args;
use crate::charm;
use crate::error::{Result, run_error, usage};
use crate::relation::{self, EndpointMeta};
use crate::state::{self, Home, Model, Relation, UnitRelation};

/// The endpoints of an application, read from its charm (`None` when it does not exist).
fn app_endpoints(model: &Model, app: &str) -> Option<Vec<EndpointMeta>> {
    let record = model.app(app).ok()?;
    charm::read_info(&model.app_charm_dir(&record))
        .ok()
        .map(|info| info.endpoints)
}

/// `juju integrate A[:ep] B[:ep]`: infers the endpoints, checks the relation is new and within
/// the endpoints' limits, creates it (the next relation id), and runs its hooks. Prints
/// nothing, as Juju.
pub fn integrate(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[MODEL, (&["via"], true)])?;
    let [first, second] = a.positional.as_slice() else {
        return Err(usage("an integration must involve two applications"));
    };
    relation::check_endpoint_arg(first)?;
    relation::check_endpoint_arg(second)?;
    if a.get("via").is_some() {
        return Err(usage(
            "--via is not supported: it is for cross-model relations, which juju-local does not have",
        ));
    }
    let model = home.resolve_model(a.get("model"))?;
    let created = model.locked(|| {
        let lookup = |app: &str| app_endpoints(&model, app);
        let pair = relation::infer(first, second, &lookup)?;
        let mut relations = model.relations()?;
        let key = relation::check_new(&relations, &pair)?;
        for app in [&pair.0.app, &pair.1.app] {
            if model.app(app)?.dying {
                return Err(run_error(format!(
                    "cannot add relation \"{key}\": application {app:?} is not alive"
                )));
            }
        }
        let id = relations.next_id;
        relations.next_id += 1;
        let created = relation::new_relation(id, &[&pair.0, &pair.1]);
        relations.relations.push(created.clone());
        model.save_relations(&relations)?;
        Ok(created)
    })?;
    let mut stderr = String::new();
    model.hooks_locked(|| {
        enter_scope(&model, &created)?;
        let mut skip = Default::default();
        stderr = settle::settle(&model, &mut skip)?;
        Ok(())
    })?;
    Ok(Output::err(stderr))
}

/// Every installed, live unit of the relation's applications enters its scope (Juju's
/// `EnterScope`, with the seeded addresses).
fn enter_scope(model: &Model, relation: &Relation) -> Result<()> {
    for end in &relation.endpoints {
        let app = model.app(&end.app)?;
        for number in app.units {
            let _lock = state::lock(&model.unit_dir(&end.app, number).join("unit.lock"))?;
            let mut unit = model.unit(&end.app, number)?;
            if !unit.installed || unit.dying {
                continue;
            }
            unit.relations
                .entry(relation.id)
                .or_insert_with(UnitRelation::entering);
            model.save_unit(&unit)?;
        }
    }
    Ok(())
}

/// Whether a relation's endpoints match the `app[:endpoint]` names (each name its own end).
fn matches(relation: &Relation, names: &[String]) -> bool {
    let [a, b] = relation.endpoints.as_slice() else {
        return false;
    };
    let fits = |end: &state::RelationEndpoint, name: &str| match name.split_once(':') {
        Some((app, ep)) => end.app == app && end.name == ep,
        None => end.app == name,
    };
    (fits(a, &names[0]) && fits(b, &names[1])) || (fits(b, &names[0]) && fits(a, &names[1]))
}

/// `juju remove-relation A[:ep] B[:ep]` or `juju remove-relation ID`: the relation is dying; its
/// units run `-departed` for each remote unit, then `-broken`, and it goes.
pub fn remove_relation(home: &Home, args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[MODEL, (&["force"], false), (&["no-wait"], false)])?;
    let by_id = match a.positional.as_slice() {
        [one] => Some(
            one.parse::<u32>()
                .map_err(|_| usage(format!("relation ID {one:?} not valid")))?,
        ),
        [_, _] => None,
        _ => return Err(usage("a relation must involve two applications")),
    };
    if a.has("no-wait") && !a.has("force") {
        return Err(run_error("--no-wait without --force not valid"));
    }
    let model = home.resolve_model(a.get("model"))?;
    model.locked(|| {
        let mut relations = model.relations()?;
        let index = match by_id {
            Some(id) => relations
                .relations
                .iter()
                .position(|r| r.id == id)
                .ok_or_else(|| run_error(format!("relation {id} not found (not found)")))?,
            None => {
                let query = a.positional.join(" ");
                for name in &a.positional {
                    let app = name.split(':').next().unwrap_or_default();
                    if model.app(app).is_err() {
                        return Err(run_error(format!("application {app:?} not found")));
                    }
                }
                let found: Vec<usize> = relations
                    .relations
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| matches(r, &a.positional))
                    .map(|(i, _)| i)
                    .collect();
                match found.as_slice() {
                    [] => {
                        return Err(run_error(format!(
                            "relation matching {query:?} not found (not found)"
                        )));
                    }
                    [one] => *one,
                    many => {
                        let keys: Vec<String> = many
                            .iter()
                            .map(|i| format!("{:?}", relations.relations[*i].key))
                            .collect();
                        return Err(run_error(format!(
                            "ambiguous relation: {query:?} could refer to {}",
                            keys.join("; ")
                        )));
                    }
                }
            }
        };
        let relation = &mut relations.relations[index];
        if relation.is_peer() {
            return Err(run_error(format!(
                "cannot destroy relation {:?}: peer relations cannot be removed",
                relation.key
            )));
        }
        relation.dying = true;
        model.save_relations(&relations)
    })?;
    let mut stderr = String::new();
    model.hooks_locked(|| {
        let mut skip = Default::default();
        stderr = settle::settle(&model, &mut skip)?;
        Ok(())
    })?;
    Ok(Output::err(stderr))
}
