"""Background processes of the estate: start detached, remember by pid file, stop by process group.

A pid file is JSON ``{"pid", "marker", "started_at", "command"}``. ``marker`` is a string that
must appear in ``/proc/<pid>/cmdline``: a pid file left by a crash whose pid was reused by an
unrelated process is recognised as stale and never signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PidRecord:
    pid: int
    marker: str
    started_at: float
    command: list[str]
    owner: str = "cli"  # who started it: "cli" (make up) or "tests" (the pytest fixture)


def read_pid_file(path: Path) -> PidRecord | None:
    try:
        raw = json.loads(path.read_text())
        return PidRecord(
            pid=int(raw["pid"]),
            marker=str(raw["marker"]),
            started_at=float(raw["started_at"]),
            command=[str(part) for part in raw["command"]],
            owner=str(raw.get("owner", "cli")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_pid_file(path: Path, record: PidRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record.__dict__))
    tmp.replace(path)


def cmdline_of(pid: int) -> str | None:
    """The process's command line joined by spaces, or None if there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def is_alive(record: PidRecord) -> bool:
    """True when the recorded pid runs and is still the process we started (not a reused pid)."""
    cmdline = cmdline_of(record.pid)
    for _ in range(50):  # a process caught in the middle of exec shows an empty command line
        if cmdline != "":
            break
        time.sleep(0.01)
        cmdline = cmdline_of(record.pid)
    if cmdline is None or record.marker not in cmdline:
        return False
    try:
        state = Path(f"/proc/{record.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def live_record(path: Path) -> PidRecord | None:
    """The pid file's record if its process is alive; a stale pid file is removed."""
    record = read_pid_file(path)
    if record is None or not is_alive(record):
        path.unlink(missing_ok=True)
        return None
    return record


def start_detached(
    command: Sequence[str],
    *,
    pid_file: Path,
    log_file: Path,
    marker: str,
    owner: str = "cli",
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> PidRecord:
    """Start ``command`` in its own session (so ``down`` can signal its whole group)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log, Path(os.devnull).open("rb") as devnull:
        proc = subprocess.Popen(
            list(command),
            stdin=devnull,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
    record = PidRecord(
        pid=proc.pid, marker=marker, started_at=time.time(), command=list(command), owner=owner
    )
    write_pid_file(pid_file, record)
    return record


def process_group_members(pgid: int) -> list[int]:
    """Pids whose process group is ``pgid`` (read from /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def stop(record: PidRecord, *, timeout: float = 10.0) -> None:
    """SIGTERM the process group the record leads, then SIGKILL whatever outlives ``timeout``."""
    if not is_alive(record):
        return
    pgid = record.pid  # start_new_session makes the child its group's leader
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(record.pid)
        if not process_group_members(pgid):
            return
        time.sleep(0.05)
    _signal_group(pgid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        _reap(record.pid)
        if not process_group_members(pgid):
            return
        time.sleep(0.05)


def _reap(pid: int) -> None:
    """Collect the exit status when the process is our own child (else it stays a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def rss_kib(pid: int) -> int | None:
    """Resident memory of one process in KiB (VmRSS), None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (by parent pid, read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants, in KiB."""
    return sum(rss_kib(p) or 0 for p in descendants(pid))


def running(pid: int) -> bool:
    """True when the process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
