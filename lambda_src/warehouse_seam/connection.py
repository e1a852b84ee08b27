"""Connecting to the warehouse and running SQL in transactions owned by the caller.

``connect()`` picks the driver from the DSN: ``postgresql://`` -> psycopg 3 (the local
stand-in); ``redshift://`` or the ``WAREHOUSE_*`` environment -> redshift_connector (Amazon
Redshift, provisioned or Serverless, with IAM or a Secrets Manager secret). Every driver or
socket error leaves this module as ``WarehouseTransientError`` or ``WarehouseDataError``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any

from warehouse_seam import bulk
from warehouse_seam.errors import WarehouseDataError, WarehouseError, classify
from warehouse_seam.statements import split_statements
from warehouse_seam.translate import to_postgres

log = logging.getLogger(__name__)

POSTGRESQL = "postgresql"
REDSHIFT = "redshift"
_PROCEDURE_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except WarehouseError:
        raise
    except Exception as exc:
        raise classify(exc) from exc


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

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self._statement():
            cursor = self._conn.cursor()
            try:
                cursor.execute(sql, params)
                rows = [tuple(row) for row in cursor.fetchall()]
            finally:
                cursor.close()
            self._autocommit()
        return rows

    def call(self, procedure: str, *args: Any) -> tuple[Any, ...] | None:
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
            finally:
                cursor.close()
            self._autocommit()
        return tuple(row) if row is not None else None

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

    # -- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def connect(dsn: str | None = None, *, statement_timeout_ms: int | None = None) -> Warehouse:
    """Connect to the warehouse named by ``dsn``, else ``WAREHOUSE_DSN``, else the
    ``WAREHOUSE_HOST`` ... environment (Redshift). ``statement_timeout_ms`` (else
    ``WAREHOUSE_STATEMENT_TIMEOUT_MS``) bounds every statement of the session."""
    dsn = dsn or os.environ.get("WAREHOUSE_DSN")
    if statement_timeout_ms is None and os.environ.get("WAREHOUSE_STATEMENT_TIMEOUT_MS"):
        statement_timeout_ms = int(os.environ["WAREHOUSE_STATEMENT_TIMEOUT_MS"])
    if dsn and dsn.startswith(("postgresql://", "postgres://")):
        return _connect_postgres(dsn, statement_timeout_ms)
    if (dsn and dsn.startswith("redshift://")) or (not dsn and os.environ.get("WAREHOUSE_HOST")):
        from warehouse_seam.redshift import connect_redshift

        with _mapped_errors():
            conn = connect_redshift(dsn)
            warehouse = Warehouse(conn, REDSHIFT)
            if statement_timeout_ms:
                warehouse.execute(f"set statement_timeout to {int(statement_timeout_ms)}")
        return warehouse
    raise WarehouseDataError(
        "no warehouse configured: pass a DSN or set WAREHOUSE_DSN (postgresql://… or "
        "redshift://…) or WAREHOUSE_HOST"
    )


def _connect_postgres(dsn: str, statement_timeout_ms: int | None) -> Warehouse:
    import psycopg

    options = "-c timezone=UTC"
    if statement_timeout_ms:
        options += f" -c statement_timeout={int(statement_timeout_ms)}"
    with _mapped_errors():
        conn = psycopg.connect(
            dsn,
            autocommit=True,
            connect_timeout=10,
            options=options,
            application_name="healthetl",
        )
    # Surface RAISE INFO from procedures in our logs rather than dropping them.
    conn.add_notice_handler(lambda diag: log.debug("warehouse: %s", diag.message_primary))
    return Warehouse(conn, POSTGRESQL)
