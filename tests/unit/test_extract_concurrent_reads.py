"""``concurrent_reads.read_concurrently``: several page streams in threads, merged."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from treatment_jobs.concurrent_reads import read_concurrently

pytestmark = pytest.mark.unit


def _stream(name: str, pages: int, log: list[str] | None = None) -> Iterator[str]:
    for n in range(pages):
        if log is not None:
            log.append(f"{name}{n}")
        yield f"{name}{n}"


def _wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_every_value_of_every_stream_arrives_once() -> None:
    streams = [lambda n=n: _stream(f"s{n}-", 50 + n) for n in range(3)]
    values = list(read_concurrently(streams))
    assert sorted(values) == sorted(v for n in range(3) for v in _stream(f"s{n}-", 50 + n))


def test_each_stream_keeps_its_own_order() -> None:
    values = list(read_concurrently([lambda: _stream("a", 30), lambda: _stream("b", 30)]))
    assert [v for v in values if v.startswith("a")] == [f"a{n}" for n in range(30)]
    assert [v for v in values if v.startswith("b")] == [f"b{n}" for n in range(30)]


def test_one_or_no_stream_runs_in_the_calling_thread() -> None:
    seen: list[str] = []

    def stream() -> Iterator[str]:
        seen.append(threading.current_thread().name)
        yield "only"

    assert list(read_concurrently([stream])) == ["only"]
    assert seen == [threading.current_thread().name]
    assert list(read_concurrently([])) == []


def test_streams_are_read_at_the_same_time() -> None:
    """Two streams that each wait (as on the service) overlap their waits."""
    both_started = threading.Barrier(2, timeout=5)

    def waiting_stream(name: str) -> Iterator[str]:
        both_started.wait()  # raises BrokenBarrierError if the other never starts
        yield name

    streams = [lambda: waiting_stream("a"), lambda: waiting_stream("b")]
    assert sorted(read_concurrently(streams)) == ["a", "b"]


def test_a_failing_stream_fails_the_read_with_its_own_error() -> None:
    def failing() -> Iterator[str]:
        yield "x0"
        raise ConnectionError("segment 1: connection reset")

    with pytest.raises(ConnectionError, match="segment 1"):
        list(read_concurrently([lambda: _stream("a", 5), failing]))


def test_readers_stop_when_the_consumer_stops_early() -> None:
    produced: list[str] = []
    values = read_concurrently(
        [lambda: _stream("a", 10_000, produced), lambda: _stream("b", 10_000, produced)]
    )
    assert next(values)
    values.close()
    assert _wait_until(
        lambda: not any(t.name.startswith("concurrent-read-") for t in threading.enumerate())
    )
    # bounded read-ahead: nowhere near the 20,000 values the streams could give
    assert len(produced) < 100
