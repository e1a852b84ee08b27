"""Values, types, versions and the raw-item cut of the transform; the silver Parquet types."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from treatment_jobs import storage
from treatment_jobs.config import JobConfig
from treatment_jobs.extract import ExtractSummary, bronze_path, summary_path
from treatment_jobs.rules import RAW_ITEM_LIMIT_BYTES, TRUNCATION_MARK, cut_raw_item
from treatment_jobs.schema import BRONZE_SCHEMA, REJECTED_SCHEMA, SILVER_COLUMNS, SILVER_SCHEMA
from treatment_jobs.transform import transform
from treatment_jobs.transform_stage import run_transform, silver_path

from spark.items import N, S, bronze_rows, modified_item, ongoing_item, valid_item

pytestmark = pytest.mark.spark

START = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
BATCH = "b20261126T120000Z-00ff00ff"


def _run(spark, items: list[dict]):
    frame = spark.createDataFrame(bronze_rows(items), BRONZE_SCHEMA)
    return transform(frame, batch_id=BATCH, extraction_start=START)


def _types(schema) -> list[tuple[str, object]]:
    return [(f.name, f.dataType) for f in schema.fields]


def test_values_are_exact(spark) -> None:
    big = 2**62 + 12345
    items = [
        valid_item(big, treatment__cost=N("1234.5"), disease__mortality_rate=N("99.99")),
        ongoing_item(2),
    ]
    out = _run(spark, items)
    assert _types(out.valid.schema) == _types(SILVER_SCHEMA)
    assert _types(out.rejected.schema) == _types(REJECTED_SCHEMA)
    rows = {r["treatment_id"]: r for r in out.valid.collect()}
    row = rows[big]
    assert row["treatment_cost"] == Decimal("1234.50")
    assert row["disease_mortality_rate"] == Decimal("99.99")
    assert row["treatment_start_date"] == datetime(2024, 3, 1, 9, 0, 0)
    assert row["treatment_completion_date"] == datetime(2024, 3, 7, 14, 5, 9)
    assert row["treatment_duration_in_days"] == 6
    assert row["provider_full_name"] == "Dr. Ana Müller"
    assert row["batch_id"] == BATCH
    assert row["extracted_at"] == datetime(2026, 11, 26, 12, 0, 0)
    ongoing = rows[2]
    assert ongoing["treatment_completion_date"] is None
    assert ongoing["treatment_outcome_date"] is None
    assert ongoing["treatment_duration_in_days"] is None
    assert out.rejected.count() == 0


def test_latest_valid_version_wins_and_rejected_versions_are_reported(spark) -> None:
    def version(modified: str, **overrides: object) -> dict:
        return valid_item(500, metadata__modified_at=S(modified), **overrides)

    items = [
        version("2024-03-10T09:00:00Z", treatment__cost=N("1.00")),
        version("2024-03-11T09:00:00Z", treatment__cost=N("2.00")),  # latest valid
        version("2024-03-12T09:00:00Z", treatment__cost=N("3.001")),  # newer but invalid
    ]
    out = _run(spark, items)
    valid = out.valid.collect()
    assert [(r["treatment_id"], r["treatment_cost"]) for r in valid] == [(500, Decimal("2.00"))]
    rejected = out.rejected.collect()
    assert [(r["treatment_id"], r["broken_rules"]) for r in rejected] == [(500, "R2")]


def test_raw_item_is_cut_on_a_character_boundary(spark) -> None:
    item = valid_item(600, treatment__type=S("none"))
    item["notes"] = S("ü" * 40_000)  # 80,000 bytes of two-byte characters
    out = _run(spark, [item])
    (row,) = out.rejected.collect()
    assert row["broken_rules"] == "R4"
    assert row["raw_item"].endswith(TRUNCATION_MARK)
    body = row["raw_item"][: -len(TRUNCATION_MARK)].encode("utf-8")
    assert RAW_ITEM_LIMIT_BYTES - 1 <= len(body) <= RAW_ITEM_LIMIT_BYTES
    assert json.dumps(item, ensure_ascii=False).encode("utf-8").startswith(body)


def test_cut_raw_item_keeps_short_items_whole() -> None:
    assert cut_raw_item('{"a":1}') == '{"a":1}'
    exact = "é" * (RAW_ITEM_LIMIT_BYTES // 2)
    assert cut_raw_item(exact) == exact


def test_cut_raw_item_escapes_a_literal_nul() -> None:
    """Only a bronze text that is not JSON can hold a literal NUL (JSON escapes it); raw_item
    never does, since COPY refuses it: it gets JSON's escape, before the cut."""
    assert cut_raw_item('{"x": "a\x00b"') == '{"x": "a\\u0000b"'
    cut = cut_raw_item("\x00" + "é" * RAW_ITEM_LIMIT_BYTES)
    assert "\x00" not in cut
    assert cut.startswith("\\u0000é") and cut.endswith(TRUNCATION_MARK)
    assert cut_raw_item('{"x": {"S": "a\\u0000b"}}') == '{"x": {"S": "a\\u0000b"}}'


