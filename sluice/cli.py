"""`sluice`: upload files and follow jobs from a terminal.

Endpoints and the API key come from SLUICE_INGEST_ADDR, SLUICE_STATUS_ADDR and SLUICE_API_KEY, or
from the file the local stack writes (~/.sluice/env, or $SLUICE_HOME/env). With --json a command
prints exactly one JSON document on stdout; progress and messages go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from sluice import traces
from sluice.client import SluiceClient, endpoints_from_environment
from sluice.v1 import job_pb2, profile_pb2

EXIT_FAILED_JOB = 3


def to_dict(message: Message) -> dict[str, Any]:
    """Every field, those at 0, false or empty too (a script reading `column["missing"]` of a column without
    missing values found no key), as the stored JSON report has them."""
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def state_name(value: int) -> str:
    return job_pb2.JobState.Name(value).removeprefix("JOB_STATE_")


def _print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def _progress(job: job_pb2.Job) -> str:
    """The share of bytes done and the rows, and for a file profiled in parts the parts done."""
    progress = job.progress
    done = progress.bytes_done / progress.bytes_total * 100 if progress.bytes_total else 0
    parts = f"  parts {progress.parts_done}/{progress.parts_total}" if progress.parts_total > 1 else ""
    return f"{done:5.1f}%  {progress.rows_done:,} rows{parts}"


def _describe_job(job: job_pb2.Job) -> str:
    lines = [
        f"job        {job.id}",
        f"state      {state_name(job.state)}  (attempt {job.attempt}/{job.max_attempts})",
        f"file       {job.file_name}  {job.size_bytes:,} bytes  {job.media_type}",
    ]
    if job.progress.bytes_total and job.state == job_pb2.JOB_STATE_RUNNING:
        lines.append(f"progress   {_progress(job)}")
    if job.HasField("error"):
        lines.append(f"error      {job.error.reason}: {job.error.message}")
    for event in job.events:
        when = event.time.ToDatetime().strftime("%H:%M:%S.%f")[:-3]
        lines.append(
            f"  {when}  {state_name(event.to_state):<9} attempt {event.attempt}  {event.worker}  {event.message}"
        )
    return "\n".join(lines)


def _describe_profile(profile: profile_pb2.Profile, columns: Sequence[profile_pb2.ColumnProfile]) -> str:
    decimal = f"   decimal mark {profile.parse.decimal!r}" if profile.parse.decimal == "," else ""
    if profile.parse.day_first:
        decimal += "   dates day first"
    if profile.parse.preamble_lines:
        decimal += f"   {profile.parse.preamble_lines} lines above the header skipped"
    lines = [
        f"rows {profile.row_count:,}   columns {profile.column_count}   missing cells {profile.missing_cells:,}"
        f"   delimiter {profile.delimiter!r}{decimal}   profiled in {profile.duration_seconds:.2f}s",
        "",
        f"{'column':<24} {'type':<11} {'missing':>8} {'distinct':>9} {'min':>19} {'max':>19} {'mean':>12}",
    ]
    if profile.HasField("quality"):
        q = profile.quality
        lines[1:1] = [
            f"quality {q.score:.1f}/100   completeness {q.completeness:.1%}   validity {q.validity:.1%}"
            f"   uniqueness {q.uniqueness:.1%}   parse health {q.parse_health:.1%}",
            *(f"  {a.severity:<7} {a.code:<17} {_printable(a.message)}" for a in profile.alerts),
        ]
    for c in columns:
        mean = f"{c.mean:.6g}" if c.HasField("mean") else ""
        distinct = f"{'~' if c.distinct_approximate else ''}{c.distinct:,}"
        low = _cell(c.min, 19) if c.HasField("min") else ""
        high = _cell(c.max, 19) if c.HasField("max") else ""
        lines.append(
            f"{_cell(c.name, 24):<24} {c.inferred_type:<11} {c.missing:>8,} {distinct:>9} "
            f"{low:>19} {high:>19} {mean:>12}"
        )
    return "\n".join(lines)


def _cell(text: str, width: int) -> str:
    """`text` fitted to a table cell: a UTC timestamp as 'YYYY-MM-DD HH:MM:SS', a number with fewer digits (cut, 1.2e+29
    read as 1.2), anything else cut with an ellipsis; control characters shown escaped."""
    text = _printable(text)
    if len(text) > width and len(text) >= 19 and text[10] == "T" and text.endswith(("+00:00", "Z")):
        text = text[:19].replace("T", " ")
    if len(text) > width and (number := _float(text)) is not None:
        for digits in range(width, 0, -1):
            if len(shorter := f"{number:.{digits}g}") <= width:
                return shorter
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _printable(text: str) -> str:
    """`text` with its control characters escaped (a line break in a column name split its row, and escape
    sequences in one reached the terminal)."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def cmd_upload(client: SluiceClient, args: argparse.Namespace) -> int:
    path = Path(args.path)
    if not path.is_file():
        print(f"sluice: {path}: no such file", file=sys.stderr)
        return 2
    from tqdm import tqdm

    date_order = {"day-first": job_pb2.DATE_ORDER_DAY_FIRST, "month-first": job_pb2.DATE_ORDER_MONTH_FIRST}
    options = job_pb2.JobOptions(
        delimiter=args.delimiter or "",
        decimal=args.decimal or "",
        date_order=date_order.get(args.date_order or "", job_pb2.DATE_ORDER_UNSPECIFIED),
        encoding=args.encoding or "",
    )
    with tqdm(
        total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name, file=sys.stderr, disable=None, leave=False
    ) as bar:
        response = client.upload(
            path,
            media_type=args.media_type,
            idempotency_key=args.idempotency_key or "",
            options=options,
            on_bytes=bar.update,
        )
    job = response.job
    if not args.wait:
        if args.json:
            _print_json(to_dict(response))
        else:
            print(f"uploaded {path.name}: {response.committed_size:,} bytes -> job {job.id} ({state_name(job.state)})")
        return 0
    print(f"uploaded {path.name}: job {job.id}; waiting...", file=sys.stderr)
    final = _follow(client, job.id, quiet=args.json)
    if args.json:
        _print_json(to_dict(final))
    else:
        print(_describe_job(final))
    return 0 if final.state == job_pb2.JOB_STATE_SUCCEEDED else EXIT_FAILED_JOB


