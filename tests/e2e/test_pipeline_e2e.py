"""The whole pipeline on the local estate at a small N: DynamoDB → Spark first half → S3 event →
Step Functions → Lambdas → warehouse, checked against values computed from the items.

One deployment per test session (env ``t<hex>``, a fresh migrated warehouse database); the
tests run in file order and build on each other's batches: full → incremental → a failing
procedure (Catch, tracker, SNS, nothing changed) → a later batch held until the failed one is
replayed → a replay that leaves every table identical.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import boto3
import psycopg
import pytest
from fixtures.pipeline import (
    alert_messages,
    execution_names,
    finished,
    wait_for_new_execution,
)
from fixtures.warehouse import fetch, snapshot

from e2e.expected_analytics import expected_tables
from healthetl.pipeline import executions
from healthetl.report.data import ANALYTICS_COLUMNS
from healthetl.source import bad_items, changes, generator, loader
from healthetl.source.world import World

pytestmark = [pytest.mark.e2e, pytest.mark.spark]

SEED = 11
N = 1_500
FAULTY_PROCEDURE = "gold.load_fact_treatments"


@dataclass
class Source:
    """What the warehouse should hold: the current valid version of every treatment."""

    table: str
    valid: dict[int, dict[str, Any]]
    invalid_count: int
    round_no: int = 0

    def apply_round(self) -> changes.RoundResult:
        self.round_no += 1
        client = loader.dynamodb_client()
        plan = changes.plan_round(SEED, N, self.round_no)
        current = changes.fetch_items(client, self.table, plan.changed_ids)
        result = changes.build_round(SEED, N, self.round_no, current, loader.utc_now_text())
        loader.load_items(result.items, self.table, total=len(result.items), show_progress=False)
        return result


@pytest.fixture(scope="module")
def source(deployed_pipeline: Any) -> Source:
    table = deployed_pipeline.table_name
    items = list(generator.iter_items(SEED, N, World(SEED, N)))
    loader.load_items(items, table, total=N, show_progress=False)
    built = bad_items.build_bad_items()
    loader.load_items([item for item, _ in built], table, total=len(built), show_progress=False)
    valid = {int(i["treatment_id"]["N"]): i for i in items}
    valid.update({int(i["treatment_id"]["N"]): i for i, case in built if not case.rules})
    return Source(table, valid, sum(1 for _, case in built if case.rules))


@pytest.fixture(scope="module")
def job_config(deployed_pipeline: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from treatment_jobs.config import from_facts

    return from_facts(env=deployed_pipeline.env, lake_dir=tmp_path_factory.mktemp("lake"))


def publish_batch(spark: Any, job_config: Any, machine_arn: str) -> tuple[str, str]:
    """Spark first half; returns (batch id, name of the execution its S3 event started)."""
    from treatment_jobs.jobs import run_first_half

    known = execution_names(machine_arn)
    result = run_first_half(spark, job_config)
    assert result.extract is not None and result.publish is not None
    return result.extract.batch_id, wait_for_new_execution(machine_arn, known)


def analytics_rows(dsn: str) -> dict[str, set[tuple[Any, ...]]]:
    return {
        table: set(fetch(dsn, f"select {', '.join(cols)} from analytics.{table}"))
        for table, cols in ANALYTICS_COLUMNS.items()
    }


def tracker(dsn: str, execution_name: str) -> list[tuple[Any, ...]]:
    return fetch(
        dsn,
        "select step, status, reconciliation, source_count, destination_count"
        " from gold.etl_tracker where execution_name = %s order by started_at, step",
        [execution_name],
    )


@pytest.fixture(scope="module")
def full_load(spark: Any, deployed_pipeline: Any, job_config: Any, source: Source) -> Any:
    batch_id, name = publish_batch(spark, job_config, deployed_pipeline.machine_arn)
    return batch_id, name, finished(deployed_pipeline.machine_arn, name)


def test_full_load_succeeds_and_reconciles(deployed_pipeline: Any, full_load: Any, source: Source):
    batch_id, name, described = full_load
    assert name == batch_id
    assert described["status"] == "SUCCEEDED"
    steps = tracker(deployed_pipeline.warehouse_dsn, name)
    assert [(s[0], s[1], s[2]) for s in steps] == [
        ("copy", "SUCCEEDED", "MATCH"),
        ("gold", "SUCCEEDED", "MATCH"),
        ("analytics", "SUCCEEDED", "MATCH"),
    ]
    assert steps[1][3] == len(source.valid)
    (rejected,) = fetch(
        deployed_pipeline.warehouse_dsn,
        "select count(*) from silver.rejected_treatments where batch_id = %s",
        [batch_id],
    )[0]
    assert rejected == source.invalid_count


def test_analytics_equal_values_computed_from_the_items(
    deployed_pipeline: Any, full_load: Any, source: Source
) -> None:
    assert analytics_rows(deployed_pipeline.warehouse_dsn) == expected_tables(source.valid.values())


def _s3_event(bucket: str, key: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-26T10:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "batch-summary",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": key, "size": 1, "eTag": "0", "sequencer": "0"},
                },
            }
        ]
    }


def _invoke_trigger(deployed_pipeline: Any, key: str) -> dict[str, Any]:
    response = boto3.client("lambda").invoke(
        FunctionName=deployed_pipeline.function_names["trigger"],
        Payload=json.dumps(_s3_event(deployed_pipeline.silver_bucket, key)).encode(),
    )
    assert "FunctionError" not in response
    return json.loads(response["Payload"].read())


def test_the_same_event_twice_starts_one_execution(deployed_pipeline: Any, full_load: Any):
    batch_id = full_load[0]
    # URL-encoded as S3 sends it (no character here needs encoding, so it is the same key).
    key = f"batches/{batch_id}/_batch.json"
    for _ in range(2):
        assert _invoke_trigger(deployed_pipeline, key) == {"executions": {batch_id: "exists"}}
    runs = [e for e in executions.list_executions(deployed_pipeline.machine_arn)]
    assert [e.name for e in runs if e.batch_id == batch_id] == [batch_id]


def test_any_other_object_starts_nothing(deployed_pipeline: Any, full_load: Any) -> None:
    batch_id = full_load[0]
    before = execution_names(deployed_pipeline.machine_arn)
    for key in (f"batches/{batch_id}/valid.manifest", "state/watermark.json", "x_batch.json"):
        assert _invoke_trigger(deployed_pipeline, key) == {"executions": {}}
    assert execution_names(deployed_pipeline.machine_arn) == before


@pytest.fixture(scope="module")
def incremental_load(
    spark: Any, deployed_pipeline: Any, job_config: Any, source: Source, full_load: Any
) -> Any:
    result = source.apply_round()
    batch_id, name = publish_batch(spark, job_config, deployed_pipeline.machine_arn)
    source.valid.update({int(i["treatment_id"]["N"]): i for i in result.items})
    return batch_id, result, finished(deployed_pipeline.machine_arn, name)


def test_incremental_moves_exactly_the_changed_treatments(
    deployed_pipeline: Any, incremental_load: Any, source: Source
) -> None:
    batch_id, result, described = incremental_load
    assert described["status"] == "SUCCEEDED"
    changed = {int(i["treatment_id"]["N"]) for i in result.items}
    moved = fetch(
        deployed_pipeline.warehouse_dsn,
        "select treatment_id from silver.tbl_healthcare_analytics_data where batch_id = %s",
        [batch_id],
    )
    assert {r[0] for r in moved} == changed
    assert analytics_rows(deployed_pipeline.warehouse_dsn) == expected_tables(source.valid.values())


def _replace_procedure_with_a_failing_one(dsn: str) -> str:
    """Fault injection from outside the product: the procedure raises; returns its definition."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        oid = conn.execute("select %s::regproc::oid", [FAULTY_PROCEDURE]).fetchone()[0]
        original, arguments = conn.execute(
            "select pg_get_functiondef(%s), pg_get_function_arguments(%s)", [oid, oid]
        ).fetchone()
        conn.execute(
            f"create or replace procedure {FAULTY_PROCEDURE}({arguments}) language plpgsql"
            " as $$ begin raise exception 'injected fault in the fact load'; end $$"
        )
    return str(original)


