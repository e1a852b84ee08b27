"""gold: staging → silver, the 8 dimensions, the fact — one transaction (``steps.py``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from warehouse_seam import Warehouse

from load_pipeline import steps
from load_pipeline.events import StepInput
from load_pipeline.observability import logger, metrics, tracer
from load_pipeline.step_runner import run_step


def load_gold(warehouse: Warehouse, request: StepInput) -> Any:
    return steps.run_gold_step(
        warehouse,
        batch_id=request.batch_id,
        execution_name=request.execution_name,
        attempt=request.attempt,
    )


@logger.inject_lambda_context(correlation_id_path="batch_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_step("gold", event, context, load_gold)
