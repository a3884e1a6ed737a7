#!/usr/bin/env python3
"""The kv_demo requirer: its leader writes a `Request` on -created; every unit reads the
provider's `Endpoint` on -changed and shows it in its status."""

import dataclasses

import ops
from kv import Endpoint, Request
from recorder import Recorder


class Requirer(Recorder):
    def react(self, event: ops.EventBase) -> dict:
        if isinstance(event, ops.StartEvent):
            self.unit.status = ops.ActiveStatus('no db')
        relation = getattr(event, 'relation', None)
        if relation is None or relation.name != 'kv':
            return {}
        if isinstance(event, ops.RelationCreatedEvent) and self.unit.is_leader():
            relation.save(Request(database='shop', roles=['reader']), self.app)
        if isinstance(event, ops.RelationChangedEvent) and 'host' in relation.data[event.app]:
            endpoint = relation.load(Endpoint, event.app)
            self.unit.status = ops.ActiveStatus(f'db at {endpoint.host}:{endpoint.port}')
            return {'endpoint': dataclasses.asdict(endpoint)}
        if isinstance(event, ops.RelationBrokenEvent):
            self.unit.status = ops.ActiveStatus('no db')
        return {}


if __name__ == '__main__':
    ops.main(Requirer)
