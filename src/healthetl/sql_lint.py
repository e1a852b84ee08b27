"""`healthetl sql-lint`: the Redshift rules sqlfluff cannot check.

sqlfluff parses our DDL but treats a procedure body ($$ … $$) as one string, and PostgreSQL
(where the tests run) accepts forms Redshift rejects. This check reads every SQL file,
procedure bodies included, with string literals and comments blanked out, and fails on:

- constructs PostgreSQL accepts but Redshift rejects: a MERGE target alias, ``WHEN MATCHED
  AND …``, more than one ``WHEN MATCHED`` clause, ``DO NOTHING``, ``RETURNING``;
- Redshift-only constructs the warehouse seam's translator does not handle: ``TOP``,
  ``QUALIFY``;
- inside procedures: ``COMMIT``, ``ROLLBACK``, ``TRUNCATE``, an ``EXCEPTION`` block (the
  caller owns the transaction; contracts/pipeline.md). ``RAISE EXCEPTION`` is allowed;
- scalar SQL UDFs (``create function … language sql``): a name without Redshift's reserved
  ``f_`` prefix, and a SELECT clause with FROM, INTO, WHERE, GROUP BY, ORDER BY or LIMIT
  (Redshift rejects those in a SQL UDF; PostgreSQL accepts them).

``redshift/postgres_compat/`` (PostgreSQL only) is not checked.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from healthetl import REPO_ROOT

_I = re.IGNORECASE
_MASK = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)
_PROCEDURE = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?procedure\b.*?\bas\s+(\$\w*\$)(.*?)\1", re.DOTALL | _I
)
_SQL_FUNCTION = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?function\s+(?:[\w\"]+\.)?([\w\"]+)\s*\("
    r".*?\bas\s+(\$\w*\$)(.*?)\2\s*language\s+sql\b",
    re.DOTALL | _I,
)
_MERGE = re.compile(r"\bmerge\s+into\b.*?(?:;|\Z)", re.DOTALL | _I)
_MERGE_ALIAS = re.compile(r"\bmerge\s+into\s+[\w.\"]+\s+(?:as\s+)?(?!using\b)\w+\s+using\b", _I)
_WHEN_MATCHED = re.compile(r"\bwhen\s+matched\b", _I)

RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("RS01", _MERGE_ALIAS, "MERGE target alias (Redshift rejects it; name the table)"),
    ("RS02", re.compile(r"\bwhen\s+matched\s+and\b", _I), "WHEN MATCHED AND … (Redshift rejects)"),
    ("RS04", re.compile(r"\bdo\s+nothing\b", _I), "DO NOTHING (not Redshift)"),
    ("RS05", re.compile(r"\breturning\b", _I), "RETURNING (not Redshift)"),
    (
        "RS06",
        re.compile(r"\btop\s+\d+", _I),
        "TOP n (the translator does not handle it; use LIMIT)",
    ),
    ("RS07", re.compile(r"\bqualify\b", _I), "QUALIFY (the translator does not handle it)"),
)
PROCEDURE_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("RS11", re.compile(r"\bcommit\b", _I), "COMMIT in a procedure (the caller owns it)"),
    ("RS12", re.compile(r"\brollback\b", _I), "ROLLBACK in a procedure (the caller owns it)"),
    ("RS13", re.compile(r"\btruncate\b", _I), "TRUNCATE in a procedure (commits on Redshift)"),
    (
        "RS14",
        re.compile(r"(?<![\w$])(?<!raise )(?<!raise\t)exception\b", _I),
        "EXCEPTION block in a procedure (semantics differ; let errors propagate)",
    ),
)

SQL_FUNCTION_BODY_RULE = (
    "RS16",
    re.compile(r"\b(?:from|into|where|group\s+by|order\s+by|limit)\b", _I),
    "FROM/INTO/WHERE/GROUP BY/ORDER BY/LIMIT in a SQL UDF (Redshift allows a bare SELECT)",
)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    column: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def lint_text(sql: str, path: str = "<sql>") -> list[Violation]:
    masked = _MASK.sub(_blank, sql)
    found: list[tuple[int, str, str]] = []
    for code, pattern, message in RULES:
        found += [(m.start(), code, message) for m in pattern.finditer(masked)]
    for merge in _MERGE.finditer(masked):
        clauses = list(_WHEN_MATCHED.finditer(merge.group(0)))
        if len(clauses) > 1:
            offset = merge.start() + clauses[1].start()
            found.append(
                (offset, "RS03", "more than one WHEN MATCHED clause (Redshift allows one)")
            )
    for procedure in _PROCEDURE.finditer(masked):
        body, start = procedure.group(2), procedure.start(2)
        for code, pattern, message in PROCEDURE_RULES:
            found += [(start + m.start(), code, message) for m in pattern.finditer(body)]
    for function in _SQL_FUNCTION.finditer(masked):
        if not function.group(1).strip('"').lower().startswith("f_"):
            found.append((function.start(1), "RS15", "SQL UDF name without the f_ prefix"))
        code, pattern, message = SQL_FUNCTION_BODY_RULE
        body, start = function.group(3), function.start(3)
        found += [(start + m.start(), code, message) for m in pattern.finditer(body)]
    violations = []
    for offset, code, message in sorted(found):
        line, column = _position(sql, offset)
        violations.append(Violation(path, line, column, code, message))
    return violations


def sql_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        candidates = sorted(path.rglob("*.sql")) if path.is_dir() else [path]
        files += [p for p in candidates if "postgres_compat" not in p.parts]
    return files


def lint_paths(paths: Iterable[Path]) -> list[Violation]:
    violations: list[Violation] = []
    for file in sql_files(paths):
        violations += lint_text(file.read_text(encoding="utf-8"), str(file))
    return violations


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or [REPO_ROOT / "redshift"]
    files = sql_files(paths)
    violations = lint_paths(paths)
    for violation in violations:
        print(violation)
    print(f"sql-lint: {len(files)} files, {len(violations)} violations")
    return 1 if violations or not files else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sql-lint",
        help="Redshift rules over all SQL, procedure bodies included",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", help="files or folders (default: redshift/)")
    parser.set_defaults(func=run)
