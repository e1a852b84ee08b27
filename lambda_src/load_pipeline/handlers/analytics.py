"""analytics: rebuild the 7 analytical tables in one transaction; the batch is then loaded,
so this is where BatchSucceeded and DataFreshnessSeconds are emitted and the load lease is
released (only if this execution still holds it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from warehouse_seam import Warehouse

from load_pipeline import lease, steps
from load_pipeline.config import StepConfig, load_config
from load_pipeline.events import StepInput
from load_pipeline.observability import MetricUnit, logger, metrics, tracer
from load_pipeline.step_runner import run_step


def batch_time(batch_id: str) -> datetime:
    """A batch id starts with its extraction time: ``b20261126T103000Z-…``."""
    return datetime.strptime(batch_id[1:17], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def rebuild_analytics(warehouse: Warehouse, request: StepInput) -> Any:
    return steps.run_analytics_step(
        warehouse,
        batch_id=request.batch_id,
        execution_name=request.execution_name,
        attempt=request.attempt,
    )


@logger.inject_lambda_context(correlation_id_path="batch_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = run_step("analytics", event, context, rebuild_analytics)
    # Freshness: how old the newest extracted data is when it becomes queryable.
    freshness = (datetime.now(UTC) - batch_time(result_batch_id(event))).total_seconds()
    metrics.add_metric("BatchSucceeded", MetricUnit.Count, 1)
    metrics.add_metric("DataFreshnessSeconds", MetricUnit.Seconds, max(0.0, freshness))
    config = load_config(StepConfig)
    released = lease.release_after_step(
        config.SILVER_BUCKET, config.LOAD_LEASE_KEY, StepInput.model_validate(event).execution_name
    )
    logger.info("load lease", extra={"lease": released})
    return {**result, "data_freshness_seconds": round(freshness), "lease": released}


def result_batch_id(event: dict[str, Any]) -> str:
    return StepInput.model_validate(event).batch_id
