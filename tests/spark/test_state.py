"""Batch ids and the watermark's arithmetic (pure; no Spark, no AWS)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from treatment_jobs.extract import days_between
from treatment_jobs.state import (
    BATCH_ID,
    RecordedVersion,
    Watermark,
    WatermarkChange,
    apply_change,
    new_batch_id,
    requeue_skipped,
)

pytestmark = pytest.mark.unit


def test_batch_id_form_and_order() -> None:
    first = new_batch_id(datetime(2026, 11, 26, 10, 30, 0, tzinfo=UTC))
    later = new_batch_id(datetime(2026, 11, 26, 10, 30, 1, tzinfo=UTC))
    assert BATCH_ID.fullmatch(first)
    assert first.startswith("b20261126T103000Z-")
    assert first < later


NOW = datetime(2026, 11, 26, 10, 5, tzinfo=UTC)


def _change(batch_id: str, cursor_to: str, recorded=None, deferred=(), reread=()):
    return WatermarkChange(batch_id, cursor_to, dict(recorded or {}), list(deferred), list(reread))


def test_cursor_moves_forward_and_keeps_versions_in_the_window() -> None:
    previous = Watermark(
        "2026-11-26T10:00:00Z",
        recorded={
            "1": RecordedVersion("f1", "2026-11-26T09:56:00Z", "b1"),
            "2": RecordedVersion("f2", "2026-11-26T09:59:00Z", "b1"),
        },
    )
    change = _change(
        "b2",
        "2026-11-26T10:04:30Z",
        {"3": ("f3", "2026-11-26T10:03:00Z"), "4": ("f4", "2026-11-26T10:04:30Z")},
    )
    after = apply_change(previous, change, 300, NOW)
    assert after.cursor == "2026-11-26T10:04:30Z"
    # window from 09:59:30: ids 1 and 2 fall out, the batch's versions stay, named by batch
    assert after.recorded == {
        "3": RecordedVersion("f3", "2026-11-26T10:03:00Z", "b2"),
        "4": RecordedVersion("f4", "2026-11-26T10:04:30Z", "b2"),
    }
    assert after.batch_id == "b2"


def test_cursor_never_moves_back_and_the_last_version_per_id_wins() -> None:
    previous = Watermark(
        "2026-11-26T10:00:00Z", recorded={"1": RecordedVersion("old", "2026-11-26T09:58:00Z", "b1")}
    )
    change = _change("b3", "2026-11-26T09:00:00Z", {"1": ("new", "2026-11-26T09:58:00Z")})
    after = apply_change(previous, change, 300, NOW)
    assert after.cursor == "2026-11-26T10:00:00Z"
    assert after.recorded == {"1": RecordedVersion("new", "2026-11-26T09:58:00Z", "b3")}


def test_the_re_read_list_loses_ids_read_by_key_and_gains_deferred_ones() -> None:
    previous = Watermark("2026-11-26T10:00:00Z", reread={"5": "deferred", "6": "skipped"})
    change = _change("b4", "2026-11-26T10:01:00Z", deferred=["5", "7"], reread=["5", "6"])
    after = apply_change(previous, change, 300, NOW)
    assert after.reread == {"5": "deferred", "7": "deferred"}


def test_a_skipped_batch_is_re_queued_and_its_versions_unrecorded() -> None:
    mark = Watermark(
        "2026-11-26T10:00:00Z",
        recorded={
            "1": RecordedVersion("f1", "2026-11-26T09:58:00Z", "b1"),
            "2": RecordedVersion("f2", "2026-11-26T09:59:00Z", "b2"),
        },
        reread={"9": "deferred"},
    )
    after = requeue_skipped(mark, "b1", ["1", "3", "9"])
    assert after.recorded == {"2": RecordedVersion("f2", "2026-11-26T09:59:00Z", "b2")}
    assert after.reread == {"1": "skipped", "3": "skipped", "9": "deferred"}
    assert after.skips_applied == ["b1"]


def test_the_drop_rule_compares_fingerprints_not_stamps() -> None:
    mark = Watermark(
        "2026-11-26T10:00:00Z",
        recorded={"1": RecordedVersion("f1", "2026-11-26T09:58:00Z", "b1")},
        legacy_keys=[("2", "2026-11-26T09:59:00Z")],
    )
    rule = mark.drop_rule()
    assert rule.drops("1", "2026-11-26T09:58:00Z", "f1")
    assert not rule.drops("1", "2026-11-26T09:58:00Z", "f9")  # same second, other content
    assert rule.drops("2", "2026-11-26T09:59:00Z", None)  # format 1: by its published key
    assert not rule.drops("2", "2026-11-26T10:00:01Z", None)
    assert not rule.drops(None, None, "f1")


def test_watermark_and_change_round_trip_as_json() -> None:
    mark = Watermark(
        "2026-11-26T10:00:00Z",
        recorded={"7": RecordedVersion("f7", "2026-11-26T09:58:00Z", "b1")},
        reread={"8": "deferred"},
        skips_applied=["b0"],
        batch_id="b1",
        updated_at="x",
    )
    assert Watermark.from_json(mark.to_json()) == mark
    change = _change("b2", "2026-11-26T10:00:00Z", {"7": ("f7", "2026-11-26T09:58:00Z")}, ["8"])
    assert WatermarkChange.from_json(change.to_json()) == change


def test_a_format_1_watermark_is_upgraded_in_place() -> None:
    text = json.dumps(
        {
            "schema_version": 1,
            "cursor": "2026-11-26T10:00:00Z",
            "published_keys": [["7", "2026-11-26T09:58:00Z"]],
            "batch_id": "b1",
            "updated_at": "x",
        }
    )
    mark = Watermark.from_json(text)
    assert (mark.cursor, mark.batch_id, mark.recorded, mark.reread) == (
        "2026-11-26T10:00:00Z",
        "b1",
        {},
        {},
    )
    assert mark.legacy_keys == [("7", "2026-11-26T09:58:00Z")]
    later = apply_change(mark, _change("b2", "2026-11-26T10:10:00Z"), 300, NOW)
    assert later.legacy_keys == []  # out of the window: the format-1 keys are gone
    assert json.loads(later.to_json())["format"] == 2


def test_incremental_days_span_cursor_day_to_extraction_day() -> None:
    since = datetime(2026, 11, 24, 23, 58, tzinfo=UTC)
    start = datetime(2026, 11, 26, 0, 1, tzinfo=UTC)
    assert days_between(since, start) == ["2026-11-24", "2026-11-25", "2026-11-26"]


def test_batch_ids_keep_the_order_of_publication_within_one_second() -> None:
    moment = datetime(2026, 11, 26, 10, 30, 0, tzinfo=UTC)
    last = "b20261126T103000Z-fffffff0"
    following = new_batch_id(moment, after=last)
    assert BATCH_ID.fullmatch(following) and following > last
    # Even when the clock is behind the last batch, or the second's ids run out.
    assert new_batch_id(moment, after="b20261126T103005Z-00000001") > "b20261126T103005Z-00000001"
    assert new_batch_id(moment, after="b20261126T103000Z-ffffffff").startswith("b20261126T103001Z-")
    ids = [new_batch_id(moment)]
    for _ in range(200):
        ids.append(new_batch_id(moment, after=ids[-1]))
    assert ids == sorted(set(ids))
