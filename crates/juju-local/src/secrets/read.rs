//! The rules the secrets manager facade applies when a unit reads a secret
//! (`getSecretContent`, `getConsumedRevision`): owners get the latest revision, a consumer's
//! first read pins the latest, `--peek` reads it without moving the pin, `--refresh` moves it;
//! owner and consumer labels.

use super::{Caller, Consumer, Data, Owner, Secret, Store, uri};

/// What a unit's hook reads: the secret's xid, the revision read, and its content.
pub type Read = (String, u32, Data);

impl Store {
    /// The secret the caller owns (as unit or application) with owner label `label`.
    pub fn by_owner_label(&self, caller: &Caller<'_>, label: &str) -> Option<&str> {
        self.secrets
            .iter()
            .find(|(_, s)| s.owner_side(caller) && s.label.as_deref() == Some(label))
            .map(|(id, _)| id.as_str())
    }

    /// The secret the caller's unit has labelled `label` as a consumer.
    pub fn by_consumer_label(&self, unit: &str, label: &str) -> Option<&str> {
        self.secrets
            .iter()
            .find(|(_, s)| {
                s.consumers
                    .get(unit)
                    .is_some_and(|c| c.label.as_deref() == Some(label))
            })
            .map(|(id, _)| id.as_str())
    }

    /// The secrets whose metadata the caller sees (`GetSecretMetadata`): those its unit owns,
    /// and, for the leader, its application's.
    pub fn owned_metadata<'a>(
        &'a self,
        caller: &'a Caller<'a>,
    ) -> impl Iterator<Item = (&'a String, &'a Secret)> + 'a {
        self.secrets
            .iter()
            .filter(move |(_, s)| s.managed_by(caller))
    }

    /// A unit reads a secret (`secret-get`): by URI, by owner label or by consumer label,
    /// following the facade's rules. Consumer records and labels change at once, as Juju's
    /// facade saves them during the call. `display` is the URI as the caller gave it, for
    /// messages.
    pub fn read(
        &mut self,
        caller: &Caller<'_>,
        id: Option<&str>,
        display: &str,
        label: Option<&str>,
        refresh: bool,
        peek: bool,
    ) -> std::result::Result<Read, String> {
        let mut id = id.map(str::to_owned);
        let mut label = label.map(str::to_owned);
        if id.is_none()
            && let Some(l) = &label
            && let Some(found) = self.by_owner_label(caller, l)
        {
            id = Some(found.to_owned());
            label = None;
        }
        if let Some(found) = id.as_deref()
            && let Some(secret) = self.secrets.get_mut(found)
            && secret.owner_side(caller)
        {
            if let Some(l) = &label
                && secret.managed_by(caller)
            {
                secret.label = Some(l.clone());
            }
            if !secret.managed_by(caller) && matches!(secret.owner, Owner::Application(_)) {
                let latest = secret.latest;
                secret
                    .consumers
                    .entry(caller.unit.to_owned())
                    .or_insert(Consumer {
                        current: 0,
                        label: None,
                        notified: latest,
                        peer: true,
                    });
            }
            let content = secret
                .latest_content()
                .cloned()
                .ok_or_else(|| format!("secret {} not found", crate::gofmt::go_quote(display)))?;
            return Ok((found.to_owned(), secret.latest, content));
        }
        let uri_given = id.is_some();
        let id = match id {
            Some(id) => id,
            None => {
                let l = label.clone().unwrap_or_default();
                self.by_consumer_label(caller.unit, &l)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        format!("consumer label {} not found", crate::gofmt::go_quote(&l))
                    })?
            }
        };
        let shown = if uri_given {
            display.to_owned()
        } else {
            uri(&id)
        };
        let Some(secret) = self.secrets.get_mut(&id) else {
            return Err(format!(
                "secret {} not found",
                crate::gofmt::go_quote(&shown)
            ));
        };
        if !secret.readable_by(caller) {
            return Err("permission denied".into());
        }
        let latest = secret.latest;
        let existing = secret.consumers.get(caller.unit).cloned();
        let refresh = refresh || existing.is_none() || existing.as_ref().is_some_and(|c| c.peer);
        let mut consumer = existing.unwrap_or(Consumer {
            current: 0,
            label: None,
            notified: latest,
            peer: false,
        });
        let mut want = consumer.current;
        if refresh || peek {
            want = latest;
            if refresh {
                consumer.current = latest;
                consumer.peer = false;
            }
        }
        if refresh || (uri_given && label.is_some()) {
            if let Some(l) = &label {
                consumer.label = Some(l.clone());
            }
            secret.consumers.insert(caller.unit.to_owned(), consumer);
        }
        let content = secret
            .revisions
            .get(&want)
            .map(|r| r.content.clone())
            .ok_or_else(|| format!("secret revision {}/{want} not found", uri(&id)))?;
        Ok((id, want, content))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::tests::{ID, data, secret};
    use crate::secrets::{Grant, Scope, Target};

    #[test]
    fn owners_read_the_latest_and_consumers_pin_peek_and_refresh() {
        let mut store = Store::default();
        let mut s = secret(Owner::Application("db".into()));
        s.grants.push(Grant {
            target: Target::Application("web".into()),
            scope: Scope::Relation {
                id: 0,
                key: "web:db db:db".into(),
            },
        });
        store.secrets.insert(ID.into(), s);
        let web = Caller {
            unit: "web/0",
            app: "web",
            leader: true,
        };
        let get = |store: &mut Store, refresh, peek| {
            store
                .read(&web, Some(ID), "secret:x", None, refresh, peek)
                .map(|(_, rev, _)| rev)
        };
        assert_eq!(get(&mut store, false, false), Ok(1));
        store.add_revision(ID, data("two"), None, 5);
        assert_eq!(get(&mut store, false, false), Ok(1));
        assert_eq!(get(&mut store, false, true), Ok(2));
        assert_eq!(get(&mut store, false, false), Ok(1));
        assert_eq!(get(&mut store, true, false), Ok(2));
        assert_eq!(get(&mut store, false, false), Ok(2));
        // The owner application's units read the latest, by URI or owner label.
        let db1 = Caller {
            unit: "db/1",
            app: "db",
            leader: false,
        };
        assert_eq!(
            store
                .read(&db1, None, "", Some("owned"), false, false)
                .map(|r| r.1),
            Ok(2)
        );
        assert!(store.secrets[ID].consumers["db/1"].peer);
        let other = Caller {
            unit: "other/0",
            app: "other",
            leader: true,
        };
        assert_eq!(
            store.read(&other, Some(ID), "secret:x", None, false, false),
            Err("permission denied".into())
        );
        assert_eq!(
            store.read(&other, None, "", Some("nope"), false, false),
            Err("consumer label \"nope\" not found".into())
        );
        assert_eq!(
            store.read(
                &other,
                Some("cj4v5vm78ohs79o84r50"),
                "secret:y",
                None,
                false,
                false
            ),
            Err("secret \"secret:y\" not found".into())
        );
    }
}
