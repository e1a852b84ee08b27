"""What the reliability suites (tests/e2e/test_reliability_*.py) share: content checksums of the
warehouse, an SQS queue subscribed to the alerts topic, S3 event delivery to the trigger Lambda,
and bounded waits on Step Functions executions. Faults are injected from outside the product
(replaced procedures, objects, Lambda configuration, a stopped PostgreSQL); nothing here is a
hook inside it."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import psycopg

from healthetl.pipeline import executions

CHECKED_SCHEMAS = ("silver", "gold", "analytics")
# Left out of "identical" (contracts/pipeline.md): the tracker, and columns that record refresh
# time or the last batch that touched a row.
SKIPPED_TABLES = frozenset({"gold.etl_tracker"})
SKIPPED_COLUMNS = re.compile(
    r"(^batch_id$|_batch_id$|^last_batch|refresh|^loaded_at$|^updated_at$|^inserted_at$|^etl_)"
)


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    """Poll `predicate` until it returns something truthy (bounded; no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


# --- warehouse content ---------------------------------------------------------------------


def table_columns(connection: psycopg.Connection, schemas: tuple[str, ...]) -> dict[str, list[str]]:
    rows = connection.execute(
        """
        select c.table_schema || '.' || c.table_name, c.column_name
        from information_schema.columns as c
        join information_schema.tables as t
          on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = any(%s) and t.table_type = 'BASE TABLE'
        order by 1, c.ordinal_position
        """,
        (list(schemas),),
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def checksums(dsn: str, schemas: tuple[str, ...] = CHECKED_SCHEMAS) -> dict[str, tuple[int, str]]:
    """(row count, order-independent md5 of the compared columns) per table."""
    result: dict[str, tuple[int, str]] = {}
    with psycopg.connect(dsn, autocommit=True) as connection:
        for table, all_columns in table_columns(connection, schemas).items():
            if table in SKIPPED_TABLES:
                continue
            columns = [c for c in all_columns if not SKIPPED_COLUMNS.search(c)]
            row = "md5(row(" + ", ".join(f'"{c}"' for c in columns) + ")::text)"
            count, digest = connection.execute(
                f"select count(*), coalesce(md5(string_agg({row}, '' order by {row})), '')"
                f" from {table}"
            ).fetchone()
            result[table] = (count, digest)
    return result


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def tracker_rows(dsn: str, batch_id: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn, autocommit=True) as connection:
        cursor = connection.execute(
            "select * from gold.etl_tracker where batch_id = %s order by started_at nulls last",
            (batch_id,),
        )
        names = [d.name for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@contextlib.contextmanager
def table_locked(dsn: str, table: str) -> Iterator[None]:
    """Hold an ACCESS EXCLUSIVE lock on `table` from another session (a stalled warehouse)."""
    with psycopg.connect(dsn) as connection:
        connection.execute(f"lock table {table} in access exclusive mode")
        try:
            yield
        finally:
            connection.rollback()


# --- alerts --------------------------------------------------------------------------------


class AlertInbox:
    """An SQS queue subscribed to the alerts topic: what an on-call person would receive."""

    def __init__(self, topic_arn: str) -> None:
        self.sqs = boto3.client("sqs")
        self.sns = boto3.client("sns")
        name = f"hca-alert-inbox-{secrets.token_hex(4)}"
        self.queue_url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self.subscription = self.sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true"},
        )["SubscriptionArn"]
        self.received: list[dict[str, Any]] = []

    def _drain(self) -> None:
        answer = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in answer.get("Messages", []):
            body = json.loads(message["Body"])
            # RawMessageDelivery may be ignored by an emulator: unwrap the SNS envelope then.
            if isinstance(body, dict) and "Message" in body and "TopicArn" in body:
                body = json.loads(body["Message"])
            self.received.append(body)
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def wait_for(self, batch_id: str, timeout: float = 30) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            self._drain()
            return next((m for m in self.received if m.get("batch_id") == batch_id), None)

        return wait_until(found, timeout, f"an alert for {batch_id}")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.sns.unsubscribe(SubscriptionArn=self.subscription)
        with contextlib.suppress(Exception):
            self.sqs.delete_queue(QueueUrl=self.queue_url)


# --- Step Functions and the trigger --------------------------------------------------------


def executions_of(state_machine_arn: str, batch_id: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    found: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn):
        found += [
            e
            for e in page["executions"]
            if e["name"] == batch_id or e["name"].startswith(f"{batch_id}-r")
        ]
    return found


def wait_for_execution(state_machine_arn: str, name: str, timeout: float = 300) -> dict[str, Any]:
    return executions.wait_for_execution(state_machine_arn, name, timeout=timeout, interval=0.25)


def s3_put_event(bucket: str, key: str, size: int = 0) -> dict[str, Any]:
    """The event S3 sends for one created object (as the notification would)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-26T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": key, "size": size},
                },
            }
        ]
    }


def deliver_event(function_name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke the trigger Lambda synchronously with `event`; its answer (raises on error)."""
    answer = boto3.client("lambda").invoke(
        FunctionName=function_name, Payload=json.dumps(event).encode()
    )
    payload = json.loads(answer["Payload"].read() or b"null")
    assert "FunctionError" not in answer, payload
    return payload


def replay(state_machine_arn: str, batch_id: str) -> str:
    """The operator's replay (`healthetl replay`): `<batch_id>-r<N>` with the original input."""
    from healthetl.pipeline.executions import replay as start_replay

    return start_replay(state_machine_arn, batch_id)


def history_event_types(state_machine_arn: str, name: str) -> list[str]:
    events = boto3.client("stepfunctions").get_execution_history(
        executionArn=executions.execution_arn(state_machine_arn, name), maxResults=1000
    )["events"]
    return [event["type"] for event in events]


def silver_versions(dsn: str, ids: list[int]) -> dict[int, tuple[Any, Any]]:
    """treatment_id → (metadata_modified_at, treatment_cost) of the loaded silver row."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            "select treatment_id, metadata_modified_at, treatment_cost"
            " from silver.tbl_healthcare_analytics_data where treatment_id = any(%s)",
            (ids,),
        ).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def item_version(item: dict[str, Any]) -> tuple[str, str]:
    """(metadata.modified_at, treatment.cost) of a DynamoDB item, as text."""
    return item["metadata"]["M"]["modified_at"]["S"], item["treatment"]["M"]["cost"]["N"]


def assert_loaded(dsn: str, items: list[dict[str, Any]]) -> None:
    """Every item's version is the one in silver (same modified_at and cost)."""
    ids = [int(item["treatment_id"]["N"]) for item in items]
    loaded = silver_versions(dsn, ids)
    for item in items:
        treatment_id = int(item["treatment_id"]["N"])
        assert treatment_id in loaded, f"treatment {treatment_id} is not in silver"
        modified_at, cost = loaded[treatment_id]
        expected_modified, expected_cost = item_version(item)
        assert modified_at.strftime("%Y-%m-%dT%H:%M:%SZ") == expected_modified, treatment_id
        assert Decimal(cost) == Decimal(expected_cost), treatment_id
