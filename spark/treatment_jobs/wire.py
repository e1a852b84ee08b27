"""DynamoDB items exactly as they travel on the wire: a boto3 client whose Scan and Query pages
hand back ``Items`` as the service's own JSON (``{"N": "12"}``), skipping botocore's
shape-by-shape parsing of every attribute, and each item's own JSON text beside it.

Why: bronze keeps the items in DynamoDB JSON anyway. botocore's pure-Python parsing of each
attribute value (and our re-encoding of it) cost three times the CPU of the read itself —
measured 27.6 CPU-s vs 8.5 CPU-s for 59,511 items, which on two cores decided the extract's
speed. Re-encoding the parsed items with ``json.dumps`` was then 40 % of what was left
(≈ 45 µs of ≈ 110 µs an item); the items' text is already in the response, so it is sliced out
while the body is parsed. The rest of the response (``LastEvaluatedKey``, counts, errors) is
still parsed by botocore, so pagination, retries, the CRC32 check and error handling stay
botocore's own.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any

WIRE_OPERATIONS = ("Scan", "Query")
ITEM_TEXTS = "ItemTexts"  # page key: each item's JSON text, in the order of ``Items``

_DECODE_VALUE = json.JSONDecoder().raw_decode
_SKIP_SPACE = re.compile(r"[ \t\n\r]*").match  # JSON's whitespace


class _Body:
    """A cursor over one response body (JSON text); raises ``ValueError`` where it is not."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self) -> str:
        """Past whitespace; the next character ("" at the end)."""
        self.pos = _SKIP_SPACE(self.text, self.pos).end()
        return self.text[self.pos : self.pos + 1]

    def expect(self, char: str) -> None:
        if self.skip() != char:
            raise ValueError(f"response body: expected {char!r} at offset {self.pos}")
        self.pos += 1

    def more(self, closing: str) -> bool:
        """After a member or element: True past a comma, False past ``closing``."""
        char = self.skip()
        self.pos += 1
        if char == ",":
            return True
        if char != closing:
            raise ValueError(f"response body: expected ',' or {closing!r} at offset {self.pos - 1}")
        return False

    def value(self) -> tuple[Any, str]:
        """The next JSON value, parsed, and its text as it stands in the body."""
        self.skip()
        start = self.pos
        parsed, self.pos = _DECODE_VALUE(self.text, start)
        return parsed, self.text[start : self.pos]


def split_items(body: str) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """(items, each item's JSON text, the other top-level members) of a Scan/Query body.

    The text of an item is the exact slice of the body it was parsed from: no re-encoding.
    """
    cursor = _Body(body)
    items: list[dict[str, Any]] = []
    texts: list[str] = []
    rest: dict[str, Any] = {}
    cursor.expect("{")
    if cursor.skip() == "}":
        cursor.pos += 1
    else:
        while True:
            cursor.expect('"')
            key, cursor.pos = scanstring(cursor.text, cursor.pos)
            cursor.expect(":")
            if key != "Items":
                rest[key] = cursor.value()[0]
            else:
                cursor.expect("[")
                if cursor.skip() == "]":
                    cursor.pos += 1
                else:
                    while True:
                        item, text = cursor.value()
                        items.append(item)
                        texts.append(text)
                        if not cursor.more("]"):
                            break
            if not cursor.more("}"):
                break
    if cursor.skip():
        raise ValueError(f"response body: extra data at offset {cursor.pos}")
    return items, texts, rest


def _keep_items_as_wire_json(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore ``before-parse`` hook: move ``Items`` out of the body before parsing; botocore
    merges ``customized_response_dict`` into the parsed response afterwards."""
    if response_dict.get("status_code", 500) >= 300 or not response_dict.get("body"):
        return  # errors: botocore parses and raises them as usual
    items, texts, rest = split_items(response_dict["body"].decode())
    customized_response_dict["Items"] = items
    customized_response_dict[ITEM_TEXTS] = texts
    response_dict["body"] = json.dumps(rest).encode()


def wire_items_client(**client_kwargs: Any) -> Any:
    """A DynamoDB client whose Scan/Query pages hold ``Items`` as wire JSON dicts (``B`` stays
    base64) and ``ItemTexts``, each item's JSON text as the service sent it."""
    import boto3

    client = boto3.client("dynamodb", **client_kwargs)
    for operation in WIRE_OPERATIONS:
        client.meta.events.register(f"before-parse.dynamodb.{operation}", _keep_items_as_wire_json)
    return client
