"""The API definition: buf lint and format pass, and the committed stubs match a fresh generation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUF = Path(sys.executable).parent / "buf"


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_buf_lint_passes():
    result = _run(str(BUF), "lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_format_has_nothing_to_change():
    result = _run(str(BUF), "format", "-d", "--exit-code")
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_stubs_are_current():
    result = _run(sys.executable, "scripts/gen_protos.py", "--check")
    assert result.returncode == 0, result.stderr


def test_a_stale_generation_is_caught(tmp_path: Path):
    """Change a proto in a copy of the repository without regenerating: the check must fail."""
    copy = tmp_path / "repo"
    for part in ("proto", "third_party", "scripts", "sluice/v1", "helm/sluice/files"):
        shutil.copytree(ROOT / part, copy / part)
    job_proto = copy / "proto/sluice/v1/job.proto"
    job_proto.write_text(job_proto.read_text().replace("string status_path = 19", "string poll_path = 19"))
    result = _run(sys.executable, "scripts/gen_protos.py", "--check", cwd=copy)
    assert result.returncode == 1
    assert "job_pb2.py" in result.stderr and "make proto" in result.stderr
    assert "helm/sluice/files/sluice.pb" in result.stderr  # the gateway's descriptor set too
