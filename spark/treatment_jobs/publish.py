"""Publish: silver Parquet → ``s3://<silver>/batches/<id>/``, manifests, the batch's watermark
change (``_watermark.json``), ``_batch.json`` last, then the watermark (``contracts/pipeline.md``).

Order is what makes a crash harmless: until ``_batch.json`` exists nothing triggers the load
and the watermark has not moved, so the next run re-reads the same versions into a new batch;
once it exists, its change is on S3 beside it, and the next run applies it before extracting
(``catch_up``) when this run died before the watermark.
Locally the part files are uploaded with boto3; when the transform wrote them straight into
the silver bucket (a cluster with ``s3://``), they are only listed and checksummed.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pyarrow.parquet as pq

from treatment_jobs import storage
from treatment_jobs.config import JobConfig
from treatment_jobs.state import (
    apply_change,
    format_ts,
    read_watermark_versioned,
    write_change,
    write_watermark,
)
from treatment_jobs.transform_stage import TransformSummary, silver_path

# 2: rejected rows carry version_fingerprint and disposition; a ``deferred`` count.
BATCH_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class PublishedFile:
    key: str
    kind: str  # valid | rejected
    rows: int
    size: int
    sha256: str

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "rows": self.rows,
            "size": self.size,
            "sha256": self.sha256,
        }


def _part_files(folder: str) -> list[tuple[str, bytes]]:
    """(file name, content) of the Parquet part files Spark wrote into ``folder``."""
    if storage.is_s3(folder):
        bucket, prefix = storage.split_s3(folder.rstrip("/") + "/")
        client = boto3.client("s3")
        keys = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", [])]
        parts = sorted(
            k for k in keys if k.rsplit("/", 1)[-1].startswith("part-") and k.endswith(".parquet")
        )
        return [
            (k.rsplit("/", 1)[-1], client.get_object(Bucket=bucket, Key=k)["Body"].read())
            for k in parts
        ]
    return [(p.name, p.read_bytes()) for p in sorted(Path(folder).glob("part-*.parquet"))]


def upload_data_files(cfg: JobConfig, batch_id: str, kinds: tuple[str, ...]) -> list[PublishedFile]:
    """Step 1: the valid/rejected part files under ``batches/<id>/<kind>/`` (non-empty files,
    or the one empty valid file when a batch has no valid rows, so COPY still sees a schema)."""
    client = boto3.client("s3")
    published: list[PublishedFile] = []
    prefix = cfg.batch_prefix(batch_id)
    for kind in kinds:
        parts = [
            (name, body, pq.read_metadata(io.BytesIO(body)).num_rows)
            for name, body in _part_files(silver_path(cfg, batch_id, kind))
        ]
        keep = [p for p in parts if p[2] > 0] or (parts[:1] if kind == "valid" else [])
        for name, body, rows in keep:
            key = f"{prefix}{kind}/{name}"
            client.put_object(Bucket=cfg.silver_bucket, Key=key, Body=body)
            published.append(
                PublishedFile(key, kind, rows, len(body), hashlib.sha256(body).hexdigest())
            )
    return published


def write_manifests(
    cfg: JobConfig, batch_id: str, files: list[PublishedFile]
) -> dict[str, str | None]:
    """Step 2: Redshift COPY manifests (with ``meta.content_length``); rejected only if any."""
    client = boto3.client("s3")
    manifests: dict[str, str | None] = {"valid": None, "rejected": None}
    for kind in ("valid", "rejected"):
        entries = [
            {
                "url": f"s3://{cfg.silver_bucket}/{f.key}",
                "mandatory": True,
                "meta": {"content_length": f.size},
            }
            for f in files
            if f.kind == kind
        ]
        if kind == "rejected" and not any(f.rows for f in files if f.kind == kind):
            continue
        key = f"{cfg.batch_prefix(batch_id)}{kind}.manifest"
        client.put_object(
            Bucket=cfg.silver_bucket,
            Key=key,
            Body=json.dumps({"entries": entries}, indent=1).encode(),
        )
        manifests[kind] = key
    return manifests


def batch_summary(summary: TransformSummary, files: list[PublishedFile], manifests: dict) -> dict:
    return {
        "batch_id": summary.batch_id,
        "source_batch": summary.source_batch,
        "schema_version": BATCH_SCHEMA_VERSION,
        "mode": summary.mode,
        "extracted": summary.extracted,
        "valid": summary.valid,
        "rejected": summary.rejected,
        "deferred": summary.deferred,
        "superseded": summary.superseded,
        "cursor_from": summary.cursor_from,
        "cursor_to": summary.cursor_to,
        "created_at": format_ts(datetime.now(UTC)),
        "files": [f.as_dict() for f in files],
        "manifests": manifests,
    }


def write_batch_summary(cfg: JobConfig, body: dict) -> str:
    """Step 3 (last object of the batch): ``_batch.json`` — this is what triggers the load."""
    key = f"{cfg.batch_prefix(body['batch_id'])}{cfg.batch_summary_name}"
    boto3.client("s3").put_object(
        Bucket=cfg.silver_bucket,
        Key=key,
        Body=json.dumps(body, indent=1).encode(),
        ContentType="application/json",
    )
    return key


def batch_published(cfg: JobConfig, batch_id: str) -> bool:
    client = boto3.client("s3")
    key = f"{cfg.batch_prefix(batch_id)}{cfg.batch_summary_name}"
    return bool(client.list_objects_v2(Bucket=cfg.silver_bucket, Prefix=key).get("KeyCount"))


@dataclass(frozen=True)
class PublishResult:
    batch_id: str
    published: bool  # False: nothing new, nothing published
    files: int
    watermark_cursor: str | None


def publish(cfg: JobConfig, summary: TransformSummary) -> PublishResult:
    """Steps 1–4 then, for extracts (not re-transforms), apply the batch's change to the
    watermark (step 5) by a conditional write on the version read."""
    if summary.extracted == 0:
        return PublishResult(summary.batch_id, False, 0, None)
    change = summary.watermark_change()
    previous, etag = read_watermark_versioned(cfg) if change else (None, None)
    # A second publish of a batch whose change the watermark already holds moves nothing.
    applied = bool(
        change and previous and previous.batch_id and previous.batch_id >= change.batch_id
    )
    watermark = (
        apply_change(previous, change, cfg.overlap_seconds, datetime.now(UTC))
        if change and not applied
        else None
    )
    files: list[PublishedFile] = []
    if not batch_published(cfg, summary.batch_id):
        files = upload_data_files(cfg, summary.batch_id, ("valid", "rejected"))
        manifests = write_manifests(cfg, summary.batch_id, files)
        body = batch_summary(summary, files, manifests)
        if change is not None:
            write_change(cfg, change)
        if watermark is not None:
            body["reread_list"] = len(watermark.reread)  # the list's length after this batch
        write_batch_summary(cfg, body)
    if watermark is None:
        cursor = previous.cursor if applied and previous else None
        return PublishResult(summary.batch_id, True, len(files), cursor)
    write_watermark(cfg, watermark, etag)
    return PublishResult(summary.batch_id, True, len(files), watermark.cursor)
