"""The local PostgreSQL that stands in for Redshift: start it once, reuse it, stop it.

Debian's server binaries (``/usr/lib/postgresql/<major>/bin``) run the cluster from a data
directory under the estate (``.runtime/postgres`` unless ``HCA_RUNTIME_DIR`` moves the estate).
As root, ``initdb`` and ``pg_ctl`` run as user ``nobody`` because PostgreSQL refuses root.
The server listens on 127.0.0.1 only, with trust authentication for that address, a
superuser ``hca`` and a database ``warehouse``; its unix socket lives inside the data
directory so nothing outside the estate is touched.

Durability is traded for speed (``fsync=off``, ``synchronous_commit=off``,
``full_page_writes=off``): this is a disposable stand-in on a laptop, never a system of record.
A crash may lose the cluster; ``healthetl migrate`` rebuilds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from healthetl import REPO_ROOT

log = logging.getLogger(__name__)

SUPERUSER = "hca"
DEFAULT_DATABASE = "warehouse"
HOST = "127.0.0.1"
DEFAULT_PORT = 5439
UNPRIVILEGED_USER = "nobody"
START_TIMEOUT_SECONDS = 60.0

# Settings for a disposable single-user stand-in on a 2-core laptop.
SERVER_SETTINGS = {
    "listen_addresses": f"'{HOST}'",
    "max_connections": "100",
    "shared_buffers": "256MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "128MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_wal_size": "1GB",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "datestyle": "'iso, ymd'",
    "lc_messages": "'C'",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
}

PG_HBA = """\
# Written by healthetl.estate.postgres: the unix socket (inside the data directory) and
# 127.0.0.1 only, trust authentication. Nothing else may connect.
local   all   all                  trust
host    all   all   127.0.0.1/32   trust
"""


@dataclass(frozen=True)
class PostgresInstance:
    """A running local server: where it keeps its data and where it listens."""

    data_dir: Path
    port: int
    pid: int | None = None
    host: str = HOST
    user: str = SUPERUSER

    def dsn(self, database: str | None = None) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database or DEFAULT_DATABASE}"


def default_data_dir() -> Path:
    runtime_dir = Path(os.environ.get("HCA_RUNTIME_DIR") or REPO_ROOT / ".runtime")
    return runtime_dir.resolve() / "postgres"


def default_port() -> int:
    return int(os.environ.get("HCA_PG_PORT") or DEFAULT_PORT)


def find_bin_dir() -> Path:
    """Debian's server binaries of the newest installed major version (not the PATH shims)."""
    candidates = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
        if (path.parent / "initdb").exists()
    ]
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; "
            "run `make system-deps` (apt package postgresql)"
        )
    return max(candidates, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0))


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _demote() -> Callable[[], None] | None:
    """preexec_fn that drops root to `nobody` for initdb/pg_ctl (None when not root)."""
    if not _running_as_root():
        return None
    uid, gid = _nobody_ids()

    def set_ids() -> None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)

    return set_ids


def _nobody_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(UNPRIVILEGED_USER)
    return entry.pw_uid, entry.pw_gid


