"""ops.testing (Scenario) tests of the `data` storage, the published port and the `database`
relation: the same behaviour as charm/tests/{storage_and_port,database}.rs checks in the Rust
charm. Not part of the bench's unit-test row, which runs test_charm.py only.
"""

import json
import stat

import ops
import pytest
from ops import testing

from charm import SnapshotCharm

ANSWER = {
    "database": "snapshot-demo",
    "endpoints": "10.1.2.3:5432",
    "read-only-endpoints": "10.1.2.4:5432",
    "version": "16.6",
}


@pytest.fixture
def ctx(tmp_path):
    # A charm dir of the test's own: the charm writes `.pgpass` beside it.
    charm_dir = tmp_path / "charm"
    charm_dir.mkdir()
    return testing.Context(SnapshotCharm, charm_root=charm_dir)


def pgpass(ctx):
    return ctx.charm_root / ".." / ".pgpass"


def user_secret(**kwargs):
    return testing.Secret({"username": "relation-7", "password": "s3cret-pw"}, label="database.7.user.secret", **kwargs)


def database(remote_app_data=None):
    return testing.Relation(
        "database", interface="postgresql_client", remote_app_name="postgresql", remote_app_data=remote_app_data or {}
    )


def answered(secret):
    return database({**ANSWER, "secret-user": secret.id})


def test_the_data_storage_holds_the_data_install_writes_and_snapshot_archives(ctx):
    data = testing.Storage("data")
    location = data.get_filesystem(ctx)
    state = testing.State(storages={data}, config={"snapshot-dir": str(ctx.charm_root / "snapshots")})
    state = ctx.run(ctx.on.storage_attached(data), state)
    state = ctx.run(ctx.on.install(), state)
    assert sorted(p.name for p in location.iterdir()) == ["orders.csv", "users.csv"]
    ctx.run(ctx.on.action("snapshot", params={"filename": "s.tar.gz"}), state)
    assert ctx.action_results["result"] == "Stored snapshot in s.tar.gz."
    assert ctx.action_logs[1:] == ["orders.csv complete", "users.csv complete"]

    state = ctx.run(ctx.on.storage_detaching(data), state)
    assert state.get_stored_state("_stored", owner_path="SnapshotCharm").content["data_dir"] is None


def test_the_configured_port_is_opened_and_only_it(ctx):
    state = ctx.run(ctx.on.config_changed(), testing.State())
    assert state.opened_ports == {testing.TCPPort(8080)}
    state = ctx.run(
        ctx.on.config_changed(), testing.State(opened_ports={testing.TCPPort(8080)}, config={"port": 9000})
    )
    assert state.opened_ports == {testing.TCPPort(9000)}


def test_port_zero_blocks_the_unit_and_opens_nothing(ctx):
    state = ctx.run(ctx.on.config_changed(), testing.State(config={"port": 0}))
    assert state.unit_status == ops.BlockedStatus("config port must be between 1 and 65535")
    assert not state.opened_ports


@pytest.mark.parametrize("leader", [True, False])
def test_the_leader_asks_for_the_database_when_the_relation_is_created(ctx, leader):
    relation = database()
    state = ctx.run(ctx.on.relation_created(relation), testing.State(leader=leader, relations={relation}))
    written = state.get_relation(relation.id).local_app_data
    if leader:
        assert written == {"database": "snapshot-demo", "requested-secrets": '["username", "password"]'}
        assert json.loads(written["requested-secrets"]) == ["username", "password"]
    else:
        assert written == {}


def test_the_provider_s_answer_makes_the_unit_name_its_database_and_write_pgpass(ctx):
    secret = user_secret()
    relation = answered(secret)
    state = ctx.run(ctx.on.relation_changed(relation), testing.State(relations={relation}, secrets={secret}))
    assert state.unit_status == ops.ActiveStatus("ready; database snapshot-demo at 10.1.2.3:5432")
    assert pgpass(ctx).read_text() == "10.1.2.3:5432:snapshot-demo:relation-7:s3cret-pw\n"
    assert stat.S_IMODE(pgpass(ctx).stat().st_mode) == 0o600


def test_a_provider_asked_for_no_secrets_is_read_from_plain_text(ctx):
    relation = database({**ANSWER, "username": "relation-7", "password": "s3cret-pw"})
    ctx.run(ctx.on.relation_changed(relation), testing.State(relations={relation}))
    assert pgpass(ctx).read_text() == "10.1.2.3:5432:snapshot-demo:relation-7:s3cret-pw\n"


def test_a_new_password_reaches_pgpass_on_secret_changed(ctx):
    secret = user_secret(latest_content={"username": "relation-7", "password": "n3w-pw"})
    relation = answered(secret)
    state = ctx.run(ctx.on.secret_changed(secret), testing.State(relations={relation}, secrets={secret}))
    assert pgpass(ctx).read_text() == "10.1.2.3:5432:snapshot-demo:relation-7:n3w-pw\n"
    # The unit now tracks the new revision.
    assert state.get_secret(id=secret.id).tracked_content["password"] == "n3w-pw"


def test_another_secret_changing_leaves_the_credentials_alone(ctx):
    secret = user_secret()
    other = testing.Secret({"token": "t0ken"}, latest_content={"token": "n3w"})
    state = testing.State(relations={answered(secret)}, secrets={secret, other})
    ctx.run(ctx.on.secret_changed(other), state)
    assert not pgpass(ctx).exists()


def test_an_incomplete_answer_keeps_the_unit_waiting(ctx):
    relation = database({"database": "snapshot-demo"})
    state = ctx.run(ctx.on.relation_changed(relation), testing.State(relations={relation}))
    assert state.unit_status == ops.WaitingStatus("waiting for database credentials")


def test_a_broken_relation_returns_the_unit_to_ready_deletes_pgpass_and_says_why(ctx):
    secret = user_secret()
    relation = answered(secret)
    state = testing.State(relations={relation}, secrets={secret})
    ctx.run(ctx.on.relation_changed(relation), state)
    assert pgpass(ctx).exists()
    out = ctx.run(ctx.on.relation_broken(relation), state)
    assert not pgpass(ctx).exists()
    assert out.unit_status == ops.ActiveStatus("ready")
    assert ("INFO", "the database relation with postgresql was removed") in [
        (log.level, log.message) for log in ctx.juju_log
    ]


def test_connection_info_shows_the_credentials_but_not_the_password(ctx):
    secret = user_secret()
    state = testing.State(leader=False, relations={answered(secret)}, secrets={secret})
    ctx.run(ctx.on.action("connection-info"), state)
    assert ctx.action_results == {
        "database": "snapshot-demo",
        "endpoints": "10.1.2.3:5432",
        "username": "relation-7",
        "password": "set",
        "pgpass": str(pgpass(ctx)),
    }
    assert all("s3cret-pw" not in log.message for log in ctx.juju_log)


def test_connection_info_fails_without_a_database_or_before_the_answer(ctx):
    with pytest.raises(testing.ActionFailed) as failed:
        ctx.run(ctx.on.action("connection-info"), testing.State())
    assert failed.value.message == "no database is related: relate one with `juju integrate snapshot-py <database app>`"
    with pytest.raises(testing.ActionFailed) as failed:
        ctx.run(ctx.on.action("connection-info"), testing.State(relations={database()}))
    assert failed.value.message == "postgresql has not sent the credentials yet"
