"""Extract: DynamoDB → bronze (raw DynamoDB JSON per item, one partition per batch).

Full (no watermark, or forced): a parallel Scan of ``scan_segments`` segments.
Incremental: one GSI Query per modification day, from the day of ``cursor - overlap`` to the
day of the extraction, ``gsi_modified_at >= cursor - overlap``, dropping the items whose
``(treatment_id, gsi_modified_at)`` the watermark lists as published. Never a full scan.
Each Spark task reads ``reads_per_task`` segments or days at once (``concurrent_reads``).
boto3 runs inside the Spark tasks (endpoints from the standard AWS environment) and hands the
items over as wire JSON (``wire``): bronze stores exactly what DynamoDB returned.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from treatment_jobs import storage
from treatment_jobs.concurrent_reads import read_concurrently
from treatment_jobs.config import JobConfig
from treatment_jobs.schema import BRONZE_SCHEMA
from treatment_jobs.state import Watermark, format_ts, parse_ts
from treatment_jobs.wire import ITEM_TEXTS, bronze_keys, wire_items_client

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
                TableName=table, Segment=segment, TotalSegments=total
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
            )

        return _rows_of([partial(day_pages, d) for d in days])

    return query


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


def read_source(
    spark: SparkSession,
    cfg: JobConfig,
    extraction_start: datetime,
    watermark: Watermark | None,
) -> tuple[DataFrame, str | None, int, Any, Any]:
    """(bronze rows, cursor_from, segments or days, read and new-item accumulators); lazy until
    written."""
    read_count = spark.sparkContext.accumulator(0)
    new_count = spark.sparkContext.accumulator(0)
    if watermark is None:
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
    published = frozenset(watermark.published_keys)
    query = _query_days(cfg.table_name, cfg.index_name, since)

    def query_batches(batches: Iterator[Any]) -> Iterator[Any]:
        day_list = [d for b in batches for d in b.column(0).to_pylist()]

        def new_rows() -> Iterator[BronzeRow]:
            # Streamed: the overlap can hold many published items (a seed written minutes
            # before); they are counted and dropped as they come, never held.
            read = 0
            for row in query(day_list):
                read += 1
                if (row[0], row[1]) not in published:
                    yield row
            read_count.add(read)

        return _as_arrow(new_rows(), new_count)

    day_tasks = _tasks_reading(spark, days, "day", cfg.reads_per_task)
    rows = day_tasks.mapInArrow(query_batches, BRONZE_SCHEMA)
    return rows, since, len(days), read_count, new_count


def extract(
    spark: SparkSession,
    cfg: JobConfig,
    batch_id: str,
    extraction_start: datetime,
    watermark: Watermark | None,
) -> ExtractSummary:
    """Read the new items and write them as the batch's bronze partition (+ its summary)."""
    rows, cursor_from, segments_or_days, read_count, new_count = read_source(
        spark, cfg, extraction_start, watermark
    )
    target = bronze_path(cfg, batch_id)
    rows.write.mode("overwrite").parquet(target)  # the one DynamoDB read
    items = new_count.value
    summary = ExtractSummary(
        batch_id=batch_id,
        mode="full" if watermark is None else "incremental",
        extraction_start=format_ts(extraction_start.astimezone(UTC)),
        cursor_from=cursor_from,
        read=read_count.value,
        already_published=read_count.value - items,
        items=items,
        segments_or_days=segments_or_days,
        watermark_batch=watermark.batch_id if watermark else None,
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
