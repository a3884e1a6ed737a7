"""The docs' unit tests for the snapshot charm with ops.testing (Scenario).

The same cases as the Rust harness tests in charm/tests/snapshot.rs, so `cargo xtask bench` can
compare the run time of the two test suites.
"""

import pathlib
import tarfile

import ops
import pytest
from ops import testing

from charm import SnapshotCharm


@pytest.fixture
def unit(tmp_path):
    charm_dir = tmp_path / "charm"
    charm_dir.mkdir()
    return tmp_path


def state(unit):
    return testing.State(config={"data-dir": str(unit / "data"), "snapshot-dir": str(unit / "snapshots")})


def ctx():
    return testing.Context(SnapshotCharm)


def install(unit):
    ctx().run(ctx().on.install(), state(unit))


def test_backup_action(unit):
    install(unit)
    c = ctx()
    c.run(c.on.action("snapshot", params={"filename": "db-snapshot.tar.gz"}), state(unit))
    assert c.action_logs == ["Generating snapshot into db-snapshot.tar.gz", "orders.csv complete", "users.csv complete"]
    assert c.action_results["result"] == "Stored snapshot in db-snapshot.tar.gz."
    assert c.action_results["snapshot-size"].isdigit()
    with tarfile.open(unit / "snapshots" / "db-snapshot.tar.gz") as tar:
        assert sorted(tar.getnames()) == ["orders.csv", "users.csv"]


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz"])
@pytest.mark.parametrize("quality", [0, 9])
def test_every_codec(unit, kind, quality):
    install(unit)
    c = ctx()
    name = f"{quality}-{kind}.tar"
    c.run(c.on.action("snapshot", params={"filename": name, "compression": {"kind": kind, "quality": quality}}), state(unit))
    with tarfile.open(unit / "snapshots" / name) as tar:
        assert sorted(tar.getnames()) == ["orders.csv", "users.csv"]


def test_defaults(unit):
    install(unit)
    c = ctx()
    c.run(c.on.action("snapshot", params={"filename": "a"}), state(unit))
    with tarfile.open(unit / "snapshots" / "a", "r:gz") as tar:
        assert len(tar.getnames()) == 2


def test_backup_action_failed(unit):
    c = ctx()
    with pytest.raises(testing.ActionFailed) as exc_info:
        c.run(c.on.action("snapshot", params={"filename": "db.tar.gz"}), state(unit))
    assert exc_info.value.message.startswith("Failed to generate snapshot: data directory")
    assert c.action_logs == ["Generating snapshot into db.tar.gz"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"filename": "a", "compression": {"quality": 12}},
        {"filename": "a", "compression": {"quality": -1}},
        {"filename": "a", "compression": {"kind": "zip"}},
        {"filename": "a", "compression": {"quality": "high"}},
    ],
)
def test_invalid_params(unit, params):
    install(unit)
    c = ctx()
    with pytest.raises(testing.ActionFailed) as exc_info:
        c.run(c.on.action("snapshot", params=params), state(unit))
    assert exc_info.value.message.startswith("Error in action parameters")
    assert not (unit / "snapshots").exists()


@pytest.mark.parametrize("name", ["../x.tar.gz", "/etc/x.tar.gz", "", ".."])
def test_bad_filenames(unit, name):
    install(unit)
    c = ctx()
    with pytest.raises(testing.ActionFailed):
        c.run(c.on.action("snapshot", params={"filename": name}), state(unit))


def test_event_id(unit):
    install(unit)
    c = ctx()
    c.run(c.on.action("snapshot", params={"filename": "a.tar.gz"}, id="42"), state(unit))
    assert ("INFO", "Using backup-42.tar.gz as the temporary backup filename in task 42") in [
        (log.level, log.message) for log in c.juju_log
    ]


def test_install_and_start(unit):
    c = ctx()
    out = c.run(c.on.install(), state(unit))
    assert out.unit_status == ops.ActiveStatus()
    assert (unit / "data" / "users.csv").exists()
    out = c.run(c.on.start(), out)
    assert out.unit_status == ops.ActiveStatus("ready")
