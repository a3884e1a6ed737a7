//! Relation endpoints and `juju integrate`'s rules: the endpoints a charm declares in
//! `metadata.yaml` (`requires`, `provides`, `peers`, each `interface`, `limit`, `optional`,
//! `scope`, or the `name: interface` shorthand), and Juju's endpoint inference, relation key and
//! limit check, with its messages (`state/state.go` `InferEndpoints`, `AddRelation`,
//! `enforceMaxRelationLimit`; `cmd/juju/application/integrate.go`).

use serde_json::{Map, Value};

use crate::error::{Result, run_error, usage};
use crate::state::{Relation, RelationEndpoint, Relations};

/// An endpoint as a charm declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointMeta {
    pub name: String,
    /// `provider`, `requirer` or `peer`.
    pub role: &'static str,
    pub interface: String,
    /// 0 when the charm sets none (no limit).
    pub limit: u64,
    pub optional: bool,
    /// `global` or `container`.
    pub scope: String,
}

/// The endpoints declared in a charm's metadata, in `requires`, `provides`, `peers` order and
/// by name within each; what does not parse is reported with the path Juju's schema names.
pub fn endpoints(metadata: &Map<String, Value>) -> Result<Vec<EndpointMeta>> {
    let mut out = Vec::new();
    for (section, role) in [
        ("requires", "requirer"),
        ("provides", "provider"),
        ("peers", "peer"),
    ] {
        let entries = match metadata.get(section) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(entries)) => entries,
            Some(_) => {
                return Err(run_error(format!(
                    "metadata: {section}: expected map, got something else"
                )));
            }
        };
        let mut names: Vec<&String> = entries.keys().collect();
        names.sort();
        for name in names {
            let at = format!("{section}.{name}");
            let endpoint = match &entries[name] {
                Value::String(interface) => EndpointMeta {
                    name: name.clone(),
                    role,
                    interface: interface.clone(),
                    limit: 0,
                    optional: false,
                    scope: "global".to_owned(),
                },
                Value::Object(body) => endpoint_from_map(name, role, body, &at)?,
                _ => {
                    return Err(run_error(format!("metadata: {at}: expected string or map")));
                }
            };
            out.push(endpoint);
        }
    }
    Ok(out)
}

fn endpoint_from_map(
    name: &str,
    role: &'static str,
    body: &Map<String, Value>,
    at: &str,
) -> Result<EndpointMeta> {
    let interface = match body.get("interface") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            return Err(run_error(format!(
                "metadata: {at}.interface: expected string, got nothing"
            )));
        }
        Some(_) => {
            return Err(run_error(format!(
                "metadata: {at}.interface: expected string"
            )));
        }
    };
    let limit = match body.get("limit") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_u64()
            .ok_or_else(|| run_error(format!("metadata: {at}.limit: expected int")))?,
    };
    let optional = match body.get("optional") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(run_error(format!("metadata: {at}.optional: expected bool")));
        }
    };
    let scope = match body.get("scope") {
        None | Some(Value::Null) => "global".to_owned(),
        Some(Value::String(s)) if s == "global" || s == "container" => s.clone(),
        Some(other) => {
            return Err(run_error(format!(
                "metadata: {at}.scope: unexpected value {other}"
            )));
        }
    };
    Ok(EndpointMeta {
        name: name.to_owned(),
        role,
        interface,
        limit,
        optional,
        scope,
    })
}

/// An endpoint of an application in the model.
#[derive(Debug, Clone)]
pub struct AppEndpoint {
    pub app: String,
    pub meta: EndpointMeta,
}

impl AppEndpoint {
    fn key(&self) -> String {
        format!("{}:{}", self.app, self.meta.name)
    }

    pub fn to_relation_endpoint(&self) -> RelationEndpoint {
        RelationEndpoint {
            app: self.app.clone(),
            name: self.meta.name.clone(),
            role: self.meta.role.to_owned(),
        }
    }

    /// Juju's `CanRelateTo`: other applications, the same interface, counterpart roles.
    fn can_relate_to(&self, other: &AppEndpoint) -> bool {
        self.app != other.app
            && self.meta.interface == other.meta.interface
            && self.meta.role != "peer"
            && counterpart(self.meta.role) == other.meta.role
    }
}

