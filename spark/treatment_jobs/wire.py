"""DynamoDB items exactly as they travel on the wire: a boto3 client whose Scan and Query pages
hand back ``Items`` as the service's own JSON (``{"N": "12"}``), skipping botocore's
shape-by-shape parsing of every attribute.

Why: bronze keeps the items in DynamoDB JSON anyway, and botocore's pure-Python parsing of
each attribute value (and our re-encoding of it) cost three times the CPU of the read itself —
measured 27.6 CPU-s vs 8.5 CPU-s for 59,511 items, which on two cores decided the extract's
speed. The rest of the response (``LastEvaluatedKey``, counts, errors) is still parsed by
botocore, so pagination, retries, the CRC32 check and error handling stay botocore's own.
"""

from __future__ import annotations

import json
from typing import Any

WIRE_OPERATIONS = ("Scan", "Query")


def _keep_items_as_wire_json(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore ``before-parse`` hook: move ``Items`` out of the body before parsing; botocore
    merges ``customized_response_dict`` into the parsed response afterwards."""
    if response_dict.get("status_code", 500) >= 300 or not response_dict.get("body"):
        return  # errors: botocore parses and raises them as usual
    body = json.loads(response_dict["body"])
    customized_response_dict["Items"] = body.pop("Items", [])
    response_dict["body"] = json.dumps(body).encode()


def wire_items_client(**client_kwargs: Any) -> Any:
    """A DynamoDB client whose Scan/Query ``Items`` are wire JSON dicts (``B`` stays base64)."""
    import boto3

    client = boto3.client("dynamodb", **client_kwargs)
    for operation in WIRE_OPERATIONS:
        client.meta.events.register(f"before-parse.dynamodb.{operation}", _keep_items_as_wire_json)
    return client


def item_json(item: dict[str, Any]) -> str:
    """One wire item as compact JSON text (the bronze ``item`` column)."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))
