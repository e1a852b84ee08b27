"""The stages as jobs: each takes a SparkSession (when it needs one) and a ``JobConfig``,
and returns what it did. ``run_first_half`` holds the extract lock across all three stages."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyspark.sql import SparkSession

from treatment_jobs.catch_up import catch_up
from treatment_jobs.config import JobConfig
from treatment_jobs.extract import ExtractSummary, bronze_batches, extract
from treatment_jobs.extract_lock import extract_lock
from treatment_jobs.publish import PublishResult, publish
from treatment_jobs.state import new_batch_id
from treatment_jobs.transform_stage import TransformSummary, read_transform_summary, run_transform


@dataclass
class StageTimes:
    """Per-stage wall times in seconds, in the order the stages ran."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str, report: Callable[[str], None] | None = None) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
        if report:
            report(f"{name}: {self.seconds[name]:.2f} s")


@dataclass
class FirstHalfResult:
    extract: ExtractSummary | None
    transform: TransformSummary | None
    publish: PublishResult | None
    times: StageTimes


def run_extract(
    spark: SparkSession,
    cfg: JobConfig,
    *,
    full: bool = False,
    started: datetime | None = None,
    report: Callable[[str], None] | None = None,
) -> ExtractSummary:
    """Full the first time (or when forced), incremental from the watermark afterwards; first
    the watermark catches up with crashed runs and skips (the caller holds the extract lock).
    ``started`` is the extraction's start (now; tests inject it)."""
    started = (started or datetime.now(UTC)).replace(microsecond=0)
    caught = catch_up(cfg, started)
    if report:
        for batch_id in caught.completed:
            report(f"completed the watermark change of {batch_id} (its run ended early)")
        for batch_id, count in caught.requeued.items():
            report(f"re-queued {count} treatment ids of skipped batch {batch_id}")
    last = caught.watermark.batch_id if caught.watermark else None
    batch_id = new_batch_id(
        started, after=max(filter(None, [last, *bronze_batches(cfg)]), default=None)
    )
    return extract(spark, cfg, batch_id, started, caught.watermark, full=full)


def latest_bronze_batch(cfg: JobConfig) -> str:
    batches = bronze_batches(cfg)
    if not batches:
        raise FileNotFoundError(f"no bronze batch under {cfg.bronze_root}; run the extract first")
    return batches[-1]


def run_retransform(spark: SparkSession, cfg: JobConfig, bronze_batch: str) -> TransformSummary:
    """Re-transform an existing bronze batch as a new batch (no DynamoDB read)."""
    return run_transform(spark, cfg, bronze_batch, new_batch_id(datetime.now(UTC)))


def run_publish(cfg: JobConfig, batch_id: str) -> PublishResult:
    return publish(cfg, read_transform_summary(cfg, batch_id))


def run_first_half(
    spark: SparkSession,
    cfg: JobConfig,
    *,
    full: bool = False,
    retransform: str | None = None,
    report: Callable[[str], None] | None = None,
    started: datetime | None = None,
) -> FirstHalfResult:
    times = StageTimes()
    if retransform:
        with times.stage("transform", report):
            transformed = run_retransform(spark, cfg, retransform)
        with times.stage("publish", report):
            published = publish(cfg, transformed)
        return FirstHalfResult(None, transformed, published, times)
    with extract_lock(cfg, "first-half"):
        with times.stage("extract", report):
            extracted = run_extract(spark, cfg, full=full, started=started, report=report)
        if extracted.items == 0:
            return FirstHalfResult(extracted, None, None, times)
        with times.stage("transform", report):
            transformed = run_transform(spark, cfg, extracted.batch_id)
        with times.stage("publish", report):
            published = publish(cfg, transformed)
    return FirstHalfResult(extracted, transformed, published, times)
