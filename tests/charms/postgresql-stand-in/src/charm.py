#!/usr/bin/env python3
"""A stand-in for PostgreSQL's `database` endpoint, in the data-platform libraries' wire format.

It speaks what `data_interfaces` v0's `DatabaseProvides` writes when the requirer asks for no
secrets: the requirer's application bag names a `database`; the provider's leader answers in its
own application bag with plain strings: `database`, `endpoints` and `read-only-endpoints`
(`host:port`), `username`, `password` and `version`. The host is the unit's `ingress-address`,
which Juju seeds in every unit bag. When the relation goes away it forgets the user.
"""

import secrets

import ops

PORT = 5432
VERSION = "16.6"


class PostgresqlStandIn(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on.database_relation_changed, self._on_database_changed)
        framework.observe(self.on.database_relation_broken, self._on_database_broken)

    def _on_start(self, _event: ops.StartEvent):
        self.unit.status = ops.ActiveStatus()

    def _on_database_changed(self, event: ops.RelationChangedEvent):
        if not self.unit.is_leader() or event.app is None:
            return
        database = event.relation.data[event.app].get("database")
        if not database:
            return
        answer = event.relation.data[self.app]
        if answer.get("database") == database and answer.get("password"):
            return
        host = event.relation.data[self.unit].get("ingress-address", "127.0.0.1")
        answer.update(
            {
                "database": database,
                "endpoints": f"{host}:{PORT}",
                "read-only-endpoints": f"{host}:{PORT}",
                "username": f"relation-{event.relation.id}",
                "password": secrets.token_urlsafe(18),
                "version": VERSION,
            }
        )
        self.unit.status = ops.ActiveStatus(f"serving {database}")

    def _on_database_broken(self, _event: ops.RelationBrokenEvent):
        self.unit.status = ops.ActiveStatus()


if __name__ == "__main__":
    ops.main(PostgresqlStandIn)
