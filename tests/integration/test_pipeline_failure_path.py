"""The failure path alerts even when the warehouse is unreachable, keeps the tracker record
aside (deferred), and writes it — marked — once the warehouse answers again."""

from __future__ import annotations

import socket
from typing import Any

import boto3
import pytest
from fixtures.pipeline import alert_messages
from fixtures.warehouse import fetch
from load_pipeline.handlers import on_failure

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("reset_powertools_metrics")]

BATCH = "b20261126T120000Z-0f0f0f0f"
PREFIX = "state/deferred_failures/"


def failure_event(step: str = "gold") -> dict[str, Any]:
    cause = '{"errorMessage": "connection refused", "errorType": "WarehouseTransientError"}'
    return {
        "batch_id": BATCH,
        "execution_name": BATCH,
        "failed_step": step,
        "failure": {"Error": "WarehouseTransientError", "Cause": cause},
    }


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_alert_without_warehouse_then_deferred_record_written(
    deployed_pipeline: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTS_TOPIC_ARN", deployed_pipeline.topic_arn)
    monkeypatch.setenv("SILVER_BUCKET", deployed_pipeline.silver_bucket)
    monkeypatch.setenv("WAREHOUSE_DSN", f"postgresql://hca@127.0.0.1:{closed_port()}/warehouse")

    result = on_failure.handler(failure_event(), lambda_context)
    assert result["tracker"] == "deferred"
    (alert,) = [
        m for m in alert_messages(deployed_pipeline.alerts_queue_url) if m["batch_id"] == BATCH
    ]
    assert (alert["failed_step"], alert["error"]) == ("gold", "WarehouseTransientError")
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=deployed_pipeline.silver_bucket, Prefix=PREFIX)
    assert [o["Key"] for o in listed.get("Contents", [])] == [f"{PREFIX}{BATCH}-gold.json"]

    # The warehouse answers again: the next failure path writes the deferred row too.
    monkeypatch.setenv("WAREHOUSE_DSN", deployed_pipeline.warehouse_dsn)
    result = on_failure.handler(failure_event("analytics"), lambda_context)
    assert result["tracker"] == "recorded"
    rows = fetch(
        deployed_pipeline.warehouse_dsn,
        "select step, status, error from gold.etl_tracker where batch_id = %s order by step",
        [BATCH],
    )
    assert [(r[0], r[1]) for r in rows] == [("analytics", "FAILED"), ("gold", "FAILED")]
    assert rows[1][2].startswith("[deferred]")
    listed = s3.list_objects_v2(Bucket=deployed_pipeline.silver_bucket, Prefix=PREFIX)
    assert listed.get("KeyCount", 0) == 0


def test_a_gate_failure_alerts_without_touching_the_tracker(
    deployed_pipeline: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTS_TOPIC_ARN", deployed_pipeline.topic_arn)
    monkeypatch.setenv("WAREHOUSE_DSN", deployed_pipeline.warehouse_dsn)
    event = {**failure_event("gate"), "batch_id": "b20261126T130000Z-0e0e0e0e"}
    event["execution_name"] = event["batch_id"]
    assert on_failure.handler(event, lambda_context)["tracker"] == "not applicable"
    assert fetch(
        deployed_pipeline.warehouse_dsn,
        "select count(*) from gold.etl_tracker where batch_id = %s",
        [event["batch_id"]],
    ) == [(0,)]
