"""ReadAhead: chunks arrive in order, errors arrive where they happened, and it never runs far ahead."""

from __future__ import annotations

import io
import threading
import time

import pytest

from services.processor.engine import ProfileConfig, TableProfiler
from services.processor.engine.read_ahead import ReadAhead
from services.processor.engine.reading import open_table


def test_items_arrive_in_order_and_the_reader_runs_in_another_thread():
    threads: list[str] = []

    def source():
        for i in range(50):
            threads.append(threading.current_thread().name)
            yield i

    assert list(ReadAhead(source(), name="ahead-test")) == list(range(50))
    assert set(threads) == {"ahead-test"}


def test_an_error_while_reading_reaches_the_caller_after_the_chunks_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("bad byte at line 3")

    seen = []
    with pytest.raises(ValueError, match="line 3"):
        for item in ReadAhead(source()):
            seen.append(item)
    assert seen == [1, 2]


def test_it_reads_at_most_depth_plus_one_ahead_and_stops_when_the_caller_stops():
    produced: list[int] = []
    finished = threading.Event()

    def source():
        try:
            for i in range(1000):
                produced.append(i)
                yield i
        finally:
            finished.set()

    ahead = ReadAhead(source(), depth=2)
    for item in ahead:
        time.sleep(0.2)  # the caller is slow: the reader fills the queue and waits
        assert len(produced) <= item + 1 + 2 + 1  # this one, two queued, one in hand
        if item == 3:
            break
    assert not ahead._thread.is_alive()
    assert len(produced) <= 8


def test_a_profile_read_ahead_equals_the_profile_read_inline():
    text = "id,city,amount\n" + "".join(f"{i},c{i % 7},{i * 0.5}\n" for i in range(30_000))
    exact = ProfileConfig(exact_quantile_limit=100_000)  # KLL's compaction is random: compare exact profiles
    inline, ahead = TableProfiler(exact), TableProfiler(exact)
    for chunk in open_table(io.BytesIO(text.encode()), file_name="a.csv"):
        inline.update(chunk)
    for chunk in ReadAhead(open_table(io.BytesIO(text.encode()), file_name="a.csv")):
        ahead.update(chunk)
    assert ahead.finish().to_dict() == inline.finish().to_dict()
