"""Pid files: a live record is recognised, a stale or reused pid is not, stop ends the group."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from healthetl.estate import processes

pytestmark = pytest.mark.unit


def _record(pid: int, marker: str) -> processes.PidRecord:
    return processes.PidRecord(pid=pid, marker=marker, started_at=time.time(), command=["x"])


def test_pid_file_round_trip(tmp_path: Path) -> None:
    record = _record(123, "m")
    processes.write_pid_file(tmp_path / "a.pid", record)
    assert processes.read_pid_file(tmp_path / "a.pid") == record


def test_unreadable_pid_file_is_no_record(tmp_path: Path) -> None:
    (tmp_path / "a.pid").write_text("not json")
    assert processes.read_pid_file(tmp_path / "a.pid") is None
    assert processes.live_record(tmp_path / "a.pid") is None
    assert not (tmp_path / "a.pid").exists()


def test_a_reused_pid_is_stale_and_its_file_removed(tmp_path: Path) -> None:
    # Our own pid runs, but its command line lacks the marker: someone else's process.
    processes.write_pid_file(tmp_path / "a.pid", _record(1, "hca-marker-that-is-nowhere"))
    assert processes.live_record(tmp_path / "a.pid") is None
    assert not (tmp_path / "a.pid").exists()


def test_a_dead_pid_is_stale(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    processes.write_pid_file(tmp_path / "a.pid", _record(proc.pid, sys.executable))
    assert processes.live_record(tmp_path / "a.pid") is None


def test_start_detached_then_stop_ends_the_whole_group(tmp_path: Path) -> None:
    marker = f"hca-test-{tmp_path.name}"
    # The child starts a grandchild in the same process group; stop must end both.
    script = (
        "import subprocess, sys, time;"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
        "time.sleep(60)"
    )
    record = processes.start_detached(
        [sys.executable, "-c", script, marker],
        pid_file=tmp_path / "p.pid",
        log_file=tmp_path / "p.log",
        marker=marker,
    )
    assert processes.live_record(tmp_path / "p.pid") == record
    deadline = time.monotonic() + 10
    while len(processes.process_group_members(record.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    members = processes.process_group_members(record.pid)
    assert len(members) == 2
    processes.stop(record, timeout=5)
    assert processes.process_group_members(record.pid) == []
    assert not any(processes.running(pid) for pid in members)
