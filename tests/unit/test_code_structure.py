"""The code's structure: no import cycles between the project's modules, the package Glue runs
holds no local-only tooling, and a missing command area fails the CLI loudly."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthetl import REPO_ROOT, cli

pytestmark = pytest.mark.unit

# Where each top-level package lives (pyproject's package roots).
PACKAGE_ROOTS = (REPO_ROOT / "src", REPO_ROOT / "lambda_src", REPO_ROOT / "spark")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in PACKAGE_ROOTS:
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts and (root / parts[0] / "__init__.py").exists():
                found[".".join(parts)] = path
    return found


def _imported(path: Path, module: str, known: set[str]) -> Iterator[str]:
    """Every project module ``module`` imports, at any depth of its code (lazy imports
    inside functions and TYPE_CHECKING blocks included: they are cycles all the same)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
            names = [name if name in known else base for name in names]
        else:
            continue
        yield from (name for name in names if name in known and name != module)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {name: set(_imported(path, name, known)) for name, path in modules.items()}
    # A package's __init__ re-exporting its own submodules is the usual facade, not a cycle
    # of meaning: leave out edges from a package to its own submodules.
    for name in graph:
        graph[name] = {dep for dep in graph[name] if not dep.startswith(f"{name}.")}
    return graph


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_between_project_modules() -> None:
    assert _cycles(_graph()) == []


def test_the_glue_package_imports_nothing_local_only() -> None:
    """treatment_jobs is what Glue runs: it imports neither the operator package nor the local
    Spark tooling (the class archive lives in healthetl.spark_local)."""
    graph = _graph()
    offenders = {
        (name, dep)
        for name, deps in graph.items()
        if name.startswith("treatment_jobs")
        for dep in deps
        if dep.startswith("healthetl")
    }
    assert offenders == set()
    assert not (REPO_ROOT / "spark" / "treatment_jobs" / "class_archive.py").exists()


def test_a_missing_command_area_fails_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "AREAS", (*cli.AREAS, "healthetl.no_such_area"))
    assert cli.main(["--help"]) == 1
    assert "healthetl.no_such_area cannot be imported" in capsys.readouterr().err


DRIVERS = ("psycopg", "psycopg2", "redshift_connector")


def test_nothing_outside_the_seam_imports_a_database_driver() -> None:
    offenders = []
    for root in PACKAGE_ROOTS:
        for path in root.rglob("*.py"):
            if "warehouse_seam" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = (
                    [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                offenders += [
                    f"{path.relative_to(REPO_ROOT)}: {name}"
                    for name in names
                    if name.split(".")[0] in DRIVERS
                ]
    assert offenders == []


def test_only_the_seam_reads_where_the_warehouse_is() -> None:
    """WAREHOUSE_DSN / WAREHOUSE_HOST are read in warehouse_seam alone; the operator side
    asks it (healthetl.estate.warehouse) and only ever *sets* them for processes it starts."""
    read = re.compile(r"""(environ\.get\(|environ\[|getenv\()\s*["']WAREHOUSE_(DSN|HOST)["']""")
    readers = [
        f"{path.relative_to(REPO_ROOT)}: {match.group(0)}"
        for root in PACKAGE_ROOTS
        for path in root.rglob("*.py")
        if "warehouse_seam" not in path.parts
        for match in read.finditer(path.read_text())
    ]
    assert readers == []
