"""Rejected versions in silver: each version held once, replays own only their rows, deferred
versions settle (contracts/pipeline.md, "Rejected items")."""

from __future__ import annotations

from datetime import datetime

import pytest
from fixtures.warehouse import fetch, run_batch, treatment_row

pytestmark = pytest.mark.sql

B1 = "b20261120T120000Z-00000001"
B2 = "b20261120T130000Z-00000002"
B3 = "b20261120T140000Z-00000003"


def reject(
    batch_id: str, treatment_id: int | None, fingerprint: str, disposition: str = "rejected"
) -> dict:
    return {
        "batch_id": batch_id,
        "treatment_id": treatment_id,
        "broken_rules": "R6" if disposition == "deferred" else "R4",
        "raw_item": f'{{"v": "{fingerprint}"}}',
        "extracted_at": datetime(2026, 11, 20, 12),
        "version_fingerprint": fingerprint,
        "disposition": disposition,
    }


def held(dsn: str) -> list[tuple]:
    return fetch(
        dsn,
        "select batch_id, treatment_id, version_fingerprint, disposition "
        "from silver.rejected_treatments"
        " order by batch_id, treatment_id nulls first, version_fingerprint",
    )


def test_a_version_is_held_once_and_a_replay_owns_only_its_rows(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, [], [reject(B1, 7, "aaaa"), reject(B1, None, "junk")], analytics=False)
    # A later batch reads the same rejected versions again (a forced full extract): held once.
    run_batch(
        dsn,
        B2,
        [],
        [reject(B2, 7, "aaaa"), reject(B2, None, "junk"), reject(B2, 7, "bbbb")],
        analytics=False,
    )
    expected = [
        (B1, None, "junk", "rejected"),
        (B1, 7, "aaaa", "rejected"),
        (B2, 7, "bbbb", "rejected"),
    ]
    assert held(dsn) == expected
    # Replays delete and re-insert only their own batch's rows: nothing moves, nothing doubles.
    run_batch(dsn, B1, [], [], analytics=False)
    run_batch(dsn, B2, [], [], analytics=False)
    assert held(dsn) == expected


def test_a_deferred_version_settles_when_its_treatment_is_loaded(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, [treatment_row(1, B1)], [reject(B1, 5, "ffff", "deferred")])
    # Re-read while still in the future: the same version again, still held once, by B1.
    run_batch(dsn, B2, [], [reject(B2, 5, "ffff", "deferred")], analytics=False)
    assert held(dsn) == [(B1, 5, "ffff", "deferred")]
    # Its moment has come: the version loads, and its deferred row goes.
    run_batch(dsn, B3, [treatment_row(5, B3, modified="2026-11-20 13:30:00")], [])
    assert held(dsn) == []
    assert fetch(dsn, "select count(*) from gold.fact_treatments where treatment_id = 5") == [(1,)]
    # A replay of B1 leaves out the deferred row whose treatment a later batch loaded.
    run_batch(dsn, B1, [treatment_row(1, B1)], [], analytics=False)
    assert held(dsn) == []


def test_a_deferred_version_replaced_by_another_rejected_one_goes(
    fresh_warehouse_dsn: str,
) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, [], [reject(B1, 5, "ffff", "deferred")], analytics=False)
    run_batch(dsn, B2, [], [reject(B2, 5, "eeee")], analytics=False)
    assert held(dsn) == [(B2, 5, "eeee", "rejected")]
