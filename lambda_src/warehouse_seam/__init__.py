"""The one place that knows Redshift from PostgreSQL (DESIGN decision 2).

Connect (redshift_connector for Redshift, psycopg 3 for the PostgreSQL stand-in), run SQL in
transactions owned by the caller, translate Redshift SQL for PostgreSQL, COPY from a Parquet
manifest and UNLOAD, and raise exactly two error classes that the load state machine tells
apart: ``WarehouseTransientError`` (retried) and ``WarehouseDataError`` (failure path).
"""

from warehouse_seam.connection import Row, Warehouse, connect
from warehouse_seam.errors import (
    WarehouseDataError,
    WarehouseError,
    WarehouseTransientError,
    classify,
    is_transient,
)
from warehouse_seam.location import POSTGRESQL, REDSHIFT, WarehouseLocation, redacted, resolve
from warehouse_seam.statements import split_statements
from warehouse_seam.translate import to_postgres

__all__ = [
    "POSTGRESQL",
    "REDSHIFT",
    "Row",
    "Warehouse",
    "WarehouseDataError",
    "WarehouseError",
    "WarehouseLocation",
    "WarehouseTransientError",
    "classify",
    "connect",
    "is_transient",
    "redacted",
    "resolve",
    "split_statements",
    "to_postgres",
]
