"""The extract's wire-JSON split of Scan/Query bodies (treatment_jobs.wire.split_items)."""

from __future__ import annotations

import json

import pytest
from treatment_jobs.wire import split_items

pytestmark = pytest.mark.unit

TRICKY_ITEM = {
    "treatment_id": {"N": "7"},
    # strings that look like structure: a splitter that searched the text would trip on them
    "note": {"S": 'say "Items":[{"x":1}], then } and ] and \\ and naïve \u2028 ✓'},
    "nested": {"M": {"Items": {"L": [{"M": {"Items": {"L": []}}}, {"NULL": True}]}}},
    "blob": {"B": "AP9yYXc="},
}


def _body(members: dict, **dumps: object) -> str:
    return json.dumps(members, **dumps)


@pytest.mark.parametrize(
    "dumps",
    [
        {"separators": (",", ":"), "ensure_ascii": False},  # compact, as the services send it
        {"indent": 3},  # whitespace everywhere JSON allows it
        {"ensure_ascii": True},  # escaped non-ASCII
    ],
    ids=["compact", "indented", "ascii-escaped"],
)
def test_items_and_their_texts_are_sliced_from_the_body(dumps: dict) -> None:
    items = [{"treatment_id": {"N": str(i)}} for i in range(3)] + [TRICKY_ITEM]
    last_key = {"treatment_id": {"N": "7"}}
    members = {"Count": 4, "Items": items, "LastEvaluatedKey": last_key, "ScannedCount": 4}
    body = _body(members, **dumps)

    parsed, texts, rest = split_items(body)

    assert parsed == items
    assert [json.loads(text) for text in texts] == items
    assert all(text in body for text in texts)  # verbatim slices, not re-encodings
    assert rest == {"Count": 4, "LastEvaluatedKey": last_key, "ScannedCount": 4}


@pytest.mark.parametrize(
    ("body", "items", "rest"),
    [
        ('{"Items":[],"Count":0,"ScannedCount":0}', [], {"Count": 0, "ScannedCount": 0}),
        ('{"Count":0}', [], {"Count": 0}),  # no Items member at all
        ("{}", [], {}),
        (' { "Count" : 1 , "Items" : [ {"a":{"S":"b"}} ] } ', [{"a": {"S": "b"}}], {"Count": 1}),
    ],
    ids=["empty-items", "no-items", "empty-object", "spaced"],
)
def test_edge_shapes(body: str, items: list, rest: dict) -> None:
    parsed, texts, others = split_items(body)
    assert parsed == items and [json.loads(t) for t in texts] == items and others == rest


@pytest.mark.parametrize(
    "body",
    [
        "",
        "[]",
        '{"Items":[{"a":1}',  # cut short
        '{"Items":[{"a":1}}',  # wrong closing bracket
        '{"Items":[{"a":1},]}',  # trailing comma
        '{"Count":1} trailing',
        "{Count:1}",
    ],
)
def test_a_malformed_body_raises_value_error(body: str) -> None:
    with pytest.raises(ValueError):
        split_items(body)
