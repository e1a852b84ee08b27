"""The gate's ordering rule: one batch at a time, in batch-id order, failed ones hold; the load
lease names the one holder (contracts/pipeline.md, "Batches load strictly one at a time")."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from load_pipeline.ordering import (
    HOLDER_MISSING,
    Action,
    Execution,
    Lease,
    decide,
    execution_lease,
    next_wait_seconds,
    operator_lease,
)

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


def test_a_failed_replay_of_a_loaded_batch_holds_nothing() -> None:
    # Changed by the contract (the gate's lease): a failed replay of a batch that already
    # succeeded holds nothing but alerts (its failure path). It used to hold later batches.
    me = ex(B2, "RUNNING", 9)
    history = [ex(B1, "SUCCEEDED", 0), ex(f"{B1}-r1", "FAILED", 7), me]
    assert decide(me, history, set()).proceed


def test_skipped_batch_does_not_hold() -> None:
    me = ex(B2, "RUNNING", 5)
    assert decide(me, [ex(B1, "FAILED", 0), me], {B1}).proceed


def test_replay_waits_for_an_earlier_started_execution_of_its_batch() -> None:
    me = ex(f"{B1}-r1", "RUNNING", 5)
    assert not decide(me, [ex(B1, "RUNNING", 0), me], set()).proceed


# --- the load lease ---------------------------------------------------------------------------

ARN = "arn:aws:states:us-east-1:123456789012:execution:hca-local-load:"


def held_by(name: str, minutes: int = 0) -> Lease:
    return execution_lease(name, ARN + name, T0 + timedelta(minutes=minutes))


def test_an_earlier_batch_arriving_while_a_later_one_holds_the_lease_waits() -> None:
    later = ex(B2, "RUNNING", 0)  # took the lease: B1 had not arrived yet
    me = ex(B1, "RUNNING", 5)
    decision = decide(me, [later, me], set(), held_by(B2), "RUNNING", now=T0 + timedelta(minutes=6))
    assert decision.action == Action.WAIT
    assert not decision.proceed
    assert decision.lease_holder == B2
    assert decision.blocking_batch == B2


def test_the_earlier_batch_takes_over_once_the_later_holder_has_ended() -> None:
    later = ex(B2, "SUCCEEDED", 0)
    me = ex(B1, "RUNNING", 5)
    decision = decide(me, [later, me], set(), held_by(B2), "SUCCEEDED", now=T0 + timedelta(hours=1))
    assert decision.action == Action.TAKE_OVER


def test_while_the_earlier_batch_waits_for_the_holder_a_later_one_waits_for_it() -> None:
    holder = ex(B2, "RUNNING", 0)
    early = ex(B1, "RUNNING", 5)
    me = ex(B3, "RUNNING", 6)
    decision = decide(me, [holder, early, me], set(), held_by(B2), "SUCCEEDED")
    assert decision.action == Action.WAIT
    assert decision.blocking_batch == B1


@pytest.mark.parametrize("status", ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", HOLDER_MISSING])
def test_a_lease_whose_execution_ended_in_any_status_is_taken_over(status: str) -> None:
    holder = ex(B1, "SUCCEEDED" if status == HOLDER_MISSING else status, 0)
    replay = ex(f"{B1}-r1", "RUNNING", 9)
    executions = [replay] if status == HOLDER_MISSING else [holder, replay]
    decision = decide(replay, executions, set(), held_by(B1), status, now=T0 + timedelta(days=9))
    assert decision.action == Action.TAKE_OVER
    assert decision.proceed


def test_a_lease_held_by_an_aborted_execution_is_taken_over_by_the_replay() -> None:
    aborted = ex(B2, "ABORTED", 0)
    me = ex(f"{B2}-r1", "RUNNING", 3)
    history = [ex(B1, "SUCCEEDED", -5), aborted, me]
    decision = decide(me, history, set(), held_by(B2), "ABORTED", now=T0 + timedelta(minutes=4))
    assert decision.action == Action.TAKE_OVER
    assert "ABORTED" in decision.reason


def test_a_lease_of_a_running_execution_never_expires() -> None:
    me = ex(B2, "RUNNING", 5)
    history = [ex(B1, "SUCCEEDED", 0), me]
    decision = decide(
        me, history, set(), held_by(f"{B1}-r1"), "RUNNING", now=T0 + timedelta(days=30)
    )
    assert decision.action == Action.WAIT


def test_an_unknown_holder_status_counts_as_live() -> None:
    me = ex(B2, "RUNNING", 5)
    decision = decide(me, [me], set(), held_by(B1), None, now=T0 + timedelta(days=1))
    assert decision.action == Action.WAIT


def test_an_expired_operator_lease_is_taken_over() -> None:
    me = ex(B2, "RUNNING", 5)
    skip = operator_lease("skip:alice@host:1a2b", "skip", T0, 600, B1)
    decision = decide(me, [me], {B1}, skip, None, now=T0 + timedelta(seconds=601))
    assert decision.action == Action.TAKE_OVER
    assert "expired" in decision.reason


def test_a_live_operator_lease_is_respected() -> None:
    me = ex(B2, "RUNNING", 5)
    skip = operator_lease("skip:alice@host:1a2b", "skip", T0, 600, B1)
    decision = decide(me, [me], set(), skip, None, now=T0 + timedelta(seconds=599))
    assert decision.action == Action.WAIT
    assert decision.lease_holder == "skip:alice@host:1a2b"


def test_a_renewed_operator_lease_is_respected_past_its_first_expiry() -> None:
    me = ex(B2, "RUNNING", 5)
    renewed = operator_lease("rebuild:ops@host:9f", "full-rebuild", T0 + timedelta(minutes=8), 600)
    decision = decide(me, [me], set(), renewed, None, now=T0 + timedelta(minutes=12))
    assert decision.action == Action.WAIT


def test_the_holder_proceeds_when_its_gate_runs_again() -> None:
    me = ex(B2, "RUNNING", 0)
    decision = decide(me, [ex(B1, "FAILED", -5), me], set(), held_by(B2), None)
    assert decision.action == Action.PROCEED


def test_a_free_lease_is_taken_only_by_the_first_in_line() -> None:
    first, second = ex(B1, "RUNNING", 1), ex(B2, "RUNNING", 0)
    assert decide(first, [first, second], set(), None).action == Action.TAKE
    assert decide(second, [first, second], set(), None).action == Action.WAIT


def test_strictly_one_holder_whatever_the_order_of_polls() -> None:
    """Every running execution's gate decides on the same snapshot: at most one may hold."""
    executions = {
        name: ex(name, "RUNNING", minutes)
        for name, minutes in [(B3, 0), (B1, 2), (B2, 1), (f"{B1}-r1", 3)]
    }
    executions[B1] = ex(B1, "FAILED", 2)  # B1 failed once, its replay is waiting
    lease: Lease | None = held_by(B3)  # B3 arrived first and holds the lease
    order: list[str] = []
    for _ in range(10):
        status = executions[lease.holder].status if lease else None
        running = [e for e in executions.values() if e.running]
        eligible = [
            e.name for e in running if decide(e, executions.values(), set(), lease, status).proceed
        ]
        assert len(eligible) <= 1, eligible
        if eligible:
            lease = held_by(eligible[0])  # its conditional write
            order.append(eligible[0])
            executions[eligible[0]] = ex(eligible[0], "SUCCEEDED", 0)  # it loads and ends
    assert order == [B3, f"{B1}-r1", B2]


