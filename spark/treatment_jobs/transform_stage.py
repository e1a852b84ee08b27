"""The transform stage around the pure ``transform``: bronze batch → silver Parquet folders.

Writes ``<silver_root>/<batch_id>/valid/part-*.parquet`` and ``rejected/part-*.parquet`` (a
local folder here, ``s3://`` on a cluster) and ``_transform.json`` with the counts and the
watermark range the publish stage needs.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F  # noqa: N812 (the PySpark idiom)

from treatment_jobs import storage
from treatment_jobs.config import JobConfig
from treatment_jobs.extract import ExtractSummary, read_bronze
from treatment_jobs.state import format_ts, parse_ts
from treatment_jobs.transform import check_items, split_checked

ROWS_PER_FILE = 500_000
# The GSI stamps the watermark trusts: the source's form. An item with any other stamp is
# still judged by the rules (which read metadata.modified_at), but moves no cursor.
_STAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


@dataclass
class TransformSummary:
    batch_id: str
    source_batch: str | None  # the bronze batch re-transformed, None otherwise
    mode: str  # full | incremental | retransform
    read: int  # bronze items
    valid: int
    rejected: int
    superseded: int  # valid older versions of a treatment replaced within the batch
    cursor_from: str | None
    cursor_to: str  # the greatest gsi_modified_at read, never later than the extraction start
    extraction_start: str
    window_keys: list[list[str]] = field(default_factory=list)  # published keys near cursor_to

    @property
    def extracted(self) -> int:
        return self.valid + self.rejected

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> TransformSummary:
        return cls(**json.loads(text))


def silver_path(cfg: JobConfig, batch_id: str, *parts: str) -> str:
    return storage.join(cfg.silver_root, batch_id, *parts)


def read_transform_summary(cfg: JobConfig, batch_id: str) -> TransformSummary:
    text = storage.read_text(silver_path(cfg, batch_id, "_transform.json"))
    if text is None:
        raise FileNotFoundError(
            f"batch {batch_id} has not been transformed under {cfg.silver_root}"
        )
    return TransformSummary.from_json(text)


def run_transform(
    spark: SparkSession, cfg: JobConfig, bronze_batch: str, batch_id: str | None = None
) -> TransformSummary:
    """Transform bronze batch ``bronze_batch`` as silver batch ``batch_id`` (a new id for a
    re-transform; the extract's own id otherwise)."""
    items, extracted = read_bronze(spark, cfg, bronze_batch)
    batch_id = batch_id or bronze_batch
    start = parse_ts(extracted.extraction_start)
    checked = check_items(items, start).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        # One pass counts rows and distinct treatments per verdict (the valid count after
        # deduplication is the distinct count, and without duplicates, as in any full scan,
        # the latest-version window can be skipped) and finds the greatest stamp read.
        stamp = F.col("gsi_modified_at")
        well_formed = F.when(stamp.rlike(_STAMP_PATTERN), stamp)
        verdicts = (
            checked.groupBy("is_valid")
            .agg(
                F.count("*").alias("n"),
                F.countDistinct("treatment_id").alias("ids"),
                F.max(well_formed).alias("greatest"),
            )
            .collect()
        )
        counts = {r["is_valid"]: (r["n"], r["ids"]) for r in verdicts}
        greatest = max((r["greatest"] for r in verdicts if r["greatest"]), default=None)
        valid_rows, valid = counts.get(True, (0, 0))
        rejected = counts.get(False, (0, 0))[0]
        result = split_checked(checked, batch_id, start, one_version_each=valid_rows == valid)
        read = valid_rows + rejected
        files = max(1, math.ceil(read / ROWS_PER_FILE))
        result.valid.coalesce(files).write.mode("overwrite").parquet(
            silver_path(cfg, batch_id, "valid")
        )
        result.rejected.coalesce(max(1, math.ceil(rejected / ROWS_PER_FILE))).write.mode(
            "overwrite"
        ).parquet(silver_path(cfg, batch_id, "rejected"))
    finally:
        checked.unpersist()
    # After the unpersist: the window pass reads bronze, not the cached checked rows.
    cursor_to, window_keys = _watermark_range(items, greatest, extracted, cfg.overlap_seconds)
    summary = TransformSummary(
        batch_id=batch_id,
        source_batch=bronze_batch if batch_id != bronze_batch else None,
        mode="retransform" if batch_id != bronze_batch else extracted.mode,
        read=read,
        valid=valid,
        rejected=rejected,
        superseded=valid_rows - valid,
        cursor_from=extracted.cursor_from,
        cursor_to=cursor_to,
        extraction_start=extracted.extraction_start,
        window_keys=window_keys,
    )
    storage.write_text(silver_path(cfg, batch_id, "_transform.json"), summary.to_json())
    return summary


def _watermark_range(
    items, greatest: str | None, extracted: ExtractSummary, overlap_seconds: int
) -> tuple[str, list[list[str]]]:
    """cursor_to = min(``greatest`` well-formed gsi_modified_at read, extraction start); the
    keys read within the overlap window before it (the next incremental run drops those)."""
    cursor = min(greatest, extracted.extraction_start) if greatest else extracted.extraction_start
    window_from = format_ts(parse_ts(cursor) - timedelta(seconds=overlap_seconds))
    # Through Arrow, not Row objects: right after a bulk load the window holds most of the
    # table (370,000 keys after the 600,000 seed), and collect() pickled every row.
    stamp = F.col("gsi_modified_at")
    window = (
        items.filter(stamp.rlike(_STAMP_PATTERN) & (stamp >= window_from))
        .filter(F.col("treatment_id").isNotNull())
        .select("treatment_id", "gsi_modified_at")
        .toPandas()
    )
    keys = zip(window["treatment_id"].tolist(), window["gsi_modified_at"].tolist(), strict=True)
    return cursor, sorted([key, modified] for key, modified in keys)