fn counterpart(role: &str) -> &'static str {
    match role {
        "provider" => "requirer",
        "requirer" => "provider",
        _ => "peer",
    }
}

/// Juju's relation key: the endpoints as `app:name`, requirer before provider (same roles by
/// name), space-separated.
pub fn relation_key(endpoints: &[RelationEndpoint]) -> String {
    let mut eps: Vec<&RelationEndpoint> = endpoints.iter().collect();
    eps.sort_by(|a, b| {
        // Juju's `epSlice.Less`: by role, descending ("requirer" > "provider"), then by name.
        b.role
            .cmp(&a.role)
            .then_with(|| format!("{}:{}", a.app, a.name).cmp(&format!("{}:{}", b.app, b.name)))
    });
    eps.iter()
        .map(|e| format!("{}:{}", e.app, e.name))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `integrate`'s argument check (`validateLocalEndpoint`): `app[:endpoint]`, the endpoint a
/// relation name and the application a valid application name; an offer URL or `model.app`
/// would be a cross-model relation, which the local Juju does not have.
pub fn check_endpoint_arg(arg: &str) -> Result<()> {
    if arg.contains('.') || arg.contains('/') {
        return Err(usage(format!(
            "{arg:?}: cross-model relations are not supported by juju-local (one model, no offers)"
        )));
    }
    let (app, endpoint) = match arg.split_once(':') {
        None => (arg, None),
        Some((app, endpoint)) => (app, Some(endpoint)),
    };
    if let Some(endpoint) = endpoint
        && (app.is_empty() || !valid_relation_name(endpoint))
    {
        return Err(usage(format!("endpoint {arg:?} not valid")));
    }
    if !valid_application_name(app) {
        return Err(usage(format!("application name {app:?} not valid")));
    }
    Ok(())
}

/// juju/names `RelationSnippet`: `[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*`.
pub fn valid_relation_name(name: &str) -> bool {
    let mut chunks = name.split(['-', '_']);
    let Some(first) = chunks.next() else {
        return false;
    };
    first.starts_with(|c: char| c.is_ascii_lowercase())
        && first
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chunks.all(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// juju/names `IsValidApplication`: `[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*`.
pub fn valid_application_name(name: &str) -> bool {
    let mut chunks = name.split('-');
    let Some(first) = chunks.next() else {
        return false;
    };
    let alnum = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    first.starts_with(|c: char| c.is_ascii_lowercase())
        && alnum(first)
        && chunks.all(|c| alnum(c) && c.chars().any(|c| c.is_ascii_lowercase()))
}

/// juju/names `IsValidUnit`: `<application>/<number>`.
pub fn valid_unit_name(name: &str) -> bool {
    let Some((app, number)) = name.split_once('/') else {
        return false;
    };
    valid_application_name(app)
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
        && (number == "0" || !number.starts_with('0'))
}

/// juju/names `NewUnitTag(name).String()`: `unit-app-0` for `app/0`.
pub fn unit_tag(name: &str) -> String {
    format!("unit-{}", name.replace('/', "-"))
}

/// The endpoints an `app[:endpoint]` argument may mean, with `keep` applied (Juju's
/// `State.endpoints`); `lookup` gives an application's endpoints, or `None` when it does not
/// exist.
fn candidates_for(
    arg: &str,
    lookup: &dyn Fn(&str) -> Option<Vec<EndpointMeta>>,
    keep: fn(&EndpointMeta) -> bool,
) -> Result<Vec<AppEndpoint>> {
    let (app, endpoint) = match arg.split_once(':') {
        None => (arg, None),
        Some((app, endpoint)) if !app.is_empty() && !endpoint.is_empty() => (app, Some(endpoint)),
        Some(_) => return Err(run_error(format!("invalid endpoint {arg:?}"))),
    };
    let Some(all) = lookup(app) else {
        return Err(run_error(format!("application {app:?} not found")));
    };
    let chosen: Vec<EndpointMeta> = match endpoint {
        Some(name) => {
            let Some(found) = all.into_iter().find(|e| e.name == name) else {
                return Err(run_error(format!(
                    "application {app:?} has no {name:?} relation"
                )));
            };
            vec![found]
        }
        None => all,
    };
    Ok(chosen
        .into_iter()
        .filter(keep)
        .map(|meta| AppEndpoint {
            app: app.to_owned(),
            meta,
        })
        .collect())
}

/// Juju's `InferEndpoints` for two names: the one pair of endpoints that can relate, or
/// `no relations found`, or `ambiguous relation: …` listing the candidates' keys.
pub fn infer(
    a: &str,
    b: &str,
    lookup: &dyn Fn(&str) -> Option<Vec<EndpointMeta>>,
) -> Result<(AppEndpoint, AppEndpoint)> {
    let not_peer = |e: &EndpointMeta| e.role != "peer";
    let eps1 = candidates_for(a, lookup, not_peer)?;
    let eps2 = candidates_for(b, lookup, not_peer)?;
    let mut found = Vec::new();
    for ep1 in &eps1 {
        for ep2 in &eps2 {
            // `containerScopeOk`: a container-scoped pair needs a subordinate application,
            // and the local Juju has none.
            let scope_ok = ep1.meta.scope != "container" && ep2.meta.scope != "container";
            if ep1.can_relate_to(ep2) && scope_ok {
                found.push((ep1.clone(), ep2.clone()));
            }
        }
    }
    match found.len() {
        0 => Err(run_error("no relations found")),
        1 => Ok(found.remove(0)),
        _ => {
            let mut keys: Vec<String> = found
                .iter()
                .map(|(x, y)| {
                    format!(
                        "{:?}",
                        relation_key(&[x.to_relation_endpoint(), y.to_relation_endpoint()])
                    )
                })
                .collect();
            keys.sort();
            Err(run_error(format!(
                "ambiguous relation: {:?} could refer to {}",
                format!("{a} {b}"),
                keys.join("; ")
            )))
        }
    }
}

/// `AddRelation`'s checks of an inferred pair against the model's relations (an existing
/// relation with the key; each endpoint's `limit`), with Juju's messages: the annotation
/// `cannot add relation "<key>": `, and what the CLI adds (`(already exists)` and its hint,
/// `(quota limit exceeded)`).
pub fn check_new(relations: &Relations, pair: &(AppEndpoint, AppEndpoint)) -> Result<String> {
    let eps = [pair.0.to_relation_endpoint(), pair.1.to_relation_endpoint()];
    let key = relation_key(&eps);
    if let Some(existing) = relations.relations.iter().find(|r| r.key == key) {
        let what = if existing.dying {
            format!("relation {key} is dying, but not yet removed (already exists)")
        } else {
            format!("relation {key} (already exists)")
        };
        return Err(run_error(format!(
            "cannot add relation \"{key}\"\n{what}: \n\nUse 'juju status --relations' to view the current relations."
        )));
    }
    for ep in [&pair.0, &pair.1] {
        if ep.meta.limit == 0 {
            continue;
        }
        let established = relations
            .relations
            .iter()
            .filter(|r| {
                r.endpoints
                    .iter()
                    .any(|e| e.app == ep.app && e.name == ep.meta.name)
            })
            .count() as u64;
        if established + 1 > ep.meta.limit {
            return Err(run_error(format!(
                "cannot add relation \"{key}\": establishing a new relation for {} would exceed its maximum relation limit of {} (quota limit exceeded)",
                ep.key(),
                ep.meta.limit
            )));
        }
    }
    Ok(key)
}

/// A new relation record for a pair (requirer first, as in the key) or one peer endpoint.
pub fn new_relation(id: u32, endpoints: &[&AppEndpoint]) -> Relation {
    let mut eps: Vec<RelationEndpoint> =
        endpoints.iter().map(|e| e.to_relation_endpoint()).collect();
    eps.sort_by(|a, b| b.role.cmp(&a.role));
    let key = match eps.as_slice() {
        [peer] => format!("{}:{}", peer.app, peer.name),
        _ => relation_key(&eps),
    };
    Relation {
        id,
        key,
        interface: endpoints
            .first()
            .map(|e| e.meta.interface.clone())
            .unwrap_or_default(),
        scope: "global".to_owned(),
        endpoints: eps,
        dying: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(name: &str, role: &'static str, interface: &str) -> EndpointMeta {
        EndpointMeta {
            name: name.into(),
            role,
            interface: interface.into(),
            limit: 0,
            optional: false,
            scope: "global".into(),
        }
    }

    fn lookup(app: &str) -> Option<Vec<EndpointMeta>> {
        match app {
            "wordpress" => Some(vec![
                meta("db", "requirer", "mysql"),
                meta("cache", "requirer", "memcache"),
                meta("ring", "peer", "ring"),
            ]),
            "mysql" => Some(vec![
                meta("server", "provider", "mysql"),
                meta("server2", "provider", "mysql"),
            ]),
            "memcached" => Some(vec![meta("cache", "provider", "memcache")]),
            _ => None,
        }
    }

    #[test]
    fn endpoints_are_inferred_as_juju_infers_them() {
        let (a, b) = infer("wordpress", "memcached", &lookup).unwrap();
        assert_eq!(
            (a.key(), b.key()),
            ("wordpress:cache".into(), "memcached:cache".into())
        );
        let err = infer("wordpress", "mysql", &lookup).unwrap_err();
        assert_eq!(
            err.message,
            "ambiguous relation: \"wordpress mysql\" could refer to \"wordpress:db mysql:server\"; \"wordpress:db mysql:server2\""
        );
        let (a, b) = infer("mysql:server2", "wordpress", &lookup).unwrap();
        assert_eq!(
            (a.key(), b.key()),
            ("mysql:server2".into(), "wordpress:db".into())
        );
        assert_eq!(
            infer("wordpress:ring", "mysql", &lookup)
                .unwrap_err()
                .message,
            "no relations found"
        );
        assert_eq!(
            infer("mysql", "memcached", &lookup).unwrap_err().message,
            "no relations found"
        );
        assert_eq!(
            infer("nope", "mysql", &lookup).unwrap_err().message,
            "application \"nope\" not found"
        );
        assert_eq!(
            infer("mysql:db", "wordpress", &lookup).unwrap_err().message,
            "application \"mysql\" has no \"db\" relation"
        );
    }

    #[test]
    fn keys_put_the_requirer_first() {
        let eps = [
            RelationEndpoint {
                app: "mysql".into(),
                name: "server".into(),
                role: "provider".into(),
            },
            RelationEndpoint {
                app: "wordpress".into(),
                name: "db".into(),
                role: "requirer".into(),
            },
        ];
        assert_eq!(relation_key(&eps), "wordpress:db mysql:server");
    }

    #[test]
    fn names_are_checked_as_juju_names_checks_them() {
        assert!(valid_application_name("my-app2"));
        assert!(!valid_application_name("my-2"));
        assert!(!valid_application_name("2app"));
        assert!(!valid_application_name("App"));
        assert!(valid_relation_name("db_admin-2"));
        assert!(!valid_relation_name("db-"));
        assert!(valid_unit_name("app/10"));
        assert!(!valid_unit_name("app/01"));
        assert!(!valid_unit_name("unit//0"));
        assert!(check_endpoint_arg("app:db").is_ok());
        assert_eq!(
            check_endpoint_arg("app:").unwrap_err().message,
            "endpoint \"app:\" not valid"
        );
        assert_eq!(
            check_endpoint_arg("App").unwrap_err().message,
            "application name \"App\" not valid"
        );
    }

    #[test]
    fn metadata_endpoints_read_both_forms() {
        let metadata: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "requires": {"db": {"interface": "mysql", "limit": 1}},
            "provides": {"web": "http"},
            "peers": {"ring": {"interface": "ring"}},
        }))
        .unwrap();
        let eps = endpoints(&metadata).unwrap();
        assert_eq!(eps.len(), 3);
        assert_eq!(eps[0].name, "db");
        assert_eq!(eps[0].limit, 1);
        assert_eq!(eps[1].interface, "http");
        assert_eq!(eps[2].role, "peer");
        let bad: Map<String, Value> =
            serde_json::from_value(serde_json::json!({"requires": {"db": {"limit": 1}}})).unwrap();
        assert_eq!(
            endpoints(&bad).unwrap_err().message,
            "metadata: requires.db.interface: expected string, got nothing"
        );
    }
}
