"""A crash between the data files and `_batch.json`: the publish dies (injected from outside:
the S3 PUT of `_batch.json` fails) after uploading the Parquet files and manifests. No
execution starts for that batch, the watermark does not move, and the next extract republishes
the same changes in a new batch: nothing lost, nothing doubled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import psycopg
import pytest

from e2e.reliability_batches import Baseline, Deployment, apply_changes, make_batch, release
from e2e.reliability_support import assert_loaded, executions_of, wait_for_execution

pytestmark = pytest.mark.e2e
pytest_plugins = ("e2e.reliability_fixtures",)


class InjectedCrashError(RuntimeError):
    pass


@pytest.fixture
def batch_summary_put_fails() -> Iterator[list[str]]:
    """Every S3 PutObject of a `_batch.json` made from this process raises (a crash there)."""
    refused: list[str] = []

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if str(params.get("Key", "")).endswith("/_batch.json"):
            refused.append(params["Key"])
            raise InjectedCrashError(f"crash before {params['Key']} was written")

    events = boto3._get_default_session().events
    events.register("before-parameter-build.s3.PutObject", refuse, unique_id="reliability-crash")
    try:
        yield refused
    finally:
        events.unregister("before-parameter-build.s3.PutObject", unique_id="reliability-crash")


def _watermark(deployment: Deployment) -> bytes:
    key = deployment.job_config(silver_bucket=deployment.holding_bucket).watermark_key
    return boto3.client("s3").get_object(Bucket=deployment.holding_bucket, Key=key)["Body"].read()


def test_a_crash_before_the_batch_summary_loses_and_doubles_nothing(
    reliability_deployment: Deployment,
    baseline: Baseline,
    spark: Any,
    batch_summary_put_fails: list[str],
) -> None:
    deployment = reliability_deployment
    changed = apply_changes(deployment, baseline.n)
    watermark_before = _watermark(deployment)

    with pytest.raises(InjectedCrashError):
        make_batch(spark, deployment)
    (refused_key,) = batch_summary_put_fails
    crashed = refused_key.split("/")[1]
    boto3._get_default_session().events.unregister(
        "before-parameter-build.s3.PutObject", unique_id="reliability-crash"
    )
    assert _watermark(deployment) == watermark_before

    # What the crashed publish left (data files, manifests) reaches the silver bucket: nothing
    # there is a _batch.json, so nothing may start.
    release(deployment, [crashed])
    silver = boto3.client("s3").list_objects_v2(
        Bucket=deployment.silver_bucket, Prefix=f"batches/{crashed}/"
    )
    keys = [o["Key"] for o in silver.get("Contents", [])]
    assert keys and not any(k.endswith("_batch.json") for k in keys)

    republished = make_batch(spark, deployment)
    assert republished != crashed
    release(deployment, [republished])
    execution = wait_for_execution(deployment.state_machine_arn, republished)
    assert execution["status"] == "SUCCEEDED", execution
    assert executions_of(deployment.state_machine_arn, crashed) == []
    assert_loaded(deployment.dsn, changed.items)
    with psycopg.connect(deployment.dsn, autocommit=True) as connection:
        (doubled,) = connection.execute(
            "select count(*) from (select treatment_id from silver.tbl_healthcare_analytics_data"
            " group by treatment_id having count(*) > 1) as d"
        ).fetchone()
    assert doubled == 0
