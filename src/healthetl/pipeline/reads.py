"""Operator-side reads from the warehouse, as lists of dict rows (through the seam)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from healthetl.report.data import Query


@contextmanager
def warehouse_query(dsn: str | None) -> Iterator[Query]:
    """A ``Query`` on the warehouse at ``dsn`` (or the seam's WAREHOUSE_* environment)."""
    from warehouse_seam import connect

    warehouse = connect(dsn)
    try:

        def query(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
            return rows_as_dicts(warehouse, sql, params)

        yield query
    finally:
        close = getattr(warehouse, "close", None)
        if callable(close):
            close()


def rows_as_dicts(warehouse: Any, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    result = warehouse.query(sql, tuple(params))
    if result and not isinstance(result[0], dict):
        columns = getattr(warehouse, "last_columns", None)
        if not columns:
            raise TypeError("the seam returned rows without column names")
        return [dict(zip(columns, row, strict=True)) for row in result]
    return [dict(r) for r in result]
