"""The source commands against the estate's DynamoDB: seed, changes, bad items."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import boto3
import pytest
from fixtures.source import broken_rules, scan_all

from healthetl.cli import main
from healthetl.source import changes, generator
from healthetl.source.changes import WRITE_TIME_ATTRIBUTES

pytestmark = pytest.mark.integration

N = 1_000
AT = "2026-06-01T12:00:00Z"


def _business(item: dict) -> dict:
    return {k: v for k, v in item.items() if k not in WRITE_TIME_ATTRIBUTES}


def _by_id(items: list[dict]) -> dict[int, dict]:
    return {int(i["treatment_id"]["N"]): i for i in items}


def _seed(table: str, *extra: str) -> None:
    argv = ["source", "seed", "--n", str(N), "--table", table, "--no-progress", *extra]
    assert main(argv) == 0


def test_table_follows_the_estate_facts(source_table):
    description = boto3.client("dynamodb").describe_table(TableName=source_table)["Table"]
    assert description["KeySchema"] == [{"AttributeName": "treatment_id", "KeyType": "HASH"}]
    (index,) = description["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_modified_day"
    assert [k["AttributeName"] for k in index["KeySchema"]] == [
        "gsi_modified_day",
        "gsi_modified_at",
    ]
    assert index["Projection"]["ProjectionType"] == "ALL"


def test_seed_is_idempotent_and_writes_exactly_the_generated_items(
    source_table, tmp_path, monkeypatch
):
    monkeypatch.setenv("HCA_RUNTIME_DIR", str(tmp_path))
    expected = {int(i["treatment_id"]["N"]): i for i in generator.iter_items(42, N)}
    _seed(source_table)
    _seed(source_table, "--workers", "2")
    stored = scan_all(source_table)
    assert len(stored) == N
    assert {k: _business(v) for k, v in _by_id(stored).items()} == expected
    for item in stored:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", item["gsi_modified_at"]["S"])
        assert item["gsi_modified_day"]["S"] == item["gsi_modified_at"]["S"][:10]
    state = json.loads((tmp_path / "source" / "state.json").read_text())
    assert state[source_table] == {"seed": 42, "n": N}


def test_items_are_found_through_the_modified_day_index(seeded_source):
    client = boto3.client("dynamodb")
    item = client.get_item(TableName=seeded_source.table, Key={"treatment_id": {"N": "1"}})["Item"]
    day = item["gsi_modified_day"]["S"]
    found = 0
    paginator = client.get_paginator("query")
    for page in paginator.paginate(
        TableName=seeded_source.table,
        IndexName="by_modified_day",
        KeyConditionExpression="gsi_modified_day = :d",
        ExpressionAttributeValues={":d": {"S": day}},
        Select="COUNT",
    ):
        found += page["Count"]
    assert 1 <= found <= seeded_source.n


def test_changes_touch_exactly_the_planned_items(source_table, tmp_path, monkeypatch):
    monkeypatch.setenv("HCA_RUNTIME_DIR", str(tmp_path))
    _seed(source_table)
    before = _by_id(scan_all(source_table))
    argv = ["source", "changes", "--table", source_table, "--at", AT, "--no-progress"]
    assert main(argv) == 0  # N and the seed come from the state the seed command recorded
    after = _by_id(scan_all(source_table))
    plan = changes.plan_round(42, N, 1)
    touched = {i for i in after if i not in before or _business(after[i]) != _business(before[i])}
    assert touched == set(plan.changed_ids) | set(plan.new_ids)
    assert len(plan.changed_ids) == N // 100
    now = datetime(2026, 6, 1, 12, 0, 0)
    for treatment_id in touched:
        item = after[treatment_id]
        assert item["metadata"]["M"]["modified_at"]["S"] == AT
        assert item["gsi_modified_at"]["S"] >= before[1]["gsi_modified_at"]["S"]
        assert broken_rules(_business(item), now) == []
    state = json.loads((tmp_path / "source" / "state.json").read_text())
    assert state[source_table]["last_round"] == 1


def test_bad_items_break_what_the_sidecar_says_after_a_round_trip(source_table, tmp_path):
    sidecar_path = tmp_path / "bad.json"
    argv = ["source", "bad-items", "--table", source_table, "--sidecar", str(sidecar_path)]
    assert main(argv) == 0
    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    assert sidecar["table"] == source_table
    stored = _by_id(scan_all(source_table))
    now = datetime.now(UTC).replace(tzinfo=None)
    got = {str(i): ",".join(broken_rules(_business(item), now)) for i, item in stored.items()}
    assert got == sidecar["expected"]
