"""What a newcomer and an SRE see of the running test stack: `make status` (python -m sluice.devstack status) and
a service's stack dump on SIGUSR1."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest
from kafka import KafkaAdminClient

from sluice.devstack.__main__ import main
from sluice.devstack.stack import Stack
from sluice.lag import partitions_of


def test_status_shows_each_processors_partitions_and_work(stack: Stack, capsys: pytest.CaptureFixture[str]):
    admin = KafkaAdminClient(bootstrap_servers=stack.infra_env()["SLUICE_KAFKA_BOOTSTRAP"], client_id="test-status")
    try:
        partitions = partitions_of(admin, "sluice.jobs")
    finally:
        admin.close()
    deadline, lines = time.monotonic() + 60, []
    while time.monotonic() < deadline:
        assert main(["--home", str(stack.home), "--no-autoscale", "status"]) == 0
        out = capsys.readouterr().out
        lines = [line for line in out.splitlines() if line.strip().startswith("processor-")]
        owned = [re.search(r"partitions ([\d, ]+);", line) for line in lines]
        if len(lines) == 2 and all(owned):
            held = sorted(int(p) for match in owned if match for p in match.group(1).split(", "))
            assert held == partitions, out  # every partition of the jobs topic, each held once
            assert all(re.search(r"; (idle|job [0-9a-f-]{36}); \d+ jobs done$", line) for line in lines), out
            assert re.search(r"^\s+ingest\s+up$", out, re.M), out
            return
        time.sleep(0.5)
    pytest.fail(f"no processor reported its partitions: {lines}")


def test_sigusr1_writes_every_threads_stack_to_a_services_log(stack: Stack):
    """How to see where a process hangs (the local stack does it before it kills one that ignored SIGTERM):
    SIGUSR1 writes each thread's Python stack to the service's log, and the service keeps running."""
    pid = stack.service_pid("status")
    assert pid is not None
    log = stack.home / "logs" / "status.log"
    before = log.stat().st_size
    os.kill(pid, signal.SIGUSR1)
    deadline, dumped = time.monotonic() + 10, ""
    while time.monotonic() < deadline and "Current thread" not in dumped:
        time.sleep(0.2)
        with log.open("rb") as f:
            f.seek(before)
            dumped = f.read().decode(errors="replace")
    assert "Current thread" in dumped and 'File "' in dumped, dumped[-2000:]
    assert stack.service_pid("status") == pid
