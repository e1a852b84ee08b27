"""Warehouse outage, with the retry window shortened for the test (≈ 16 s, OUTAGE_SETTINGS).

Only the PostgreSQL this session started on its own port and data directory is stopped, never
the shared one. Down for less than the window → the batch completes by itself; down for longer
→ FAILED, the alert still goes out (the failure path cannot reach the warehouse), and a replay
once it is back completes. The failure's tracker row is kept in S3 (deferred) while the
warehouse is down; the replay's copy step writes it (marked) before its own work, so the
tracker shows the outage's failure and nothing stays in S3."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from e2e.reliability_batches import Baseline, Deployment, apply_changes, make_batch, release
from e2e.reliability_support import (
    assert_loaded,
    executions_of,
    history_event_types,
    replay,
    tracker_rows,
    wait_for_execution,
    wait_until,
)
from healthetl.estate import postgres

pytestmark = pytest.mark.e2e
pytest_plugins = ("e2e.reliability_fixtures",)

DEFERRED_PREFIX = "state/deferred_failures/"
DEFERRED_MARK = "[deferred]"


def _stop_warehouse(deployment: Deployment) -> None:
    assert deployment.pg_data_dir is not None
    assert postgres.stop(deployment.pg_data_dir)


def _start_warehouse(deployment: Deployment) -> None:
    assert deployment.pg_data_dir is not None
    postgres.ensure_running(deployment.pg_data_dir, urlsplit(deployment.dsn).port)


def _attempts_failed(deployment: Deployment, name: str) -> int:
    if name not in {e["name"] for e in executions_of(deployment.state_machine_arn, name)}:
        return 0  # the trigger has not started it yet
    return sum(
        1
        for kind in history_event_types(deployment.state_machine_arn, name)
        if kind in {"TaskFailed", "LambdaFunctionFailed"}
    )


def test_an_outage_shorter_than_the_retry_window_heals_by_itself(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any
) -> None:
    deployment = reliability_deployment
    changed = apply_changes(deployment, baseline.n)
    batch_id = make_batch(spark, deployment)

    _stop_warehouse(deployment)
    try:
        release(deployment, [batch_id])
        # The copy step has met the outage (and will be retried) before the warehouse returns.
        wait_until(lambda: _attempts_failed(deployment, batch_id) >= 1, 30, "a failed attempt")
    finally:
        _start_warehouse(deployment)

    execution = wait_for_execution(deployment.state_machine_arn, batch_id, timeout=90)
    assert execution["status"] == "SUCCEEDED", execution
    assert_loaded(deployment.dsn, changed.items)


def test_an_outage_longer_than_the_window_fails_alerts_and_a_replay_completes(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any, alert_inbox: Any
) -> None:
    deployment = reliability_deployment
    inbox = alert_inbox(deployment.alerts_topic_arn)
    changed = apply_changes(deployment, baseline.n)
    batch_id = make_batch(spark, deployment)

    _stop_warehouse(deployment)
    try:
        release(deployment, [batch_id])
        execution = wait_for_execution(deployment.state_machine_arn, batch_id, timeout=120)
        assert execution["status"] == "FAILED", execution
        alert = inbox.wait_for(batch_id)
        assert alert["failed_step"] == "copy"
    finally:
        _start_warehouse(deployment)

    # The failure path could not reach the tracker: it kept the record for later (not lost).
    s3 = boto3.client("s3")
    deferred = s3.list_objects_v2(Bucket=deployment.silver_bucket, Prefix=DEFERRED_PREFIX)
    assert [o["Key"] for o in deferred.get("Contents", [])] == [
        f"{DEFERRED_PREFIX}{batch_id}-copy.json"
    ], deferred

    name = replay(deployment.state_machine_arn, batch_id)
    assert wait_for_execution(deployment.state_machine_arn, name)["status"] == "SUCCEEDED"
    assert_loaded(deployment.dsn, changed.items)
    rows = tracker_rows(deployment.dsn, batch_id)
    steps = {(r["step"], r["status"]) for r in rows}
    assert {("copy", "SUCCEEDED"), ("gold", "SUCCEEDED"), ("analytics", "SUCCEEDED")} <= steps
    # The replay's copy step wrote the outage's FAILED row (marked) and emptied the prefix.
    outage_rows = [
        (r["step"], r["status"], r["error"][: len(DEFERRED_MARK)])
        for r in rows
        if r["execution_name"] == batch_id
    ]
    assert outage_rows == [("copy", "FAILED", DEFERRED_MARK)], rows
    left = s3.list_objects_v2(Bucket=deployment.silver_bucket, Prefix=DEFERRED_PREFIX)
    assert left.get("KeyCount", 0) == 0, left
