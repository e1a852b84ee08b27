"""The bench procedure for one N, and the run over all sizes.

Per N, in a throw-away environment: load the source (reported apart); then, timed from a
populated source table to analytics ready, extract → transform → publish (each a `healthetl`
process, as an operator runs them) and the event-driven load (S3 event → Step Functions →
Lambdas; copy/gold/analytics timed by Step Functions and by the tracker); then the limits on the
same endpoints and data (raw parallel scan, raw COPY, the load steps called directly on a second
database); then two incremental rounds of 1 % changes, timed the same way. The first one's
overlap window (5 minutes before the full run's cursor) still holds the tail of the seed,
written minutes earlier, so it re-reads and drops that tail; the second one is the steady
state of batches run one after another (its window holds only the first round's changes).
"""

from __future__ import annotations

import secrets
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from healthetl.bench import limits, report, warehouse_direct
from healthetl.bench.environment import (
    bench_environment,
    create_database,
    remove_environment,
    start_estate,
)
from healthetl.bench.memory import MemorySampler
from healthetl.bench.stage_runs import (
    BenchEnv,
    SparkRun,
    batch_ids,
    healthetl,
    newest_batch,
    spark_run,
    task_seconds,
    tracker_steps,
    wait_for_execution,
)
from healthetl.bench.targets import evaluate
from healthetl.pipeline.deploy import deploy_pipeline

console = Console(width=200)


@dataclass(frozen=True)
class BenchOptions:
    sizes: tuple[int, ...]
    repeat: int
    output_dir: Path
    keep: bool


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _row(
    stage: str,
    seconds: float,
    rows: int,
    peaks: dict[str, float] | None,
    limit: str | None = None,
    limit_rate: float | None = None,
) -> dict[str, Any]:
    rate = rows / seconds if seconds > 0 else 0.0
    return {
        "stage": stage,
        "seconds": round(seconds, 2),
        "rows": rows,
        "rows_per_second": round(rate, 1),
        "peak_rss_mib": round(peaks["ours_rss_mib"], 1) if peaks else None,
        "python_rss_mib": round(peaks["python_rss_mib"], 1) if peaks else None,
        "process_hwm_mib": round(peaks["process_hwm_mib"], 1) if peaks else None,
        "emulator_rss_mib": round(peaks["emulator_rss_mib"], 1) if peaks else None,
        "limit": limit,
        "limit_rows_per_second": round(limit_rate, 1) if limit_rate else None,
        "ratio": round(rate / limit_rate, 2) if limit_rate else None,
    }


def _first_half(env: BenchEnv) -> dict[str, Any]:
    """`healthetl spark run` (one JVM: extract, transform, publish); the batch it published."""
    known = batch_ids(env)
    spark = spark_run(env)
    batch = newest_batch(env, after=known)
    if batch is None:
        raise RuntimeError("spark run published no _batch.json")
    return {"spark": spark, "batch": batch}


def _load(env: BenchEnv, batch_id: str, timeout: float) -> dict[str, Any]:
    execution = wait_for_execution(env, batch_id, timeout)
    if execution["status"] != "SUCCEEDED":
        raise RuntimeError(f"execution {batch_id} ended {execution['status']}")
    steps = tracker_steps(env.warehouse_dsn, batch_id, batch_id)
    return {"execution": execution, "steps": steps, "tasks": task_seconds(env, batch_id)}


def _round(env: BenchEnv, timeout: float) -> dict[str, Any]:
    started = time.time()
    half = _first_half(env)
    batch = half["batch"]
    load = _load(env, batch["batch_id"], timeout)
    ended = _epoch(load["execution"]["stopDate"])
    return {**half, **load, "started": started, "ended": ended, "seconds_total": ended - started}


