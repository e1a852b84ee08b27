"""`healthetl migrate`: fresh, repeat, changed V refused, changed R re-applied, --plan."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from warehouse_seam import connect

from healthetl.cli import main
from healthetl.migrate import SQL_ROOT, MigrationError, migrate

pytestmark = pytest.mark.sql


@pytest.fixture
def empty_dsn(warehouse_server: Any) -> Iterator[str]:
    name = f"hca_m_{secrets.token_hex(5)}"
    admin = warehouse_server.dsn("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    yield warehouse_server.dsn(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def sql_root(tmp_path: Path) -> Path:
    root = tmp_path / "redshift"
    shutil.copytree(SQL_ROOT, root)
    return root


def run(dsn: str, root: Path, **kwargs: Any) -> list[str]:
    lines: list[str] = []
    with connect(dsn) as wh:
        migrate(wh, root, out=lines.append, **kwargs)
    return lines


def test_fresh_then_repeat_is_a_no_op(empty_dsn: str, sql_root: Path) -> None:
    versioned = sorted(p.name for p in (sql_root / "ddl").glob("V*.sql"))
    repeatable = sorted(p.name for p in (sql_root / "procedures").glob("R__*.sql"))

    plan = run(empty_dsn, sql_root, plan_only=True)
    assert plan[0].startswith("would apply C")
    assert len(plan) == 1 + len(versioned) + len(repeatable)

    applied = run(empty_dsn, sql_root)
    assert [line.split()[2].split("/")[-1] for line in applied[1:]] == versioned + repeatable
    assert run(empty_dsn, sql_root) == ["warehouse is up to date: nothing to apply"]
    with psycopg.connect(empty_dsn) as conn:
        history = conn.execute(
            "select type, version from migrations.schema_history order by installed_rank"
        ).fetchall()
        routines = conn.execute(
            "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname in ('silver', 'gold', 'analytics') and p.prokind in ('p', 'f')"
        ).fetchone()[0]
    assert [v for t, v in history if t == "V"] == [f"{i:04d}" for i in range(1, len(versioned) + 1)]
    assert routines == len(repeatable)  # one procedure or SQL UDF per repeatable file


def test_changed_versioned_file_is_refused(empty_dsn: str, sql_root: Path) -> None:
    run(empty_dsn, sql_root)
    ddl = sql_root / "ddl" / "V0002__staging_tables.sql"
    ddl.write_text(ddl.read_text() + "\n-- an edit after release\n")
    (sql_root / "procedures" / "R__zz_new.sql").write_text(
        "create or replace procedure gold.zz_new() as $$ begin null; end; $$ language plpgsql;\n"
    )
    with pytest.raises(MigrationError, match=r"V0002__staging_tables\.sql was changed"):
        run(empty_dsn, sql_root)
    with psycopg.connect(empty_dsn) as conn:
        assert conn.execute("select to_regprocedure('gold.zz_new()')").fetchone() == (None,)


def test_changed_repeatable_file_is_reapplied_alone(empty_dsn: str, sql_root: Path) -> None:
    run(empty_dsn, sql_root)
    procedure = sql_root / "procedures" / "R__gold.load_dim_times.sql"
    procedure.write_text(procedure.read_text().replace("Purpose  :", "Purpose (v2):"))
    assert [line.split()[2] for line in run(empty_dsn, sql_root)] == [
        "procedures/R__gold.load_dim_times.sql"
    ]
    with psycopg.connect(empty_dsn) as conn:
        rows = conn.execute(
            "select count(*) from migrations.schema_history where script like %s",
            ["%load_dim_times%"],
        ).fetchone()
    assert rows == (2,)


def test_new_version_below_an_applied_one_is_refused(empty_dsn: str, sql_root: Path) -> None:
    run(empty_dsn, sql_root)
    (sql_root / "ddl" / "V0000_5__late.sql").write_text("create schema if not exists late;\n")
    with pytest.raises(MigrationError, match="older than the newest applied"):
        run(empty_dsn, sql_root)


def test_cli_prints_what_it_applied(empty_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--dsn", empty_dsn, "--plan"]) == 0
    assert "would apply V0001" in capsys.readouterr().out
    assert main(["migrate", "--dsn", empty_dsn]) == 0
    out = capsys.readouterr().out
    assert "applied V0007" in out and "applied R      procedures/R__silver.load_batch.sql" in out
    assert main(["migrate", "--dsn", empty_dsn]) == 0
    assert "nothing to apply" in capsys.readouterr().out


def test_plan_changes_nothing(empty_dsn: str, sql_root: Path) -> None:
    assert run(empty_dsn, sql_root, plan_only=True)
    with psycopg.connect(empty_dsn) as conn:
        assert conn.execute("select to_regclass('migrations.schema_history')").fetchone() == (None,)


def test_sort_keys_become_indexes_on_the_stand_in(empty_dsn: str, sql_root: Path) -> None:
    """Each Redshift sort key is an index on PostgreSQL (a batch filter on silver reads the
    batch's rows, as the sort key lets Redshift do); one that is the primary key gets none."""
    run(empty_dsn, sql_root)
    with psycopg.connect(empty_dsn) as conn:
        indexes = dict(
            conn.execute(
                "select schemaname || '.' || tablename || ' ' || indexname, indexdef "
                "from pg_indexes where schemaname in ('staging', 'silver', 'gold', 'analytics')"
            ).fetchall()
        )
    assert (
        "(batch_id)"
        in indexes["silver.tbl_healthcare_analytics_data tbl_healthcare_analytics_data_sortkey"]
    )
    assert "(batch_id, treatment_id)" in indexes["staging.treatments treatments_sortkey"]
    assert not [name for name in indexes if name.startswith("gold.dim_") and "sortkey" in name]
