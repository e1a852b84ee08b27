"""Operator commands of the event-driven load.

``deploy-local`` (idempotent), ``demo [--n N]``, ``batches`` (recent batches: Step Functions +
tracker, data freshness), ``replay <batch_id>`` (execution ``<batch_id>-r<N>``), ``skip
<batch_id>`` (a failed batch stops holding later ones; under the load lease), ``lease`` (who
holds the load lease), ``rejects`` (by rule),
``build-lambda-zips`` (build/lambda/<function>.zip for AWS, dependencies vendored).
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from load_pipeline.ordering import Lease
    from warehouse_seam import WarehouseLocation


def register(subparsers: argparse._SubParsersAction) -> None:
    deploy = subparsers.add_parser(
        "deploy-local",
        help="deploy the Lambdas, state machine, notification, topic, dashboards, alarms locally",
    )
    deploy.set_defaults(func=_deploy_local)

    demo = subparsers.add_parser("demo", help="the whole pipeline on the local estate + report")
    demo.add_argument("--n", type=int, default=59_452, help="items to generate (default 59452)")
    demo.add_argument("--report", type=Path, default=Path("reports/demo.html"))
    demo.set_defaults(func=_demo)

    batches = subparsers.add_parser("batches", help="recent batches: executions, steps, freshness")
    batches.add_argument("--limit", type=int, default=10)
    batches.set_defaults(func=_batches)

    replay = subparsers.add_parser("replay", help="replay a batch (execution <batch_id>-r<N>)")
    replay.add_argument("batch_id")
    replay.add_argument("--no-wait", action="store_true", help="start it and return")
    replay.set_defaults(func=_replay)

    skip = subparsers.add_parser("skip", help="stop a failed batch from holding later ones")
    skip.add_argument("batch_id")
    skip.add_argument("--reason", required=True)
    skip.add_argument(
        "--wait", type=float, default=900, help="seconds to wait for the load lease (default 900)"
    )
    skip.set_defaults(func=_skip)

    lease = subparsers.add_parser("lease", help="who holds the load lease, and may it be taken")
    lease.set_defaults(func=_lease)

    rejects = subparsers.add_parser("rejects", help="rejected items by rule")
    rejects.add_argument("--batch", default=None, help="one batch only")
    rejects.set_defaults(func=_rejects)

    zips = subparsers.add_parser("build-lambda-zips", help="build/lambda/*.zip for AWS")
    zips.add_argument("--out", type=Path, default=None)
    zips.set_defaults(func=_build_zips)


def wide_console() -> Console:
    """Tables stay readable when piped (rich would assume 80 columns)."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def _local_estate() -> WarehouseLocation:
    """Point boto3 at the local estate unless an endpoint is chosen already; the warehouse."""
    from healthetl.estate import client_environment, up
    from healthetl.estate.config import EstateConfig
    from healthetl.estate.warehouse import warehouse_location

    if not os.environ.get("HCA_EXTERNAL_AWS"):
        endpoints = up(EstateConfig.from_env())
        for key, value in client_environment(endpoints).items():
            os.environ.setdefault(key, value)
    return warehouse_location()


def _machine_arn() -> str:
    from healthetl.estate.deploy import load_facts, resource_name
    from healthetl.pipeline.deploy import deployment_env
    from healthetl.pipeline.executions import state_machine_arn

    facts = load_facts()
    return state_machine_arn(resource_name(facts, deployment_env(), facts["state_machine"]["name"]))


