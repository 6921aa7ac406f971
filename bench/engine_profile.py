"""Micro-benchmark of the profiling engine against Arrow's bare CSV parse.

    .venv/bin/python bench/engine_profile.py [--rows N] [--file PATH]

Generates a CSV (integer, float, date, categorical, free-text and email columns with nulls) unless it exists,
then times (1) pyarrow.csv.open_csv with every column as string in 64 MiB blocks and (2) the same read plus
to_pandas and TableProfiler.update per block; prints both, their ratio and the peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from services.processor.engine import TableProfiler


def generate(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    words = np.array(
        [
            "the",
            "quick",
            "brown",
            "fox",
            "jumps",
            "over",
            "lazy",
            "dog",
            "data",
            "profile",
            "stream",
            "merge",
            "sketch",
            "value",
        ]
    )
    step = 200_000
    for start in range(0, rows, step):
        n = min(step, rows - start)
        ints = rng.integers(-(10**6), 10**6, n).astype(str).astype(object)
        ints[rng.random(n) < 0.02] = ""
        floats = np.round(rng.normal(100, 30, n), 4).astype(str).astype(object)
        floats[rng.random(n) < 0.05] = "NA"
        dates = (np.datetime64("2015-01-01") + rng.integers(0, 3650, n)).astype(str)
        cats = rng.choice(["alpha", "beta", "gamma", "delta", "epsilon"], n)
        text = [" ".join(rng.choice(words, 6)) for _ in range(n)]
        emails = [f"user{i}@example{i % 97}.com" for i in rng.integers(0, 10**7, n)]
        frame = pd.DataFrame(
            {
                "id": np.arange(start, start + n),
                "int": ints,
                "float": floats,
                "date": dates,
                "cat": cats,
                "text": text,
                "email": emails,
            }
        )
        frame.to_csv(path, mode="a" if start else "w", header=not start, index=False)


def read_blocks(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as f:
        header = f.readline().decode().strip().split(",")
    options = pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False)
    return pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=64 << 20), convert_options=options)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_300_000)
    parser.add_argument("--file", type=Path, default=Path("/tmp/sluice_engine_bench.csv"))
    args = parser.parse_args()
    if not args.file.exists():
        generate(args.file, args.rows)
    size = args.file.stat().st_size
    start = time.perf_counter()
    rows = sum(batch.num_rows for batch in read_blocks(args.file))
    bare = time.perf_counter() - start
    start = time.perf_counter()
    profiler = TableProfiler()
    for batch in read_blocks(args.file):
        profiler.update(batch.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get))
    profile = profiler.finish()
    full = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"file {size / 2**20:.0f} MiB, {rows} rows, {profile.columns} columns")
    print(f"bare parse {bare:.2f} s; parse+profile {full:.2f} s; ratio {full / bare:.1f}x; peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
