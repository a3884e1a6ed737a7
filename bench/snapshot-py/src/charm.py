#!/usr/bin/env python3
"""The ops docs' "How to manage actions" snapshot charm, made runnable.

Same actions, params, config, storage, endpoint and behaviour as the Rust example charm
(`charm/src`): on install it writes a demo data set, into the `data` storage when one is attached
(its location kept in StoredState) or else the `data-dir` option; `snapshot` archives it into a
compressed tarball, logging progress and setting `result` and `snapshot-size`. On config-changed
the unit opens the configured `port`, and only it.

The `database` endpoint requires PostgreSQL over `postgresql_client` in the data-platform
libraries' wire format (`data_interfaces` v0): the leader asks for the `snapshot-demo` database
and for the user as a secret; the provider answers in its application bag, the user in the secret
named by `secret-user`. The unit writes the user into `.pgpass` beside the charm directory (mode
0600) and names the database in its status; a new revision of the secret (`secret-changed`)
rewrites the file; when the relation breaks the file goes. `connection-info` shows the
connection without the password.
"""

import enum
import json
import logging
import os
import pathlib
import tarfile

import ops
import pydantic

logger = logging.getLogger(__name__)

DEMO_TABLES = {
    "users.csv": "id,name\n1,alice\n2,bob\n3,carol\n",
    "orders.csv": "id,user,total\n1,1,9.99\n2,3,24.50\n3,2,5.00\n",
}


class CompressionKind(enum.Enum):
    GZIP = "gzip"
    BZIP = "bzip2"
    XZ = "xz"


class Compression(pydantic.BaseModel):
    kind: CompressionKind = pydantic.Field(CompressionKind.GZIP)

    quality: int = pydantic.Field(5, description="Compression quality.", ge=0, le=9)


class SnapshotAction(pydantic.BaseModel):
    """Take a snapshot of the database."""

    filename: str = pydantic.Field(description="The name of the snapshot file.")

    compression: Compression = pydantic.Field(
        default_factory=Compression,
        description="The type of compression to use.",
    )


DATABASE = "snapshot-demo"
# The fields asked for as a secret (data_interfaces' `user` group).
REQUESTED_SECRETS = ["username", "password"]
READY = "ready"


EXTENSIONS = {CompressionKind.GZIP: "gz", CompressionKind.BZIP: "bz2", CompressionKind.XZ: "xz"}
MODES = {CompressionKind.GZIP: "w:gz", CompressionKind.BZIP: "w:bz2", CompressionKind.XZ: "w:xz"}


