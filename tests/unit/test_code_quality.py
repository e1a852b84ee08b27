"""The repository's own quality gates, so `make test` fails on what `make lint` would."""

import subprocess
import sys
from pathlib import Path

import pytest

from healthetl import REPO_ROOT
from healthetl.cli import build_parser

pytestmark = pytest.mark.unit

BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlfluff_redshift_dialect_finds_nothing() -> None:
    result = _run(str(BIN / "sqlfluff"), "lint", "redshift/ddl", "redshift/procedures", "-p", "2")
    assert result.returncode == 0, result.stdout + result.stderr


def test_redshift_rules_hold_inside_procedure_bodies() -> None:
    result = _run(str(BIN / "healthetl"), "sql-lint", "redshift")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_cli_area_imports() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for expected in ("estate", "migrate", "source", "spark", "demo", "replay", "bench"):
        assert expected in commands
