"""`healthetl source …`: generate, seed, change and spoil the source table.

Table name: `--table`, else `<project>-<env>-treatments` from facts/resources.json with env from
`HCA_ENV` (default `local`). The DynamoDB endpoint comes from the standard AWS variables.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from healthetl.source import bad_items, changes, generator, loader, table
from healthetl.source.world import World


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("source", help="the DynamoDB source: generate, seed, changes")
    commands = parser.add_subparsers(dest="source_command", required=True)

    gen = commands.add_parser("generate", help="write the canonical item stream (or its hash)")
    _world_args(gen)
    gen.add_argument("--out", type=Path, help="write canonical JSON lines here ('-' = stdout)")
    gen.set_defaults(func=_generate)

    seed = commands.add_parser("seed", help="create the table if missing and load N items")
    _world_args(seed)
    _table_args(seed)
    seed.add_argument("--workers", type=int, default=loader.DEFAULT_WORKERS)
    seed.set_defaults(func=_seed)

    change = commands.add_parser("changes", help="apply one deterministic round of ~1 %% changes")
    _world_args(change, n_default=None)
    _table_args(change)
    change.add_argument("--round", type=int, help="round number (default: last applied + 1)")
    change.add_argument("--at", help="change time YYYY-MM-DDTHH:MM:SSZ (default: now, UTC)")
    change.set_defaults(func=_changes)

    bad = commands.add_parser("bad-items", help="write items breaking each rule + a sidecar")
    _table_args(bad)
    bad.add_argument(
        "--sidecar",
        type=Path,
        help="where to write the expected rules (default: <estate dir>/source/bad_items.json)",
    )
    bad.set_defaults(func=_bad_items)

    create = commands.add_parser("create-table", help="create the source table if missing")
    _table_args(create)
    create.set_defaults(func=_create_table)


def _world_args(
    parser: argparse.ArgumentParser, n_default: int | None = generator.DEFAULT_N
) -> None:
    parser.add_argument("--seed", type=int, default=None, help=f"default {generator.DEFAULT_SEED}")
    parser.add_argument("--n", type=int, default=n_default, help="number of generated items")


def _table_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", help="table name (default: from estate facts and HCA_ENV)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def use_estate_unless_configured() -> None:
    """Point boto3 at the local estate (started if needed) unless an endpoint is chosen already
    (`AWS_ENDPOINT_URL[_DYNAMODB]`) or `HCA_EXTERNAL_AWS` says to use the environment as is."""
    if os.environ.get("HCA_EXTERNAL_AWS") or any(
        os.environ.get(key) for key in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
    ):
        return
    from healthetl.estate import EstateConfig, client_environment, up

    for key, value in client_environment(up(EstateConfig.from_env())).items():
        os.environ.setdefault(key, value)


def state_path() -> Path:
    return table.runtime_dir() / "source" / "state.json"


def read_state(table_name: str) -> dict[str, Any]:
    path = state_path()
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get(table_name, {})


def write_state(table_name: str, state: dict[str, Any]) -> None:
    path = state_path()
    everything = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    everything[table_name] = state
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(everything, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def _generate(args: argparse.Namespace) -> int:
    seed = generator.DEFAULT_SEED if args.seed is None else args.seed
    started = time.perf_counter()
    items = generator.iter_items(seed, args.n, World(seed, args.n))
    if args.out is None:
        digest = generator.stream_sha256(items)
        seconds = time.perf_counter() - started
        print(f"sha256 {digest}  n={args.n} seed={seed}")
        print(f"generated + serialised {args.n / seconds:,.0f} items/s ({seconds:.2f} s)")
        return 0
    out = sys.stdout.buffer if str(args.out) == "-" else args.out.open("wb")
    try:
        for item in items:
            out.write(generator.canonical_bytes(item))
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    return 0


def _seed(args: argparse.Namespace) -> int:
    use_estate_unless_configured()
    seed = generator.DEFAULT_SEED if args.seed is None else args.seed
    name = args.table or table.table_name()
    table.ensure_table(name)
    items = generator.iter_items(seed, args.n, World(seed, args.n))
    result = loader.load_items(
        items,
        name,
        total=args.n,
        workers=args.workers,
        show_progress=not args.no_progress,
        description=f"seeding {name}",
    )
    write_state(name, {**read_state(name), "seed": seed, "n": args.n})
    print(
        f"loaded {result.items:,} items into {name} in {result.seconds:.1f} s: "
        f"{result.items_per_second:,.0f} items/s ({result.requests} requests, "
        f"{result.retried_items} items retried)"
    )
    return 0


def _changes(args: argparse.Namespace) -> int:
    use_estate_unless_configured()
    name = args.table or table.table_name()
    state = read_state(name)
    seed = args.seed if args.seed is not None else state.get("seed", generator.DEFAULT_SEED)
    n = args.n or state.get("n")
    if not n:
        print(f"no recorded N for {name}: seed it first or pass --n", file=sys.stderr)
        return 2
    round_no = args.round or state.get("last_round", 0) + 1
    at = args.at or loader.utc_now_text()
    client = loader.dynamodb_client()
    plan = changes.plan_round(seed, n, round_no)
    current = changes.fetch_items(client, name, plan.changed_ids)
    result = changes.build_round(seed, n, round_no, current, at)
    written = loader.load_items(
        result.items, name, total=len(result.items), show_progress=not args.no_progress,
        description=f"round {round_no}",
    )  # fmt: skip
    write_state(
        name,
        {**state, "seed": seed, "n": n, "last_round": max(round_no, state.get("last_round", 0))},
    )
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(result.kinds.items()))
    print(
        f"round {round_no} on {name} at {at}: {written.items} items written ({kinds}; "
        f"{len(result.missing_ids)} picked ids absent)"
    )
    return 0


def _bad_items(args: argparse.Namespace) -> int:
    use_estate_unless_configured()
    name = args.table or table.table_name()
    sidecar_path = args.sidecar or table.runtime_dir() / "source" / "bad_items.json"
    table.ensure_table(name)
    built = bad_items.build_bad_items()
    loader.load_items([item for item, _ in built], name, total=len(built), show_progress=False)
    bad_items.write_sidecar(sidecar_path, bad_items.sidecar(built, name))
    invalid = sum(1 for _, case in built if case.rules)
    print(
        f"wrote {invalid} invalid items and {len(built) - invalid} valid edge cases to {name}; "
        f"expected rules in {sidecar_path}"
    )
    return 0


def _create_table(args: argparse.Namespace) -> int:
    use_estate_unless_configured()
    name = args.table or table.table_name()
    table.ensure_table(name)
    print(f"table {name} exists")
    return 0
