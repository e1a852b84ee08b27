"""The load lease from the operator side: commands that change what the load sees (``healthetl
skip``; later full analytics rebuilds and erasures) hold the same lease as a load execution, so
they never run beside one.

Use :func:`operator_lease`::

    with operator_lease(bucket, lease_key, "full-rebuild", batch_id=None) as held:
        for chunk in work:
            do(chunk)
            held.check()  # raises LeaseLostError if the lease was lost (renewal failed)

It takes the lease (waiting, bounded, while a live execution or another command holds it;
taking it over from an ended execution or an expired command), renews it in the background
every third of its expiry (``operator_lease_seconds``, default 600 s) and releases it at the
end — each write conditional on the lease still being the one it wrote. :func:`take` and
:meth:`OperatorLease.renew` / :meth:`OperatorLease.release` are the same steps by hand.
Lease format and takeover rules: ``load_pipeline.ordering``; S3 writes: ``load_pipeline.lease``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from load_pipeline import lease as s3_lease
from load_pipeline.lease import holder_status
from load_pipeline.ordering import Lease, takeover_reason
from load_pipeline.ordering import operator_lease as operator_body

DEFAULT_SECONDS = 600


class LeaseBusyError(RuntimeError):
    """A live execution or command kept the lease for longer than the command would wait."""


class LeaseLostError(RuntimeError):
    """The command's lease was taken over (it expired without renewal) or removed."""


def operator_name(purpose: str) -> str:
    """``skip:alice@host:1a2b3c4d``: the command, who ran it where, and a token of this run."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{purpose}:{user}@{socket.gethostname()}:{secrets.token_hex(4)}"


@dataclass
class OperatorLease:
    bucket: str
    key: str
    lease: Lease
    etag: str
    seconds: float
    lost: BaseException | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def holder(self) -> str:
        return self.lease.holder

    def renew(self, now: datetime | None = None) -> None:
        """Push the expiry ``seconds`` past now, only if the lease is still the one written."""
        now = now or datetime.now(UTC)
        with self._lock:
            renewed = dataclasses.replace(
                operator_body(
                    self.lease.holder, self.lease.purpose, now, self.seconds, self.lease.batch_id
                ),
                acquired_at=self.lease.acquired_at,
            )
            etag = s3_lease.write(self.bucket, self.key, renewed, replacing=self.etag)
            if etag is None:
                self.lost = LeaseLostError(
                    f"{self.holder} no longer holds s3://{self.bucket}/{self.key}"
                )
                raise self.lost
            self.lease, self.etag = renewed, etag

    def check(self) -> None:
        """Raise if a renewal found the lease lost: stop working before writing more."""
        if self.lost is not None:
            raise LeaseLostError(str(self.lost))

    def release(self) -> bool:
        with self._lock:
            return s3_lease.release(self.bucket, self.key, self.holder)


def take(
    bucket: str,
    key: str,
    purpose: str,
    *,
    batch_id: str | None = None,
    seconds: float = DEFAULT_SECONDS,
    wait_seconds: float = 900,
    poll_seconds: float = 2.0,
    on_wait: Callable[[Lease], None] | None = None,
) -> OperatorLease:
    """Take the load lease for an operator command (bounded wait while someone live holds it)."""
    holder = operator_name(purpose)
    deadline = time.monotonic() + wait_seconds
    while True:
        now = datetime.now(UTC)
        held = s3_lease.read(bucket, key)
        replacing = None
        if held is not None:
            if takeover_reason(held.lease, holder_status(held.lease), now) is None:
                if time.monotonic() >= deadline:
                    raise LeaseBusyError(
                        f"the load lease is held by {held.lease.kind} {held.lease.holder}"
                        f" (since {held.lease.acquired_at:%Y-%m-%d %H:%M:%S} UTC); try again later"
                    )
                if on_wait is not None:
                    on_wait(held.lease)
                time.sleep(poll_seconds)
                continue
            replacing = held.etag
        body = operator_body(holder, purpose, now, seconds, batch_id)
        etag = s3_lease.write(bucket, key, body, replacing=replacing)
        if etag is not None:
            return OperatorLease(bucket, key, body, etag, seconds)


@contextlib.contextmanager
def operator_lease(
    bucket: str,
    key: str,
    purpose: str,
    *,
    batch_id: str | None = None,
    seconds: float = DEFAULT_SECONDS,
    wait_seconds: float = 900,
    on_wait: Callable[[Lease], None] | None = None,
) -> Iterator[OperatorLease]:
    """Hold the load lease while the block runs, renewing it every ``seconds / 3``."""
    held = take(
        bucket,
        key,
        purpose,
        batch_id=batch_id,
        seconds=seconds,
        wait_seconds=wait_seconds,
        on_wait=on_wait,
    )
    stop = threading.Event()

    def renew_until_stopped() -> None:
        while not stop.wait(seconds / 3):
            try:
                held.renew()
            except Exception as exc:  # reported through held.check() and at the end
                held.lost = exc
                return

    renewer = threading.Thread(target=renew_until_stopped, name="load-lease-renewal", daemon=True)
    renewer.start()
    try:
        yield held
        held.check()
    finally:
        stop.set()
        renewer.join()
        held.release()
