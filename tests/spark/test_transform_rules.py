"""The transform against every rule R1–R7 and the type edge cases (one Spark run for all)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from treatment_jobs.schema import BRONZE_SCHEMA
from treatment_jobs.transform import transform

from spark.items import NULL, N, S, bronze_rows, ongoing_item, valid_item

pytestmark = pytest.mark.spark

START = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
BATCH = "b20261126T120000Z-0a1b2c3d"


def _ongoing(tid: int, **overrides: object) -> dict:
    item = ongoing_item(tid)
    for key, value in overrides.items():
        map_name, field = key.split("__")
        item[map_name]["M"][field] = value
    return item


def _without(item: dict, *keys: str) -> dict:
    for key in keys:
        if "__" in key:
            map_name, field = key.split("__")
            item[map_name]["M"].pop(field)
        else:
            item.pop(key)
    return item


# (case name, item, expected broken rules; "" = valid). Each case has its own treatment id.
CASES: list[tuple[str, dict, str]] = [
    ("valid_completed", valid_item(1), ""),
    ("valid_ongoing_fields_absent", ongoing_item(2), ""),
    (
        "valid_ongoing_fields_null",
        _ongoing(
            3,
            treatment__completion_date=NULL,
            treatment__outcome_date=NULL,
            treatment__duration_in_days=NULL,
        ),
        "",
    ),
    ("id_above_2_31", valid_item(2**40), ""),
    ("id_max_int64", valid_item(2**63 - 1), ""),
    ("id_above_int64", valid_item(2**63), "R2"),
    ("id_zero_provider", valid_item(4, provider__id=N(0)), "R2"),
    ("cost_three_decimals", valid_item(5, treatment__cost=N("12.345")), "R2"),
    ("cost_negative", valid_item(6, treatment__cost=N("-0.01")), "R2"),
    ("cost_at_limit", valid_item(7, treatment__cost=N("1000000000")), "R2"),
    ("cost_nan", valid_item(8, treatment__cost=N("NaN")), "R2"),
    ("cost_as_string", valid_item(9, treatment__cost=S("12.00")), "R2"),
    ("cost_max", valid_item(10, treatment__cost=N("999999999.99")), ""),
    (
        "contract_missing_cost_lowercase_type",
        _without(valid_item(11, treatment__type=S("surgery")), "treatment__cost"),
        "R1,R4",
    ),
    (
        "contract_status_lowercase_ongoing",
        _ongoing(12, treatment__outcome_status=S("ongoing")),
        "R4",
    ),
    ("contract_duration_negative", valid_item(13, treatment__duration_in_days=N(-1)), "R2"),
    (
        "contract_start_with_offset",
        valid_item(14, treatment__start_date=S("2024-03-07T14:05:09+00:00")),
        "R3",
    ),
    ("contract_provider_as_string", valid_item(15, provider=S("Dr. X")), "R1"),
    ("bool_on_cost", valid_item(16, treatment__cost={"BOOL": True}), "R2"),
    ("list_on_name", valid_item(17, patient__full_name={"L": []}), "R2"),
    ("two_types_on_leaf", valid_item(18, patient__gender={"S": "Male", "N": "1"}), "R2"),
    ("fractional_seconds", valid_item(19, metadata__added_at=S("2024-03-01T08:00:00.5Z")), "R3"),
    ("space_not_t", valid_item(20, metadata__added_at=S("2024-03-01 08:00:00Z")), "R3"),
    ("not_a_real_date", valid_item(21, metadata__added_at=S("2024-02-30T08:00:00Z")), "R3"),
    ("string_over_bytes_not_chars", valid_item(22, provider__speciality_name=S("é" * 65)), "R2"),
    ("string_exact_bytes", valid_item(23, provider__full_name=S("a" * 256)), ""),
    ("empty_required_string", valid_item(24, location__city=S("")), "R1"),
    ("null_required", valid_item(25, patient__gender=NULL), "R1"),
    ("severity_lowercase", valid_item(26, disease__severity=S("mild")), "R4"),
    ("type_trailing_space", valid_item(27, treatment__type=S("Surgery ")), "R4"),
    (
        "completion_before_start",
        valid_item(28, treatment__completion_date=S("2024-02-01T00:00:00Z")),
        "R5",
    ),
    ("duration_mismatch", valid_item(29, treatment__duration_in_days=N(7)), "R5"),
    ("completed_without_completion", _without(valid_item(30), "treatment__completion_date"), "R5"),
    ("completed_with_null_outcome", valid_item(31, treatment__outcome_date=NULL), "R5"),
    (
        "ongoing_with_completion",
        _ongoing(32, treatment__completion_date=S("2024-03-07T00:00:00Z")),
        "R5",
    ),
    ("added_after_modified", valid_item(33, metadata__added_at=S("2024-03-11T00:00:00Z")), "R6"),
    ("modified_in_future", valid_item(34, metadata__modified_at=S("2026-11-26T12:05:01Z")), "R6"),
    (
        "modified_within_tolerance",
        valid_item(35, metadata__modified_at=S("2026-11-26T12:05:00Z")),
        "",
    ),
    ("key_differs_from_body", valid_item(36, treatment__id=N(37)), "R7"),
    ("age_above_range", valid_item(38, patient__age=N(121)), "R2"),
    ("age_fractional", valid_item(39, patient__age=N("42.5")), "R2"),
    ("mortality_above_100", valid_item(40, disease__mortality_rate=N("100.01")), "R2"),
    ("mortality_three_decimals", valid_item(41, disease__mortality_rate=N("2.555")), "R2"),
    ("metadata_map_missing", _without(valid_item(42), "metadata"), "R1"),
    (
        "unknown_attributes_ignored",
        valid_item(43, extra_top={"BOOL": True}, provider__nickname={"L": []}),
        "",
    ),
    (
        "several_rules",
        valid_item(
            44,
            patient__age=S("x"),
            treatment__type=S("x"),
            metadata__modified_at=S("bad"),
            treatment__id=N(45),
        ),
        "R2,R3,R4,R7",
    ),
    ("age_huge_exponent", valid_item(47, patient__age=N("1E+999999999")), "R2"),
    ("duration_over_int32", valid_item(46, treatment__duration_in_days=N(2**31)), "R2"),
    # R2: no NUL (U+0000) in any string of the contract; COPY would refuse the row.
    ("nul_in_name", valid_item(48, provider__full_name=S("Dr.\x00Ana")), "R2"),
    ("nul_alone", valid_item(49, location__city=S("\x00")), "R2"),
    ("nul_in_closed_set", valid_item(50, treatment__type=S("Surgery\x00")), "R2"),
    ("nul_in_timestamp", valid_item(51, metadata__added_at=S("2024-03-01T08:00:00Z\x00")), "R2"),
    (
        "nul_in_ignored_keys_and_attributes",
        valid_item(
            52,
            extra_top={"M": {"k\x00": {"L": [S("\x00"), {"SS": ["a\x00"]}]}}},
            provider__nickname=S("\x00"),
            **{"disease__note\x00": S("x\x00y")},
        ),
        "",
    ),
]


@pytest.fixture(scope="module")
def result(spark):
    items = [dict(item, case={"S": name}) for name, item, _ in CASES]
    rows = [*bronze_rows(items), (None, None, "[1, 2]")]  # not even an object: R1, id NULL
    frame = spark.createDataFrame(rows, BRONZE_SCHEMA)
    out = transform(frame, batch_id=BATCH, extraction_start=START)
    valid = {r["treatment_id"]: r.asDict() for r in out.valid.collect()}
    rejected = out.rejected.collect()
    by_case = {
        json.loads(r["raw_item"]).get("case", {}).get("S"): r.asDict()
        for r in rejected
        if r["raw_item"].startswith("{")
    }
    return valid, by_case, rejected


@pytest.mark.parametrize(("name", "item", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule(result, name: str, item: dict, expected: str) -> None:
    valid, rejected, _ = result
    key = int(item["treatment_id"]["N"])
    if expected == "":
        assert name not in rejected, rejected.get(name)
        assert key in valid
    else:
        assert rejected[name]["broken_rules"] == expected
        assert rejected[name]["batch_id"] == BATCH
        assert rejected[name]["extracted_at"] == START.replace(tzinfo=None)
        assert key not in valid or name == "id_above_int64"


def test_every_item_is_valid_or_rejected(result) -> None:
    valid, _, rejected = result
    assert len(valid) + len(rejected) == len(CASES) + 1


def test_unparseable_item_rejected_with_null_id(result) -> None:
    _, _, rejected = result
    junk = [r for r in rejected if r["raw_item"] == "[1, 2]"]
    assert [(r["treatment_id"], r["broken_rules"]) for r in junk] == [(None, "R1")]


def test_rejected_id_is_the_readable_one(result) -> None:
    _, by_case, _ = result
    assert by_case["key_differs_from_body"]["treatment_id"] == 36
    assert by_case["id_above_int64"]["treatment_id"] is None
