"""Lanes on a thread pool: each lane's tasks run one after another in the order given, different lanes' at once.

The table profiler gives each column a lane, so a column's chunks are accounted in order (its accumulator is not
thread-safe) while the next chunk's columns start as soon as a thread is free: waiting for every column of a
chunk before starting the next left one CPU idle behind the chunk's last column (12% of the 100 MiB bench
file's two-CPU time went idle so).

A lane's tasks run in one pool task that drains its queue, and only the caller of `enqueue` submits to the pool:
nothing is submitted from a worker, so shutting the pool down (which waits for running tasks) never leaves a
queued task unstarted.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any


class Lanes:
    def __init__(self, count: int) -> None:
        self._queues: list[deque[tuple[Future[Any], Callable[[], Any]]]] = [deque() for _ in range(count)]
        self._draining = [False] * count
        self._lock = threading.Lock()

    def enqueue(self, pool: Executor, lane: int, task: Callable[[], Any]) -> Future[Any]:
        """Run `task` after the lane's earlier tasks; its future holds its result or its exception."""
        future: Future[Any] = Future()
        with self._lock:
            self._queues[lane].append((future, task))
            start, self._draining[lane] = not self._draining[lane], True
        if start:
            try:
                pool.submit(self._drain, lane)
            except BaseException as error:  # a pool shut down: the lane's tasks fail instead of waiting forever
                self._fail(lane, error)
                raise
        return future

    def _drain(self, lane: int) -> None:
        while True:
            with self._lock:
                if not self._queues[lane]:
                    self._draining[lane] = False
                    return
                future, task = self._queues[lane].popleft()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(task())
                except BaseException as error:  # the caller raises it where it waits for the result
                    future.set_exception(error)

    def _fail(self, lane: int, error: BaseException) -> None:
        with self._lock:
            queued, self._draining[lane] = list(self._queues[lane]), False
            self._queues[lane].clear()
        for future, _ in queued:
            if future.set_running_or_notify_cancel():
                future.set_exception(error)
