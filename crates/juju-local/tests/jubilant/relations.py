"""Relations on the local Juju, driven by unmodified jubilant (pinned by tests/support/mod.rs).

Usage: relations.py PROVIDER_CHARM REQUIRER_CHARM. The `juju` on PATH is the local Juju. Both
charms are Python ops charms (tests/charms/) that record every event they see: the hook, the
relation environment as Juju exported it, and what they read from the databags. The script
deploys them, integrates them, adds and removes units, removes and re-adds the relation, and
after each step checks each unit's events against the order Juju 3.6 gives: only within one unit,
and per relation within one unit, never across units (Juju runs each unit's hooks on its own).
A check that fails is reported and the rest still run; the last line is the tally.
"""

import json
import pathlib
import re
import sys

import jubilant

from checks import TIMEOUT, check, finish, until

PROVIDER, REQUIRER = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
SEEDED = {'private-address', 'ingress-address', 'egress-subnets'}


def settled(status):
    return jubilant.all_active(status) and jubilant.all_agents_idle(status)


gone = {}  # the events of removed units, read from debug-log


def events(unit):
    """The unit's events in order, without update-status (whose timing is Juju's own)."""
    if unit in gone:
        evs = gone[unit]
    else:
        text = juju.exec('cat events.jsonl', unit=unit).stdout
        evs = [json.loads(line) for line in text.splitlines()]
    return [e for e in evs if e['hook'] != 'update-status']


def logged_events(unit):
    """The unit's events as its `juju-log` lines in `juju debug-log` (which outlives the unit).
    Juju prefixes a relation hook's log message with the relation (`kv:3: `)."""
    evs = []
    for line in juju.debug_log().splitlines():
        m = re.match(r'unit-([a-z0-9-]+)-(\d+): .* EVENT (\{.*\})$', line)
        if m and f'{m[1]}/{m[2]}' == unit:
            evs.append(json.loads(m[3]))
    return evs


def hooks(evs):
    return [e['hook'] for e in evs]


def of(evs, rel):
    return [e for e in evs if e.get('rel') == rel]


def kind(e):
    return e['hook'].split('-relation-')[1]


def relation_history(unit, rel, remote_app, *, peer, leaving=False):
    """Checks one unit's events for one relation against what Juju guarantees within a relation
    (internal/worker/uniter/relation: nextHookForRelation, UpdateStateForHook; context.HookVars):
    -created first, once, with JUJU_REMOTE_UNIT exported empty; -joined(u) once per arrival and
    straight after it -changed(u) (the relation's next hook); a unit -changed only for a member;
    an application -changed with JUJU_REMOTE_UNIT empty; -departed(u) only for a member, with
    JUJU_DEPARTING_UNIT the remote unit, or the local one when the local unit is leaving;
    -broken last, after every member departed, never on a peer relation; JUJU_REMOTE_APP the
    other application (the unit's own for peers) throughout; JUJU_DEPARTING_UNIT only in
    -departed. Returns the members at the end and the events."""
    evs = of(events(unit), rel)
    where = f'{unit} {rel}'
    assert evs, f'{where}: no events'
    first = evs[0]
    assert kind(first) == 'created', (where, hooks(evs))
    assert first['remote_unit'] == '', (where, first)
    members = set()
    for i, e in enumerate(evs):
        k = kind(e)
        assert e['remote_app'] == remote_app, (where, e)
        assert ('departing' in e) == (k == 'departed'), (where, e)
        assert k != 'created' or i == 0, (where, 'created twice', hooks(evs))
        u = e['remote_unit']
        if k == 'joined':
            assert u and u not in members, (where, e, members)
            members.add(u)
            assert i + 1 < len(evs), (where, f'no -changed after -joined({u})', hooks(evs))
            nxt = evs[i + 1]
            assert kind(nxt) == 'changed' and nxt['remote_unit'] == u, (where, e, nxt)
        elif k == 'changed':
            assert u == '' or u in members, (where, e, members)
        elif k == 'departed':
            assert u in members, (where, e, members)
            members.remove(u)
            assert e['departing'] == (unit if leaving else u), (where, e)
            assert u not in e['units'], (where, 'the departing unit is still listed', e)
        elif k == 'broken':
            assert not peer, (where, '-broken on a peer relation', e)
            assert i == len(evs) - 1, (where, '-broken is not last', hooks(evs))
            assert not members, (where, '-broken before every member departed', members)
            assert e['remote_unit'] == '', (where, e)
    return members, evs