def _follow(client: SluiceClient, job_id: str, *, quiet: bool) -> job_pb2.Job:
    job = None
    for job in client.watch(job_id):
        if not quiet:
            print(f"  {state_name(job.state):<9} attempt {job.attempt}  {_progress(job)}", file=sys.stderr)
    assert job is not None
    return job


def cmd_status(client: SluiceClient, args: argparse.Namespace) -> int:
    job = client.get_job(args.job)
    _print_json(to_dict(job)) if args.json else print(_describe_job(job))
    return 0


def cmd_watch(client: SluiceClient, args: argparse.Namespace) -> int:
    final = None
    for job in client.watch(args.job):
        final = job
        if args.json:
            sys.stdout.write(json.dumps(to_dict(job)) + "\n")  # one document per line (NDJSON)
        else:
            print(f"{state_name(job.state):<9} attempt {job.attempt}  {_progress(job)}")
        sys.stdout.flush()
    return 0 if final is not None and final.state == job_pb2.JOB_STATE_SUCCEEDED else EXIT_FAILED_JOB


CSV_COLUMNS = (
    "position", "name", "inferred_type", "semantic", "count", "missing", "distinct", "distinct_approximate",
    "uniqueness", "min", "max", "mean", "std", "p50", "length_mean", "invalid",
)  # fmt: skip


