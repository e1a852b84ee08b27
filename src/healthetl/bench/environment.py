"""The bench's own corner of the local estate: the estate itself (started if needed, left as
`make up` would leave it), one throw-away environment name per size, and its removal."""

from __future__ import annotations

import contextlib
import shutil
from urllib.parse import urlsplit, urlunsplit

import boto3
from warehouse_seam import connect

from healthetl.bench.stage_runs import BenchEnv, environ_for
from healthetl.estate import manager
from healthetl.estate.client import client_environment
from healthetl.estate.config import EstateConfig

_endpoints: manager.EstateEndpoints | None = None


def start_estate() -> tuple[manager.EstateEndpoints, tuple[str, ...]]:
    """Start what is not running (owner `cli`, as `make up`); export the client variables."""
    global _endpoints
    import os

    _endpoints = manager.up(EstateConfig.from_env())
    os.environ.update(client_environment(_endpoints))
    return _endpoints, _endpoints.started


def with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


def bench_environment(name: str) -> BenchEnv:
    if _endpoints is None:
        raise RuntimeError("start_estate() first")
    dsn = with_database(_endpoints.warehouse_dsn, name)
    return BenchEnv(
        name=name, warehouse_dsn=dsn, environ=environ_for(name, dsn, client_environment(_endpoints))
    )


def create_database(dsn: str) -> None:
    database = urlsplit(dsn).path.lstrip("/")
    admin = with_database(dsn, "postgres")
    with connect(admin) as warehouse:
        warehouse.ensure_database(database)


def drop_database(dsn: str) -> None:
    database = urlsplit(dsn).path.lstrip("/")
    admin = with_database(dsn, "postgres")
    with connect(admin) as warehouse:
        warehouse.drop_database(database)


def remove_environment(env: BenchEnv, extra_dsns: tuple[str, ...] = ()) -> None:
    """Delete what the bench created for `env`: the source table, the buckets' objects, the
    lake folders of its batches, its databases. Lambdas and the state machine are small and
    stay on the AWS endpoint until it stops."""
    # The Spark jobs keep bronze and silver work files under <estate>/lake/<env>.
    shutil.rmtree(EstateConfig.from_env().runtime_dir / "lake" / env.name, ignore_errors=True)
    dynamodb = boto3.client("dynamodb")
    with contextlib.suppress(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.delete_table(TableName=env.table_name)
    s3 = boto3.client("s3")
    for bucket in (env.resource("bronze"), env.silver_bucket, env.resource("artifacts")):
        with contextlib.suppress(s3.exceptions.NoSuchBucket):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    s3.delete_object(Bucket=bucket, Key=item["Key"])
            s3.delete_bucket(Bucket=bucket)
    for dsn in (env.warehouse_dsn, *extra_dsns):
        drop_database(dsn)
