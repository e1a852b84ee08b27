"""Extract: DynamoDB → bronze (raw DynamoDB JSON per item, one partition per batch).

Full (no watermark, or forced): a parallel Scan of ``scan_segments`` segments; every current
version is published again.
Incremental: one GSI Query per modification day, from the day of ``cursor - overlap`` to the
day of the extraction, ``gsi_modified_at >= cursor - overlap``, plus the watermark's re-read list
by key (BatchGetItem), dropping a version only when it equals the last version the watermark
recorded for its id (``versions``: a rewrite within the same second, or back to earlier content,
is a new version). Never a full scan.
Each Spark task reads ``reads_per_task`` segments or days at once (``concurrent_reads``).
boto3 runs inside the Spark tasks (endpoints from the standard AWS environment) and hands the
items over as wire JSON (``wire``): bronze stores exactly what DynamoDB returned.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from treatment_jobs import storage
from treatment_jobs.concurrent_reads import read_concurrently
from treatment_jobs.config import JobConfig
from treatment_jobs.schema import BRONZE_SCHEMA
from treatment_jobs.state import DropRule, Watermark, format_ts, id_order, parse_ts
from treatment_jobs.versions import fingerprint_of_text
from treatment_jobs.wire import ITEM_TEXTS, bronze_keys, wire_items_client

KEYS_PER_GET = 100  # BatchGetItem's limit
# Items per Scan/Query page. AWS ends a page at 1 MB either way; DynamoDB Local, without a
# Limit, spends time in proportion to the whole table on every page (quadratic over a scan:
# 6 s a page at 200,000 items), and with one answers a page in ≈ 0.1 s.
PAGE_ITEMS = 1000
_GET_RETRIES = 8

BronzeRow = tuple[str | None, str | None, bytes]  # the item: its UTF-8 JSON text


@dataclass
class ExtractSummary:
    batch_id: str
    mode: str  # full | incremental
    extraction_start: str
    cursor_from: str | None  # cursor - overlap on incremental runs, None on full ones
    read: int  # items DynamoDB returned
    already_published: int  # of those, dropped as published (overlap window)
    items: int  # written to bronze
    segments_or_days: int
    watermark_batch: str | None  # the watermark's batch when the extract read it
    reread: list[str] = field(default_factory=list)  # ids on the re-read list, read by key

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> ExtractSummary:
        return cls(**json.loads(text))


def bronze_path(cfg: JobConfig, batch_id: str) -> str:
    return storage.join(cfg.bronze_root, f"batch_id={batch_id}")


def summary_path(cfg: JobConfig, batch_id: str) -> str:
    return storage.join(bronze_path(cfg, batch_id), "_extract.json")


def to_bronze_row(text: bytes) -> BronzeRow:
    """An item's wire JSON text (``wire.wire_items_client``) as (treatment_id, gsi_modified_at,
    item)."""
    return (*bronze_keys(text), text)


def _page_rows(page: dict[str, Any]) -> Iterator[BronzeRow]:
    for text in page[ITEM_TEXTS]:
        yield to_bronze_row(text)


def _rows_of(streams: list[Callable[[], Iterable[dict[str, Any]]]]) -> Iterator[BronzeRow]:
    for page in read_concurrently(streams):
        yield from _page_rows(page)


def _scan_segments(table: str, total: int) -> Callable[[Iterable[int]], Iterator[BronzeRow]]:
    def scan(segments: Iterable[int]) -> Iterator[BronzeRow]:
        # Created in the task, one per task; boto3 clients are safe to share between threads.
        client = wire_items_client()

        def segment_pages(segment: int) -> Iterable[dict[str, Any]]:
            return client.get_paginator("scan").paginate(
                TableName=table, Segment=segment, TotalSegments=total, Limit=PAGE_ITEMS
            )

        return _rows_of([partial(segment_pages, s) for s in segments])

    return scan


def _query_days(
    table: str, index: str, since: str
) -> Callable[[Iterable[str]], Iterator[BronzeRow]]:
    def query(days: Iterable[str]) -> Iterator[BronzeRow]:
        client = wire_items_client()

        def day_pages(day: str) -> Iterable[dict[str, Any]]:
            return client.get_paginator("query").paginate(
                TableName=table,
                IndexName=index,
                KeyConditionExpression="gsi_modified_day = :day AND gsi_modified_at >= :since",
                ExpressionAttributeValues={":day": {"S": day}, ":since": {"S": since}},
                Limit=PAGE_ITEMS,
            )

        return _rows_of([partial(day_pages, d) for d in days])

    return query


def _get_keys(table: str) -> Callable[[Iterable[str]], Iterator[BronzeRow]]:
    """The current items of the given treatment ids (BatchGetItem, consistent reads; the
    service's unprocessed keys are asked again with backoff)."""

    def get(ids: Iterable[str]) -> Iterator[BronzeRow]:
        import time

        client = wire_items_client()
        pending = [{"treatment_id": {"N": i}} for i in ids]
        for attempt in range(_GET_RETRIES + 1):
            if not pending:
                return
            unprocessed: list[dict[str, Any]] = []
            for start in range(0, len(pending), KEYS_PER_GET):
                chunk = pending[start : start + KEYS_PER_GET]
                response = client.batch_get_item(
                    RequestItems={table: {"Keys": chunk, "ConsistentRead": True}}
                )
                yield from _page_rows(response)
                unprocessed += response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            pending = unprocessed
            if pending and attempt < _GET_RETRIES:
                time.sleep(min(2.0, 0.05 * 2**attempt))
        if pending:
            raise RuntimeError(f"DynamoDB left {len(pending)} keys unprocessed after retries")

    return get


def days_between(first: datetime, last: datetime) -> list[str]:
    days, day = [], first.date()
    while day <= last.date():
        days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def _as_arrow(rows: Iterator[BronzeRow], *counters: Any, chunk: int = 5_000) -> Iterator[Any]:
    """Bronze rows as Arrow record batches (no per-row pickling into the JVM)."""
    import pyarrow as pa

    names = BRONZE_SCHEMA.fieldNames()
    buffer: list[BronzeRow] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= chunk:
            for counter in counters:
                counter.add(len(buffer))
            yield pa.RecordBatch.from_arrays(
                [pa.array(c, pa.string()) for c in zip(*buffer, strict=True)], names=names
            )
            buffer = []
    for counter in counters:
        counter.add(len(buffer))
    columns = list(zip(*buffer, strict=True)) if buffer else [[], [], []]
    yield pa.RecordBatch.from_arrays([pa.array(list(c), pa.string()) for c in columns], names=names)


def _tasks_reading(spark: SparkSession, values: list[str], column: str, per_task: int) -> DataFrame:
    """A one-column DataFrame of ``values``, ``per_task`` consecutive values per partition (one
    Spark task each)."""
    tasks = max(1, math.ceil(len(values) / max(1, per_task)))
    rdd = spark.sparkContext.parallelize([(v,) for v in values], tasks)
    return spark.createDataFrame(rdd, f"{column} string")


def _dropping_recorded(rows: Iterator[BronzeRow], rule: DropRule) -> Iterator[BronzeRow]:
    """Drop the versions the watermark recorded as the last of their id (fingerprints only for
    ids it recorded: the overlap window's few)."""
    for row in rows:
        treatment_id, stamp, text = row
        fingerprint = fingerprint_of_text(text) if rule.needs_fingerprint(treatment_id) else None
        if not rule.drops(treatment_id, stamp, fingerprint):
            yield row


def read_source(
    spark: SparkSession,
    cfg: JobConfig,
    extraction_start: datetime,
    watermark: Watermark | None,
    *,
    full: bool = False,
) -> tuple[DataFrame, str | None, int, Any, Any]:
    """(bronze rows, cursor_from, segments or days, read and new-item accumulators); lazy until
    written. Full when there is no watermark or ``full``."""
    read_count = spark.sparkContext.accumulator(0)
    new_count = spark.sparkContext.accumulator(0)
    if watermark is None or full:
        total = cfg.scan_segments
        scan = _scan_segments(cfg.table_name, total)

        def scan_batches(batches: Iterator[Any]) -> Iterator[Any]:
            segments = [int(s) for b in batches for s in b.column(0).to_pylist()]
            return _as_arrow(scan(segments), read_count, new_count)

        segments = _tasks_reading(
            spark, [str(i) for i in range(total)], "segment", cfg.reads_per_task
        )
        rows = segments.mapInArrow(scan_batches, BRONZE_SCHEMA)
        return rows, None, total, read_count, new_count
    since_moment = parse_ts(watermark.cursor) - timedelta(seconds=cfg.overlap_seconds)
    since = format_ts(since_moment)
    days = days_between(since_moment, max(extraction_start, since_moment))
    rule = watermark.drop_rule()
    query = _query_days(cfg.table_name, cfg.index_name, since)
    get = _get_keys(cfg.table_name)
    # One task list: "d<day>" reads a day of the index, "k<id,id,…>" up to 100 ids by key.
    ids = sorted(watermark.reread, key=id_order)
    key_tasks = [
        "k" + ",".join(ids[i : i + KEYS_PER_GET]) for i in range(0, len(ids), KEYS_PER_GET)
    ]

    def read_batches(batches: Iterator[Any]) -> Iterator[Any]:
        tasks = [t for b in batches for t in b.column(0).to_pylist()]
        day_list = [t[1:] for t in tasks if t.startswith("d")]
        keys = [i for t in tasks if t.startswith("k") for i in t[1:].split(",")]

        def all_rows() -> Iterator[BronzeRow]:
            # Streamed: the overlap can hold many recorded items (a seed written minutes
            # before); they are counted and dropped as they come, never held.
            read = 0
            for row in _chain(query(day_list) if day_list else (), get(keys) if keys else ()):
                read += 1
                yield row
            read_count.add(read)

        return _as_arrow(_dropping_recorded(all_rows(), rule), new_count)

    tasks = _tasks_reading(spark, [f"d{d}" for d in days] + key_tasks, "task", cfg.reads_per_task)
    rows = tasks.mapInArrow(read_batches, BRONZE_SCHEMA)
    return rows, since, len(days), read_count, new_count


def _chain(*streams: Iterable[BronzeRow]) -> Iterator[BronzeRow]:
    for stream in streams:
        yield from stream


def extract(
    spark: SparkSession,
    cfg: JobConfig,
    batch_id: str,
    extraction_start: datetime,
    watermark: Watermark | None,
    *,
    full: bool = False,
) -> ExtractSummary:
    """Read the new versions and write them as the batch's bronze partition (+ its summary)."""
    rows, cursor_from, segments_or_days, read_count, new_count = read_source(
        spark, cfg, extraction_start, watermark, full=full
    )
    target = bronze_path(cfg, batch_id)
    rows.write.mode("overwrite").parquet(target)  # the one DynamoDB read
    items = new_count.value
    summary = ExtractSummary(
        batch_id=batch_id,
        mode="full" if watermark is None or full else "incremental",
        extraction_start=format_ts(extraction_start.astimezone(UTC)),
        cursor_from=cursor_from,
        read=read_count.value,
        already_published=read_count.value - items,
        items=items,
        segments_or_days=segments_or_days,
        watermark_batch=watermark.batch_id if watermark else None,
        # A full scan reads every current item, so the whole list is read as well.
        reread=sorted(watermark.reread, key=id_order) if watermark else [],
    )
    storage.write_text(summary_path(cfg, batch_id), summary.to_json())
    return summary


def read_bronze(
    spark: SparkSession, cfg: JobConfig, batch_id: str
) -> tuple[DataFrame, ExtractSummary]:
    text = storage.read_text(summary_path(cfg, batch_id))
    if text is None:
        raise FileNotFoundError(f"no bronze batch {batch_id} under {cfg.bronze_root}")
    summary = ExtractSummary.from_json(text)
    items = spark.read.schema(BRONZE_SCHEMA).parquet(bronze_path(cfg, batch_id))
    return items, summary


def bronze_batches(cfg: JobConfig) -> list[str]:
    return [
        n.split("=", 1)[1]
        for n in storage.list_children(cfg.bronze_root)
        if n.startswith("batch_id=")
    ]
