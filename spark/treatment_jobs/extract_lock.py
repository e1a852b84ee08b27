"""One extract at a time: a lock that only its owner releases (``contracts/pipeline.md``).

The lock is ``state/extract.lock`` in the silver bucket, created by a conditional put
(``If-None-Match: *``) that succeeds for exactly one writer. Its body names the owner and an
expiry; while the run works, a thread renews the expiry (a conditional put on the lock's own
ETag), so a long run keeps it however long it takes. Only a lock whose expiry has passed (its
run died) may be taken over, again conditionally on the ETag that was read. The owner releases
it with a delete conditional on its own ETag: a run whose lock was taken over never deletes the
new owner's lock.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from treatment_jobs.config import JobConfig
from treatment_jobs.state import format_ts, parse_ts

log = logging.getLogger(__name__)
_CONFLICT = ("PreconditionFailed", "ConditionalRequestConflict")


class ExtractLockedError(RuntimeError):
    """Another extract holds the lock."""


class ExtractLockLostError(RuntimeError):
    """The lock was taken over while this run held it (its renewals stopped for too long)."""


def _conflict(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] in _CONFLICT


class _HeldLock:
    def __init__(self, cfg: JobConfig, purpose: str) -> None:
        self.cfg = cfg
        self.client = boto3.client("s3")
        self.owner = f"{socket.gethostname()}:{secrets.token_hex(6)}"
        self.purpose = purpose
        self.etag: str | None = None
        self.lost = False
        self._stop = threading.Event()

    def _body(self) -> bytes:
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=self.cfg.lock_ttl_seconds)
        return json.dumps(
            {
                "owner": self.owner,
                "purpose": self.purpose,
                "renewed_at": format_ts(now),
                "expires_at": format_ts(expires),
            }
        ).encode()

    def _put(self, **condition: Any) -> None:
        response = self.client.put_object(
            Bucket=self.cfg.silver_bucket, Key=self.cfg.lock_key, Body=self._body(), **condition
        )
        self.etag = response["ETag"]

    def acquire(self) -> None:
        try:
            self._put(IfNoneMatch="*")
            return
        except ClientError as exc:
            if not _conflict(exc):
                raise
        held = self.client.get_object(Bucket=self.cfg.silver_bucket, Key=self.cfg.lock_key)
        holder = json.loads(held["Body"].read())
        expires = holder.get("expires_at")
        if expires is None or parse_ts(expires) > datetime.now(UTC):
            raise ExtractLockedError(
                f"another extract holds s3://{self.cfg.silver_bucket}/{self.cfg.lock_key}:"
                f" {holder.get('owner')} ({holder.get('purpose')}), until {expires}"
            )
        try:  # its run died: take it over, only if it is still that same lock
            self._put(IfMatch=held["ETag"])
        except ClientError as exc:
            if _conflict(exc):
                raise ExtractLockedError("another extract took the expired lock first") from exc
            raise
        log.warning("took over the extract lock of %s (expired %s)", holder.get("owner"), expires)

    def _renew_until_stopped(self) -> None:
        interval = max(1.0, self.cfg.lock_ttl_seconds / 3)
        while not self._stop.wait(interval):
            try:
                self._put(IfMatch=self.etag)
            except ClientError as exc:
                if _conflict(exc):
                    self.lost = True
                    log.error("the extract lock was taken over; this run no longer holds it")
                    return
                log.warning("renewing the extract lock failed, will retry: %s", exc)

    def stop_renewing(self) -> None:
        self._stop.set()

    def release(self) -> None:
        """Delete the lock if it is still ours (after the renewals stopped: no put in flight)."""
        self._stop.set()
        if self.lost:
            return
        try:
            self.client.delete_object(
                Bucket=self.cfg.silver_bucket, Key=self.cfg.lock_key, IfMatch=self.etag
            )
        except ClientError as exc:
            if not _conflict(exc) and exc.response["Error"]["Code"] not in ("NoSuchKey", "404"):
                raise
            log.error("the extract lock is no longer ours; left it to its owner")


@contextmanager
def extract_lock(cfg: JobConfig, purpose: str) -> Iterator[None]:
    """Hold the extract lock for the block (renewed while it runs, released by us alone)."""
    lock = _HeldLock(cfg, purpose)
    lock.acquire()
    renewer = threading.Thread(target=lock._renew_until_stopped, daemon=True)
    renewer.start()
    try:
        yield
    finally:
        lock.stop_renewing()
        renewer.join(timeout=30)  # a renewal in flight changes the ETag the delete is bound to
        lock.release()
    if lock.lost:
        raise ExtractLockLostError(
            "the extract lock was taken over during this run: check its watermark writes"
        )
