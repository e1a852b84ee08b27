"""The extract's wire-JSON split of Scan/Query bodies (``treatment_jobs.wire``)."""

from __future__ import annotations

import json

import pytest
from treatment_jobs.wire import bronze_keys, split_items

pytestmark = pytest.mark.unit

TRICKY_ITEM = {
    "treatment_id": {"N": "7"},
    # strings that look like structure: a splitter that searched the text would trip on them
    "note": {"S": 'say "Items":[{"x":1}], then } and ] and \\ and naïve \u2028 ✓'},
    "nested": {"M": {"Items": {"L": [{"M": {"Items": {"L": []}}}, {"NULL": True}]}}},
    "blob": {"B": "AP9yYXc="},
}


def _body(members: dict, **dumps: object) -> bytes:
    return json.dumps(members, **dumps).encode()


@pytest.mark.parametrize(
    "dumps",
    [
        {"separators": (",", ":"), "ensure_ascii": False},  # compact, as the services send it
        {"indent": 3},  # whitespace everywhere JSON allows it
        {"ensure_ascii": True},  # escaped non-ASCII
    ],
    ids=["compact", "indented", "ascii-escaped"],
)
def test_item_texts_are_sliced_from_the_body(dumps: dict) -> None:
    items = [{"treatment_id": {"N": str(i)}} for i in range(3)] + [TRICKY_ITEM]
    last_key = {"treatment_id": {"N": "7"}}
    members = {"Count": 4, "Items": items, "LastEvaluatedKey": last_key, "ScannedCount": 4}
    body = _body(members, **dumps)

    texts, rest = split_items(body)

    assert [json.loads(text) for text in texts] == items
    assert all(isinstance(text, bytes) and text in body for text in texts)  # verbatim slices
    assert json.loads(rest) == {"Count": 4, "LastEvaluatedKey": last_key, "ScannedCount": 4}


@pytest.mark.parametrize(
    ("body", "items", "rest"),
    [
        (b'{"Items":[],"Count":0,"ScannedCount":0}', [], {"Count": 0, "ScannedCount": 0}),
        (b'{"Count":0}', [], {"Count": 0}),  # no Items member at all
        (b"{}", [], {}),
        (b' { "Count" : 1 , "Items" : [ {"a":{"S":"b"}} ] } ', [{"a": {"S": "b"}}], {"Count": 1}),
    ],
    ids=["empty-items", "no-items", "empty-object", "spaced"],
)
def test_edge_shapes(body: bytes, items: list, rest: dict) -> None:
    texts, others = split_items(body)
    assert [json.loads(t) for t in texts] == items and json.loads(others) == rest


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b'{"Items":[{"a":1}',  # cut short
        b'{"Items":[{"a":1}}',  # wrong closing bracket
        b'{"Items":[{"a":1},]}',  # trailing comma
        b'{"Count":1} trailing',
        b"{Count:1}",
        b'{"Items":{"a":1}}',  # Items not an array
    ],
)
def test_a_malformed_body_raises_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        split_items(body)


@pytest.mark.parametrize(
    ("item", "keys"),
    [
        (
            TRICKY_ITEM | {"gsi_modified_at": {"S": "2026-11-27T03:00:00.000000Z"}},
            ("7", "2026-11-27T03:00:00.000000Z"),
        ),
        ({"treatment": {"M": {"id": {"N": "9"}}}}, (None, None)),  # keys absent
        ({"treatment_id": {"S": "7"}, "gsi_modified_at": {"N": "1"}}, (None, None)),  # other types
        ({"treatment_id": {"N": 7}, "gsi_modified_at": "2026"}, (None, None)),  # not DynamoDB JSON
    ],
    ids=["both", "absent", "other-types", "malformed"],
)
def test_bronze_keys(item: dict, keys: tuple) -> None:
    assert bronze_keys(json.dumps(item).encode()) == keys
