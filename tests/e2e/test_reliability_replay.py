"""Replays change nothing: a `_batch.json` event delivered 1, 2 and 5 times starts one execution,
and a batch replayed by id leaves every silver, gold and analytics table identical (content
checksums; the tracker and refresh-time / last-batch columns aside, contracts/pipeline.md)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from e2e.reliability_batches import Baseline, Deployment, apply_changes, make_batch, release
from e2e.reliability_support import (
    assert_loaded,
    changed_tables,
    checksums,
    deliver_event,
    executions_of,
    replay,
    s3_put_event,
    tracker_rows,
    wait_for_execution,
)

pytestmark = pytest.mark.e2e
pytest_plugins = ("e2e.reliability_fixtures",)


def test_an_event_delivered_1_2_and_5_times_starts_one_execution(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any
) -> None:
    deployment = reliability_deployment
    changed = apply_changes(deployment, baseline.n)
    batch_id = make_batch(spark, deployment)
    trigger = deployment.function_name("trigger")
    event = s3_put_event(deployment.silver_bucket, f"batches/{batch_id}/_batch.json")

    # Delivery 1 is S3's own notification; two more arrive while it is being handled.
    release(deployment, [batch_id])
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: deliver_event(trigger, event), range(2)))
    assert all(a["executions"][batch_id] in {"started", "exists"} for a in answers)
    first = wait_for_execution(deployment.state_machine_arn, batch_id)
    assert first["status"] == "SUCCEEDED"
    assert [e["name"] for e in executions_of(deployment.state_machine_arn, batch_id)] == [batch_id]
    before = checksums(deployment.dsn)

    # Deliveries 4 and 5, after the load: still one execution, nothing changes.
    for _ in range(2):
        assert deliver_event(trigger, event)["executions"] == {batch_id: "exists"}
    assert [e["name"] for e in executions_of(deployment.state_machine_arn, batch_id)] == [batch_id]
    assert changed_tables(before, checksums(deployment.dsn)) == []
    steps = [(r["step"], r["status"]) for r in tracker_rows(deployment.dsn, batch_id)]
    assert steps == [("copy", "SUCCEEDED"), ("gold", "SUCCEEDED"), ("analytics", "SUCCEEDED")]
    assert_loaded(deployment.dsn, changed.items)


def test_a_batch_replayed_by_id_leaves_every_table_identical(
    reliability_deployment: Deployment, baseline: Baseline
) -> None:
    deployment = reliability_deployment
    batch_id = deployment.released[-1]
    before = checksums(deployment.dsn)
    assert before["silver.tbl_healthcare_analytics_data"][0] > 0

    name = replay(deployment.state_machine_arn, batch_id)
    assert wait_for_execution(deployment.state_machine_arn, name)["status"] == "SUCCEEDED"

    assert changed_tables(before, checksums(deployment.dsn)) == []
    replayed = [r for r in tracker_rows(deployment.dsn, batch_id) if r["execution_name"] == name]
    assert {r["step"] for r in replayed if r["status"] == "SUCCEEDED"} == {
        "copy",
        "gold",
        "analytics",
    }