def _deploy_local(args: argparse.Namespace) -> int:
    from healthetl.pipeline.deploy import deploy_pipeline

    deployed = deploy_pipeline(_local_estate().dsn)
    console = Console()
    for key, arn in deployed.function_arns.items():
        print(f"function {key:<11} {arn}")
    print(f"state machine    {deployed.state_machine_arn}")
    console.print(f"alerts topic     {deployed.alerts_topic_arn}")
    console.print(f"buckets          {', '.join(deployed.buckets.values())}")
    console.print(f"source table     {deployed.table_name}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from healthetl.pipeline.demo import run_demo

    return run_demo(args.n, args.report)


def _batches(args: argparse.Namespace) -> int:
    from healthetl.pipeline.reads import warehouse_query
    from healthetl.pipeline.status import batch_rows, print_batches

    with warehouse_query(_local_estate()) as query:
        rows, freshness = batch_rows(_machine_arn(), query, args.limit)
    print_batches(wide_console(), rows, freshness)
    return 0


def _replay(args: argparse.Namespace) -> int:
    from healthetl.pipeline import executions

    _local_estate()
    machine = _machine_arn()
    name = executions.replay(machine, args.batch_id)
    console = Console()
    console.print(f"started {name}")
    if args.no_wait:
        return 0
    described = executions.wait_for_execution(machine, name, timeout=1800)
    console.print(f"{name}: {described['status']}")
    return 0 if described["status"] == "SUCCEEDED" else 1


def _skip(args: argparse.Namespace) -> int:
    from healthetl.estate.deploy import load_facts, resource_name
    from healthetl.pipeline import executions
    from healthetl.pipeline.deploy import deployment_env

    _local_estate()
    facts = load_facts()
    bucket = resource_name(facts, deployment_env(), facts["buckets"]["silver"]["name"])
    console = Console()

    def waiting(lease: Lease) -> None:
        console.print(f"waiting for the load lease: held by {lease.kind} {lease.holder}")

    key = executions.skip(
        bucket,
        facts["silver_layout"]["skipped_batches_prefix"],
        args.batch_id,
        args.reason,
        lease_key=facts["silver_layout"]["load_lease_key"],
        lease_seconds=facts["settings"]["operator_lease_seconds"],
        wait_seconds=args.wait,
        on_wait=waiting,
    )
    console.print(f"batch {args.batch_id} skipped (s3://{bucket}/{key}) under the load lease")
    _print_requeued(console, bucket, args.batch_id)
    return 0


def _lease(args: argparse.Namespace) -> int:
    from load_pipeline import lease
    from load_pipeline.ordering import takeover_reason

    from healthetl.estate.deploy import load_facts, resource_name
    from healthetl.pipeline.deploy import deployment_env

    _local_estate()
    facts = load_facts()
    bucket = resource_name(facts, deployment_env(), facts["buckets"]["silver"]["name"])
    key = facts["silver_layout"]["load_lease_key"]
    console = Console()
    held = lease.read(bucket, key)
    if held is None:
        console.print(f"s3://{bucket}/{key}: free")
        return 0
    status = lease.holder_status(held.lease)
    console.print(f"s3://{bucket}/{key}: {held.lease.to_json()}")
    console.print(f"holder status: {status or 'operator command'}")
    reason = takeover_reason(held.lease, status, datetime.now(UTC))
    console.print(f"may be taken over: {reason}" if reason else "held by a live holder")
    return 0


def _print_requeued(console: Console, bucket: str, batch_id: str) -> None:
    """What the skip re-queues: the next extract, under its lock, reads these ids by key."""
    from treatment_jobs.catch_up import batch_treatment_ids
    from treatment_jobs.config import from_facts

    ids = batch_treatment_ids(from_facts().with_overrides(silver_bucket=bucket), batch_id)
    shown = ", ".join(ids[:20]) + (f", … ({len(ids) - 20} more)" if len(ids) > 20 else "")
    console.print(
        f"the next extract re-reads its {len(ids)} treatment ids by key and publishes their"
        f" current versions: {shown or 'none (the batch carried no rows)'}"
    )


def _rejects(args: argparse.Namespace) -> int:
    from healthetl.pipeline.reads import warehouse_query
    from healthetl.pipeline.status import print_rejects

    with warehouse_query(_local_estate()) as query:
        print_rejects(wide_console(), query, args.batch)
    return 0


def _build_zips(args: argparse.Namespace) -> int:
    from healthetl.pipeline.lambda_zips import build

    for path in build(args.out):
        print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return 0
