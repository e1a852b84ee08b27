"""The seam's Redshift path (redshift_connector) against pgbouncer + a non-Debian PostgreSQL:
connect, caller-owned transactions, CALL with INOUT results, statement timeout, error classes,
and the gold and analytics steps. COPY/UNLOAD and multi-statement scripts are checked only
as SQL text (tests/unit/test_warehouse_redshift_text.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fixtures.warehouse import fetch, load_staging, treatment_row
from load_pipeline import steps
from warehouse_seam import REDSHIFT, WarehouseDataError, WarehouseTransientError, connect

pytestmark = pytest.mark.sql

B1 = "b20240402T000000Z-0000beef"


def test_gold_and_analytics_steps_through_redshift_connector(redshift_standin: Any) -> None:
    load_staging(
        redshift_standin.postgres_dsn,
        [treatment_row(i, B1, provider_id=1 + i % 2) for i in range(1, 7)],
    )
    with connect(redshift_standin.redshift_dsn, statement_timeout_ms=30_000) as wh:
        assert wh.dialect == REDSHIFT
        gold = steps.run_gold_step(wh, batch_id=B1, execution_name=B1, attempt=1)
        analytics = steps.run_analytics_step(wh, batch_id=B1, execution_name=B1, attempt=1)
    assert (gold.reconciliation, gold.destination_count) == ("MATCH", 6)
    assert analytics.reconciliation == "MATCH"
    assert fetch(
        redshift_standin.postgres_dsn,
        "select provider_id, total_treatments, treatment_rank "
        "from analytics.provider_treatment_rank order by 1",
    ) == [(1, 3, 1), (2, 3, 1)]
    assert fetch(
        redshift_standin.postgres_dsn,
        "select step, status from gold.etl_tracker where batch_id = %s order by step",
        [B1],
    ) == [("analytics", "SUCCEEDED"), ("gold", "SUCCEEDED")]


def test_transactions_and_error_classes_through_redshift_connector(redshift_standin: Any) -> None:
    insert = (
        "insert into gold.etl_tracker (batch_id, execution_name, step, attempt, status) "
        "values (%s, 'rc', 'copy', 1, 'FAILED')"
    )
    with connect(redshift_standin.redshift_dsn, statement_timeout_ms=200) as wh:
        with pytest.raises(RuntimeError), wh.transaction():
            wh.execute(insert, ["rc-rolled-back"])
            raise RuntimeError("caller failed")
        with wh.transaction():
            wh.execute(insert, ["rc-kept"])
        with pytest.raises(WarehouseDataError):
            wh.query("select * from no_such_table")
        with pytest.raises(WarehouseTransientError):
            wh.query("select pg_sleep(3)")
        # the connection is usable after errors (each failed statement was rolled back)
        assert wh.query("select count(*) from gold.etl_tracker where execution_name = 'rc'") == [
            (1,)
        ]
