"""Launcher of the estate's AWS endpoint: moto's server with our hooks installed first.

``python -m healthetl.estate.aws_server --port 4566 --cache-dir DIR [--dynamodb-endpoint URL]``
binds 127.0.0.1 only. See :mod:`healthetl.estate.moto_hooks` for what differs from moto.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from healthetl.estate import moto_hooks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--dynamodb-endpoint", default=None)
    args = parser.parse_args(argv)
    moto_hooks.install(
        port=args.port, cache_dir=args.cache_dir, dynamodb_endpoint=args.dynamodb_endpoint
    )
    from moto.server import main as moto_main

    moto_main(["--host", "127.0.0.1", "--port", str(args.port)])


if __name__ == "__main__":
    main()
