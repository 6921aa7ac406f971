"""Reader throughput: bare pyarrow.csv.read_csv vs the engine reader (string columns -> pandas chunks).

.venv/bin/python bench/engine_read.py [MiB]   # generates a CSV of that size in a temp dir (default 100)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import psutil
import pyarrow.csv as pacsv

from services.processor.engine.reading import ReadOptions, open_table

MIB = 2**20


def generate(path: Path, mib: int) -> None:
    rows = "".join(
        f'{i},user{i}@example.com,{i * 3.25:.2f},2024-01-{i % 28 + 1:02d},"note, {i}"\n' for i in range(20000)
    )
    with path.open("wb") as out:
        out.write(b"id,email,amount,day,note\n")
        while out.tell() < mib * MIB:
            out.write(rows.encode())


def timed_bare(path: Path) -> float:
    started = time.perf_counter()
    pacsv.read_csv(path)
    return time.perf_counter() - started


def timed_reader(path: Path, block_mib: int) -> tuple[float, float]:
    process = psutil.Process()
    base = peak = process.memory_info().rss
    started = time.perf_counter()
    with path.open("rb", buffering=0) as raw:
        for _frame in open_table(raw, file_name=path.name, options=ReadOptions(block_size=block_mib * MIB)):
            peak = max(peak, process.memory_info().rss)
    return time.perf_counter() - started, (peak - base) / MIB


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        generate(path, mib)
        timed_reader(path, 4)  # warm the page cache and lazy imports
        bare = min(timed_bare(path) for _ in range(3))
        print(
            f"{path.stat().st_size / MIB:.0f} MiB CSV; bare pyarrow.csv.read_csv (threads, inferred types): {bare:.2f}s"
        )
        for block in (4, 8, 16):
            runs = [timed_reader(path, block) for _ in range(3)]
            seconds = min(r[0] for r in runs)
            growth = max(r[1] for r in runs)
            print(
                f"engine reader, block {block} MiB: {seconds:.2f}s ({seconds / bare:.2f}x bare), RSS +{growth:.0f} MiB"
            )


if __name__ == "__main__":
    main()
