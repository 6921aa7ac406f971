"""The image installs the project as a wheel (Dockerfile: built in its first stage), not from the checkout: the
wheel must carry every module of the services, the operator and the shared package, with their data files and
the engine's compiled kernels."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_every_module_migration_and_entry_point(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path),
         str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("sluice-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {str(p.relative_to(ROOT)) for folder in ("sluice", "services") for p in (ROOT / folder).rglob("*.py")}
    expected |= {str(p.relative_to(ROOT / "operator")) for p in (ROOT / "operator").rglob("*.py")}
    expected |= {str(p.relative_to(ROOT)) for p in (ROOT / "sluice" / "migrations").glob("*.sql")}
    expected |= {str(p.relative_to(ROOT)) for p in (ROOT / "sluice" / "samples").glob("*.csv")}
    assert expected - names == set()
    # The engine's compiled kernels are built into the wheel (the image has no compiler at run time).
    assert any(n.startswith("services/processor/engine/_kernels.") and n.endswith(".so") for n in names), names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "sluice = sluice.cli:main" in scripts and "sluice-autoscaler = sluice_autoscaler.__main__:main" in scripts
