#!/usr/bin/env python3
"""The ops docs' "How to manage actions" snapshot charm, made runnable.

Same action, params and behaviour as the Rust example charm: on install it writes a demo data
set; `snapshot` archives it into a compressed tarball, logging progress and setting `result` and
`snapshot-size`.
"""

import enum
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


EXTENSIONS = {CompressionKind.GZIP: "gz", CompressionKind.BZIP: "bz2", CompressionKind.XZ: "xz"}
MODES = {CompressionKind.GZIP: "w:gz", CompressionKind.BZIP: "w:bz2", CompressionKind.XZ: "w:xz"}


class SnapshotCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on["snapshot"].action, self._on_snapshot_action)

    def _dirs(self):
        charm_dir = pathlib.Path(os.environ.get("JUJU_CHARM_DIR", "."))
        return (
            charm_dir / str(self.config["data-dir"]),
            charm_dir / str(self.config["snapshot-dir"]),
        )

    def _on_install(self, event):
        self.unit.status = ops.MaintenanceStatus("creating the demo data set")
        data, _ = self._dirs()
        data.mkdir(parents=True, exist_ok=True)
        for name, text in DEMO_TABLES.items():
            if not (data / name).exists():
                (data / name).write_text(text)
        self.unit.status = ops.ActiveStatus()

    def _on_start(self, event):
        self.unit.set_workload_version("0.1.0")
        self.unit.status = ops.ActiveStatus("ready")

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


if __name__ == "__main__":
    ops.main(SnapshotCharm)
