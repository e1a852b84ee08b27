"""How the bench drives the other areas: each stage as the operator runs it (the `healthetl`
sub-commands, each its own process, JVM start included), plus the Step Functions and tracker
reads that time the event-driven load.

Everything here takes the bench's environment (`HCA_ENV`, the warehouse DSN and the AWS
endpoint variables) explicitly, so the bench never touches the default `local` deployment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from warehouse_seam import connect

from healthetl import REPO_ROOT
from healthetl.pipeline import executions

FACTS_FILE = REPO_ROOT / "facts" / "resources.json"


@dataclass(frozen=True)
class BenchEnv:
    """One throw-away deployment: its env name, warehouse DSN and process environment."""

    name: str
    warehouse_dsn: str
    environ: dict[str, str]

    def with_warehouse(self, dsn: str) -> BenchEnv:
        return BenchEnv(self.name, dsn, {**self.environ, "WAREHOUSE_DSN": dsn})

    def resource(self, key: str) -> str:
        facts = json.loads(FACTS_FILE.read_text())
        return f"{facts['project']}-{self.name}-{key}"

    @property
    def table_name(self) -> str:
        facts = json.loads(FACTS_FILE.read_text())
        return self.resource(facts["source_table"]["name"])

    @property
    def silver_bucket(self) -> str:
        facts = json.loads(FACTS_FILE.read_text())
        return self.resource(facts["buckets"]["silver"]["name"])

    @property
    def state_machine_arn(self) -> str:
        facts = json.loads(FACTS_FILE.read_text())
        region = self.environ.get("AWS_REGION", "us-east-1")
        name = self.resource(facts["state_machine"]["name"])
        return f"arn:aws:states:{region}:123456789012:stateMachine:{name}"


def healthetl(env: BenchEnv, *args: str, timeout: float = 3600) -> float:
    """Run one `healthetl` command in the bench environment; its wall time in seconds."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "healthetl.cli", *args],
        env=env.environ,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"healthetl {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return elapsed


STAGE_LINE = re.compile(r"\b(extract|transform|publish): (\d+(?:\.\d+)?) s\b")
# The extract's own count line: how many items DynamoDB returned vs how many were new.
EXTRACT_COUNTS = re.compile(r"read (\d+), already published (\d+), new (\d+)")


@dataclass(frozen=True)
class SparkRun:
    """`healthetl spark run` as one process: its wall time and each stage's (started, ended)
    wall-clock window, from the stage times it reports as each stage ends."""

    seconds: float
    started: float
    stages: dict[str, tuple[float, float]]
    extract_counts: dict[str, int]

    @property
    def session_start_seconds(self) -> float:
        """What is not a stage: interpreter + JVM + SparkSession start, and shutdown."""
        return self.seconds - sum(end - begin for begin, end in self.stages.values())


def spark_run(env: BenchEnv, timeout: float = 7200) -> SparkRun:
    started_wall = time.time()
    started = time.perf_counter()
    environ = {**env.environ, "COLUMNS": "200", "TERM": "dumb"}
    process = subprocess.Popen(
        [sys.executable, "-m", "healthetl.cli", "spark", "run"],
        env=environ,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stages: dict[str, tuple[float, float]] = {}
    counts: dict[str, int] = {}
    output: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        found = EXTRACT_COUNTS.search(line)
        if found:
            counts = dict(
                zip(("read", "already_published", "new"), map(int, found.groups()), strict=True)
            )
        match = STAGE_LINE.search(line)
        if match and match.group(1) not in stages:
            now = time.time()
            stages[match.group(1)] = (now - float(match.group(2)), now)
    code = process.wait(timeout=timeout)
    if code != 0:
        raise RuntimeError(f"healthetl spark run failed ({code}):\n{''.join(output)[-4000:]}")
    return SparkRun(time.perf_counter() - started, started_wall, stages, counts)


def newest_batch(env: BenchEnv, after: set[str] | None = None) -> dict[str, Any] | None:
    """The `_batch.json` of the latest batch in the silver bucket not in `after`."""
    s3 = boto3.client("s3")
    ids: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=env.silver_bucket, Prefix="batches/", Delimiter="/"
    ):
        ids += [p["Prefix"].split("/")[1] for p in page.get("CommonPrefixes", [])]
    candidates = sorted(set(ids) - (after or set()))
    for batch_id in reversed(candidates):
        try:
            body = s3.get_object(Bucket=env.silver_bucket, Key=f"batches/{batch_id}/_batch.json")
        except s3.exceptions.NoSuchKey:
            continue
        return json.loads(body["Body"].read())
    return None


def batch_ids(env: BenchEnv) -> set[str]:
    s3 = boto3.client("s3")
    found: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=env.silver_bucket, Prefix="batches/", Delimiter="/"
    ):
        found |= {p["Prefix"].split("/")[1] for p in page.get("CommonPrefixes", [])}
    return found


def wait_for_execution(env: BenchEnv, name: str, timeout: float) -> dict[str, Any]:
    """Poll the execution named `name` until it ends; its describe_execution answer."""
    return executions.wait_for_execution(env.state_machine_arn, name, timeout=timeout, interval=0.2)


def task_seconds(env: BenchEnv, name: str) -> dict[str, float]:
    """Seconds per task state of an execution (entered → exited, summed over its visits), from
    the execution history: the Lambda-side time of each step, gate included."""
    sfn = boto3.client("stepfunctions")
    arn = executions.execution_arn(env.state_machine_arn, name)
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered: dict[str, datetime] = {}
    seconds: dict[str, float] = {}
    for event in events:
        if event["type"] == "TaskStateEntered":
            entered[event["stateEnteredEventDetails"]["name"]] = event["timestamp"]
        elif event["type"] == "TaskStateExited":
            state = event["stateExitedEventDetails"]["name"]
            if state in entered:
                spent = (event["timestamp"] - entered.pop(state)).total_seconds()
                seconds[state] = round(seconds.get(state, 0.0) + spent, 3)
    return seconds


@dataclass(frozen=True)
class StepTiming:
    step: str
    started: datetime
    ended: datetime
    source_count: int | None
    destination_count: int | None

    @property
    def seconds(self) -> float:
        return (self.ended - self.started).total_seconds()


def tracker_steps(dsn: str, batch_id: str, execution_name: str) -> dict[str, StepTiming]:
    """The SUCCEEDED tracker rows of one execution, by step (the DB-side time of each step)."""
    with connect(dsn) as warehouse:
        rows = warehouse.query(
            "select step, started_at, ended_at, source_count, destination_count"
            " from gold.etl_tracker"
            " where batch_id = %s and execution_name = %s and status = 'SUCCEEDED'",
            [batch_id, execution_name],
        )
    return {row[0]: StepTiming(*row) for row in rows}


def environ_for(env_name: str, warehouse_dsn: str, client_env: dict[str, str]) -> dict[str, str]:
    environ = dict(os.environ)
    environ.update(client_env)
    environ.update({"HCA_ENV": env_name, "WAREHOUSE_DSN": warehouse_dsn})
    return environ
