"""An item's version does not depend on how it was read (contracts/pipeline.md, "A version"):
Scan, Query on the index and BatchGetItem give one fingerprint; any change of content, even
within the same second, gives another; the gsi_* attributes are not content."""

from __future__ import annotations

import boto3
import pytest
from spark.items import N, S, modified_item, put_items
from treatment_jobs.extract import _get_keys
from treatment_jobs.versions import fingerprint_of_text
from treatment_jobs.wire import ITEM_TEXTS, wire_items_client

pytestmark = pytest.mark.integration

STAMP = "2026-11-20T11:59:00Z"


@pytest.fixture
def table(estate, unique_name) -> str:
    from healthetl.source.table import ensure_table

    name = unique_name("item-versions")
    ensure_table(name)
    return name


def _rich_item(treatment_id: int) -> dict:
    item = modified_item(treatment_id, STAMP)
    # Attributes readers ignore, of every kind whose order a service may change.
    item["notes"] = {
        "M": {
            "tags": {"SS": ["zeta", "alpha", "mu"]},
            "scores": {"NS": ["10", "2", "3.5"]},
            "blobs": {"BS": [b"\x02", b"\x01"]},
            "history": {"L": [{"S": "b"}, {"S": "a"}, {"N": "1"}]},
            "flag": {"BOOL": True},
            "nothing": {"NULL": True},
            "zz": {"S": "ümlaut 🩺"},
        }
    }
    return item


def _reads(table: str, treatment_id: int) -> dict[str, str]:
    client = wire_items_client()
    scanned = [
        text
        for page in client.get_paginator("scan").paginate(TableName=table)
        for text in page[ITEM_TEXTS]
    ]
    queried = [
        text
        for page in client.get_paginator("query").paginate(
            TableName=table,
            IndexName="by_modified_day",
            KeyConditionExpression="gsi_modified_day = :d",
            ExpressionAttributeValues={":d": {"S": STAMP[:10]}},
        )
        for text in page[ITEM_TEXTS]
    ]
    got = [row[2] for row in _get_keys(table)([str(treatment_id)])]
    assert len(scanned) == len(queried) == len(got) == 1
    return {
        "scan": fingerprint_of_text(scanned[0]),
        "query": fingerprint_of_text(queried[0]),
        "batch_get": fingerprint_of_text(got[0]),
    }


def test_one_version_whatever_the_read_path(table: str) -> None:
    dynamodb = boto3.client("dynamodb")
    put_items(dynamodb, table, [_rich_item(1)])
    first = _reads(table, 1)
    assert len(set(first.values())) == 1, first
    # Rewritten unchanged but for the index stamps: the same version.
    restamped = _rich_item(1)
    restamped["gsi_modified_at"] = S("2026-11-20T11:59:59Z")
    put_items(dynamodb, table, [restamped])
    assert set(_reads(table, 1).values()) == set(first.values())
    # One leaf changed within the same second: a new version, again one whatever the path.
    changed = _rich_item(1)
    changed["treatment"]["M"]["cost"] = N("1234.57")
    put_items(dynamodb, table, [changed])
    second = _reads(table, 1)
    assert len(set(second.values())) == 1
    assert set(second.values()) != set(first.values())
