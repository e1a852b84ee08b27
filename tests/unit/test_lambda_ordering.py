"""The gate's ordering rule: one batch at a time, in batch-id order, failed ones hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from load_pipeline.ordering import Execution, decide

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
B1 = "b20261126T100000Z-00000001"
B2 = "b20261126T110000Z-00000002"
B3 = "b20261126T120000Z-00000003"


def ex(name: str, status: str, minutes: int) -> Execution:
    return Execution(name, status, T0 + timedelta(minutes=minutes))


def test_first_batch_proceeds_alone() -> None:
    me = ex(B1, "RUNNING", 0)
    assert decide(me, [me], set()).proceed


def test_waits_while_an_earlier_batch_runs() -> None:
    me = ex(B2, "RUNNING", 5)
    decision = decide(me, [ex(B1, "RUNNING", 0), me], set())
    assert not decision.proceed
    assert decision.blocking_batch == B1


def test_later_batches_never_block_an_earlier_one() -> None:
    me = ex(B1, "RUNNING", 5)
    assert decide(me, [ex(B2, "RUNNING", 0), ex(B3, "FAILED", 1), me], set()).proceed


def test_proceeds_after_earlier_batches_succeeded() -> None:
    me = ex(B3, "RUNNING", 9)
    assert decide(me, [ex(B1, "SUCCEEDED", 0), ex(B2, "SUCCEEDED", 3), me], set()).proceed


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_a_failed_earlier_batch_holds(status: str) -> None:
    me = ex(B2, "RUNNING", 5)
    decision = decide(me, [ex(B1, status, 0), me], set())
    assert not decision.proceed
    assert decision.blocking_batch == B1


def test_a_successful_replay_releases_the_hold() -> None:
    me = ex(B2, "RUNNING", 5)
    history = [ex(B1, "FAILED", 0), ex(f"{B1}-r1", "SUCCEEDED", 7), me]
    assert decide(me, history, set()).proceed


def test_a_failed_replay_holds_again() -> None:
    me = ex(B2, "RUNNING", 9)
    history = [ex(B1, "SUCCEEDED", 0), ex(f"{B1}-r1", "FAILED", 7), me]
    assert not decide(me, history, set()).proceed


def test_skipped_batch_does_not_hold() -> None:
    me = ex(B2, "RUNNING", 5)
    assert decide(me, [ex(B1, "FAILED", 0), me], {B1}).proceed


def test_replay_waits_for_an_earlier_started_execution_of_its_batch() -> None:
    me = ex(f"{B1}-r1", "RUNNING", 5)
    assert not decide(me, [ex(B1, "RUNNING", 0), me], set()).proceed
