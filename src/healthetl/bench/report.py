"""Bench results: the machine they ran on, the targets, and three renderings (rich, JSON, Markdown).

A result is a plain JSON-able dict per N (see `healthetl.bench.run.bench_one`):
`stages` is a list of rows `{stage, seconds, rows, rows_per_second, peak_rss_mib,
process_hwm_mib, limit, limit_rows_per_second, ratio}`; `targets` a list of
`{target, measured, goal, met}`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

STAGE_COLUMNS = (
    ("stage", "stage"),
    ("seconds", "wall s"),
    ("rows", "rows"),
    ("rows_per_second", "rows/s"),
    ("peak_rss_mib", "peak RSS MiB (ours, Σ)"),
    ("python_rss_mib", "of it Python MiB (Σ)"),
    ("process_hwm_mib", "max HWM MiB (1 proc)"),
    ("limit", "bounded by"),
    ("limit_rows_per_second", "limit rows/s"),
    ("ratio", "ratio"),
)


def _version_of(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    except OSError:
        return "absent"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def machine_facts() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model,
        "ram_gib": round(total_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        # Other work on the machine while the bench ran skews every figure: recorded with them.
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "java": _version_of(["java", "-version"]),
        "node": _version_of(["node", "--version"]),
        "postgresql": _version_of(["postgres", "--version"]),
        "pyspark": _package("pyspark"),
        "moto": _package("moto"),
        "boto3": _package("boto3"),
        "psycopg": _package("psycopg"),
        "pyarrow": _package("pyarrow"),
    }


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_tables(result: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console(width=200)
    for run in result["runs"]:
        table = Table(title=f"healthetl bench — N = {run['n']:,}")
        for _, heading in STAGE_COLUMNS:
            table.add_column(
                heading, justify="left" if heading in {"stage", "bounded by"} else "right"
            )
        for row in run["stages"]:
            table.add_row(*(_cell(row.get(key)) for key, _ in STAGE_COLUMNS))
        console.print(table)
        targets = Table(title=f"targets — N = {run['n']:,}")
        for heading in ("target", "measured", "goal", "met"):
            targets.add_column(heading)
        for target in run["targets"]:
            met = {True: "[green]yes[/]", False: "[red]NO[/]", None: "–"}[target["met"]]
            targets.add_row(target["target"], target["measured"], target["goal"], met)
        console.print(targets)


def markdown(result: dict[str, Any]) -> str:
    facts = result["machine"]
    lines = [
        f"Measured {result['finished_at']} on {facts['cores']} cores ({facts['cpu']}), "
        f"{facts['ram_gib']} GiB RAM, Linux {facts['kernel']} (load average at the end "
        f"{'/'.join(map(str, facts['load_average_1_5_15']))}); Python {facts['python']}, "
        f"{facts['java']}, PostgreSQL `{facts['postgresql']}`, dynalite on Node {facts['node']}, "
        f"moto {facts['moto']}, pyspark {facts['pyspark']}, pyarrow {facts['pyarrow']}.",
        "",
    ]
    for run in result["runs"]:
        lines += [f"### N = {run['n']:,}", ""]
        headings = [heading for _, heading in STAGE_COLUMNS]
        lines.append("| " + " | ".join(headings) + " |")
        lines.append("|" + "|".join("---" for _ in headings) + "|")
        for row in run["stages"]:
            lines.append("| " + " | ".join(_cell(row.get(key)) for key, _ in STAGE_COLUMNS) + " |")
        lines += ["", "| target | measured | goal | met |", "|---|---|---|---|"]
        for target in run["targets"]:
            met = {True: "yes", False: "**no**", None: "–"}[target["met"]]
            lines.append(
                f"| {target['target']} | {target['measured']} | {target['goal']} | {met} |"
            )
        lines.append("")
        for label, profile in run.get("load_profile", {}).items():
            tasks = ", ".join(f"{k} {v:.2f} s" for k, v in profile["task_state_seconds"].items())
            steps = ", ".join(f"{k} {v:.2f} s" for k, v in profile["tracker_step_seconds"].items())
            lines.append(
                f"- load profile ({label}): execution {profile['execution_seconds']:.2f} s = "
                f"task states [{tasks}] + {profile['outside_tasks_seconds']:.2f} s between them; "
                f"the steps' own transactions (tracker) [{steps}]"
            )
        lines += [f"- {note}" for note in run.get("notes", [])]
        lines.append("")
    return "\n".join(lines)


def save(result: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    sizes = "-".join(str(run["n"]) for run in result["runs"])
    json_path = directory / f"bench-{stamp}-{sizes}.json"
    md_path = json_path.with_suffix(".md")
    json_path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    md_path.write_text(markdown(result) + "\n")
    return json_path, md_path
