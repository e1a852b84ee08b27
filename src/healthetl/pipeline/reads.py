"""Operator-side reads from the warehouse, as lists of dict rows (through the seam)."""

from __future__ import annotations

import re
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


def select_columns(sql: str) -> list[str]:
    """Output names of our own simple selects: ``select a, b as c, count(*) as n from …``.
    (The seam returns tuples; every query here names its columns plainly.)"""
    match = re.match(r"\s*select\s+(.*?)\s+from\s", sql, re.IGNORECASE | re.DOTALL)
    if match is None:
        raise ValueError(f"not a simple select: {sql[:60]}")
    names = []
    for part in re.split(r",(?![^(]*\))", match.group(1)):
        part = part.strip()
        alias = re.search(r"\s+as\s+(\w+)$", part, re.IGNORECASE)
        names.append(alias.group(1) if alias else part.split(".")[-1])
    return names


def rows_as_dicts(warehouse: Any, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    columns = select_columns(sql)
    return [dict(zip(columns, row, strict=True)) for row in warehouse.query(sql, list(params))]
