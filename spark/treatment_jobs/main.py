"""Command-line entry of the Spark jobs, for ``spark-submit`` and ``healthetl spark``.

    spark-submit spark/treatment_jobs/main.py run [--full] [--retransform BATCH]
    spark-submit spark/treatment_jobs/main.py extract|transform|publish [--batch-id ID]

Locally, point Spark's Python at the virtualenv (it has boto3 and this package):
``PYSPARK_PYTHON=.venv/bin/python .venv/bin/spark-submit --master 'local[2]' …``.

Without ``--table``/``--silver-bucket``/``--bronze-root``/``--silver-root`` the names come from
``facts/resources.json`` and ``HCA_ENV`` (default ``local``); on a cluster pass them all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from treatment_jobs.config import JobConfig, from_facts
from treatment_jobs.extract import ExtractSummary
from treatment_jobs.extract_lock import ExtractLockedError, extract_lock
from treatment_jobs.jobs import (
    FirstHalfResult,
    latest_bronze_batch,
    run_extract,
    run_first_half,
    run_publish,
    run_retransform,
)
from treatment_jobs.publish import PublishResult
from treatment_jobs.transform_stage import TransformSummary, run_transform

STAGES = ("extract", "transform", "publish", "run")


def add_arguments(parser: argparse.ArgumentParser, default_master: str | None) -> None:
    if default_master is None:  # spark-submit: the stage is a positional argument
        parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--full", action="store_true", help="extract: force a full parallel scan")
    parser.add_argument(
        "--retransform",
        metavar="BATCH",
        help="run/transform: re-transform this bronze batch as a new batch",
    )
    parser.add_argument(
        "--batch-id", help="transform/publish: the batch (default: the latest bronze batch)"
    )
    parser.add_argument("--env", help="estate environment (default: $HCA_ENV or local)")
    parser.add_argument(
        "--facts-file", type=Path, help="facts/resources.json (default: the repository's)"
    )
    parser.add_argument("--table", help="DynamoDB source table name")
    parser.add_argument("--index", help="GSI by modification day")
    parser.add_argument("--silver-bucket", help="silver bucket name")
    parser.add_argument("--bronze-root", help="bronze folder or s3:// URI")
    parser.add_argument("--silver-root", help="silver work folder or s3:// URI")
    parser.add_argument(
        "--overlap-seconds", type=int, help="incremental overlap (default: estate setting)"
    )
    parser.add_argument("--segments", type=int, help="parallel scan segments (default 4)")
    parser.add_argument(
        "--reads-per-task",
        type=int,
        help="segments or query days one Spark task reads at once (default 2)",
    )
    parser.add_argument(
        "--master",
        default=default_master,
        help=f"Spark master (default {default_master or 'from spark-submit'})",
    )


def config_from_args(args: argparse.Namespace) -> JobConfig:
    explicit = args.table and args.silver_bucket and args.bronze_root and args.silver_root
    if explicit:
        base = JobConfig(
            args.table,
            args.index or "by_modified_day",
            args.silver_bucket,
            args.bronze_root,
            args.silver_root,
        )
    else:
        base = from_facts(args.facts_file, args.env)
    return base.with_overrides(
        table_name=args.table,
        index_name=args.index,
        silver_bucket=args.silver_bucket,
        bronze_root=args.bronze_root,
        silver_root=args.silver_root,
        overlap_seconds=args.overlap_seconds,
        scan_segments=args.segments,
        reads_per_task=args.reads_per_task,
    )


class PlainConsole:
    """Where rich is not installed (e.g. a bare Glue job): the same calls, plain lines."""

    def print(self, *objects: Any) -> None:
        print(*objects, flush=True)

    log = print

    @contextmanager
    def status(self, text: str) -> Iterator[None]:
        print(text, flush=True)
        yield


def make_console() -> Any:
    try:
        from rich.console import Console
    except ImportError:
        return PlainConsole()
    return Console()


def _count_rows(result: FirstHalfResult) -> list[tuple[str, str, str, str]]:
    ex, tr, pub, secs = result.extract, result.transform, result.publish, result.times.seconds
    rows = []
    if ex is not None:
        rate = _rate(ex.read, secs["extract"])
        rows.append(("extract", _extract_counts(ex), f"{secs['extract']:.2f}", rate))
    if tr is not None:
        rate = _rate(tr.read, secs["transform"])
        rows.append(("transform", _transform_counts(tr), f"{secs['transform']:.2f}", rate))
    if pub is not None:
        rows.append(("publish", _publish_counts(pub), f"{secs['publish']:.2f}", ""))
    return rows


def _print_counts(console: Any, result: FirstHalfResult) -> None:
    rows = _count_rows(result)
    if isinstance(console, PlainConsole):
        for row in rows:
            console.print(" | ".join(row))
        return
    from rich.table import Table

    table = Table(title="first half")
    for column in ("stage", "counts", "seconds", "rows/s"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else ""


def _extract_counts(ex: ExtractSummary) -> str:
    return (
        f"{ex.mode}: read {ex.read}, already published {ex.already_published},"
        f" new {ex.items} → {ex.batch_id}"
    )


def _transform_counts(tr: TransformSummary) -> str:
    source = f" (from {tr.source_batch})" if tr.source_batch else ""
    return (
        f"{tr.batch_id}{source}: valid {tr.valid}, rejected {tr.rejected},"
        f" superseded {tr.superseded}"
    )


def _publish_counts(pub: PublishResult) -> str:
    if not pub.published:
        return "nothing to publish"
    return f"{pub.files} files; watermark {pub.watermark_cursor or 'unchanged (re-transform)'}"


def execute(args: argparse.Namespace, stage: str, console: Any = None) -> int:
    from treatment_jobs.jobs import StageTimes
    from treatment_jobs.session import build_session

    console = console or make_console()
    cfg = config_from_args(args)
    times = StageTimes()
    with console.status(f"spark {stage}: starting Spark ({args.master or 'cluster'})…"):
        spark = (
            build_session(
                f"treatment_jobs-{stage}",
                args.master,
                driver_java_options=getattr(args, "driver_java_options", None),
            )
            if stage != "publish"
            else None
        )
    result = FirstHalfResult(None, None, None, times)
    with console.status(f"spark {stage}: running…"):
        if stage == "run":
            result = run_first_half(
                spark, cfg, full=args.full, retransform=args.retransform, report=console.log
            )
        elif stage == "extract":
            with extract_lock(cfg, "extract"), times.stage("extract", console.log):
                result.extract = run_extract(spark, cfg, full=args.full, report=console.log)
        elif stage == "transform":
            with times.stage("transform", console.log):
                if args.retransform:
                    result.transform = run_retransform(spark, cfg, args.retransform)
                else:
                    result.transform = run_transform(
                        spark, cfg, args.batch_id or latest_bronze_batch(cfg)
                    )
        else:
            with extract_lock(cfg, "publish"), times.stage("publish", console.log):
                result.publish = run_publish(cfg, args.batch_id or latest_bronze_batch(cfg))
    _print_counts(console, result)
    if result.extract is not None and result.extract.items == 0:
        console.print("no new items: nothing extracted into a batch, nothing to publish")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="treatment_jobs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser, default_master=None)
    args = parser.parse_args(argv)
    args.spark_stage = args.stage
    return run_cli(args)


def run_cli(args: Any) -> int:
    try:
        return execute(args, args.spark_stage)
    except (ExtractLockedError, FileNotFoundError) as exc:  # operator errors: a message, rc 2
        print(f"healthetl spark {args.spark_stage}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
