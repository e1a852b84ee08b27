"""on_failure: the Catch path — publish the alert, emit BatchFailed, make sure the failed step
is in ``gold.etl_tracker`` (deferred to S3 when the warehouse is unreachable), release the load
lease if this execution holds it."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from warehouse_seam import connect

from load_pipeline import alerts, lease, steps
from load_pipeline.config import OnFailureConfig, load_config
from load_pipeline.events import FailureInput
from load_pipeline.observability import MetricUnit, logger, metrics, tracer

WAREHOUSE_STEPS = frozenset({"copy", "gold", "analytics"})
FAILURE_PATH_TIMEOUT_MS = 20_000


def failure_summary(request: FailureInput) -> tuple[str, str]:
    """Step Functions' (Error, Cause); a Lambda's Cause is its JSON error payload."""
    error = str(request.failure.get("Error") or "Unknown")
    cause = str(request.failure.get("Cause") or "")
    try:
        payload = json.loads(cause)
        cause = str(payload.get("errorMessage") or cause)
    except (ValueError, AttributeError):
        pass
    return error, cause[:1000]


def record_in_tracker(config: OnFailureConfig, record: dict[str, Any]) -> str:
    """'recorded' (the failure path wrote it), 'present' (the step Lambda did) or 'deferred'."""
    try:
        warehouse = connect(statement_timeout_ms=FAILURE_PATH_TIMEOUT_MS)
        try:
            alerts.flush_deferred_failures(
                warehouse, config.SILVER_BUCKET, config.DEFERRED_FAILURES_PREFIX
            )
            if steps.failed_step_recorded(
                warehouse, execution_name=record["execution_name"], step=record["step"]
            ):
                return "present"
            steps.record_failed_step(warehouse, **record)
            return "recorded"
        finally:
            getattr(warehouse, "close", lambda: None)()
    except Exception as exc:  # the warehouse being unreachable must not stop the alert
        logger.warning(
            "tracker unreachable; failure deferred", extra={"error_type": type(exc).__name__}
        )
        if config.SILVER_BUCKET is None:
            return "lost"
        alerts.defer_failure_record(config.SILVER_BUCKET, config.DEFERRED_FAILURES_PREFIX, record)
        return "deferred"


@logger.inject_lambda_context(correlation_id_path="batch_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = load_config(OnFailureConfig)
    request = FailureInput.model_validate(event)
    error, cause = failure_summary(request)
    logger.append_keys(execution_name=request.execution_name, failed_step=request.failed_step)
    # Dimension = this function (facts/observability/metrics.json); the failed step is metadata.
    metrics.add_dimension(name="step", value="on_failure")
    metrics.add_metadata(key="failed_step", value=request.failed_step)
    metrics.add_metadata(key="batch_id", value=request.batch_id)
    metrics.add_metric("BatchFailed", MetricUnit.Count, 1)

    message = {
        "batch_id": request.batch_id,
        "execution_name": request.execution_name,
        "failed_step": request.failed_step,
        "error": error,
        "cause": cause,
    }
    # The alert goes out first: it must not depend on the warehouse being reachable.
    message_id = alerts.publish_alert(
        config.ALERTS_TOPIC_ARN,
        subject=f"HCA load failed: {request.batch_id} at {request.failed_step}",
        message=message,
    )
    tracker = "not applicable"
    if request.failed_step in WAREHOUSE_STEPS:
        record = {
            "batch_id": request.batch_id,
            "execution_name": request.execution_name,
            "step": request.failed_step,
            "attempt": 0,
            "error": f"{error}: {cause}"[:1000],
        }
        tracker = record_in_tracker(config, record)
    released = lease.release_after_step(
        config.SILVER_BUCKET, config.LOAD_LEASE_KEY, request.execution_name
    )
    logger.error(
        "batch failed",
        extra={"error": error, "tracker": tracker, "message_id": message_id, "lease": released},
    )
    return {**message, "tracker": tracker, "message_id": message_id, "lease": released}
