"""copy: delete the batch's staging rows, COPY its manifests, reconcile with ``_batch.json``.

Being the first step to reach the warehouse for every batch, copy first writes the tracker
records the failure path had to defer while the warehouse was unreachable (contract: "by the
failure path once it can, marked so"), so a replay after an outage leaves the outage's FAILED
row in ``gold.etl_tracker``."""

from __future__ import annotations

import json
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext
from warehouse_seam import Warehouse

from load_pipeline import alerts, steps
from load_pipeline.config import CopyConfig, load_config
from load_pipeline.events import StepInput
from load_pipeline.observability import MetricUnit, logger, metrics, tracer
from load_pipeline.step_runner import result_as_dict, run_step


def read_batch_summary(bucket: str, key: str) -> dict[str, Any]:
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    summary = json.loads(body)
    if not isinstance(summary, dict):
        raise ValueError(f"s3://{bucket}/{key} is not a batch summary object")
    return summary


def write_deferred_failures(warehouse: Warehouse) -> None:
    """Best effort: a failure here is logged and counted, never the step's own error; the
    records stay in S3 for the next copy or failure path."""
    config = load_config(CopyConfig)
    try:
        written = alerts.flush_deferred_failures(
            warehouse, config.SILVER_BUCKET, config.DEFERRED_FAILURES_PREFIX
        )
    except Exception as exc:
        metrics.add_metric("DeferredFailuresFlushFailed", MetricUnit.Count, 1)
        logger.warning(
            "could not write the deferred failure records; they stay for the next try",
            extra={"error_type": type(exc).__name__},
        )
        return
    if written:
        logger.info("deferred failure records written", extra={"records": written})


def copy_batch(warehouse: Warehouse, request: StepInput) -> Any:
    write_deferred_failures(warehouse)
    if not request.bucket or not request.key:
        raise ValueError("copy needs the bucket and key of the batch's _batch.json")
    summary = read_batch_summary(request.bucket, request.key)
    if summary.get("batch_id") != request.batch_id:
        raise ValueError("the _batch.json names another batch than the execution")
    result = result_as_dict(
        steps.run_copy_step(
            warehouse,
            batch_id=request.batch_id,
            execution_name=request.execution_name,
            attempt=request.attempt,
            summary=summary,
            bucket=request.bucket,
        )
    )
    # RowsValid / RowsRejected (step=copy) are what the reject-ratio alarm reads.
    result.setdefault("rows_valid", int(summary.get("valid", 0)))
    result.setdefault("rows_rejected", int(summary.get("rejected", 0)))
    return result


@logger.inject_lambda_context(correlation_id_path="batch_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_step("copy", event, context, copy_batch)