def test_parquet_types_match_the_contract(spark, tmp_path) -> None:
    out = _run(spark, [valid_item(2**40), valid_item(7, treatment__type=S("bad"))])
    out.valid.coalesce(1).write.parquet(str(tmp_path / "valid"))
    out.rejected.coalesce(1).write.parquet(str(tmp_path / "rejected"))
    expected = {
        "BIGINT": pa.int64(),
        "INTEGER": pa.int32(),
        "TIMESTAMP": pa.timestamp("us"),  # no zone: isAdjustedToUTC=false
        "DECIMAL(18,2)": pa.decimal128(18, 2),
        "DECIMAL(5,2)": pa.decimal128(5, 2),
    }
    (valid_file,) = (tmp_path / "valid").glob("part-*.parquet")
    schema = pq.read_schema(valid_file)
    assert schema.names == [c.name for c in SILVER_COLUMNS]
    for column in SILVER_COLUMNS:
        assert schema.field(column.name).type == expected.get(column.sql_type, pa.string())
    (rejected_file,) = (tmp_path / "rejected").glob("part-*.parquet")
    rejected = pq.read_table(rejected_file)
    assert rejected.schema.names == [
        "batch_id",
        "treatment_id",
        "broken_rules",
        "raw_item",
        "extracted_at",
        "version_fingerprint",
        "disposition",
    ]
    assert rejected.schema.field("treatment_id").type == pa.int64()
    assert pq.read_table(valid_file).column("treatment_id").to_pylist() == [2**40]


def _bronze_batch(spark, cfg: JobConfig, batch_id: str, items: list[dict]) -> None:
    spark.createDataFrame(bronze_rows(items), BRONZE_SCHEMA).write.parquet(
        bronze_path(cfg, batch_id)
    )
    summary = ExtractSummary(batch_id, "full", "2026-11-26T12:00:00Z", None, 0, 0, 0, 4, None)
    storage.write_text(summary_path(cfg, batch_id), summary.to_json())


@pytest.mark.parametrize("duplicated", [True, False], ids=["versions", "one-each"])
def test_transform_stage_counts_and_keeps_the_latest_valid_version(
    spark, tmp_path, duplicated: bool
) -> None:
    """run_transform skips the latest-version window when every treatment comes once; with
    several versions the latest valid one still wins and the others count as superseded."""
    cfg = JobConfig("t", "i", "b", str(tmp_path / "bronze"), str(tmp_path / "silver"))
    versions = [
        valid_item(500, metadata__modified_at=S("2024-03-10T09:00:00Z"), treatment__cost=N(1)),
        valid_item(500, metadata__modified_at=S("2024-03-11T09:00:00Z"), treatment__cost=N(2)),
    ]
    items = [*(versions if duplicated else versions[1:]), valid_item(501), {"broken": S("x")}]
    _bronze_batch(spark, cfg, BATCH, items)
    summary = run_transform(spark, cfg, BATCH)
    superseded = 1 if duplicated else 0
    assert (summary.read, summary.valid, summary.rejected, summary.superseded) == (
        len(items),
        2,
        1,
        superseded,
    )
    valid = pq.read_table(silver_path(cfg, BATCH, "valid")).to_pylist()
    costs = {row["treatment_id"]: row["treatment_cost"] for row in valid}
    assert costs[500] == Decimal("2.00") and len(valid) == 2


@pytest.mark.parametrize(
    ("late_stamp", "cursor", "window_from"),
    [
        (None, "2026-11-26T11:59:00Z", "2026-11-26T11:54:00Z"),
        ("2026-11-26T12:03:00Z", "2026-11-26T12:00:00Z", "2026-11-26T11:55:00Z"),
    ],
    ids=["greatest-stamp", "capped-at-extraction-start"],
)
def test_transform_stage_records_the_watermark_range(
    spark, tmp_path, late_stamp: str | None, cursor: str, window_from: str
) -> None:
    """cursor_to is the greatest well-formed gsi_modified_at of every item read, valid or not,
    never later than the extraction start; the watermark change records the versions of the
    keyed items within the overlap before it (the next incremental run drops them when
    unchanged), each with its fingerprint."""
    cfg = JobConfig(
        "t", "i", "b", str(tmp_path / "bronze"), str(tmp_path / "silver"), overlap_seconds=300
    )
    keyless = modified_item(605, "2026-11-26T11:56:00Z")
    del keyless["treatment_id"]
    items = [
        modified_item(601, "2026-11-26T11:50:00Z"),
        modified_item(602, "2026-11-26T11:55:00Z"),
        modified_item(603, "2026-11-26T11:58:00Z"),
        # Rejected, and the greatest stamp read: the cursor moves past it all the same.
        modified_item(604, "2026-11-26T11:59:00Z", treatment__cost=S("not a number")),
        keyless,
        # Not a well-formed stamp: neither the cursor nor a window key, whatever it sorts as.
        {**modified_item(606, "2026-11-26T11:54:00Z"), "gsi_modified_at": S("2026-11-26T13:00")},
    ]
    if late_stamp:  # written while the extract ran: after its start, still valid (R6)
        items.append(modified_item(607, late_stamp))
    _bronze_batch(spark, cfg, BATCH, items)

    summary = run_transform(spark, cfg, BATCH)

    assert summary.cursor_to == cursor
    stamps = {601: "2026-11-26T11:50:00Z", 602: "2026-11-26T11:55:00Z"}
    stamps |= {603: "2026-11-26T11:58:00Z", 604: "2026-11-26T11:59:00Z"}
    if late_stamp:
        stamps[607] = late_stamp
    expected = {str(i): s for i, s in stamps.items() if s >= window_from}
    change = summary.watermark_change()
    assert {k: stamp for k, (_, stamp) in change.recorded.items()} == expected
    assert all(len(fingerprint) == 16 for fingerprint, _ in change.recorded.values())
    assert change.deferred == []
    assert summary.rejected == 2  # the bad cost, and the item without its key
