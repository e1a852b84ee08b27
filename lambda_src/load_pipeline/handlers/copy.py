"""copy: check the batch, delete its staging rows, COPY its manifests, reconcile with
``_batch.json``.

The checks (``batch_summary.verify``: the event's key, the JSON Schema, the counts, every file's
size and SHA-256, the manifests) run before any of the batch's SQL; a batch that fails them fails
the step with ``WarehouseDataError``. Being the first step to reach the warehouse for every
batch, copy first writes the tracker records the failure path had to defer while the warehouse
was unreachable (contract: "by the failure path once it can, marked so"), so a replay after an
outage leaves the outage's FAILED row in ``gold.etl_tracker``."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext
from warehouse_seam import Warehouse

from load_pipeline import alerts, batch_summary, steps
from load_pipeline.config import CopyConfig, load_config
from load_pipeline.events import StepInput
from load_pipeline.observability import MetricUnit, logger, metrics, tracer
from load_pipeline.step_runner import result_as_dict, run_step


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
    batch = batch_summary.verify(
        boto3.client("s3"),
        silver_bucket=load_config(CopyConfig).SILVER_BUCKET,
        batch_id=request.batch_id,
        event_bucket=request.bucket,
        event_key=request.key,
    )
    logger.info(
        "batch checked",
        extra={
            "files": len(batch.files),
            "bytes_hashed": batch.bytes_hashed,
            "check_ms": round(batch.seconds * 1000),
        },
    )
    result = result_as_dict(
        steps.run_copy_step(
            warehouse,
            batch_id=request.batch_id,
            execution_name=request.execution_name,
            attempt=request.attempt,
            plan=batch.plan,
        )
    )
    # RowsValid / RowsRejected (step=copy) are what the reject-ratio alarm reads.
    result.setdefault("rows_valid", batch.valid)
    result.setdefault("rows_rejected", batch.rejected)
    if batch.deferred is not None:
        result.setdefault("versions_deferred", batch.deferred)
    if batch.reread_list is not None:
        result.setdefault("reread_list", batch.reread_list)
    return result


@logger.inject_lambda_context(correlation_id_path="batch_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_step("copy", event, context, copy_batch)
