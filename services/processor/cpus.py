"""How many CPUs this process may use: what decides whether reading ahead in a second thread pays.

A container's CPU limit is not in the affinity mask: Kubernetes sets it as a CFS quota, read from cgroup v2's
cpu.max (or v1's cpu.cfs_quota_us / cpu.cfs_period_us).
"""

from __future__ import annotations

import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def usable_cpus(cgroup: Path = CGROUP) -> float:
    """The CPUs of this process's affinity, capped by its cgroup's CPU quota when one is set."""
    count = float(len(os.sched_getaffinity(0)))
    quota = _quota(cgroup)
    return min(count, quota) if quota is not None else count


def _quota(cgroup: Path) -> float | None:
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()[:2]  # "max 100000" or "150000 100000"
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None
