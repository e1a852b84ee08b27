"""The bench's pure parts: stage lines of `healthetl spark run`, the process tree walk, the
targets, the Markdown rendering."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from healthetl.bench import report
from healthetl.bench.memory import MemorySampler, ProcStat, descendants, process_table
from healthetl.bench.stage_runs import STAGE_LINE
from healthetl.bench.targets import evaluate

pytestmark = pytest.mark.unit


def test_stage_lines_of_spark_run_are_recognised() -> None:
    match = STAGE_LINE.search("[19:02:11] extract: 12.34 s                     jobs.py:33")
    assert match is not None and match.groups() == ("extract", "12.34")
    assert STAGE_LINE.search("spark extract: starting Spark (local[2])…") is None


def test_descendants_follow_the_whole_tree_and_nothing_else() -> None:
    table = {
        1: ProcStat(1, 0, "init"),
        10: ProcStat(10, 1, "bench"),
        11: ProcStat(11, 10, "python"),
        12: ProcStat(12, 11, "java"),
        20: ProcStat(20, 1, "moto"),
    }
    assert descendants({10}, table) == {10, 11, 12}


def test_the_sampler_counts_a_child_process_as_ours() -> None:
    sampler = MemorySampler(aws_port=1, emulator_ports=(), interval=0.05).start()
    with sampler.window("child"):
        subprocess.run(
            [sys.executable, "-c", "b = bytearray(64 << 20); import time; time.sleep(0.3)"],
            check=True,
        )
    sampler.stop()
    peaks = sampler.window_peaks("child")
    assert peaks["process_hwm_mib"] >= 64
    assert peaks["python_rss_mib"] >= 64  # no JVM here: all of it is Python
    assert os.getpid() in process_table()


def _run(n: int, e2e: float, extract_ratio: float, load: float, direct: float) -> dict:
    return {
        "n": n,
        "end_to_end_seconds": e2e,
        "incremental_after_seed_seconds": e2e / 2,
        "incremental_seconds": e2e / 5,
        "peak_rss_mib": 2500.0,
        "peak_python_rss_mib": 1500.0,
        "stages": [
            {
                "stage": "extract",
                "rows_per_second": 800.0,
                "limit_rows_per_second": 800.0 / extract_ratio,
                "ratio": extract_ratio,
            },
            {"stage": "load: S3 event → Step Functions → Lambdas", "seconds": load},
        ],
        "limits": {"direct_load": {"steps": {"copy": direct / 2, "gold": direct / 2}}},
    }


def test_targets_at_59452_and_600000() -> None:
    small = {t["target"]: t["met"] for t in evaluate(_run(59_452, 50.0, 0.9, 10.0, 6.0))}
    assert small["end to end"] is True
    assert small["extract vs raw 4-segment scan"] is True
    assert small["COPY+gold+analytics via pipeline vs direct"] is True
    assert small["incremental 1 % (JVM starts included)"] is None  # judged at 600,000 only
    large = {t["target"]: t["met"] for t in evaluate(_run(600_000, 700.0, 0.5, 30.0, 10.0))}
    assert large["end to end"] is False
    assert large["extract vs raw 4-segment scan"] is False
    assert large["COPY+gold+analytics via pipeline vs direct"] is False
    assert large["incremental 1 % (JVM starts included)"] is True
    # Judged on the Python processes; the sum with the Spark JVM (2,500 MiB here) is shown.
    assert large["peak RSS of our Python processes (Σ at one moment)"] is True


def test_markdown_has_one_table_row_per_stage() -> None:
    run = _run(59_452, 50.0, 0.9, 10.0, 6.0)
    run["targets"] = evaluate(run)
    machine = {key: "x" for key in ("cores", "cpu", "ram_gib", "kernel", "python", "java")}
    machine |= {key: "x" for key in ("postgresql", "node", "moto", "pyspark", "pyarrow")}
    machine["load_average_1_5_15"] = [1.0, 1.0, 1.0]
    text = report.markdown({"finished_at": "now", "machine": machine, "runs": [run]})
    assert text.count("\n| extract |") == 1
    assert "| end to end | 50.0 s | ≤ 60 s at 59,452 | yes |" in text
