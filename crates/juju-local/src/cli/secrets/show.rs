//! A secret as `show-secret` and `secrets` print it: `secretDisplayDetails` (the content only
//! when revealed, under `Data` in JSON), and `formatSecretsTabular` with its ages.

use std::collections::BTreeMap;

use crate::gofmt::go_quote;
use crate::secrets::display::Node;
use crate::secrets::{Owner, Secret, content};
use crate::state::rfc3339;

/// What `show-secret` and `secrets` show of one secret (`secretDisplayDetails`).
pub(super) struct Show {
    pub(super) reveal: bool,
    pub(super) revision: Option<u32>,
    pub(super) revisions: bool,
    pub(super) access: bool,
    pub(super) json: bool,
}

pub(super) fn details(id: &str, s: &Secret, uuid: &str, show: &Show) -> Node {
    let mut fields: Vec<(String, Node)> = vec![("revision".into(), Node::int(s.latest))];
    if show.reveal && !s.checksum().is_empty() {
        fields.push(("checksum".into(), Node::str(s.checksum())));
    }
    if let Some(expire) = s.expire() {
        fields.push(("expires".into(), Node::Time(rfc3339(expire))));
    }
    if let Some(rotate) = &s.rotate {
        fields.push(("rotation".into(), Node::str(rotate.clone())));
    }
    if let Some(next) = s.next_rotate {
        fields.push(("rotates".into(), Node::Time(rfc3339(next))));
    }
    fields.push(("owner".into(), Node::str(s.owner.display())));
    if let Some(description) = s.description.as_ref().filter(|d| !d.is_empty()) {
        fields.push(("description".into(), Node::str(description.clone())));
    }
    if let Some(label) = s.label.as_ref().filter(|l| !l.is_empty()) {
        let key = if s.owner == Owner::Model {
            "name"
        } else {
            "label"
        };
        fields.push((key.into(), Node::str(label.clone())));
    }
    fields.push(("created".into(), Node::Time(rfc3339(s.created))));
    fields.push(("updated".into(), Node::Time(rfc3339(s.updated))));
    if show.reveal {
        let wanted = show.revision.unwrap_or(s.latest);
        match s.revisions.get(&wanted) {
            Some(revision) => {
                let values: Vec<(String, Node)> = match content::decoded(&revision.content) {
                    Ok(values) => values
                        .into_iter()
                        .map(|(k, v)| (k, Node::str(String::from_utf8_lossy(&v).into_owned())))
                        .collect(),
                    Err(e) => vec![("error".into(), Node::str(e))],
                };
                if !values.is_empty() {
                    let inner = Node::Map(values);
                    let content = if show.json {
                        Node::Map(vec![("Data".into(), inner)])
                    } else {
                        inner
                    };
                    fields.push(("content".into(), content));
                }
            }
            None => fields.push((
                "error".into(),
                Node::str(format!(
                    "secret revision {} for {} not found",
                    wanted,
                    go_quote(id)
                )),
            )),
        }
    }
    if show.revisions {
        let list = s
            .revisions
            .iter()
            .map(|(n, r)| {
                let mut entry = vec![
                    ("revision".into(), Node::int(*n)),
                    ("backend".into(), Node::str("internal")),
                    ("created".into(), Node::Time(rfc3339(r.created))),
                    ("updated".into(), Node::Time(rfc3339(r.updated))),
                ];
                if let Some(expire) = r.expire {
                    entry.push(("expires".into(), Node::Time(rfc3339(expire))));
                }
                Node::Map(entry)
            })
            .collect();
        fields.push(("revisions".into(), Node::List(list)));
    }
    if show.access && !s.grants.is_empty() {
        let list = s
            .grants
            .iter()
            .map(|g| {
                Node::Map(vec![
                    ("target".into(), Node::str(g.target.tag())),
                    ("scope".into(), Node::str(g.scope.tag(uuid))),
                    ("role".into(), Node::str("view")),
                ])
            })
            .collect();
        fields.push(("access".into(), Node::List(list)));
    }
    Node::Map(fields)
}

/// `formatSecretsTabular`: by owner, then latest revision first; the last update as
/// `UserFriendlyDuration` puts it.
pub(super) fn table(secrets: &BTreeMap<&String, &Secret>, now: i64) -> String {
    let mut rows: Vec<[String; 6]> = secrets
        .iter()
        .map(|(id, s)| {
            let name = match (&s.owner, &s.label) {
                (Owner::Model, Some(name)) => name.clone(),
                _ => "-".into(),
            };
            [
                (*id).clone(),
                name,
                s.owner.display(),
                s.rotate.clone().unwrap_or_else(|| "never".into()),
                s.latest.to_string(),
                friendly_age(s.updated, now),
            ]
        })
        .collect();
    rows.sort_by(|a, b| {
        a[2].cmp(&b[2]).then_with(|| {
            let (ra, rb) = (
                a[4].parse::<u32>().unwrap_or(0),
                b[4].parse::<u32>().unwrap_or(0),
            );
            rb.cmp(&ra)
        })
    });
    let header = [
        "ID",
        "Name",
        "Owner",
        "Rotation",
        "Revision",
        "Last updated",
    ]
    .map(str::to_owned);
    let all: Vec<&[String; 6]> = std::iter::once(&header).chain(rows.iter()).collect();
    let widths: Vec<usize> = (0..6)
        .map(|c| all.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in all {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c == 5 {
                line.push_str(cell);
            } else if c == 4 {
                line.push_str(&format!("{cell:>w$}  ", w = widths[c]));
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[c]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `common.UserFriendlyDuration`.
fn friendly_age(when: i64, now: i64) -> String {
    let since = now - when;
    let plural =
        |n: i64, one: &str, many: &str| format!("{n} {} ago", if n == 1 { one } else { many });
    if since >= 86_400 {
        return rfc3339(when)[..10].to_owned();
    }
    if since >= 3600 {
        return plural(since / 3600, "hour", "hours");
    }
    if since >= 60 {
        return plural(since / 60, "minute", "minutes");
    }
    if since >= 2 {
        return format!("{since} seconds ago");
    }
    "just now".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_juju_writes_them() {
        assert_eq!(friendly_age(100, 101), "just now");
        assert_eq!(friendly_age(100, 130), "30 seconds ago");
        assert_eq!(friendly_age(0, 60), "1 minute ago");
        assert_eq!(friendly_age(0, 7300), "2 hours ago");
        assert_eq!(friendly_age(0, 90_000), "1970-01-01");
    }
}
