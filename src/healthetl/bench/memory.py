"""Peak memory of our processes, sampled from /proc while the pipeline runs.

"Ours" is what runs our code: this bench process and its descendants (the Spark driver's Python
and its JVM, the source loader) and the Lambda runner subprocesses, which the AWS endpoint (moto
server) spawns per invoke. The emulators themselves (moto server, dynalite, PostgreSQL) are
sampled apart, as "emulator". A sample sums VmRSS over a group; VmHWM (the kernel's exact
per-process high-water mark) is kept per process, so a short-lived Lambda subprocess that grows
between two samples is still counted at its true peak in the per-process figure.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
KIB = 1024


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    comm: str


def _read_stat(pid: int) -> ProcStat | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # comm may contain spaces and parentheses: it ends at the last ')'.
    head, _, tail = raw.rpartition(")")
    comm = head.partition("(")[2]
    fields = tail.split()
    return ProcStat(pid=pid, ppid=int(fields[1]), comm=comm)


def read_memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB; (0, 0) for a process gone or without memory (kernel thread)."""
    rss = hwm = 0
    try:
        with (PROC / str(pid) / "status").open() as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError):
        return 0, 0
    return rss, hwm


def process_table() -> dict[int, ProcStat]:
    table: dict[int, ProcStat] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _read_stat(int(entry.name))
            if stat is not None:
                table[stat.pid] = stat
    return table


def descendants(roots: set[int], table: dict[int, ProcStat]) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in table.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found: set[int] = set()
    stack = [pid for pid in roots if pid in table]
    while stack:
        pid = stack.pop()
        if pid in found:
            continue
        found.add(pid)
        stack.extend(children.get(pid, ()))
    return found


def pids_listening_on(port: int) -> set[int]:
    """Processes holding a listening TCP socket on `port` (any local address)."""
    inodes: set[str] = set()
    for table_name in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table_name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, state, inode = parts[1], parts[3], parts[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    if not inodes:
        return set()
    wanted = {f"socket:[{inode}]" for inode in inodes}
    pids: set[int] = set()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    if str(fd.readlink()) in wanted:
                        pids.add(int(entry.name))
                        break
                except OSError:
                    continue
        except OSError:
            continue
    return pids


def _server_root(pids: set[int], table: dict[int, ProcStat]) -> set[int]:
    """The topmost of the processes listening on a port (e.g. the postmaster, not its backends)."""
    return {pid for pid in pids if table.get(pid) and table[pid].ppid not in pids}


@dataclass
class Window:
    label: str
    started: float
    ended: float | None = None


@dataclass
class Sample:
    at: float
    ours_kib: int
    python_kib: int  # ours without the JVM (comm "java"): the Python processes alone
    lambda_kib: int
    emulator_kib: int
    ours_pids: frozenset[int]


@dataclass
class MemorySampler:
    """Samples every `interval` seconds in a background thread between start() and stop()."""

    aws_port: int
    emulator_ports: tuple[int, ...]
    interval: float = 0.1
    samples: list[Sample] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    hwm_kib: dict[int, int] = field(default_factory=dict)
    comm: dict[int, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _aws_server: set[int] = field(default_factory=set)
    _emulators: set[int] = field(default_factory=set)

    def start(self) -> MemorySampler:
        table = process_table()
        self._aws_server = _server_root(pids_listening_on(self.aws_port), table)
        for port in self.emulator_ports:
            self._emulators |= _server_root(pids_listening_on(port), table)
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @contextmanager
    def window(self, label: str) -> Iterator[Window]:
        window = Window(label=label, started=time.time())
        self.windows.append(window)
        try:
            yield window
        finally:
            self.sample_once()
            window.ended = time.time()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample_once()
            self._stop.wait(self.interval)

    def sample_once(self) -> None:
        table = process_table()
        aws_tree = descendants(self._aws_server, table)
        lambda_runners = aws_tree - self._aws_server
        emulators = descendants(self._emulators, table) | self._aws_server
        # The estate may have been started by this process: its servers stay "emulator".
        ours = (descendants({os.getpid()}, table) - aws_tree - emulators) | lambda_runners
        ours_kib = python_kib = lambda_kib = emulator_kib = 0
        for pid in ours | emulators:
            rss, hwm = read_memory_kib(pid)
            if pid in emulators:
                emulator_kib += rss
                continue
            ours_kib += rss
            if table[pid].comm != "java":
                python_kib += rss
            if pid in lambda_runners:
                lambda_kib += rss
            self.hwm_kib[pid] = max(self.hwm_kib.get(pid, 0), hwm)
            self.comm[pid] = table[pid].comm
        self.samples.append(
            Sample(time.time(), ours_kib, python_kib, lambda_kib, emulator_kib, frozenset(ours))
        )

    def peaks(self, started: float, ended: float) -> dict[str, float]:
        """Peaks within [started, ended], in MiB."""
        inside = [s for s in self.samples if started <= s.at <= ended]
        if not inside:
            return {
                "ours_rss_mib": 0.0,
                "python_rss_mib": 0.0,
                "process_hwm_mib": 0.0,
                "emulator_rss_mib": 0.0,
            }
        seen = frozenset().union(*(s.ours_pids for s in inside))
        return {
            # Largest sampled sum of VmRSS over our processes alive at the same moment.
            "ours_rss_mib": max(s.ours_kib for s in inside) / KIB,
            # The same without the Spark JVM: our Python processes only.
            "python_rss_mib": max(s.python_kib for s in inside) / KIB,
            "lambda_rss_mib": max(s.lambda_kib for s in inside) / KIB,
            # Largest VmHWM of any one of our processes seen in the window (exact per process).
            "process_hwm_mib": max((self.hwm_kib.get(p, 0) for p in seen), default=0) / KIB,
            "emulator_rss_mib": max(s.emulator_kib for s in inside) / KIB,
        }

    def window_peaks(self, label: str) -> dict[str, float]:
        window = next(w for w in self.windows if w.label == label)
        return self.peaks(window.started, window.ended or time.time())
