#!/usr/bin/env python3
"""The kv_demo provider: its leader publishes an `Endpoint` on every -joined and -changed, and
reads the requirer's `Request` once it is there."""

import dataclasses

import ops
from kv import Endpoint, Request
from recorder import Recorder


class Provider(Recorder):
    def react(self, event: ops.EventBase) -> dict:
        if isinstance(event, ops.StartEvent):
            self.unit.status = ops.ActiveStatus()
        relation = getattr(event, 'relation', None)
        if (
            isinstance(event, (ops.RelationJoinedEvent, ops.RelationChangedEvent))
            and relation.name == 'kv'
            and self.unit.is_leader()
        ):
            relation.save(Endpoint(host='db.example', port=5432), self.app)
            if 'database' in relation.data[event.app]:
                return {'request': dataclasses.asdict(relation.load(Request, event.app))}
        return {}


if __name__ == '__main__':
    ops.main(Provider)
