"""The load's SQL run directly against the warehouse: the same batch COPYed and pushed through
gold and analytics by calling `load_pipeline.steps` by hand on a second, freshly migrated
database (no S3 event, no Step Functions, no Lambda processes), `repeat` times on a database
dropped and migrated afresh each time; the median of each step is reported."""

from __future__ import annotations

import statistics
import time
from typing import Any
from urllib.parse import urlsplit

from healthetl.bench.environment import create_database, drop_database, with_database
from healthetl.bench.stage_runs import BenchEnv, healthetl


def port_of(dsn: str) -> int:
    return urlsplit(dsn).port or 5432


def direct_dsn(env: BenchEnv) -> str:
    return with_database(env.warehouse_dsn, f"{env.name}_direct")


def load_directly(env: BenchEnv, batch: dict[str, Any], repeat: int = 1) -> dict[str, Any]:
    """Median seconds per step (copy, gold, analytics) for `batch` loaded directly."""
    dsn = direct_dsn(env)
    runs = [_load_once(env, dsn, batch) for _ in range(max(1, repeat))]
    steps = {step: round(statistics.median(r[step] for r in runs), 3) for step in runs[0]}
    return {"database": urlsplit(dsn).path.lstrip("/"), "steps": steps, "runs": runs}


def _load_once(env: BenchEnv, dsn: str, batch: dict[str, Any]) -> dict[str, float]:
    from load_pipeline import steps
    from warehouse_seam import connect

    drop_database(dsn)
    create_database(dsn)
    healthetl(env.with_warehouse(dsn), "migrate")
    batch_id = batch["batch_id"]
    execution_name = f"{batch_id}-direct"
    seconds: dict[str, float] = {}
    warehouse = connect(dsn)
    try:
        # Each step owns its transaction (and its tracker row), as in the Lambdas; copy checks
        # the batch first, as its Lambda does.
        for step, work in (
            ("copy", _checked_copy),
            ("gold", steps.run_gold_step),
            ("analytics", steps.run_analytics_step),
        ):
            started = time.perf_counter()
            work(warehouse, **_step_arguments(step, env, batch, execution_name))
            seconds[step] = round(time.perf_counter() - started, 3)
    finally:
        warehouse.close()
    return seconds


def _checked_copy(warehouse: Any, *, silver_bucket: str, **arguments: Any) -> Any:
    """The copy Lambda's work without the Lambda: check the batch on S3, then copy it."""
    import boto3
    from load_pipeline import batch_summary, steps

    batch_id = arguments["batch_id"]
    checked = batch_summary.verify(
        boto3.client("s3"),
        silver_bucket=silver_bucket,
        batch_id=batch_id,
        event_bucket=silver_bucket,
        event_key=batch_summary.summary_key(batch_id),
    )
    return steps.run_copy_step(warehouse, plan=checked.plan, **arguments)


def _step_arguments(
    step: str, env: BenchEnv, batch: dict[str, Any], execution_name: str
) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "batch_id": batch["batch_id"],
        "execution_name": execution_name,
        "attempt": 1,
    }
    if step == "copy":
        arguments.update(silver_bucket=env.silver_bucket)
    return arguments
