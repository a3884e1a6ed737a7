//! The tools that stage access to a secret: `secret-grant` (view access for a relation's remote
//! application or one of its units, with `GrantSecret`'s checks) and `secret-revoke`.

use super::{check_may_change, metadata, parse_uri};
use crate::agent::Context;
use crate::args::FlagSpec;
use crate::gofmt::go_quote;
use crate::secrets::{self, GrantArg, Owner, Target};
use crate::tools::{Reply, ok, parse, run_err, unrecognized, usage_err};

const GRANT_FLAGS: FlagSpec = &[(&["unit"], true), (&["r", "relation"], true)];
const REVOKE_FLAGS: FlagSpec = &[
    (&["app", "application"], true),
    (&["unit"], true),
    (&["r", "relation"], true),
];

/// `secret-grant <ID> [-r <relation>] [--unit U]`: stages view access for the relation's
/// remote application, or one of its units.
pub(crate) fn secret_grant(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, GRANT_FLAGS)?;
    let relation = crate::tools::relation::relation_id(context, args, &a)?;
    let Some((shown, rest)) = a.positional.split_first() else {
        return usage_err("missing secret URI");
    };
    let id = parse_uri(shown)?;
    let Some(relation) = relation else {
        return usage_err("no relation id specified");
    };
    let Some(remote_app) = context
        .relations
        .get(&relation)
        .map(|r| r.remote_app.clone())
    else {
        return usage_err("relation not found");
    };
    let unit = a.get("unit").filter(|u| !u.is_empty()).map(str::to_owned);
    if let Some(unit) = &unit {
        if !crate::relation::valid_unit_name(unit) {
            return usage_err(format!("unit {} not valid", go_quote(unit)));
        }
        if unit.split('/').next() != Some(remote_app.as_str()) {
            return usage_err(format!(
                "cannot specify unit {} in relation to application {}",
                go_quote(unit),
                go_quote(&remote_app)
            ));
        }
    }
    if !rest.is_empty() {
        return unrecognized(rest);
    }
    let all = metadata(context)?;
    let Some(meta) = all.get(&id) else {
        return run_err(format!("secret {} not found", go_quote(&id)));
    };
    if matches!(meta.owner, Owner::Application(_)) && !context.unit.leader {
        return run_err("this unit is not the leader");
    }
    let key = context
        .model
        .relations()?
        .get(relation)
        .map(|r| r.key.clone())
        .unwrap_or_default();
    let subject = match &unit {
        Some(unit) => Target::Unit(unit.clone()),
        None => Target::Application(remote_app.clone()),
    };
    let scope = secrets::Scope::Relation {
        id: relation,
        key: key.clone(),
    }
    .tag(&context.model_uuid);
    for (target, grant_scope) in &meta.access {
        if *grant_scope != scope {
            continue;
        }
        if *target == subject.tag() || target.starts_with("application-") {
            return ok("");
        }
        if matches!(subject, Target::Application(_)) {
            return run_err(
                "any unit level grants need to be revoked before granting access to the corresponding application",
            );
        }
    }
    context.secrets.grants.entry(id).or_default().insert(
        key.clone(),
        GrantArg {
            relation,
            key,
            target: subject,
        },
    );
    ok("")
}

/// `secret-revoke <ID> [-r <relation>] [--app A] [--unit U]`: stages the removal of the access
/// of an application (the relation's remote one by default, in a relation hook) or a unit.
pub(crate) fn secret_revoke(context: &mut Context, args: &[String]) -> Reply {
    let a = parse(args, REVOKE_FLAGS)?;
    let relation = crate::tools::relation::relation_id(context, args, &a)?;
    let Some((shown, rest)) = a.positional.split_first() else {
        return usage_err("missing secret URI");
    };
    let id = parse_uri(shown)?;
    let mut app = a
        .get("application")
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let unit = a.get("unit").filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(app) = &app
        && !crate::relation::valid_application_name(app)
    {
        return usage_err(format!("application {} not valid", go_quote(app)));
    }
    if let Some(unit) = &unit
        && !crate::relation::valid_unit_name(unit)
    {
        return usage_err(format!("unit {} not valid", go_quote(unit)));
    }
    if app.is_some() && unit.is_some() {
        return usage_err("specify only one of application or unit");
    }
    if let Some(relation) = relation {
        let Some(remote) = context
            .relations
            .get(&relation)
            .map(|r| r.remote_app.clone())
        else {
            return usage_err("relation not found");
        };
        if app.is_some() {
            return usage_err("do not specify both relation and app");
        }
        app = Some(remote);
    }
    if app.is_none() && unit.is_none() {
        return usage_err("missing relation or application or unit");
    }
    if !rest.is_empty() {
        return unrecognized(rest);
    }
    check_may_change(context, &id, shown)?;
    let target = match (unit, app) {
        (Some(unit), _) => Target::Unit(unit),
        (None, Some(app)) => Target::Application(app),
        (None, None) => return usage_err("missing relation or application or unit"),
    };
    let revokes = context.secrets.revokes.entry(id).or_default();
    let covered = revokes.iter().any(|r| {
        *r == target
            || matches!((r, &target), (Target::Application(a), Target::Unit(u)) if u.split('/').next() == Some(a.as_str()))
    });
    if !covered {
        revokes.push(target);
    }
    ok("")
}
