"""Transform: bronze items (raw DynamoDB JSON) → (valid silver rows, rejected rows).

A pure function of its inputs. The rules live in ``rules``; this module runs them over Arrow
batches (``mapInArrow``: one Python pass per item, no per-row pickling) and builds the exact
contract types (int64 ids, decimal(18,2)/(5,2), zone-less timestamp[us] holding UTC, int32)
straight in Arrow, so no value goes through a float or a lossy cast. Within the batch, the
latest *valid* version of each treatment wins; every rejected version is reported once, with
its fingerprint and disposition (``versions``: ``deferred`` when only dated in the near future).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow as pa
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F  # noqa: N812 (the PySpark idiom)
from pyspark.sql.types import BooleanType, LongType, StringType, StructField, StructType

from treatment_jobs.rules import BUSINESS_COLUMNS, check_item, cut_raw_item, to_epoch_micros
from treatment_jobs.schema import REJECTED_COLUMNS, SILVER_COLUMNS
from treatment_jobs.versions import disposition, fingerprint_of_text

DEFAULT_HORIZON = timedelta(hours=24)

_BUSINESS_FIELDS = [StructField(c.name, c.spark_type, True) for c in SILVER_COLUMNS[:30]]
CHECKED_SCHEMA = StructType(
    [
        StructField("is_valid", BooleanType(), False),
        StructField("broken_rules", StringType(), True),
        StructField("raw_item", StringType(), True),
        StructField("item_treatment_id", LongType(), True),
        StructField("key_id", StringType(), True),  # the item's top-level key, as read
        StructField("gsi_modified_at", StringType(), True),
        StructField("version_fingerprint", StringType(), False),
        StructField("disposition", StringType(), True),  # rejected | deferred; None when valid
        *_BUSINESS_FIELDS,
    ]
)


def _arrow_type(column_name: str) -> pa.DataType:
    sql = next(c.sql_type for c in SILVER_COLUMNS if c.name == column_name)
    if sql == "BIGINT":
        return pa.int64()
    if sql == "INTEGER":
        return pa.int32()
    if sql == "TIMESTAMP":
        return pa.timestamp("us")  # Spark's TimestampNTZType; values are UTC
    if sql.startswith("DECIMAL("):
        precision, scale = (int(p) for p in sql[len("DECIMAL(") : -1].split(","))
        return pa.decimal128(precision, scale)
    return pa.string()


_ARROW_TYPES = {name: _arrow_type(name) for name in BUSINESS_COLUMNS}
_TIMESTAMP_COLUMNS = frozenset(
    n for n in BUSINESS_COLUMNS if pa.types.is_timestamp(_ARROW_TYPES[n])
)


def _check_batches(
    batches: Iterator[pa.RecordBatch], extraction_start: datetime, horizon: timedelta
) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        items = batch.column("item").to_pylist()
        modified = batch.column("gsi_modified_at").to_pylist()
        is_valid: list[bool] = []
        broken_rules: list[str | None] = []
        raw_items: list[str | None] = []
        ids: list[int | None] = []
        fingerprints: list[str] = []
        dispositions: list[str | None] = []
        columns: dict[str, list] = {name: [] for name in BUSINESS_COLUMNS}
        for raw in items:
            checked = check_item(raw, extraction_start)
            is_valid.append(checked.valid)
            ids.append(checked.treatment_id)
            fingerprints.append(fingerprint_of_text(raw))
            if checked.values is None:
                broken_rules.append(checked.broken_rules)
                raw_items.append(cut_raw_item(raw))
                dispositions.append(
                    disposition(raw, checked.broken_rules, extraction_start, horizon)
                )
                for values in columns.values():
                    values.append(None)
                continue
            broken_rules.append(None)
            raw_items.append(None)
            dispositions.append(None)
            for name, value in checked.values.items():
                if name in _TIMESTAMP_COLUMNS and value is not None:
                    value = to_epoch_micros(value)
                columns[name].append(value)
        arrays = [
            pa.array(is_valid, pa.bool_()),
            pa.array(broken_rules, pa.string()),
            pa.array(raw_items, pa.string()),
            pa.array(ids, pa.int64()),
            batch.column("treatment_id"),
            pa.array(modified, pa.string()),
            pa.array(fingerprints, pa.string()),
            pa.array(dispositions, pa.string()),
            *(pa.array(columns[name], _ARROW_TYPES[name]) for name in BUSINESS_COLUMNS),
        ]
        yield pa.RecordBatch.from_arrays(arrays, names=CHECKED_SCHEMA.fieldNames())


def check_items(
    items: DataFrame, extraction_start: datetime, horizon: timedelta = DEFAULT_HORIZON
) -> DataFrame:
    """Every bronze item with its verdict, broken rules, version and (when valid) typed
    columns; ``horizon``: how far ahead a version may be dated and still be deferred."""
    bronze = items.select("treatment_id", "item", "gsi_modified_at")
    return bronze.mapInArrow(
        lambda it: _check_batches(it, extraction_start, horizon), CHECKED_SCHEMA
    )


@dataclass(frozen=True)
class TransformResult:
    valid: DataFrame  # SILVER_COLUMNS, one row per treatment_id (its latest valid version)
    rejected: DataFrame  # REJECTED_COLUMNS, every rejected version


def split_checked(
    checked: DataFrame, batch_id: str, extracted_at: datetime, *, one_version_each: bool = False
) -> TransformResult:
    """Valid rows (deduplicated, contract order) and rejected rows from ``check_items``.
    ``one_version_each``: the caller counted one valid row per treatment_id, so the latest-
    version window (a shuffle and a sort of every valid row) is skipped."""
    batch = F.lit(batch_id).cast("string")
    stamp = F.lit(extracted_at).cast("timestamp_ntz")
    valid_rows = checked.filter(F.col("is_valid"))
    if not one_version_each:
        latest_first = Window.partitionBy("treatment_id").orderBy(
            F.col("metadata_modified_at").desc(), F.col("gsi_modified_at").desc_nulls_last()
        )
        valid_rows = valid_rows.withColumn(
            "_version_rank", F.row_number().over(latest_first)
        ).filter(F.col("_version_rank") == 1)
    valid = valid_rows.select(
        *BUSINESS_COLUMNS, batch.alias("batch_id"), stamp.alias("extracted_at")
    )
    # A version read twice (by the index and by key) is reported once.
    rejected = (
        checked.filter(~F.col("is_valid"))
        .dropDuplicates(["item_treatment_id", "version_fingerprint"])
        .select(
            batch.alias("batch_id"),
            F.col("item_treatment_id").alias("treatment_id"),
            "broken_rules",
            "raw_item",
            stamp.alias("extracted_at"),
            "version_fingerprint",
            "disposition",
        )
    )
    assert valid.columns == [c.name for c in SILVER_COLUMNS]
    assert rejected.columns == [c.name for c in REJECTED_COLUMNS]
    return TransformResult(valid=valid, rejected=rejected)


def transform(
    items: DataFrame,
    *,
    batch_id: str,
    extraction_start: datetime,
    extracted_at: datetime | None = None,
) -> TransformResult:
    """Bronze items → (valid, rejected). R6 uses ``extraction_start`` + 5 minutes;
    ``extracted_at`` (default: the extraction start) is stamped on every row."""
    checked = check_items(items, extraction_start)
    return split_checked(checked, batch_id, extracted_at or extraction_start)
