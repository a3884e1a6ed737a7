"""Secrets and ports on the local Juju, driven by unmodified jubilant (pinned by
tests/support/mod.rs).

Usage: secrets_ports.py OWNER_CHARM CONSUMER_CHARM. The `juju` on PATH is the local Juju. Both
charms are Python ops charms (tests/charms/secrets-owner, secrets-consumer) that record what each
hook saw, with secret content as digests only (tests/charms/lib/secret_record.py). The script
adds a user secret, grants it and configures the consumer with it, updates it; integrates the
charms so that the owner shares credentials through an application-owned secret as
data_interfaces does, rotates and removes that secret; and checks jubilant's view of each
(`secrets`, `show_secret`), what each charm read, the secret hooks and their environment, the
opened port in `status` and `show-unit`, the unit's binding address, and that no secret value
reaches `debug-log`. A check that fails is reported and the rest still run; the last line is the
tally. (Not named secrets.py: the script's directory comes first on `sys.path`, and jubilant
imports the standard library's `secrets`.)
"""
import hashlib
import ipaddress
import json
import os
import pathlib
import re
import sys

import jubilant

from checks import TIMEOUT, check, finish, until

OWNER, CONSUMER = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])


def settled(status):
    return jubilant.all_agents_idle(status) and not jubilant.any_error(status)


