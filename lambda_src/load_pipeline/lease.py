"""The load lease on S3: read, take, renew and release ``state/load.lease`` by conditional writes.

Only conditional requests change the object, so exactly one holder wins: taking a free lease is
a put with ``If-None-Match: *``, taking over or renewing one is a put with ``If-Match: <ETag of
the body read>``, releasing is a delete with ``If-Match`` after checking that the body still
names the releaser. A lost race answers ``PreconditionFailed`` (or ``ConditionalRequestConflict``
while another conditional write is in flight), which these functions report as "not taken" /
"not released". What the body holds and who may take it over: :mod:`load_pipeline.ordering`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from load_pipeline.ordering import HOLDER_MISSING, OPERATOR, Lease

LOST_RACE = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})
MISSING = frozenset({"NoSuchKey", "404"})


@dataclass(frozen=True)
class HeldLease:
    """The lease as read, with the ETag a conditional write must match."""

    lease: Lease
    etag: str


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def holder_status(held: Lease) -> str | None:
    """DescribeExecution's status of the lease's holding execution (``MISSING`` when it no
    longer exists; None for an operator holder)."""
    if held.execution_arn is None:
        return None
    client = boto3.client("stepfunctions")
    try:
        return str(client.describe_execution(executionArn=held.execution_arn)["status"])
    except client.exceptions.ExecutionDoesNotExist:
        return HOLDER_MISSING


def read(bucket: str, key: str, client: Any = None) -> HeldLease | None:
    s3 = client or boto3.client("s3")
    try:
        answer = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _code(exc) in MISSING:
            return None
        raise
    etag = str(answer["ETag"])
    try:
        return HeldLease(Lease.from_json(answer["Body"].read()), etag)
    except (ValueError, KeyError, TypeError):
        # Not ours to guess: a live holder nobody may take over, until an operator removes it
        # (docs/operations.md "When it is stuck"). Batches wait (and alarm); none fails.
        written = answer["LastModified"]
        return HeldLease(
            Lease(OPERATOR, f"unreadable lease {etag}", "unknown", written, written), etag
        )


def write(
    bucket: str, key: str, lease: Lease, *, replacing: str | None = None, client: Any = None
) -> str | None:
    """Put ``lease``: only if there is none (``replacing`` None) or only if the object is still
    the one with ETag ``replacing``. Its new ETag, or None when another writer won."""
    s3 = client or boto3.client("s3")
    condition = {"IfMatch": replacing} if replacing else {"IfNoneMatch": "*"}
    try:
        answer = s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=lease.to_json().encode(),
            ContentType="application/json",
            **condition,
        )
    except ClientError as exc:
        if _code(exc) in LOST_RACE or (replacing and _code(exc) in MISSING):
            return None
        raise
    return str(answer["ETag"])


def release(bucket: str, key: str, holder: str, client: Any = None) -> bool:
    """Delete the lease if it still names ``holder`` (and has not changed since read)."""
    s3 = client or boto3.client("s3")
    held = read(bucket, key, s3)
    if held is None or held.lease.holder != holder:
        return False
    try:
        s3.delete_object(Bucket=bucket, Key=key, IfMatch=held.etag)
    except ClientError as exc:
        if _code(exc) in LOST_RACE | MISSING:
            return False
        raise
    return True


def release_after_step(bucket: str | None, key: str | None, holder: str) -> str:
    """What analytics (on success) and the failure path call: release the lease if ``holder``
    still holds it. Never raises — a lease left behind names an ended execution, which the next
    gate takes over — so it returns what happened: released / not held / not configured / error.
    """
    if not bucket or not key:
        return "not configured"
    try:
        return "released" if release(bucket, key, holder) else "not held"
    except Exception as exc:  # the batch's outcome must not depend on the release
        return f"error: {type(exc).__name__}"
