"""`healthetl` command line: one sub-command group per area of the product.

Each area module exposes ``register(subparsers)`` that adds its commands; a command's handler is
stored as ``func`` on the parsed namespace and returns a process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Area modules, in the order they appear in --help.
AREAS: tuple[str, ...] = (
    "healthetl.estate.cli",
    "healthetl.migrate",
    "healthetl.sql_lint",
    "healthetl.source.cli",
    "treatment_jobs.cli",
    "healthetl.pipeline_cli",
    "healthetl.bench.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="healthetl", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in AREAS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # An area not built yet is simply absent from the CLI; a broken import is not hidden.
            if exc.name is not None and module_name.startswith(exc.name):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
