"""The failure path alerts even when the warehouse is unreachable, keeps the tracker record
aside (deferred), and writes it — marked — once the warehouse answers again: at the next
failure path, or at the next copy step (the first step of every batch, replays included)."""

from __future__ import annotations

import json
import socket
from typing import Any

import boto3
import pytest
from fixtures.pipeline import alert_messages
from fixtures.warehouse import fetch
from load_pipeline.handlers import copy, on_failure

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("reset_powertools_metrics")]

BATCH = "b20261126T120000Z-0f0f0f0f"
PREFIX = "state/deferred_failures/"


def failure_event(step: str = "gold", batch_id: str = BATCH) -> dict[str, Any]:
    cause = '{"errorMessage": "connection refused", "errorType": "WarehouseTransientError"}'
    return {
        "batch_id": batch_id,
        "execution_name": batch_id,
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


def empty_batch(bucket: str, batch_id: str) -> dict[str, Any]:
    """The copy event of a well-formed batch without rows, in ``bucket`` (which, unlike the
    deployed silver bucket, no notification watches, so no execution starts)."""
    s3 = boto3.client("s3")
    prefix = f"batches/{batch_id}/"
    s3.put_object(Bucket=bucket, Key=f"{prefix}valid.manifest", Body=b'{"entries": []}')
    summary = {
        "batch_id": batch_id,
        "schema_version": 1,
        "extracted": 0,
        "valid": 0,
        "rejected": 0,
        "cursor_from": None,
        "cursor_to": "2026-11-26T12:00:00Z",
        "files": [],
    }
    key = f"{prefix}_batch.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(summary).encode())
    return {"batch_id": batch_id, "execution_name": batch_id, "bucket": bucket, "key": key}


@pytest.fixture
def unwatched_silver(deployed_pipeline: Any, unique_name: Any) -> str:
    """A silver bucket for the copy Lambda's configuration that starts no execution."""
    bucket = unique_name("hca-unwatched-silver")
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket


def test_the_next_copy_step_writes_the_deferred_record_before_its_own_work(
    deployed_pipeline: Any,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
    unwatched_silver: str,
) -> None:
    outage, later = "b20261126T140000Z-0d0d0d0d", "b20261126T150000Z-0c0c0c0c"
    bucket, s3 = unwatched_silver, boto3.client("s3")
    monkeypatch.setenv("ALERTS_TOPIC_ARN", deployed_pipeline.topic_arn)
    monkeypatch.setenv("SILVER_BUCKET", bucket)
    monkeypatch.setenv("WAREHOUSE_DSN", f"postgresql://hca@127.0.0.1:{closed_port()}/warehouse")
    assert on_failure.handler(failure_event("copy", outage), lambda_context)["tracker"] == (
        "deferred"
    )
    deferred_key = f"{PREFIX}{outage}-copy.json"
    assert s3.list_objects_v2(Bucket=bucket, Prefix=deferred_key).get("KeyCount", 0) == 1

    monkeypatch.setenv("WAREHOUSE_DSN", deployed_pipeline.warehouse_dsn)
    assert copy.handler(empty_batch(bucket, later), lambda_context)["status"] == "SUCCEEDED"

    rows = fetch(
        deployed_pipeline.warehouse_dsn,
        "select batch_id, step, status, attempt, error from gold.etl_tracker"
        " where batch_id in (%s, %s) order by batch_id",
        [outage, later],
    )
    assert [r[:4] for r in rows] == [(outage, "copy", "FAILED", 0), (later, "copy", "SUCCEEDED", 1)]
    assert rows[0][4].startswith("[deferred] WarehouseTransientError")
    assert s3.list_objects_v2(Bucket=bucket, Prefix=deferred_key).get("KeyCount", 0) == 0


def test_a_failed_flush_is_counted_and_the_copy_step_carries_on(
    deployed_pipeline: Any,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    unwatched_silver: str,
) -> None:
    batch_id = "b20261126T160000Z-0b0b0b0b"
    event = empty_batch(unwatched_silver, batch_id)
    monkeypatch.setenv("WAREHOUSE_DSN", deployed_pipeline.warehouse_dsn)
    monkeypatch.setenv("SILVER_BUCKET", unwatched_silver)
    # A deferred record that cannot be read (not JSON): the step's own work goes on.
    boto3.client("s3").put_object(
        Bucket=unwatched_silver, Key=f"{PREFIX}{batch_id}-gold.json", Body=b"not json"
    )
    assert copy.handler(event, lambda_context)["status"] == "SUCCEEDED"
    assert "could not write the deferred failure records" in caplog.text
    (emf,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf["DeferredFailuresFlushFailed"] == [1.0]
