"""The processor end to end on a real local stack: peak memory on a large file, and one vs two processors.

1. Memory: one processor, splitting off, profiles a large generated CSV (default 5 GiB) uploaded through the
   gRPC API; its resident memory (VmRSS) is sampled every 50 ms. Baseline: the idle processor, same run.
1b. Wide tables (`--wide COLUMNSxROWS`, repeatable): the same on a generated wide CSV (bench/profile_engine.py's
   integer, text, float and categorical columns in turn); `COLUMNSxROWS.parquet`: that table as Parquet, written
   with pyarrow's defaults (as pandas' to_parquet writes it: row groups of up to 1Mi rows, pages of 1 MiB).
2. Scaling: the same kind of file (default 2 GiB) is profiled by one processor in one pass, then by two
   processors with byte-range parts (256 MiB), all as one-CPU processors (no read-ahead; one reading ahead on
   both cores is shown beside); processing time is the job's RUNNING -> SUCCEEDED interval.
   The target compares these two (the strictest baseline: one pass is a lone processor's fastest way). Also
   measured: one processor with the default split (it does every part itself), which is what a deployment
   scaled from one processor to two had before. Measured --pairs times, alternated; each job's CPU seconds
   are shown by component. After each two-processor job, the machine's own two-core speed-up is measured on
   the same work without the services (the engine profiling two parts in one process, then two processes doing
   two parts each at once): a shared virtual machine does not always give two full cores, and this is the
   ceiling the pipeline's speed-up is to be read against.

Run: `.venv/bin/python bench/processor_pipeline.py [--memory-gib 5] [--scale-gib 2] [--pairs 3] [--wide 2000x12000]`
(`--pairs 0` skips 2). Files are generated once into ~/.cache/sluice/bench (deterministic), the stack lives in a
temporary folder, stopped and deleted at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from profile_engine import wide_dataset  # (bench/ is on the path of a script run from it)

from sluice.client import Endpoints, SluiceClient
from sluice.devstack.stack import Stack
from sluice.v1 import job_pb2

MIB = 1024 * 1024
CACHE = Path.home() / ".cache" / "sluice" / "bench"
WORDS = np.array(["the", "quick", "brown", "fox", "jumps", "over", "lazy", "profile", "data", "stream"])


def generate(path: Path, size: int, seed: int = 11) -> None:
    """Integer, float, date, categorical, free-text and email columns with nulls, written in 1M-row batches."""
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp")
    names = ["id", "qty", "price", "day", "cat", "note", "email"]
    with pacsv.CSVWriter(tmp, pa.schema([(n, pa.string()) for n in names])) as out:
        start = 0
        while tmp.stat().st_size < size:
            n = 1_000_000
            ids = np.arange(start, start + n)
            start += n
            price = np.round(rng.gamma(2.0, 40.0, n), 2).astype(str)
            price[rng.random(n) < 0.02] = ""
            days = (np.datetime64("2020-01-01") + rng.integers(0, 2000, n)).astype(str)
            cats = rng.choice(np.array(["alpha", "beta", "gamma", "delta", ""]), n, p=[0.4, 0.3, 0.2, 0.07, 0.03])
            note = np.char.add(np.char.add(rng.choice(WORDS, n), " "), rng.choice(WORDS, n))
            email = np.char.add(np.char.add("user", rng.integers(0, 10**6, n).astype(str)), "@example.org")
            columns = [pa.array(a.astype(str)) for a in (ids, rng.integers(-5, 100, n), price, days, cats, note, email)]
            out.write_table(pa.table(columns, names=names))
    tmp.replace(path)


def dataset(gib: float) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"pipeline_{gib:g}gib.csv"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        generate(path, int(gib * 1024 * MIB))
    return path


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Peak(threading.Thread):
    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.peak, self.stop = pids, dict.fromkeys(pids, 0.0), threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in self.pids:
                with contextlib.suppress(OSError):  # a processor that just stopped
                    self.peak[pid] = max(self.peak[pid], rss_mib(pid))
            time.sleep(0.05)


def processing_seconds(job: job_pb2.Job) -> float:
    running = [e for e in job.events if e.to_state == job_pb2.JOB_STATE_RUNNING][-1]
    done = [e for e in job.events if e.to_state == job_pb2.JOB_STATE_SUCCEEDED][-1]
    return done.time.ToDatetime().timestamp() - running.time.ToDatetime().timestamp()


def profile_file(
    stack: Stack, path: Path, processors: dict[str, str], watch: bool
) -> tuple[float, dict[str, float], int]:
    """(processing seconds, peak RSS per processor, parts) for one upload."""
    for key in [k for k in stack.service_keys() if k.startswith("processor-")]:
        stack.stop_service(key)
    # A fresh consumer group each time: members leaving while the group rebalances can leave it stuck for good
    # on the local broker (Tansu), which once stalled a run here. The group reads the topic from the start; the
    # finished jobs' messages are skipped at once (their claims fail).
    extra = {"SLUICE_SPLIT_BYTES": processors["split"], "SLUICE_CONSUMER_GROUP": f"bench-{uuid.uuid4().hex[:8]}"}
    if "read_ahead" in processors:
        extra["SLUICE_READ_AHEAD"] = processors["read_ahead"]
    pids = [stack.start_service("processor", index=i, extra_env=extra) for i in range(int(processors["count"]))]
    time.sleep(8)  # group joins settle
    idle = {str(pid): rss_mib(pid) for pid in pids}
    env = stack.client_env()
    with SluiceClient(Endpoints(env["SLUICE_INGEST_ADDR"], env["SLUICE_STATUS_ADDR"], env["SLUICE_API_KEY"])) as client:
        sampler = Peak(pids)
        job = client.upload(path).job
        sampler.start()
        before = cpu_by_component(stack, pids)
        final = client.wait(job.id, timeout=7200)
        after = cpu_by_component(stack, pids)
        sampler.stop.set()
        assert final.state == job_pb2.JOB_STATE_SUCCEEDED, final.error.message
        parts = client.get_profile(job.id).part_count
    if parts > 1:
        print_part_timeline(stack, job.id, final)
    wall = processing_seconds(final)
    used = {k: after[k] - before[k] for k in after}
    busy = used.pop("machine")
    print(f"    {processors['count']} processor(s), {wall:.1f} s: CPU seconds "
          f"{', '.join(f'{k} {v:.0f}' for k, v in used.items())}; the machine busy {busy:.0f} of "
          f"{wall * (os.cpu_count() or 1):.0f}")  # fmt: skip
    growth = {f"processor-{i}": sampler.peak[pid] - idle[str(pid)] for i, pid in enumerate(pids)}
    peaks = {f"processor-{i}": sampler.peak[pid] for i, pid in enumerate(pids)}
    if watch:
        print(f"    idle RSS {', '.join(f'{v:.0f}' for v in idle.values())} MiB; growth "
              f"{', '.join(f'{k} +{v:.0f}' for k, v in growth.items())} MiB")  # fmt: skip
    return processing_seconds(final), peaks, parts


def cpu_by_component(stack: Stack, processors: list[int]) -> dict[str, float]:
    """CPU seconds used so far by the processors (and the part of it in the kernel), the S3 server, the broker and
    PostgreSQL (the postmaster and its backends) of this stack, stolen by the host, and by the whole machine (every
    core's non-idle time): where a job's CPU goes."""
    home, seen, tick = str(stack.home), {}, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            seconds, kernel = (int(stat[11]) + int(stat[12])) / tick, int(stat[12]) / tick  # utime + stime, stime
            seen[int(entry.name)] = (int(stat[1]), command, seconds, kernel)
    postmasters = {pid for pid, (_, command, _, _) in seen.items() if "postgres" in command and home in command}
    totals = {"processors": 0.0, "(in the kernel)": 0.0, "S3 server": 0.0, "broker": 0.0, "PostgreSQL": 0.0}
    for pid, (parent, command, seconds, kernel) in seen.items():
        if pid in processors:
            totals["processors"] += seconds
            totals["(in the kernel)"] += kernel
        elif "weed" in command and home in command:
            totals["S3 server"] += seconds
        elif "tansu" in command:
            totals["broker"] += seconds
        elif pid in postmasters or parent in postmasters:
            totals["PostgreSQL"] += seconds
    cpu = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    totals["stolen by the host"] = cpu[7] / tick  # a virtual machine's cores given elsewhere
    totals["machine"] = (sum(cpu) - cpu[3] - cpu[4]) / tick  # all but idle and iowait
    return totals


def print_part_timeline(stack: Stack, job_id: str, final: job_pb2.Job) -> None:
    """Who finished which part when (seconds after the job started running): idle gaps show here."""
    running = [e for e in final.events if e.to_state == job_pb2.JOB_STATE_RUNNING][-1].time.ToDatetime()
    with psycopg.connect(stack.infra_env()["SLUICE_DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT part, finished_by, finished_at FROM job_parts WHERE job_id = %s ORDER BY finished_at", (job_id,)
        ).fetchall()
    by: dict[str, list[str]] = {}
    for part, worker, finished in rows:
        seconds = finished.astimezone(dt.UTC).replace(tzinfo=None) - running
        by.setdefault(worker, []).append(f"{part}@{seconds.total_seconds():.1f}s")
    for worker, done in sorted(by.items()):
        print(f"    {worker}: parts finished {' '.join(done)}")


def machine_speedup(path: Path) -> float:
    """Two parts' engine work in one process, then two processes with two parts each at once: 2 x one / two.
    Each process is bench/profile_engine.py's engine worker on one byte range (its time excludes start-up), on one
    core of its own, as the one-CPU processors compared."""
    from services.processor.engine.reading import plan_parts, sniff_dialect

    with path.open("rb") as f:
        dialect = sniff_dialect(f.read(MIB), file_name=path.name)
    ranges = plan_parts(path.stat().st_size, dialect, part_bytes=256 * MIB, count_multiple=4)
    spec = json.dumps(dialect.to_dict())
    worker = Path(__file__).with_name("profile_engine.py")
    with tempfile.TemporaryDirectory() as tmp:

        def start(first: int, cpu: int) -> subprocess.Popen[str]:
            byte_range = (ranges[first][0], ranges[first + 1][1])
            blob = Path(tmp) / f"{first}.bin"  # the state is written, as a part's is, not finished
            command = [sys.executable, str(worker), "--worker", "engine", str(path), str(blob), *map(str, byte_range)]
            pin = ["taskset", "--cpu-list", str(cpu)]  # one CPU: the worker does not read ahead either
            return subprocess.Popen([*pin, *command, spec], stdout=subprocess.PIPE, text=True)

        def seconds(process: subprocess.Popen[str]) -> float:
            out, _ = process.communicate()
            if process.returncode != 0:
                raise RuntimeError("an engine worker failed")
            return float(json.loads(out.strip().splitlines()[-1])["seconds"])

        one = seconds(start(2, 0))
        pair = [start(4, 0), start(6, 1)]
        both = max(seconds(p) for p in pair)
    return 2 * one / both


def wide_parquet(csv: Path) -> Path:
    """The wide CSV as Parquet, in pyarrow's default layout."""
    path = csv.with_suffix(".parquet")
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        tmp = path.with_suffix(".tmp")
        pq.write_table(pacsv.read_csv(csv), tmp)
        tmp.rename(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory-gib", type=float, default=5.0, help="0 skips the memory measurement")
    parser.add_argument("--scale-gib", type=float, default=2.0)
    parser.add_argument("--pairs", type=int, default=3, help="one-vs-two measurements, alternated (0: none)")
    parser.add_argument(
        "--wide",
        action="append",
        default=[],
        help="also a wide file's peak memory: COLUMNSxROWS, e.g. 2000x12000 (COLUMNSxROWS.parquet: as Parquet)",
    )
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; commit {commit}")
    home = Path(tempfile.mkdtemp(prefix="sluice-bench-"))
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    service_env = {"SLUICE_MAX_UPLOAD_BYTES": str(64 * 1024**3), "SLUICE_PART_BYTES": str(256 * MIB)}
    stack = Stack(home, environ=environ, processors=0, service_env=service_env)
    try:
        stack.up()
        if args.memory_gib:
            big = dataset(args.memory_gib)
            size = big.stat().st_size
            print(f"1. one processor, one pass, {size / MIB:,.0f} MiB file:")
            seconds, peaks, _ = profile_file(stack, big, {"count": "1", "split": "0"}, watch=True)
            print(f"    {seconds:.1f} s ({size / MIB / seconds:.0f} MiB/s); peak RSS {peaks['processor-0']:.0f} MiB")
        for shape in args.wide:
            columns, rows = (int(n) for n in shape.removesuffix(".parquet").split("x"))
            wide = wide_dataset(columns, rows)
            if shape.endswith(".parquet"):
                wide = wide_parquet(wide)
            size = wide.stat().st_size
            print(f"1b. one processor, one pass, a wide file: {columns:,} x {rows:,} rows, {size / MIB:,.0f} MiB"
                  f" ({wide.suffix[1:]}):")  # fmt: skip
            seconds, peaks, _ = profile_file(stack, wide, {"count": "1", "split": "0"}, watch=True)
            print(f"    {seconds:.1f} s; peak RSS {peaks['processor-0']:.0f} MiB")
        if not args.pairs:
            return
        medium = dataset(args.scale_gib)
        size = medium.stat().st_size
        print(f"2. {size / MIB:,.0f} MiB file, one processor in one pass (and in 256 MiB parts) vs two processors "
              "in 256 MiB parts:")  # fmt: skip
        ratios: dict[str, list[float]] = {"one pass": [], "one in parts": [], "machine": []}
        split = str(256 * MIB)
        # Processors as one-CPU pods, two of them on this two-core machine: a processor that may use one CPU does
        # not read ahead, so the comparison sets SLUICE_READ_AHEAD=false (with it, the lone processor would use the
        # second core the other processor needs). One processor reading ahead, as a two-CPU pod, is shown beside.
        one_cpu = {"read_ahead": "false"}
        for _ in range(args.pairs):  # alternated, so a slow spell of a shared machine hits every side
            one, _, _ = profile_file(stack, medium, {"count": "1", "split": "0", **one_cpu}, watch=False)
            one_parts, _, _ = profile_file(stack, medium, {"count": "1", "split": split, **one_cpu}, watch=False)
            two, peaks, parts = profile_file(stack, medium, {"count": "2", "split": split, **one_cpu}, watch=False)
            ahead, _, _ = profile_file(stack, medium, {"count": "1", "split": "0", "read_ahead": "true"}, watch=False)
            machine = machine_speedup(medium)
            ratios["one pass"].append(one / two)
            ratios["one in parts"].append(one_parts / two)
            ratios["machine"].append(machine)
            print(f"    one: {one:.1f} s in one pass, {one_parts:.1f} s in parts; two: {two:.1f} s in {parts} parts "
                  f"(peak RSS {', '.join(f'{v:.0f}' for v in peaks.values())} MiB); speed-up {one / two:.2f}x "
                  f"over one pass, {one_parts / two:.2f}x over one in parts; one reading ahead on both cores: "
                  f"{ahead:.1f} s ({ahead / two:.2f}x the two); the machine's own two-core speed-up on the "
                  f"engine's work right after: {machine:.2f}x")  # fmt: skip
        for baseline, values in ratios.items():
            if len(values) > 1:
                label = "the machine's own two-core speed-up" if baseline == "machine" else f"speed-up over {baseline}"
                print(f"    {label}, {len(values)} runs: median {float(np.median(values)):.2f}x "
                      f"(min {min(values):.2f}x, max {max(values):.2f}x)")  # fmt: skip
    finally:
        stack.down()
        shutil.rmtree(home, ignore_errors=True)  # the stack's data: several GB of uploads per run


if __name__ == "__main__":
    main()
