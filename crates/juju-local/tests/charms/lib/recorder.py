"""What both test charms share: an ops charm that records every event it sees, and their
common relation work: each unit writes ``who`` (its name) to its bag in every relation it joins,
and the leader writes ``leader`` (its name) to the peer relation's application bag.

Each event is one JSON line in ``events.jsonl`` in the charm directory (read back with ``juju
exec``) and a ``juju-log`` line ``EVENT {...}`` (read back with ``juju debug-log`` once the unit is
gone): the hook, the relation environment exactly as Juju exported it (a variable left out is
absent from the record, one exported empty is ``''``), whether the unit leads, and what the
charm read from the relation's databags.
"""

import json
import logging
import os
import pathlib

import ops

logger = logging.getLogger(__name__)

HOOKS = ('install', 'leader_elected', 'leader_settings_changed', 'config_changed', 'start',
         'stop', 'remove', 'update_status', 'upgrade_charm')
RELATION_HOOKS = ('relation_created', 'relation_joined', 'relation_changed',
                  'relation_departed', 'relation_broken')
ENV = {'rel': 'JUJU_RELATION_ID', 'remote_unit': 'JUJU_REMOTE_UNIT',
       'remote_app': 'JUJU_REMOTE_APP', 'departing': 'JUJU_DEPARTING_UNIT'}


class Recorder(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        for name in HOOKS:
            framework.observe(getattr(self.on, name), self._record)
        known = {name.replace('_', '-') for name in HOOKS}
        for endpoint in self.meta.relations:
            for name in RELATION_HOOKS:
                framework.observe(getattr(self.on[endpoint], name), self._record)
                known.add(f"{endpoint}-{name.replace('_', '-')}")
        if hook() not in known:
            # A hook no handler above sees is recorded too, so that it shows in the order.
            write({'hook': hook(), 'unit': self.unit.name, 'unobserved': True})

    def react(self, event: ops.EventBase) -> dict:
        """The charm's own work for `event`; returns what it decoded, to record."""
        return {}

    def _record(self, event: ops.EventBase):
        entry = {'hook': hook(), 'unit': self.unit.name}
        entry.update({k: os.environ[v] for k, v in ENV.items() if v in os.environ})
        entry['leader'] = self.unit.is_leader()
        if isinstance(event, ops.RelationEvent) and not isinstance(event, ops.RelationBrokenEvent):
            relation = event.relation
            entry['units'] = sorted(u.name for u in relation.units)
            if isinstance(event, (ops.RelationJoinedEvent, ops.RelationChangedEvent)) and event.unit:
                entry['unit_data'] = dict(relation.data[event.unit])
            if not isinstance(event, ops.RelationDepartedEvent) and event.app:
                entry['app_data'] = dict(relation.data[event.app])
        if isinstance(event, ops.RelationCreatedEvent):
            event.relation.data[self.unit]['who'] = self.unit.name
        if isinstance(event, ops.LeaderElectedEvent):
            peers = self.model.get_relation('cluster')
            if peers:
                peers.data[self.app]['leader'] = self.unit.name
        entry.update(self.react(event))
        write(entry)


def hook() -> str:
    return os.environ['JUJU_DISPATCH_PATH'].partition('/')[2]


def write(entry: dict):
    line = json.dumps(entry, sort_keys=True)
    with pathlib.Path('events.jsonl').open('a') as f:
        f.write(line + '\n')
    logger.info('EVENT %s', line)
