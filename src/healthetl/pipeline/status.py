"""``healthetl batches`` and ``healthetl rejects``: what happened to recent batches.

Batches: one row per batch from Step Functions (latest execution, status, duration) joined to
the tracker (per step: status and counts), plus the data freshness — how long ago the newest
successfully loaded batch was extracted (a batch id starts with its extraction time).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from healthetl.pipeline import executions
from healthetl.report.data import Query, deferred_versions, rejects, tracker_rows


def extraction_time(batch_id: str) -> datetime:
    return datetime.strptime(batch_id[1:17], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def batch_rows(
    machine_arn: str, query: Query | None, limit: int
) -> tuple[list[dict[str, Any]], float | None]:
    found = executions.list_executions(machine_arn)
    by_batch: dict[str, list[executions.ExecutionSummary]] = defaultdict(list)
    for e in found:
        by_batch[e.batch_id].append(e)
    recent = sorted(by_batch, reverse=True)[:limit]
    tracker = tracker_rows(query, recent) if query else []
    steps: dict[str, dict[str, str]] = defaultdict(dict)
    for row in tracker:  # ordered by time: the last attempt of each step wins
        ok = row["status"] == "SUCCEEDED" and row["reconciliation"] == "MATCH"
        counts = f"{row['source_count']}→{row['destination_count']}"
        steps[row["batch_id"]][row["step"]] = f"{'ok' if ok else row['status']} {counts}"
    rows = []
    for batch_id in recent:
        latest = max(by_batch[batch_id], key=lambda e: e.start_date)
        rows.append(
            {
                "batch": batch_id,
                "executions": len(by_batch[batch_id]),
                "latest": latest.name,
                "status": latest.status,
                "seconds": None if latest.seconds is None else round(latest.seconds, 1),
                "copy": steps[batch_id].get("copy", ""),
                "gold": steps[batch_id].get("gold", ""),
                "analytics": steps[batch_id].get("analytics", ""),
            }
        )
    loaded = [b for b in by_batch if any(e.status == "SUCCEEDED" for e in by_batch[b])]
    freshness = None
    if loaded:
        freshness = (datetime.now(UTC) - extraction_time(max(loaded))).total_seconds()
    return rows, freshness


def print_batches(console: Console, rows: list[dict[str, Any]], freshness: float | None) -> None:
    table = Table(title="Recent batches (Step Functions + gold.etl_tracker)", title_justify="left")
    for col in ("batch", "executions", "latest", "status", "seconds", "copy", "gold", "analytics"):
        table.add_column(col, no_wrap=col in ("batch", "latest", "status"))
    for row in rows:
        colour = {"SUCCEEDED": "green", "RUNNING": "yellow"}.get(row["status"], "red")
        values = [str(row[c] if row[c] is not None else "") for c in row]
        values[3] = f"[{colour}]{row['status']}[/{colour}]"
        table.add_row(*values)
    console.print(table)
    if freshness is None:
        console.print("data freshness: no batch loaded yet")
    else:
        console.print(
            f"data freshness: newest loaded batch was extracted {freshness / 60:.1f} min ago"
        )


def print_rejects(console: Console, query: Query, batch_id: str | None) -> None:
    per_rule, per_combination = rejects(query, batch_id)
    scope = f"batch {batch_id}" if batch_id else "all batches"
    table = Table(title=f"Rejected items by rule ({scope})", title_justify="left")
    table.add_column("rule")
    table.add_column("items", justify="right")
    for rule, n in per_rule:
        table.add_row(rule, str(n))
    console.print(table)
    combos = Table(title="… by combination of broken rules", title_justify="left")
    combos.add_column("broken_rules")
    combos.add_column("items", justify="right")
    for rules, n in per_combination:
        combos.add_row(rules, str(n))
    console.print(combos)
    deferred = deferred_versions(query, batch_id)
    held = Table(
        title=f"Deferred versions: dated in the near future, read again on every run ({scope})",
        title_justify="left",
    )
    for column in ("treatment_id", "version", "first deferred in", "extracted_at"):
        held.add_column(column)
    for row in deferred:
        held.add_row(
            str(row["treatment_id"]),
            str(row["version_fingerprint"]),
            str(row["batch_id"]),
            str(row["extracted_at"]),
        )
    console.print(held if deferred else "No deferred versions.")
