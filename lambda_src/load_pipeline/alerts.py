"""Publishing a batch failure to the alerts SNS topic, and deferring its tracker record.

The alert is published even when the warehouse cannot be reached; the tracker row is then kept
as a JSON object under the silver bucket's deferred-failures prefix and written, marked as
deferred, by the next copy step or failure path that reaches the warehouse
(``flush_deferred_failures``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
from warehouse_seam import Warehouse

from load_pipeline import steps


def publish_alert(topic_arn: str, *, subject: str, message: dict[str, Any]) -> str:
    response = boto3.client("sns").publish(
        TopicArn=topic_arn,
        Subject=subject[:100],
        Message=json.dumps(message, default=str, sort_keys=True),
        MessageAttributes={
            "batch_id": {"DataType": "String", "StringValue": str(message.get("batch_id"))},
            "failed_step": {"DataType": "String", "StringValue": str(message.get("failed_step"))},
        },
    )
    return str(response["MessageId"])


def defer_failure_record(bucket: str, prefix: str, record: dict[str, Any]) -> str:
    key = f"{prefix}{record['execution_name']}-{record['step']}.json"
    body = {**record, "deferred_at": datetime.now(UTC).isoformat(timespec="seconds")}
    boto3.client("s3").put_object(
        Bucket=bucket, Key=key, Body=json.dumps(body, sort_keys=True).encode()
    )
    return key


def list_deferred_failures(bucket: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    s3 = boto3.client("s3")
    found: list[tuple[str, dict[str, Any]]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            found.append((obj["Key"], json.loads(body)))
    return found


def delete_deferred_failure(bucket: str, key: str) -> None:
    boto3.client("s3").delete_object(Bucket=bucket, Key=key)


def flush_deferred_failures(warehouse: Warehouse, bucket: str | None, prefix: str) -> int:
    """Write every deferred record as its FAILED row (marked, one short transaction each), then
    delete its object; idempotent per attempt, so a record whose delete failed is not doubled.
    Without a silver bucket nothing can have been deferred."""
    if bucket is None:
        return 0
    written = 0
    for key, record in list_deferred_failures(bucket, prefix):
        record.pop("deferred_at", None)
        steps.record_failed_step(warehouse, **record, deferred=True)
        delete_deferred_failure(bucket, key)
        written += 1
    return written