@pytest.mark.parametrize("seed", range(40))
def test_strictly_one_holder_in_batch_id_order_random_arrivals(seed: int) -> None:
    """Batches arrive at random minutes (earlier ids late too), loads take 1-3 minutes, some
    fail and are replayed or skipped, a holder may be stopped (ABORTED). Each minute every
    running gate decides on one snapshot: at most one may hold; whoever takes the lease has no
    pending earlier batch; every batch ends loaded or skipped (no deadlock)."""
    rng = random.Random(seed)
    batches = [f"b20261126T{h:02d}0000Z-{h:08x}" for h in range(10, 16)]
    arrival = {b: rng.randrange(0, 20) for b in batches}
    executions: dict[str, Execution] = {}
    skipped: set[str] = set()
    lease: Lease | None = None
    loading_until: dict[str, int] = {}
    for minute in range(400):
        now = T0 + timedelta(minutes=minute)
        for b in batches:
            if arrival[b] == minute:
                executions[b] = Execution(b, "RUNNING", now)
        # the holder finishes: succeeded, failed (the failure path releases) or stopped
        if lease is not None and loading_until.get(lease.holder) == minute:
            outcome = rng.choices(["SUCCEEDED", "FAILED", "ABORTED"], [6, 1, 1])[0]
            holder = executions[lease.holder]
            executions[lease.holder] = Execution(holder.name, outcome, holder.start_date)
            # analytics or the failure path release it; a stopped execution cannot, and a
            # release may fail (the lease then names an ended execution)
            if outcome != "ABORTED" and rng.random() < 0.8:
                lease = None
        # an operator replays or skips each failed batch a few minutes later
        for b in batches:
            mine = [e for e in executions.values() if e.batch_id == b]
            failed = mine and all(not e.running and e.status != "SUCCEEDED" for e in mine)
            if failed and b not in skipped and rng.random() < 0.3:
                if len(mine) >= 3:
                    skipped.add(b)
                else:
                    name = f"{b}-r{len(mine)}"
                    executions[name] = Execution(name, "RUNNING", now)
        status = None
        if lease is not None and lease.kind == "execution":
            status = executions[lease.holder].status
        running = [e for e in executions.values() if e.running]
        decisions = {
            e.name: decide(e, executions.values(), skipped, lease, status, now=now) for e in running
        }
        eligible = [name for name, d in decisions.items() if d.proceed]
        assert len(eligible) <= 1, (minute, eligible, lease)
        if eligible and (lease is None or lease.holder != eligible[0]):
            me = executions[eligible[0]]
            done = {e.batch_id for e in executions.values() if e.status == "SUCCEEDED"} | skipped
            pending = {e.batch_id for e in executions.values() if e.batch_id not in done}
            assert not {b for b in pending if b < me.batch_id}, (minute, me.name, pending)
            lease = held_by(me.name, minute)
            loading_until[me.name] = minute + rng.randrange(1, 4)
    for b in batches:
        assert b in skipped or any(
            e.status == "SUCCEEDED" for e in executions.values() if e.batch_id == b
        ), (b, sorted((e.name, e.status) for e in executions.values()))


def test_lease_body_round_trips() -> None:
    for lease in (held_by(B1), operator_lease("skip:a@h:1", "skip", T0, 600, B2)):
        assert Lease.from_json(lease.to_json()) == lease
    with pytest.raises(ValueError):
        Lease.from_json('{"format": 9, "kind": "execution"}')


def test_backoff_grows_from_the_first_interval_to_the_cap() -> None:
    waits = []
    waited = 0.0
    for _ in range(20):
        wait = next_wait_seconds(waited, first=10, cap=300)
        waits.append(wait)
        waited += wait
    assert waits[:3] == [10, 10, 10]
    assert waits == sorted(waits)
    assert max(waits) == 300 and waits[-1] == 300
