"""The copy step through the estate's S3: manifest and Parquet read with boto3, streamed into
PostgreSQL with COPY FROM STDIN, keys resolved against the silver bucket as on AWS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from fixtures.warehouse import copy_plan, fetch, treatment_row, write_local_batch
from load_pipeline import steps
from warehouse_seam import WarehouseDataError, connect

pytestmark = pytest.mark.integration

B1 = "b20240402T000000Z-0000c0de"


def publish(bucket: str, local: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """Upload the local batch under batches/<id>/ with s3:// manifests, like the publisher."""
    s3 = boto3.client("s3")
    keys: dict[str, str | None] = {"valid": None, "rejected": None}
    for kind in ("valid", "rejected"):
        if not summary["manifests"][kind]:
            continue
        entries = []
        for part in sorted((local / "batches" / B1 / kind).glob("*.parquet")):
            key = f"batches/{B1}/{kind}/{part.name}"
            s3.put_object(Bucket=bucket, Key=key, Body=part.read_bytes())
            entries.append(
                {
                    "url": f"s3://{bucket}/{key}",
                    "mandatory": True,
                    "meta": {"content_length": part.stat().st_size},
                }
            )
        keys[kind] = f"batches/{B1}/{kind}.manifest"
        s3.put_object(Bucket=bucket, Key=keys[kind], Body=json.dumps({"entries": entries}))
    return {**summary, "manifests": keys}


def test_copy_gold_analytics_from_s3(
    estate: Any,
    unique_name: Callable[[str], str],
    make_warehouse_database: Callable[[], str],
    tmp_path: Path,
) -> None:
    bucket = unique_name("hca-test-silver")
    boto3.client("s3").create_bucket(Bucket=bucket)
    rows = [treatment_row(i, B1, provider_id=i % 3 + 1) for i in range(1, 51)]
    summary = publish(bucket, tmp_path, write_local_batch(tmp_path, B1, rows, files=3))
    dsn = make_warehouse_database()

    with connect(dsn) as wh:
        copy = steps.run_copy_step(
            wh,
            batch_id=B1,
            execution_name=B1,
            attempt=1,
            plan=copy_plan(summary, bucket),
        )
        steps.run_gold_step(wh, batch_id=B1, execution_name=B1, attempt=1)
        steps.run_analytics_step(wh, batch_id=B1, execution_name=B1, attempt=1)
    assert (copy.reconciliation, copy.destination_count) == ("MATCH", 50)
    assert fetch(dsn, "select sum(total_treatments) from analytics.provider_treatment_rank") == [
        (50,)
    ]

    # A manifest naming a missing mandatory object fails as a data error, staging untouched.
    s3 = boto3.client("s3")
    s3.put_object(
        Bucket=bucket,
        Key="batches/missing.manifest",
        Body=json.dumps({"entries": [{"url": f"s3://{bucket}/nope.parquet", "mandatory": True}]}),
    )
    broken = {**summary, "manifests": {"valid": "batches/missing.manifest", "rejected": None}}
    with connect(dsn) as wh, pytest.raises(WarehouseDataError, match="not found"):
        steps.run_copy_step(
            wh,
            batch_id=B1,
            execution_name=B1,
            attempt=2,
            plan=copy_plan(broken, bucket),
        )
    assert fetch(dsn, "select count(*) from staging.treatments") == [(50,)]
