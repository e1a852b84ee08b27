"""Where the warehouse is: the one place that answers it, for the Lambdas, the CLI, the migrator
and the bench.

In order: a DSN given explicitly (``--dsn``, a bench database); ``WAREHOUSE_DSN``
(``postgresql://…`` for the local stand-in, ``redshift://…``); the ``WAREHOUSE_HOST`` … settings
of a Redshift deployment (secret or IAM, see :mod:`warehouse_seam.redshift`); the caller's
``local`` fallback (the operator tools pass the local estate's PostgreSQL, started on demand).
Nothing else reads these variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from warehouse_seam.errors import WarehouseDataError

POSTGRESQL = "postgresql"
REDSHIFT = "redshift"


@dataclass(frozen=True)
class WarehouseLocation:
    """A resolved warehouse: its dialect and DSN (None: Redshift from the ``WAREHOUSE_*``
    settings). ``str()`` never shows a password."""

    dialect: str
    dsn: str | None
    source: str

    def __str__(self) -> str:
        shown = redacted(self.dsn) if self.dsn else "(WAREHOUSE_* settings)"
        return f"{self.dialect} {shown} [{self.source}]"


def redacted(dsn: str) -> str:
    return re.sub(r"//([^:@/]+):[^@/]+@", r"//\1:***@", dsn)


def _from_dsn(dsn: str, source: str) -> WarehouseLocation:
    if dsn.startswith(("postgresql://", "postgres://")):
        return WarehouseLocation(POSTGRESQL, dsn, source)
    if dsn.startswith("redshift://"):
        return WarehouseLocation(REDSHIFT, dsn, source)
    raise WarehouseDataError(
        f"not a warehouse DSN ({source}): expected postgresql://… or redshift://…"
    )


def resolve(
    dsn: str | WarehouseLocation | None = None,
    *,
    local: Callable[[], str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> WarehouseLocation:
    """The warehouse to connect to (see the module's docstring for the order)."""
    if isinstance(dsn, WarehouseLocation):
        return dsn
    env = os.environ if environ is None else environ
    if dsn:
        return _from_dsn(dsn, "given")
    if env.get("WAREHOUSE_DSN"):
        return _from_dsn(env["WAREHOUSE_DSN"], "WAREHOUSE_DSN")
    if env.get("WAREHOUSE_HOST"):
        return WarehouseLocation(REDSHIFT, None, "WAREHOUSE_HOST")
    if local is not None:
        return _from_dsn(local(), "local estate")
    raise WarehouseDataError(
        "no warehouse configured: pass a DSN or set WAREHOUSE_DSN (postgresql://… or "
        "redshift://…) or WAREHOUSE_HOST"
    )
