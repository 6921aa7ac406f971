"""Real faults: processors killed with SIGKILL mid-job, SIGTERM drains, attempts running out.

The faults are caused for real (signals to real processes); the dead worker is found by its
expired lease, exactly as in production.
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer

from sluice.client import SluiceClient, processor_stats
from sluice.devstack.stack import Stack
from sluice.lag import partitions_of
from sluice.v1 import job_pb2

STATE = job_pb2.JobState


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~40 MB: takes the processor several seconds, long enough to kill it mid-job."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    row = "{i},{f:.4f},name-{m},2026-03-{d:02d},{b}\n"
    with path.open("w") as out:
        out.write("id,score,name,day,flag\n")
        out.writelines(
            row.format(i=i, f=i * 0.37 % 1000, m=i % 5000, d=i % 28 + 1, b="true" if i % 3 else "false")
            for i in range(1_200_000)
        )
    return path


def _wait_running_with_progress(client: SluiceClient, job_id: str, timeout: float = 60) -> job_pb2.Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get_job(job_id)
        if job.state == STATE.Value("JOB_STATE_RUNNING") and job.progress.bytes_done > 0:
            return job
        if job.state in (STATE.Value("JOB_STATE_SUCCEEDED"), STATE.Value("JOB_STATE_FAILED")):
            pytest.fail(f"job finished ({STATE.Name(job.state)}) before it could be interrupted")
        time.sleep(0.05)
    pytest.fail("job never started running")


def _lease_owner(pool, job_id: str) -> str:
    with pool.connection() as conn:
        return conn.execute("SELECT lease_owner FROM jobs WHERE id = %s", (job_id,)).fetchone()["lease_owner"]


def _kill(stack: Stack, key: str, sig: int) -> int:
    pid = stack.service_pid(key)
    assert pid is not None, f"{key} is not running"
    stack.stop_service(key, sig=sig, timeout=30)
    return pid


def test_a_processor_killed_mid_job_loses_nothing(stack: Stack, client: SluiceClient, pool, big_csv):
    job = client.upload(big_csv).job
    running = _wait_running_with_progress(client, job.id)
    owner = _lease_owner(pool, job.id)
    _kill(stack, owner, signal.SIGKILL)
    try:
        final = client.wait(job.id, timeout=180)
    finally:
        stack.start_service("processor", index=int(owner.rsplit("-", 1)[1]))

    assert running.attempt == 1
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED"), final.error.message
    assert final.attempt == 2
    lost = [e for e in final.events if e.to_state == STATE.Value("JOB_STATE_RETRYING")]
    assert len(lost) == 1 and "WORKER_LOST" in lost[0].message and owner in lost[0].message
    assert sum(e.to_state == STATE.Value("JOB_STATE_SUCCEEDED") for e in final.events) == 1
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM profiles WHERE job_id = %s", (job.id,)).fetchone()["n"] == 1
        columns = conn.execute("SELECT count(*) AS n FROM column_profiles WHERE job_id = %s", (job.id,)).fetchone()
    assert columns["n"] == 5
    assert client.get_profile(job.id).row_count == 1_200_000


def test_when_attempts_run_out_the_job_fails_and_goes_to_the_dead_letter_topic(
    stack: Stack, client: SluiceClient, pool, big_csv
):
    job = client.upload(big_csv, options=job_pb2.JobOptions(max_attempts=1)).job
    _wait_running_with_progress(client, job.id)
    owner = _lease_owner(pool, job.id)
    _kill(stack, owner, signal.SIGKILL)
    try:
        final = client.wait(job.id, timeout=120)
    finally:
        stack.start_service("processor", index=int(owner.rsplit("-", 1)[1]))

    assert final.state == STATE.Value("JOB_STATE_FAILED")
    assert final.error.reason == "WORKER_LOST" and final.error.retryable
    assert "gave up after 1 attempts" in final.error.message

    consumer = KafkaConsumer(
        "sluice.jobs.dlq",
        bootstrap_servers=stack.infra_env()["SLUICE_KAFKA_BOOTSTRAP"],
        group_id=f"dlq-check-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        consumer_timeout_ms=20_000,
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
    )
    try:
        found = [json.loads(m.value) for m in consumer if m.key == job.id.encode()]
    finally:
        consumer.close()
    assert found and found[0]["reason"] == "WORKER_LOST" and found[0]["job_id"] == job.id


def test_sigterm_drains_the_current_job_then_leaves(stack: Stack, client: SluiceClient, pool, big_csv):
    job = client.upload(big_csv).job
    _wait_running_with_progress(client, job.id)
    owner = _lease_owner(pool, job.id)
    pid = stack.service_pid(owner)
    _kill(stack, owner, signal.SIGTERM)  # waits for the process to exit by itself
    try:
        final = client.wait(job.id, timeout=120)
    finally:
        stack.start_service("processor", index=int(owner.rsplit("-", 1)[1]))
    log = (stack.home / "logs" / f"{owner}.log").read_text()
    assert "drain requested" in log and "drained: consumer group left" in log
    assert pid is not None
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED")
    # Finished within the drain window (attempt 1), or released and finished elsewhere (attempt 2);
    # never lost to a lease timeout.
    lost = [f"attempt {e.attempt}: {e.message}" for e in final.events if "WORKER_LOST" in e.message]
    assert not lost, (lost, [line for line in log.splitlines() if "lease" in line or "released" in line])


def test_storage_unreachable_means_retrying_with_backoff_then_success(stack: Stack, client: SluiceClient, csv_file):
    """The only processor in the group cannot reach S3 (its endpoint is a closed loopback port: a real
    connection refused); the job goes RETRYING with a due time. The healthy pool then finishes it."""
    from sluice.devstack.servers import free_port

    healthy = [key for key in stack.service_keys() if key.startswith("processor-")]
    # SIGKILL, not SIGTERM: two members leaving one after the other mid-rebalance can wedge a Tansu
    # consumer group for good (a broker fault, see shared notes); expiring members do not.
    for key in healthy:
        stack.stop_service(key, sig=signal.SIGKILL)
    broken = "processor-9"
    stack.start_service("processor", index=9, extra_env={"SLUICE_S3_ENDPOINT": f"http://127.0.0.1:{free_port()}"})
    try:
        job = client.upload(csv_file("a,b\n1,2\n")).job
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            seen = client.get_job(job.id)
            if seen.state == STATE.Value("JOB_STATE_RETRYING"):
                break
            time.sleep(0.2)
        assert seen.state == STATE.Value("JOB_STATE_RETRYING"), STATE.Name(seen.state)
        assert seen.error.reason == "STORAGE_UNAVAILABLE" and seen.error.retryable
        assert seen.HasField("next_attempt_time")
        assert seen.events[-1].worker == broken
    finally:
        stack.stop_service(broken, sig=signal.SIGKILL)
        for key in healthy:
            stack.start_service("processor", index=int(key.rsplit("-", 1)[1]))

    final = client.wait(job.id, timeout=120)
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED")
    assert [STATE.Name(e.to_state) for e in final.events] == [
        "JOB_STATE_QUEUED",
        "JOB_STATE_RUNNING",
        "JOB_STATE_RETRYING",
        "JOB_STATE_RUNNING",
        "JOB_STATE_SUCCEEDED",
    ]
    assert final.events[3].worker != broken


def _assignments(stack: Stack, api_key: str) -> dict[str, tuple[int, ...]]:
    """Each running processor's assigned partitions, from its admin API (what an SRE would look at)."""
    return {
        key: tuple(processor_stats(f"127.0.0.1:{stack.state.port(key)}", api_key, timeout=10).assigned_partitions)
        for key in sorted(k for k in stack.service_keys() if k.startswith("processor-") and stack.service_pid(k))
    }


