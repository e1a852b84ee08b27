"""Connecting to the warehouse and running SQL in transactions owned by the caller.

``connect()`` picks the driver from the resolved location (:mod:`warehouse_seam.location`):
``postgresql://`` -> psycopg 3 (the local stand-in); ``redshift://`` or the ``WAREHOUSE_*``
environment -> redshift_connector (Amazon Redshift, provisioned or Serverless, with IAM or a
Secrets Manager secret). Rows come back as :class:`Row`: tuples that know their column names.
Every driver or socket error leaves this module as ``WarehouseTransientError`` or
``WarehouseDataError``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from warehouse_seam import bulk
from warehouse_seam.errors import WarehouseDataError, WarehouseError, classify
from warehouse_seam.location import POSTGRESQL, REDSHIFT, WarehouseLocation, resolve
from warehouse_seam.statements import split_statements
from warehouse_seam.translate import to_postgres

log = logging.getLogger(__name__)

_PROCEDURE_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except WarehouseError:
        raise
    except Exception as exc:
        raise classify(exc) from exc


class Row(tuple):
    """One result row: a tuple (index it, unpack it, compare it with tuples) that also knows
    its column names: ``row["provider_id"]``, ``row.as_dict()``."""

    columns: tuple[str, ...]

    def __new__(cls, values: Iterable[Any], columns: tuple[str, ...]) -> Row:
        row = super().__new__(cls, values)
        row.columns = columns
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self.columns.index(key))
            except ValueError:
                raise KeyError(key) from None
        return tuple.__getitem__(self, key)

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self.columns, self, strict=True))


def _column_names(description: Sequence[Any] | None) -> tuple[str, ...]:
    # psycopg's Column and redshift_connector's tuples both have the name first.
    return tuple(str(column[0]) for column in description or ())


class Warehouse:
    """One connection; statements outside ``transaction()`` commit on their own."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self._conn = connection
        self.dialect = dialect
        self._depth = 0

    # -- transactions ------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """Commit when the block ends normally, roll back when it raises (the exception
        propagates unchanged). A nested block joins the outer transaction."""
        if self._depth:
            # Nested: join the caller's transaction (no savepoints; Redshift has none).
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        if self.dialect == POSTGRESQL:
            with _mapped_errors():
                self._conn.execute("begin")
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            with contextlib.suppress(Exception):
                if self.dialect == POSTGRESQL:
                    self._conn.execute("rollback")
                else:
                    self._conn.rollback()
            raise
        self._depth -= 1
        with _mapped_errors():
            if self.dialect == POSTGRESQL:
                self._conn.execute("commit")
            else:
                self._conn.commit()

    def _autocommit(self) -> None:
        if self.dialect == REDSHIFT and not self._depth:
            self._conn.commit()

    @contextlib.contextmanager
    def _statement(self) -> Iterator[None]:
        """Maps errors; outside a transaction on Redshift (the driver opens one implicitly)
        a failed statement is rolled back so the connection stays usable."""
        try:
            with _mapped_errors():
                yield
        except WarehouseError:
            if self.dialect == REDSHIFT and not self._depth:
                with contextlib.suppress(Exception):
                    self._conn.rollback()
            raise

    # -- statements --------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement; returns the affected row count (-1 when unknown)."""
        with self._statement():
            cursor = self._conn.cursor()
            try:
                cursor.execute(sql, params)
                count = cursor.rowcount
            finally:
                cursor.close()
            self._autocommit()
        return count

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        with self._statement():
            cursor = self._conn.cursor()
            try:
                cursor.execute(sql, params)
                columns = _column_names(cursor.description)
                rows = [Row(row, columns) for row in cursor.fetchall()]
            finally:
                cursor.close()
            self._autocommit()
        return rows

    def call(self, procedure: str, *args: Any) -> Row | None:
        """CALL schema.procedure(args); pass None for INOUT arguments. Returns the row of
        INOUT values when the procedure has any."""
        if not _PROCEDURE_NAME.match(procedure):
            raise WarehouseDataError(f"not a procedure name: {procedure!r}")
        placeholders = ", ".join(["%s"] * len(args))
        with self._statement():
            cursor = self._conn.cursor()
            try:
                cursor.execute(f"call {procedure}({placeholders})", list(args))
                row = cursor.fetchone() if cursor.description else None
                columns = _column_names(cursor.description)
            finally:
                cursor.close()
            self._autocommit()
        return Row(row, columns) if row is not None else None

    def execute_script(self, script: str) -> int:
        """Run a Redshift-dialect script statement by statement (translated on PostgreSQL);
        returns the number of statements."""
        if self.dialect == POSTGRESQL:
            script = to_postgres(script)
        statements = split_statements(script)
        for statement in statements:
            self.execute(statement)
        return len(statements)

    # -- bulk data ---------------------------------------------------------------------
    def copy_manifest(self, table: str, manifest_url: str, *, iam_role: str | None = None) -> int:
        """COPY the Parquet files of a Redshift manifest into ``table``; returns rows loaded.
        Columns map by position, as Redshift's COPY ... FORMAT AS PARQUET does."""
        with self._statement():
            if self.dialect == REDSHIFT:
                self.execute(bulk.redshift_copy_sql(table, manifest_url, iam_role))
                return int(self.query("select pg_last_copy_count()")[0][0])
            count = bulk.copy_manifest_postgres(self._conn, table, manifest_url)
            self._autocommit()
            return count

    def unload(self, select_sql: str, target_prefix: str, *, iam_role: str | None = None) -> int:
        """Write the rows of ``select_sql`` as Parquet under ``target_prefix``; returns rows."""
        with self._statement():
            if self.dialect == REDSHIFT:
                self.execute(bulk.redshift_unload_sql(select_sql, target_prefix, iam_role))
                return int(self.query("select pg_last_unload_count()")[0][0])
            return bulk.unload_postgres(self._conn, select_sql, target_prefix)

    # -- the PostgreSQL stand-in's administration (local estate, tests, bench) ----------
    def _postgres_only(self, what: str) -> None:
        if self.dialect != POSTGRESQL:
            raise WarehouseDataError(f"{what} is for the local PostgreSQL stand-in only")

    def ensure_database(self, name: str) -> bool:
        """CREATE DATABASE ``name`` unless it exists (outside any transaction); True when
        created."""
        self._postgres_only("ensure_database")
        from psycopg import sql

        if self.query("select 1 from pg_database where datname = %s", [name]):
            return False
        self.execute(sql.SQL("create database {}").format(sql.Identifier(name)).as_string(None))
        return True

    def drop_database(self, name: str) -> None:
        """DROP DATABASE ``name`` if it exists, disconnecting its sessions."""
        self._postgres_only("drop_database")
        from psycopg import sql

        statement = sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        self.execute(statement.as_string(None))

    def copy_csv(self, table: str, payload: bytes) -> None:
        """COPY headerless CSV bytes into ``table`` through COPY FROM STDIN (the bench's raw
        limit of the stand-in; the load itself uses :meth:`copy_manifest`)."""
        self._postgres_only("copy_csv")
        from psycopg import sql

        statement = sql.SQL("copy {} from stdin with (format csv)").format(
            sql.Identifier(*table.split("."))
        )
        with self._statement():
            cursor = self._conn.cursor()
            try:
                with cursor.copy(statement) as copy:
                    view = memoryview(payload)
                    for offset in range(0, len(view), 1 << 20):
                        copy.write(view[offset : offset + (1 << 20)])
            finally:
                cursor.close()
            self._autocommit()

    # -- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def connect(
    dsn: str | WarehouseLocation | None = None,
    *,
    statement_timeout_ms: int | None = None,
    connect_timeout_s: float = 10,
) -> Warehouse:
    """Connect to the warehouse that :func:`warehouse_seam.location.resolve` names for ``dsn``.
    ``statement_timeout_ms`` (else ``WAREHOUSE_STATEMENT_TIMEOUT_MS``) bounds every statement
    of the session."""
    location = resolve(dsn)
    if statement_timeout_ms is None and os.environ.get("WAREHOUSE_STATEMENT_TIMEOUT_MS"):
        statement_timeout_ms = int(os.environ["WAREHOUSE_STATEMENT_TIMEOUT_MS"])
    if location.dialect == POSTGRESQL:
        assert location.dsn is not None
        return _connect_postgres(location.dsn, statement_timeout_ms, connect_timeout_s)
    from warehouse_seam.redshift import connect_redshift

    with _mapped_errors():
        conn = connect_redshift(location.dsn)
        warehouse = Warehouse(conn, REDSHIFT)
        if statement_timeout_ms:
            warehouse.execute(f"set statement_timeout to {int(statement_timeout_ms)}")
    return warehouse


def _connect_postgres(
    dsn: str, statement_timeout_ms: int | None, connect_timeout_s: float
) -> Warehouse:
    import psycopg

    options = "-c timezone=UTC"
    if statement_timeout_ms:
        options += f" -c statement_timeout={int(statement_timeout_ms)}"
    with _mapped_errors():
        conn = psycopg.connect(
            dsn,
            autocommit=True,
            connect_timeout=max(1, round(connect_timeout_s)),
            options=options,
            application_name="healthetl",
        )
    # Surface RAISE INFO from procedures in our logs rather than dropping them.
    conn.add_notice_handler(lambda diag: log.debug("warehouse: %s", diag.message_primary))
    return Warehouse(conn, POSTGRESQL)
