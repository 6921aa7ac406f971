"""Reading a ~200 MB CSV keeps the reader's memory flat: peak RSS grows by far less than the file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FILE_MIB = 200
BOUND_MIB = 300

_PROBE = """
import json, resource, sys
import psutil
from services.processor.engine.reading import open_table
process = psutil.Process()
base = process.memory_info().rss
rows = peak = 0
with open(sys.argv[1], "rb", buffering=0) as raw:
    reader = open_table(raw, file_name="big.csv")
    for chunk in reader.chunks():  # as the processor reads
        rows += len(chunk)
        peak = max(peak, process.memory_info().rss)
print(json.dumps({"rows": rows, "growth_mib": (peak - base) / 2**20,
                  "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "base_mib": base / 2**20, "report": reader.report.to_dict()}))
"""


def write_csv(path: Path, mib: int) -> int:
    block = "".join(
        f'{i},user{i}@example.com,{i * 3.25:.2f},2024-01-{i % 28 + 1:02d},"note, {i}"\n' for i in range(20000)
    )
    data = block.encode()
    count = 0
    with path.open("wb") as out:
        out.write(b"id,email,amount,day,note\n")
        while out.tell() < mib * 2**20:
            out.write(data)
            count += 20000
    return count


@pytest.mark.timeout(600)
def test_reading_200_mib_keeps_rss_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    expected_rows = write_csv(path, FILE_MIB)
    result = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, timeout=600)
    # It must also exit cleanly: an Arrow thread dropping a Python object while the interpreter exits aborts it.
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    figures = json.loads(result.stdout)
    print(f"RSS growth while reading {path.stat().st_size / 2**20:.0f} MiB: {figures['growth_mib']:.0f} MiB")
    assert figures["rows"] == expected_rows
    assert figures["report"]["ragged_rows"] == 0
    assert figures["growth_mib"] < BOUND_MIB
