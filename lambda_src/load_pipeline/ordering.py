"""Batches load one at a time, in batch-id order (the gate at the start of every execution).

An execution may proceed when, among the load state machine's other executions:
- none for an earlier batch is still running (nor an earlier-started one for the same batch), and
- every earlier batch's latest execution succeeded, or an operator skipped that batch
  (an object ``<skipped prefix><batch_id>`` in the silver bucket; ``healthetl skip``).
A failed earlier batch therefore holds every later one until it is replayed successfully or
skipped. The state machine polls (Wait + Choice) and the gate fails the execution once it has
waited longer than ``GATE_MAX_WAIT_SECONDS``, so a held batch alerts instead of waiting forever.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from load_pipeline.events import batch_id_of_execution

TERMINAL_OK = "SUCCEEDED"
TERMINAL_FAILED = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})


class BatchHeldTooLongError(Exception):
    """The batch waited longer than allowed for earlier batches; the execution fails (alerts)."""


@dataclass(frozen=True)
class Execution:
    name: str
    status: str
    start_date: datetime

    @property
    def batch_id(self) -> str:
        return batch_id_of_execution(self.name)


@dataclass(frozen=True)
class GateDecision:
    proceed: bool
    reason: str
    blocking_batch: str | None = None

    def as_output(self) -> dict[str, object]:
        return {
            "proceed": self.proceed,
            "reason": self.reason,
            "blocking_batch": self.blocking_batch,
        }


def decide(
    me: Execution, executions: Iterable[Execution], skipped_batches: set[str]
) -> GateDecision:
    """Whether ``me`` may start loading now (pure: the caller lists executions and skips)."""
    others = [e for e in executions if e.name != me.name]
    running = [
        e
        for e in others
        if e.status not in TERMINAL_FAILED
        and e.status != TERMINAL_OK
        and (
            e.batch_id < me.batch_id or (e.batch_id == me.batch_id and e.start_date < me.start_date)
        )
    ]
    if running:
        first = min(running, key=lambda e: (e.batch_id, e.start_date))
        return GateDecision(False, "earlier batch running", first.batch_id)

    latest_by_batch: dict[str, Execution] = {}
    for e in others:
        if e.batch_id >= me.batch_id:
            continue
        known = latest_by_batch.get(e.batch_id)
        if known is None or e.start_date > known.start_date:
            latest_by_batch[e.batch_id] = e
    for batch_id in sorted(latest_by_batch):
        latest = latest_by_batch[batch_id]
        if latest.status != TERMINAL_OK and batch_id not in skipped_batches:
            return GateDecision(False, f"earlier batch {latest.status.lower()}", batch_id)
    return GateDecision(True, "no earlier batch pending")