def _spreadsheet_text(text: str) -> str:
    """Text a spreadsheet opening the CSV would take for a formula (= + - @, or a tab or carriage return first: a
    column named '=HYPERLINK(...)' ran as one) behind an apostrophe, which shows it as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _column_row(c: profile_pb2.ColumnProfile) -> list[object]:
    numeric = c.numeric if c.HasField("numeric") else None
    return [
        c.position, _spreadsheet_text(c.name), c.inferred_type, c.semantic, c.count, c.missing, c.distinct,
        c.distinct_approximate,
        f"{c.uniqueness:.6g}", c.min if c.HasField("min") else "", c.max if c.HasField("max") else "",
        c.mean if c.HasField("mean") else "",
        numeric.std if numeric is not None and numeric.HasField("std") else "",
        numeric.quantiles.get("0.5", "") if numeric is not None else "",
        f"{c.text.length_mean:.6g}" if c.HasField("text") else "", c.invalid,
    ]  # fmt: skip


def cmd_profile(client: SluiceClient, args: argparse.Namespace) -> int:
    fmt = "json" if args.json else args.format
    if fmt == "html":
        report = client.get_profile_report(args.job)
        if args.link:
            print(report.url)
            return 0
        with urllib.request.urlopen(report.url, timeout=60) as response:
            sys.stdout.buffer.write(response.read())
        return 0
    profile = client.get_profile(args.job)
    columns = client.list_columns(args.job)
    if fmt == "json":
        _print_json({"profile": to_dict(profile), "columns": [to_dict(c) for c in columns]})
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(_column_row(c) for c in columns)
    else:
        print(_describe_profile(profile, columns))
    return 0


def cmd_jobs(client: SluiceClient, args: argparse.Namespace) -> int:
    states = [job_pb2.JobState.Value(f"JOB_STATE_{s.upper()}") for s in args.state or []]
    page = client.list_jobs(page_size=args.limit, states=states)
    if args.json:
        _print_json(to_dict(page))
        return 0
    print(f"{'job':<36}  {'state':<9}  {'size':>12}  {'created':<19}  file")
    for job in page.jobs:
        created = job.create_time.ToDatetime().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{job.id:<36}  {state_name(job.state):<9}  {job.size_bytes:>12,}  {created:<19}  {job.file_name}")
    return 0


def cmd_cancel(client: SluiceClient, args: argparse.Namespace) -> int:
    job = client.cancel(args.job)
    _print_json(to_dict(job)) if args.json else print(f"job {job.id}: {state_name(job.state)}")
    return 0


def cmd_trace(client: SluiceClient, args: argparse.Namespace) -> int:
    job = client.get_job(args.job)
    if not job.trace_id:
        print(f"sluice: job {job.id} has no trace (tracing was off when it was uploaded)", file=sys.stderr)
        return 1
    folder = Path(client.endpoints.trace_dir) if client.endpoints.trace_dir else None
    if folder is None or not folder.is_dir():
        print(
            f"sluice: trace {job.trace_id}: no local trace folder (SLUICE_TRACE_DIR); "
            "look the trace id up in your tracing back end",
            file=sys.stderr,
        )
        return 1
    roots = traces.build_tree(traces.read_trace(sorted(folder.glob("*.jsonl")), job.trace_id))
    if args.json:
        origin = min((s.start_ns for s in roots), default=0)
        _print_json({"job_id": job.id, "trace_id": job.trace_id, "spans": [s.to_dict(origin) for s in roots]})
    else:
        print(f"job {job.id} ({state_name(job.state)})")
        print(traces.render_waterfall(roots))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sluice", description=__doc__.split("\n\n")[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)

    upload = commands.add_parser("upload", help="upload a file and create a job")
    upload.add_argument("path")
    upload.add_argument("--wait", action="store_true", help="follow the job until it finishes")
    upload.add_argument("--media-type", help="e.g. text/csv (default: from the file extension)")
    upload.add_argument("--idempotency-key", help="makes a retried upload return the same job")
    upload.add_argument("--delimiter", help="field delimiter, one ASCII character (default: detected)")
    upload.add_argument("--decimal", choices=(".", ","), help="decimal mark of the numbers (default: detected)")
    upload.add_argument(
        "--date-order",
        choices=("day-first", "month-first"),
        help="how dates with slashes read: 03/04/2020 is April 3rd (day-first) or March 4th (default: detected)",
    )
    upload.add_argument(
        "--encoding", help="text encoding of the file, e.g. shift_jis, gb18030, cp1251, utf-16 (default: detected)"
    )
    upload.set_defaults(run=cmd_upload)

    for name, func, text in (
        ("status", cmd_status, "show a job and its history"),
        ("watch", cmd_watch, "follow a job's state and progress until it finishes"),
        ("profile", cmd_profile, "show a finished job's profile"),
        ("cancel", cmd_cancel, "cancel an unfinished job"),
        ("trace", cmd_trace, "show the job's trace: every hop and its duration, as a waterfall"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("job", help="job id")
        sub.set_defaults(run=func)
        if name == "profile":
            sub.add_argument(
                "--format",
                choices=["table", "json", "csv", "html"],
                default="table",
                help="table (default), json (everything), csv (the column table), html (the report page)",
            )
            sub.add_argument("--link", action="store_true", help="with --format html: print a short-lived link")

    jobs = commands.add_parser("jobs", help="list your jobs, newest first")
    jobs.add_argument(
        "--state",
        action="append",
        choices=[n.removeprefix("JOB_STATE_").lower() for n, v in job_pb2.JobState.items() if v],
    )
    jobs.add_argument("--limit", type=int, default=20)
    jobs.set_defaults(run=cmd_jobs)

    for sub in commands.choices.values():
        sub.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    return parser


def _explain(error: grpc.RpcError) -> str:
    text = f"{error.code().name}: {error.details()}"  # type: ignore[attr-defined]
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            text += "".join(f"\n  field {v.field}: {v.description}" for v in bad.field_violations)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        endpoints = endpoints_from_environment()
    except LookupError as error:
        print(f"sluice: {error}", file=sys.stderr)
        return 2
    with SluiceClient(endpoints) as client:
        try:
            return int(args.run(client, args))
        except grpc.RpcError as error:
            print(f"sluice: {_explain(error)}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:  # e.g. `sluice profile JOB --format csv | head`: the reader has had enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            return 141


if __name__ == "__main__":
    raise SystemExit(main())
