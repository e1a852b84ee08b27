"""What copy, gold and analytics share: connect through the seam, run the step, emit the
business metrics, and on error record the FAILED tracker row in its own transaction and re-raise.

The DB-side work and the SUCCEEDED tracker rows are in ``steps.py``; this module only wraps it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from warehouse_seam import Warehouse, connect

from load_pipeline import steps
from load_pipeline.config import StepConfig, load_config
from load_pipeline.errors import safe_message, surfaced
from load_pipeline.events import StepInput
from load_pipeline.observability import MetricUnit, logger, metrics, tracer

MIN_STATEMENT_TIMEOUT_MS = 1_000

StepWork = Callable[[Warehouse, StepInput], Any]


def statement_timeout_ms(context: Any, margin_seconds: int) -> int:
    """Every statement ends before the Lambda is killed, leaving time to record the failure."""
    remaining = int(context.get_remaining_time_in_millis())
    return max(MIN_STATEMENT_TIMEOUT_MS, remaining - margin_seconds * 1000)


def result_as_dict(result: Any) -> dict[str, Any]:
    """A step result (dataclass, pydantic model or mapping) as a JSON-ready dict."""
    if result is None:
        return {}
    if isinstance(result, Mapping):
        data = dict(result)
    elif hasattr(result, "model_dump"):
        data = result.model_dump()
    elif hasattr(result, "__dataclass_fields__"):
        data = {name: getattr(result, name) for name in result.__dataclass_fields__}
    else:
        data = {"result": result}
    return {
        k: (v if isinstance(v, int | float | str | bool | type(None)) else str(v))
        for k, v in data.items()
    }


def emit_step_metrics(step: str, result: dict[str, Any]) -> None:
    """RowsLoaded / RowsRejected / ReconciliationMismatch from what the step reports."""
    if isinstance(result.get("rows_loaded"), int):
        metrics.add_metric("RowsLoaded", MetricUnit.Count, result["rows_loaded"])
    elif isinstance(result.get("destination_count"), int):
        metrics.add_metric("RowsLoaded", MetricUnit.Count, result["destination_count"])
    if isinstance(result.get("rows_valid"), int):
        metrics.add_metric("RowsValid", MetricUnit.Count, result["rows_valid"])
    if isinstance(result.get("rows_rejected"), int):
        metrics.add_metric("RowsRejected", MetricUnit.Count, result["rows_rejected"])
    # Deferred versions (dated in the near future, read again) and the re-read list's length.
    if isinstance(result.get("versions_deferred"), int):
        metrics.add_metric("VersionsDeferred", MetricUnit.Count, result["versions_deferred"])
    if isinstance(result.get("reread_list"), int):
        metrics.add_metric("RereadListLength", MetricUnit.Count, result["reread_list"])
    if "reconciliation" in result:
        mismatch = 1 if result["reconciliation"] == "MISMATCH" else 0
        metrics.add_metric("ReconciliationMismatch", MetricUnit.Count, mismatch)


def run_step(step: str, event: dict[str, Any], context: Any, work: StepWork) -> dict[str, Any]:
    """Validate, connect, run ``work`` and account for it; raises whatever made it fail."""
    config = load_config(StepConfig)
    request = StepInput.model_validate(event)
    logger.append_keys(
        batch_id=request.batch_id,
        execution_name=request.execution_name,
        step=step,
        attempt=request.attempt,
    )
    metrics.add_dimension(name="step", value=step)
    metrics.add_metadata(key="batch_id", value=request.batch_id)
    tracer.put_annotation(key="step", value=step)
    tracer.put_metadata(key="batch_id", value=request.batch_id)

    started = time.monotonic()
    timeout_ms = statement_timeout_ms(context, config.STATEMENT_TIMEOUT_MARGIN_SECONDS)
    logger.info("step started", extra={"statement_timeout_ms": timeout_ms})
    try:
        warehouse = connect(statement_timeout_ms=timeout_ms)
        try:
            result = result_as_dict(work(warehouse, request))
        except Exception as exc:
            _record_failure(warehouse, step, request, exc)
            raise
        finally:
            _close(warehouse)
    except Exception as exc:
        elapsed_ms = (time.monotonic() - started) * 1000
        metrics.add_metric("StepDurationMs", MetricUnit.Milliseconds, elapsed_ms)
        logger.error(
            "step failed",
            extra={"error_type": type(exc).__name__, "error": safe_message(exc)},
        )
        raise surfaced(exc) from exc

    elapsed_ms = (time.monotonic() - started) * 1000
    metrics.add_metric("StepDurationMs", MetricUnit.Milliseconds, elapsed_ms)
    emit_step_metrics(step, result)
    logger.info("step succeeded", extra={"result": result, "duration_ms": round(elapsed_ms)})
    return {"step": step, "status": "SUCCEEDED", "duration_ms": round(elapsed_ms), **result}


def _record_failure(warehouse: Warehouse, step: str, request: StepInput, exc: Exception) -> None:
    """The FAILED tracker row, in its own transaction; never hides the original error."""
    try:
        steps.record_failed_step(
            warehouse,
            batch_id=request.batch_id,
            execution_name=request.execution_name,
            step=step,
            attempt=request.attempt,
            error=f"{type(exc).__name__}: {safe_message(exc)}",
        )
    except Exception as record_exc:  # the warehouse may be the thing that failed
        logger.warning(
            "could not record the failed step; the failure path will",
            extra={"error_type": type(record_exc).__name__},
        )


def _close(warehouse: Warehouse) -> None:
    close = getattr(warehouse, "close", None)
    if callable(close):
        close()
