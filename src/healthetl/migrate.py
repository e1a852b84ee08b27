"""`healthetl migrate`: versioned DDL and repeatable procedures, with Flyway's semantics.

- ``redshift/ddl/V<version>__<name>.sql`` run once each, in version order, checksummed; a
  file changed after it was applied is refused (write a new version instead), and so is a
  new version lower than one already applied;
- ``redshift/procedures/R__<name>.sql`` (and any ``R__`` file in ddl/) run after the
  versioned ones, again whenever their checksum changes;
- on PostgreSQL only, ``redshift/postgres_compat/*.sql`` run first (when changed), and every
  file is translated by the warehouse seam; Redshift gets the files as written;
- history in ``migrations.schema_history``; each file and its history row commit together.
Running it twice applies nothing the second time.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse_seam import POSTGRESQL, Warehouse, WarehouseError, connect

from healthetl import REPO_ROOT

SQL_ROOT = REPO_ROOT / "redshift"
HISTORY_TABLE = "migrations.schema_history"
_VERSIONED = re.compile(r"^V(\d+(?:_\d+)?)__(.+)\.sql$")
_REPEATABLE = re.compile(r"^R__(.+)\.sql$")

HISTORY_DDL = (
    "create schema if not exists migrations",
    f"""create table if not exists {HISTORY_TABLE} (
        installed_rank integer not null,
        version varchar(16),
        description varchar(256) not null,
        type varchar(16) not null,
        script varchar(256) not null,
        checksum varchar(64) not null,
        installed_by varchar(128),
        installed_on timestamp not null,
        execution_time_ms integer not null,
        success boolean not null
    )""",
)


class MigrationError(Exception):
    """The migrations on disk and the history disagree; nothing was applied."""


@dataclass(frozen=True)
class Migration:
    kind: str  # "C" compat (PostgreSQL only), "V" versioned, "R" repeatable
    version: str | None
    description: str
    script: str  # path relative to the SQL root
    checksum: str
    text: str

    @property
    def label(self) -> str:
        return f"V{self.version}" if self.version else self.kind

    @property
    def version_key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in (self.version or "0").split("_"))


def _load(path: Path, root: Path, kind: str, version: str | None, description: str) -> Migration:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    checksum = hashlib.sha256(text.encode()).hexdigest()
    return Migration(kind, version, description, str(path.relative_to(root)), checksum, text)


def discover(root: Path, dialect: str) -> list[Migration]:
    """Every migration under ``root`` in the order it would run."""
    compat: list[Migration] = []
    if dialect == POSTGRESQL:
        for path in sorted((root / "postgres_compat").glob("*.sql")):
            compat.append(_load(path, root, "C", None, path.stem))
    versioned: list[Migration] = []
    repeatable: list[Migration] = []
    for path in sorted(root.glob("*/*.sql")):
        if path.parent.name == "postgres_compat":
            continue
        if match := _VERSIONED.match(path.name):
            versioned.append(_load(path, root, "V", match.group(1), match.group(2)))
        elif match := _REPEATABLE.match(path.name):
            repeatable.append(_load(path, root, "R", None, match.group(1)))
    versioned.sort(key=lambda m: m.version_key)
    seen: dict[tuple[int, ...], str] = {}
    for m in versioned:
        if m.version_key in seen:
            raise MigrationError(
                f"two files have version {m.version}: {seen[m.version_key]}, {m.script}"
            )
        seen[m.version_key] = m.script
    repeatable.sort(key=lambda m: m.description)
    return compat + versioned + repeatable


def _history(wh: Warehouse, *, create: bool = True) -> list[tuple]:
    exists = wh.query(
        "select count(*) from information_schema.tables "
        "where table_schema = 'migrations' and table_name = 'schema_history'"
    )[0][0]
    if not exists:
        if not create:
            return []
        for statement in HISTORY_DDL:
            wh.execute(statement)
    return wh.query(
        f"select installed_rank, version, script, checksum, type from {HISTORY_TABLE} "
        "where success order by installed_rank"
    )


def pending(
    wh: Warehouse, migrations: list[Migration], *, create_history: bool = True
) -> list[Migration]:
    """What must run, in order; raises MigrationError when an applied V file changed."""
    history = _history(wh, create=create_history)
    applied_versions = {row[1]: row for row in history if row[4] == "V"}
    latest_checksum = {row[2]: row[3] for row in history if row[4] in {"R", "C"}}
    max_applied = max((tuple(int(p) for p in v.split("_")) for v in applied_versions), default=())
    todo: list[Migration] = []
    for m in migrations:
        if m.kind == "V":
            row = applied_versions.get(m.version)
            if row is not None:
                if row[3] != m.checksum:
                    raise MigrationError(
                        f"{m.script} was changed after it was applied (checksum "
                        f"{row[3][:12]}… in history, {m.checksum[:12]}… on disk). Applied "
                        "versioned migrations are immutable: restore the file and add a "
                        "new V file with the change."
                    )
                continue
            if max_applied and m.version_key < max_applied:
                raise MigrationError(
                    f"{m.script} is older than the newest applied version; renumber it "
                    "after the applied ones"
                )
            todo.append(m)
        elif latest_checksum.get(m.script) != m.checksum:
            todo.append(m)
    return todo


def apply(wh: Warehouse, migration: Migration) -> int:
    """Run one migration and record it in the same transaction; returns milliseconds."""
    began = time.monotonic()
    with wh.transaction():
        wh.execute_script(migration.text)
        elapsed_ms = int((time.monotonic() - began) * 1000)
        rank = wh.query(f"select coalesce(max(installed_rank), 0) + 1 from {HISTORY_TABLE}")[0][0]
        wh.execute(
            f"insert into {HISTORY_TABLE} (installed_rank, version, description, type, script, "
            "checksum, installed_by, installed_on, execution_time_ms, success) "
            "values (%s, %s, %s, %s, %s, %s, current_user, %s, %s, true)",
            [
                rank,
                migration.version,
                migration.description,
                migration.kind,
                migration.script,
                migration.checksum,
                datetime.now(UTC).replace(tzinfo=None),
                elapsed_ms,
            ],
        )
    return elapsed_ms


def migrate(
    wh: Warehouse,
    root: Path = SQL_ROOT,
    *,
    plan_only: bool = False,
    out: Callable[[str], None] = print,
) -> list[Migration]:
    """Apply (or with ``plan_only`` list) what is pending; returns those migrations."""
    todo = pending(wh, discover(root, wh.dialect), create_history=not plan_only)
    if not todo:
        out("warehouse is up to date: nothing to apply")
        return []
    for m in todo:
        if plan_only:
            out(f"would apply {m.label:<6} {m.script}")
            continue
        elapsed_ms = apply(wh, m)
        out(f"applied {m.label:<6} {m.script} ({elapsed_ms} ms)")
    return todo


def run(args: argparse.Namespace) -> int:
    from healthetl.estate.warehouse import warehouse_location

    try:
        location = warehouse_location(args.dsn)
        with connect(location) as wh:
            print(f"target: {location}")
            migrate(wh, Path(args.sql_dir), plan_only=args.plan)
    except (MigrationError, WarehouseError) as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="apply versioned DDL and repeatable procedures to the warehouse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--dsn",
        help="postgresql://… or redshift://… (default: WAREHOUSE_DSN, else the local estate)",
    )
    parser.add_argument("--plan", action="store_true", help="list what would run; change nothing")
    parser.add_argument("--sql-dir", default=str(SQL_ROOT), help=argparse.SUPPRESS)
    parser.set_defaults(func=run)
