"""The warehouse stand-in runs procedures: CALL of a PL/pgSQL procedure in its own schema."""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.integration


def test_call_a_procedure(estate, name_suffix) -> None:
    schema = f"estate_test_{name_suffix}"
    with psycopg.connect(estate.warehouse_dsn, autocommit=True) as conn:
        conn.execute(f"create schema {schema}")
        try:
            conn.execute(f"create table {schema}.runs (batch_id varchar(64), n int)")
            conn.execute(
                f"""
                create procedure {schema}.record_run(p_batch varchar, p_n int)
                language plpgsql as $$
                begin
                    insert into {schema}.runs values (p_batch, p_n);
                    raise info 'recorded %', p_batch;
                end;
                $$
                """
            )
            conn.execute(f"call {schema}.record_run(%s, %s)", ("b1", 3))
            assert conn.execute(f"select batch_id, n from {schema}.runs").fetchall() == [("b1", 3)]
        finally:
            conn.execute(f"drop schema {schema} cascade")
