"""The loader's write-time attributes and its retry of UnprocessedItems."""

from __future__ import annotations

import re

import pytest

from healthetl.source import loader
from healthetl.source.generator import iter_items

pytestmark = pytest.mark.unit


def test_write_time_attributes_follow_the_pipeline_contract():
    item = next(iter_items(42, 10))
    stamped = loader.with_write_time(item, loader.utc_now_text())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", stamped["gsi_modified_at"]["S"])
    assert stamped["gsi_modified_day"]["S"] == stamped["gsi_modified_at"]["S"][:10]
    assert "gsi_modified_at" not in item  # the generated item itself is untouched


class _Throttling:
    """Stands in for DynamoDB returning UnprocessedItems, which the local server never does."""

    def __init__(self, refusals: int, keep: int = 1) -> None:
        self.refusals = refusals
        self.keep = keep  # how many of the sent items each refusal accepts
        self.calls: list[int] = []

    def batch_write_item(self, RequestItems):  # noqa: N803 - boto3's parameter name
        ((table, requests),) = RequestItems.items()
        self.calls.append(len(requests))
        if self.refusals:
            self.refusals -= 1
            return {"UnprocessedItems": {table: requests[self.keep :]}}
        return {"UnprocessedItems": {}}


def test_unprocessed_items_are_retried_with_growing_backoff():
    client, sleeps = _Throttling(refusals=3), []
    items = list(iter_items(42, 25))
    requests, retried = loader.batch_write(
        client, "t", items, clock=lambda: "2026-01-01T00:00:00Z", sleep=sleeps.append
    )
    assert client.calls == [25, 24, 23, 22]
    assert (requests, retried) == (4, 24 + 23 + 22)
    caps = [min(loader.BACKOFF_CAP_S, loader.BACKOFF_BASE_S * 2**a) for a in range(3)]
    assert all(0 <= s <= cap for s, cap in zip(sleeps, caps, strict=True))


def test_gives_up_loudly_when_items_stay_unprocessed():
    client = _Throttling(refusals=10**6, keep=0)
    with pytest.raises(RuntimeError, match="unprocessed"):
        loader.batch_write(client, "t", list(iter_items(42, 3)), sleep=lambda s: None)