def relation_ids(unit, endpoint):
    """The relation ids the unit's events name for `endpoint`, in order of first use."""
    seen = []
    for e in events(unit):
        if e['hook'].startswith(f'{endpoint}-relation-') and e['rel'] not in seen:
            seen.append(e['rel'])
    return seen


def changed_from(evs, remote):
    return [e for e in evs if kind(e) == 'changed' and e['remote_unit'] == remote]


def deploy_prefix(unit, leader, created):
    """The deploy sequence (§1.1; uniter resolver: created relations, then leadership, then
    nextOp): install, -created for every relation the unit has (in any order among themselves),
    leader-elected on the leader or leader-settings-changed on the others, config-changed, start."""
    hs = hooks(events(unit))
    n = len(created)
    assert hs[0] == 'install', (unit, hs)
    assert sorted(hs[1 : 1 + n]) == sorted(f'{ep}-relation-created' for ep in created), (unit, hs)
    elected = 'leader-elected' if leader else 'leader-settings-changed'
    assert hs[1 + n : 4 + n] == [elected, 'config-changed', 'start'], (unit, hs)
    rest = hs[4 + n :]
    for h in ('install', 'leader-elected', 'config-changed', 'start', 'stop', 'remove'):
        assert h not in rest, (unit, f'{h} again', hs)


def wait(ready):
    return juju.wait(ready, error=jubilant.any_error, timeout=TIMEOUT, delay=0.2)


def exchanged(rel, requirers, providers):
    """The data each side read in `rel`: each requirer the provider's Endpoint (decoded with
    Relation.load, and as Juju holds it: each field JSON-encoded by Relation.save) and every
    provider unit's bag; the provider's leader the requirer's Request; every provider unit each
    requirer unit's bag, with the addresses Juju seeds."""
    for u in requirers:
        got = until(f'{u} to read the endpoint', lambda: endpoint_read(u, rel))
        assert got[-1]['endpoint'] == {'host': 'db.example', 'port': 5432}, got[-1]
        assert got[-1]['app_data'] == {'host': '"db.example"', 'port': '5432'}, got[-1]
        for p in providers:
            e = until(f'{u} to read {p}', lambda: changed_from(of(events(u), rel), p))[-1]
            assert e['unit_data']['who'] == p and SEEDED <= set(e['unit_data']), e
    for p in providers:
        if p == db_leader:
            got = until(f'{p} to read the request', lambda: request_read(p, rel))
            assert got[-1]['request'] == {'database': 'shop', 'roles': ['reader']}, got[-1]
            assert got[-1]['app_data'] == {'database': '"shop"', 'roles': '["reader"]'}, got[-1]
        else:
            assert not request_read(p, rel), 'only the provider\'s leader reads the request'
        for u in requirers:
            e = until(f'{p} to read {u}', lambda: changed_from(of(events(p), rel), u))[-1]
            assert e['unit_data']['who'] == u and SEEDED <= set(e['unit_data']), e


def endpoint_read(unit, rel):
    return [e for e in of(events(unit), rel) if e.get('endpoint')]


def request_read(unit, rel):
    return [e for e in of(events(unit), rel) if e.get('request')]


def settle(what, expected):
    """Waits until each (unit, relation, remote app, peer, members) has exactly those members,
    its history checked by relation_history throughout."""
    until(what, lambda: all(
        relation_history(u, rel, remote, peer=peer)[0] == want
        for u, rel, remote, peer, want in expected))


juju = jubilant.Juju()
juju.add_model('rel')

