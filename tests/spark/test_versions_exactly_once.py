"""Every version is published exactly once (contracts/pipeline.md, "A version" and the
watermark's guarantees), with the extraction's start injected instead of waited for: same-second
rewrites, rewrites back to earlier content, deferred versions accepted later, a crash between
``_batch.json`` and the watermark, a skipped batch re-read. One source table and silver bucket
per test (the estate before the Spark session, so its workers see the AWS endpoints)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import boto3
import pyarrow.parquet as pq
import pytest
from treatment_jobs.config import JobConfig, from_facts
from treatment_jobs.extract_lock import extract_lock
from treatment_jobs.jobs import run_extract, run_first_half
from treatment_jobs.publish import (
    batch_summary,
    upload_data_files,
    write_batch_summary,
    write_manifests,
)
from treatment_jobs.state import read_watermark, write_change
from treatment_jobs.transform_stage import run_transform

from spark.items import N, S, modified_item, put_items

pytestmark = [pytest.mark.integration, pytest.mark.spark]

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def source(estate, unique_name, tmp_path) -> JobConfig:
    from healthetl.source.table import ensure_table

    table = unique_name("versions")
    bucket = unique_name("versions-silver")
    ensure_table(table)
    boto3.client("s3").create_bucket(Bucket=bucket)
    base = from_facts()
    return JobConfig(
        table_name=table,
        index_name=base.index_name,
        silver_bucket=bucket,
        bronze_root=str(tmp_path / "bronze"),
        silver_root=str(tmp_path / "silver"),
        scan_segments=2,
    )


def _put(cfg: JobConfig, *items: dict) -> None:
    put_items(boto3.client("dynamodb"), cfg.table_name, list(items))


def _run(spark, cfg: JobConfig, at: datetime):
    return run_first_half(spark, cfg, started=at)


def _published(cfg: JobConfig, batch_id: str | None, kind: str) -> list[dict]:
    """The rows of one published batch's ``kind`` files (valid or rejected)."""
    if batch_id is None:
        return []
    s3 = boto3.client("s3")
    key = f"batches/{batch_id}/_batch.json"
    if not s3.list_objects_v2(Bucket=cfg.silver_bucket, Prefix=key).get("KeyCount"):
        return []
    summary = json.loads(s3.get_object(Bucket=cfg.silver_bucket, Key=key)["Body"].read())
    rows: list[dict] = []
    for entry in summary["files"]:
        if entry["kind"] == kind:
            body = s3.get_object(Bucket=cfg.silver_bucket, Key=entry["key"])["Body"].read()
            rows += pq.read_table(io.BytesIO(body)).to_pylist()
    return sorted(rows, key=lambda r: r["treatment_id"] or 0)


def _batch_of(result) -> str | None:
    return result.transform.batch_id if result.transform else None


def test_a_same_second_rewrite_is_published(source, spark) -> None:
    stamp = _ts(T0 - timedelta(minutes=1))
    _put(source, modified_item(1, stamp, treatment__cost=N("10.00")))
    first = _run(spark, source, T0)
    assert [r["treatment_cost"] for r in _published(source, _batch_of(first), "valid")] == [10]
    # The same second, other content (a correction written within the second).
    _put(source, modified_item(1, stamp, treatment__cost=N("11.00")))
    second = _run(spark, source, T0 + timedelta(minutes=1))
    assert [r["treatment_cost"] for r in _published(source, _batch_of(second), "valid")] == [11]
    # Nothing changed since: nothing published.
    assert _run(spark, source, T0 + timedelta(minutes=2)).extract.items == 0


def test_a_rewrite_back_to_earlier_content_is_published_again(source, spark) -> None:
    stamp = _ts(T0 - timedelta(minutes=1))
    original = modified_item(2, stamp, treatment__cost=N("10.00"))
    _put(source, original)
    _run(spark, source, T0)
    _put(source, modified_item(2, stamp, treatment__cost=N("99.00")))
    _run(spark, source, T0 + timedelta(minutes=1))
    _put(source, original)  # back to the first content, within the same second
    back = _run(spark, source, T0 + timedelta(minutes=2))
    assert [r["treatment_cost"] for r in _published(source, _batch_of(back), "valid")] == [10]


