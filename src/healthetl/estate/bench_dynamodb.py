"""DynamoDB throughput of the estate: batch writes and a 4-segment parallel scan.

``python -m healthetl.estate.bench_dynamodb --n 60000`` against the endpoint the standard AWS
variables name (``AWS_ENDPOINT_URL_DYNAMODB``; the running estate's by default). Items are about
1.4 KB with nested maps, like source items. The table is temporary and deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from healthetl.estate import manager
from healthetl.estate.client import client_environment
from healthetl.estate.config import EstateConfig

BATCH = 25  # BatchWriteItem's limit


def make_item(n: int, rng: random.Random) -> dict[str, Any]:
    day = f"2026-11-{1 + n % 28:02d}"
    words = " ".join(
        rng.choice(["acute", "chronic", "mild", "severe", "stable"]) for _ in range(38)
    )
    return {
        "treatment_id": {"N": str(n)},
        "gsi_modified_day": {"S": day},
        "gsi_modified_at": {"S": f"{day}T10:{n % 60:02d}:00.000000Z"},
        "treatment": {
            "M": {
                "type": {"S": rng.choice(["surgery", "therapy", "medication"])},
                "cost": {"N": f"{rng.uniform(10, 5000):.2f}"},
                "notes": {"S": words},
            }
        },
        "provider": {"M": {"id": {"N": str(n % 500)}, "name": {"S": f"Dr. Provider {n % 500}"}}},
        "patient": {"M": {"id": {"N": str(n % 9000)}, "history": {"S": words + words}}},
        "disease": {"M": {"name": {"S": "Condition " + str(n % 40)}, "notes": {"S": words}}},
    }


def item_size(item: dict[str, Any]) -> int:
    return len(json.dumps(item))


def _write(table: str, items: list[dict[str, Any]]) -> None:
    client = boto3.client("dynamodb")
    for start in range(0, len(items), BATCH):
        requests = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH]]
        while requests:
            response = client.batch_write_item(RequestItems={table: requests})
            requests = response.get("UnprocessedItems", {}).get(table, [])


def _scan_segment(table: str, segment: int, total: int) -> int:
    client = boto3.client("dynamodb")
    count = 0
    for page in client.get_paginator("scan").paginate(
        TableName=table, Segment=segment, TotalSegments=total
    ):
        count += len(page["Items"])
    return count


def run(n: int, writers: int = 1, segments: int = 4) -> dict[str, Any]:
    client = boto3.client("dynamodb")
    table = f"bench-{secrets.token_hex(4)}"
    client.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "treatment_id", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "treatment_id", "KeyType": "HASH"}],
    )
    client.get_waiter("table_exists").wait(TableName=table)
    rng = random.Random(7)
    items = [make_item(i, rng) for i in range(n)]
    try:
        began = time.monotonic()
        chunks = [items[i::writers] for i in range(writers)]
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(lambda chunk: _write(table, chunk), chunks))
        write_s = time.monotonic() - began
        began = time.monotonic()
        with ThreadPoolExecutor(segments) as pool:
            counts = list(pool.map(lambda s: _scan_segment(table, s, segments), range(segments)))
        scan_s = time.monotonic() - began
        began = time.monotonic()
        single = _scan_segment(table, 0, 1)
        single_s = time.monotonic() - began
    finally:
        client.delete_table(TableName=table)
    assert sum(counts) == n == single, (counts, single)
    return {
        "items": n,
        "avg_item_bytes_json": round(sum(item_size(i) for i in items[:1000]) / min(n, 1000)),
        "write_items_per_s": round(n / write_s),
        "writers": writers,
        "parallel_scan_items_per_s": round(n / scan_s),
        "scan_segments": segments,
        "single_scan_items_per_s": round(n / single_s),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=60_000)
    parser.add_argument("--writers", type=int, default=1)
    args = parser.parse_args(argv)
    config = EstateConfig.from_env()
    if "AWS_ENDPOINT_URL_DYNAMODB" not in os.environ:
        os.environ.update(client_environment(manager.endpoints(config)))
    result = run(args.n, writers=args.writers)
    dynamodb = next(c for c in manager.status(config) if c.name == "dynamodb")
    result["dynalite_rss_mb_after"] = (dynamodb.rss_kib or 0) // 1024
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