@pytest.fixture(scope="module")
def failed_load(
    spark: Any, deployed_pipeline: Any, job_config: Any, source: Source, incremental_load: Any
) -> Any:
    dsn = deployed_pipeline.warehouse_dsn
    before = snapshot(dsn)
    original = _replace_procedure_with_a_failing_one(dsn)
    result = source.apply_round()
    batch_id, name = publish_batch(spark, job_config, deployed_pipeline.machine_arn)
    described = finished(deployed_pipeline.machine_arn, name)
    after = snapshot(dsn)
    return batch_id, result, described, before, after, original


def test_a_failing_procedure_fails_the_execution_through_catch(
    deployed_pipeline: Any, failed_load: Any
) -> None:
    batch_id, _, described, before, after, _ = failed_load
    assert described["status"] == "FAILED"
    history = boto3.client("stepfunctions").get_execution_history(
        executionArn=described["executionArn"], maxResults=1000
    )["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    assert entered[-3:] == ["GoldFailed", "OnFailure", "LoadFailed"]
    assert "Analytics" not in entered
    steps = tracker(deployed_pipeline.warehouse_dsn, batch_id)
    assert ("gold", "FAILED") in [(s[0], s[1]) for s in steps]
    assert ("gold", "SUCCEEDED") not in [(s[0], s[1]) for s in steps]
    alerts = [
        m for m in alert_messages(deployed_pipeline.alerts_queue_url) if m["batch_id"] == batch_id
    ]
    assert alerts and alerts[0]["failed_step"] == "gold"
    assert after == before  # silver, gold and analytics exactly as before the batch


@pytest.fixture(scope="module")
def held_then_released(
    spark: Any, deployed_pipeline: Any, job_config: Any, source: Source, failed_load: Any
) -> Any:
    """A later batch waits at the gate while the failed one is unresolved; replaying the failed
    batch (procedure restored) releases it."""
    machine = deployed_pipeline.machine_arn
    failed_batch, failed_round, _, _, _, original = failed_load
    later_round = source.apply_round()
    _later_batch, later_name = publish_batch(spark, job_config, machine)
    client = boto3.client("stepfunctions")
    arn = executions.execution_arn(machine, later_name)

    def gate_refusals() -> int:
        events = client.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        outputs = [
            json.loads(e["lambdaFunctionSucceededEventDetails"]["output"])
            for e in events
            if e["type"] == "LambdaFunctionSucceeded"
        ]
        return sum(1 for o in outputs if o.get("proceed") is False)

    deadline = time.monotonic() + 60
    while gate_refusals() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    held_status = client.describe_execution(executionArn=arn)["status"]
    refusals = gate_refusals()
    with psycopg.connect(deployed_pipeline.warehouse_dsn, autocommit=True) as conn:
        conn.execute(original)
    replay_name = executions.replay(machine, failed_batch)
    replayed = finished(machine, replay_name)
    later = finished(machine, later_name)
    for round_result in (failed_round, later_round):
        source.valid.update({int(i["treatment_id"]["N"]): i for i in round_result.items})
    return held_status, refusals, replay_name, replayed, later


def test_a_failed_batch_holds_later_ones_until_replayed(held_then_released: Any) -> None:
    held_status, refusals, replay_name, replayed, later = held_then_released
    assert held_status == "RUNNING" and refusals >= 2
    assert replay_name.endswith("-r1")
    assert replayed["status"] == "SUCCEEDED"
    assert later["status"] == "SUCCEEDED"
    assert later["startDate"] < replayed["stopDate"] < later["stopDate"]


def test_after_the_replay_analytics_match_the_items(
    deployed_pipeline: Any, held_then_released: Any, source: Source
) -> None:
    assert analytics_rows(deployed_pipeline.warehouse_dsn) == expected_tables(source.valid.values())


def test_replaying_a_batch_leaves_every_table_identical(
    deployed_pipeline: Any, incremental_load: Any, held_then_released: Any
) -> None:
    dsn = deployed_pipeline.warehouse_dsn
    before = snapshot(dsn)
    name = executions.replay(deployed_pipeline.machine_arn, incremental_load[0])
    assert finished(deployed_pipeline.machine_arn, name)["status"] == "SUCCEEDED"
    assert snapshot(dsn) == before
    assert [s[1] for s in tracker(dsn, name)] == ["SUCCEEDED"] * 3
