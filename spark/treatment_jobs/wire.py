"""DynamoDB items exactly as they travel on the wire: a boto3 client whose Scan and Query pages
hand back each item's own JSON text (UTF-8 bytes, sliced out of the response body) under
``ItemTexts``, instead of botocore's item dicts.

Why: bronze keeps the items as DynamoDB JSON, so parsing them in the extract is wasted work, and
on two cores that work decided the extract's speed. botocore's shape-by-shape parsing of every
attribute cost three times the CPU of the read itself (27.6 CPU-s vs 8.5 CPU-s for 59,511 items);
then a plain JSON parse of each item (to find where it ends) was ≈ 85 µs of ≈ 125 µs an item.
msgspec's ``Raw`` finds the items' boundaries in C without building any Python object: ≈ 1.5 µs
an item. The rest of the response (``LastEvaluatedKey``, counts, errors) is still parsed by
botocore, so pagination, retries, the CRC32 check and error handling stay botocore's own.
"""

from __future__ import annotations

from typing import Any

import msgspec

WIRE_OPERATIONS = ("Scan", "Query")
BATCH_GET = "BatchGetItem"  # its items are under Responses.<table>: split the same way
ITEM_TEXTS = "ItemTexts"  # page key: each item's JSON text (UTF-8 bytes), in the service's order

_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])  # top-level members, each left as text
_ELEMENTS = msgspec.json.Decoder(list[msgspec.Raw])  # an array's elements, each left as text


def split_items(body: bytes) -> tuple[list[bytes], bytes]:
    """(each item's JSON text, the body without ``Items``) of a Scan/Query response body.

    The text of an item is the exact slice of the body it stands in: never re-encoded. Raises
    ``ValueError`` (``msgspec.DecodeError``) where the body is not a JSON object or its
    ``Items`` not an array. Strings inside an item are not looked at here; the extract's Arrow
    conversion to a string column rejects text that is not UTF-8.
    """
    members = _MEMBERS.decode(body)
    items = members.pop("Items", None)
    texts = [bytes(item) for item in _ELEMENTS.decode(items)] if items is not None else []
    return texts, msgspec.json.encode(members)


def _keep_items_as_wire_json(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore ``before-parse`` hook: move ``Items`` out of the body before parsing; botocore
    merges ``customized_response_dict`` into the parsed response afterwards."""
    if response_dict.get("status_code", 500) >= 300 or not response_dict.get("body"):
        return  # errors: botocore parses and raises them as usual
    texts, rest = split_items(response_dict["body"])
    customized_response_dict[ITEM_TEXTS] = texts
    response_dict["body"] = rest


_TABLES = msgspec.json.Decoder(dict[str, msgspec.Raw])


def split_batch_get(body: bytes) -> tuple[list[bytes], bytes]:
    """(each item's JSON text, the body with empty ``Responses``) of a BatchGetItem body."""
    members = _MEMBERS.decode(body)
    responses = members.pop("Responses", None)
    texts: list[bytes] = []
    if responses is not None:
        for items in _TABLES.decode(responses).values():
            texts += [bytes(item) for item in _ELEMENTS.decode(items)]
    members["Responses"] = msgspec.Raw(b"{}")
    return texts, msgspec.json.encode(members)


def _keep_batch_items_as_wire_json(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    if response_dict.get("status_code", 500) >= 300 or not response_dict.get("body"):
        return
    texts, rest = split_batch_get(response_dict["body"])
    customized_response_dict[ITEM_TEXTS] = texts
    response_dict["body"] = rest


def wire_items_client(**client_kwargs: Any) -> Any:
    """A DynamoDB client whose Scan/Query pages and BatchGetItem responses hold ``ItemTexts``
    (each item's DynamoDB JSON, as the service sent it, ``B`` values still base64) and no
    ``Items`` / ``Responses``."""
    import boto3

    client = boto3.client("dynamodb", **client_kwargs)
    for operation in WIRE_OPERATIONS:
        client.meta.events.register(f"before-parse.dynamodb.{operation}", _keep_items_as_wire_json)
    client.meta.events.register(
        f"before-parse.dynamodb.{BATCH_GET}", _keep_batch_items_as_wire_json
    )
    return client


class _BronzeKeys(msgspec.Struct):
    """The two attributes bronze keeps beside each item; every other attribute is skipped."""

    treatment_id: Any = None
    gsi_modified_at: Any = None


_BRONZE_KEYS = msgspec.json.Decoder(_BronzeKeys)


def bronze_keys(text: bytes) -> tuple[str | None, str | None]:
    """(``treatment_id`` N, ``gsi_modified_at`` S) of an item's JSON text; None where absent or
    of another DynamoDB type (the transform quarantines such items, the extract keeps them)."""
    keys = _BRONZE_KEYS.decode(text)
    return _typed(keys.treatment_id, "N"), _typed(keys.gsi_modified_at, "S")


def _typed(attribute: Any, dynamodb_type: str) -> str | None:
    value = attribute.get(dynamodb_type) if isinstance(attribute, dict) else None
    return value if isinstance(value, str) else None
