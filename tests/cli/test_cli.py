"""The installed `sluice` command against the running stack: --json prints one JSON document."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SLUICE = Path(sys.executable).parent / "sluice"


@pytest.fixture()
def run_cli(stack, api_key, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(stack.client_env())
    env["SLUICE_API_KEY"] = api_key
    env["SLUICE_HOME"] = str(tmp_path / "no-home")  # the variables alone must be enough

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SLUICE), *args], env=env, capture_output=True, text=True, timeout=120)

    return run


def test_upload_wait_json_prints_only_the_final_job(run_cli, csv_file):
    result = run_cli("upload", str(csv_file("city,temp\nOslo,3.5\nLima,19\n")), "--wait", "--json")
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert job["state"] == "JOB_STATE_SUCCEEDED"
    assert job["file_name"] == "data.csv"

    status = json.loads(run_cli("status", job["id"], "--json").stdout)
    assert status["id"] == job["id"] and len(status["events"]) == 3

    profile = json.loads(run_cli("profile", job["id"], "--json").stdout)
    assert profile["profile"]["row_count"] == "2"  # int64 is a string in proto JSON
    assert [c["name"] for c in profile["columns"]] == ["city", "temp"]
    assert profile["columns"][1]["mean"] == pytest.approx(11.25)

    jobs = json.loads(run_cli("jobs", "--json").stdout)
    assert [j["id"] for j in jobs["jobs"]] == [job["id"]]


def test_human_output_and_errors(run_cli, csv_file, tmp_path):
    result = run_cli("upload", str(csv_file("\n \n\n")), "--wait")
    assert result.returncode == 3  # the job failed
    assert "NOT_A_TABLE" in result.stdout

    missing = run_cli("status", "00000000-0000-4000-8000-000000000000")
    assert missing.returncode == 1
    assert "NOT_FOUND" in missing.stderr and "Traceback" not in missing.stderr

    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    rejected = run_cli("upload", str(binary))
    assert rejected.returncode == 1
    assert "INVALID_ARGUMENT" in rejected.stderr and "PNG" in rejected.stderr
    assert "field header.media_type" in rejected.stderr


def test_without_configuration_it_says_how_to_get_some(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env["SLUICE_HOME"] = str(tmp_path)
    result = subprocess.run([str(SLUICE), "jobs"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "make run" in result.stderr


def test_trace_shows_every_hop_of_a_job(run_cli, csv_file):
    job = json.loads(run_cli("upload", str(csv_file("a,b\n1,2\n")), "--wait", "--json").stdout)
    assert len(job["trace_id"]) == 32

    def spans_by_name() -> dict[str, list[dict]]:
        result = run_cli("trace", job["id"], "--json")
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["trace_id"] == job["trace_id"]
        found: dict[str, list[dict]] = {}
        stack = list(document["spans"])
        while stack:
            span = stack.pop()
            found.setdefault(span["name"], []).append(span)
            stack.extend(span["children"])
        return found

    # Each service writes its spans in batches (every 0.5 s here), so the ingest's publish span and the
    # processor's spans reach the trace files in either order: wait until every hop has arrived.
    def complete(found: dict[str, list[dict]]) -> bool:
        return all(name in found for name in ("/sluice.v1.IngestService/Upload", "sluice.jobs publish", "job.process"))

    deadline = time.monotonic() + 20
    found = spans_by_name()
    while not complete(found) and time.monotonic() < deadline:
        time.sleep(0.5)
        found = spans_by_name()
    (upload,) = found["/sluice.v1.IngestService/Upload"]
    assert upload["service"] == "ingest" and upload["kind"] == "server"
    publish = next(c for c in upload["children"] if c["name"] == "sluice.jobs publish")
    (process,) = publish["children"]
    assert process["name"] == "job.process" and process["service"].startswith("processor-")
    assert {"job.download", "job.parse", "job.profile", "job.store"} <= {c["name"] for c in process["children"]}

    text = run_cli("trace", job["id"]).stdout
    assert f"trace {job['trace_id']}" in text and "job.process" in text and "█" in text


def test_profile_exports_the_column_table_as_csv_and_the_report_as_html(run_cli, csv_file):
    result = run_cli(
        "upload", str(csv_file("id,score,email\n1,0.5,a@x.org\n2,1.5,b@y.com\n3,,c@z.net\n")), "--wait", "--json"
    )
    job = json.loads(result.stdout)
    assert job["state"] == "JOB_STATE_SUCCEEDED", result.stdout

    table = run_cli("profile", job["id"], "--format", "csv")
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [r["name"] for r in rows] == ["id", "score", "email"]
    assert rows[0]["inferred_type"] == "integer" and rows[0]["min"] == "1" and rows[0]["max"] == "3"
    assert rows[1]["missing"] == "1" and float(rows[1]["mean"]) == pytest.approx(1.0)
    assert rows[2]["semantic"] == "email"

    page = run_cli("profile", job["id"], "--format", "html")
    assert page.returncode == 0, page.stderr
    assert page.stdout.lstrip().lower().startswith("<!doctype html") and "a@x.org" in page.stdout
    link = run_cli("profile", job["id"], "--format", "html", "--link")
    assert link.stdout.strip().startswith("http://127.0.0.1:") and "X-Amz-Signature" in link.stdout

    human = run_cli("profile", job["id"])
    assert "quality" in human.stdout and "MISSING" in human.stdout  # a third of `score` is missing


def test_progress_of_a_job_in_parts_counts_its_parts() -> None:
    from sluice.cli import _progress
    from sluice.v1 import job_pb2

    whole = job_pb2.Job(progress=job_pb2.JobProgress(bytes_done=50, bytes_total=200, rows_done=1234))
    assert _progress(whole) == " 25.0%  1,234 rows"
    parts = job_pb2.Job(
        progress=job_pb2.JobProgress(bytes_done=150, bytes_total=200, rows_done=9, parts_done=3, parts_total=4)
    )
    assert _progress(parts) == " 75.0%  9 rows  parts 3/4"
