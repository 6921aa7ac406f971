"""Reader throughput: bare pyarrow.csv.read_csv vs the engine reader (string columns -> pandas chunks).

Also the same file with a line whose quote is left open every 4 MiB (a free-text field starting with a stray
quote): such a line is read alone and the lines between by Arrow, against reading every such block line by line
(the engine's way for a block with many such lines), both in this run; and with a quoted line break in every
record (each record over two lines, read by Arrow block by block once the compiled scan has found them).

.venv/bin/python bench/engine_read.py [MiB]   # generates a CSV of that size in a temp dir (default 100)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import psutil
import pyarrow.csv as pacsv

from services.processor.engine import delimited
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


def with_open_quotes(path: Path, out: Path, every: int = 4 * MIB) -> int:
    """A copy of `path` with a line holding an unterminated quote after every `every` bytes; how many."""
    data = path.read_bytes()
    pieces, position = [], 0
    while position < len(data):
        cut = data.find(b"\n", position + every)
        cut = len(data) if cut < 0 else cut + 1
        pieces.append(data[position:cut])
        position = cut
    broken = b'0,"broken,0,2024-01-01,x\n'  # the quote runs to the line's end: Arrow would read on
    out.write_bytes(broken.join(pieces))
    return len(pieces) - 1


def with_line_breaks(path: Path, out: Path) -> None:
    """A copy of `path` whose every note holds a line break (quoted: each record spans two lines)."""
    out.write_bytes(path.read_bytes().replace(b'"note, ', b'"note,\n'))


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
        messy = Path(tmp) / "open_quotes.csv"
        broken = with_open_quotes(path, messy)
        clean = min(timed_reader(path, 8)[0] for _ in range(3))
        around = min(timed_reader(messy, 8)[0] for _ in range(3))
        limit, delimited._MAX_OPEN_LINES = delimited._MAX_OPEN_LINES, 0  # every such block line by line
        try:
            by_line = min(timed_reader(messy, 8)[0] for _ in range(3))
        finally:
            delimited._MAX_OPEN_LINES = limit
        print(
            f"{broken} lines left in an open quote, block 8 MiB: {around:.2f}s read around them "
            f"({around / clean:.2f}x the clean file's {clean:.2f}s); "
            f"{by_line:.2f}s line by line ({by_line / around:.1f}x)"
        )
        multiline = Path(tmp) / "line_breaks.csv"
        with_line_breaks(path, multiline)
        records = min(timed_reader(multiline, 8)[0] for _ in range(3))
        print(
            f"every record over two lines (a quoted line break in each note), block 8 MiB: {records:.2f}s "
            f"({records / clean:.2f}x the clean file's)"
        )


if __name__ == "__main__":
    main()
