"""Read ahead: the next chunk is fetched and parsed in a background thread while the caller profiles this one.

Fetching (network reads) and Arrow's CSV parse release the GIL, so they overlap with profiling instead of
alternating with it. At most `depth` chunks wait in the queue, so memory stays bounded (one chunk being
profiled, `depth` waiting, one being parsed). An exception raised while reading reaches the caller at the
point of the stream where it happened; closing early (the caller stops or fails) stops the thread at its next
chunk boundary.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1


class _End:
    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    def __init__(self, items: Iterable[T], *, depth: int = 1, name: str = "read-ahead") -> None:
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._items = items
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
        self._closed = threading.Event()
        # The caller's context (log fields such as the job id, the current span) follows into the thread.
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._produce,), name=name, daemon=True)
        self._started = False

    def _produce(self) -> None:
        end = _End()
        try:
            for item in self._items:
                if not self._put(item):
                    return
        except BaseException as error:  # handed to the consumer, re-raised there
            end = _End(error)
        self._put(end)

    def _put(self, item: T | _End) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        if self._started:
            raise RuntimeError("a ReadAhead is iterated once")
        self._started = True
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if isinstance(item, _End):
                    if item.error is not None:
                        raise item.error
                    return
                yield item
        finally:
            self.close()

    def close(self, timeout: float = 5.0) -> None:
        """Stop reading ahead; waits (bounded) for the thread, which may be inside a read."""
        self._closed.set()
        if self._started and self._thread is not threading.current_thread():
            self._thread.join(timeout)
