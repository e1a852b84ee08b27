"""Batch ids, the watermark and the one-extract-at-a-time lock (``contracts/pipeline.md``).

The watermark and the lock are objects in the silver bucket, so a cluster run and a local run
see the same state. The lock is an S3 conditional put (``If-None-Match: *``): creating
``state/extract.lock`` succeeds for exactly one writer; it is deleted when the run ends and is
considered stale after ``lock_ttl_seconds`` (a crashed run), when the next run may take it over.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import boto3
from botocore.exceptions import ClientError

from treatment_jobs.config import JobConfig

BATCH_ID = re.compile(r"b\d{8}T\d{6}Z-[0-9a-f]{8}")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def new_batch_id(moment: datetime) -> str:
    """``b`` + UTC ``YYYYMMDDTHHMMSSZ`` + ``-`` + 8 lowercase hex; sorts in time order."""
    return f"b{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def format_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_ts(text: str) -> datetime:
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


@dataclass
class Watermark:
    """The greatest ``gsi_modified_at`` published (never later than that extraction's start)
    and the ``(treatment_id, gsi_modified_at)`` keys published within the overlap window."""

    cursor: str
    published_keys: list[tuple[str, str]] = field(default_factory=list)
    batch_id: str | None = None
    updated_at: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "schema_version": 1,
                "cursor": self.cursor,
                "published_keys": [list(k) for k in self.published_keys],
                "batch_id": self.batch_id,
                "updated_at": self.updated_at,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Watermark:
        data = json.loads(text)
        keys = [(str(k[0]), str(k[1])) for k in data.get("published_keys", [])]
        return cls(data["cursor"], keys, data.get("batch_id"), data.get("updated_at"))


def read_watermark(cfg: JobConfig) -> Watermark | None:
    client = boto3.client("s3")
    try:
        body = client.get_object(Bucket=cfg.silver_bucket, Key=cfg.watermark_key)["Body"].read()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None
        raise
    return Watermark.from_json(body.decode())


def next_watermark(
    previous: Watermark | None,
    cursor_to: str,
    window_keys: list[tuple[str, str]],
    overlap_seconds: int,
    batch_id: str,
) -> Watermark:
    """The watermark after publishing a batch read up to ``cursor_to`` (already capped at its
    extraction start); it never moves backwards and keeps the keys inside the overlap window."""
    cursor = max(cursor_to, previous.cursor) if previous is not None else cursor_to
    window_from = format_ts(parse_ts(cursor) - timedelta(seconds=overlap_seconds))
    keys = set(previous.published_keys if previous else []) | {(k[0], k[1]) for k in window_keys}
    kept = sorted(k for k in keys if k[1] >= window_from)
    return Watermark(cursor, kept, batch_id, format_ts(datetime.now(UTC)))


def write_watermark(cfg: JobConfig, watermark: Watermark) -> None:
    current = read_watermark(cfg)
    if current is not None and current.cursor > watermark.cursor:
        raise RuntimeError(f"watermark would move back from {current.cursor} to {watermark.cursor}")
    boto3.client("s3").put_object(
        Bucket=cfg.silver_bucket,
        Key=cfg.watermark_key,
        Body=watermark.to_json().encode(),
        ContentType="application/json",
    )


class ExtractLockedError(RuntimeError):
    """Another extract holds the lock."""


@contextmanager
def extract_lock(cfg: JobConfig, purpose: str) -> Iterator[None]:
    client = boto3.client("s3")
    now = datetime.now(UTC)
    body = json.dumps(
        {
            "owner": f"{socket.gethostname()}:{secrets.token_hex(4)}",
            "purpose": purpose,
            "acquired_at": format_ts(now),
        }
    ).encode()
    try:
        client.put_object(Bucket=cfg.silver_bucket, Key=cfg.lock_key, Body=body, IfNoneMatch="*")
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in (
            "PreconditionFailed",
            "ConditionalRequestConflict",
        ):
            raise
        held = client.get_object(Bucket=cfg.silver_bucket, Key=cfg.lock_key)
        age = (now - held["LastModified"]).total_seconds()
        if age < cfg.lock_ttl_seconds:
            holder = held["Body"].read().decode()
            raise ExtractLockedError(
                f"another extract holds s3://{cfg.silver_bucket}/{cfg.lock_key}: {holder}"
            ) from exc
        # Stale: its run crashed. Take it over only if it is still the same object.
        client.put_object(
            Bucket=cfg.silver_bucket, Key=cfg.lock_key, Body=body, IfMatch=held["ETag"]
        )
    try:
        yield
    finally:
        client.delete_object(Bucket=cfg.silver_bucket, Key=cfg.lock_key)
