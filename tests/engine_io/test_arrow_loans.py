"""Arrow's threads let go of what the reader lent them before the reader goes on.

An Arrow worker that drops a Python object while the interpreter exits aborts the process (arrow_loans.py
explains the race); a CI run lost a test to it. These tests use real Arrow calls on its real thread pool and
fail when the wait is missing: without it, the input buffer of about 1 in 15 threaded reads and the handler of
about 1 in 3 were still held when the call returned.
"""

from __future__ import annotations

import sys
import threading
import weakref
from typing import Any

import pyarrow.csv as pacsv
import pytest

from services.processor.engine.arrow_loans import Loans
from services.processor.engine.reading import ReadOptions, open_table
from tests.engine_io.reader_helpers import stream

CALLS = 120


def _lines(rows: int, end: bytes = b"\n") -> bytes:
    return b"".join(b'%d,user%d@example.com,%d.25,"note, %d"%s' % (i, i, i, i, end) for i in range(rows))


def _threaded_options() -> pacsv.ReadOptions:
    return pacsv.ReadOptions(block_size=1 << 17, use_threads=True, column_names=["id", "email", "amount", "note"])


def test_leaving_loans_waits_until_arrow_let_go_of_the_buffer_and_the_callback() -> None:
    data = _lines(40_000)  # ~1.5 MiB: a dozen blocks for Arrow's threads

    def handler(_row: pacsv.InvalidRow) -> str:
        return "skip"

    base_data, base_handler = sys.getrefcount(data), sys.getrefcount(handler)
    for _ in range(CALLS):
        with Loans() as loans:
            table = pacsv.read_csv(
                loans.buffer(data),
                read_options=_threaded_options(),
                parse_options=pacsv.ParseOptions(invalid_row_handler=loans.callback(handler)),
            )
        assert table.num_rows == 40_000
        assert (sys.getrefcount(data), sys.getrefcount(handler)) == (base_data, base_handler)


def test_loans_count_what_arrow_still_holds_and_give_up_at_the_timeout() -> None:
    data = b"a,b\n1,2\n"
    loans = Loans(timeout=0.01)
    held = loans.buffer(data)  # the test holds Arrow's reader, as a worker thread would
    assert loans.outstanding() == 1
    assert loans.settle() is False
    del held
    assert loans.outstanding() == 0
    assert loans.settle() is True


def _released_late(held: list[Any], delay: float = 0.05) -> None:
    """Drop `held` on another thread after `delay`: what an Arrow worker sometimes does after a call returned,
    made certain here (the real race hits a few calls in a hundred, at no chosen call)."""
    threading.Timer(delay, held.clear).start()


def _held_late(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[Any]]:
    """Make every `pacsv.read_csv` call keep its source and handler 50 ms past its end; weak references to the
    handlers."""
    handlers: list[weakref.ref[Any]] = []
    real = pacsv.read_csv

    def read_csv(source: Any, **options: Any) -> Any:
        handler = options["parse_options"].invalid_row_handler
        handlers.append(weakref.ref(handler))
        try:
            return real(source, **options)
        finally:
            _released_late([source, handler])

    monkeypatch.setattr(pacsv, "read_csv", read_csv)
    return handlers


def test_the_reader_hands_out_a_block_only_once_arrow_let_go_of_it(monkeypatch: pytest.MonkeyPatch) -> None:
    handlers = _held_late(monkeypatch)
    data = b"id,email,amount,note\n" + _lines(200_000)  # ~8 MiB: four blocks, each on Arrow's threads
    reader = open_table(stream(data), file_name="big.csv", options=ReadOptions(block_size=2 << 20))
    rows = 0
    for chunk in reader.chunks():
        rows += len(chunk)
        assert [ref() for ref in handlers] == [None] * len(handlers)
    assert rows == 200_000
    assert len(handlers) >= 4
