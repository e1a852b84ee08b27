"""Upgrade in place: a warehouse loaded before rejected rows were versions (no V0009) keeps
working after `make migrate` — its rejected rows become final rejections without a fingerprint,
a batch published before the upgrade (5-column rejected files) still loads, and the new
batches hold each rejected version once."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fixtures.warehouse import fetch, load_staging, run_batch, treatment_row
from warehouse_seam import connect

from healthetl.migrate import SQL_ROOT, migrate

pytestmark = pytest.mark.sql

OLD = "b20261101T080000Z-0000000a"
NEW = "b20261207T080000Z-0000000b"
VERSIONED_FROM = "V0009"  # the first migration of rejected versions


@pytest.fixture
def before_versions(warehouse_server: Any, tmp_path: Path) -> Iterator[str]:
    """A database migrated as the release before versions left it: every table and migration
    before V0009, one earlier batch's rejects in silver."""
    name = f"hca_u_{secrets.token_hex(5)}"
    with connect(warehouse_server.dsn("postgres")) as admin:
        admin.ensure_database(name)
    dsn = warehouse_server.dsn(name)
    old_root = tmp_path / "redshift"
    shutil.copytree(SQL_ROOT, old_root)
    for later in (old_root / "ddl").glob("V*.sql"):
        if later.name >= VERSIONED_FROM:
            later.unlink()
    shutil.rmtree(old_root / "procedures")  # replaced wholesale by the new release's
    with connect(dsn) as wh:
        migrate(wh, old_root, out=lambda _: None)
        wh.execute(
            "insert into silver.rejected_treatments"
            " (batch_id, treatment_id, broken_rules, raw_item, extracted_at)"
            " values (%s, 7, 'R4', '{}', %s), (%s, null, 'R1', 'x', %s)",
            [OLD, datetime(2026, 11, 1, 8), OLD, datetime(2026, 11, 1, 8)],
        )
    yield dsn
    with connect(warehouse_server.dsn("postgres")) as admin:
        admin.drop_database(name)


def test_a_warehouse_from_before_versions_upgrades_in_place(before_versions: str) -> None:
    dsn = before_versions
    with connect(dsn) as wh:
        applied = [m.script for m in migrate(wh, out=lambda _: None)]
    assert "ddl/V0009__rejected_versions.sql" in applied
    held = "select batch_id, treatment_id, version_fingerprint, disposition from"
    held += " silver.rejected_treatments order by batch_id, treatment_id nulls first"
    assert fetch(dsn, held) == [(OLD, None, None, "rejected"), (OLD, 7, None, "rejected")]
    # The next batch: a valid treatment and a rejected version, held once even when loaded twice.
    reject = {
        "batch_id": NEW,
        "treatment_id": 8,
        "broken_rules": "R5",
        "raw_item": "{}",
        "extracted_at": datetime(2026, 12, 7, 8),
        "version_fingerprint": "0123456789abcdef",
        "disposition": "rejected",
    }
    run_batch(dsn, NEW, [treatment_row(1, NEW)], [reject])
    load_staging(dsn, [], [reject])
    run_batch(dsn, NEW, [], [])
    assert fetch(dsn, held)[-1] == (NEW, 8, "0123456789abcdef", "rejected")
    assert fetch(dsn, "select count(*) from silver.rejected_treatments") == [(3,)]
    assert fetch(dsn, "select treatment_id from gold.fact_treatments") == [(1,)]