class SnapshotCharm(ops.CharmBase):
    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self._stored.set_default(data_dir=None)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on["data"].storage_attached, self._on_data_attached)
        framework.observe(self.on["data"].storage_detaching, self._on_data_detaching)
        framework.observe(self.on["snapshot"].action, self._on_snapshot_action)
        framework.observe(self.on.database_relation_created, self._on_database_created)
        framework.observe(self.on.database_relation_changed, self._on_database_changed)
        framework.observe(self.on.database_relation_broken, self._on_database_broken)
        framework.observe(self.on.secret_changed, self._on_secret_changed)
        framework.observe(self.on["connection-info"].action, self._on_connection_info_action)

    @property
    def _charm_dir(self) -> pathlib.Path:
        return pathlib.Path(os.environ.get("JUJU_CHARM_DIR", "."))

    def _dirs(self):
        """The data directory (the storage when attached, else `data-dir`) and the snapshots'."""
        data_dir = self._stored.data_dir or str(self.config["data-dir"])
        return (
            self._charm_dir / data_dir,
            self._charm_dir / str(self.config["snapshot-dir"]),
        )

    def _on_data_attached(self, event: ops.StorageAttachedEvent):
        """The data lives in the storage from now on (attached before install)."""
        location = str(event.storage.location)
        logger.info("data storage %s attached at %s", event.storage.full_id, location)
        self._stored.data_dir = location

    def _on_data_detaching(self, _event: ops.StorageDetachingEvent):
        """The storage is going: back to the `data-dir` option."""
        self._stored.data_dir = None

    def _on_config_changed(self, _event: ops.ConfigChangedEvent):
        """Publish the configured port, and only it."""
        port = int(self.config["port"])
        if not 1 <= port <= 65535:
            self.unit.status = ops.BlockedStatus("config port must be between 1 and 65535")
            return
        self.unit.set_ports(port)

    def _on_install(self, event):
        self.unit.status = ops.MaintenanceStatus("creating the demo data set")
        data, _ = self._dirs()
        data.mkdir(parents=True, exist_ok=True)
        for name, text in DEMO_TABLES.items():
            if not (data / name).exists():
                (data / name).write_text(text)
        logger.info("Demo data set written to %s", data)
        self.unit.status = ops.ActiveStatus()

    def _on_start(self, event):
        self.unit.set_workload_version("0.1.0")
        self.unit.status = ops.ActiveStatus(READY)

    def _on_snapshot_action(self, event: ops.ActionEvent):
        """Handle the snapshot action."""
        params = event.load_params(SnapshotAction, errors="fail")
        if "/" in params.filename or params.filename in ("", ".", ".."):
            event.fail(f"Invalid filename {params.filename!r}")
            return
        event.log(f"Generating snapshot into {params.filename}")
        temp_filename = f"backup-{event.id}.tar.{EXTENSIONS[params.compression.kind]}"
        logger.info("Using %s as the temporary backup filename in task %s", temp_filename, event.id)
        try:
            size = self.do_snapshot(event, params, temp_filename)
        except OSError as e:
            event.fail(f"Failed to generate snapshot: {e}")
            return
        event.set_results({"result": f"Stored snapshot in {params.filename}.", "snapshot-size": str(size)})

    def do_snapshot(self, event, params, temp_filename):
        data, snapshots = self._dirs()
        if not data.is_dir():
            raise OSError(f"data directory {data} does not exist (the install hook creates it)")
        snapshots.mkdir(parents=True, exist_ok=True)
        target = snapshots / params.filename
        if target.exists():
            raise OSError(f"{target} already exists; choose another filename")
        temp = snapshots / temp_filename
        kind = params.compression.kind
        options = {"compresslevel": max(params.compression.quality, 1)} if kind != CompressionKind.XZ else {"preset": params.compression.quality}
        try:
            with tarfile.open(temp, MODES[kind], **options) as tar:
                for entry in sorted(data.iterdir()):
                    tar.add(entry, arcname=entry.name)
                    event.log(f"{entry.name} complete")
            os.link(temp, target)
        finally:
            if temp.exists():
                temp.unlink()
        return target.stat().st_size

    def _on_database_created(self, event: ops.RelationCreatedEvent):
        """The leader asks for the database, and for the user as a secret."""
        if self.unit.is_leader():
            event.relation.data[self.app].update(
                {"database": DATABASE, "requested-secrets": json.dumps(REQUESTED_SECRETS)}
            )

    def _on_database_changed(self, event: ops.RelationChangedEvent):
        """The provider may have answered."""
        self._use_credentials(self._credentials(event.relation))

    def _on_secret_changed(self, event: ops.SecretChangedEvent):
        """The provider changed the user's secret (a new password): move to it."""
        for relation in self.model.relations["database"]:
            provided = relation.data[relation.app]
            if _same_secret(provided.get("secret-user"), event.secret):
                user = event.secret.get_content(refresh=True)
                self._use_credentials(self._credentials(relation, user))
                return

    def _on_database_broken(self, event: ops.RelationBrokenEvent):
        """The database is gone, and so are its credentials."""
        self._pgpass.unlink(missing_ok=True)
        logger.info("the database relation with %s was removed", event.app.name)
        self.unit.status = ops.ActiveStatus(READY)

    def _on_connection_info_action(self, event: ops.ActionEvent):
        relation = self.model.get_relation("database")
        if relation is None:
            event.fail(
                f"no database is related: relate one with `juju integrate {self.app.name} <database app>`"
            )
            return
        credentials = self._credentials(relation)
        if credentials is None:
            event.fail(f"{relation.app.name} has not sent the credentials yet")
            return
        event.set_results(
            {
                "database": credentials["database"],
                "endpoints": credentials["endpoints"],
                "username": credentials["username"],
                "password": "set" if credentials["password"] else "empty",
                "pgpass": str(self._pgpass),
            }
        )

    @property
    def _pgpass(self) -> pathlib.Path:
        """Where the unit keeps the credentials for PostgreSQL's clients."""
        return self._charm_dir / "../.pgpass"

    def _credentials(self, relation: ops.Relation, user: dict[str, str] | None = None):
        """The credentials once the provider has sent all of them, else None: the user from
        `user` (the secret's content), else the secret `secret-user` names (the tracked
        revision), else the plain fields."""
        provided = relation.data[relation.app]
        database, endpoints = provided.get("database"), provided.get("endpoints")
        if not database or not endpoints:
            return None
        if user is None and "secret-user" in provided:
            user = self.model.get_secret(id=provided["secret-user"]).get_content()
        if user is None:
            user = provided
        if "username" not in user or "password" not in user:
            return None
        return {
            "database": database,
            "endpoints": endpoints,
            "username": user["username"],
            "password": user["password"],
        }

    def _use_credentials(self, credentials):
        """Writes the credentials into `.pgpass` and says so in the status."""
        if credentials is None:
            self.unit.status = ops.WaitingStatus("waiting for database credentials")
            return
        _write_pgpass(self._pgpass, credentials)
        self.unit.status = ops.ActiveStatus(
            f"{READY}; database {credentials['database']} at {credentials['endpoints']}"
        )


def _same_secret(secret_id: str | None, secret: ops.Secret) -> bool:
    """Whether `secret_id` (as a provider writes it, `secret:…` or `secret://<model>/…`) names
    `secret`."""
    if not secret_id:
        return False
    unique = secret_id.strip().rsplit("/", 1)[-1].removeprefix("secret:")
    return unique == secret.unique_identifier


def _write_pgpass(path: pathlib.Path, credentials) -> None:
    """A `host:port:database:user:password` line per endpoint, readable by the owner only,
    replacing the file whole."""

    def escape(s: str) -> str:
        return s.replace("\\", "\\\\").replace(":", "\\:")

    lines = []
    for endpoint in credentials["endpoints"].split(","):
        host, port = endpoint.rsplit(":", 1) if ":" in endpoint else (endpoint, "5432")
        fields = (host, port, credentials["database"], credentials["username"], credentials["password"])
        lines.append(":".join(escape(f) for f in fields) + "\n")
    temp = path.with_name(path.name + ".new")
    temp.unlink(missing_ok=True)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("".join(lines))
    os.replace(temp, path)


if __name__ == "__main__":
    ops.main(SnapshotCharm)
