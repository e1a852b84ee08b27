"""The first half against the local estate: full, incremental (reads only the changes plus the
overlap), no changes (publishes nothing), bad items in rejects, a crash before ``_batch.json``,
a re-transform, the extract lock. One source table and silver bucket per test session."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pyarrow.parquet as pq
import pytest
from treatment_jobs.config import JobConfig, from_facts
from treatment_jobs.extract_lock import ExtractLockedError, extract_lock
from treatment_jobs.jobs import run_extract, run_first_half
from treatment_jobs.publish import upload_data_files, write_manifests
from treatment_jobs.state import read_watermark
from treatment_jobs.transform_stage import run_transform

from spark.items import N, S, modified_item, put_items

pytestmark = [pytest.mark.integration, pytest.mark.spark]

OVERLAP = 300
SEEDED = 40
BAD = {  # treatment id -> the rules its item breaks
    901: "R1,R4",
    902: "R3",
    903: "R5",
    904: "R7",
}


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def source(estate, unique_name, tmp_path_factory):
    from healthetl.source.table import ensure_table

    table = unique_name("spark-treatments")
    bucket = unique_name("spark-silver")
    ensure_table(table)
    boto3.client("s3").create_bucket(Bucket=bucket)
    lake: Path = tmp_path_factory.mktemp("lake")
    base = from_facts()
    cfg = JobConfig(
        table_name=table,
        index_name=base.index_name,
        silver_bucket=bucket,
        bronze_root=str(lake / "bronze"),
        silver_root=str(lake / "silver"),
        overlap_seconds=OVERLAP,
        scan_segments=2,
    )
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    # The 3 latest items sit within the overlap before the greatest write time; the rest
    # spread over several earlier days.
    times = [now - timedelta(seconds=100 * i) for i in range(3)]
    times += [now - timedelta(hours=7 * i) for i in range(1, SEEDED - 2)]
    items = [modified_item(i + 1, _ts(t)) for i, t in enumerate(times)]
    old = _ts(now - timedelta(days=2))
    bad = {
        901: modified_item(901, old, treatment__type=S("surgery")),
        902: modified_item(902, old, treatment__start_date=S("2024-03-01T09:00:00.000Z")),
        903: modified_item(903, old, treatment__duration_in_days=N(99)),
        904: modified_item(904, old, treatment__id=N(905)),
    }
    bad[901]["treatment"]["M"].pop("cost")
    put_items(boto3.client("dynamodb"), table, items + list(bad.values()))
    return cfg


def _write_changes(cfg: JobConfig, ids: list[int]) -> None:
    written = _ts(datetime.now(UTC))
    changed = [modified_item(i, written, treatment__cost=N("42.42")) for i in ids]
    put_items(boto3.client("dynamodb"), cfg.table_name, changed)


def _summary(cfg: JobConfig, batch_id: str) -> dict | None:
    s3 = boto3.client("s3")
    key = f"batches/{batch_id}/_batch.json"
    if not s3.list_objects_v2(Bucket=cfg.silver_bucket, Prefix=key).get("KeyCount"):
        return None
    return json.loads(s3.get_object(Bucket=cfg.silver_bucket, Key=key)["Body"].read())


def _published_ids(cfg: JobConfig, summary: dict, kind: str) -> list[int]:
    s3 = boto3.client("s3")
    ids: list[int] = []
    for entry in summary["files"]:
        if entry["kind"] == kind:
            body = s3.get_object(Bucket=cfg.silver_bucket, Key=entry["key"])["Body"].read()
            import io

            ids += pq.read_table(io.BytesIO(body)).column("treatment_id").to_pylist()
    return sorted(ids)


@pytest.fixture(scope="module")
def full_run(spark, source):
    return run_first_half(spark, source)


def test_full_run_publishes_everything(source, full_run) -> None:
    assert full_run.extract.mode == "full"
    assert full_run.extract.read == SEEDED + len(BAD)
    summary = _summary(source, full_run.extract.batch_id)
    assert summary is not None
    assert (summary["mode"], summary["cursor_from"], summary["source_batch"]) == (
        "full",
        None,
        None,
    )
    assert summary["valid"] == SEEDED
    assert summary["rejected"] == len(BAD)
    assert summary["extracted"] == summary["valid"] + summary["rejected"]
    assert _published_ids(source, summary, "valid") == list(range(1, SEEDED + 1))
    manifest = json.loads(
        boto3.client("s3")
        .get_object(Bucket=source.silver_bucket, Key=summary["manifests"]["valid"])["Body"]
        .read()
    )
    sizes = {f"s3://{source.silver_bucket}/{f['key']}": f["size"] for f in summary["files"]}
    for entry in manifest["entries"]:
        assert entry["meta"]["content_length"] == sizes[entry["url"]]
    watermark = read_watermark(source)
    assert watermark.cursor == full_run.transform.cursor_to
    assert watermark.batch_id == full_run.extract.batch_id


def test_bad_items_are_rejected_with_their_rules_and_nowhere_else(source, full_run) -> None:
    summary = _summary(source, full_run.extract.batch_id)
    s3 = boto3.client("s3")
    rules: dict[int, str] = {}
    for entry in summary["files"]:
        if entry["kind"] == "rejected":
            body = s3.get_object(Bucket=source.silver_bucket, Key=entry["key"])["Body"].read()
            import io

            table = pq.read_table(io.BytesIO(body))
            rules |= dict(
                zip(
                    table.column("treatment_id").to_pylist(),
                    table.column("broken_rules").to_pylist(),
                    strict=True,
                )
            )
    assert rules == BAD
    assert not set(BAD) & set(_published_ids(source, summary, "valid"))


def test_incremental_reads_changes_plus_overlap_and_publishes_only_them(
    spark, source, full_run
) -> None:
    changed = [10, 11, 12, 41, 42]  # 41, 42 are new treatments
    _write_changes(source, changed)
    result = run_first_half(spark, source)
    assert result.extract.mode == "incremental"
    assert result.extract.read == len(changed) + 3  # + the 3 items inside the overlap window
    assert result.extract.already_published == 3
    summary = _summary(source, result.extract.batch_id)
    assert summary["cursor_from"] is not None
    assert _published_ids(source, summary, "valid") == changed
    assert summary["rejected"] == 0

    again = run_first_half(spark, source)  # nothing changed since
    assert again.extract.items == 0
    assert again.publish is None
    assert _summary(source, again.extract.batch_id) is None
    assert read_watermark(source).batch_id == result.extract.batch_id


def test_crash_before_batch_summary_loses_nothing(spark, source, full_run) -> None:
    before = read_watermark(source)
    _write_changes(source, [20, 21])
    with extract_lock(source, "crashing run"):
        extracted = run_extract(spark, source)
        transformed = run_transform(spark, source, extracted.batch_id)
        files = upload_data_files(source, transformed.batch_id, ("valid", "rejected"))
        write_manifests(source, transformed.batch_id, files)
        # ...the process dies here: no _batch.json, no watermark move.
    assert _summary(source, extracted.batch_id) is None
    assert read_watermark(source).cursor == before.cursor
    recovered = run_first_half(spark, source)
    summary = _summary(source, recovered.extract.batch_id)
    assert _published_ids(source, summary, "valid") == [20, 21]


def test_retransform_is_a_new_batch_and_keeps_the_watermark(spark, source, full_run) -> None:
    before = read_watermark(source)
    result = run_first_half(spark, source, retransform=full_run.extract.batch_id)
    summary = _summary(source, result.transform.batch_id)
    assert summary["batch_id"] != full_run.extract.batch_id
    assert summary["batch_id"] > full_run.extract.batch_id
    assert (summary["mode"], summary["source_batch"]) == ("retransform", full_run.extract.batch_id)
    assert summary["valid"] == SEEDED
    assert read_watermark(source).to_json() == before.to_json()


def test_one_extract_at_a_time(spark, source, full_run) -> None:
    with extract_lock(source, "held by a test"), pytest.raises(ExtractLockedError):
        run_first_half(spark, source)
