"""What the secrets test charms share: recording what a hook saw without the secret itself.

Each record is one JSON line in ``events.jsonl`` in the charm directory (read back with ``juju
exec``) and a ``juju-log`` line ``EVENT {...}``. Secret content is recorded only as its
``digest`` (a SHA-256 prefix of its sorted JSON) and its keys, never as values, so that the test
can check that no value reaches ``juju debug-log``.
"""

import hashlib
import json
import logging
import os
import pathlib

logger = logging.getLogger(__name__)

SECRET_ENV = {'secret_id': 'JUJU_SECRET_ID', 'secret_label': 'JUJU_SECRET_LABEL',
              'secret_revision': 'JUJU_SECRET_REVISION'}


def digest(content: dict) -> str:
    """What the test computes from the content it reveals, to compare without the values."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def hook() -> str:
    return os.environ['JUJU_DISPATCH_PATH'].partition('/')[2]


def record(unit, **fields):
    """Writes one record: the hook, the unit, the secret environment exactly as Juju exported
    it (a variable left out is absent from the record), and `fields`."""
    entry = {'hook': hook(), 'unit': unit.name}
    entry.update({k: os.environ[v] for k, v in SECRET_ENV.items() if v in os.environ})
    entry.update(fields)
    line = json.dumps(entry, sort_keys=True)
    with pathlib.Path('events.jsonl').open('a') as f:
        f.write(line + '\n')
    logger.info('EVENT %s', line)
