"""What every extract does first, under its lock: bring the watermark up to date.

1. Crash completion: a batch whose ``_batch.json`` exists but whose watermark change the
   watermark does not include yet (its run died between the two) has its change applied, so the
   same versions are never published again under a new id.
2. Skips: a batch an operator skipped (``state/skipped/<batch_id>``) and not yet re-queued has
   its versions removed from the recorded ones and its ids put on the re-read list, so this
   extract loads or rejects their current versions anew.

Both write the watermark conditionally on the version read; what they did is returned so the
extract can report it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import boto3
import pyarrow.parquet as pq

from treatment_jobs.config import JobConfig
from treatment_jobs.state import (
    BATCH_ID,
    Watermark,
    apply_change,
    id_order,
    read_change,
    read_watermark_versioned,
    requeue_skipped,
    write_watermark,
)


@dataclass
class CaughtUp:
    watermark: Watermark | None
    completed: list[str] = field(default_factory=list)  # batches whose change was applied
    requeued: dict[str, int] = field(default_factory=dict)  # skipped batch -> ids re-queued


def _object_exists(client, bucket: str, key: str) -> bool:
    return bool(client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("KeyCount"))


def published_batches_after(cfg: JobConfig, batch_id: str | None) -> list[str]:
    """Batch ids under ``batches/`` later than ``batch_id`` whose ``_batch.json`` exists."""
    client = boto3.client("s3")
    start_after = f"{cfg.batch_prefix(batch_id)}~" if batch_id else cfg.batches_prefix
    found: list[str] = []
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=cfg.silver_bucket, Prefix=cfg.batches_prefix, Delimiter="/", StartAfter=start_after
    )
    for page in pages:
        for prefix in page.get("CommonPrefixes", []):
            candidate = prefix["Prefix"][len(cfg.batches_prefix) :].rstrip("/")
            if BATCH_ID.fullmatch(candidate) and (batch_id is None or candidate > batch_id):
                found.append(candidate)
    return [
        b
        for b in sorted(found)
        if _object_exists(
            client, cfg.silver_bucket, f"{cfg.batch_prefix(b)}{cfg.batch_summary_name}"
        )
    ]


def skipped_batches(cfg: JobConfig) -> list[str]:
    client = boto3.client("s3")
    names: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=cfg.silver_bucket, Prefix=cfg.skipped_batches_prefix
    ):
        names += [o["Key"][len(cfg.skipped_batches_prefix) :] for o in page.get("Contents", [])]
    return sorted(n for n in names if BATCH_ID.fullmatch(n))


def batch_treatment_ids(cfg: JobConfig, batch_id: str) -> list[str]:
    """Every treatment id a published batch carries (its valid and rejected Parquet files)."""
    client = boto3.client("s3")
    prefix = cfg.batch_prefix(batch_id)
    ids: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=cfg.silver_bucket, Prefix=prefix
    ):
        for entry in page.get("Contents", []):
            if not entry["Key"].endswith(".parquet"):
                continue
            body = client.get_object(Bucket=cfg.silver_bucket, Key=entry["Key"])["Body"].read()
            column = pq.read_table(io.BytesIO(body), columns=["treatment_id"]).column(0)
            ids |= {str(v) for v in column.to_pylist() if v is not None}
    return sorted(ids, key=id_order)


def catch_up(cfg: JobConfig, now: datetime | None = None) -> CaughtUp:
    """Apply pending batch changes, then re-queue new skips; returns the watermark to extract
    from (None before the first publication)."""
    now = now or datetime.now(UTC)
    watermark, etag = read_watermark_versioned(cfg)
    result = CaughtUp(watermark)
    for batch_id in published_batches_after(cfg, watermark.batch_id if watermark else None):
        change = read_change(cfg, batch_id)
        if change is None:
            continue  # a re-transform: it carries no watermark change
        watermark = apply_change(watermark, change, cfg.overlap_seconds, now)
        result.completed.append(batch_id)
    if watermark is not None:
        for batch_id in skipped_batches(cfg):
            if batch_id in watermark.skips_applied:
                continue
            ids = batch_treatment_ids(cfg, batch_id)
            watermark = requeue_skipped(watermark, batch_id, ids)
            result.requeued[batch_id] = len(ids)
    if result.completed or result.requeued:
        assert watermark is not None
        write_watermark(cfg, watermark, etag)
    result.watermark = watermark
    return result
