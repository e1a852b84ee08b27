"""The extract lock (contracts/pipeline.md: one extract at a time, a lock only its owner
releases) against the local estate's S3: renewed while held, taken over only once expired, and
never deleted by a run that lost it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import boto3
import pytest
from treatment_jobs.config import JobConfig
from treatment_jobs.extract_lock import ExtractLockedError, _HeldLock, extract_lock
from treatment_jobs.state import parse_ts

pytestmark = pytest.mark.integration


@pytest.fixture
def cfg(estate, unique_name) -> JobConfig:
    bucket = unique_name("lock")
    boto3.client("s3").create_bucket(Bucket=bucket)
    return JobConfig("t", "i", bucket, "/tmp/b", "/tmp/s", lock_ttl_seconds=6)


def _holder(cfg: JobConfig) -> dict:
    body = boto3.client("s3").get_object(Bucket=cfg.silver_bucket, Key=cfg.lock_key)["Body"]
    return json.loads(body.read())


def _poll(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def test_a_held_lock_is_renewed_and_never_taken_over(cfg: JobConfig) -> None:
    with extract_lock(cfg, "a long run"):
        first = _holder(cfg)["expires_at"]
        # Past the first expiry, the owner's renewals keep it: nobody else may take it.
        _poll(lambda: datetime.now(UTC) > parse_ts(first))
        _poll(lambda: _holder(cfg)["expires_at"] > first)
        with pytest.raises(ExtractLockedError, match="a long run"):
            _HeldLock(cfg, "another run").acquire()
    assert not boto3.client("s3").list_objects_v2(Bucket=cfg.silver_bucket).get("KeyCount")


def test_an_expired_lock_is_taken_over_and_its_old_owner_cannot_release_it(cfg: JobConfig) -> None:
    dead = _HeldLock(cfg, "a run that died")  # acquired, never renewed
    dead.acquire()
    _poll(lambda: datetime.now(UTC) > parse_ts(_holder(cfg)["expires_at"]))
    heir = _HeldLock(cfg, "the next run")
    heir.acquire()
    assert _holder(cfg)["owner"] == heir.owner
    dead.release()  # the old owner comes back to life and finishes
    assert _holder(cfg)["owner"] == heir.owner
    heir.release()
    assert not boto3.client("s3").list_objects_v2(Bucket=cfg.silver_bucket).get("KeyCount")
