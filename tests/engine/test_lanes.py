"""Lanes on a real thread pool: a lane's tasks in order and one at a time, different lanes at once, failures
handed to their futures, and a shut-down pool refused loudly rather than leaving a task waiting forever."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from services.processor.engine.lanes import Lanes


def test_a_lanes_tasks_run_in_order_one_at_a_time_while_other_lanes_run() -> None:
    lanes = Lanes(2)
    log: list[tuple[int, int, str]] = []
    lock = threading.Lock()
    other_lane_ran = threading.Event()

    def task(lane: int, n: int) -> int:
        with lock:
            log.append((lane, n, "start"))
        if lane == 0 and n == 0:  # lane 0 is held until lane 1 has run: the lanes run at once
            assert other_lane_ran.wait(timeout=10)
        if lane == 1:
            other_lane_ran.set()
        time.sleep(0.001)
        with lock:
            log.append((lane, n, "end"))
        return lane * 100 + n

    with ThreadPoolExecutor(2) as pool:
        futures = [(lane, n, lanes.enqueue(pool, lane, partial(task, lane, n))) for n in range(20) for lane in (0, 1)]
        results = {(lane, n): future.result(timeout=30) for lane, n, future in futures}
    assert results == {(lane, n): lane * 100 + n for lane in (0, 1) for n in range(20)}
    for lane in (0, 1):
        events = [(n, what) for on, n, what in log if on == lane]
        assert events == [(n, what) for n in range(20) for what in ("start", "end")]  # in order, never overlapping


def test_a_failed_task_fails_its_future_and_the_lane_goes_on() -> None:
    lanes = Lanes(1)

    def fail() -> None:
        raise ValueError("bad chunk")

    with ThreadPoolExecutor(1) as pool:
        failed = lanes.enqueue(pool, 0, fail)
        after = lanes.enqueue(pool, 0, lambda: "next")
        with pytest.raises(ValueError, match="bad chunk"):
            failed.result(timeout=10)
        assert after.result(timeout=10) == "next"


def test_a_shut_down_pool_is_refused_and_the_lane_left_usable() -> None:
    lanes = Lanes(1)
    pool = ThreadPoolExecutor(1)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        lanes.enqueue(pool, 0, lambda: 1)
    with ThreadPoolExecutor(1) as fresh:
        assert lanes.enqueue(fresh, 0, lambda: 2).result(timeout=10) == 2
