"""The scaling decision as a table: each row is a situation an SRE would recognise."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sluice_autoscaler.decision import Decision, Memory, ScalingPolicy, decide


@dataclass(frozen=True)
class Lag:
    partition: int
    committed: int | None
    lag: int


def lags(*per_partition: int, committed: int = 0) -> list[Lag]:
    return [Lag(p, committed, lag) for p, lag in enumerate(per_partition)]


def condition(decision: Decision, kind: str) -> bool:
    return next(c.status for c in decision.conditions if c.type == kind)


POLICY = ScalingPolicy(
    lag_per_replica=100,
    min_replicas=0,
    max_replicas=10,
    activation_lag=50,
    scale_up_window_seconds=0,
    scale_down_window_seconds=60,
    max_step=4,
)


@pytest.mark.parametrize(
    ("case", "per_partition", "current", "policy", "desired"),
    [
        ("no lag stays at zero", (0, 0, 0), 0, POLICY, 0),
        ("lag below activation stays at zero", (20, 20, 0), 0, POLICY, 0),
        ("lag above activation wakes one", (30, 30, 0), 0, POLICY, 1),
        ("ceil of lag per replica", (150, 100, 0, 0), 1, POLICY, 3),
        ("never more than the partitions", (900, 900), 1, POLICY, 2),
        ("clamped to max", (1000,) * 12, 4, ScalingPolicy(lag_per_replica=100, max_replicas=6, max_step=10), 6),
        (
            "clamped to min",
            (0, 0),
            3,
            ScalingPolicy(lag_per_replica=100, min_replicas=2, scale_down_window_seconds=0),
            2,
        ),
        ("bounded step up", (1000,) * 10, 1, POLICY, 5),
        (
            "bounded step down",
            (0,) * 10,
            9,
            ScalingPolicy(lag_per_replica=100, scale_down_window_seconds=0, max_step=2),
            7,
        ),
        (
            "pending lag keeps one replica",
            (10, 0),
            1,
            ScalingPolicy(lag_per_replica=100, scale_down_window_seconds=0),
            1,
        ),
        ("all drained goes to zero", (0, 0), 1, ScalingPolicy(lag_per_replica=100, scale_down_window_seconds=0), 0),
    ],
)
def test_decision_table(case: str, per_partition: tuple[int, ...], current: int, policy: ScalingPolicy, desired: int):
    decision, _ = decide(policy, lags(*per_partition), current=current, memory=Memory(), now=1000.0)
    assert decision.desired == desired, f"{case}: {decision.reason}"
    assert decision.total_lag == sum(per_partition)


def test_more_consumers_than_partitions_is_reported():
    decision, _ = decide(POLICY, lags(900, 900), current=1, memory=Memory(), now=0)
    assert decision.desired == 2
    assert condition(decision, "LimitedByPartitions")
    assert not condition(decision, "LimitedByMaxReplicas")


def test_kafka_unreachable_keeps_replicas_and_memory():
    memory = Memory(recommendations=((1.0, 3),))
    for current in (0, 3, 7):
        decision, after = decide(POLICY, None, current=current, memory=memory, now=100.0)
        assert decision.desired == current and not decision.changed
        assert decision.total_lag is None
        assert not condition(decision, "KafkaReachable")
        assert after is memory  # the gap is not remembered as a low recommendation


def test_topic_without_partitions_is_treated_as_unreadable():
    decision, _ = decide(POLICY, [], current=4, memory=Memory(), now=0)
    assert decision.desired == 4
    assert not condition(decision, "KafkaReachable")


def test_scale_down_waits_for_the_whole_window():
    memory = Memory.starting(current=5, now=0)
    seen = []
    for second in range(0, 121, 10):
        decision, memory = decide(POLICY, lags(0, 0, 0, 0, 0, 0), current=5, memory=memory, now=float(second))
        seen.append((second, decision.desired))
    # The restart seeded "5" at t=0: nothing lower may be applied until it leaves the 60 s window.
    assert all(d == 5 for s, d in seen if s < 60)
    assert [d for s, d in seen if s >= 60] == [1] * 7  # one step of at most max_step=4


@pytest.mark.parametrize("since_restart", [0.0, 1.0])
def test_scale_up_is_immediate_with_no_up_window(since_restart: float):
    decision, _ = decide(POLICY, lags(400, 0), current=0, memory=Memory.starting(0, 0), now=since_restart)
    assert decision.desired == 2


def test_scale_up_window_takes_the_lowest_recent_recommendation():
    policy = ScalingPolicy(lag_per_replica=100, scale_up_window_seconds=30, scale_down_window_seconds=30)
    memory = Memory()
    decision, memory = decide(policy, lags(100, 0, 0, 0), current=1, memory=memory, now=0)
    decision, memory = decide(policy, lags(400, 0, 0, 0), current=1, memory=memory, now=10)
    assert decision.desired == 1  # a spike does not count until it has lasted the window
    decision, memory = decide(policy, lags(400, 0, 0, 0), current=1, memory=memory, now=35)
    decision, memory = decide(policy, lags(400, 0, 0, 0), current=1, memory=memory, now=41)
    assert decision.desired == 4


def test_flapping_load_does_not_flap_replicas():
    """Lag alternating high/low every poll for ten minutes: the replicas go up once and stay."""
    memory = Memory()
    current = 1
    changes = []
    for step in range(120):  # a poll every 5 s
        per = (300, 300, 300, 300) if step % 2 == 0 else (0, 0, 0, 10)
        committed = step * 7  # offsets keep moving: consumers are healthy
        decision, memory = decide(
            POLICY,
            [Lag(p, committed, lag) for p, lag in enumerate(per)],
            current=current,
            memory=memory,
            now=step * 5.0,
        )
        if decision.changed:
            changes.append((step, current, decision.desired))
            current = decision.desired
    assert changes == [(0, 1, 4)], changes


def test_a_stuck_partition_does_not_drive_scale_up():
    """Partition 0 has a poison message: huge lag, committed offset frozen, the others drain normally."""
    policy = ScalingPolicy(lag_per_replica=100, max_replicas=10, stuck_polls=3, scale_down_window_seconds=0)
    memory = Memory()
    current = 2
    history = []
    for poll in range(6):
        readings = [Lag(0, 40, 5000), Lag(1, 100 + poll * 50, 50), Lag(2, 70 + poll * 50, 50)]
        decision, memory = decide(policy, readings, current=current, memory=memory, now=poll * 10.0)
        history.append((decision.desired, decision.stuck_partitions))
        current = decision.desired
    # Before it is known to be stuck the lag counts (step bound 4); then it is excluded and reported.
    assert history[0] == (3, ())  # 5100 lag, capped by the 3 partitions
    assert history[-1][1] == (0,)
    assert history[-1][0] == 1  # only the 100 messages of the healthy partitions count
    assert condition(decision, "StuckPartitions")
    assert decision.counted_lag == 100 and decision.total_lag == 5100


def test_stuck_lag_counts_when_exclusion_is_off():
    policy = ScalingPolicy(lag_per_replica=100, stuck_polls=2, exclude_stuck_lag=False)
    memory = Memory(replicas=1)
    for poll in range(5):  # both move on the first two polls, then both freeze
        offset = 40 + 10 * min(poll, 1)
        readings = [Lag(0, offset, 500), Lag(1, offset, 500)]
        decision, memory = decide(policy, readings, current=1, memory=memory, now=poll)
    assert decision.stuck_partitions == (0, 1)
    assert decision.desired == 2


def test_nothing_is_stuck_while_new_consumers_start():
    """Just scaled from zero: the processors are still starting and joining the group (a first join waits
    for the group's rebalance), so no offset moves anywhere. That is not a poison message: the lag counts in
    full. Once the group commits, standing still counts from then on."""
    policy = ScalingPolicy(lag_per_replica=50, max_replicas=2, stuck_polls=3, max_step=1, scale_down_window_seconds=0)
    memory, current, desired, stuck, messages = Memory(), 0, [], [], []
    for poll in range(8):
        moving = poll >= 6  # the group's first commits come at poll 6
        readings = [Lag(p, 10 + poll if moving else None, 100) for p in range(3)]
        decision, memory = decide(policy, readings, current=current, memory=memory, now=poll)
        desired.append(decision.desired)
        stuck.append(decision.stuck_partitions)
        messages.append(next(c.message for c in decision.conditions if c.type == "StuckPartitions"))
        current = decision.desired
    assert desired == [1, 2, 2, 2, 2, 2, 2, 2]  # up one step per poll, never down while the group starts
    assert stuck == [()] * 8
    assert "consumers starting or rebalancing" in messages[5]  # what an SRE reads on the resource meanwhile
    assert messages[7] == "every partition with lag is being consumed"


def test_a_stuck_partition_stays_stuck_while_the_group_rebalances():
    """Partition 0 is stuck on a poison message; a scale-up makes the group rebalance and nothing moves
    for a while. Partition 0 stays excluded; partition 1, which stands still only during the rebalance,
    does not become stuck."""
    policy = ScalingPolicy(lag_per_replica=100, max_replicas=10, stuck_polls=2, scale_down_window_seconds=0)
    memory = Memory(replicas=1)
    history = []
    for poll, (current, offset1) in enumerate([(1, 0), (1, 10), (1, 20), (1, 30), (2, 30), (2, 30), (2, 30), (2, 40)]):
        readings = [Lag(0, 5, 900), Lag(1, offset1, 150)]
        decision, memory = decide(policy, readings, current=current, memory=memory, now=poll)
        history.append(decision.stuck_partitions)
    assert history[3:] == [(0,)] * 5
    assert decision.counted_lag == 150


def test_nothing_is_stuck_while_no_consumer_runs():
    policy = ScalingPolicy(lag_per_replica=100, stuck_polls=2, activation_lag=10_000)
    memory = Memory()
    for poll in range(5):
        decision, memory = decide(policy, lags(500, committed=7), current=0, memory=memory, now=poll)
    assert decision.stuck_partitions == ()
    assert decision.desired == 0


def test_a_partition_without_commits_counts_its_whole_backlog():
    decision, _ = decide(POLICY, [Lag(0, None, 250)], current=0, memory=Memory(), now=0)
    assert decision.desired == 1 and decision.total_lag == 250


@pytest.mark.parametrize(
    "bad",
    [
        {"lag_per_replica": 0},
        {"lag_per_replica": 10, "min_replicas": -1},
        {"lag_per_replica": 10, "min_replicas": 5, "max_replicas": 3},
        {"lag_per_replica": 10, "max_step": 0},
        {"lag_per_replica": 10, "scale_down_window_seconds": -1},
    ],
)
def test_bad_policy_is_refused_with_the_field_name(bad: dict[str, int]):
    with pytest.raises(ValueError, match=r"[A-Z][a-z]+|lagPerReplica|Replicas|maxStep|windows"):
        ScalingPolicy(**bad)
