"""Amazon Redshift connections through redshift_connector (never used on PostgreSQL).

Configuration, from a ``redshift://`` DSN or the environment:

- ``redshift://user:password@host:5439/db`` — password authentication (avoid; prefer below);
- query parameters or ``WAREHOUSE_*`` variables:
  ``host`` / ``WAREHOUSE_HOST``, ``port`` / ``WAREHOUSE_PORT`` (5439),
  ``database`` / ``WAREHOUSE_DATABASE`` (dev),
  ``secret_arn`` / ``WAREHOUSE_SECRET_ARN`` — a Secrets Manager secret holding
  ``username`` and ``password`` (and optionally ``host``, ``port``, ``dbname``);
  ``iam=true`` / ``WAREHOUSE_IAM=true`` — temporary credentials from the caller's IAM role,
  with ``cluster_identifier`` / ``WAREHOUSE_CLUSTER_ID`` and ``db_user`` /
  ``WAREHOUSE_DB_USER`` (provisioned) or ``workgroup`` / ``WAREHOUSE_WORKGROUP``
  (Serverless); ``region`` / ``WAREHOUSE_REGION`` (else AWS_REGION);
  ``ssl=false`` / ``WAREHOUSE_SSL=false`` only for a local pgbouncer stand-in.
No credential is ever logged.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse


def _settings(dsn: str | None) -> dict[str, str]:
    env = {
        "host": "WAREHOUSE_HOST",
        "port": "WAREHOUSE_PORT",
        "database": "WAREHOUSE_DATABASE",
        "user": "WAREHOUSE_USER",
        "secret_arn": "WAREHOUSE_SECRET_ARN",
        "iam": "WAREHOUSE_IAM",
        "cluster_identifier": "WAREHOUSE_CLUSTER_ID",
        "db_user": "WAREHOUSE_DB_USER",
        "workgroup": "WAREHOUSE_WORKGROUP",
        "region": "WAREHOUSE_REGION",
        "ssl": "WAREHOUSE_SSL",
    }
    settings = {key: os.environ[var] for key, var in env.items() if os.environ.get(var)}
    if dsn:
        url = urlparse(dsn)
        if url.hostname:
            settings["host"] = url.hostname
        if url.port:
            settings["port"] = str(url.port)
        if url.path.strip("/"):
            settings["database"] = url.path.strip("/")
        if url.username:
            settings["user"] = unquote(url.username)
        if url.password:
            settings["password"] = unquote(url.password)
        for key, values in parse_qs(url.query).items():
            settings[key] = values[-1]
    return settings


def connection_kwargs(dsn: str | None) -> dict[str, Any]:
    """Keyword arguments for ``redshift_connector.connect`` (secrets resolved)."""
    s = _settings(dsn)
    kwargs: dict[str, Any] = {
        "host": s.get("host"),
        "port": int(s.get("port", "5439")),
        "database": s.get("database", "dev"),
        "timeout": 30,
    }
    # TLS stays on (the driver's default) unless explicitly disabled, e.g. for a local
    # pgbouncer standing in for Redshift.
    if s.get("ssl", "").lower() in {"0", "false", "no", "disable"}:
        kwargs["ssl"] = False
    region = s.get("region") or os.environ.get("AWS_REGION")
    if s.get("iam", "").lower() in {"1", "true", "yes"}:
        kwargs.update(iam=True, region=region, db_user=s.get("db_user"))
        if s.get("workgroup"):
            kwargs.update(is_serverless=True, serverless_work_group=s["workgroup"])
        else:
            kwargs["cluster_identifier"] = s.get("cluster_identifier")
        return kwargs
    if s.get("secret_arn"):
        import boto3

        secret = json.loads(
            boto3.client("secretsmanager").get_secret_value(SecretId=s["secret_arn"])[
                "SecretString"
            ]
        )
        kwargs.update(user=secret["username"], password=secret["password"])
        kwargs["host"] = kwargs["host"] or secret.get("host")
        kwargs["port"] = int(secret.get("port", kwargs["port"]))
        kwargs["database"] = s.get("database") or secret.get("dbname", "dev")
        return kwargs
    kwargs.update(user=s.get("user"), password=s.get("password"))
    return kwargs


def connect_redshift(dsn: str | None) -> Any:
    import redshift_connector

    conn = redshift_connector.connect(**connection_kwargs(dsn))
    conn.autocommit = False
    return conn
