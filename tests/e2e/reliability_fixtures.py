"""Fixtures of the reliability suites (loaded with `pytest_plugins` by each
tests/e2e/test_reliability_*.py, so that session-scoped ones are built once per session).

`reliability_deployment` is the one deployment of its own: its Lambdas point at a PostgreSQL this
session starts on its own port and data directory (so the test may stop it), with a shortened
retry window and gate poll. Its batches are made by the real Spark jobs into a holding bucket
(not wired to the trigger) and released into the silver bucket when a test decides, which is
how "down while a batch arrives" and "two batches published at once" are staged.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from e2e.reliability_batches import (
    DEFAULT_N,
    OUTAGE_SETTINGS,
    Baseline,
    Deployment,
    deploy,
    free_port,
    make_batch,
    migrate,
    release,
    seed_bad_items,
    seed_source,
    timed,
)


@pytest.fixture(scope="session")
def reliability_deployment(estate: Any, spark: Any, name_suffix: str) -> Iterator[Deployment]:
    """A deployment whose warehouse is a PostgreSQL of this session's own (and may be stopped)."""
    from healthetl.estate import postgres

    data_dir = Path(tempfile.gettempdir()) / f"hca-reliability-pg-{name_suffix}"
    with timed("private PostgreSQL start"):
        instance, _ = postgres.ensure_running(data_dir, free_port())
    env = f"rel{name_suffix}"
    try:
        dsn = instance.dsn()
        with timed("migrate"):
            migrate(dsn)
        with timed("deploy"):
            deployment = deploy(env, dsn, OUTAGE_SETTINGS)
        deployment.pg_data_dir = data_dir
        deployment.holding_bucket = f"hca-{env}-holding"
        boto3.client("s3").create_bucket(Bucket=deployment.holding_bucket)
        yield deployment
    finally:
        with contextlib.suppress(Exception):
            postgres.stop(data_dir)
        with contextlib.suppress(Exception):
            postgres.remove_cluster(data_dir)


@pytest.fixture(scope="session")
def baseline(reliability_deployment: Deployment, spark: Any) -> Baseline:
    """N items + ~1 % bad items, extracted, transformed, published and loaded once."""
    from e2e.reliability_support import wait_for_execution

    n = int(os.environ.get("HCA_RELIABILITY_N", str(DEFAULT_N)))
    deployment = reliability_deployment
    with timed(f"seed {n} items + bad items"):
        seed_source(deployment.table_name, n)
        expected = seed_bad_items(deployment.table_name, n)
    with timed("first half (full)"):
        batch_id = make_batch(spark, deployment, full=True)
    with timed("load"):
        release(deployment, [batch_id])
        execution = wait_for_execution(deployment.state_machine_arn, batch_id, timeout=300)
    assert execution["status"] == "SUCCEEDED", execution
    return Baseline(batch_id, n, expected)


@pytest.fixture
def alert_inbox(request: pytest.FixtureRequest) -> Iterator[Any]:
    """`alert_inbox(topic_arn)` → an AlertInbox, closed after the test."""
    from e2e.reliability_support import AlertInbox

    opened: list[AlertInbox] = []

    def open_inbox(topic_arn: str) -> AlertInbox:
        inbox = AlertInbox(topic_arn)
        opened.append(inbox)
        return inbox

    yield open_inbox
    for inbox in opened:
        inbox.close()
