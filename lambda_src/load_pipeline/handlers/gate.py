"""gate: first state of every load execution — proceed only when every earlier batch has
succeeded or been skipped (see ``load_pipeline.ordering``); fail once waited too long."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from load_pipeline.config import GateConfig, load_config
from load_pipeline.events import StepInput
from load_pipeline.observability import logger, metrics, tracer
from load_pipeline.ordering import BatchHeldTooLongError, Execution, decide


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
    executions = list_executions(config.STATE_MACHINE_ARN)
    started = parse_time(request.execution_start_time)
    me = next(
        (e for e in executions if e.name == request.execution_name),
        Execution(request.execution_name, "RUNNING", started),
    )
    decision = decide(
        me, executions, skipped_batches(config.SILVER_BUCKET, config.SKIPPED_BATCHES_PREFIX)
    )
    waited = (datetime.now(UTC) - started).total_seconds()
    logger.info("gate decision", extra={**decision.as_output(), "waited_seconds": round(waited)})
    if not decision.proceed and waited > config.GATE_MAX_WAIT_SECONDS:
        raise BatchHeldTooLongError(
            f"waited {round(waited)} s for batch {decision.blocking_batch} ({decision.reason});"
            " replay or skip it, then replay this batch"
        )
    return decision.as_output()
