"""Which S3 keys start a load: only a batch's _batch.json, URL-decoded."""

from __future__ import annotations

import pytest
from load_pipeline.handlers.trigger import batch_id_from_key

pytestmark = pytest.mark.unit

BATCH = "b20261126T103000Z-1a2b3c4d"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (f"batches/{BATCH}/_batch.json", BATCH),
        (f"batches/{BATCH}/valid.manifest", None),
        (f"batches/{BATCH}/valid/part-00000.parquet", None),
        ("batches/not-a-batch/_batch.json", None),
        ("state/watermark.json", None),
        (f"batches/{BATCH}/_batch.json.tmp", None),
    ],
)
def test_batch_id_from_key(key: str, expected: str | None) -> None:
    assert batch_id_from_key(key, "_batch.json") == expected