def bench_one(n: int, options: BenchOptions, sampler: MemorySampler) -> dict[str, Any]:
    env = bench_environment(f"bench{secrets.token_hex(3)}")
    console.print(f"[bold]N = {n:,}[/]: environment {env.name}, warehouse {env.warehouse_dsn}")
    timeout = max(600.0, n / 50)
    notes: list[str] = []
    try:
        with sampler.window("setup"):
            create_database(env.warehouse_dsn)
            healthetl(env, "migrate")
            deploy_pipeline(env.warehouse_dsn, env=env.name)
        with sampler.window("source"):
            source_seconds = healthetl(env, "source", "seed", "--n", str(n), "--no-progress")
        console.print(f"  source loaded in {source_seconds:.1f}s")

        full = _round(env, timeout)
        batch = full["batch"]
        console.print(f"  full round {batch['batch_id']}: {full['seconds_total']:.1f}s")

        scans = [limits.raw_parallel_scan(env.table_name) for _ in range(options.repeat)]
        scan = statistics.median(s.rows_per_second for s in scans)
        valid_keys = [f["key"] for f in batch["files"] if f["kind"] == "valid"]
        copies = [
            limits.raw_copy(env.warehouse_dsn, env.silver_bucket, valid_keys)
            for _ in range(options.repeat)
        ]
        raw_copy_rate = statistics.median(c[0].rows_per_second for c in copies)
        raw_copy_only = statistics.median(c[1].rows_per_second for c in copies)
        direct = warehouse_direct.load_directly(env, batch, options.repeat)

        healthetl(env, "source", "changes", "--no-progress")
        after_seed = _round(env, timeout)
        console.print(f"  incremental round 1 (after the seed): {after_seed['seconds_total']:.1f}s")
        healthetl(env, "source", "changes", "--no-progress")
        incremental = _round(env, timeout)
        console.print(f"  incremental round 2 (steady state): {incremental['seconds_total']:.1f}s")
    finally:
        if not options.keep:
            remove_environment(env, (warehouse_direct.direct_dsn(env),))

    limits_block = {
        "raw_parallel_scan_items_per_second": round(scan, 1),
        "raw_copy_rows_per_second": round(raw_copy_rate, 1),
        "raw_copy_from_stdin_only_rows_per_second": round(raw_copy_only, 1),
        "direct_load": direct,
        "repeat": options.repeat,
    }
    whole = sampler.peaks(full["started"], incremental["ended"])
    stages = [_row("source load (apart)", source_seconds, n, sampler.window_peaks("source"))]
    stages += _spark_rows("", full, sampler, scan)
    stages += _load_rows("", full, sampler, limits_block)
    for prefix, round_ in (("incremental 1 ", after_seed), ("incremental 2 ", incremental)):
        stages += _spark_rows(prefix, round_, sampler, None)
        stages += _load_rows(prefix, round_, sampler, None)
    run = {
        "n": n,
        "env": env.name,
        "batch_id": batch["batch_id"],
        "extracted": batch["extracted"],
        "valid": batch["valid"],
        "rejected": batch["rejected"],
        "end_to_end_seconds": round(full["seconds_total"], 2),
        "incremental_after_seed_seconds": round(after_seed["seconds_total"], 2),
        "incremental_seconds": round(incremental["seconds_total"], 2),
        "incremental_extracted": incremental["batch"]["extracted"],
        # An incremental extract re-reads what lies in the overlap window and drops it.
        "extract_counts": {
            "full": full["spark"].extract_counts,
            "incremental_after_seed": after_seed["spark"].extract_counts,
            "incremental": incremental["spark"].extract_counts,
        },
        "peak_rss_mib": round(whole["ours_rss_mib"], 1),
        "peak_python_rss_mib": round(whole["python_rss_mib"], 1),
        "stages": stages,
        # Where the event-driven load spends its time: each task state's wall time (the Lambda
        # process: start, imports, connect, the step) vs the step's own transaction (tracker).
        "load_profile": {
            "full": _load_profile(full),
            "incremental_after_seed": _load_profile(after_seed),
            "incremental": _load_profile(incremental),
        },
        "limits": limits_block,
        "notes": notes,
    }
    run["targets"] = evaluate(run)
    return run


def _load_profile(round_: dict[str, Any]) -> dict[str, Any]:
    tracker = {step: round(t.seconds, 3) for step, t in round_["steps"].items()}
    tasks = round_["tasks"]
    total = _load_seconds(round_)
    return {
        "execution_seconds": round(total, 3),
        "task_state_seconds": tasks,
        "tracker_step_seconds": tracker,
        "outside_tasks_seconds": round(total - sum(tasks.values()), 3),
    }