# --- deploy: two units of the provider, one of the requirer; peer relations exist from deploy.
juju.deploy(PROVIDER, 'db', num_units=2)
juju.deploy(REQUIRER, 'web')
status = wait(settled)
leader = {app: [u for u, s in status.apps[app].units.items() if s.leader] for app in ('db', 'web')}
db_leader = (leader['db'] or ['db/0'])[0]
db_other = ({'db/0', 'db/1'} - {db_leader}).pop()
with check('deploy(num_units=2), wait(all_active, all_agents_idle): one leader per application'):
    assert sorted(status.apps['db'].units) == ['db/0', 'db/1'], status.apps['db']
    assert len(leader['db']) == 1 and leader['web'] == ['web/0'], leader

with check('status(): the peer relations, in apps[app].relations'):
    for app in ('db', 'web'):
        rels = status.apps[app].relations
        assert list(rels) == ['cluster'], (app, rels)
        (peer,) = rels['cluster']
        assert (peer.related_app, peer.interface, peer.scope) == (app, 'kv_cluster', 'global')

with check('deploy order: install, cluster-relation-created, leader-elected (leader) or '
           'leader-settings-changed, config-changed, start'):
    for unit in ('db/0', 'db/1', 'web/0'):
        deploy_prefix(unit, unit in (db_leader, 'web/0'), ['cluster'])

peer_db = relation_ids('db/0', 'cluster')[0]
peer_web = relation_ids('web/0', 'cluster')[0]
with check('peers: -created at deploy, -joined/-changed for the other unit after start; one '
           'relation id for both units; JUJU_REMOTE_APP the unit\'s own application'):
    settle('the db peers to join', [('db/0', peer_db, 'db', True, {'db/1'}),
                                    ('db/1', peer_db, 'db', True, {'db/0'})])
    assert relation_ids('db/1', 'cluster') == [peer_db], relation_ids('db/1', 'cluster')
    assert re.fullmatch(r'cluster:\d+', peer_db) and peer_web != peer_db, (peer_db, peer_web)
    members, evs = relation_history('web/0', peer_web, 'web', peer=True)
    assert members == set() and hooks(evs) == ['cluster-relation-created'], hooks(evs)
    for u in ('db/0', 'db/1'):
        hs = hooks(events(u))
        assert hs.index('cluster-relation-joined') > hs.index('start'), (u, hs)


def peer_data_seen():
    evs = of(events(db_other), peer_db)
    seen_app = any(e.get('app_data', {}).get('leader') == db_leader for e in evs)
    seen_unit = any(e.get('unit_data', {}).get('who') == db_leader for e in evs)
    lead = of(events(db_leader), peer_db)
    return seen_app and seen_unit and any(e.get('unit_data', {}).get('who') == db_other for e in lead)


with check('peer data: the leader\'s app bag read by the other unit, unit bags both ways, '
           'private-address, ingress-address and egress-subnets seeded'):
    until('the peer data to be read', peer_data_seen)
    e = changed_from(of(events(db_leader), peer_db), db_other)[-1]
    assert SEEDED <= set(e['unit_data']), e

with check('show_unit(): the peer relation in relation_info, the local unit included'):
    info = juju.show_unit(db_other)
    (peer,) = [r for r in info.relation_info if r.endpoint == 'cluster']
    assert f'cluster:{peer.relation_id}' == peer_db and peer.related_endpoint == 'cluster', peer
    assert peer.app_data == {'leader': db_leader}, peer
    assert peer.local_unit.in_scope and peer.local_unit.data['who'] == db_other, peer
    assert list(peer.related_units) == [db_leader], peer
    assert peer.related_units[db_leader].in_scope, peer
    assert peer.related_units[db_leader].data['who'] == db_leader, peer

# --- integrate: -created, [application -changed], -joined/-changed per remote unit, both sides.
juju.integrate('db', 'web')
status = wait(lambda s: settled(s) and s.apps['web'].units['web/0'].workload_status.message
              == 'db at db.example:5432')
