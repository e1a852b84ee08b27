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
    "healthetl.spark_local.cli",
    "healthetl.pipeline.cli",
    "healthetl.bench.cli",
)


class BrokenInstallError(RuntimeError):
    """A command area's package is missing or fails to import."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="healthetl", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in AREAS:
        # Every area is part of the product: one that fails to import fails the CLI, loudly,
        # rather than leaving its commands silently missing from --help.
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise BrokenInstallError(
                f"healthetl: the command area {module_name} cannot be imported ({exc});"
                " the installation is incomplete: run `make setup`"
            ) from exc
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
    except BrokenInstallError as exc:
        print(exc, file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
