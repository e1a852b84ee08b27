"""The operator tools' warehouse: the seam's answer (:func:`warehouse_seam.location.resolve`),
with the local estate's PostgreSQL (started when not running) as the last resort, unless
``HCA_EXTERNAL_AWS`` says the user works against another endpoint."""

from __future__ import annotations

import os

from warehouse_seam.location import WarehouseLocation, resolve

from healthetl.estate import postgres


def local_warehouse_dsn() -> str:
    instance, _ = postgres.ensure_running()
    return instance.dsn()


def warehouse_location(dsn: str | None = None) -> WarehouseLocation:
    """An explicit DSN, else the environment's warehouse, else the local estate's."""
    local = None if os.environ.get("HCA_EXTERNAL_AWS") else local_warehouse_dsn
    return resolve(dsn, local=local)
