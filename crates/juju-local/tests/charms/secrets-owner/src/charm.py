#!/usr/bin/env python3
"""Shares credentials as data_interfaces providers do: once the requirer asks for them
(``requested-secrets`` in its application bag), the leader puts them in an application-owned
secret labelled ``<endpoint>.<relation id>.user.secret``, grants it to the relation and writes
its ID to its own application bag as ``secret-user``. Opens 8080/tcp and reads its binding's
address; actions rotate the password, remove the secret and close the port."""

import secrets

import ops
from secret_record import digest, record

USERNAME = 'consumer-user'


def label(relation: ops.Relation) -> str:
    return f'{relation.name}.{relation.id}.user.secret'


class Owner(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on['credentials'].relation_changed, self._on_changed)
        framework.observe(self.on.secret_remove, self._on_secret_remove)
        framework.observe(self.on['rotate-password'].action, self._on_rotate)
        framework.observe(self.on['remove-credentials'].action, self._on_remove)
        framework.observe(self.on['close-port'].action, self._on_close_port)

    def _on_install(self, event):
        self.unit.open_port('tcp', 8080)
        record(self.unit)

    def _on_start(self, event):
        network = self.model.get_binding('credentials').network
        record(
            self.unit,
            bind_address=str(network.bind_address),
            ingress_address=str(network.ingress_address),
            opened_ports=sorted(f'{p.port}/{p.protocol}' for p in self.unit.opened_ports()),
        )
        self.unit.status = ops.ActiveStatus()

    def _on_changed(self, event: ops.RelationChangedEvent):
        relation = event.relation
        ours = relation.data[self.app]
        if (
            not self.unit.is_leader()
            or 'requested-secrets' not in relation.data[event.app]
            or 'secret-user' in ours
        ):
            record(self.unit, rel=relation.id, created=None)
            return
        content = {'username': USERNAME, 'password': secrets.token_hex(16)}
        secret = self.app.add_secret(content, label=label(relation))
        secret.grant(relation)
        ours['secret-user'] = secret.id
        record(self.unit, rel=relation.id, created=secret.id, digest=digest(content))

    def _on_secret_remove(self, event: ops.SecretRemoveEvent):
        record(self.unit, revision=event.revision)
        event.remove_revision()

    def _on_rotate(self, event: ops.ActionEvent):
        relation = self.model.get_relation('credentials')
        secret = self.model.get_secret(label=label(relation))
        content = {'username': USERNAME, 'password': secrets.token_hex(16)}
        secret.set_content(content)
        record(self.unit, rotated=secret.id, digest=digest(content))
        event.set_results({'label': label(relation)})

    def _on_remove(self, event: ops.ActionEvent):
        relation = self.model.get_relation('credentials')
        secret = self.model.get_secret(label=label(relation))
        secret.remove_all_revisions()
        del relation.data[self.app]['secret-user']
        record(self.unit, removed=secret.id)

    def _on_close_port(self, event: ops.ActionEvent):
        self.unit.close_port('tcp', 8080)
        opened = sorted(f'{p.port}/{p.protocol}' for p in self.unit.opened_ports())
        event.set_results({'opened': ','.join(opened)})


if __name__ == '__main__':
    ops.main(Owner)
