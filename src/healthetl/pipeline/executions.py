"""The load's Step Functions executions seen from the operator side: find, wait, replay, skip.

A batch's first execution is named ``<batch_id>``; replays are ``<batch_id>-r<N>`` with the
first free N, started with the original execution's input. Skipping marks a failed batch so
that it no longer holds later ones (the gate reads ``<skipped prefix><batch_id>`` in silver); it
writes the marker while holding the load lease (``healthetl.pipeline.load_lease``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from load_pipeline.events import REPLAY_SUFFIX, batch_id_of_execution
from load_pipeline.ordering import Lease

from healthetl.pipeline.load_lease import DEFAULT_SECONDS as DEFAULT_LEASE_SECONDS
from healthetl.pipeline.load_lease import operator_lease

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


@dataclass(frozen=True)
class ExecutionSummary:
    name: str
    arn: str
    status: str
    start_date: datetime
    stop_date: datetime | None

    @property
    def batch_id(self) -> str:
        return batch_id_of_execution(self.name)

    @property
    def seconds(self) -> float | None:
        if self.stop_date is None:
            return None
        return (self.stop_date - self.start_date).total_seconds()


def state_machine_arn(name: str) -> str:
    client = boto3.client("stepfunctions")
    for page in client.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return str(machine["stateMachineArn"])
    raise LookupError(f"no state machine named {name}; run `healthetl deploy-local` first")


def list_executions(machine_arn: str) -> list[ExecutionSummary]:
    client = boto3.client("stepfunctions")
    found = []
    for page in client.get_paginator("list_executions").paginate(stateMachineArn=machine_arn):
        for e in page["executions"]:
            found.append(
                ExecutionSummary(
                    e["name"], e["executionArn"], e["status"], e["startDate"], e.get("stopDate")
                )
            )
    return sorted(found, key=lambda e: (e.batch_id, e.start_date))


def execution_arn(machine_arn: str, name: str) -> str:
    return machine_arn.replace(":stateMachine:", ":execution:") + ":" + name


def wait_for_execution(
    machine_arn: str,
    name: str,
    *,
    timeout: float,
    interval: float = 0.5,
    on_poll: Callable[[str | None, float], None] | None = None,
) -> dict[str, Any]:
    """Poll until the execution exists and has finished (bounded); its describe_execution."""
    client = boto3.client("stepfunctions")
    arn = execution_arn(machine_arn, name)
    began = time.monotonic()
    while True:
        try:
            described = client.describe_execution(executionArn=arn)
        except client.exceptions.ExecutionDoesNotExist:
            described = None
        status = described["status"] if described else None
        if on_poll:
            on_poll(status, time.monotonic() - began)
        if described and status in TERMINAL:
            return dict(described)
        if time.monotonic() - began > timeout:
            raise TimeoutError(f"execution {name} still {status or 'not started'} after {timeout}s")
        time.sleep(interval)


def replay(machine_arn: str, batch_id: str) -> str:
    """Start ``<batch_id>-r<N>`` with the batch's original input; returns the new name."""
    executions = [e for e in list_executions(machine_arn) if e.batch_id == batch_id]
    if not executions:
        raise LookupError(f"batch {batch_id} has no execution to replay")
    running = [e.name for e in executions if e.status not in TERMINAL]
    if running:
        raise RuntimeError(f"batch {batch_id} is still running ({', '.join(running)})")
    client = boto3.client("stepfunctions")
    original = client.describe_execution(executionArn=execution_arn(machine_arn, batch_id))
    used = [int(m.group(1)) for e in executions if (m := REPLAY_SUFFIX.search(e.name))]
    name = f"{batch_id}-r{max(used, default=0) + 1}"
    client.start_execution(stateMachineArn=machine_arn, name=name, input=original["input"])
    return name


def skip(
    silver_bucket: str,
    prefix: str,
    batch_id: str,
    reason: str,
    *,
    lease_key: str,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    wait_seconds: float = 900,
    on_wait: Callable[[Lease], None] | None = None,
) -> str:
    """Write the skip marker while holding the load lease (as operator ``skip:<who>``), so it
    never lands beside a loading batch; the lease is released afterwards."""
    key = f"{prefix}{batch_id}"
    with operator_lease(
        silver_bucket,
        lease_key,
        "skip",
        batch_id=batch_id,
        seconds=lease_seconds,
        wait_seconds=wait_seconds,
        on_wait=on_wait,
    ) as held:
        body = json.dumps({"batch_id": batch_id, "reason": reason, "by": held.holder}).encode()
        boto3.client("s3").put_object(Bucket=silver_bucket, Key=key, Body=body)
    return key


def failure_of(machine_arn: str, name: str) -> dict[str, Any] | None:
    """The error Step Functions recorded for a failed execution (from its history)."""
    client = boto3.client("stepfunctions")
    history = client.get_execution_history(
        executionArn=execution_arn(machine_arn, name), reverseOrder=True, maxResults=50
    )
    for event in history["events"]:
        for key in ("taskFailedEventDetails", "lambdaFunctionFailedEventDetails"):
            if key in event:
                return dict(event[key])
    return None
