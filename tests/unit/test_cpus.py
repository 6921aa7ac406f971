"""The processor reads ahead only when it may use two CPUs: its affinity, capped by a cgroup CPU quota."""

from __future__ import annotations

import os
from pathlib import Path

from services.processor.cpus import usable_cpus


def test_affinity_without_a_quota(tmp_path: Path) -> None:
    assert usable_cpus(tmp_path) == len(os.sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert usable_cpus(tmp_path) == len(os.sched_getaffinity(0))


def test_a_cgroup_v2_quota_caps_the_affinity(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("50000 100000\n")  # a limit of half a CPU
    assert usable_cpus(tmp_path) == 0.5


def test_a_cgroup_v1_quota_caps_the_affinity(tmp_path: Path) -> None:
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert usable_cpus(tmp_path) == 1.0
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")  # no limit
    assert usable_cpus(tmp_path) == len(os.sched_getaffinity(0))
