"""Batches load strictly one at a time, in batch-id order: the gate's decision (pure).

The gate is the first state of every load execution. Before the copy step an execution must hold
the **load lease** (``state/load.lease`` in silver, :mod:`load_pipeline.lease`): one object that
names its one holder, written only by conditional puts. The holder is an execution (until
``analytics`` or the failure path releases it) or an operator command (skip, full rebuild,
erasure) with an expiry it renews while working.

:func:`decide` says what this execution does now, from what the gate listed:
- **wait** while someone is ahead of it in the queue — a *pending* earlier batch (one that has
  never succeeded and is not skipped: running, waiting or failed; a failed one holds every later
  batch until it is replayed or skipped), a running execution of an earlier batch (a replay of a
  loaded one), or an earlier-started running execution of its own batch;
- otherwise **take** a free lease, **take over** a lease whose holding execution has ended in any
  status (SUCCEEDED, FAILED, TIMED_OUT, ABORTED, or no longer exists) or whose expiry has passed,
  **proceed** when it already holds the lease (a retried gate), or **wait** while the holder is
  live — also when the holder is a *later* batch that started before this one arrived.
A failed replay of a batch that already succeeded holds nothing (its failure path alerts).

The state machine waits between polls for :func:`next_wait_seconds`: half the time waited so far,
at least ``first`` and at most ``cap`` seconds (defaults 10 s and 300 s). A batch never fails for
waiting; a long wait raises the ``GateWaitSeconds`` alarm instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from load_pipeline.events import batch_id_of_execution

SUCCEEDED = "SUCCEEDED"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
# DescribeExecution's ExecutionDoesNotExist for the lease's holder (expired from the history).
HOLDER_MISSING = "MISSING"

LEASE_FORMAT = 1
EXECUTION = "execution"
OPERATOR = "operator"


@dataclass(frozen=True)
class Execution:
    name: str
    status: str
    start_date: datetime

    @property
    def batch_id(self) -> str:
        return batch_id_of_execution(self.name)

    @property
    def running(self) -> bool:
        return self.status not in TERMINAL


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Lease:
    """The body of ``state/load.lease`` (JSON, ``format`` 1).

    ``kind`` ``execution``: ``holder`` is the execution's name, ``execution_arn`` its ARN (what
    DescribeExecution is asked), ``expires_at`` is null — the lease lasts until released or its
    execution has ended. ``kind`` ``operator``: ``holder`` names the command and who ran it
    (``skip:alice@host:1a2b``), ``expires_at`` is renewed while it works.
    """

    kind: str
    holder: str
    purpose: str
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime | None = None
    execution_arn: str | None = None
    batch_id: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": LEASE_FORMAT,
                "kind": self.kind,
                "holder": self.holder,
                "purpose": self.purpose,
                "execution_arn": self.execution_arn,
                "batch_id": self.batch_id,
                "acquired_at": _text(self.acquired_at),
                "renewed_at": _text(self.renewed_at),
                "expires_at": _text(self.expires_at),
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Lease:
        data: dict[str, Any] = json.loads(text)
        if data.get("format") != LEASE_FORMAT or data.get("kind") not in (EXECUTION, OPERATOR):
            raise ValueError(f"not a load lease of format {LEASE_FORMAT}: {data!r}")
        acquired = _time(data["acquired_at"])
        assert acquired is not None
        return cls(
            kind=data["kind"],
            holder=str(data["holder"]),
            purpose=str(data.get("purpose") or ""),
            acquired_at=acquired,
            renewed_at=_time(data.get("renewed_at")) or acquired,
            expires_at=_time(data.get("expires_at")),
            execution_arn=data.get("execution_arn"),
            batch_id=data.get("batch_id"),
        )

    def held_by_execution(self, execution_name: str) -> bool:
        return self.kind == EXECUTION and self.holder == execution_name


def execution_lease(name: str, arn: str | None, now: datetime) -> Lease:
    """The lease an execution writes when it takes the lease (no expiry)."""
    return Lease(EXECUTION, name, "load", now, now, None, arn, batch_id_of_execution(name))


def operator_lease(
    holder: str, purpose: str, now: datetime, seconds: float, batch_id: str | None = None
) -> Lease:
    """The lease an operator command writes (or renews: same holder, later expiry)."""
    return Lease(
        OPERATOR, holder, purpose, now, now, now + timedelta(seconds=seconds), None, batch_id
    )


def takeover_reason(lease: Lease, holder_status: str | None, now: datetime) -> str | None:
    """Why ``lease`` may be taken over now, or None while its holder is live.

    ``holder_status`` is DescribeExecution's status of an execution holder (``MISSING`` when it
    no longer exists; None when unknown, which counts as live)."""
    if lease.expires_at is not None and now >= lease.expires_at:
        return f"lease of {lease.holder} expired at {_text(lease.expires_at)}"
    if lease.kind == EXECUTION and holder_status in TERMINAL:
        return f"holder {lease.holder} ended {holder_status}"
    if lease.kind == EXECUTION and holder_status == HOLDER_MISSING:
        return f"holder {lease.holder} no longer exists"
    return None


class Action(StrEnum):
    PROCEED = "proceed"  # already holds the lease (a retried gate)
    TAKE = "take"  # the lease is free: conditional put If-None-Match *
    TAKE_OVER = "take_over"  # the holder has ended or expired: conditional put If-Match its ETag
    WAIT = "wait"


@dataclass(frozen=True)
class GateDecision:
    action: Action
    reason: str
    blocking_batch: str | None = None
    lease_holder: str | None = None

    @property
    def proceed(self) -> bool:
        """May go on to copy once the lease is written (take / take over) or already held."""
        return self.action != Action.WAIT

    def as_output(self) -> dict[str, object]:
        return {
            "proceed": self.proceed,
            "action": str(self.action),
            "reason": self.reason,
            "blocking_batch": self.blocking_batch,
            "lease_holder": self.lease_holder,
        }


def ahead_in_queue(
    me: Execution, executions: Iterable[Execution], skipped_batches: set[str]
) -> GateDecision | None:
    """A WAIT decision naming who is ahead of ``me`` in batch-id order, or None."""
    listed = list(executions)
    others = [e for e in listed if e.name != me.name]
    done = {e.batch_id for e in listed if e.status == SUCCEEDED} | set(skipped_batches)
    latest: dict[str, Execution] = {}
    for e in others:
        if e.batch_id < me.batch_id and e.batch_id not in done:
            known = latest.get(e.batch_id)
            if known is None or e.start_date > known.start_date:
                latest[e.batch_id] = e
    if latest:
        first = latest[min(latest)]
        state = "running" if first.running else first.status.lower()
        return GateDecision(Action.WAIT, f"earlier batch {state}", first.batch_id)
    running = [
        e
        for e in others
        if e.running
        and (
            e.batch_id < me.batch_id or (e.batch_id == me.batch_id and e.start_date < me.start_date)
        )
    ]
    if running:
        first = min(running, key=lambda e: (e.batch_id, e.start_date))
        return GateDecision(Action.WAIT, "earlier execution running", first.batch_id)
    return None


def decide(
    me: Execution,
    executions: Iterable[Execution],
    skipped_batches: set[str],
    lease: Lease | None = None,
    holder_status: str | None = None,
    *,
    now: datetime | None = None,
) -> GateDecision:
    """What ``me`` does now (pure: the caller lists executions, skips, reads the lease, asks
    DescribeExecution for the status of the lease's holding execution and gives the time; only
    an expiring lease needs ``now``)."""
    now = now or datetime.now(UTC)
    if lease is not None and lease.held_by_execution(me.name):
        return GateDecision(Action.PROCEED, "holds the lease", lease_holder=lease.holder)
    ahead = ahead_in_queue(me, executions, skipped_batches)
    if ahead is not None:
        return GateDecision(
            ahead.action,
            ahead.reason,
            ahead.blocking_batch,
            lease.holder if lease is not None else None,
        )
    if lease is None:
        return GateDecision(Action.TAKE, "first in line; lease free")
    reason = takeover_reason(lease, holder_status, now)
    if reason is not None:
        return GateDecision(Action.TAKE_OVER, reason, lease_holder=lease.holder)
    return GateDecision(
        Action.WAIT, f"lease held by {lease.kind} {lease.holder}", lease.batch_id, lease.holder
    )


def next_wait_seconds(waited_seconds: float, *, first: int, cap: int) -> int:
    """Seconds to wait before the next poll: half the time waited so far, within [first, cap]."""
    return int(min(cap, max(first, waited_seconds // 2)))
