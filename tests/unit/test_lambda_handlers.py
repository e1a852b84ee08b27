"""The step handlers called in-process (Powertools' recommended way: a fake LambdaContext, the
metrics reset between tests) against a real, freshly migrated PostgreSQL warehouse."""

from __future__ import annotations

import json
import socket
from typing import Any

import psycopg
import pytest
from fixtures.warehouse import fetch, load_staging, treatment_row
from load_pipeline.handlers import analytics, gold
from pydantic import ValidationError
from warehouse_seam import WarehouseError

pytestmark = [pytest.mark.sql, pytest.mark.usefixtures("reset_powertools_metrics")]

BATCH = "b20261126T100000Z-0a0b0c0d"


def step_event(batch_id: str = BATCH, execution_name: str | None = None, retry: int = 0) -> dict:
    return {
        "batch_id": batch_id,
        "execution_name": execution_name or batch_id,
        "retry_count": retry,
    }


def emf_records(stdout: str) -> list[dict[str, Any]]:
    records = []
    for line in stdout.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            records.append(json.loads(line))
    return records


@pytest.fixture
def staged(fresh_warehouse_dsn: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WAREHOUSE_DSN", fresh_warehouse_dsn)
    rows = [treatment_row(i, BATCH) for i in range(1, 4)]
    rows.append(treatment_row(4, BATCH, status="Ongoing"))
    load_staging(fresh_warehouse_dsn, rows)
    return fresh_warehouse_dsn


def test_gold_then_analytics_succeed_with_metrics_and_no_patient_data(
    staged: str, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    result = gold.handler(step_event(), lambda_context)
    assert (result["status"], result["reconciliation"], result["destination_count"]) == (
        "SUCCEEDED",
        "MATCH",
        4,
    )
    result = analytics.handler(step_event(), lambda_context)
    assert result["status"] == "SUCCEEDED"
    out = capsys.readouterr().out
    records = emf_records(out)
    metrics = {m["Name"] for r in records for m in r["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"RowsLoaded", "StepDurationMs", "ReconciliationMismatch", "BatchSucceeded"} <= metrics
    assert "DataFreshnessSeconds" in metrics
    for record in records:
        (dimensions,) = record["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
        assert sorted(dimensions) == ["service", "step"]
        assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "HealthcareAnalytics"
    assert {r["step"] for r in records} == {"gold", "analytics"}
    assert "Patient 1" not in out
    steps = fetch(staged, "select step, status, attempt from gold.etl_tracker order by started_at")
    assert steps == [("gold", "SUCCEEDED", 1), ("analytics", "SUCCEEDED", 1)]


def test_a_failing_procedure_raises_and_records_the_failed_attempt(
    staged: str, lambda_context: Any
) -> None:
    with psycopg.connect(staged, autocommit=True) as conn:
        (arguments,) = conn.execute(
            "select pg_get_function_arguments('gold.load_fact_treatments'::regproc)"
        ).fetchone()
        conn.execute(
            f"create or replace procedure gold.load_fact_treatments({arguments})"
            " language plpgsql as $$ begin raise exception 'injected'; end $$"
        )
    with pytest.raises(Exception, match="injected") as raised:
        gold.handler(step_event(retry=2), lambda_context)
    assert type(raised.value).__name__ == "WarehouseDataError"
    rows = fetch(staged, "select step, status, attempt, error from gold.etl_tracker")
    assert [(r[0], r[1], r[2]) for r in rows] == [("gold", "FAILED", 3)]
    assert "injected" in rows[0][3]
    assert fetch(staged, "select count(*) from silver.tbl_healthcare_analytics_data") == [(0,)]


def test_an_unreachable_warehouse_surfaces_as_warehouse_transient_error(
    monkeypatch: pytest.MonkeyPatch, lambda_context: Any
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("WAREHOUSE_DSN", f"postgresql://hca@127.0.0.1:{port}/warehouse")
    with pytest.raises(WarehouseError) as raised:
        gold.handler(step_event(), lambda_context)
    # Step Functions matches Retry on the error type's name.
    assert type(raised.value).__name__ == "WarehouseTransientError"


def test_an_event_naming_another_batch_is_refused_before_any_work(
    staged: str, lambda_context: Any
) -> None:
    with pytest.raises(ValidationError):
        gold.handler(step_event(execution_name="b20261126T100000Z-ffffffff"), lambda_context)
    with pytest.raises(ValidationError):
        gold.handler({"batch_id": "'; drop table gold.etl_tracker; --"}, lambda_context)
    assert fetch(staged, "select count(*) from gold.etl_tracker") == [(0,)]
