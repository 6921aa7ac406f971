"""The lease keeper: renews on its own thread, stops when the lease is gone, says when renewals come late.

`renew` is a plain callable here (the store's renew is exercised against PostgreSQL by the integration tests);
the database error is a real psycopg exception class raised by that callable.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
import pytest

from services.processor.lease import LeaseKeeper


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_renews_until_stopped_and_not_after() -> None:
    calls: list[float] = []
    lost = threading.Event()
    keeper = LeaseKeeper(lambda: calls.append(time.monotonic()) or True, lease_seconds=0.15, lost=lost, name="t")
    keeper.start()
    assert _wait_for(lambda: len(calls) >= 3)
    keeper.stop()
    seen = len(calls)
    time.sleep(0.2)
    assert len(calls) == seen and not lost.is_set()


def test_a_lease_no_longer_ours_sets_lost_and_ends_the_keeper() -> None:
    calls = []
    lost = threading.Event()
    keeper = LeaseKeeper(lambda: calls.append(1) and False, lease_seconds=0.15, lost=lost, name="t")
    keeper.start()
    assert lost.wait(5)
    time.sleep(0.2)
    assert len(calls) == 1
    keeper.stop()


def test_a_database_error_is_logged_and_renewal_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    outcomes: list[bool | Exception] = [psycopg.OperationalError("server closed the connection"), True, True]
    calls = []

    def renew() -> bool:
        calls.append(1)
        outcome = outcomes.pop(0) if outcomes else True
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    keeper = LeaseKeeper(renew, lease_seconds=0.15, lost=threading.Event(), name="job j")
    with caplog.at_level(logging.WARNING, logger="services.processor.lease"):
        keeper.start()
        assert _wait_for(lambda: len(calls) >= 3)
        keeper.stop()
    assert "job j: lease renewal failed: server closed the connection" in caplog.text


def test_a_renewal_later_than_half_the_lease_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The clock says 0.26 s passed between two renewals of a 0.3 s lease (a starved process): the log says so;
    the renewals 0.1 s apart do not."""
    times = iter([0.0, 0.1, 0.36, 0.46])
    calls = []
    lost = threading.Event()
    keeper = LeaseKeeper(
        lambda: calls.append(1) or len(calls) < 3, lease_seconds=0.3, lost=lost, name="job j", clock=lambda: next(times)
    )
    with caplog.at_level(logging.WARNING, logger="services.processor.lease"):
        keeper.start()
        assert lost.wait(5)
        keeper.stop()
    late = [r.getMessage() for r in caplog.records if "lease renewed" in r.getMessage()]
    assert late == [
        "job j: lease renewed 0.3s after the previous renewal (the lease is 0.3s): this process is starved of CPU "
        "or the database is slow"
    ]
