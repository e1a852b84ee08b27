"""The seam against a real PostgreSQL: error classes, transactions, UNLOAD emulation."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import psycopg
import pytest
from warehouse_seam import (
    WarehouseDataError,
    WarehouseTransientError,
    connect,
)

pytestmark = pytest.mark.sql


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_transient() -> None:
    with pytest.raises(WarehouseTransientError):
        connect(f"postgresql://hca@127.0.0.1:{free_port()}/warehouse")


def test_missing_configuration_is_a_data_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("WAREHOUSE_DSN", "WAREHOUSE_HOST"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(WarehouseDataError, match="no warehouse configured"):
        connect()


def test_statement_timeout_is_transient(warehouse_dsn: str) -> None:
    with (
        connect(warehouse_dsn, statement_timeout_ms=100) as wh,
        pytest.raises(WarehouseTransientError, match="57014"),
    ):
        wh.query("select pg_sleep(5)")


def test_lock_timeout_is_transient(warehouse_dsn: str) -> None:
    with (
        connect(warehouse_dsn) as holder,
        connect(warehouse_dsn) as waiter,
        holder.transaction(),
    ):
        holder.execute("lock table gold.etl_tracker in access exclusive mode")
        waiter.execute("set lock_timeout = 100")
        with pytest.raises(WarehouseTransientError, match="55P03"):
            waiter.query("select count(*) from gold.etl_tracker")


def test_serialization_failure_is_transient(warehouse_dsn: str) -> None:
    with (
        connect(warehouse_dsn) as one,
        connect(warehouse_dsn) as two,
        contextlib.ExitStack() as stack,
    ):
        stack.enter_context(one.transaction())
        one.execute("set transaction isolation level serializable")
        with two.transaction():
            two.execute("set transaction isolation level serializable")
            # write skew: each reads what the other writes
            one.query("select count(*) from gold.etl_tracker where step = 'copy'")
            two.query("select count(*) from gold.etl_tracker where step = 'gold'")
            one.call(
                "gold.record_step_attempt", "b1", "b1", "gold", 1, "FAILED",
                None, None, None, None, None, None, "x",
            )  # fmt: skip
            two.call(
                "gold.record_step_attempt", "b1", "b1", "copy", 1, "FAILED",
                None, None, None, None, None, None, "x",
            )  # fmt: skip
        with pytest.raises(WarehouseTransientError, match="40001"):
            stack.close()


def test_terminated_connection_is_transient(warehouse_dsn: str) -> None:
    with connect(warehouse_dsn) as wh:
        pid = wh.query("select pg_backend_pid()")[0][0]
        with psycopg.connect(warehouse_dsn, autocommit=True) as admin:
            admin.execute("select pg_terminate_backend(%s)", [pid])
        with pytest.raises(WarehouseTransientError):
            wh.query("select 1")


@pytest.mark.parametrize(
    "sql",
    [
        "select from nowhere_at_all",
        "select 1 / 0",
        "insert into gold.dim_dates (date_key) values (null)",
        "selec 1",
    ],
)
def test_sql_and_data_errors_are_not_transient(warehouse_dsn: str, sql: str) -> None:
    with connect(warehouse_dsn) as wh, pytest.raises(WarehouseDataError):
        wh.execute(sql)


def test_transaction_rolls_back_on_error_and_commits_otherwise(fresh_warehouse_dsn: str) -> None:
    insert = (
        "insert into gold.etl_tracker (batch_id, execution_name, step, attempt, status) "
        "values (%s, %s, 'copy', 1, 'FAILED')"
    )
    with connect(fresh_warehouse_dsn) as wh:
        with pytest.raises(RuntimeError), wh.transaction():
            wh.execute(insert, ["rolled-back", "x"])
            raise RuntimeError("caller failed")
        with wh.transaction():
            wh.execute(insert, ["kept", "x"])
        assert wh.query("select batch_id from gold.etl_tracker") == [("kept",)]


def test_unload_writes_parquet(warehouse_dsn: str, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    with connect(warehouse_dsn) as wh:
        rows = wh.unload(
            "select date_key, full_date from gold.dim_dates union all select 20240101, "
            "date '2024-01-01'",
            f"{tmp_path.as_uri()}/unload/",
        )
    assert rows >= 1
    table = pq.read_table(tmp_path / "unload" / "0000_part_00.parquet")
    assert table.column_names == ["date_key", "full_date"]


def test_procedure_name_is_validated(warehouse_dsn: str) -> None:
    with connect(warehouse_dsn) as wh, pytest.raises(WarehouseDataError, match="procedure"):
        wh.call("gold.x; drop table gold.fact_treatments", "b")
