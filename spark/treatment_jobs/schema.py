"""The silver and rejected column lists of ``contracts/pipeline.md``: one list, one order.

Redshift COPY from Parquet maps columns by position, so the order here is the order of the
staging DDL and of every Parquet file the jobs publish.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql.types import (
    DataType,
    DecimalType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
)


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # as written in the contract / staging DDL

    @property
    def varchar_bytes(self) -> int | None:
        """The byte limit of a VARCHAR(n) column (UTF-8 bytes, as in Redshift)."""
        if self.sql_type.startswith("VARCHAR("):
            return int(self.sql_type[len("VARCHAR(") : -1])
        return None

    @property
    def spark_type(self) -> DataType:
        t = self.sql_type
        if t == "BIGINT":
            return LongType()
        if t == "INTEGER":
            return IntegerType()
        if t == "TIMESTAMP":
            # Redshift TIMESTAMP has no zone: Parquet timestamp[us] with isAdjustedToUTC=false,
            # values in UTC (pipeline.md).
            return TimestampNTZType()
        if t.startswith("DECIMAL("):
            precision, scale = (int(p) for p in t[len("DECIMAL(") : -1].split(","))
            return DecimalType(precision, scale)
        if t.startswith("VARCHAR("):
            return StringType()
        raise ValueError(f"unmapped SQL type {t!r}")


SILVER_COLUMNS: tuple[Column, ...] = (
    Column("treatment_id", "BIGINT"),
    Column("treatment_start_date", "TIMESTAMP"),
    Column("treatment_completion_date", "TIMESTAMP"),
    Column("treatment_outcome_status", "VARCHAR(32)"),
    Column("treatment_outcome_date", "TIMESTAMP"),
    Column("treatment_duration_in_days", "INTEGER"),
    Column("treatment_cost", "DECIMAL(18,2)"),
    Column("treatment_type", "VARCHAR(32)"),
    Column("provider_id", "BIGINT"),
    Column("provider_full_name", "VARCHAR(256)"),
    Column("provider_speciality_id", "BIGINT"),
    Column("provider_speciality_name", "VARCHAR(128)"),
    Column("provider_affiliated_hospital", "VARCHAR(256)"),
    Column("location_id", "BIGINT"),
    Column("location_country", "VARCHAR(64)"),
    Column("location_state", "VARCHAR(64)"),
    Column("location_city", "VARCHAR(128)"),
    Column("patient_id", "BIGINT"),
    Column("patient_full_name", "VARCHAR(256)"),
    Column("patient_gender", "VARCHAR(32)"),
    Column("patient_age", "INTEGER"),
    Column("disease_id", "BIGINT"),
    Column("disease_speciality_id", "BIGINT"),
    Column("disease_name", "VARCHAR(128)"),
    Column("disease_type", "VARCHAR(64)"),
    Column("disease_severity", "VARCHAR(16)"),
    Column("disease_transmission_mode", "VARCHAR(64)"),
    Column("disease_mortality_rate", "DECIMAL(5,2)"),
    Column("metadata_added_at", "TIMESTAMP"),
    Column("metadata_modified_at", "TIMESTAMP"),
    Column("batch_id", "VARCHAR(64)"),
    Column("extracted_at", "TIMESTAMP"),
)

REJECTED_COLUMNS: tuple[Column, ...] = (
    Column("batch_id", "VARCHAR(64)"),
    Column("treatment_id", "BIGINT"),
    Column("broken_rules", "VARCHAR(64)"),
    Column("raw_item", "VARCHAR(65535)"),
    Column("extracted_at", "TIMESTAMP"),
    Column("version_fingerprint", "VARCHAR(16)"),  # the rejected version (``versions``)
    Column("disposition", "VARCHAR(16)"),  # rejected: final; deferred: read again every run
)

# Bronze: the items as read, raw DynamoDB JSON, plus the two keys the watermark needs.
BRONZE_SCHEMA = StructType(
    [
        StructField("treatment_id", StringType(), True),  # the N key as its string, if any
        StructField("gsi_modified_at", StringType(), True),
        StructField("item", StringType(), False),  # the whole item as DynamoDB JSON
    ]
)


def struct_of(columns: tuple[Column, ...]) -> StructType:
    return StructType([StructField(c.name, c.spark_type, True) for c in columns])


SILVER_SCHEMA = struct_of(SILVER_COLUMNS)
REJECTED_SCHEMA = struct_of(REJECTED_COLUMNS)
