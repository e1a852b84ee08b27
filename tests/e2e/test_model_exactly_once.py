"""Model-based: a seeded random sequence of source writes (new, changed, same-second rewrites,
rewrites back, invalid, future-dated, invalid then valid again), extracts, crashes at each
publication point, late, duplicated and replayed loads, and skips; when it settles, the
warehouse equals the model (``e2e.model_harness``). ``HCA_MODEL_STEPS`` (default 200) and
``HCA_MODEL_SEED`` choose the sequence; ``make soak`` runs a long one. A failure prints the
sequence's log, so it can be replayed with the same seed."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from fixtures.warehouse import fetch
from treatment_jobs.config import JobConfig, from_facts
from warehouse_seam import connect

from e2e.expected_analytics import expected_tables
from e2e.model_harness import Harness
from healthetl.report.data import ANALYTICS_COLUMNS

pytestmark = [pytest.mark.e2e, pytest.mark.spark]

STEPS = int(os.environ.get("HCA_MODEL_STEPS", "200"))
SEED = int(os.environ.get("HCA_MODEL_SEED", "20261206"))


@pytest.fixture
def harness(estate, unique_name, tmp_path, fresh_warehouse_dsn, spark) -> Harness:
    from load_pipeline import batch_summary, steps

    from healthetl.source.table import ensure_table

    table = unique_name("model")
    bucket = unique_name("model-silver")
    ensure_table(table)
    boto3.client("s3").create_bucket(Bucket=bucket)
    cfg = JobConfig(
        table_name=table,
        index_name=from_facts().index_name,
        silver_bucket=bucket,
        bronze_root=str(tmp_path / "bronze"),
        silver_root=str(tmp_path / "silver"),
        scan_segments=2,
        reads_per_task=4,
    )

    def load(batch_id: str, summary: dict[str, Any], execution_name: str) -> None:
        """The three load steps as the Lambdas run them: the copy step's checks build its plan."""
        plan = batch_summary.verify(
            boto3.client("s3"),
            silver_bucket=bucket,
            batch_id=batch_id,
            event_bucket=bucket,
            event_key=batch_summary.summary_key(batch_id),
        ).plan
        names = {"batch_id": batch_id, "execution_name": execution_name, "attempt": 1}
        with connect(fresh_warehouse_dsn) as wh:
            results = [
                steps.run_copy_step(wh, **names, plan=plan),
                steps.run_gold_step(wh, **names),
                steps.run_analytics_step(wh, **names),
            ]
        for result in results:
            assert result.reconciliation == "MATCH", result

    harness = Harness(cfg, spark, load, random.Random(SEED), datetime(2026, 11, 1, 8, tzinfo=UTC))
    harness.dsn = fresh_warehouse_dsn  # type: ignore[attr-defined]
    return harness


def _silver(dsn: str) -> dict[int, tuple[Any, ...]]:
    rows = fetch(
        dsn,
        "select treatment_id, treatment_cost, treatment_outcome_status, provider_id,"
        " location_id, metadata_modified_at from silver.tbl_healthcare_analytics_data",
    )
    return {row[0]: row[1:] for row in rows}


def _as_silver(version) -> tuple[Any, ...]:
    item = version.item
    treatment = item["treatment"]["M"]
    return (
        Decimal(treatment["cost"]["N"]),
        treatment["outcome_status"]["S"],
        int(item["provider"]["M"]["id"]["N"]),
        int(item["location"]["M"]["id"]["N"]),
        version.modified_at.replace(tzinfo=None),
    )


def test_the_warehouse_equals_the_model_when_the_sequence_settles(harness: Harness) -> None:
    dsn = harness.dsn  # type: ignore[attr-defined]
    for _ in range(STEPS):
        harness.step()
    harness.settle()
    expected, rejected = harness.expected()
    log = "\n".join(harness.log)
    assert _silver(dsn) == {k: _as_silver(v) for k, v in expected.items()}, log
    held = fetch(
        dsn,
        "select treatment_id, version_fingerprint, disposition from silver.rejected_treatments",
    )
    assert sorted(held) == sorted((i, f, "rejected") for i, f in rejected), log
    tables = {
        table: set(fetch(dsn, f"select {', '.join(cols)} from analytics.{table}"))
        for table, cols in ANALYTICS_COLUMNS.items()
    }
    assert tables == expected_tables(v.item for v in expected.values()), log
    assert len(harness.extracts) >= STEPS // 10, "the sequence extracted too rarely to prove much"
