"""Operator-side reads from the warehouse, as lists of dict rows (through the seam)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from warehouse_seam import WarehouseLocation

from healthetl.report.data import Query


@contextmanager
def warehouse_query(location: str | WarehouseLocation | None) -> Iterator[Query]:
    """A ``Query`` on the warehouse at ``location`` (resolved by the seam when a DSN or None)."""
    from warehouse_seam import connect

    with connect(location) as warehouse:

        def query(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
            return [row.as_dict() for row in warehouse.query(sql, list(params))]

        yield query
