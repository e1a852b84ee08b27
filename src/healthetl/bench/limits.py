"""The limits the pipeline's stages are bounded by, measured on the same endpoints in the same run.

- Raw parallel scan: `Scan` with 4 segments in 4 processes (so no one interpreter lock bounds
  it) against the same DynamoDB endpoint and table the extract reads, each page's items taken
  as wire JSON (no botocore shape parsing: the fastest read we know of); items are counted.
- Raw COPY: the batch's valid Parquet files read from S3 with boto3 + pyarrow and streamed as CSV
  into `COPY … FROM STDIN` of a temporary copy of `staging.treatments`, through the seam's
  ``copy_csv``, in one transaction that is rolled back.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from treatment_jobs.extract import PAGE_ITEMS
from treatment_jobs.wire import ITEM_TEXTS, wire_items_client
from warehouse_seam import connect


@dataclass(frozen=True)
class Measured:
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
        }


def _scan_segment(table_name: str, segment: int, segments: int) -> int:
    client = wire_items_client()
    count = 0
    request: dict[str, Any] = {
        "TableName": table_name,
        "Segment": segment,
        "TotalSegments": segments,
        "Limit": PAGE_ITEMS,  # as the extract reads (treatment_jobs.extract.PAGE_ITEMS)
    }
    while True:
        page = client.scan(**request)
        count += len(page[ITEM_TEXTS])
        if "LastEvaluatedKey" not in page:
            return count
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _ready() -> None:
    """The pool's processes exist before the clock starts (each still imports boto3 and makes
    its client inside the timed scan, ≈ 0.3 s: the limit is, if anything, a little low)."""


def raw_parallel_scan(table_name: str, segments: int = 4) -> Measured:
    """Items/s of a plain parallel scan of the whole table (process start-up not timed)."""
    spawn = multiprocessing.get_context("spawn")  # no fork of this threaded bench process
    with ProcessPoolExecutor(max_workers=segments, mp_context=spawn) as pool:
        for warm in [pool.submit(_ready) for _ in range(segments)]:
            warm.result()
        started = time.perf_counter()
        counts = pool.map(
            _scan_segment, [table_name] * segments, range(segments), [segments] * segments
        )
        total = sum(counts)
        return Measured(total, time.perf_counter() - started)


def _parquet_as_csv(bucket: str, keys: list[str]) -> tuple[bytes, int]:
    s3 = boto3.client("s3")
    tables = [
        pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
        for key in keys
    ]
    table = pa.concat_tables(tables) if tables else pa.table({})
    sink = io.BytesIO()
    pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=False))
    return sink.getvalue(), table.num_rows


class _DiscardCopyError(Exception):
    """Raised to end the raw copy's transaction with a rollback."""


def raw_copy(dsn: str, bucket: str, keys: list[str]) -> tuple[Measured, Measured]:
    """(S3 → pyarrow → COPY end to end, the COPY FROM STDIN alone) for the given Parquet keys."""
    started = time.perf_counter()
    payload, rows = _parquet_as_csv(bucket, keys)
    with connect(dsn) as warehouse, contextlib.suppress(_DiscardCopyError), warehouse.transaction():
        warehouse.execute(
            "create temporary table bench_raw_copy (like staging.treatments) on commit drop"
        )
        copy_started = time.perf_counter()
        warehouse.copy_csv("bench_raw_copy", payload)
        copied = time.perf_counter()
        (loaded,) = warehouse.query("select count(*) from bench_raw_copy")[0]
        raise _DiscardCopyError  # the copy is measured, not kept
    if loaded != rows:
        raise RuntimeError(f"raw COPY loaded {loaded} rows of {rows}")
    return Measured(rows, copied - started), Measured(rows, copied - copy_started)
