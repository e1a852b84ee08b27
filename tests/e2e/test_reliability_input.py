"""Bad input at scale and the order of versions.

- ~1 % bad items (the source area's rule-breaking cases) mixed into the baseline's N items:
  every one is quarantined with exactly its rules, counts reconcile (valid + rejected =
  extracted) in `_batch.json`, the tracker and silver, and no bad item reaches gold.
- An older version of a treatment arriving after a newer one never wins.
- A malformed `_batch.json` fails the copy step through the failure path (FAILED tracker row,
  alert) and changes nothing; the producer's own file then loads on replay. (Each malformed
  variant: tests/integration/test_copy_batch_checks.py.)
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import psycopg
import pytest

from e2e.reliability_batches import Baseline, Deployment, apply_changes, make_batch, release
from e2e.reliability_support import (
    assert_loaded,
    changed_tables,
    checksums,
    item_version,
    replay,
    silver_versions,
    tracker_rows,
    wait_for_execution,
)

pytestmark = pytest.mark.e2e
pytest_plugins = ("e2e.reliability_fixtures",)


def _summary(deployment: Deployment, batch_id: str) -> dict[str, Any]:
    body = boto3.client("s3").get_object(
        Bucket=deployment.silver_bucket, Key=f"batches/{batch_id}/_batch.json"
    )["Body"]
    return json.loads(body.read())


def test_bad_items_are_all_quarantined_with_their_rules_and_counts_reconcile(
    reliability_deployment: Deployment, baseline: Baseline
) -> None:
    deployment = reliability_deployment
    invalid = {i: rules for i, rules in baseline.expected_rules.items() if rules}
    edge_cases = [i for i, rules in baseline.expected_rules.items() if not rules]
    assert len(invalid) >= baseline.n // 100

    summary = _summary(deployment, baseline.batch_id)
    assert summary["valid"] + summary["rejected"] == summary["extracted"]
    assert summary["extracted"] == baseline.n + len(baseline.expected_rules)
    assert summary["rejected"] == len(invalid)

    with psycopg.connect(deployment.dsn, autocommit=True) as connection:
        quarantined = dict(
            connection.execute(
                "select treatment_id, broken_rules from silver.rejected_treatments"
                " where batch_id = %s",
                (baseline.batch_id,),
            ).fetchall()
        )
        (in_silver,) = connection.execute(
            "select count(*) from silver.tbl_healthcare_analytics_data where batch_id = %s",
            (baseline.batch_id,),
        ).fetchone()
        (bad_in_gold,) = connection.execute(
            "select count(*) from silver.tbl_healthcare_analytics_data"
            " where treatment_id = any(%s)",
            (list(invalid),),
        ).fetchone()
    # R7 items are keyed by their treatment_id attribute: that is what the quarantine records.
    assert quarantined == invalid
    assert in_silver + len(quarantined) <= summary["extracted"]
    assert bad_in_gold == 0
    assert set(silver_versions(deployment.dsn, edge_cases)) == set(edge_cases)
    copy_row = next(
        r for r in tracker_rows(deployment.dsn, baseline.batch_id) if r["step"] == "copy"
    )
    assert copy_row["reconciliation"] == "MATCH"


def test_an_older_version_arriving_after_a_newer_one_never_wins(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any
) -> None:
    deployment = reliability_deployment
    dynamodb = boto3.client("dynamodb")
    # Treatments whose current version is later than their first (so an older one exists).
    current: dict[int, dict[str, Any]] = {}
    for treatment_id in range(1, baseline.n + 1):
        item = dynamodb.get_item(
            TableName=deployment.table_name, Key={"treatment_id": {"N": str(treatment_id)}}
        )["Item"]
        metadata = item["metadata"]["M"]
        if metadata["added_at"]["S"] < metadata["modified_at"]["S"]:
            current[treatment_id] = item
        if len(current) == 3:
            break
    ids = sorted(current)
    loaded = silver_versions(deployment.dsn, ids)
    assert {i: item_version(current[i])[0] for i in ids} == {
        i: loaded[i][0].strftime("%Y-%m-%dT%H:%M:%SZ") for i in ids
    }
    before = checksums(deployment.dsn)

    # A stale writer re-sends each item as it was a day before, with another cost.
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for item in current.values():
        stale = copy.deepcopy(item)
        metadata = stale["metadata"]["M"]
        modified = datetime.strptime(metadata["modified_at"]["S"], "%Y-%m-%dT%H:%M:%SZ")
        added = datetime.strptime(metadata["added_at"]["S"], "%Y-%m-%dT%H:%M:%SZ")
        older = max(added, modified - timedelta(days=1))  # strictly before `modified`
        metadata["modified_at"] = {"S": older.strftime("%Y-%m-%dT%H:%M:%SZ")}
        stale["treatment"]["M"]["cost"] = {"N": "1.23"}
        stale["gsi_modified_at"] = {"S": now}
        stale["gsi_modified_day"] = {"S": now[:10]}
        dynamodb.put_item(TableName=deployment.table_name, Item=stale)

    batch_id = make_batch(spark, deployment)
    release(deployment, [batch_id])
    assert wait_for_execution(deployment.state_machine_arn, batch_id)["status"] == "SUCCEEDED"
    summary = _summary(deployment, batch_id)
    assert summary["extracted"] == len(ids)

    assert silver_versions(deployment.dsn, ids) == loaded
    assert changed_tables(before, checksums(deployment.dsn)) == []


def test_a_malformed_batch_summary_fails_the_copy_step_alerts_and_changes_nothing(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any, alert_inbox: Any
) -> None:
    """`_batch.json` without its counts and manifests (once taken as 0 and none, so the batch
    "succeeded" having loaded nothing)."""
    deployment = reliability_deployment
    inbox = alert_inbox(deployment.alerts_topic_arn)
    changed = apply_changes(deployment, baseline.n)
    batch_id = make_batch(spark, deployment)
    s3, key = boto3.client("s3"), f"batches/{batch_id}/_batch.json"
    produced = s3.get_object(Bucket=deployment.holding_bucket, Key=key)["Body"].read()
    malformed = json.loads(produced)
    for field in ("valid", "rejected", "manifests"):
        del malformed[field]
    s3.put_object(Bucket=deployment.holding_bucket, Key=key, Body=json.dumps(malformed).encode())
    schemas = ("staging", "silver", "gold", "analytics")
    before = checksums(deployment.dsn, schemas)

    release(deployment, [batch_id])
    execution = wait_for_execution(deployment.state_machine_arn, batch_id)
    assert execution["status"] == "FAILED", execution
    alert = inbox.wait_for(batch_id)
    assert (alert["failed_step"], alert["error"]) == ("copy", "WarehouseDataError"), alert
    assert f"batch {batch_id}: _batch.json does not follow schema v" in alert["cause"], alert
    assert "'valid' is a required property" in alert["cause"], alert
    (failed,) = [
        r for r in tracker_rows(deployment.dsn, batch_id) if r["execution_name"] == batch_id
    ]
    assert (failed["step"], failed["status"]) == ("copy", "FAILED"), failed
    assert "'rejected' is a required property" in failed["error"], failed
    assert changed_tables(before, checksums(deployment.dsn, schemas)) == []

    # The producer's own _batch.json loads on replay (and later batches are not held).
    s3.put_object(Bucket=deployment.silver_bucket, Key=key, Body=produced)
    replayed = wait_for_execution(
        deployment.state_machine_arn, replay(deployment.state_machine_arn, batch_id)
    )
    assert replayed["status"] == "SUCCEEDED", replayed
    assert_loaded(deployment.dsn, changed.items)
