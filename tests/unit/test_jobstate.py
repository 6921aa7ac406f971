import random

import pytest

from sluice.jobstate import CLAIMABLE, TERMINAL, RetryPolicy, State, after_transient_failure, can_transition


def test_terminal_states_have_no_way_out():
    for state in TERMINAL:
        assert not any(can_transition(state, target) for target in State)


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        (State.QUEUED, State.RUNNING, True),
        (State.RUNNING, State.SUCCEEDED, True),
        (State.RUNNING, State.RETRYING, True),
        (State.RETRYING, State.RUNNING, True),
        (State.QUEUED, State.SUCCEEDED, False),  # nothing finishes without running
        (State.RETRYING, State.SUCCEEDED, False),
        (State.SUCCEEDED, State.RUNNING, False),  # a redelivered message never reruns a finished job
    ],
)
def test_transitions(source, target, allowed):
    assert can_transition(source, target) is allowed


def test_only_waiting_jobs_are_claimable():
    assert {State.QUEUED, State.RETRYING} == CLAIMABLE


def test_attempts_run_out():
    assert after_transient_failure(1, 3) is State.RETRYING
    assert after_transient_failure(2, 3) is State.RETRYING
    assert after_transient_failure(3, 3) is State.FAILED


def test_backoff_grows_exponentially_with_bounded_jitter():
    policy = RetryPolicy(base_seconds=2, max_seconds=30)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 30), (9, 30)]:
        delays = [policy.delay(attempt, rng) for _ in range(200)]
        assert min(delays) >= ceiling / 2
        assert max(delays) <= ceiling
        assert len(set(delays)) > 150  # jittered, so retries of many jobs do not line up
