"""Batches for the reliability suites: the deployment they run on, the source data (the source
area's generator, change rounds and bad items), the real Spark jobs publishing into a holding
bucket (not wired to the trigger), and the release of held batches into the silver bucket —
which is how "down while a batch arrives" and "two batches published at once" are staged."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

REPO = Path(__file__).resolve().parents[2]

# Retry 2 s, ×1.5, 4 attempts: 2 + 3 + 4.5 + 6.75 ≈ 16 s of retrying before the failure path.
OUTAGE_SETTINGS: dict[str, object] = {
    "retry_interval_seconds": 2,
    "retry_backoff_rate": 1.5,
    "retry_max_attempts": 4,
    "retry_window_seconds": 20,
    "gate_poll_seconds": 1,
    "gate_poll_max_seconds": 2,
}
OUTAGE_RETRY_WINDOW_SECONDS = 16.25
# Items in the baseline batch; HCA_RELIABILITY_N=59452 for the one run at full size.
DEFAULT_N = 3_000


@dataclass
class Deployment:
    """One deployed load pipeline and the warehouse database its Lambdas use."""

    env: str
    dsn: str
    state_machine_arn: str
    function_arns: dict[str, str]
    buckets: dict[str, str]
    table_name: str
    alerts_topic_arn: str
    pg_data_dir: Path | None = None
    holding_bucket: str | None = None
    released: list[str] = field(default_factory=list)
    rounds: int = 0  # change rounds applied to the source table

    @property
    def silver_bucket(self) -> str:
        return self.buckets["silver"]

    def function_name(self, key: str) -> str:
        return self.function_arns[key].rsplit(":", 1)[1]

    def job_config(self, **overrides: Any) -> Any:
        from treatment_jobs.config import from_facts

        return from_facts(env=self.env).with_overrides(**overrides)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def migrate(dsn: str) -> None:
    """Apply the versioned DDL and the procedures, as `healthetl migrate --dsn` does."""
    from warehouse_seam import connect

    from healthetl.migrate import migrate as apply_pending

    with connect(dsn) as warehouse:
        apply_pending(warehouse, out=lambda _line: None)


@contextlib.contextmanager
def timed(what: str) -> Iterator[None]:
    """Print how long a set-up step took (shown with -s, or with a failure's captured output)."""
    began = time.perf_counter()
    yield
    print(f"[reliability] {what}: {time.perf_counter() - began:.1f}s")


def deploy(env: str, dsn: str, settings: dict[str, object]) -> Deployment:
    """The load pipeline as `healthetl deploy-local` deploys it, with `settings` overridden."""
    from healthetl.pipeline.deploy import deploy_pipeline

    deployed = deploy_pipeline(dsn, env=env, settings_override=settings)
    return Deployment(
        env=env,
        dsn=dsn,
        state_machine_arn=deployed.state_machine_arn,
        function_arns=dict(deployed.function_arns),
        buckets=dict(deployed.buckets),
        table_name=deployed.table_name,
        alerts_topic_arn=deployed.alerts_topic_arn,
    )


SEED = 7


def seed_source(table: str, n: int) -> None:
    from healthetl.source.generator import iter_items
    from healthetl.source.loader import load_items

    load_items(iter_items(seed=SEED, n=n), table, total=n, show_progress=False)


def apply_changes(deployment: Deployment, n: int) -> Any:
    """The source area's next deterministic round of ~1 % changes; its RoundResult."""
    from healthetl.source import changes
    from healthetl.source.loader import dynamodb_client, load_items, utc_now_text

    deployment.rounds += 1
    plan = changes.plan_round(SEED, n, deployment.rounds)
    current = changes.fetch_items(dynamodb_client(), deployment.table_name, plan.changed_ids)
    result = changes.build_round(SEED, n, deployment.rounds, current, utc_now_text())
    load_items(result.items, deployment.table_name, total=len(result.items), show_progress=False)
    return result


def make_batch(spark: Any, deployment: Deployment, *, full: bool = False) -> str:
    """extract → transform → publish with the real jobs; into the holding bucket when the
    deployment has one (nothing triggers there), else straight into its silver bucket."""
    from treatment_jobs.jobs import run_first_half

    overrides = {"silver_bucket": deployment.holding_bucket} if deployment.holding_bucket else {}
    result = run_first_half(spark, deployment.job_config(**overrides), full=full)
    assert result.publish is not None and result.publish.published, "no batch was published"
    return result.publish.batch_id


def release(deployment: Deployment, batch_ids: list[str]) -> None:
    """Copy held batches into the silver bucket, `_batch.json` last; several at once. The
    manifests are rewritten to name the silver bucket, as if publish had written there (the
    copy step loads only entries under its own bucket's batches/<batch_id>/)."""
    assert deployment.holding_bucket is not None
    s3 = boto3.client("s3")
    held, silver = f"s3://{deployment.holding_bucket}/", f"s3://{deployment.silver_bucket}/"

    def keys_of(batch_id: str) -> list[str]:
        listing = s3.list_objects_v2(
            Bucket=deployment.holding_bucket, Prefix=f"batches/{batch_id}/"
        )
        return sorted(o["Key"] for o in listing.get("Contents", []))

    def copy(key: str) -> None:
        if key.endswith(".manifest"):
            body = s3.get_object(Bucket=deployment.holding_bucket, Key=key)["Body"].read()
            manifest = json.loads(body)
            for entry in manifest["entries"]:
                if entry["url"].startswith(held):
                    entry["url"] = silver + entry["url"][len(held) :]
            s3.put_object(Bucket=deployment.silver_bucket, Key=key, Body=json.dumps(manifest))
            return
        s3.copy_object(
            Bucket=deployment.silver_bucket,
            Key=key,
            CopySource={"Bucket": deployment.holding_bucket, "Key": key},
        )

    summaries = []
    for batch_id in batch_ids:
        keys = keys_of(batch_id)
        for key in keys:
            if not key.endswith("/_batch.json"):
                copy(key)
        summaries += [k for k in keys if k.endswith("/_batch.json")]
    with ThreadPoolExecutor(max_workers=max(1, len(summaries))) as pool:
        list(pool.map(copy, summaries))
    deployment.released += batch_ids


@dataclass(frozen=True)
class Baseline:
    """The first, full batch: N generated items plus ~1 % bad ones (rules in `expected`)."""

    batch_id: str
    n: int
    expected_rules: dict[int, str]  # bad-item id → rules it breaks ("" = must stay valid)


def seed_bad_items(table: str, n: int) -> dict[int, str]:
    """The source area's bad items (each rule broken, plus valid edge cases), repeated with
    fresh ids until the invalid ones are ≈ 1 % of `n`."""
    import copy

    from healthetl.source import bad_items
    from healthetl.source.loader import load_items

    built = bad_items.build_bad_items()
    invalid = [(item, case) for item, case in built if case.rules]
    copies = max(1, -(-n // 100) // len(invalid))  # ceil(1 % of n / cases)
    items = [item for item, _ in built]
    expected = {int(item["treatment_id"]["N"]): case.rules for item, case in built}
    for k in range(1, copies):
        for item, case in invalid:
            if item["treatment_id"]["N"] != item["treatment"]["M"]["id"]["N"]:
                continue  # the R7 cases keep their own ids
            clone = copy.deepcopy(item)
            new_id = int(item["treatment_id"]["N"]) + k * 100_000
            clone["treatment_id"] = {"N": str(new_id)}
            clone["treatment"]["M"]["id"] = {"N": str(new_id)}
            items.append(clone)
            expected[new_id] = case.rules
    load_items(items, table, total=len(items), show_progress=False)
    return expected
