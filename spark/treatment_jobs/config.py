"""Job configuration: one dataclass, passed as an argument to every stage (no module globals).

Built from ``facts/resources.json`` plus the environment name (``HCA_ENV``, default ``local``)
when the repository is at hand, or entirely from arguments on a cluster (Glue, Databricks).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

DEFAULT_OVERLAP_SECONDS = 300
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class JobConfig:
    table_name: str  # the DynamoDB source table
    index_name: str  # the GSI by modification day
    silver_bucket: str  # where batches/, _batch.json and state/watermark.json live
    bronze_root: str  # folder or s3:// URI holding batch_id=<id>/ bronze partitions
    silver_root: str  # folder or s3:// URI where the transform writes <id>/valid|rejected
    overlap_seconds: int = DEFAULT_OVERLAP_SECONDS
    scan_segments: int = 4  # parallel Scan segments
    # Segments (or Query days) one Spark task reads at once, one thread each: a stream mostly
    # waits on the service, so two per task keep a core busy (``concurrent_reads``).
    reads_per_task: int = 2
    batches_prefix: str = "batches/"
    batch_summary_name: str = "_batch.json"
    watermark_key: str = "state/watermark.json"
    lock_key: str = "state/extract.lock"
    # The extract lock's expiry; its owner renews it every third of this while it runs, so only
    # a lock whose run died expires (``extract_lock``).
    lock_ttl_seconds: int = 600
    skipped_batches_prefix: str = "state/skipped/"
    # A version dated after the extraction's start + 5 minutes but at most this far ahead is
    # deferred (read again on every run); further ahead it is rejected for good (R6).
    deferral_horizon_seconds: int = 24 * 3600

    def with_overrides(self, **changes: Any) -> JobConfig:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def batch_prefix(self, batch_id: str) -> str:
        return f"{self.batches_prefix}{batch_id}/"


def runtime_dir() -> Path:
    return Path(os.environ.get("HCA_RUNTIME_DIR", REPO_ROOT / ".runtime"))


def from_facts(
    facts_file: Path | None = None, env: str | None = None, lake_dir: Path | None = None
) -> JobConfig:
    """Names ``<project>-<env>-<name>`` from resources.json; the lake under
    ``.runtime/lake/<env>``."""
    facts = json.loads((facts_file or REPO_ROOT / "facts" / "resources.json").read_text())
    env = env or os.environ.get("HCA_ENV", "local")
    prefix = f"{facts['project']}-{env}-"
    table = facts["source_table"]
    layout = facts["silver_layout"]
    lake = lake_dir or runtime_dir() / "lake" / env
    return JobConfig(
        table_name=prefix + table["name"],
        index_name=table["modified_index"]["name"],
        silver_bucket=prefix + facts["buckets"]["silver"]["name"],
        bronze_root=str(lake / "bronze"),
        silver_root=str(lake / "silver"),
        overlap_seconds=int(
            facts["settings"].get("incremental_overlap_seconds", DEFAULT_OVERLAP_SECONDS)
        ),
        batches_prefix=layout["batches_prefix"],
        batch_summary_name=layout["batch_summary_name"],
        watermark_key=layout["watermark_key"],
        skipped_batches_prefix=layout["skipped_batches_prefix"],
    )
