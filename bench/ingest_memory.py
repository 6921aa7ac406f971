"""Ingest memory while uploading: 1 GiB through `sluice upload`, the same file as a browser sends it (a raw HTTP
body through the Helm chart's Envoy gateway), then 4 uploads at once.

Starts its own local stack (no processors, so only ingest is measured) and the gateway, samples the ingest
process's (and Envoy's) resident memory (VmRSS) every 20 ms, and prints the growth over the idle baseline
measured in the same run. Run: `.venv/bin/python bench/ingest_memory.py [--size-mib 1024]`.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sluice.devstack.gateway import start_local_gateway
from sluice.devstack.stack import Stack

MIB = 1024 * 1024


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            time.sleep(0.02)


def write_csv(path: Path, size: int) -> None:
    block = "".join(f"{i},{i * 0.5:.2f},user{i % 977}@example.com,2026-01-{i % 28 + 1:02d}\n" for i in range(20_000))
    data = ("id,value,email,day\n" + block).encode()
    with path.open("wb") as out:
        written = 0
        while written < size:
            out.write(data)
            written += len(data)


def upload(env: dict[str, str], path: Path) -> float:
    started = time.monotonic()
    subprocess.run(
        [str(Path(sys.executable).parent / "sluice"), "upload", str(path), "--json"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def upload_through_gateway(gateway: str, api_key: str, path: Path) -> float:
    """POST the file as the raw body of /v1/uploads:raw, read from disk as it is sent (as a browser does)."""
    started = time.monotonic()
    host, port = gateway.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=600)
    headers = {"authorization": f"Bearer {api_key}", "content-type": "text/csv",
               "content-length": str(path.stat().st_size)}  # fmt: skip
    with path.open("rb") as body:
        connection.request("POST", f"/v1/uploads:raw?fileName={path.name}", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"gateway upload failed: {response.status} {answer[:300]!r}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the services")
    args = parser.parse_args()
    extra = dict(e.split("=", 1) for e in args.env)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        stack = Stack(
            home / "stack",
            environ=environ,
            processors=0,
            service_env={"SLUICE_MAX_UPLOAD_BYTES": str(64 * 1024 * MIB), **extra},
        )
        try:
            env = {**environ, **stack.up()}
            pid = stack.service_pid("ingest")
            assert pid is not None
            small = home / "small.csv"
            write_csv(small, MIB)
            upload(env, small)  # warm-up: imports, pools and the first S3 connections
            baseline = rss_mib(pid)

            big = home / "big.csv"
            write_csv(big, args.size_mib * MIB)
            size = big.stat().st_size / MIB
            sampler = Sampler(pid)
            sampler.start()
            seconds = upload(env, big)
            sampler.stop.set()
            sampler.join()
            one_peak = sampler.peak

            gateway = start_local_gateway(
                home / "gateway", ingest=env["SLUICE_INGEST_ADDR"], status=env["SLUICE_STATUS_ADDR"]
            )
            try:
                upload_through_gateway(f"127.0.0.1:{gateway.port}", env["SLUICE_API_KEY"], small)  # warm-up
                envoy_pid = gateway.pid()
                assert envoy_pid is not None
                envoy_idle = rss_mib(envoy_pid)
                sampler, envoy_sampler = Sampler(pid), Sampler(envoy_pid)
                sampler.start()
                envoy_sampler.start()
                gateway_seconds = upload_through_gateway(f"127.0.0.1:{gateway.port}", env["SLUICE_API_KEY"], big)
                for each in (sampler, envoy_sampler):
                    each.stop.set()
                    each.join()
                gateway_peak = sampler.peak
            finally:
                gateway.stop()

            part = home / "part.csv"
            write_csv(part, args.size_mib // args.parallel * MIB)
            sampler = Sampler(pid)
            sampler.start()
            started = time.monotonic()
            threads = [threading.Thread(target=upload, args=(env, part)) for _ in range(args.parallel)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            parallel_seconds = time.monotonic() - started
            sampler.stop.set()
            sampler.join()
        finally:
            stack.down()

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; commit {commit}")
    print(f"ingest RSS idle (baseline, after warm-up): {baseline:.1f} MiB")
    print(
        f"1 upload of {size:.0f} MiB: peak RSS {one_peak:.1f} MiB = baseline + {one_peak - baseline:.1f} MiB "
        f"({(one_peak - baseline) / size * 100:.2f}% of the file); {size / seconds:.0f} MiB/s"
    )
    print(
        f"1 upload of {size:.0f} MiB as a raw HTTP body through the Envoy gateway: ingest peak RSS {gateway_peak:.1f} "
        f"MiB = baseline + {gateway_peak - baseline:.1f} MiB; Envoy {envoy_idle:.1f} -> {envoy_sampler.peak:.1f} MiB; "
        f"{size / gateway_seconds:.0f} MiB/s ({seconds / gateway_seconds:.2f}x the direct gRPC upload's speed)"
    )
    print(
        f"{args.parallel} uploads of {size / args.parallel:.0f} MiB at once: peak RSS {sampler.peak:.1f} MiB = "
        f"baseline + {sampler.peak - baseline:.1f} MiB; {size / parallel_seconds:.0f} MiB/s in total"
    )


if __name__ == "__main__":
    main()
