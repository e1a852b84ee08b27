"""Start, stop and inspect the local estate: AWS endpoint (moto + hooks), dynalite, PostgreSQL.

Every start and stop runs under one file lock per estate folder, so concurrent callers (several
test sessions, ``make up``) never start a component twice. Each component records who started
it (``cli`` or ``tests``); test sessions hold *leases* so that the last session to finish stops
what test sessions started, and never what ``make up`` started.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from healthetl.estate import postgres, processes
from healthetl.estate.client import EstateEndpoints, client_environment
from healthetl.estate.components import (
    Component,
    answers_http,
    aws_component,
    dynamodb_component,
    dynamodb_installed,
    server_environment,
)
from healthetl.estate.config import EstateConfig

READY_TIMEOUT_SECONDS = {"aws": 90.0, "dynamodb": 30.0}
COMPONENT_NAMES = ("aws", "dynamodb", "postgres")


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    endpoint: str
    pid: int | None
    running: bool
    healthy: bool
    owner: str | None
    rss_kib: int | None


class EstateError(RuntimeError):
    pass


def _components(config: EstateConfig) -> list[Component]:
    return [dynamodb_component(config), aws_component(config)]


@contextlib.contextmanager
def _lock(config: EstateConfig) -> Iterator[None]:
    config.run_dir.mkdir(parents=True, exist_ok=True)
    with (config.run_dir / "estate.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pg_owner_file(config: EstateConfig) -> Path:
    return config.run_dir / "postgres.owner"


def endpoints(config: EstateConfig, started: tuple[str, ...] = ()) -> EstateEndpoints:
    instance = postgres.PostgresInstance(config.pg_data_dir, config.pg_port)
    return EstateEndpoints(
        aws=config.aws_endpoint,
        dynamodb=config.dynamodb_endpoint,
        warehouse_dsn=instance.dsn(),
        started=started,
    )


def up(config: EstateConfig | None = None, *, owner: str = "cli") -> EstateEndpoints:
    """Start every component that is not running (idempotent); wait until each answers."""
    config = config or EstateConfig.from_env()
    with _lock(config):
        return _up_locked(config, owner)


def _up_locked(config: EstateConfig, owner: str) -> EstateEndpoints:
    started: list[str] = []
    pending: list[tuple[Component, processes.PidRecord]] = []
    for component in _components(config):
        if processes.live_record(component.pid_file(config)) is not None:
            continue
        if answers_http(component.port):
            raise EstateError(
                f"port {component.port} is taken by a process this estate did not start; "
                f"set HCA_{'AWS' if component.name == 'aws' else 'DYNAMODB'}_PORT"
            )
        if component.name == "dynamodb" and not dynamodb_installed(config):
            raise EstateError(f"{config.dynamodb_server} is not installed: run `make system-deps`")
        record = processes.start_detached(
            component.command,
            pid_file=component.pid_file(config),
            log_file=component.log_file(config),
            marker=component.marker,
            owner=owner,
            env=server_environment(),
        )
        pending.append((component, record))
    # PostgreSQL starts while the servers above import and bind (moto needs a few seconds).
    with ThreadPoolExecutor(1) as pool:
        pg_start = pool.submit(postgres.ensure_running, config.pg_data_dir, config.pg_port)
        try:
            for component, record in pending:
                _wait_ready(config, component, record)
                started.append(component.name)
        finally:
            _, pg_started = pg_start.result()
            if pg_started:  # recorded even when another component failed: down must stop it
                _pg_owner_file(config).write_text(json.dumps({"owner": owner}))
    if pg_started:
        started.append("postgres")
    return endpoints(config, tuple(started))


def _wait_ready(config: EstateConfig, component: Component, record: processes.PidRecord) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS[component.name]
    delay = 0.05
    while time.monotonic() < deadline:
        if not processes.is_alive(record):
            break
        if answers_http(component.port):
            return
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)
    processes.stop(record)
    component.pid_file(config).unlink(missing_ok=True)
    log_tail = _tail(component.log_file(config))
    raise EstateError(f"{component.name} did not become ready on {component.endpoint}\n{log_tail}")


def down(config: EstateConfig | None = None, *, owner: str | None = None) -> list[str]:
    """Stop what ``up`` started (only what ``owner`` started, when given); returns the names."""
    config = config or EstateConfig.from_env()
    with _lock(config):
        return _down_locked(config, owner)


def _down_locked(config: EstateConfig, owner: str | None) -> list[str]:
    stopped: list[str] = []
    for component in reversed(_components(config)):
        record = processes.live_record(component.pid_file(config))
        if record is None or (owner is not None and record.owner != owner):
            continue
        processes.stop(record)
        component.pid_file(config).unlink(missing_ok=True)
        stopped.append(component.name)
    pg_owner = _read_owner(_pg_owner_file(config))
    if pg_owner is not None and (owner is None or pg_owner == owner):
        postgres.stop(config.pg_data_dir)
        _pg_owner_file(config).unlink(missing_ok=True)
        stopped.append("postgres")
    return stopped


def _read_owner(path: Path) -> str | None:
    try:
        return str(json.loads(path.read_text())["owner"])
    except (OSError, ValueError, KeyError):
        return None


def status(config: EstateConfig | None = None) -> list[ComponentStatus]:
    config = config or EstateConfig.from_env()
    result = []
    for component in _components(config):
        record = processes.live_record(component.pid_file(config))
        running = record is not None
        result.append(
            ComponentStatus(
                name=component.name,
                endpoint=component.endpoint,
                pid=record.pid if record else None,
                running=running,
                healthy=running and answers_http(component.port, timeout=5.0),
                owner=record.owner if record else None,
                rss_kib=processes.tree_rss_kib(record.pid) if record else None,
            )
        )
    pg_pid = _postmaster_pid(config.pg_data_dir)
    pg_healthy = pg_pid is not None and postgres.is_running(config.pg_data_dir, config.pg_port)
    result.append(
        ComponentStatus(
            name="postgres",
            endpoint=endpoints(config).warehouse_dsn,
            pid=pg_pid,
            running=pg_pid is not None,
            healthy=pg_healthy,
            owner=_read_owner(_pg_owner_file(config)),
            rss_kib=processes.tree_rss_kib(pg_pid) if pg_pid else None,
        )
    )
    return result


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, IndexError, ValueError):
        return None
    return pid if processes.pid_alive(pid) else None


def status_dict(config: EstateConfig | None = None) -> dict[str, object]:
    config = config or EstateConfig.from_env()
    components = status(config)
    return {
        "runtime_dir": str(config.runtime_dir),
        "components": [asdict(c) for c in components],
        "environment": client_environment(endpoints(config)),
        "warehouse_dsn": endpoints(config).warehouse_dsn,
        "healthy": all(c.healthy for c in components),
    }


# --- leases: test sessions sharing one estate -------------------------------------------------


def _lease_dir(config: EstateConfig) -> Path:
    return config.run_dir / "leases"


def join(config: EstateConfig) -> EstateEndpoints:
    """A test session's start: take a lease, then start what is missing (owner ``tests``)."""
    with _lock(config):
        lease = _lease_dir(config) / str(os.getpid())
        lease.parent.mkdir(parents=True, exist_ok=True)
        lease.write_text(str(time.time()))
        return _up_locked(config, "tests")


def leave(config: EstateConfig) -> list[str]:
    """A test session's end: drop the lease; the last session out stops what tests started."""
    with _lock(config):
        (_lease_dir(config) / str(os.getpid())).unlink(missing_ok=True)
        for entry in _lease_dir(config).glob("*"):
            if entry.name.isdigit() and processes.pid_alive(int(entry.name)):
                return []
            entry.unlink(missing_ok=True)
        return _down_locked(config, "tests")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
