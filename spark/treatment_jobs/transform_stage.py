"""The transform stage around the pure ``transform``: bronze batch → silver Parquet folders.

Writes ``<silver_root>/<batch_id>/valid/part-*.parquet`` and ``rejected/part-*.parquet`` (a
local folder here, ``s3://`` on a cluster) and ``_transform.json`` with the counts and the
batch's watermark change (``state.WatermarkChange``) that the publish stage writes.
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
from treatment_jobs.state import WatermarkChange, format_ts, id_order, parse_ts
from treatment_jobs.transform import check_items, split_checked
from treatment_jobs.versions import DEFERRED

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
    rejected: int  # rejected versions, each once (deferred ones included)
    superseded: int  # valid older versions of a treatment replaced within the batch
    cursor_from: str | None
    cursor_to: str  # the greatest gsi_modified_at read, never later than the extraction start
    extraction_start: str
    deferred: int = 0  # of the rejected, versions dated in the near future (read again)
    # The batch's watermark change (None for a re-transform: it moves no watermark).
    change: dict | None = field(default=None)

    def watermark_change(self) -> WatermarkChange | None:
        return WatermarkChange.from_json(json.dumps(self.change)) if self.change else None

    @property
    def extracted(self) -> int:
        return self.valid + self.rejected

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> TransformSummary:
        data = json.loads(text)
        # Transformed by the release before versions: its window keys carry no fingerprints,
        # so it publishes without a watermark change and the next run reads those items again
        # (the warehouse keeps one row per version whatever arrives twice).
        data.pop("window_keys", None)
        return cls(**data)


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
    horizon = timedelta(seconds=cfg.deferral_horizon_seconds)
    checked = check_items(items, start, horizon).persist(StorageLevel.MEMORY_AND_DISK)
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
        rejected_rows = counts.get(False, (0, 0))[0]
        rejected, deferred = _rejected_versions(checked) if rejected_rows else (0, 0)
        result = split_checked(checked, batch_id, start, one_version_each=valid_rows == valid)
        read = valid_rows + rejected_rows
        files = max(1, math.ceil(read / ROWS_PER_FILE))
        result.valid.coalesce(files).write.mode("overwrite").parquet(
            silver_path(cfg, batch_id, "valid")
        )
        result.rejected.coalesce(max(1, math.ceil(rejected / ROWS_PER_FILE))).write.mode(
            "overwrite"
        ).parquet(silver_path(cfg, batch_id, "rejected"))
        cursor_to = _cursor_to(greatest, extracted)
        change = None
        if batch_id == bronze_batch:  # a re-transform carries no watermark change
            change = _watermark_change(checked, batch_id, cursor_to, extracted, cfg)
    finally:
        checked.unpersist()
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
        deferred=deferred,
        change=json.loads(change.to_json()) if change else None,
    )
    storage.write_text(silver_path(cfg, batch_id, "_transform.json"), summary.to_json())
    return summary


def _rejected_versions(checked) -> tuple[int, int]:
    """(rejected versions, of them deferred), each version once: the rejected rows are few."""
    rows = (
        checked.filter(~F.col("is_valid"))
        .select("item_treatment_id", "version_fingerprint", "disposition")
        .dropDuplicates(["item_treatment_id", "version_fingerprint"])
        .groupBy("disposition")
        .count()
        .collect()
    )
    by_disposition = {r["disposition"]: r["count"] for r in rows}
    return sum(by_disposition.values()), by_disposition.get(DEFERRED, 0)


def _cursor_to(greatest: str | None, extracted: ExtractSummary) -> str:
    """min(the greatest well-formed gsi_modified_at read, the extraction's start)."""
    return min(greatest, extracted.extraction_start) if greatest else extracted.extraction_start


def _watermark_change(
    checked, batch_id: str, cursor_to: str, extracted: ExtractSummary, cfg: JobConfig
) -> WatermarkChange:
    """The versions this batch records (the last one per keyed id with a well-formed stamp
    inside the overlap window before ``cursor_to``; deferred versions are never recorded) and
    the ids whose last version here was deferred (the re-read list)."""
    window_from = format_ts(parse_ts(cursor_to) - timedelta(seconds=cfg.overlap_seconds))
    stamp = F.col("gsi_modified_at")
    in_window = stamp.rlike(_STAMP_PATTERN) & (stamp >= window_from)
    is_deferred = F.coalesce(F.col("disposition") == DEFERRED, F.lit(False))
    # Through Arrow, not Row objects: right after a bulk load the window holds most of the
    # table (370,000 keys after the 600,000 seed), and collect() pickled every row.
    frame = (
        checked.filter(F.col("key_id").isNotNull() & (in_window | is_deferred))
        .select("key_id", "gsi_modified_at", "version_fingerprint", is_deferred.alias("deferred"))
        .toPandas()
        .sort_values(["key_id", "gsi_modified_at", "version_fingerprint"], na_position="first")
        .drop_duplicates("key_id", keep="last")
    )
    recorded = frame[~frame["deferred"] & frame["gsi_modified_at"].notna()]
    recorded = recorded[recorded["gsi_modified_at"] >= window_from]
    return WatermarkChange(
        batch_id=batch_id,
        cursor_to=cursor_to,
        recorded={
            key: (fingerprint, modified)
            for key, modified, fingerprint in zip(
                recorded["key_id"],
                recorded["gsi_modified_at"],
                recorded["version_fingerprint"],
                strict=True,
            )
        },
        deferred=sorted(frame.loc[frame["deferred"], "key_id"].tolist(), key=id_order),
        reread=list(extracted.reread),
        based_on=extracted.watermark_batch,
    )
