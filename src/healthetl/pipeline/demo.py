"""``healthetl demo``: the product's main job on the local estate, start to finish.

estate up → migrate → deploy-local → seed N items + bad items → Spark first half (extract,
transform, publish `_batch.json`) → the S3 event starts the load → wait → summary + HTML report;
then one incremental round (1 % changes) → summary. The estate stays up afterwards.
Each stage reuses the product's own command (same code as `make migrate`, `make seed`, …).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from healthetl.estate import client_environment, up
from healthetl.estate.config import EstateConfig, repo_root
from healthetl.pipeline import executions
from healthetl.pipeline.deploy import deploy_pipeline, deployment_env
from healthetl.pipeline.reads import warehouse_query
from healthetl.report.console import print_summary
from healthetl.report.data import RunData, collect
from healthetl.report.html import render, write_report

EXECUTION_TIMEOUT_SECONDS = 1800.0
NEW_EXECUTION_TIMEOUT_SECONDS = 120.0
REPORT_TITLE = "Healthcare analytics ETL — demo run"


@dataclass
class Timings:
    stages: dict[str, float] = field(default_factory=dict)

    def run(self, stage: str, action: Callable[[], Any]) -> Any:
        began = time.monotonic()
        try:
            return action()
        finally:
            self.stages[stage] = time.monotonic() - began


def run_cli(console: Console, *args: str) -> None:
    """One of the product's own commands, in its own process (its progress bars show)."""
    console.print(f"[bold]$ healthetl {' '.join(args)}[/bold]")
    completed = subprocess.run(
        [sys.executable, "-m", "healthetl.cli", *args], cwd=repo_root(), check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"`healthetl {' '.join(args)}` failed ({completed.returncode})")


def wait_for_new_batches(
    console: Console, machine_arn: str, known: set[str], timeout: float
) -> list[executions.ExecutionSummary]:
    """Wait for the executions the last publish started, then for them to finish."""
    began = time.monotonic()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("waiting for the S3 event to start the load…", total=None)
        while True:
            new = [e for e in executions.list_executions(machine_arn) if e.name not in known]
            if new:
                break
            if time.monotonic() - began > NEW_EXECUTION_TIMEOUT_SECONDS:
                raise TimeoutError("no load execution started after the publish")
            time.sleep(0.5)
        for execution in new:

            def show(status: str | None, elapsed: float, name: str = execution.name) -> None:
                progress.update(task, description=f"load {name}: {status or 'starting'}")

            executions.wait_for_execution(
                machine_arn, execution.name, timeout=timeout, on_poll=show
            )
    names = {e.name for e in new}
    return [e for e in executions.list_executions(machine_arn) if e.name in names]


def summarize(console: Console, dsn: str, batch_ids: list[str], title: str) -> RunData:
    with warehouse_query(dsn) as query:
        data = collect(query, batch_ids)
    print_summary(console, data, title=title)
    return data


def round_rows(
    label: str, found: list[executions.ExecutionSummary], data: RunData
) -> list[dict[str, Any]]:
    rows = []
    for e in found:
        steps = [r for r in data.tracker if r["execution_name"] == e.name]
        copy = next((r for r in steps if r["step"] == "copy"), None)
        rows.append(
            {
                "round": label,
                "batch": e.batch_id,
                "status": e.status,
                "execution_seconds": None if e.seconds is None else round(e.seconds, 1),
                "rows_copied": copy["destination_count"] if copy else None,
            }
        )
    return rows


def run_demo(n: int, report_path: Path, console: Console | None = None) -> int:
    console = console or Console()
    if not console.is_terminal:  # e.g. `make demo | tee`: keep the tables readable
        console = Console(width=160)
    timings = Timings()
    began = time.monotonic()
    config = EstateConfig.from_env()
    endpoints = timings.run("estate up", lambda: up(config))
    os.environ.update(client_environment(endpoints))
    started = ", ".join(endpoints.started) or "nothing (all running)"
    console.print(f"estate up: started {started}; warehouse {endpoints.warehouse_dsn}")
    timings.run("migrate", lambda: run_cli(console, "migrate"))
    deployed = timings.run("deploy-local", lambda: deploy_pipeline(endpoints.warehouse_dsn))
    console.print(f"deployed state machine {deployed.state_machine_arn} (env {deployment_env()})")
    machine = deployed.state_machine_arn

    timings.run("seed", lambda: run_cli(console, "source", "seed", "--n", str(n)))
    timings.run("bad items", lambda: run_cli(console, "source", "bad-items"))
    known = {e.name for e in executions.list_executions(machine)}
    timings.run("first half (full)", lambda: run_cli(console, "spark", "run"))
    full = timings.run(
        "load (full)",
        lambda: wait_for_new_batches(console, machine, known, EXECUTION_TIMEOUT_SECONDS),
    )
    _print_executions(console, full)
    full_data = timings.run(
        "summary",
        lambda: summarize(
            console, endpoints.warehouse_dsn, [e.batch_id for e in full], "Full load"
        ),
    )
    rounds = round_rows("full", full, full_data)
    write_report(report_path, render(full_data, title=REPORT_TITLE, rounds=rounds))
    console.print(f"report: {report_path.resolve()}")

    known = {e.name for e in executions.list_executions(machine)}
    timings.run("changes", lambda: run_cli(console, "source", "changes"))
    timings.run("first half (incremental)", lambda: run_cli(console, "spark", "run"))
    incremental = timings.run(
        "load (incremental)",
        lambda: wait_for_new_batches(console, machine, known, EXECUTION_TIMEOUT_SECONDS),
    )
    _print_executions(console, incremental)
    batch_ids = [e.batch_id for e in full + incremental]
    incremental_data = summarize(console, endpoints.warehouse_dsn, batch_ids, "Incremental round")
    rounds += round_rows("incremental", incremental, incremental_data)
    total = time.monotonic() - began
    timings.stages["total"] = total
    write_report(
        report_path,
        render(incremental_data, title=REPORT_TITLE, timings=timings.stages, rounds=rounds),
    )
    console.print(f"report (both rounds): {report_path.resolve()}")
    console.rule("Times")
    for stage, seconds in timings.stages.items():
        console.print(f"  {stage:<28} {seconds:8.1f} s")
    failed = [e for e in full + incremental if e.status != "SUCCEEDED"]
    console.print("the estate stays up: `make status`, `healthetl batches`, `make down` to stop")
    return 1 if failed else 0


def _print_executions(console: Console, found: list[executions.ExecutionSummary]) -> None:
    for e in found:
        colour = "green" if e.status == "SUCCEEDED" else "red"
        seconds = f"{e.seconds:.1f} s" if e.seconds is not None else "-"
        console.print(f"execution {e.name}: [{colour}]{e.status}[/{colour}] in {seconds}")
