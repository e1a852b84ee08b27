"""Change rounds: deterministic, the stated fraction, valid new versions (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime

import pytest
from fixtures.source_rules import broken_rules

from healthetl.source import changes, generator

pytestmark = pytest.mark.unit

N = 2_000
AT = "2026-06-01T12:00:00Z"


@pytest.fixture(scope="module")
def current() -> dict[int, dict]:
    return {int(i["treatment_id"]["N"]): i for i in generator.iter_items(42, N)}


def test_plan_touches_one_percent_and_new_ids_never_collide():
    plans = [changes.plan_round(42, N, r) for r in (1, 2, 3)]
    for plan in plans:
        assert len(plan.changed_ids) == N // 100
        assert len(set(plan.changed_ids)) == len(plan.changed_ids)
        assert all(1 <= i <= N for i in plan.changed_ids)
        assert len(plan.new_ids) >= 1 and min(plan.new_ids) > N
    new_ids = [i for plan in plans for i in plan.new_ids]
    assert len(set(new_ids)) == len(new_ids)
    assert plans[0].changed_ids != plans[1].changed_ids
    assert changes.plan_round(42, N, 1) == plans[0]


def test_round_is_deterministic(current):
    first = changes.build_round(42, N, 1, current, AT)
    again = changes.build_round(42, N, 1, current, AT)
    assert [generator.canonical_bytes(i) for i in first.items] == [
        generator.canonical_bytes(i) for i in again.items
    ]


def test_new_versions_are_valid_later_and_of_the_stated_kinds(current):
    result = changes.build_round(42, N, 1, current, AT)
    plan = result.plan
    assert result.missing_ids == []
    assert [int(i["treatment_id"]["N"]) for i in result.items] == plan.changed_ids + plan.new_ids
    now = datetime(2026, 6, 1, 12, 0, 0)
    for item in result.items:
        assert broken_rules(item, now) == []
        assert item["metadata"]["M"]["modified_at"]["S"] == AT
    for item in result.items[: len(plan.changed_ids)]:
        old = current[int(item["treatment_id"]["N"])]
        old_t, new_t = old["treatment"]["M"], item["treatment"]["M"]
        if old_t["outcome_status"]["S"] == "Ongoing":
            assert new_t["outcome_status"]["S"] != "Ongoing"
            assert new_t["start_date"] == old_t["start_date"]
        else:
            assert new_t["cost"] != old_t["cost"]
        assert item["metadata"]["M"]["added_at"] == old["metadata"]["M"]["added_at"]
        assert {k: v for k, v in item.items() if k not in ("treatment", "metadata")} == {
            k: v for k, v in old.items() if k not in ("treatment", "metadata")
        }
    assert result.kinds["completed"] >= 1 and result.kinds["cost_corrected"] >= 1
    assert result.kinds["added"] == len(plan.new_ids)


def test_modified_at_moves_forward_even_when_the_clock_does_not(current):
    first = changes.build_round(42, N, 1, current, AT)
    after = dict(current)
    after.update({int(i["treatment_id"]["N"]): i for i in first.items})
    again = changes.build_round(42, N, 1, after, AT)
    for item in again.items[: len(again.plan.changed_ids)]:
        assert item["metadata"]["M"]["modified_at"]["S"] > AT


def test_ids_missing_from_the_table_are_reported_not_invented(current):
    plan = changes.plan_round(42, N, 1)
    partial = {k: v for k, v in current.items() if k != plan.changed_ids[0]}
    result = changes.build_round(42, N, 1, partial, AT)
    assert result.missing_ids == [plan.changed_ids[0]]
