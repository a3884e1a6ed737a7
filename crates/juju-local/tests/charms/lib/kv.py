"""The kv_demo interface: what each side's leader puts in its application databag, written with
ops' ``Relation.save`` (each field JSON-encoded) and read with ``Relation.load``."""

import dataclasses


@dataclasses.dataclass
class Endpoint:
    """The provider's application data."""

    host: str
    port: int


@dataclasses.dataclass
class Request:
    """The requirer's application data."""

    database: str
    roles: list[str]
