"""The run summary in the terminal (rich tables)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from healthetl.report.data import RunData


def _table(title: str, rows: list[dict[str, Any]], columns: tuple[str, ...] | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    cols = columns or (tuple(rows[0].keys()) if rows else ("(no rows)",))
    for col in cols:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in cols))
    return table


def step_rows(data: RunData) -> list[dict[str, Any]]:
    rows = []
    for r in data.tracker:
        seconds = None
        if r.get("started_at") and r.get("ended_at"):
            seconds = round((r["ended_at"] - r["started_at"]).total_seconds(), 2)
        rows.append(
            {
                "execution": r["execution_name"],
                "step": r["step"],
                "attempt": r["attempt"],
                "status": r["status"],
                "source": r["source_count"],
                "destination": r["destination_count"],
                "reconciliation": r["reconciliation"],
                "seconds": seconds,
                "error": (r.get("error") or "")[:80],
            }
        )
    return rows


def print_summary(console: Console, data: RunData, *, title: str, top_tables: bool = True) -> None:
    console.rule(title)
    console.print(_table("Load steps (gold.etl_tracker)", step_rows(data)))
    console.print(
        _table("Rejected items by rule", [{"rule": r, "items": n} for r, n in data.rejects_by_rule])
    )
    if top_tables:
        for table, rows in data.top_rows.items():
            console.print(_table(f"analytics.{table} ({data.row_counts[table]:,} rows)", rows))