(kv,) = relation_ids('web/0', 'kv')
with check('integrate(): one new relation id on both sides; on every unit -created, then '
           '-joined(u) and -changed(u) for each remote unit'):
    assert re.fullmatch(r'kv:\d+', kv) and kv not in (peer_db, peer_web), kv
    for u in ('db/0', 'db/1'):
        assert relation_ids(u, 'kv') == [kv], (u, relation_ids(u, 'kv'))
    settle('every unit to see every remote unit', [
        ('db/0', kv, 'web', False, {'web/0'}), ('db/1', kv, 'web', False, {'web/0'}),
        ('web/0', kv, 'db', False, {'db/0', 'db/1'})])

with check('status(): the relation on both applications'):
    for app, other in (('db', 'web'), ('web', 'db')):
        (rel,) = status.apps[app].relations['kv']
        assert (rel.related_app, rel.interface, rel.scope) == (other, 'kv_demo', 'global'), rel

with check('data both ways: the provider\'s Endpoint (Relation.save/load), the requirer\'s '
           'Request, each unit\'s bag'):
    exchanged(kv, ['web/0'], ['db/0', 'db/1'])

with check('show_unit(): the relation in relation_info, application and unit data'):
    info = juju.show_unit('web/0')
    (rel,) = [r for r in info.relation_info if r.endpoint == 'kv']
    assert f'kv:{rel.relation_id}' == kv and rel.related_endpoint == 'kv', rel
    assert rel.app_data == {'host': '"db.example"', 'port': '5432'}, rel
    # Juju lists only the other application's units (apiserver application relationData:
    # otherApp.AllUnits()), so on a non-peer relation the local unit is the empty entry.
    assert rel.local_unit == jubilant.unittypes.UnitRelationData(in_scope=False, data=None), rel
    assert sorted(rel.related_units) == ['db/0', 'db/1'], rel
    for u, data in rel.related_units.items():
        assert data.in_scope and data.data['who'] == u, rel

with check('relation-ids, relation-list through exec()'):
    task = juju.exec(f'relation-ids kv; relation-list -r {kv}', unit='web/0')
    assert task.stdout == f'{kv}\ndb/0\ndb/1\n', task.stdout

with check('relation-get --app through exec(): the app bag as YAML (yaml.v2 quoting)'):
    task = juju.exec(f'relation-get -r {kv} --app - db', unit='web/0')
    assert task.stdout == 'host: \'"db.example"\'\nport: "5432"\n', task.stdout

# --- add_unit: the new unit's deploy sequence with -created for both relations, then -joined/
# -changed for each remote unit and peer; the others see it join.
juju.add_unit('web')
wait(lambda s: settled(s) and 'web/1' in s.apps['web'].units
     and s.apps['web'].units['web/1'].workload_status.message == 'db at db.example:5432')
with check('add_unit(): install, -created for the peer and kv relations, '
           'leader-settings-changed, config-changed, start'):
    deploy_prefix('web/1', False, ['cluster', 'kv'])
    assert relation_ids('web/1', 'kv') == [kv] and relation_ids('web/1', 'cluster') == [peer_web]

with check('add_unit(): web/1 joins both relations; the others see it join; the data'):
    settle('web/1 to be seen and to see', [
        ('web/1', kv, 'db', False, {'db/0', 'db/1'}),
        ('web/1', peer_web, 'web', True, {'web/0'}),
        ('web/0', peer_web, 'web', True, {'web/1'}),
        ('db/0', kv, 'web', False, {'web/0', 'web/1'}),
        ('db/1', kv, 'web', False, {'web/0', 'web/1'})])
    exchanged(kv, ['web/0', 'web/1'], ['db/0', 'db/1'])

# --- remove_unit: the leaving unit departs every member (JUJU_DEPARTING_UNIT itself), -broken
# for the non-peer relation, then stop and remove; the others see it depart.
juju.remove_unit(db_other)
wait(lambda s: settled(s) and db_other not in s.apps['db'].units)
with check(f'remove_unit({db_other}): its hooks read back from debug_log(), which outlives it'):
    until(f'{db_other}\'s log to end with remove',
          lambda: 'remove' in hooks(logged_events(db_other)), timeout=20)
gone[db_other] = logged_events(db_other)