def test_a_future_dated_version_is_deferred_then_accepted(source, spark) -> None:
    written = _ts(T0 - timedelta(minutes=1))
    soon = modified_item(3, written)
    soon["metadata"]["M"]["modified_at"] = S(_ts(T0 + timedelta(hours=1)))
    far = modified_item(4, written)
    far["metadata"]["M"]["modified_at"] = S(_ts(T0 + timedelta(hours=25)))
    _put(source, soon, far)
    first = _run(spark, source, T0)
    rejected = _published(source, _batch_of(first), "rejected")
    assert [(r["treatment_id"], r["broken_rules"], r["disposition"]) for r in rejected] == [
        (3, "R6", "deferred"),
        (4, "R6", "rejected"),
    ]
    assert all(len(r["version_fingerprint"]) == 16 for r in rejected)
    assert read_watermark(source).reread == {"3": "deferred"}
    # Still in the future an hour later... no new write, re-read by key, deferred again.
    still = _run(spark, source, T0 + timedelta(minutes=30))
    assert [r["disposition"] for r in _published(source, _batch_of(still), "rejected")] == [
        "deferred"
    ]
    # ...and accepted by the first run whose extraction start admits it.
    later = _run(spark, source, T0 + timedelta(hours=2))
    assert [r["treatment_id"] for r in _published(source, _batch_of(later), "valid")] == [3]
    assert read_watermark(source).reread == {}


def test_a_crash_after_batch_summary_is_completed_not_republished(source, spark) -> None:
    _put(source, modified_item(5, _ts(T0 - timedelta(minutes=10))))
    _run(spark, source, T0)
    _put(source, modified_item(6, _ts(T0 + timedelta(seconds=30))))
    with extract_lock(source, "a run that dies before the watermark"):
        extracted = run_extract(spark, source, started=T0 + timedelta(minutes=1))
        transformed = run_transform(spark, source, extracted.batch_id)
        files = upload_data_files(source, transformed.batch_id, ("valid", "rejected"))
        manifests = write_manifests(source, transformed.batch_id, files)
        write_change(source, transformed.watermark_change())
        write_batch_summary(source, batch_summary(transformed, files, manifests))
        # ...the process dies here: _batch.json is out, the watermark has not moved.
    assert read_watermark(source).batch_id != transformed.batch_id
    recovered = _run(spark, source, T0 + timedelta(minutes=2))
    assert recovered.extract.items == 0  # treatment 6 is not published again under a new id
    assert read_watermark(source).batch_id == transformed.batch_id


def test_a_skipped_batch_is_read_again(source, spark) -> None:
    _put(source, modified_item(7, _ts(T0 - timedelta(minutes=10))))
    _run(spark, source, T0)
    _put(source, modified_item(8, _ts(T0 + timedelta(seconds=30))))
    held = _run(spark, source, T0 + timedelta(minutes=1))
    skipped = _batch_of(held)
    boto3.client("s3").put_object(
        Bucket=source.silver_bucket, Key=f"state/skipped/{skipped}", Body=b'{"reason": "test"}'
    )
    messages: list[str] = []
    again = run_first_half(spark, source, started=T0 + timedelta(minutes=2), report=messages.append)
    assert f"re-queued 1 treatment ids of skipped batch {skipped}" in messages
    assert [r["treatment_id"] for r in _published(source, _batch_of(again), "valid")] == [8]
    assert read_watermark(source).skips_applied == [skipped]
    # Re-queued once: the next run has nothing to do.
    assert _run(spark, source, T0 + timedelta(minutes=3)).extract.items == 0


def test_a_format_1_watermark_is_upgraded_by_the_next_run(source, spark) -> None:
    """An estate left by the release before versions: its watermark (format 1) lists published
    (id, stamp) keys. The next run honours them, publishes only what is new, and writes
    format 2."""
    published = {11: T0 - timedelta(minutes=2), 12: T0 - timedelta(minutes=1)}
    _put(source, *(modified_item(i, _ts(at)) for i, at in published.items()))
    _put(source, modified_item(13, _ts(T0 - timedelta(seconds=30))))
    legacy = {
        "schema_version": 1,
        "cursor": _ts(T0 - timedelta(minutes=1)),
        "published_keys": [[str(i), _ts(at)] for i, at in published.items()],
        "batch_id": "b20261120T115800Z-0000000a",
        "updated_at": _ts(T0 - timedelta(minutes=1)),
    }
    boto3.client("s3").put_object(
        Bucket=source.silver_bucket, Key=source.watermark_key, Body=json.dumps(legacy).encode()
    )
    result = _run(spark, source, T0)
    assert result.extract.mode == "incremental"
    assert [r["treatment_id"] for r in _published(source, _batch_of(result), "valid")] == [13]
    stored = json.loads(
        boto3.client("s3")
        .get_object(Bucket=source.silver_bucket, Key=source.watermark_key)["Body"]
        .read()
    )
    assert stored["format"] == 2
    assert set(stored["recorded"]) == {"13"}
