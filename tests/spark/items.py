"""Small builders of source items (DynamoDB JSON) for the Spark tests."""

from __future__ import annotations

import copy
import json
from typing import Any

EXTRACTION_START = "2026-11-26T12:00:00Z"


def S(text: str) -> dict:  # noqa: N802 (DynamoDB type name)
    return {"S": text}


def N(number: str | int) -> dict:  # noqa: N802 (DynamoDB type name)
    return {"N": str(number)}


NULL = {"NULL": True}


def valid_item(treatment_id: int = 1001, **overrides: Any) -> dict:
    """A valid completed treatment; ``overrides`` replace ``map__field`` leaves (or whole maps
    with ``map=...``); the value ``...`` (Ellipsis) removes the attribute."""
    item = {
        "treatment_id": N(treatment_id),
        "treatment": {
            "M": {
                "id": N(treatment_id),
                "start_date": S("2024-03-01T09:00:00Z"),
                "completion_date": S("2024-03-07T14:05:09Z"),
                "outcome_status": S("Successful"),
                "outcome_date": S("2024-03-10T08:00:00Z"),
                "duration_in_days": N(6),
                "cost": N("1234.56"),
                "type": S("Surgery"),
            }
        },
        "provider": {
            "M": {
                "id": N(7),
                "full_name": S("Dr. Ana Müller"),
                "speciality_id": N(3),
                "speciality_name": S("Cardiology"),
                "affiliated_hospital": S("St. Mary"),
            }
        },
        "location": {
            "M": {"id": N(11), "country": S("Spain"), "state": S("Madrid"), "city": S("Madrid")}
        },
        "patient": {
            "M": {"id": N(99), "full_name": S("Jo Doe"), "gender": S("Female"), "age": N(42)}
        },
        "disease": {
            "M": {
                "id": N(5),
                "speciality_id": N(3),
                "name": S("Arrhythmia"),
                "type": S("Cardiovascular"),
                "severity": S("Moderate"),
                "transmission_mode": S("Non-communicable"),
                "mortality_rate": N("2.5"),
            }
        },
        "metadata": {
            "M": {"added_at": S("2024-03-01T08:00:00Z"), "modified_at": S("2024-03-10T09:00:00Z")}
        },
        "gsi_modified_at": S("2024-03-10T09:00:00Z"),
        "gsi_modified_day": S("2024-03-10"),
    }
    for key, value in overrides.items():
        set_leaf(item, key, value)
    return item


def set_leaf(item: dict, key: str, value: Any) -> None:
    if "__" in key:
        map_name, field = key.split("__", 1)
        fields = item[map_name]["M"]
        if value is ...:
            fields.pop(field, None)
        else:
            fields[field] = value
    elif value is ...:
        item.pop(key, None)
    else:
        item[key] = value


def ongoing_item(treatment_id: int = 2002) -> dict:
    item = valid_item(treatment_id, treatment__outcome_status=S("Ongoing"))
    for field in ("completion_date", "outcome_date", "duration_in_days"):
        item["treatment"]["M"].pop(field)
    return item


def bronze_rows(items: list[dict]) -> list[tuple[str | None, str | None, str]]:
    """Bronze rows (treatment_id, gsi_modified_at, item JSON) as the extract writes them."""
    rows = []
    for item in items:
        key = item.get("treatment_id", {})
        gsi = item.get("gsi_modified_at", {})
        rows.append(
            (
                key.get("N") if isinstance(key, dict) else None,
                gsi.get("S") if isinstance(gsi, dict) else None,
                json.dumps(item, ensure_ascii=False),
            )
        )
    return rows


def clone(item: dict) -> dict:
    return copy.deepcopy(item)


def modified_item(treatment_id: int, modified_at: str, **overrides: Any) -> dict:
    """A valid item whose write time (metadata + GSI attributes) is ``modified_at``."""
    item = valid_item(treatment_id, **overrides)
    item["metadata"]["M"]["modified_at"] = S(modified_at)
    item["gsi_modified_at"] = S(modified_at)
    item["gsi_modified_day"] = S(modified_at[:10])
    return item


def create_source_table(client: Any, table: str) -> None:
    """The source table as resources.json describes it (key + the by_modified_day GSI)."""
    client.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "treatment_id", "AttributeType": "N"},
            {"AttributeName": "gsi_modified_day", "AttributeType": "S"},
            {"AttributeName": "gsi_modified_at", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "treatment_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_modified_day",
                "KeySchema": [
                    {"AttributeName": "gsi_modified_day", "KeyType": "HASH"},
                    {"AttributeName": "gsi_modified_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.get_waiter("table_exists").wait(
        TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )


def put_items(client: Any, table: str, items: list[dict]) -> None:
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]
        pending = {table: requests}
        for _ in range(20):
            unprocessed = client.batch_write_item(RequestItems=pending).get("UnprocessedItems")
            if not unprocessed:
                break
            pending = unprocessed
