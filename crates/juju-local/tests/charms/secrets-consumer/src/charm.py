#!/usr/bin/env python3
"""Reads what it is given through secrets, as a data_interfaces requirer does: its leader asks
for credentials (``requested-secrets``) when the relation is created, and each unit reads the
secret whose ID the provider writes as ``secret-user``, labelling it as the provider does. Also
reads the user secret its ``user-secret`` option (of type ``secret``) names. On
``secret-changed`` it records the content it was pinned to, the latest (peeked) and what a
refresh gives. Contents are recorded as digests only."""

import json

import ops
from secret_record import digest, record


class Consumer(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on['credentials'].relation_created, self._on_created)
        framework.observe(self.on['credentials'].relation_changed, self._on_changed)
        framework.observe(self.on.secret_changed, self._on_secret_changed)

    def _on_start(self, event):
        record(self.unit)

    def _on_config_changed(self, event):
        uri = self.config.get('user-secret')
        if not uri:
            record(self.unit, user_secret=None)
            self.unit.status = ops.ActiveStatus()
            return
        try:
            content = self.model.get_secret(id=str(uri), label='user-secret').get_content()
        except ops.SecretNotFoundError as e:
            record(self.unit, user_secret=str(uri), error=f'not found: {e}')
            self.unit.status = ops.BlockedStatus('user-secret not found')
            return
        except ops.ModelError as e:
            record(self.unit, user_secret=str(uri), error=str(e))
            self.unit.status = ops.BlockedStatus('user-secret not readable')
            return
        record(self.unit, user_secret=str(uri), digest=digest(content), keys=sorted(content))
        self.unit.status = ops.ActiveStatus(f'user-secret has {len(content)} keys')

    def _on_created(self, event: ops.RelationCreatedEvent):
        if self.unit.is_leader():
            event.relation.data[self.app]['requested-secrets'] = json.dumps(
                ['username', 'password']
            )
        record(self.unit, rel=event.relation.id)

    def _on_changed(self, event: ops.RelationChangedEvent):
        relation = event.relation
        uri = relation.data[event.app].get('secret-user') if event.app else None
        if not uri:
            record(self.unit, rel=relation.id, secret_user=None)
            return
        label = f'{relation.name}.{relation.id}.user.secret'
        content = self.model.get_secret(id=uri, label=label).get_content()
        record(self.unit, rel=relation.id, secret_user=uri, digest=digest(content),
               keys=sorted(content))

    def _on_secret_changed(self, event: ops.SecretChangedEvent):
        secret = event.secret
        pinned = digest(secret.get_content())
        latest = digest(secret.peek_content())
        refreshed = digest(secret.get_content(refresh=True))
        record(self.unit, pinned=pinned, latest=latest, refreshed=refreshed)


if __name__ == '__main__':
    ops.main(Consumer)
