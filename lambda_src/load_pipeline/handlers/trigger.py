"""trigger: S3 event → one load execution per ``_batch.json``, named by its batch id.

Starting an execution whose name exists already raises ExecutionAlreadyExists: a duplicated or
retried event therefore starts nothing new. Any other object is ignored. Ordering between
batches is the gate's job (first state of the execution), not this function's.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from load_pipeline.config import TriggerConfig, load_config
from load_pipeline.events import BATCH_ID_PATTERN
from load_pipeline.observability import logger, metrics, tracer

BATCH_DIR = re.compile(r"(?:^|/)(?P<batch_id>b\d{8}T\d{6}Z-[0-9a-f]{8})/[^/]+$")


def batch_id_from_key(key: str, suffix: str) -> str | None:
    """``batches/<batch_id>/_batch.json`` → ``<batch_id>``; None for anything else."""
    if not key.endswith(suffix):
        return None
    match = BATCH_DIR.search(key)
    if match is None or not re.match(BATCH_ID_PATTERN, match["batch_id"]):
        return None
    return match["batch_id"]


def start_load(state_machine_arn: str, batch_id: str, bucket: str, key: str) -> str:
    """Start the execution named ``batch_id``; 'started' or 'exists'."""
    client = boto3.client("stepfunctions")
    execution_input = {"batch_id": batch_id, "bucket": bucket, "key": key}
    try:
        client.start_execution(
            stateMachineArn=state_machine_arn,
            name=batch_id,
            input=json.dumps(execution_input),
        )
    except client.exceptions.ExecutionAlreadyExists:
        return "exists"
    return "started"


@logger.inject_lambda_context(correlation_id_path="Records[0].s3.object.key")
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_source(data_class=S3Event)
def handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    config = load_config(TriggerConfig)
    outcomes: dict[str, str] = {}
    for record in event.records:
        key = unquote_plus(record.s3.get_object.key)
        batch_id = batch_id_from_key(key, config.BATCH_SUMMARY_SUFFIX)
        if batch_id is None:
            logger.info("ignored object", extra={"key": key})
            continue
        logger.set_correlation_id(batch_id)
        outcome = start_load(config.STATE_MACHINE_ARN, batch_id, record.s3.bucket.name, key)
        outcomes[batch_id] = outcome
        logger.info("load execution " + outcome, extra={"batch_id": batch_id})
    return {"executions": outcomes}