def _load_seconds(round_: dict[str, Any]) -> float:
    execution = round_["execution"]
    return _epoch(execution["stopDate"]) - _epoch(execution["startDate"])


def _spark_rows(
    prefix: str, round_: dict[str, Any], sampler: MemorySampler, scan_rate: float | None
) -> list[dict[str, Any]]:
    spark: SparkRun = round_["spark"]
    batch = round_["batch"]
    first_stage = min((begin for begin, _ in spark.stages.values()), default=spark.started)
    rows = [
        _row(
            f"{prefix}Spark start (interpreter, JVM, session)",
            spark.session_start_seconds,
            0,
            sampler.peaks(spark.started, first_stage),
        )
    ]
    for stage in ("extract", "transform", "publish"):
        if stage not in spark.stages:
            continue
        begin, end = spark.stages[stage]
        limit = (
            ("raw 4-segment scan", scan_rate) if stage == "extract" and scan_rate else (None, None)
        )
        rows.append(
            _row(
                f"{prefix}{stage}",
                end - begin,
                batch["extracted"],
                sampler.peaks(begin, end),
                *limit,
            )
        )
    return rows


def _load_rows(
    prefix: str, round_: dict[str, Any], sampler: MemorySampler, limits_: dict[str, Any] | None
) -> list[dict[str, Any]]:
    batch = round_["batch"]
    rows = []
    direct_steps = limits_["direct_load"]["steps"] if limits_ else {}
    for step, label in (("copy", "COPY"), ("gold", "gold"), ("analytics", "analytics")):
        timing = round_["steps"].get(step)
        if timing is None:
            continue
        peaks = sampler.peaks(_epoch(timing.started) - 0.5, _epoch(timing.ended) + 0.5)
        count = timing.destination_count or batch["valid"]
        limit: tuple[str | None, float | None] = (None, None)
        if limits_ and step == "copy":
            limit = ("raw COPY (S3→pyarrow→COPY)", limits_["raw_copy_rows_per_second"])
        elif direct_steps.get(step):
            limit = (f"direct {step} step", count / direct_steps[step])
        rows.append(_row(f"{prefix}{label} (tracker)", timing.seconds, count, peaks, *limit))
    direct_total = sum(direct_steps.values())
    rows.append(
        _row(
            f"{prefix}load: S3 event → Step Functions → Lambdas",
            _load_seconds(round_),
            batch["valid"],
            sampler.peaks(_epoch(round_["execution"]["startDate"]), round_["ended"]),
            "COPY+gold+analytics directly" if direct_total else None,
            batch["valid"] / direct_total if direct_total else None,
        )
    )
    rows.append(
        _row(
            f"{prefix}end to end (source table → analytics ready)",
            round_["seconds_total"],
            batch["extracted"],
            sampler.peaks(round_["started"], round_["ended"]),
        )
    )
    return rows


def run_bench(options: BenchOptions) -> int:
    endpoints, started = start_estate()
    sampler = MemorySampler(
        aws_port=int(endpoints.aws.rsplit(":", 1)[1]),
        emulator_ports=(
            int(endpoints.dynamodb.rsplit(":", 1)[1]),
            warehouse_direct.port_of(endpoints.warehouse_dsn),
        ),
    ).start()
    runs = []
    try:
        for n in options.sizes:
            runs.append(bench_one(n, options, sampler))
    finally:
        sampler.stop()
    result = {
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine_facts(),
        "memory_method": (
            "sampled every 0.1 s from /proc/<pid>/status: VmRSS summed over our processes "
            "(this bench, its healthetl/Spark children incl. the JVM, the Lambda runner "
            "subprocesses of the AWS endpoint); max VmHWM of any one of them; emulators apart"
        ),
        "estate_started_by_bench": list(started),
        "runs": runs,
    }
    report.print_tables(result, console)
    json_path, md_path = report.save(result, options.output_dir)
    console.print(f"saved {json_path} and {md_path}")
    missed = [t["target"] for run in runs for t in run["targets"] if t["met"] is False]
    if missed:
        console.print(f"[yellow]targets missed:[/] {'; '.join(missed)} (see docs/benchmarks.md)")
    return 0
