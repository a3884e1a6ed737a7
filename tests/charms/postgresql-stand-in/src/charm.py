#!/usr/bin/env python3
"""A stand-in for PostgreSQL's `database` endpoint, in the data-platform libraries' wire format.

It speaks what `data_interfaces` v0's `DatabaseProvides` writes: the requirer's application bag
names a `database` and, optionally, `requested-secrets` (a JSON list of field names). The
provider's leader answers in its own application bag with plain strings: `database`,
`endpoints` and `read-only-endpoints` (`host:port`) and `version`. The user's fields
(`username`, `password`) go into an application-owned secret labelled
`<endpoint>.<relation id>.user.secret`, granted to the relation and named by `secret-user`,
when the requirer asked for them as secrets; otherwise they are written in plain text. The host
is the unit's `ingress-address`, which Juju seeds in every unit bag. The `rotate-password`
action gives the user a new password (a new revision of the secret).
"""

import json
import secrets

import ops

USER_FIELDS = ("username", "password")

PORT = 5432
VERSION = "16.6"


class PostgresqlStandIn(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on.database_relation_changed, self._on_database_changed)
        framework.observe(self.on.database_relation_broken, self._on_database_broken)
        framework.observe(self.on.rotate_password_action, self._on_rotate_password)

    def _on_start(self, _event: ops.StartEvent):
        self.unit.status = ops.ActiveStatus()

    def _on_database_changed(self, event: ops.RelationChangedEvent):
        if not self.unit.is_leader() or event.app is None:
            return
        database = event.relation.data[event.app].get("database")
        if not database:
            return
        answer = event.relation.data[self.app]
        if answer.get("database") == database and (
            answer.get("password") or answer.get("secret-user")
        ):
            return
        host = event.relation.data[self.unit].get("ingress-address", "127.0.0.1")
        answer.update(
            {
                "database": database,
                "endpoints": f"{host}:{PORT}",
                "read-only-endpoints": f"{host}:{PORT}",
                "version": VERSION,
            }
        )
        user = {"username": f"relation-{event.relation.id}", "password": _password()}
        requested = json.loads(event.relation.data[event.app].get("requested-secrets") or "[]")
        if set(USER_FIELDS) & set(requested):
            secret = self.app.add_secret(user, label=_label(event.relation))
            secret.grant(event.relation)
            answer["secret-user"] = secret.id
        else:
            answer.update(user)
        self.unit.status = ops.ActiveStatus(f"serving {database}")

    def _on_rotate_password(self, event: ops.ActionEvent):
        for relation in self.model.relations["database"]:
            if "secret-user" in relation.data[self.app]:
                secret = self.model.get_secret(label=_label(relation))
                content = secret.get_content()
                secret.set_content({**content, "password": _password()})
            elif "password" in relation.data[self.app]:
                relation.data[self.app]["password"] = _password()
        event.set_results({"rotated": len(self.model.relations["database"])})

    def _on_database_broken(self, _event: ops.RelationBrokenEvent):
        self.unit.status = ops.ActiveStatus()


def _password() -> str:
    return secrets.token_urlsafe(18)


def _label(relation: ops.Relation) -> str:
    return f"{relation.name}.{relation.id}.user.secret"


if __name__ == "__main__":
    ops.main(PostgresqlStandIn)
