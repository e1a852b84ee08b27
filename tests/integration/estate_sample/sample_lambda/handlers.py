"""Sample Lambda handlers the estate tests deploy (never part of lambda_src/).

They reach the endpoint they run against through plain boto3 clients, as real handlers do.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any
from urllib.parse import unquote_plus

import boto3


class TransientError(Exception):
    """Stands for an error the state machine retries."""


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    print(f"echo called with marker {event.get('marker')}")
    return {
        "event": event,
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "memory_mb": context.memory_limit_in_mb,
        "log_group": context.log_group_name,
        "greeting": os.environ.get("GREETING"),
        "region": os.environ.get("AWS_REGION"),
    }


def fail(event: dict[str, Any], context: Any) -> None:
    raise ValueError(f"boom for {event.get('marker')}")


def sleep(event: dict[str, Any], context: Any) -> dict[str, Any]:
    print("going to sleep")
    time.sleep(float(event["seconds"]))
    return {"slept": event["seconds"]}


def flaky(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Fails with TransientError ``fail_times`` times per ``run_id``, then succeeds.

    Attempts are counted as objects in S3, since every invocation is a fresh process.
    """
    s3 = boto3.client("s3")
    prefix = f"attempts/{event['run_id']}/"
    s3.put_object(Bucket=event["bucket"], Key=f"{prefix}{uuid.uuid4().hex}", Body=b"")
    attempts = s3.list_objects_v2(Bucket=event["bucket"], Prefix=prefix).get("KeyCount", 0)
    if attempts <= int(event["fail_times"]):
        raise TransientError(f"attempt {attempts} fails on purpose")
    return {"attempts": attempts}


def on_s3_event(event: dict[str, Any], context: Any) -> None:
    """Writes one marker object per notified key into MARKER_BUCKET."""
    s3 = boto3.client("s3")
    for record in event["Records"]:
        key = unquote_plus(record["s3"]["object"]["key"])
        marker = f"markers/{key}/{context.aws_request_id}"
        s3.put_object(Bucket=os.environ["MARKER_BUCKET"], Key=marker, Body=b"")
        print(f"notified of {key}")