def _until_shared(stack: Stack, api_key: str, partitions: set[int], members: int, timeout: float = 60) -> dict:
    """Wait until `members` processors hold the topic's partitions between them, each partition once."""
    deadline, seen = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        seen = _assignments(stack, api_key)
        held = [p for owned in seen.values() for p in owned]
        if len(seen) == members and all(seen.values()) and sorted(held) == sorted(partitions):
            return seen
        time.sleep(0.5)
    pytest.fail(f"the partitions were never shared by {members} processors: {seen}")


def test_processors_report_the_partitions_they_own_as_the_group_changes(stack: Stack, api_key: str):
    """GetStats names each processor's partitions of the jobs topic: together they hold every partition
    once; when one leaves, the rest take its partitions, and when it comes back it gets a share again.
    The logs say so too."""
    bootstrap = stack.infra_env()["SLUICE_KAFKA_BOOTSTRAP"]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="test-assignments")
    try:
        partitions = set(partitions_of(admin, "sluice.jobs"))
    finally:
        admin.close()
    assert len(partitions) > 1
    both = _until_shared(stack, api_key, partitions, members=2)
    leaving = sorted(both)[-1]
    _kill(stack, leaving, signal.SIGTERM)
    try:
        alone = _until_shared(stack, api_key, partitions, members=1)
        assert set(alone[sorted(both)[0]]) == partitions
    finally:
        stack.start_service("processor", index=int(leaving.rsplit("-", 1)[1]))
    again = _until_shared(stack, api_key, partitions, members=2)
    assert set(again) == set(both)
    log = (stack.home / "logs" / f"{sorted(both)[0]}.log").read_text()
    assert "partitions revoked" in log and f"partitions assigned: now {sorted(partitions)}" in log
