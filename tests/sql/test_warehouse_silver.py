"""staging -> silver: the version order of contracts/pipeline.md, and rejects per batch."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from fixtures.warehouse import fetch, load_staging, run_batch, treatment_row
from load_pipeline import steps
from warehouse_seam import connect

pytestmark = pytest.mark.sql

B1 = "b20240402T000000Z-00000001"
B2 = "b20240403T000000Z-00000002"


def silver(dsn: str) -> list[tuple]:
    return fetch(
        dsn,
        "select treatment_id, treatment_cost, metadata_modified_at, batch_id "
        "from silver.tbl_healthcare_analytics_data order by treatment_id",
    )


def test_older_version_never_overwrites_and_equal_one_only_from_a_later_batch(
    fresh_warehouse_dsn: str,
) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(
        dsn,
        B1,
        [
            treatment_row(1, B1, modified="2024-04-01 09:00:00"),
            treatment_row(2, B1, modified="2024-04-01 09:00:00"),
        ],
    )
    results = run_batch(
        dsn,
        B2,
        [
            # older than the loaded version: ignored
            treatment_row(1, B2, modified="2024-03-31 09:00:00", treatment_cost=Decimal("999")),
            # equal modified_at from a later batch: replaces
            treatment_row(2, B2, modified="2024-04-01 09:00:00", treatment_cost=Decimal("200")),
            treatment_row(3, B2),
        ],
    )
    expected = [
        (1, Decimal("100.00"), datetime(2024, 4, 1, 9), B1),
        (2, Decimal("200.00"), datetime(2024, 4, 1, 9), B2),
        (3, Decimal("100.00"), datetime(2024, 4, 1, 9), B2),
    ]
    assert silver(dsn) == expected
    assert "applied=2, older versions skipped=1" in results["gold"].compared
    assert fetch(
        dsn, "select treatment_id, treatment_cost from gold.fact_treatments order by 1"
    ) == [
        (1, Decimal("100.00")),
        (2, Decimal("200.00")),
        (3, Decimal("100.00")),
    ]

    # Replaying B1 (equal modified_at, earlier batch) changes nothing.
    with connect(dsn) as wh:
        steps.run_gold_step(wh, batch_id=B1, execution_name=f"{B1}-r1", attempt=1)
    assert silver(dsn) == expected


def test_latest_version_within_a_batch_wins(fresh_warehouse_dsn: str) -> None:
    rows = [
        treatment_row(1, B1, modified="2024-04-01 09:00:00", treatment_cost=Decimal("1")),
        treatment_row(1, B1, modified="2024-04-01 10:00:00", treatment_cost=Decimal("2")),
    ]
    result = run_batch(fresh_warehouse_dsn, B1, rows)
    assert silver(fresh_warehouse_dsn) == [(1, Decimal("2.00"), datetime(2024, 4, 1, 10), B1)]
    assert result["gold"].reconciliation == "MATCH"


def reject(batch_id: str, treatment_id: int | None, rules: str) -> dict:
    return {
        "batch_id": batch_id,
        "treatment_id": treatment_id,
        "broken_rules": rules,
        "raw_item": '{"treatment_id": {"N": "1"}}',
        "extracted_at": datetime(2024, 4, 2),
    }


def test_rejects_of_a_batch_replace_its_earlier_load(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, [treatment_row(1, B1)], [reject(B1, 7, "R2"), reject(B1, None, "R1")])
    run_batch(dsn, B2, [treatment_row(2, B2)], [reject(B2, 8, "R4,R5")])
    # B1 copied again with one reject only (the copy step deletes the batch's staging rows).
    with connect(dsn) as wh:
        wh.execute("delete from staging.rejected_treatments where batch_id = %s", [B1])
    load_staging(dsn, [], [reject(B1, 9, "R3")])
    with connect(dsn) as wh:
        result = steps.run_gold_step(wh, batch_id=B1, execution_name=f"{B1}-r1", attempt=1)
    assert result.status == "SUCCEEDED"
    assert fetch(
        dsn,
        "select batch_id, treatment_id, broken_rules from silver.rejected_treatments order by 1, 2",
    ) == [(B1, 9, "R3"), (B2, 8, "R4,R5")]
