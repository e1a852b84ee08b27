"""`healthetl estate up/status/down` on a second, private estate (own folder and ports), so the
estate other test sessions use is never touched: up twice is harmless, a stale pid file is
handled, and down leaves no process behind."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthetl.estate import processes
from healthetl.estate.deploy import wait_for

pytestmark = pytest.mark.integration


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "healthetl.estate.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            cmdline = processes.cmdline_of(int(entry.name))
            if cmdline and text in cmdline and processes.running(int(entry.name)):
                found.append(int(entry.name))
    return found


@pytest.fixture
def private_runtime_dir() -> Iterator[Path]:
    # Not under pytest's 0700 tmp folder: PostgreSQL runs as `nobody` and must reach its data.
    runtime_dir = Path(tempfile.mkdtemp(prefix="hca-private-estate-"))
    runtime_dir.chmod(0o755)
    yield runtime_dir
    shutil.rmtree(runtime_dir, ignore_errors=True)


def test_up_twice_status_down_leaves_no_process(private_runtime_dir: Path) -> None:
    runtime_dir = private_runtime_dir
    aws_port, dynamodb_port, pg_port = _free_ports(3)
    env = {
        **os.environ,
        "HCA_RUNTIME_DIR": str(runtime_dir),
        "HCA_AWS_PORT": str(aws_port),
        "HCA_DYNAMODB_PORT": str(dynamodb_port),
        "HCA_PG_PORT": str(pg_port),
    }
    try:
        first = _cli(env, "up")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "started dynamodb, aws, postgres" in first.stdout
        again = _cli(env, "up")
        assert again.returncode == 0 and "started nothing" in again.stdout

        report = json.loads(_cli(env, "status", "--json").stdout)
        assert report["healthy"] is True
        assert report["environment"]["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{aws_port}"
        assert report["warehouse_dsn"] == f"postgresql://hca@127.0.0.1:{pg_port}/warehouse"
        pids = {c["name"]: c["pid"] for c in report["components"]}
        tree = {p for pid in pids.values() for p in processes.descendants(pid)}
        assert len(tree) >= 3

        # A crash leaves a pid file naming a process that is not ours: handled as stale.
        pid_file = runtime_dir / "run" / "aws.pid"
        saved = pid_file.read_text()
        record = json.loads(saved)
        pid_file.write_text(json.dumps({**record, "pid": os.getpid()}))
        status = json.loads(_cli(env, "status", "--json").stdout)
        aws = next(c for c in status["components"] if c["name"] == "aws")
        assert aws["running"] is False and not pid_file.exists()
        pid_file.write_text(saved)  # give the real record back so that down stops it

        down = _cli(env, "down")
        assert down.returncode == 0, down.stdout + down.stderr
        assert "stopped aws, dynamodb, postgres" in down.stdout
        assert wait_for(lambda: not [pid for pid in tree if processes.running(pid)], timeout=5)
        assert wait_for(lambda: not _processes_mentioning(str(runtime_dir)), timeout=5)
        report = json.loads(_cli(env, "status", "--json").stdout)
        assert not any(c["running"] for c in report["components"])
    finally:
        _cli(env, "down")
