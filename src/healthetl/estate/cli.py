"""``healthetl estate up|down|status [--json]``: the local estate from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time

from healthetl.estate import manager
from healthetl.estate.client import client_environment
from healthetl.estate.config import EstateConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "estate", help="the local estate: AWS endpoint, DynamoDB, PostgreSQL"
    )
    commands = parser.add_subparsers(dest="estate_command", required=True)
    up = commands.add_parser("up", help="start what is not running (background, 127.0.0.1)")
    up.set_defaults(func=_up)
    down = commands.add_parser("down", help="stop what `estate up` started, by pid")
    down.set_defaults(func=_down)
    status = commands.add_parser("status", help="each component's endpoint, pid, health")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=_status)


def _up(args: argparse.Namespace) -> int:
    config = EstateConfig.from_env()
    began = time.monotonic()
    try:
        endpoints = manager.up(config)
    except manager.EstateError as exc:
        print(f"estate up failed: {exc}")
        return 1
    started = ", ".join(endpoints.started) or "nothing (all running)"
    print(f"estate up: started {started} in {time.monotonic() - began:.1f}s ({config.runtime_dir})")
    _print_status(config)
    return 0


def _down(args: argparse.Namespace) -> int:
    stopped = manager.down(EstateConfig.from_env())
    print(f"estate down: stopped {', '.join(stopped) or 'nothing (none was running)'}")
    return 0


def _status(args: argparse.Namespace) -> int:
    config = EstateConfig.from_env()
    if args.json:
        print(json.dumps(manager.status_dict(config), indent=2))
        return 0
    return 0 if _print_status(config) else 1


def _print_status(config: EstateConfig) -> bool:
    components = manager.status(config)
    print(f"{'component':<10} {'endpoint':<46} {'pid':>7} {'health':<8} {'rss':>8}  owner")
    for c in components:
        health = "ok" if c.healthy else ("down" if not c.running else "unhealthy")
        rss = f"{c.rss_kib // 1024} MB" if c.rss_kib else "-"
        pid, owner = c.pid or "-", c.owner or "-"
        print(f"{c.name:<10} {c.endpoint:<46} {pid:>7} {health:<8} {rss:>8}  {owner}")
    print("\nexport these to point boto3 clients at the estate:")
    for key, value in client_environment(manager.endpoints(config)).items():
        print(f"  export {key}={value}")
    print(f"\nwarehouse DSN: {manager.endpoints(config).warehouse_dsn}")
    return all(c.healthy for c in components)


def main(argv: list[str] | None = None) -> int:
    """``python -m healthetl.estate.cli up|down|status``: the estate without the other areas."""
    parser = argparse.ArgumentParser(prog="healthetl-estate")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["estate", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
