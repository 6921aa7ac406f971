"""What byte-range parts cost the engine: the first N parts of the processor bench's 2 GiB file profiled as a
processor does them (read and update, serialise the state, give memory back; then unpack, merge and finish)
against the same bytes in one pass, CPU seconds per step, in one process.

    .venv/bin/python bench/part_overhead.py [--parts 4] [--order parts,one]

Run it in both orders (the machine's speed drifts). The file is bench/processor_pipeline.py's (generated once into
~/.cache/sluice/bench); figures go to BENCHMARKS.md by hand, beside the processor run they explain.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.processor_pipeline import dataset
from services.processor import memory
from services.processor.engine import TableProfiler
from services.processor.engine.options import Dialect
from services.processor.engine.parse_report import ParseReport
from services.processor.engine.reading import open_table, plan_parts, sniff_dialect
from services.processor.parts import pack_state, unpack_state

MIB = 1024 * 1024


def profile_range(path: Path, dialect: Dialect, start: int, end: int) -> tuple[TableProfiler, ParseReport]:
    with path.open("rb", buffering=0) as raw:
        raw.seek(start)
        reader = open_table(raw, byte_range=(start, end), dialect=dialect)
        profiler = TableProfiler()
        for chunk in reader.chunks():
            profiler.update(chunk)
    return profiler, reader.report


def in_parts(path: Path, dialect: Dialect, ranges: list[tuple[int, int]]) -> dict[str, float]:
    cpu, steps = time.process_time, dict.fromkeys(["update", "serialise", "release", "merge", "finish"], 0.0)
    blobs = []
    for start, end in ranges:
        began = cpu()
        profiler, report = profile_range(path, dialect, start, end)
        updated = cpu()
        blobs.append(pack_state(report, profiler.to_bytes()))
        serialised = cpu()
        del profiler
        memory.release()
        steps["update"] += updated - began
        steps["serialise"] += serialised - updated
        steps["release"] += cpu() - serialised
    began = cpu()
    merged: tuple[TableProfiler, ParseReport] | None = None
    for blob in blobs:
        report, state = unpack_state(blob)
        profiler = TableProfiler.from_bytes(state)
        if merged is None:
            merged = (profiler, report)
        else:
            merged[0].merge(profiler)
            merged[1].merge(report, line_offset=merged[1].lines_read)
    assert merged is not None
    steps["merge"] = cpu() - began
    began = cpu()
    merged[0].finish(merged[1])
    steps["finish"] = cpu() - began
    return steps


def one_pass(path: Path, dialect: Dialect, start: int, end: int) -> dict[str, float]:
    began = time.process_time()
    profiler, report = profile_range(path, dialect, start, end)
    updated = time.process_time()
    profiler.finish(report)
    return {"update": updated - began, "finish": time.process_time() - updated}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", type=int, default=4)
    parser.add_argument("--order", default="parts,one")
    args = parser.parse_args()
    memory.use_jemalloc()  # as the processor does
    path = dataset(2.0)
    with path.open("rb") as f:
        dialect = sniff_dialect(f.read(MIB), file_name=path.name)
    ranges = plan_parts(path.stat().st_size, dialect, part_bytes=256 * MIB)[: args.parts]
    mib = (ranges[-1][1] - ranges[0][0]) / MIB
    for mode in args.order.split(","):
        if mode == "parts":
            steps = in_parts(path, dialect, ranges)
        else:
            steps = one_pass(path, dialect, ranges[0][0], ranges[-1][1])
        label = f"{len(ranges)} parts" if mode == "parts" else "one pass"
        figures = ", ".join(f"{k} {v:.2f}" for k, v in steps.items())
        print(f"{mib:.0f} MiB, {label}: CPU seconds {figures}; total {sum(steps.values()):.2f}", flush=True)


if __name__ == "__main__":
    main()