with check(f'remove_unit({db_other}): -departed for each member (departing: itself), kv '
           '-broken, no peer -broken, then stop, remove'):
    hs = hooks(events(db_other))
    assert hs[-2:] == ['stop', 'remove'], hs
    members, evs = relation_history(db_other, kv, 'web', peer=False, leaving=True)
    assert members == set() and kind(evs[-1]) == 'broken', hooks(evs)
    assert sorted(e['remote_unit'] for e in evs if kind(e) == 'departed') == ['web/0', 'web/1']
    members, evs = relation_history(db_other, peer_db, 'db', peer=True, leaving=True)
    assert members == set() and hooks(evs)[-1] == 'cluster-relation-departed', hooks(evs)
    last_relation_hook = max(i for i, h in enumerate(hs) if '-relation-' in h)
    assert last_relation_hook < hs.index('stop'), hs

with check(f'remove_unit({db_other}): the others get -departed with JUJU_REMOTE_UNIT and '
           f'JUJU_DEPARTING_UNIT {db_other}, no -broken'):
    settle(f'the others to see {db_other} depart', [
        ('web/0', kv, 'db', False, {db_leader}), ('web/1', kv, 'db', False, {db_leader}),
        (db_leader, peer_db, 'db', True, set())])
    for u, rel in (('web/0', kv), ('web/1', kv), (db_leader, peer_db)):
        (dep,) = [e for e in of(events(u), rel) if kind(e) == 'departed']
        assert dep['remote_unit'] == dep['departing'] == db_other, dep
    assert juju.exec(f'relation-list -r {kv}', unit='web/0').stdout == f'{db_leader}\n'

# --- remove_relation: every unit departs each remote member (departing: the remote unit), then
# -broken; the peer relations stay.
juju.remove_relation('db', 'web')
wait(lambda s: settled(s) and 'kv' not in s.apps['db'].relations
     and 'kv' not in s.apps['web'].relations
     and all(u.workload_status.message == 'no db' for u in s.apps['web'].units.values()))
with check('remove_relation(): on every unit -departed for each remote member, then -broken'):
    for u, remote, had in (('web/0', 'db', [db_leader]), ('web/1', 'db', [db_leader]),
                           (db_leader, 'web', ['web/0', 'web/1'])):
        until(f'{u} to see {kv} broken', lambda: hooks(of(events(u), kv))[-1].endswith('broken'))
        members, evs = relation_history(u, kv, remote, peer=False)
        departed = [e['remote_unit'] for e in evs if kind(e) == 'departed']
        assert set(had) <= set(departed), (u, departed)

with check('remove_relation(): the relation leaves status and relation-ids, the peers stay'):
    for app in ('db', 'web'):
        assert list(juju.status().apps[app].relations) == ['cluster'], app
    assert juju.exec('relation-ids kv', unit='web/0').stdout == ''

# --- integrate again: a new relation id, and the whole exchange again.
juju.integrate('web', 'db')
wait(lambda s: settled(s) and all(u.workload_status.message == 'db at db.example:5432'
                                  for u in s.apps['web'].units.values()))
kv2 = ([r for r in relation_ids('web/0', 'kv') if r != kv] or [kv])[-1]
with check('integrate() again: a new relation id, -created, the joins and the data again'):
    assert int(kv2.split(':')[1]) > int(kv.split(':')[1]), (kv, kv2)
    settle('the new relation to settle', [
        ('web/0', kv2, 'db', False, {db_leader}), ('web/1', kv2, 'db', False, {db_leader}),
        (db_leader, kv2, 'web', False, {'web/0', 'web/1'})])
    exchanged(kv2, ['web/0', 'web/1'], [db_leader])
    assert juju.exec('relation-ids kv', unit='web/0').stdout == f'{kv2}\n'

with check('no hook other than the ones Juju runs for these steps'):
    for u in ('web/0', 'web/1', db_leader, db_other):
        assert not [e for e in events(u) if e.get('unobserved')], (u, hooks(events(u)))

juju.destroy_model('rel')
finish()
