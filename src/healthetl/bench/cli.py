"""`healthetl bench [--n N ...] [--repeat K]`: the pipeline's per-stage figures on the local estate.

Each size runs in its own throw-away environment name (`HCA_ENV=bench<hex>`: its own source table,
buckets, Lambdas, state machine) and its own warehouse databases on the shared local PostgreSQL,
so a bench never disturbs the tests or the demo, and is removed afterwards unless `--keep`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from healthetl import REPO_ROOT

DEFAULT_SIZES = (59_452, 600_000)
DEFAULT_SIZES_TEXT = ", ".join(f"{n:,}" for n in DEFAULT_SIZES)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "bench",
        help="per-stage wall time, rows/s and peak RSS vs the limits (raw scan, raw COPY, direct)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--n",
        type=int,
        action="append",
        dest="sizes",
        metavar="N",
        help=f"source items; repeat for several sizes (default: {DEFAULT_SIZES_TEXT})",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="K",
        help="repetitions of the cheap limit measurements (raw scan, raw COPY); median reported",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=REPO_ROOT / "bench-results",
        help="where the JSON and Markdown results go (default: bench-results/)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the bench environment's table, buckets and databases afterwards",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from healthetl.bench.run import BenchOptions, run_bench

    options = BenchOptions(
        sizes=tuple(args.sizes or DEFAULT_SIZES),
        repeat=max(1, args.repeat),
        output_dir=args.output_dir,
        keep=args.keep,
    )
    return run_bench(options)
