"""Drives the local Juju through unmodified jubilant (pinned by tests/jubilant.rs).

Usage: check.py CHARM. The `juju` on PATH is the local Juju. Each check asserts what jubilant
returns or raises; the last line is the tally.
"""

import json
import pathlib
import re
import sys

import jubilant

CHARM = pathlib.Path(sys.argv[1])
passed = 0


def ok(name):
    global passed
    passed += 1
    print(f'ok {passed} - {name}', flush=True)


def raises(exc_type, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError(f'{fn.__name__}{args} did not raise {exc_type.__name__}')


juju = jubilant.Juju()

version = juju.version()
assert version.tuple == (3, 6, 7), version
assert version.arch and version.release in ('ubuntu', 'genericlinux'), version
assert str(version).startswith('3.6.7-'), version
ok('version() parses `version --format json --all`')

juju.add_model('jt', config={'test-mode': True})
assert juju.model == 'jt'
ok('add_model() with config')

info = juju.show_model()
assert info.name == 'admin/jt', info
assert info.short_name == 'jt' and info.model_type == 'iaas', info
assert info.controller_name == 'juju-local' and not info.is_controller, info
assert info.life == 'alive' and info.status.current == 'available', info
assert re.fullmatch(r'[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', info.model_uuid), info
assert re.fullmatch(r'[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', info.controller_uuid), info
assert info.controller_uuid != info.model_uuid
assert info.agent_version == '3.6.7' and info.credential is not None, info
assert juju.show_model('juju-local:admin/jt') == info
ok('show_model() for the current and a qualified model')

for name in ('admin/jt', 'juju-local:jt', 'juju-local:admin/jt'):
    assert jubilant.Juju(model=name).status().model.name == 'jt', name
err = raises(jubilant.CLIError, jubilant.Juju(model='bob/jt').status)
assert 'not found' in err.stderr, err.stderr
err = raises(jubilant.CLIError, jubilant.Juju(model='elsewhere:jt').status)
assert err.stderr == 'ERROR controller elsewhere not found\n', err.stderr
ok('qualified model names [controller:][user/]model')

config = juju.model_config()
assert config['test-mode'] is True, config
assert config['automatically-retry-hooks'] is True, config
assert config['update-status-hook-interval'] == '5m', config
assert config['name'] == 'jt' and config['uuid'] == info.model_uuid, config
juju.model_config({'update-status-hook-interval': '10s', 'my-key': 'v'})
config = juju.model_config()
assert config['update-status-hook-interval'] == '10s' and config['my-key'] == 'v', config
juju.model_config(reset=['update-status-hook-interval', 'my-key'])
config = juju.model_config()
assert config['update-status-hook-interval'] == '5m' and 'my-key' not in config, config
assert juju.cli('model-config', 'test-mode') == 'True\n'
ok('model_config() get, set and reset')

juju.deploy(CHARM, 'app')
status = juju.wait(jubilant.all_active, timeout=60, delay=0.1)
assert status.model.name == 'jt', status.model
unit = status.apps['app'].units['app/0']
assert unit.workload_status.current == 'active' and unit.leader, unit
ok('deploy() and wait(all_active)')

data = CHARM.parent / 'jubilant-data.txt'
data.write_text('resource content')
juju.deploy(CHARM, 'res', resources={'data': str(data)})
task = juju.exec('cat "$(resource-get data)"', unit='res/0')
# Juju reads a task's output by lines and ends each with a newline.
assert task.stdout == 'resource content\n', task
err = raises(jubilant.CLIError, juju.deploy, CHARM, 'res2', resources={'nope': str(data)})
assert err.stderr == 'ERROR unrecognized resource "nope"\n', err.stderr
data.write_text('attached')
juju.cli('attach-resource', 'res', f'data={data}')
assert juju.exec('cat "$(resource-get data)"', unit='res/0').stdout == 'attached\n'
ok('deploy(resources=...), resource-get and attach-resource')

status = juju.status()
assert jubilant.all_active(status) and jubilant.all_agents_idle(status)
assert not jubilant.any_error(status)
ok('status()')

task = juju.run('app/0', 'greet', {'name': 'jubilant'})
assert task.success and task.status == 'completed', task
assert task.results == {'greeting': 'hi jubilant', 'nested': {'k': 'v'}}, task
assert len(task.log) == 1 and task.log[0].endswith(' greeting jubilant'), task
task = juju.run('app/leader', 'greet')
assert task.results['greeting'] == 'hi world', task
ok('run() success, by unit and by app/leader')

err = raises(jubilant.TaskError, juju.run, 'app/0', 'fail')
assert err.task.status == 'failed' and err.task.message == 'it broke', err.task
ok('run() failure raises TaskError')

err = raises(ValueError, juju.run, 'app/0', 'no-such-action')
assert 'not defined on unit "app/0"' in str(err), err
err = raises(ValueError, juju.run, 'app/42', 'greet')
assert 'unit-app-42 not found' in str(err), err
err = raises(ValueError, juju.run, 'nope/0', 'greet')
ok('run() unknown action or unit raises ValueError')

task = juju.exec('echo', 'hello', unit='app/0')
assert task.success and task.stdout == 'hello\n' and task.return_code == 0, task
task = juju.exec('echo $JUJU_UNIT_NAME', unit='app/leader')
assert task.stdout == 'app/0\n', task
err = raises(jubilant.TaskError, juju.exec, 'echo bad >&2; exit 3', unit='app/0')
assert err.task.return_code == 3 and err.task.stderr == 'bad\n', err.task
err = raises(ValueError, juju.exec, 'true', unit='app/42')
assert 'unit-app-42 not found' in str(err), err
ok('exec() success, failure (TaskError) and unknown unit (ValueError)')

assert juju.config('app') == {'greeting': 'hi'}
juju.config('app', {'greeting': 'hello'})
assert juju.config('app') == {'greeting': 'hello'}
assert juju.run('app/0', 'greet').results['greeting'] == 'hello world'
juju.config('app', reset='greeting')
assert juju.config('app') == {'greeting': 'hi'}
ok('config() get, set and reset')

unit_info = juju.show_unit('app/0')
assert unit_info.leader and unit_info.charm == 'local:jubilant-check-0', unit_info
assert unit_info.life == 'alive' and unit_info.machine == '0', unit_info
assert unit_info.relation_info == [] and unit_info.opened_ports == [], unit_info
ok('show_unit()')

assert json.loads(juju.cli('status', '--format', 'json'))['applications']['app']
assert 'greeted jubilant' in juju.debug_log(limit=100)
ok('cli() and debug_log()')

assert juju.ssh('app/0', 'echo', 'over ssh') == 'over ssh\n'
assert juju.ssh('app/0', 'test -d charm && echo in the unit') == 'in the unit\n'
assert juju.cli('ssh', 'app/0', 'cat', stdin='piped through') == 'piped through'
err = raises(jubilant.CLIError, juju.ssh, 'app/0', 'exit 7')
assert err.returncode == 7, err
ok('ssh() runs in the unit, stdin passed through, exit status returned')

scratch = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else pathlib.Path('.')
sent = scratch / 'sent.txt'
sent.write_text('copied over scp\n')
juju.scp(sent, 'app/0:received.txt')
assert juju.ssh('app/0', 'cat received.txt') == 'copied over scp\n'
back = scratch / 'back.txt'
juju.scp('app/0:received.txt', back)
assert back.read_text() == 'copied over scp\n'
ok('scp() to and from a unit')

juju.trust('app')
assert juju.config('app', app_config=True)['trust'] is True
juju.trust('app', remove=True)
assert juju.config('app', app_config=True)['trust'] is False
ok('trust() and config(app_config=True)')

juju.add_unit('app')
juju.wait(lambda s: jubilant.all_active(s, 'app') and len(s.apps['app'].units) == 2)
assert not juju.status().apps['app'].units['app/1'].leader
juju.remove_unit('app/1')
juju.wait(lambda s: list(s.apps['app'].units) == ['app/0'])
err = raises(jubilant.CLIError, juju.integrate, 'app', 'other')
assert err.returncode == 1 and 'application "other" not found' in err.stderr, err.stderr
ok('add_unit(), remove_unit() and integrate() errors')

# Secrets, as jubilant's own integration test (tests/integration/test_secrets.py) drives them.
uri = juju.add_secret('sec1', {'username': 'usr', 'password': 'hunter2'}, info='A description.')
assert uri.startswith('secret:'), uri
output = juju.show_secret(uri, reveal=True)
assert output.name == 'sec1' and output.description == 'A description.', output
assert output.content == {'username': 'usr', 'password': 'hunter2'}, output
assert len(output.checksum) == 64, output
uri2 = juju.add_secret('sec2', {'username': 'usr', 'password': 'hunter2'})
juju.update_secret('sec2', {'username': 'usr2', 'password': 'hunter3'}, info='A new description.')
result = json.loads(juju.cli('show-secret', 'sec2', '--reveal', '--format', 'json'))
secret = result[uri2.unique_identifier]
assert secret['revision'] == 2 and secret['description'] == 'A new description.', secret
assert secret['content']['Data'] == {'username': 'usr2', 'password': 'hunter3'}, secret
by_name = {s.name: s for s in juju.secrets()}
assert set(by_name) == {'sec1', 'sec2'}, by_name
assert by_name['sec1'].owner == '<model>' and by_name['sec2'].revision == 2, by_name
shown = juju.show_secret('sec1')
assert shown.created == shown.updated and not hasattr(shown, 'content'), shown
assert juju.show_secret('sec2', reveal=True, revision=1).content['password'] == 'hunter2'
revisions = juju.show_secret('sec2', revisions=True).revisions
assert [r.revision for r in revisions] == [1, 2], revisions
assert juju.show_secret(shown.uri).name == 'sec1'
juju.grant_secret('sec1', 'app')
access = juju.show_secret('sec1').access
assert access and access[0].target == 'application-app' and access[0].role == 'view', access
juju.remove_secret('sec2', revision=1)
juju.remove_secret(uri2)
assert [s.name for s in juju.secrets()] == ['sec1']
err = raises(jubilant.CLIError, juju.show_secret, 'sec2')
assert err.returncode == 1 and 'secret "sec2" not found' in err.stderr, err.stderr
ok('add_secret(), update_secret(), show_secret(), secrets(), grant_secret(), remove_secret()')

juju.destroy_model('jt')
assert juju.model is None
assert 'jt' not in juju.cli('models', '--format', 'json', include_model=False)
ok('destroy_model()')

print(f'{passed} passed, 0 failed')