def _run_pg(args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C.UTF-8"
    return subprocess.run(
        args,
        preexec_fn=_demote(),  # setuid must happen in the child, before exec
        env=env,
        cwd="/",  # readable by `nobody`, unlike the caller's cwd perhaps
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_postmaster_pid(data_dir: Path) -> tuple[int, int] | None:
    """(pid, port) from postmaster.pid when the process it names is alive postgres."""
    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    if not _pid_alive(pid):
        return None
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None
    if "postgres" not in comm and "postmaster" not in comm:
        return None  # the pid was reused by an unrelated process
    return pid, port


def _admin_dsn(port: int) -> str:
    return f"postgresql://{SUPERUSER}@{HOST}:{port}/postgres"


def _accepts_connections(port: int, timeout: float = 2.0) -> bool:
    from warehouse_seam import WarehouseError, connect

    try:
        with connect(_admin_dsn(port), connect_timeout_s=timeout):
            return True
    except WarehouseError:
        return False


def cluster_dir(data_dir: Path) -> Path:
    """Where the cluster of ``data_dir`` physically lives.

    As root the server runs as `nobody`, which must be able to traverse every parent folder of
    its data directory. A checkout under a private folder (e.g. /root, mode 0700) cannot offer
    that, so its cluster lives under /var/tmp instead, at a path derived from ``data_dir``
    (deterministic, so every caller finds the same cluster). Idempotent: a path that is already
    reachable maps to itself.
    """
    data_dir = Path(data_dir).resolve()
    if not _running_as_root() or traversable_by_others(data_dir.parent):
        return data_dir
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    return _relocation_root() / digest


def _relocation_root() -> Path:
    # Root-owned and 0711: `nobody` may traverse it but not list or create in it, so a
    # predictable name in /var/tmp cannot be pre-empted by another user.
    root = Path("/var/tmp/hca-postgres")  # noqa: S108
    root.mkdir(mode=0o711, exist_ok=True)
    info = root.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != 0:
        raise RuntimeError(f"{root} is not a root-owned folder; remove it and retry")
    root.chmod(0o711)
    return root


def traversable_by_others(folder: Path) -> bool:
    for part in [folder, *folder.parents]:
        try:
            mode = part.stat().st_mode
        except FileNotFoundError:
            continue  # created later by us, with a traversable mode
        if not mode & stat.S_IXOTH:
            return False
    return True


def is_running(data_dir: Path | None = None, port: int | None = None) -> bool:
    """True when the cluster in ``data_dir`` is up and accepts connections."""
    data_dir = cluster_dir(data_dir or default_data_dir())
    found = _read_postmaster_pid(data_dir)
    if found is None:
        return False
    return _accepts_connections(port or found[1])


@contextlib.contextmanager
def _start_lock(data_dir: Path) -> Iterator[None]:
    """Serialises start/stop between concurrent callers (parallel test sessions)."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = data_dir.parent / f".{data_dir.name}.lock"
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _chown_to_nobody(path: Path) -> None:
    if not _running_as_root():
        return
    uid, gid = _nobody_ids()
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(Path(root) / name, uid, gid, follow_symlinks=False)


def _initdb(bin_dir: Path, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    _chown_to_nobody(data_dir)
    result = _run_pg(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ],
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"initdb failed in {data_dir}: {result.stderr.strip()}")
    (data_dir / "pg_hba.conf").write_text(PG_HBA)
    settings = "\n".join(f"{k} = {v}" for k, v in SERVER_SETTINGS.items())
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(f"\n# healthetl local stand-in settings\n{settings}\n")
        conf.write(f"unix_socket_directories = '{data_dir}'\n")
    _chown_to_nobody(data_dir)


def _wait_until_ready(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while time.monotonic() < deadline:
        if _accepts_connections(port, timeout=1.0):
            return
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
    raise RuntimeError(f"PostgreSQL did not accept connections on {HOST}:{port} in {timeout}s")


def _ensure_database(port: int, database: str) -> None:
    from warehouse_seam import connect

    with connect(_admin_dsn(port)) as warehouse:
        warehouse.ensure_database(database)


def _log_file(data_dir: Path) -> Path:
    return data_dir / "server.log"


def ensure_running(
    data_dir: Path | None = None, port: int | None = None
) -> tuple[PostgresInstance, bool]:
    """Start the local server unless it already runs; returns (instance, started_now)."""
    data_dir = cluster_dir(data_dir or default_data_dir())
    port = port or default_port()
    with _start_lock(data_dir):
        found = _read_postmaster_pid(data_dir)
        if found is not None:
            pid, running_port = found
            _wait_until_ready(running_port, START_TIMEOUT_SECONDS)
            _ensure_database(running_port, DEFAULT_DATABASE)
            log.info("postgres already running (pid %s, port %s)", pid, running_port)
            return PostgresInstance(data_dir, running_port, pid), False

        bin_dir = find_bin_dir()
        began = time.monotonic()
        if not (data_dir / "PG_VERSION").exists():
            if data_dir.exists() and any(data_dir.iterdir()):
                raise RuntimeError(f"{data_dir} exists but holds no PostgreSQL cluster")
            _initdb(bin_dir, data_dir)
        # A postmaster.pid whose process is gone was left by a crash: it would block the start.
        (data_dir / "postmaster.pid").unlink(missing_ok=True)
        _chown_to_nobody(data_dir)
        result = _run_pg(
            [
                str(bin_dir / "pg_ctl"),
                "start",
                "-D",
                str(data_dir),
                "-l",
                str(_log_file(data_dir)),
                "-o",
                f"-p {port} -k {data_dir}",
                "-w",
                "-t",
                str(int(START_TIMEOUT_SECONDS)),
            ],
            timeout=START_TIMEOUT_SECONDS + 10,
        )
        if result.returncode != 0:
            tail = _tail(_log_file(data_dir))
            raise RuntimeError(
                f"pg_ctl start failed (port {port}): {result.stderr.strip()}\n{tail}"
            )
        _wait_until_ready(port, START_TIMEOUT_SECONDS)
        _ensure_database(port, DEFAULT_DATABASE)
        found = _read_postmaster_pid(data_dir)
        elapsed = time.monotonic() - began
        log.info("postgres started on %s:%s in %.2fs (data %s)", HOST, port, elapsed, data_dir)
        return PostgresInstance(data_dir, port, found[0] if found else None), True


def stop(data_dir: Path | None = None) -> bool:
    """Stop the server of ``data_dir``; True when it was running and has stopped."""
    data_dir = cluster_dir(data_dir or default_data_dir())
    with _start_lock(data_dir):
        if _read_postmaster_pid(data_dir) is None:
            return False
        result = _run_pg(
            [str(find_bin_dir() / "pg_ctl"), "stop", "-D", str(data_dir), "-m", "fast", "-w"],
            timeout=90,
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {result.stderr.strip()}")
        log.info("postgres stopped (data %s)", data_dir)
        return True


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def remove_cluster(data_dir: Path) -> None:
    """Delete a stopped cluster's data directory (tests use their own throwaway clusters)."""
    data_dir = cluster_dir(data_dir)
    if _read_postmaster_pid(data_dir) is not None:
        raise RuntimeError(f"refusing to delete {data_dir}: its server is running")
    shutil.rmtree(data_dir, ignore_errors=True)


def run_server_command(args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL server tool (initdb, pg_ctl, pgbouncer) as the unprivileged user
    when we are root, as ourselves otherwise."""
    return _run_pg(args, timeout=timeout)


def give_to_server_user(path: Path) -> None:
    """chown ``path`` (recursively) to the user server tools run as (no-op unless root)."""
    _chown_to_nobody(path)
