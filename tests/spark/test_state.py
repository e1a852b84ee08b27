"""Batch ids and the watermark's arithmetic (pure; no Spark, no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from treatment_jobs.extract import days_between
from treatment_jobs.state import BATCH_ID, Watermark, new_batch_id, next_watermark

pytestmark = pytest.mark.unit


def test_batch_id_form_and_order() -> None:
    first = new_batch_id(datetime(2026, 11, 26, 10, 30, 0, tzinfo=UTC))
    later = new_batch_id(datetime(2026, 11, 26, 10, 30, 1, tzinfo=UTC))
    assert BATCH_ID.fullmatch(first)
    assert first.startswith("b20261126T103000Z-")
    assert first < later


def test_cursor_moves_forward_and_keeps_keys_in_the_window() -> None:
    previous = Watermark(
        "2026-11-26T10:00:00Z",
        [("1", "2026-11-26T09:56:00Z"), ("2", "2026-11-26T09:59:00Z")],
    )
    keys = [("3", "2026-11-26T10:03:00Z"), ("4", "2026-11-26T10:04:30Z")]
    after = next_watermark(previous, "2026-11-26T10:04:30Z", keys, 300, "b2")
    assert after.cursor == "2026-11-26T10:04:30Z"
    # window from 09:59:30: key 1 and 2 fall out, the batch's keys stay
    assert after.published_keys == sorted(keys)
    assert after.batch_id == "b2"


def test_cursor_never_moves_back() -> None:
    previous = Watermark("2026-11-26T10:00:00Z", [("1", "2026-11-26T09:58:00Z")])
    after = next_watermark(
        previous, "2026-11-26T09:00:00Z", [("5", "2026-11-26T09:00:00Z")], 300, "b3"
    )
    assert after.cursor == "2026-11-26T10:00:00Z"
    assert after.published_keys == [("1", "2026-11-26T09:58:00Z")]


def test_watermark_round_trips_as_json() -> None:
    mark = Watermark("2026-11-26T10:00:00Z", [("7", "2026-11-26T09:58:00Z")], "b1", "x")
    assert Watermark.from_json(mark.to_json()) == mark


def test_incremental_days_span_cursor_day_to_extraction_day() -> None:
    since = datetime(2026, 11, 24, 23, 58, tzinfo=UTC)
    start = datetime(2026, 11, 26, 0, 1, tzinfo=UTC)
    assert days_between(since, start) == ["2026-11-24", "2026-11-25", "2026-11-26"]
