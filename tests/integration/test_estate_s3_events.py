"""An S3 object matching the notification filter invokes the Lambda once, asynchronously."""

from __future__ import annotations

import boto3
import pytest

from healthetl.estate import deploy
from healthetl.estate.deploy import wait_for

pytestmark = pytest.mark.integration


def _markers(s3, bucket: str, key: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"markers/{key}/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_batch_summary_triggers_the_lambda_once_and_other_objects_nothing(
    deploy_sample_function, unique_name
) -> None:
    s3 = boto3.client("s3")
    data_bucket, marker_bucket = unique_name("silver"), unique_name("markers")
    deploy.ensure_bucket(data_bucket)
    deploy.ensure_bucket(marker_bucket)
    arn = deploy_sample_function("on_s3_event", environment={"MARKER_BUCKET": marker_bucket})
    deploy.configure_notification(data_bucket, arn, prefix="batches/", suffix="_batch.json")

    ignored = "batches/b1 x/valid/part-0.parquet"
    s3.put_object(Bucket=data_bucket, Key=ignored, Body=b"not a summary")
    first = "batches/b1 x/_batch.json"  # a space: event keys arrive URL-encoded, as on AWS
    s3.put_object(Bucket=data_bucket, Key=first, Body=b"{}")
    assert wait_for(lambda: _markers(s3, marker_bucket, first), timeout=20)

    # A second summary: once its marker exists, the first one's invocation has long finished.
    second = "batches/b2/_batch.json"
    s3.put_object(Bucket=data_bucket, Key=second, Body=b"{}")
    assert wait_for(lambda: _markers(s3, marker_bucket, second), timeout=20)
    assert len(_markers(s3, marker_bucket, first)) == 1
    assert _markers(s3, marker_bucket, ignored) == []
    outside_prefix = "elsewhere/_batch.json"
    s3.put_object(Bucket=data_bucket, Key=outside_prefix, Body=b"{}")
    third = "batches/b3/_batch.json"
    s3.put_object(Bucket=data_bucket, Key=third, Body=b"{}")
    assert wait_for(lambda: _markers(s3, marker_bucket, third), timeout=20)
    assert _markers(s3, marker_bucket, outside_prefix) == []
