"""gate: first state of every load execution — take the load lease when this execution is first
in batch-id order and the lease is free (or its holder has ended or expired); otherwise say how
long to wait before asking again (``load_pipeline.ordering``). It never fails a batch for waiting:
``GateWaitSeconds`` (an alarm) tells that a batch waits long."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from load_pipeline import lease
from load_pipeline.config import GateConfig, load_config
from load_pipeline.events import StepInput
from load_pipeline.observability import MetricUnit, logger, metrics, tracer
from load_pipeline.ordering import (
    Action,
    Execution,
    GateDecision,
    decide,
    execution_lease,
    next_wait_seconds,
)


def list_executions(state_machine_arn: str) -> list[Execution]:
    paginator = boto3.client("stepfunctions").get_paginator("list_executions")
    found: list[Execution] = []
    for page in paginator.paginate(stateMachineArn=state_machine_arn):
        for item in page["executions"]:
            found.append(Execution(item["name"], item["status"], item["startDate"]))
    return found


def skipped_batches(bucket: str, prefix: str) -> set[str]:
    paginator = boto3.client("s3").get_paginator("list_objects_v2")
    names: set[str] = set()
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        names.update(obj["Key"][len(prefix) :] for obj in page.get("Contents", []))
    return names


def execution_arn_of(state_machine_arn: str, name: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + name


def parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@logger.inject_lambda_context(correlation_id_path="batch_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = load_config(GateConfig)
    request = StepInput.model_validate(event)
    logger.append_keys(execution_name=request.execution_name, step="gate")
    metrics.add_dimension(name="step", value="gate")
    metrics.add_metadata(key="batch_id", value=request.batch_id)
    now = datetime.now(UTC)
    executions = list_executions(config.STATE_MACHINE_ARN)
    started = parse_time(request.execution_start_time)
    me = next(
        (e for e in executions if e.name == request.execution_name),
        Execution(request.execution_name, "RUNNING", started),
    )
    held = lease.read(config.SILVER_BUCKET, config.LOAD_LEASE_KEY)
    status = None
    if held is not None and not held.lease.held_by_execution(me.name):
        status = lease.holder_status(held.lease)
    decision = decide(
        me,
        executions,
        skipped_batches(config.SILVER_BUCKET, config.SKIPPED_BATCHES_PREFIX),
        held.lease if held else None,
        status,
        now=now,
    )
    if decision.action in (Action.TAKE, Action.TAKE_OVER):
        arn = request.execution_arn or execution_arn_of(config.STATE_MACHINE_ARN, me.name)
        mine = execution_lease(me.name, arn, now)
        replacing = held.etag if held is not None and decision.action == Action.TAKE_OVER else None
        if lease.write(config.SILVER_BUCKET, config.LOAD_LEASE_KEY, mine, replacing=replacing):
            logger.info("load lease taken", extra={"lease": mine.to_json()})
        else:
            decision = GateDecision(Action.WAIT, "another holder wrote the lease first")
    waited = max(0.0, (now - started).total_seconds())
    wait = next_wait_seconds(
        waited, first=config.GATE_POLL_SECONDS, cap=config.GATE_POLL_MAX_SECONDS
    )
    metrics.add_metric("GateWaitSeconds", MetricUnit.Seconds, waited)
    output = {**decision.as_output(), "waited_seconds": round(waited), "wait_seconds": wait}
    logger.info("gate decision", extra=output)
    return output
