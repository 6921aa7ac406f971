"""`python -m sluice.devstack {up,run,down,status}`: the local stack (what `make run`/`make stop` call)."""

from __future__ import annotations

import argparse
import importlib.resources
import json
import logging
import sys
from pathlib import Path

import grpc

from sluice.cli import _describe_job, _describe_profile, state_name
from sluice.client import Endpoints, SluiceClient, processor_stats
from sluice.devstack.stack import Stack, default_home


def _sample() -> Path:
    return Path(str(importlib.resources.files("sluice") / "samples" / "orders.csv"))


def _print_endpoints(stack: Stack) -> None:
    env = stack.infra_env()
    print("\nThe stack is up (stop it with `make stop`). Endpoints:")
    for label, value in (
        ("ingest gRPC", stack.client_env()["SLUICE_INGEST_ADDR"]),
        ("status gRPC", stack.client_env()["SLUICE_STATUS_ADDR"]),
        ("REST/web", stack.client_env().get("SLUICE_GATEWAY_URL", "(gateway not running)")),
        ("PostgreSQL", env.get("SLUICE_DATABASE_URL", "")),
        ("Redis", env.get("SLUICE_REDIS_URL", "")),
        ("Kafka", env.get("SLUICE_KAFKA_BOOTSTRAP", "")),
        ("S3", env.get("SLUICE_S3_ENDPOINT", "")),
        ("logs", str(stack.home / "logs")),
        ("traces", str(stack.trace_dir)),
        ("metrics", "  ".join(stack.metrics_url(key) for key in ("ingest", "status", "processor-0"))),
    ):
        print(f"  {label:<12} {value}")
    print(f"\nThe CLI reads {stack.home / 'env'}; try `.venv/bin/sluice jobs`. API key for other clients:")
    print(f"  export SLUICE_API_KEY={stack.state.api_key}")
    if "SLUICE_GATEWAY_URL" in stack.client_env():
        url = stack.client_env()["SLUICE_GATEWAY_URL"]
        print(f'  curl -H "authorization: Bearer $SLUICE_API_KEY" {url}/v1/jobs     # REST through the Envoy gateway')


def _print_pool(stack: Stack) -> None:
    """The local autoscaler's last decision (it writes it after every poll)."""
    report = stack.home / "autoscaler.json"
    if stack.service_pid("autoscaler") and report.exists():
        last = json.loads(report.read_text())
        print(f"\nProcessor pool: {last['current']} running; autoscaler: {last['reason']}")


def _processor_detail(stack: Stack, key: str) -> str:
    """A processor's partitions and current job, from its admin API (empty for other services)."""
    if not key.startswith("processor-"):
        return ""
    try:
        stats = processor_stats(f"127.0.0.1:{stack.state.port(key)}", stack.state.api_key)
    except grpc.RpcError as error:
        return f"   (admin API: {error.code().name})"
    partitions = ", ".join(map(str, stats.assigned_partitions)) or "none yet"
    doing = f"job {stats.current_job_id}" if stats.current_job_id else "idle"
    return f"   partitions {partitions}; {doing}; {stats.jobs_succeeded} jobs done"


def run(stack: Stack, file: Path) -> int:
    print(f"Starting the local stack in {stack.home} ...", flush=True)
    client_env = stack.up()
    endpoints = Endpoints(
        client_env["SLUICE_INGEST_ADDR"], client_env["SLUICE_STATUS_ADDR"], client_env["SLUICE_API_KEY"]
    )
    with SluiceClient(endpoints) as client:
        print(f"Uploading {file} ({file.stat().st_size:,} bytes) through the gRPC API ...", flush=True)
        job = client.upload(file).job
        print(f"Job {job.id} is {state_name(job.state)}; following it:", flush=True)
        for update in client.watch(job.id, timeout=600):
            total = update.progress.bytes_total or 1
            print(
                f"  {state_name(update.state):<9} attempt {update.attempt}  "
                f"{100 * update.progress.bytes_done / total:5.1f}%  {update.progress.rows_done:,} rows",
                flush=True,
            )
            job = update
        print()
        print(_describe_job(job))
        if state_name(job.state) == "SUCCEEDED":
            print()
            print(_describe_profile(client.get_profile(job.id), client.list_columns(job.id)))
        print(f"\nIts trace, hop by hop: .venv/bin/sluice trace {job.id}")
    _print_pool(stack)
    _print_endpoints(stack)
    return 0 if state_name(job.state) == "SUCCEEDED" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sluice.devstack", description=__doc__)
    parser.add_argument(
        "--home", type=Path, default=default_home(), help="data folder (default: $SLUICE_HOME or ~/.sluice)"
    )
    parser.add_argument("--processors", type=int, default=2, help="processor processes to start with")
    parser.add_argument(
        "--no-autoscale",
        dest="autoscale",
        action="store_false",
        help="keep the processor count fixed (default: the local autoscaler follows the Kafka lag)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start (or reuse) the stack")
    run_parser = commands.add_parser("run", help="start the stack, profile a file, print the result")
    run_parser.add_argument("--file", type=Path, default=None, help="a CSV file (default: a bundled sample)")
    commands.add_parser("down", help="stop everything the stack started")
    commands.add_parser("status", help="show what is running")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    # The gateway is the Helm chart's Envoy (helm is fetched on first use); tests start their own instead.
    stack = Stack(args.home, processors=args.processors, autoscale=args.autoscale, gateway=True)
    if args.command == "up":
        stack.up()
        _print_endpoints(stack)
    elif args.command == "run":
        file = args.file or _sample()
        if not file.is_file():
            print(f"no such file: {file}", file=sys.stderr)
            return 2
        return run(stack, file)
    elif args.command == "down":
        stack.down()
        print("stopped")
    else:
        for component in stack.components:
            print(f"  {component.name:<12} {'up' if component.is_up() else 'down'}")
        for key in ("ingest", "status", "autoscaler", *sorted(k for k in stack.service_keys() if "processor-" in k)):
            up = bool(stack.service_pid(key))
            print(f"  {key:<12} {'up' if up else 'down'}{_processor_detail(stack, key) if up else ''}")
        _print_pool(stack)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
