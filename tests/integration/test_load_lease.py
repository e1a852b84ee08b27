"""The load lease on the local estate's S3: conditional puts and deletes make one holder; an
operator command (``healthetl skip``) takes, renews and releases the same lease."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from load_pipeline import lease
from load_pipeline.ordering import execution_lease, operator_lease

from healthetl.pipeline import executions, load_lease

pytestmark = pytest.mark.integration

KEY = "state/load.lease"
ARN = "arn:aws:states:us-east-1:123456789012:execution:hca-x-load:"
B1 = "b20261126T100000Z-00000001"
B2 = "b20261126T110000Z-00000002"


@pytest.fixture
def bucket(estate: object, unique_name: Callable[[str], str]) -> str:
    name = unique_name("lease")
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def test_only_one_of_two_takers_wins_and_a_takeover_needs_the_etag_read(bucket: str) -> None:
    now = datetime.now(UTC)
    first = lease.write(bucket, KEY, execution_lease(B1, ARN + B1, now))
    assert first is not None
    assert lease.write(bucket, KEY, execution_lease(B2, ARN + B2, now)) is None
    held = lease.read(bucket, KEY)
    assert held is not None and held.lease.holder == B1 and held.etag == first
    # take over: only while the object is still the one read
    taken = lease.write(bucket, KEY, execution_lease(B2, ARN + B2, now), replacing=held.etag)
    assert taken is not None
    late = lease.write(bucket, KEY, execution_lease(f"{B1}-r1", None, now), replacing=held.etag)
    assert late is None
    assert lease.read(bucket, KEY).lease.holder == B2  # type: ignore[union-attr]


def test_release_only_by_the_holder_named(bucket: str) -> None:
    lease.write(bucket, KEY, execution_lease(B2, ARN + B2, datetime.now(UTC)))
    assert lease.release_after_step(bucket, KEY, B1) == "not held"
    assert lease.read(bucket, KEY) is not None
    assert lease.release_after_step(bucket, KEY, B2) == "released"
    assert lease.read(bucket, KEY) is None
    assert lease.release_after_step(bucket, KEY, B2) == "not held"


def test_concurrent_takers_leave_exactly_one_holder(bucket: str) -> None:
    names = [f"b20261126T1{i:05d}Z-0000000{i % 10}" for i in range(8)]
    barrier = threading.Barrier(len(names))
    won: list[str] = []

    def take(name: str) -> None:
        barrier.wait()
        if lease.write(bucket, KEY, execution_lease(name, ARN + name, datetime.now(UTC))):
            won.append(name)

    threads = [threading.Thread(target=take, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    assert lease.read(bucket, KEY).lease.holder == won[0]  # type: ignore[union-attr]


def test_an_operator_takes_an_expired_lease_renews_and_releases(bucket: str) -> None:
    stale = operator_lease(
        "rebuild:x@y:1", "full-rebuild", datetime.now(UTC) - timedelta(hours=1), 60
    )
    lease.write(bucket, KEY, stale)
    held = load_lease.take(bucket, KEY, "erasure", seconds=60, wait_seconds=0)
    assert held.lease.purpose == "erasure" and held.holder.startswith("erasure:")
    before = held.lease.expires_at
    held.renew(datetime.now(UTC) + timedelta(seconds=30))
    assert held.lease.expires_at is not None and before is not None
    assert held.lease.expires_at > before
    assert lease.read(bucket, KEY).lease.expires_at == held.lease.expires_at  # type: ignore[union-attr]
    assert held.release()
    assert lease.read(bucket, KEY) is None


def test_a_renewal_after_a_takeover_reports_the_lease_lost(bucket: str) -> None:
    held = load_lease.take(bucket, KEY, "full-rebuild", seconds=60, wait_seconds=0)
    current = lease.read(bucket, KEY)
    assert current is not None
    lease.write(bucket, KEY, execution_lease(B1, None, datetime.now(UTC)), replacing=current.etag)
    with pytest.raises(load_lease.LeaseLostError):
        held.renew()
    assert not held.release()  # never deletes someone else's lease
    assert lease.read(bucket, KEY).lease.holder == B1  # type: ignore[union-attr]


def test_a_live_operator_lease_keeps_another_command_out(bucket: str) -> None:
    with (
        load_lease.operator_lease(bucket, KEY, "full-rebuild", seconds=60, wait_seconds=0),
        pytest.raises(load_lease.LeaseBusyError, match="operator full-rebuild:"),
    ):
        load_lease.take(bucket, KEY, "skip", wait_seconds=0)
    assert lease.read(bucket, KEY) is None


def test_skip_writes_its_marker_under_the_lease_and_releases_it(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    original = lease.write

    def recording(bucket_name: str, key: str, body: object, **kwargs: object) -> str | None:
        written.append(body.holder)  # type: ignore[attr-defined]
        return original(bucket_name, key, body, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lease, "write", recording)
    key = executions.skip(bucket, "state/skipped/", B1, "poison item", lease_key=KEY)
    assert key == f"state/skipped/{B1}"
    marker = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert written and written[0].startswith("skip:") and written[0] in marker
    assert lease.read(bucket, KEY) is None


def test_skip_takes_over_a_lease_whose_execution_no_longer_exists(bucket: str) -> None:
    lease.write(bucket, KEY, execution_lease(B2, ARN + B2, datetime.now(UTC)))
    executions.skip(bucket, "state/skipped/", B1, "gone holder", lease_key=KEY, wait_seconds=0)
    assert lease.read(bucket, KEY) is None


def test_an_unreadable_lease_is_a_live_holder_nobody_takes_over(bucket: str) -> None:
    boto3.client("s3").put_object(Bucket=bucket, Key=KEY, Body=b"not a lease")
    held = lease.read(bucket, KEY)
    assert held is not None and held.lease.holder.startswith("unreadable lease")
    with pytest.raises(load_lease.LeaseBusyError, match="unreadable lease"):
        load_lease.take(bucket, KEY, "skip", wait_seconds=0)
