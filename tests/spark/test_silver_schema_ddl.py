"""The silver Parquet columns equal staging.treatments / staging.rejected_treatments in the
warehouse DDL (names, order, types): COPY from Parquet maps by position."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from treatment_jobs.schema import REJECTED_COLUMNS, SILVER_COLUMNS

pytestmark = pytest.mark.spark

DDL_DIR = Path(__file__).resolve().parents[2] / "redshift" / "ddl"


def ddl_columns(table: str) -> list[tuple[str, str]]:
    """(name, TYPE) of ``create table [if not exists] <table> (...)`` in redshift/ddl/*.sql,
    with the columns later migrations add (``alter table <table> add column``)."""
    pattern = re.compile(
        rf"create\s+table\s+(?:if\s+not\s+exists\s+)?{re.escape(table)}\s*\((.*?)\)\s*"
        r"(?:diststyle|distkey|sortkey|compound|interleaved|;)",
        re.IGNORECASE | re.DOTALL,
    )
    added = re.compile(
        rf"alter\s+table\s+{re.escape(table)}\s+add\s+column\s+(\w+)\s+"
        r"([a-z]+(?:\s*\([^)]*\))?)",
        re.IGNORECASE,
    )
    columns: list[tuple[str, str]] | None = None
    for path in sorted(DDL_DIR.glob("*.sql")):  # in migration order: created, then altered
        text = re.sub(r"--[^\n]*", "", path.read_text())
        match = pattern.search(text)
        if match is not None:
            columns = []
            for line in re.split(r",\s*\n", match.group(1)):
                words = line.split()
                if not words or words[0].lower() in ("primary", "constraint", "unique", "foreign"):
                    continue
                sql_type = re.match(r"\s*\S+\s+([a-z]+(?:\s*\([^)]*\))?)", line, re.IGNORECASE)
                assert sql_type, line
                columns.append((words[0].lower(), _normal(sql_type.group(1))))
        if columns is not None:
            columns += [(name.lower(), _normal(kind)) for name, kind in added.findall(text)]
    if columns is not None:
        return columns
    pytest.skip(f"{table} is not in {DDL_DIR} yet (warehouse DDL not committed)")


def _normal(sql_type: str) -> str:
    text = re.sub(r"\s+", "", sql_type).upper()
    return {"INT": "INTEGER", "INT4": "INTEGER", "INT8": "BIGINT", "NUMERIC": "DECIMAL"}.get(
        text, text.replace("NUMERIC(", "DECIMAL(")
    )


def test_staging_treatments_matches_silver_columns() -> None:
    assert ddl_columns("staging.treatments") == [(c.name, c.sql_type) for c in SILVER_COLUMNS]


def test_staging_rejected_matches_rejected_columns() -> None:
    expected = [(c.name, c.sql_type) for c in REJECTED_COLUMNS]
    assert ddl_columns("staging.rejected_treatments") == expected