def digest(content):
    """As the charms compute it (secret_record.digest)."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def xid(uri):
    """The 20-character ID in any form of a secret URI (`secret:X`, `secret://model/X`)."""
    return jubilant.SecretURI(uri).unique_identifier


def records(unit):
    text = juju.exec('cat events.jsonl', unit=unit).stdout
    return [json.loads(line) for line in text.splitlines()]


def record(unit, after, hook, **fields):
    """The first record of `hook` on `unit` after its first `after` records whose fields hold
    the given values; waits for it."""

    def find():
        for r in records(unit)[after:]:
            if r['hook'] == hook and all(r.get(k) == v for k, v in fields.items()):
                return r
        raise AssertionError(f'no {hook} {fields} in {records(unit)[after:]}')

    return until(f'{hook} on {unit}', find)


def by_xid(listed, uri):
    found = [s for s in listed if xid(s.uri) == xid(uri)]
    assert len(found) == 1, (uri, listed)
    return found[0]


juju = jubilant.Juju()
juju.add_model('secrets')
juju.deploy(OWNER, 'owner')
juju.deploy(CONSUMER, 'consumer')
juju.wait(lambda s: jubilant.all_active(s) and settled(s), error=jubilant.any_error,
          timeout=TIMEOUT, delay=0.2)
values = []  # every secret value the model holds at some point, to look for in debug-log

with check('open_port: status open-ports and show-unit opened-ports'):
    status = juju.status()
    assert status.apps['owner'].units['owner/0'].open_ports == ['8080/tcp'], status.apps['owner']
    assert status.apps['consumer'].units['consumer/0'].open_ports == [], status.apps['consumer']
    assert juju.show_unit('owner/0').opened_ports == ['8080/tcp']
    assert juju.exec('opened-ports', unit='owner/0').stdout == '8080/tcp\n'
    assert record('owner/0', 0, 'start')['opened_ports'] == ['8080/tcp']

with check("get_binding: the bind and ingress addresses are network-get's"):
    start = record('owner/0', 0, 'start')
    ipaddress.ip_address(start['bind_address'])
    got = juju.exec('network-get credentials --bind-address', unit='owner/0').stdout
    assert got == start['bind_address'] + '\n', (got, start)
    got = juju.exec('network-get credentials --ingress-address', unit='owner/0').stdout
    assert got == start['ingress_address'] + '\n', (got, start)

with check("get_binding: the bind address is the unit's address in status"):
    unit = juju.status().apps['owner'].units['owner/0']
    assert start['bind_address'] in (unit.address, unit.public_address), (start, unit)

token1 = 'tok-' + os.urandom(12).hex()
values.append(token1)
uri = juju.add_secret('api-token', {'token': token1}, info='the API token')

with check('add_secret: a user secret, owned by the model, listed by secrets()'):
    assert re.fullmatch(r'secret:[0-9a-z]{20}', uri), uri
    s = by_xid(juju.secrets(), uri)
    assert s.uri == uri, s
    assert (s.owner, s.name, s.label) == ('<model>', 'api-token', None), s
    assert (s.revision, s.description) == (1, 'the API token'), s
    assert s.created <= s.updated, s
    assert not isinstance(s, jubilant.RevealedSecret), s

with check('show_secret: by URI and by name, revealed or not, with revisions'):
    shown = juju.show_secret(uri, reveal=True)
    assert shown.content == {'token': token1}, 'content differs'
    assert shown.checksum, 'no checksum from a Juju 3.6 show-secret --reveal'
    assert (shown.uri, shown.owner, shown.name, shown.revision) == (uri, '<model>', 'api-token', 1)
    assert juju.show_secret('api-token').uri == uri
    raw = json.loads(juju.cli('show-secret', uri, '--format', 'json'))
    assert list(raw) == [xid(uri)], raw
    assert 'content' not in raw[xid(uri)] and 'checksum' not in raw[xid(uri)], raw
    revs = juju.show_secret(uri, revisions=True).revisions
    assert [r.revision for r in revs] == [1], revs

with check('config with a secret not granted: the charm cannot read it'):
    mark = len(records('consumer/0'))
    juju.config('consumer', {'user-secret': uri})
    r = record('consumer/0', mark, 'config-changed', user_secret=uri)
    assert 'permission denied' in r['error'], r
    until('consumer blocked',
          lambda: juju.status().apps['consumer'].units['consumer/0'].workload_status.current
          == 'blocked')

with check('grant_secret: the charm reads the user secret its config names'):
    juju.grant_secret('api-token', 'consumer')
    # Granting runs no hook; setting the option anew does.
    juju.config('consumer', reset='user-secret')
    mark = len(records('consumer/0'))
    juju.config('consumer', {'user-secret': uri})
    r = record('consumer/0', mark, 'config-changed', user_secret=uri)
    assert r.get('digest') == digest({'token': token1}) and r['keys'] == ['token'], r
    status = juju.wait(lambda s: jubilant.all_active(s) and settled(s), error=jubilant.any_error,
                       timeout=TIMEOUT)
    msg = status.apps['consumer'].units['consumer/0'].workload_status.message
    assert msg == 'user-secret has 1 keys', msg
    access = juju.show_secret(uri).access or []
    assert any(a.target.endswith('consumer') and a.role == 'view' for a in access), access

token2 = 'tok-' + os.urandom(12).hex()
values.append(token2)
with check('update_secret: the consumer gets secret-changed and sees the new revision on refresh'):
    mark = len(records('consumer/0'))
    juju.update_secret(uri, {'token': token2})
    assert juju.show_secret(uri).revision == 2
    r = record('consumer/0', mark, 'secret-changed')
    assert xid(r['secret_id']) == xid(uri) and r['secret_label'] == 'user-secret', r
    assert 'secret_revision' not in r, r
    assert r['pinned'] == digest({'token': token1}), r
    assert r['latest'] == r['refreshed'] == digest({'token': token2}), r
    # A user secret's old revisions stay until removed (no --auto-prune); no unit owns it.
    revs = juju.show_secret(uri, revisions=True).revisions
    assert [v.revision for v in revs] == [1, 2], revs

juju.integrate('owner', 'consumer')
juju.wait(lambda s: jubilant.all_active(s) and settled(s), error=jubilant.any_error,
          timeout=TIMEOUT)
shared = None

with check('integrate: the owner shares credentials in a secret, the consumer reads them'):
    made = until('the owner created the secret',
                 lambda: [r for r in records('owner/0') if r.get('created')][0])
    shared, rel = made['created'], made['rel']
    label = f'credentials.{rel}.user.secret'
    got = record('consumer/0', 0, 'credentials-relation-changed', secret_user=shared)
    assert got['digest'] == made['digest'] and got['keys'] == ['password', 'username'], got
    s = by_xid(juju.secrets(), shared)
    assert (s.owner, s.label, s.name, s.revision) == ('owner', label, None, 1), s
    shown = juju.show_secret(shared, reveal=True)
    assert digest(shown.content) == made['digest'], 'revealed content differs'
    assert shown.content['username'] == 'consumer-user', 'username differs'
    values.append(shown.content['password'])
    mine = juju.secrets(owner='application-owner')
    assert [xid(s.uri) for s in mine] == [xid(shared)], mine

with check('rotate-password action: the consumer gets secret-changed and refreshes'):
    mark_o, mark_c = len(records('owner/0')), len(records('consumer/0'))
    task = juju.run('owner/0', 'rotate-password')
    assert task.results == {'label': label}, task.results
    rotated = record('owner/0', mark_o, 'rotate-password')
    assert xid(rotated['rotated']) == xid(shared), rotated
    r = record('consumer/0', mark_c, 'secret-changed')
    assert xid(r['secret_id']) == xid(shared) and r['secret_label'] == label, r
    assert 'secret_revision' not in r, r
    assert r['pinned'] == made['digest'], r
    assert r['latest'] == r['refreshed'] == rotated['digest'], r
    shown = juju.show_secret(shared, reveal=True)
    assert shown.revision == 2 and digest(shown.content) == rotated['digest'], shown.revision
    values.append(shown.content['password'])

with check('secret-remove: the owner is told of the revision no consumer tracks, and removes it'):
    r = record('owner/0', mark_o, 'secret-remove')
    assert xid(r['secret_id']) == xid(shared) and r['secret_label'] == label, r
    assert r['secret_revision'] == '1' and r['revision'] == 1, r
    until('revision 1 removed',
          lambda: [v.revision for v in juju.show_secret(shared, revisions=True).revisions] == [2])

with check('remove-credentials action: the secret is gone, the consumer sees no secret-user'):
    mark = len(records('consumer/0'))
    juju.run('owner/0', 'remove-credentials')
    record('consumer/0', mark, 'credentials-relation-changed', secret_user=None)
    assert not [s for s in juju.secrets() if xid(s.uri) == xid(shared)], juju.secrets()
    try:
        juju.show_secret(shared)
        raise AssertionError('show_secret of a removed secret did not raise')
    except jubilant.CLIError as e:
        assert 'not found' in e.stderr, e.stderr

with check('remove_secret: the user secret is gone; the charm reading it is told so'):
    juju.remove_secret(uri)
    assert not [s for s in juju.secrets() if xid(s.uri) == xid(uri)], juju.secrets()
    try:
        juju.show_secret('api-token')
        raise AssertionError('show_secret of a removed secret did not raise')
    except jubilant.CLIError as e:
        assert e.stderr == 'ERROR secret "api-token" not found\n', e.stderr
    juju.config('consumer', reset='user-secret')
    mark = len(records('consumer/0'))
    juju.config('consumer', {'user-secret': uri})
    r = record('consumer/0', mark, 'config-changed', user_secret=uri)
    assert r['error'].startswith('not found'), r

with check('close_port: status open-ports empty'):
    task = juju.run('owner/0', 'close-port')
    assert task.results == {'opened': ''}, task.results
    assert juju.status().apps['owner'].units['owner/0'].open_ports == []
    assert juju.show_unit('owner/0').opened_ports == []

with check('debug_log: the charms logged, and no secret value appears'):
    log = juju.debug_log()
    assert ' EVENT {' in log and digest({'token': token1}) in log, log[-2000:]
    assert len(values) == 4, len(values)
    leaked = [i for i, v in enumerate(values) if v in log]
    assert not leaked, f'secret values {leaked} appear in debug-log'

juju.destroy_model('secrets')
finish()
