"""The read-ahead thread: same chunks in order, one chunk ahead at most, errors and early stops handled."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator

import pytest

from services.processor.engine.read_ahead import ReadAhead

REQUEST = contextvars.ContextVar("request", default="none")


class Source:
    """A chunk source that records what it produced, in which thread, and whether it was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.produced = 0
        self.closed_in: str | None = None
        self.contexts: list[str] = []

    def chunks(self) -> Iterator[int]:
        try:
            for i in range(self.count):
                if i == self.fail_at:
                    raise ValueError(f"bad chunk {i}")
                self.contexts.append(REQUEST.get())
                self.produced += 1
                yield i
        finally:
            self.closed_in = threading.current_thread().name


@pytest.mark.parametrize("enabled", [True, False])
def test_same_chunks_in_order(enabled: bool) -> None:
    source = Source(50)
    with ReadAhead(source.chunks(), enabled=enabled) as chunks:
        assert list(chunks) == list(range(50))
    assert source.closed_in == ("read-ahead" if enabled else threading.current_thread().name)


def test_reads_one_chunk_ahead_and_no_more() -> None:
    source = Source(10)
    seen = []
    with ReadAhead(source.chunks()) as chunks:
        for i in chunks:
            time.sleep(0.02)  # the caller at work: the producer reads the next chunk meanwhile, then waits
            seen.append(source.produced - (i + 1))
    # While the caller held chunk i, the next one was read (except after the last), never two.
    assert seen == [1] * 9 + [0]


def test_a_source_error_reaches_the_caller_after_the_chunks_before_it() -> None:
    source = Source(10, fail_at=4)
    got = []
    with pytest.raises(ValueError, match="bad chunk 4"), ReadAhead(source.chunks()) as chunks:
        for i in chunks:
            got.append(i)
    assert got == [0, 1, 2, 3]
    assert source.closed_in == "read-ahead"


def test_stopping_early_stops_the_producer_and_closes_the_source() -> None:
    source = Source(1000)
    before = threading.active_count()
    with pytest.raises(RuntimeError), ReadAhead(source.chunks()) as chunks:
        for i in chunks:
            if i == 3:
                raise RuntimeError("the caller failed")
    assert source.closed_in == "read-ahead"  # closed in the thread that ran it
    assert source.produced <= 5
    assert threading.active_count() == before  # the producer has ended


def test_the_source_runs_in_the_callers_context() -> None:
    # Spans of the reads (S3 GETs) must keep the caller's span as parent: OpenTelemetry keeps it in a contextvar.
    source = Source(3)
    token = REQUEST.set("job-42")
    try:
        with ReadAhead(source.chunks()) as chunks:
            assert list(chunks) == [0, 1, 2]
    finally:
        REQUEST.reset(token)
    assert source.contexts == ["job-42"] * 3
