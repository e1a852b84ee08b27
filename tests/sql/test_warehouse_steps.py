"""The three load steps end to end on PostgreSQL: COPY from Parquet manifests, tracker rows,
reconciliation, and a failing procedure that leaves every table as it was."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from fixtures.warehouse import (
    copy_plan,
    fetch,
    run_batch,
    snapshot,
    treatment_row,
    write_local_batch,
)
from load_pipeline import steps
from warehouse_seam import WarehouseDataError, connect

pytestmark = pytest.mark.sql

B1 = "b20240402T000000Z-00000001"
B2 = "b20240403T000000Z-00000002"
TRACKER = (
    "select step, attempt, status, source_count, destination_count, reconciliation "
    "from gold.etl_tracker where batch_id = %s order by started_at, step"
)


def reject(treatment_id: int | None) -> dict:
    return {
        "batch_id": B1,
        "treatment_id": treatment_id,
        "broken_rules": "R2,R5",
        "raw_item": '{"treatment": {"M": {"cost": {"N": "-1"}}}}',
        "extracted_at": datetime(2024, 4, 2),
    }


def test_copy_gold_analytics_from_parquet_manifests(
    fresh_warehouse_dsn: str, tmp_path: Path
) -> None:
    dsn = fresh_warehouse_dsn
    awkward = 'Zoë "Quote", Comma\nNewline'
    rows = [treatment_row(i, B1) for i in range(1, 8)]
    rows.append(treatment_row(8, B1, status="Ongoing", provider_full_name=awkward))
    summary = write_local_batch(tmp_path, B1, rows, [reject(99), reject(None)])

    with connect(dsn) as wh:
        copy = steps.run_copy_step(
            wh, batch_id=B1, execution_name=B1, attempt=1, plan=copy_plan(summary)
        )
        assert (copy.status, copy.source_count, copy.destination_count) == ("SUCCEEDED", 10, 10)
        # A retry of the copy replaces the batch's staging rows (no duplicates).
        steps.run_copy_step(wh, batch_id=B1, execution_name=B1, attempt=2, plan=copy_plan(summary))
        gold = steps.run_gold_step(wh, batch_id=B1, execution_name=B1, attempt=1)
        analytics = steps.run_analytics_step(wh, batch_id=B1, execution_name=B1, attempt=1)

    assert fetch(dsn, "select count(*) from staging.treatments") == [(8,)]
    assert fetch(
        dsn,
        "select provider_full_name, treatment_completion_date, treatment_cost, "
        "disease_mortality_rate, treatment_start_date from silver.tbl_healthcare_analytics_data "
        "where treatment_id = 8",
    ) == [(awkward, None, Decimal("100.00"), Decimal("1.50"), datetime(2024, 3, 7, 14, 5, 9))]
    assert fetch(dsn, "select treatment_id from silver.rejected_treatments order by 1") == [
        (99,),
        (None,),
    ]
    assert (gold.source_count, gold.destination_count, gold.reconciliation) == (8, 8, "MATCH")
    assert (analytics.source_count, analytics.reconciliation) == (8, "MATCH")
    assert fetch(dsn, TRACKER, [B1]) == [
        ("copy", 1, "SUCCEEDED", 10, 10, "MATCH"),
        ("copy", 2, "SUCCEEDED", 10, 10, "MATCH"),
        ("gold", 1, "SUCCEEDED", 8, 8, "MATCH"),
        ("analytics", 1, "SUCCEEDED", 8, 8, "MATCH"),
    ]


def test_copy_mismatch_rolls_back_records_and_raises(
    fresh_warehouse_dsn: str, tmp_path: Path
) -> None:
    dsn = fresh_warehouse_dsn
    summary = write_local_batch(tmp_path, B1, [treatment_row(i, B1) for i in range(1, 4)])
    with connect(dsn) as wh:
        steps.run_copy_step(wh, batch_id=B1, execution_name=B1, attempt=1, plan=copy_plan(summary))
        with pytest.raises(steps.ReconciliationMismatchError) as raised:
            steps.run_copy_step(
                wh,
                batch_id=B1,
                execution_name=B1,
                attempt=2,
                plan=copy_plan({**summary, "valid": 4}),
            )
        assert isinstance(raised.value, WarehouseDataError)
        # The FAILED row is there once; the caller's record_failed_step adds nothing.
        assert not steps.record_failed_step(
            wh, batch_id=B1, execution_name=B1, step="copy", attempt=2, error="x"
        )
    assert fetch(dsn, TRACKER, [B1]) == [
        ("copy", 1, "SUCCEEDED", 3, 3, "MATCH"),
        ("copy", 2, "FAILED", 4, 3, "MISMATCH"),
    ]
    assert fetch(dsn, "select count(*) from staging.treatments") == [(3,)]


def test_parquet_with_other_columns_than_staging_is_refused(
    fresh_warehouse_dsn: str, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = tmp_path / "part-0.parquet"
    pq.write_table(pa.table({"treatment_id": pa.array([1], pa.int64())}), part)
    manifest = tmp_path / "valid.manifest"
    entries = [{"url": part.as_uri(), "mandatory": True}]
    manifest.write_text(json.dumps({"entries": entries}))
    with connect(fresh_warehouse_dsn) as wh, pytest.raises(WarehouseDataError, match="position"):
        wh.copy_manifest("staging.treatments", manifest.as_uri())


def test_failing_fact_procedure_leaves_every_table_as_it_was(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, [treatment_row(1, B1), treatment_row(2, B1, status="Ongoing")])
    before = snapshot(dsn)
    # Fault injected from outside: the fact procedure is replaced on this test database.
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "create or replace procedure gold.load_fact_treatments("
            "p_batch_id varchar(64), inout fact_rows bigint) as $$ begin "
            "raise exception 'injected failure for %', p_batch_id; end; $$ language plpgsql"
        )
    update = [
        treatment_row(2, B2, status="Successful", modified="2024-04-02 00:00:00"),
        treatment_row(3, B2, provider_id=77, location_id=777, patient_id=7777),
    ]
    with pytest.raises(WarehouseDataError, match="injected failure"):
        run_batch(dsn, B2, update)
    assert snapshot(dsn) == before
    with connect(dsn) as wh:
        assert steps.record_failed_step(
            wh,
            batch_id=B2,
            execution_name=B2,
            step="gold",
            attempt=1,
            error="WarehouseDataError: injected",
        )
        assert steps.failed_step_recorded(wh, execution_name=B2, step="gold")
    assert fetch(dsn, TRACKER, [B2]) == [("gold", 1, "FAILED", None, None, None)]


def test_deferred_failure_is_marked(fresh_warehouse_dsn: str) -> None:
    with connect(fresh_warehouse_dsn) as wh:
        steps.record_failed_step(
            wh, batch_id=B1, execution_name=B1, step="copy", attempt=0, error="down", deferred=True
        )
    assert fetch(fresh_warehouse_dsn, "select error from gold.etl_tracker") == [
        ("[deferred] down",)
    ]


def test_bi_role_reads_analytics_only(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, [treatment_row(1, B1)])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("set role bi_reader")
        assert conn.execute(
            "select count(*) from analytics.provider_treatment_rank"
        ).fetchone() == (1,)
        for table in (
            "silver.tbl_healthcare_analytics_data",
            "gold.dim_patients",
            "gold.fact_treatments",
            "staging.treatments",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select count(*) from {table}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from analytics.provider_treatment_rank")


def test_long_errors_fit_the_tracker_in_bytes(fresh_warehouse_dsn: str) -> None:
    with connect(fresh_warehouse_dsn) as wh:
        steps.record_failed_step(
            wh, batch_id=B1, execution_name=B1, step="gold", attempt=1, error="é" * 5000
        )
    assert fetch(fresh_warehouse_dsn, "select octet_length(error) from gold.etl_tracker") == [
        (4096,)
    ]


def test_a_batch_of_rejects_only_loads_cleanly(fresh_warehouse_dsn: str, tmp_path: Path) -> None:
    dsn = fresh_warehouse_dsn
    summary = write_local_batch(tmp_path, B1, [], [reject(5)], files=1)
    with connect(dsn) as wh:
        results = [
            steps.run_copy_step(
                wh, batch_id=B1, execution_name=B1, attempt=1, plan=copy_plan(summary)
            ),
            steps.run_gold_step(wh, batch_id=B1, execution_name=B1, attempt=1),
            steps.run_analytics_step(wh, batch_id=B1, execution_name=B1, attempt=1),
        ]
    assert [(r.status, r.source_count, r.destination_count) for r in results] == [
        ("SUCCEEDED", 1, 1),
        ("SUCCEEDED", 0, 0),
        ("SUCCEEDED", 0, 0),
    ]
    assert fetch(dsn, "select treatment_id from silver.rejected_treatments") == [(5,)]
