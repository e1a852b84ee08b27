"""The source table: its name and definition from the estate facts (estate/estate.json,
`source_table`), and creating it when it is missing."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

DEFAULT_ENV = "local"


def repo_root() -> Path:
    """The repository this package was installed from (editable install), else the cwd."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "estate" / "estate.json").is_file():
            return parent
    return Path.cwd()


def estate_facts() -> dict[str, Any]:
    return json.loads((repo_root() / "estate" / "estate.json").read_text(encoding="utf-8"))


def estate_dir() -> Path:
    raw = os.environ.get("HCA_ESTATE_DIR")
    return Path(raw) if raw else repo_root() / ".estate"


def table_name(env: str | None = None, facts: dict[str, Any] | None = None) -> str:
    """`<project>-<env>-<source_table.name>`; env from `HCA_ENV`, default `local`."""
    facts = facts or estate_facts()
    env = env or os.environ.get("HCA_ENV") or DEFAULT_ENV
    return f"{facts['project']}-{env}-{facts['source_table']['name']}"


def create_table_request(name: str, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The CreateTable request built from the estate facts (the same ones Terraform reads)."""
    spec = (facts or estate_facts())["source_table"]
    index = spec["modified_index"]
    hash_key, partition, sort = spec["hash_key"], index["partition_key"], index["sort_key"]
    return {
        "TableName": name,
        "BillingMode": spec["billing_mode"],
        "AttributeDefinitions": [
            {"AttributeName": key["name"], "AttributeType": key["type"]}
            for key in (hash_key, partition, sort)
        ],
        "KeySchema": [{"AttributeName": hash_key["name"], "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index["name"],
                "KeySchema": [
                    {"AttributeName": partition["name"], "KeyType": "HASH"},
                    {"AttributeName": sort["name"], "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": index["projection"]},
            }
        ],
    }


def ensure_table(client: Any, name: str, timeout_s: float = 60.0) -> bool:
    """Create the source table if it is missing and wait until it is ACTIVE.
    Returns True when this call created it."""
    created = False
    try:
        status = client.describe_table(TableName=name)["Table"]["TableStatus"]
    except client.exceptions.ResourceNotFoundException:
        try:
            client.create_table(**create_table_request(name))
            created = True
        except client.exceptions.ResourceInUseException:
            pass  # created concurrently by someone else
        status = "CREATING"
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while status != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {name} not ACTIVE after {timeout_s:.0f} s (last: {status})")
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
        status = client.describe_table(TableName=name)["Table"]["TableStatus"]
    return created
