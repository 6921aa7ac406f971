"""Python objects lent to an Arrow call, and waiting until Arrow's threads let go of them.

Arrow's worker threads may drop their reference to a call's input buffer or callback a few milliseconds after
the call returned (measured with pyarrow 26 on 2 cores: the input bytes of 20 in 300 threaded read_csv calls,
the invalid_row_handler of about 1 in 3). Dropping a Python object takes
the GIL, and CPython ends a thread that asks for the GIL while the interpreter exits (pthread_exit). Inside
Arrow's C++ frames that is `std::terminate`: the process aborts (SIGABRT, "terminate called without an active
exception") after its work is done: a CI run met it in a process that exited right after reading a file (1 run
in 150 of that probe here; apache/arrow#39862 and #45017 are the same race). So each of the reader's Arrow
calls is made inside `Loans`, which waits on leaving until Arrow holds nothing it was lent: nothing to wait for
in most calls, a few milliseconds in the others.

Only what Arrow alone holds can be watched: `buffer` and `callback` lend fresh wrappers (a memoryview, a
forwarding callable), so the caller's own references do not count.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any

import pyarrow as pa

_POLL_S = 0.0005  # a sleep releases the GIL, which the worker needs to finish
_TIMEOUT_S = 5.0  # a bound, never met in practice: leaving early only brings the race back


class _Callback:
    """A callable forwarding to `function`, held by Arrow alone."""

    __slots__ = ("__weakref__", "function")

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function

    def __call__(self, *args: Any) -> Any:
        return self.function(*args)


class Loans:
    """`with Loans() as loans:` around an Arrow call whose inputs come from `loans.buffer(...)` and
    `loans.callback(...)`; leaving the block waits until Arrow let go of them."""

    def __init__(self, *, timeout: float = _TIMEOUT_S) -> None:
        self._timeout = timeout
        self._lent: list[weakref.ref[Any]] = []

    def buffer(self, data: bytes | bytearray) -> pa.BufferReader:
        view = memoryview(data)  # Arrow's buffer holds the view, which holds the bytes
        self._lent.append(weakref.ref(view))
        return pa.BufferReader(view)

    def callback(self, function: Callable[..., Any]) -> _Callback:
        lent = _Callback(function)
        self._lent.append(weakref.ref(lent))
        return lent

    def outstanding(self) -> int:
        """How many lent objects Arrow still holds."""
        return sum(ref() is not None for ref in self._lent)

    def settle(self) -> bool:
        """Wait until Arrow let go of everything lent; False if it still held something after the timeout."""
        deadline = time.monotonic() + self._timeout
        while self.outstanding():
            if time.monotonic() > deadline:
                return False
            time.sleep(_POLL_S)
        self._lent.clear()
        return True

    def __enter__(self) -> Loans:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.settle()
