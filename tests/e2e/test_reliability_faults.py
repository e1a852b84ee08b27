"""Faults injected from outside the product, one at a time: a failing COPY (a corrupted Parquet
object), a failing analytics rebuild (a procedure replaced in the test warehouse), a Lambda
timeout (a tiny timeout set with update_function_configuration while the warehouse is stalled).
Each time: the execution ends FAILED through the failure path, the tracker says which step and
why, the failed step's tables are as before, an alert reaches a subscriber, and a replay
afterwards loads exactly the batch. (A failing gold procedure → FAILED + replay is the pipeline
area's own test, tests/e2e/.)"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import psycopg
import pytest

from e2e.reliability_batches import Baseline, Deployment, apply_changes, make_batch, release
from e2e.reliability_support import (
    assert_loaded,
    changed_tables,
    checksums,
    replay,
    table_locked,
    tracker_rows,
    wait_for_execution,
)

pytestmark = pytest.mark.e2e
pytest_plugins = ("e2e.reliability_fixtures",)

ALL_SCHEMAS = ("staging", "silver", "gold", "analytics")


def _failed_by_failure_path(deployment: Deployment, batch_id: str, step: str, inbox: Any) -> str:
    """Assert FAILED + tracker row + alert for `step`; the tracker's error text."""
    execution = wait_for_execution(deployment.state_machine_arn, batch_id)
    assert execution["status"] == "FAILED", execution
    alert = inbox.wait_for(batch_id)
    assert alert["failed_step"] == step, alert
    failed = [
        r
        for r in tracker_rows(deployment.dsn, batch_id)
        if r["status"] == "FAILED" and r["execution_name"] == batch_id
    ]
    assert [r["step"] for r in failed][-1:] == [step], failed
    assert failed[-1]["error"], "the tracker must say why the step failed"
    return str(failed[-1]["error"])


def _replay_succeeds(deployment: Deployment, batch_id: str) -> None:
    name = replay(deployment.state_machine_arn, batch_id)
    execution = wait_for_execution(deployment.state_machine_arn, name)
    assert execution["status"] == "SUCCEEDED", execution


def _analytics_matches_silver(dsn: str) -> None:
    """The rebuilt analytics count exactly the current valid treatments."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        (in_silver,) = connection.execute(
            "select count(*) from silver.tbl_healthcare_analytics_data"
        ).fetchone()
        (by_type,) = connection.execute(
            "select sum(total_treatments) from analytics.summary_avg_treatment_cost"
        ).fetchone()
    assert by_type == in_silver


def test_a_failing_copy_fails_the_batch_and_a_replay_loads_it(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any, alert_inbox: Any
) -> None:
    deployment = reliability_deployment
    inbox = alert_inbox(deployment.alerts_topic_arn)
    changed = apply_changes(deployment, baseline.n)
    batch_id = make_batch(spark, deployment)
    s3 = boto3.client("s3")
    summary = json.loads(
        s3.get_object(Bucket=deployment.holding_bucket, Key=f"batches/{batch_id}/_batch.json")[
            "Body"
        ].read()
    )
    victim = next(f["key"] for f in summary["files"] if f["kind"] == "valid")
    original = s3.get_object(Bucket=deployment.holding_bucket, Key=victim)["Body"].read()
    s3.put_object(Bucket=deployment.holding_bucket, Key=victim, Body=b"PAR1 not parquet PAR1")
    before = checksums(deployment.dsn, ALL_SCHEMAS)

    release(deployment, [batch_id])
    _failed_by_failure_path(deployment, batch_id, "copy", inbox)
    assert changed_tables(before, checksums(deployment.dsn, ALL_SCHEMAS)) == []

    for bucket in (deployment.holding_bucket, deployment.silver_bucket):
        s3.put_object(Bucket=bucket, Key=victim, Body=original)
    _replay_succeeds(deployment, batch_id)
    assert_loaded(deployment.dsn, changed.items)


@contextlib.contextmanager
def _analytics_procedures_failing(dsn: str) -> Iterator[int]:
    """Replace every procedure of the analytics schema with one that raises; restore after."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        procedures = connection.execute(
            """
            select p.oid, n.nspname || '.' || p.proname,
                   pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
            from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
            where n.nspname = 'analytics' and p.prokind = 'p'
            """
        ).fetchall()
        assert procedures, "no analytics procedures found in the test warehouse"
        try:
            for _, name, arguments, _ in procedures:
                connection.execute(
                    f"create or replace procedure {name}({arguments}) language plpgsql as $$"
                    " begin raise exception 'injected fault: analytics rebuild failed'; end $$"
                )
            yield len(procedures)
        finally:
            for _, _, _, definition in procedures:
                connection.execute(definition)


def test_a_failing_analytics_rebuild_keeps_the_old_analytics(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any, alert_inbox: Any
) -> None:
    deployment = reliability_deployment
    inbox = alert_inbox(deployment.alerts_topic_arn)
    changed = apply_changes(deployment, baseline.n)
    batch_id = make_batch(spark, deployment)
    analytics_before = checksums(deployment.dsn, ("analytics",))

    with _analytics_procedures_failing(deployment.dsn):
        release(deployment, [batch_id])
        error = _failed_by_failure_path(deployment, batch_id, "analytics", inbox)
        assert "injected fault" in error
        assert changed_tables(analytics_before, checksums(deployment.dsn, ("analytics",))) == []
        assert_loaded(deployment.dsn, changed.items)  # gold had committed before analytics

    _replay_succeeds(deployment, batch_id)
    assert changed_tables(analytics_before, checksums(deployment.dsn, ("analytics",)))
    _analytics_matches_silver(deployment.dsn)


def test_a_lambda_timeout_fails_the_batch_and_a_replay_loads_it(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any, alert_inbox: Any
) -> None:
    deployment = reliability_deployment
    inbox = alert_inbox(deployment.alerts_topic_arn)
    changed = apply_changes(deployment, baseline.n)
    batch_id = make_batch(spark, deployment)
    lambdas = boto3.client("lambda")
    gold = deployment.function_name("gold")
    usual_timeout = lambdas.get_function_configuration(FunctionName=gold)["Timeout"]
    before = checksums(deployment.dsn, ("silver", "gold", "analytics"))

    lambdas.update_function_configuration(FunctionName=gold, Timeout=1)
    try:
        # The gold step blocks on a lock held by another session; the Lambda is killed at 1 s.
        with table_locked(deployment.dsn, "silver.tbl_healthcare_analytics_data"):
            release(deployment, [batch_id])
            error = _failed_by_failure_path(deployment, batch_id, "gold", inbox)
        assert "time" in error.lower(), error
    finally:
        lambdas.update_function_configuration(FunctionName=gold, Timeout=usual_timeout)
    assert changed_tables(before, checksums(deployment.dsn, ("silver", "gold", "analytics"))) == []

    _replay_succeeds(deployment, batch_id)
    assert_loaded(deployment.dsn, changed.items)
    _analytics_matches_silver(deployment.dsn)
