"""Batches load strictly one at a time (contracts/pipeline.md: the gate's lease). Two batches
published at once load one after the other, in batch-id order; an earlier batch that arrives
while a later one is loading waits until the later one's execution ends; an execution stopped
while it holds the load lease does not block the next one."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from e2e.reliability_batches import Baseline, Deployment, apply_changes, make_batch, release
from e2e.reliability_support import (
    assert_loaded,
    table_locked,
    tracker_rows,
    wait_for_execution,
    wait_until,
)
from healthetl.estate.deploy import load_facts
from healthetl.pipeline import executions

pytestmark = pytest.mark.e2e
pytest_plugins = ("e2e.reliability_fixtures",)


def test_two_batches_published_at_once_load_one_after_the_other_in_order(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any
) -> None:
    deployment = reliability_deployment
    first_changes = apply_changes(deployment, baseline.n)
    first = make_batch(spark, deployment)
    second_changes = apply_changes(deployment, baseline.n)
    second = make_batch(spark, deployment)
    earlier, later = sorted([first, second])

    release(deployment, [later, earlier])  # both _batch.json at once, later one listed first

    for batch_id in (earlier, later):
        execution = wait_for_execution(deployment.state_machine_arn, batch_id, timeout=180)
        assert execution["status"] == "SUCCEEDED", execution
    earlier_rows = {r["step"]: r for r in tracker_rows(deployment.dsn, earlier)}
    later_rows = {r["step"]: r for r in tracker_rows(deployment.dsn, later)}
    assert later_rows["copy"]["started_at"] >= earlier_rows["analytics"]["ended_at"]
    # Both rounds' changes are loaded; where both touched a treatment, the newer version won.
    newest = {item["treatment_id"]["N"]: item for item in first_changes.items}
    newest.update({item["treatment_id"]["N"]: item for item in second_changes.items})
    assert_loaded(deployment.dsn, list(newest.values()))


LEASE_KEY = load_facts()["silver_layout"]["load_lease_key"]
ANALYTICS_TABLE = "analytics.summary_total_treatments_per_city"  # the analytics step writes it
GOLD_TABLE = "silver.tbl_healthcare_analytics_data"  # the gold step writes it first


def history(deployment: Deployment, name: str) -> list[dict[str, Any]]:
    arn = executions.execution_arn(deployment.state_machine_arn, name)
    sfn = boto3.client("stepfunctions")
    events: list[dict[str, Any]] = []
    try:
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
            events += page["events"]
    except sfn.exceptions.ExecutionDoesNotExist:  # its S3 event has not started it yet
        return []
    return events


def entered(deployment: Deployment, name: str) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in history(deployment, name)
        if "stateEnteredEventDetails" in e
    ]


def gate_answers(deployment: Deployment, name: str) -> list[dict[str, Any]]:
    return [
        json.loads(e["lambdaFunctionSucceededEventDetails"]["output"])
        for e in history(deployment, name)
        if e["type"] == "LambdaFunctionSucceeded"
        and "proceed" in json.loads(e["lambdaFunctionSucceededEventDetails"]["output"])
    ]


def status_of(deployment: Deployment, name: str) -> str:
    arn = executions.execution_arn(deployment.state_machine_arn, name)
    return str(boto3.client("stepfunctions").describe_execution(executionArn=arn)["status"])


def lease_holder(deployment: Deployment) -> str | None:
    """The ``holder`` named by the load lease object (read as any operator would)."""
    s3 = boto3.client("s3")
    try:
        body = s3.get_object(Bucket=deployment.silver_bucket, Key=LEASE_KEY)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return str(json.loads(body)["holder"])


def test_an_earlier_batch_arriving_while_a_later_one_loads_waits_until_it_ends(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any
) -> None:
    deployment = reliability_deployment
    early_changes = apply_changes(deployment, baseline.n)
    early = make_batch(spark, deployment)
    late_changes = apply_changes(deployment, baseline.n)
    late = make_batch(spark, deployment)
    assert early < late

    with table_locked(deployment.dsn, ANALYTICS_TABLE):  # the later batch stops in analytics
        release(deployment, [late])
        wait_until(lambda: "Analytics" in entered(deployment, late), 180, f"{late} in Analytics")
        release(deployment, [early])  # the earlier batch's execution starts now
        wait_until(
            lambda: (
                "Copy" in entered(deployment, early)
                or sum(not a["proceed"] for a in gate_answers(deployment, early)) >= 3
            ),
            90,
            f"{early} refused three times at the gate, or copying",
        )
        # between the later batch's copy and its analytics, the earlier one has not copied
        assert "Copy" not in entered(deployment, early)
        assert status_of(deployment, late) == "RUNNING"
        refused = gate_answers(deployment, early)[-1]
        assert refused["lease_holder"] == late, refused
        assert lease_holder(deployment) == late

    for batch_id in (late, early):
        execution = wait_for_execution(deployment.state_machine_arn, batch_id, timeout=180)
        assert execution["status"] == "SUCCEEDED", execution
    late_rows = {r["step"]: r for r in tracker_rows(deployment.dsn, late)}
    early_rows = {r["step"]: r for r in tracker_rows(deployment.dsn, early)}
    assert early_rows["copy"]["started_at"] >= late_rows["analytics"]["ended_at"]
    assert lease_holder(deployment) is None  # the earlier batch's analytics released it
    # Arriving late changed nothing: where both rounds touched a treatment, the newer won.
    newest = {item["treatment_id"]["N"]: item for item in early_changes.items}
    newest.update({item["treatment_id"]["N"]: item for item in late_changes.items})
    assert_loaded(deployment.dsn, list(newest.values()))


def test_an_execution_stopped_while_holding_the_lease_does_not_block_the_next(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any
) -> None:
    deployment = reliability_deployment
    changes = apply_changes(deployment, baseline.n)
    batch = make_batch(spark, deployment)
    sfn = boto3.client("stepfunctions")

    with table_locked(deployment.dsn, GOLD_TABLE):  # the batch stops in gold, holding the lease
        release(deployment, [batch])
        wait_until(lambda: "Gold" in entered(deployment, batch), 180, f"{batch} in Gold")
        assert lease_holder(deployment) == batch
        sfn.stop_execution(
            executionArn=executions.execution_arn(deployment.state_machine_arn, batch),
            error="OperatorStopped",
            cause="test: stopped while holding the load lease",
        )
    # AWS reports ABORTED at once; the emulator once the running task has returned (the lock
    # is gone now, so the gold Lambda commits — as on AWS, a stopped execution's running
    # Lambda is not killed).
    wait_until(lambda: status_of(deployment, batch) == "ABORTED", 60, f"{batch} ABORTED")
    # Nothing released it (a stopped execution runs no failure path): the lease names it.
    assert lease_holder(deployment) == batch

    replay = executions.replay(deployment.state_machine_arn, batch)
    replayed = wait_for_execution(deployment.state_machine_arn, replay, timeout=180)
    assert replayed["status"] == "SUCCEEDED", replayed
    first = gate_answers(deployment, replay)[0]
    assert first["action"] == "take_over", first
    assert "ABORTED" in first["reason"], first
    assert lease_holder(deployment) is None
    assert_loaded(deployment.dsn, changes.items)
