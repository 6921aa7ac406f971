"""Large files in byte-range parts: processed by any processors, merged into the one-pass profile."""

from __future__ import annotations

import io
import json
import random
import threading
import time
import uuid
from pathlib import Path

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import EndpointConnectionError
from google.protobuf.json_format import MessageToDict
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from psycopg.types.json import Jsonb

from services.processor.engine import ProfileConfig, TableProfiler, codec, profile_dataframe
from services.processor.engine.options import MAX_COLUMNS, PARQUET_PAGE_BUDGET, ReadOptions
from services.processor.engine.parse_report import ParseReport
from services.processor.engine.reading import open_table
from services.processor.engine.structured import parquet_page_costs
from services.processor.parts import SplitPolicy, spent_part_error, split_plan
from services.processor.runner import JobRunner, Outcome, RunnerConfig
from services.processor.sweeper import PartStateSweeper
from services.processor.worker import ProcessorWorker
from sluice import kafka
from sluice.client import SluiceClient
from sluice.devstack.servers import free_port
from sluice.devstack.stack import Stack
from sluice.jobstate import RetryPolicy
from sluice.jobstore import JobStore, Topics
from sluice.partstore import PartStore, PartWatch
from sluice.telemetry import Telemetry
from sluice.v1 import job_pb2
from tests.engine.helpers import assert_same

STATE = job_pb2.JobState


def _write_csv(path: Path, rows: int, seed: int = 7) -> pd.DataFrame:
    rng = random.Random(seed)
    frame = pd.DataFrame(
        {
            "id": range(rows),
            "amount": [round(rng.uniform(-50, 500), 2) if rng.random() > 0.03 else None for _ in range(rows)],
            "city": [rng.choice(["Oslo", "Lima", "Zürich", "Accra, GH", 'Quote "Q"']) for _ in range(rows)],
            "day": [f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(rows)],
            "email": [f"user{rng.randint(0, 5000)}@example.org" for _ in range(rows)],
        }
    )
    frame.loc[rows // 2, :] = frame.loc[rows // 3, :].values  # a duplicate row in the middle
    frame.to_csv(path, index=False)
    return frame


def test_a_large_file_is_profiled_in_parts_and_equals_the_one_pass_profile(
    client: SluiceClient, tmp_path: Path, pool, s3, tenant: str
):
    path = tmp_path / "big.csv"
    _write_csv(path, 60_000)
    size = path.stat().st_size
    assert size > 2 * 1024 * 1024  # above the test stack's 1 MiB split threshold, ~400 kB per part
    job = client.upload(path).job
    final = client.wait(job.id, timeout=180)
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED"), final.error.message
    expected_parts = -(-size // 400_000 // 4) * 4  # at most 400 kB each, a multiple of 4 of them
    assert final.progress.parts_total == expected_parts and final.progress.parts_done == expected_parts

    profile = client.get_profile(job.id)
    assert profile.part_count == expected_parts
    with pool.connection() as conn:
        parts = conn.execute(
            "SELECT part, state, finished_by FROM job_parts WHERE job_id = %s ORDER BY part", (job.id,)
        ).fetchall()
    assert [p["state"] for p in parts] == ["DONE"] * expected_parts
    assert all(p["finished_by"].startswith("processor-") for p in parts)
    # The partial states served the merge only: they are deleted right after the job's success is stored.
    deadline = time.monotonic() + 15
    while (left := s3.list_objects_v2(Bucket="sluice", Prefix=f"parts/{tenant}/{job.id}/")["KeyCount"]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert left == 0

    # The one-pass profile of the same text, computed here by the same engine.
    text = pd.read_csv(path, dtype=str, keep_default_na=False).astype("string[pyarrow]")
    one_pass = profile_dataframe(text)
    assert profile.row_count == one_pass.rows == 60_000
    assert profile.missing_cells == one_pass.missing_cells
    assert profile.duplicate_rows == one_pass.duplicate_rows == 1 and not profile.duplicates_approximate
    assert profile.parse.rows_read == 60_000 and profile.parse.ragged_rows == 0
    columns = {c.name: c for c in client.list_columns(job.id)}
    for expected in one_pass.column_profiles:
        got = columns[expected.name]
        assert got.inferred_type == expected.inferred_type, expected.name
        assert (got.count, got.missing) == (expected.count, expected.missing)
        assert got.distinct_approximate == expected.distinct_approximate
        if expected.distinct_approximate:  # a sketch: the true count lies within its bounds
            assert got.distinct_lower <= text[expected.name].nunique() <= got.distinct_upper
        else:
            assert got.distinct == expected.distinct
        if expected.top_values_approximate:  # a frequent-items sketch: counts within its error bound
            truth = text[expected.name].value_counts()
            assert got.top_values_approximate
            assert all(abs(v.count - truth[v.value]) <= got.top_values_error for v in got.top_values)
        else:
            assert [(v.value, v.count) for v in got.top_values] == [(v.value, v.count) for v in expected.top_values]
        if expected.numeric is not None:
            assert got.numeric.min == expected.numeric.min and got.numeric.max == expected.numeric.max
            assert got.numeric.sum == pytest.approx(expected.numeric.sum, rel=1e-12)
            assert got.numeric.std == pytest.approx(expected.numeric.std, rel=1e-9)
            assert got.numeric.skewness == pytest.approx(expected.numeric.skewness, rel=1e-9)
            if expected.numeric.quantiles_approximate:  # KLL: each value's rank within the sketch's error
                numbers = pd.to_numeric(text[expected.name], errors="coerce").dropna()
                error = got.numeric.quantile_rank_error
                assert 0 < error < 0.02
                for q, value in got.numeric.quantiles.items():
                    assert abs((numbers <= value).mean() - float(q)) <= error, (q, value)
            else:
                assert dict(got.numeric.quantiles) == pytest.approx(expected.numeric.quantiles)


def test_a_file_with_line_breaks_inside_quotes_is_read_in_one_pass(client: SluiceClient, tmp_path: Path):
    path = tmp_path / "notes.csv"
    rows = [f'{i},"line one\nline two of note {i}"' for i in range(60_000)]
    path.write_text("id,note\n" + "\n".join(rows) + "\n")
    assert path.stat().st_size > 1024 * 1024
    job = client.upload(path).job
    final = client.wait(job.id, timeout=120)
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED"), final.error.message
    profile = client.get_profile(job.id)
    assert profile.part_count == 1 and final.progress.parts_total == 0
    assert profile.row_count == 60_000 and not profile.parse.splittable


def test_a_cut_inside_a_quoted_line_break_past_the_sample_is_read_again_in_one_pass(
    client: SluiceClient, tmp_path: Path, pool
):
    # The first MiB (the sample the split is planned on) has one line per record; then notes of 40 lines each,
    # so cuts fall inside them. Each part reads the notes within it; one ending inside a note makes the
    # coordinator profile the file again in one pass, which reads every note whole.
    plain = [f"{i},plain {i}" for i in range(90_000)]
    notes = [f'{i},"note {i}' + "".join(f"\nline {k}" for k in range(39)) + '"' for i in range(90_000, 92_000)]
    path = tmp_path / "late_notes.csv"
    path.write_text("id,note\n" + "\n".join(plain + notes) + "\n")
    data = path.read_bytes()
    plan = split_plan(
        {"size_bytes": len(data), "file_name": path.name, "media_type": "text/csv"},
        data[: 1024 * 1024],
        SplitPolicy(split_bytes=1024 * 1024, part_bytes=400_000),
        ReadOptions(),
    )
    assert plan is not None and plan[0].splittable  # the sample shows no quoted line break
    first_note = data.index(b'"note')
    # A part reads through the line its end falls in: a cut splits a note when that line is not a note's last.
    assert any(end > first_note and data[data.index(b"\n", end) - 1] != ord('"') for _, end in plan[1][:-1])

    job = client.upload(path).job
    final = client.wait(job.id, timeout=180)
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED"), final.error.message
    assert final.progress.parts_total > 1
    profile = client.get_profile(job.id)
    assert profile.part_count == 1  # the parts' profiles were set aside for the one-pass read
    assert profile.row_count == 92_000
    assert profile.parse.unterminated_quotes == 0 and profile.parse.ragged_rows == 0
    assert profile.parse.lines_read == 1 + 90_000 + 40 * 2_000  # physical lines
    assert not profile.parse.splittable
    columns = {c.name: c for c in client.list_columns(job.id)}
    assert columns["id"].inferred_type == "integer" and columns["id"].distinct == 92_000
    assert columns["note"].missing == 0 and columns["note"].distinct == 92_000


def _job_planned_elsewhere(
    pool, s3, tenant: str, tmp_path: Path, rows: int, text: str | None = None, sample_bytes: int = 1024 * 1024
) -> tuple[str, SplitPolicy, int]:
    """A RUNNING job whose parts are planned but whose coordinator is elsewhere, and no part message sent:
    only the runners a test builds can take its parts. The file: `text`, else `rows` generated rows; its parts
    planned on its first `sample_bytes`. Returns (job id, split policy, part count)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "parts.csv"
    if text is not None:
        path.write_text(text)
    else:
        _write_csv(path, rows, seed=3)
    size = path.stat().st_size
    job_id, key = str(uuid.uuid4()), f"raw/{tenant}/{uuid.uuid4().hex}.csv"
    s3.put_object(Bucket="sluice", Key=key, Body=path.read_bytes())
    job = {"file_name": path.name, "media_type": "text/csv", "size_bytes": size}
    policy = SplitPolicy(split_bytes=100_000, part_bytes=200_000, sample_bytes=sample_bytes)
    plan = split_plan(job, path.read_bytes()[: policy.sample_bytes], policy, ReadOptions())
    assert plan is not None
    dialect, ranges = plan
    with pool.connection() as conn:
        conn.execute(
            """INSERT INTO jobs (id, tenant_id, state, file_name, media_type, size_bytes, sha256, object_key,
                                 max_attempts, attempt, lease_owner, lease_expires_at, part_count, dialect)
               VALUES (%s, %s, 'RUNNING', %s, 'text/csv', %s, '', %s, 3, 1, 'coordinator-elsewhere',
                       now() + interval '1 hour', %s, %s)""",
            (job_id, tenant, path.name, size, key, len(ranges), Jsonb(dialect.to_dict())),
        )
        for i, (start, end) in enumerate(ranges):
            conn.execute(
                "INSERT INTO job_parts (job_id, part, start_byte, end_byte) VALUES (%s, %s, %s, %s)",
                (job_id, i, start, end),
            )
    return job_id, policy, len(ranges)


def _runner(
    pool,
    s3,
    policy: SplitPolicy,
    worker_id: str = "helper-under-test",
    telemetry: Telemetry | None = None,
    max_columns: int = MAX_COLUMNS,
    parquet_page_bytes: int = PARQUET_PAGE_BUDGET,
) -> tuple[JobRunner, PartStateSweeper]:
    parts = PartStore(pool=pool, jobs_topic="unused")
    sweeper = PartStateSweeper(parts=parts, s3=s3, bucket="sluice", interval_seconds=0.2)
    runner = JobRunner(
        store=JobStore(pool=pool, topics=Topics(jobs="unused", dlq="unused")),
        parts=parts,
        sweeper=sweeper,
        s3=s3,
        config=RunnerConfig(
            worker_id=worker_id,
            bucket="sluice",
            lease_seconds=30,
            read_chunk_bytes=1 << 16,
            read_window_bytes=1 << 18,  # several bounded GETs per part, and a part's tail crossing into the next
            block_bytes=1 << 20,
            chunk_rows=5000,
            profile=ProfileConfig(),
            retry=RetryPolicy(base_seconds=1, max_seconds=2),
            split=policy,
            max_columns=max_columns,
            parquet_page_bytes=parquet_page_bytes,
        ),
        telemetry=telemetry or Telemetry.create(service_name="test", disabled=True),
    )
    return runner, sweeper


def test_a_processor_woken_by_one_part_goes_on_with_the_jobs_other_parts(pool, s3, api_key, tenant, tmp_path: Path):
    """Part messages land on whatever partitions their keys hash to, so one processor can be handed far fewer
    than another. A processor that took one part keeps claiming the job's remaining ones, so nobody idles
    while parts are left."""
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=20_000)
    assert count >= 4
    runner, _ = _runner(pool, s3, policy)
    # Draining: the part it was woken for is finished, no other is taken.
    assert runner.run_part(job_id, 2, shutting_down=lambda: False, take_more=lambda: False) is Outcome.SUCCEEDED
    with pool.connection() as conn:
        states = conn.execute("SELECT state FROM job_parts WHERE job_id = %s ORDER BY part", (job_id,)).fetchall()
    assert [p["state"] for p in states] == ["QUEUED", "QUEUED", "DONE"] + ["QUEUED"] * (count - 3)
    # Not draining: it goes on with every part left, whichever message woke it.
    assert runner.run_part(job_id, 3, shutting_down=lambda: False) is Outcome.SUCCEEDED
    with pool.connection() as conn:
        parts = conn.execute(
            "SELECT state, finished_by, rows_read FROM job_parts WHERE job_id = %s ORDER BY part", (job_id,)
        ).fetchall()
        done = conn.execute("SELECT parts_done, rows_done FROM jobs WHERE id = %s", (job_id,)).fetchone()
    assert [(p["state"], p["finished_by"]) for p in parts] == [("DONE", "helper-under-test")] * count
    assert sum(p["rows_read"] for p in parts) == 20_000
    assert (done["parts_done"], done["rows_done"]) == (count, 20_000)
    # Woken again for a part that is done: nothing to take.
    assert runner.run_part(job_id, 0, shutting_down=lambda: False) is Outcome.SKIPPED


def _coordinate(pool, s3, policy: SplitPolicy, job_id: str) -> None:
    """The job taken over by a coordinator under test, which does every part and merges them."""
    with pool.connection() as conn:
        conn.execute(
            "UPDATE jobs SET state = 'RETRYING', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    coordinator, _ = _runner(pool, s3, policy, worker_id="coordinator-under-test")
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED


def test_a_table_wider_than_the_processors_take_is_profiled_on_its_first_columns_in_every_part(
    client: SluiceClient, pool, s3, tenant, tmp_path: Path
):
    """SLUICE_MAX_COLUMNS (4 here): the parts read the first columns, their reports agree on those left out, and the
    profile the status service serves says so, with the COLUMNS_LEFT_OUT alert."""
    text = "a,b,c,d,e,f\n" + "".join(f"{i},{i % 7},x{i % 3},{i * 2},e,f\n" for i in range(40_000))
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, 0, text=text)
    assert count >= 2
    with pool.connection() as conn:
        conn.execute(
            "UPDATE jobs SET state = 'RETRYING', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    runner, _ = _runner(pool, s3, policy, worker_id="coordinator-under-test", max_columns=4)
    assert runner.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED
    profile = client.get_profile(job_id)
    assert profile.part_count == count and profile.row_count == 40_000
    assert profile.column_count == 4 and profile.parse.columns_left_out == 2
    assert [c.name for c in client.list_columns(job_id)] == ["a", "b", "c", "d"]
    (alert,) = [a for a in profile.alerts if a.code == "COLUMNS_LEFT_OUT"]
    assert alert.value == 2 and alert.message.startswith("The table has 6 columns; the first 4 were profiled")


def test_a_parquet_file_read_in_column_passes_is_served_as_read_in_one(
    client: SluiceClient, pool, s3, tenant, tmp_path: Path
):
    """SLUICE_PARQUET_PAGE_BYTES (1 MiB here, so passes of 256 KiB of pages): a processor reads the row groups a few
    columns at a time, on its read-ahead and column threads, and the status service serves what a one-pass read
    gives."""
    rows = 30_000
    table = pa.table(
        {
            **{f"n{i}": pa.array([(r * (i + 7)) % 1009 for r in range(rows)]) for i in range(6)},
            **{f"t{i}": pa.array([f"w{(r * (i + 3)) % 997}" for r in range(rows)]) for i in range(6)},
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=12_000)
    key = f"raw/{tenant}/{uuid.uuid4().hex}.parquet"
    s3.put_object(Bucket="sluice", Key=key, Body=sink.getvalue())
    costs = parquet_page_costs(pq.ParquetFile(io.BytesIO(sink.getvalue())), 12)
    assert costs is not None and sum(costs) > 1 << 20 > 8 * max(costs)  # passes of two columns or more
    policy = SplitPolicy(split_bytes=1 << 40, part_bytes=1 << 40)
    jobs = []
    for budget in (1 << 20, PARQUET_PAGE_BUDGET):
        job_id = str(uuid.uuid4())
        with pool.connection() as conn:
            conn.execute(
                """INSERT INTO jobs (id, tenant_id, state, file_name, media_type, size_bytes, sha256, object_key,
                                     max_attempts, attempt)
                   VALUES (%s, %s, 'QUEUED', 'wide.parquet', '', %s, '', %s, 3, 0)""",
                (job_id, tenant, sink.tell(), key),
            )
        runner, _ = _runner(pool, s3, policy, worker_id=f"pages-{budget}", parquet_page_bytes=budget)
        assert runner.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED
        jobs.append(job_id)
    passes, whole = (client.get_profile(job_id) for job_id in jobs)
    assert (passes.row_count, passes.column_count, passes.duplicate_rows) == (rows, 12, whole.duplicate_rows)
    for message in (passes, whole):  # the job's own
        for field in ("job_id", "report_key", "html_report_key", "create_time", "duration_seconds"):
            message.ClearField(field)
    assert passes == whole
    assert passes.correlations and passes.correlations_sampled
    # Each column's moments summed over other chunks: equal to the last bits (tests/engine/helpers.py).
    assert_same(*([MessageToDict(c) for c in client.list_columns(job_id)] for job_id in jobs))


def test_a_cut_inside_a_quoted_field_at_the_end_of_the_first_part_is_read_again_in_one_pass(
    client: SluiceClient, pool, s3, tenant, tmp_path: Path
):
    # A note of 500 lines past the (small) sample, across the first cut only: part 0 ends inside it, part 1 reads
    # its second half as broken rows and ends among plain lines. The coordinator looked at part 0's flag only after
    # part 1's merge had replaced it, and stored the broken rows.
    plain = [f"{i:05d},plain" for i in range(9_000)]  # 12 bytes a line
    note = '9000,"note' + "".join(f"\nline {k:03d}" for k in range(500)) + '"'
    # As many lines after as put a quarter of the file in the middle of the note: the first of four cuts.
    after = [f"{i:05d},plain" for i in range(9_001, 9_001 + (24 + 36 * 9_000 + len(note) + 1) // 12)]
    text = "id,note\n" + "\n".join([*plain, note, *after]) + "\n"
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, 0, text=text, sample_bytes=4096)
    data = text.encode()
    with pool.connection() as conn:
        cuts = [
            r["end_byte"]
            for r in conn.execute("SELECT end_byte FROM job_parts WHERE job_id = %s ORDER BY part", (job_id,))
        ]
    start, end = data.index(b'"note'), data.index(b'"\n', data.index(b'"note') + 1)
    assert count >= 3 and start < cuts[0] < end and not any(start < cut < end for cut in cuts[1:])
    _coordinate(pool, s3, policy, job_id)
    profile = client.get_profile(job_id)
    assert profile.part_count == 1  # read again in one pass
    assert profile.row_count == 9_001 + len(after)
    assert profile.parse.unterminated_quotes == 0 and profile.parse.ragged_rows == 0
    assert not profile.parse.splittable


def test_a_file_ending_inside_a_quoted_field_keeps_its_parts(client: SluiceClient, pool, s3, tenant, tmp_path: Path):
    # Only the last part ends inside a quoted field: the file's own open quote, which no cut made. The parts'
    # profile stands (the coordinator read the whole file again for it) and equals the one-pass profile: the
    # open quote's line read alone, the line after it a ragged row.
    lines = [f"{i:05d},plain" for i in range(40_000)] + ['40000,"never closed', "on a second line"]
    text = "id,note\n" + "\n".join(lines) + "\n"
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, 0, text=text, sample_bytes=4096)
    assert count >= 3
    _coordinate(pool, s3, policy, job_id)
    profile = client.get_profile(job_id)
    assert profile.part_count == count
    whole = open_table(io.BytesIO(text.encode()))
    profiler = TableProfiler()
    for chunk in whole.chunks():
        profiler.update(chunk)
    one = profiler.finish(whole.report)
    assert profile.row_count == one.rows == 40_002
    assert (profile.parse.unterminated_quotes, profile.parse.ragged_rows) == (1, 1)
    assert [(i.kind, i.line) for i in profile.parse.issues] == [(i["kind"], i["line"]) for i in one.parse["issues"]]


def _part_states(pool, job_id: str) -> list[tuple[str, str | None]]:
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT state, finished_by FROM job_parts WHERE job_id = %s ORDER BY part", (job_id,)
        ).fetchall()
    return [(r["state"], r["finished_by"]) for r in rows]


def test_parts_finished_out_of_order_are_merged_in_file_order(client: SluiceClient, pool, s3, tenant, tmp_path: Path):
    """The coordinator merges finished parts while it waits for the others, always in file order. Here another
    processor finished the last part and the second, and died holding the third, before the job's coordinator
    died too; the retried job's new coordinator does the first part, merges what it can while the third's lease
    runs out, then takes the third over. Parse problems keep their line numbers in the whole file."""
    lines = ["id,amount,city"]
    for i in range(20_000):
        lines.append(f"{i},{i % 97}.5,Oslo,extra" if i % 2_500 == 7 else f"{i},{i % 97}.5,Lima")
    text = "\n".join(lines) + "\n"
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=0, text=text)
    assert count >= 4
    helper, _ = _runner(pool, s3, policy)
    for part in (count - 1, 1):
        assert helper.run_part(job_id, part, shutting_down=lambda: False, take_more=lambda: False) is Outcome.SUCCEEDED
    with pool.connection() as conn:
        conn.execute(
            """UPDATE job_parts SET state = 'RUNNING', lease_owner = 'helper-that-died',
                      lease_expires_at = now() + interval '5 seconds' WHERE job_id = %s AND part = 2""",
            (job_id,),
        )
        # The coordinator is gone as well: the job is retried, its DONE parts kept.
        conn.execute(
            "UPDATE jobs SET state = 'RETRYING', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    coordinator, _ = _runner(pool, s3, policy, worker_id="coordinator-under-test")
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED

    finished_by = [by for _, by in _part_states(pool, job_id)]
    assert finished_by[1] == finished_by[-1] == "helper-under-test"
    assert finished_by[2] == "coordinator-under-test"  # taken over once the dead processor's lease ran out
    assert finished_by.count("coordinator-under-test") == count - 2
    profile = client.get_profile(job_id)
    assert profile.part_count == count
    assert (profile.row_count, profile.parse.rows_read, profile.parse.ragged_rows) == (20_000, 20_000, 8)
    # Line 1 is the header: data row i is on line i + 2.
    assert [(i.kind, i.line) for i in profile.parse.issues] == [("ragged_row", i + 2) for i in range(7, 20_000, 2_500)]
    columns = {c.name: c for c in client.list_columns(job_id)}
    assert columns["id"].distinct == 20_000 and not columns["id"].distinct_approximate
    assert columns["amount"].numeric.sum == pytest.approx(sum(i % 97 + 0.5 for i in range(20_000)))


def test_a_coordinator_merges_finished_parts_between_its_own(pool, s3, api_key, tenant, tmp_path: Path):
    """The merges are not all left for the end, where the job waits on them: after each of its parts the
    coordinator folds in the finished parts at the head of the file. Alone on a job, it merges each part before
    profiling the next, and only the last part's merge comes after the last part (seen in its spans)."""
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=20_000)
    assert count >= 4
    with pool.connection() as conn:  # the job's first coordinator is gone: this one takes it over
        conn.execute(
            "UPDATE jobs SET state = 'RETRYING', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    exporter = InMemorySpanExporter()
    telemetry = Telemetry.create(service_name="test", span_processor=SimpleSpanProcessor(exporter))
    coordinator, _ = _runner(pool, s3, policy, worker_id="coordinator-under-test", telemetry=telemetry)
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED

    spans = exporter.get_finished_spans()
    worked = {s.attributes["sluice.part"]: s for s in spans if s.name == "job.part"}
    merged = {s.attributes["sluice.part"]: s for s in spans if s.name == "job.merge_part"}
    assert sorted(worked) == sorted(merged) == list(range(count))
    for part in range(count - 1):
        assert worked[part].end_time <= merged[part].start_time <= worked[part + 1].start_time, part
    assert [p for p, span in merged.items() if span.start_time >= worked[count - 1].end_time] == [count - 1]


def test_a_woken_processor_whose_part_is_taken_helps_with_another(pool, s3, api_key, tenant, tmp_path: Path):
    """A part's message can arrive after the coordinator has taken that part itself: the processor it woke
    takes another part of the job instead of going back to sleep (unless it is draining)."""
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    runner, _ = _runner(pool, s3, policy)
    with pool.connection() as conn:
        conn.execute("UPDATE job_parts SET state = 'DONE' WHERE job_id = %s AND part = 0", (job_id,))
    assert runner.run_part(job_id, 0, shutting_down=lambda: False, take_more=lambda: False) is Outcome.SKIPPED
    assert runner.run_part(job_id, 0, shutting_down=lambda: False) is Outcome.SUCCEEDED
    assert _part_states(pool, job_id)[1:] == [("DONE", "helper-under-test")] * (count - 1)


def _run_idle_worker_until_done(stack: Stack, runner: JobRunner, pool, job_id: str, count: int) -> threading.Thread:
    """A processor on a topic with no messages, left running until the job's parts are DONE (at most 60 s), then
    drained; returns its thread."""
    name = uuid.uuid4().hex[:8]
    worker = ProcessorWorker(
        consumer_factory=lambda listener: kafka.create_consumer(
            stack.infra_env()["SLUICE_KAFKA_BOOTSTRAP"],
            topic=f"no-messages-{name}",
            group=f"idle-{name}",
            client_id="helper-under-test",
            session_timeout_ms=6000,
            max_poll_interval_ms=60_000,
            listener=listener,
        ),
        runner=runner,
        worker_id="helper-under-test",
        drain_timeout=5,
        telemetry=Telemetry.create(service_name="test", disabled=True),
        part_poll_seconds=0.2,
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while _part_states(pool, job_id) != [("DONE", "helper-under-test")] * count and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.request_drain()
        thread.join(30)
    return thread


def test_an_idle_processor_finds_waiting_parts_in_the_database(stack: Stack, pool, s3, api_key, tenant, tmp_path: Path):
    """A part message can wait behind a long job on a busy processor's partition, or in the broker. A processor
    with nothing to do looks in PostgreSQL between polls: here its topic is empty, no part message exists at all,
    and it still does every part of the waiting job."""
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    runner, _ = _runner(pool, s3, policy)
    thread = _run_idle_worker_until_done(stack, runner, pool, job_id, count)
    assert not thread.is_alive()
    assert _part_states(pool, job_id) == [("DONE", "helper-under-test")] * count


def test_a_cancelled_jobs_part_states_are_swept_from_storage(pool, s3, api_key, tenant, tmp_path: Path):
    """Parts finished for a job that is then cancelled leave partial profiles nobody will merge: the periodic
    sweep deletes them (and only those of finished jobs)."""
    cancelled, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path / "a", rows=8_000)
    running, _, _ = _job_planned_elsewhere(pool, s3, tenant, tmp_path / "b", rows=8_000)
    runner, sweeper = _runner(pool, s3, policy)
    for job_id in (cancelled, running):
        assert runner.run_part(job_id, 0, shutting_down=lambda: False) is Outcome.SUCCEEDED

    def kept(job_id: str) -> int:
        return s3.list_objects_v2(Bucket="sluice", Prefix=f"parts/{tenant}/{job_id}/")["KeyCount"]

    assert kept(cancelled) == kept(running) == count
    assert sweeper.sweep(cancelled) == 0  # still running: its states are still to be merged
    row, done = JobStore(pool=pool, topics=Topics(jobs="unused", dlq="unused")).cancel(cancelled, tenant=tenant)
    assert done and row is not None
    stop = threading.Event()
    sweeping = threading.Thread(target=sweeper.run, args=(stop,), daemon=True)
    sweeping.start()
    try:
        deadline = time.monotonic() + 10
        while kept(cancelled) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        sweeping.join(5)
    assert kept(cancelled) == 0
    assert kept(running) == count
    with pool.connection() as conn:
        keys = conn.execute("SELECT state_key FROM job_parts WHERE job_id = %s", (cancelled,)).fetchall()
    assert [k["state_key"] for k in keys] == [None] * count  # recorded as deleted: later sweeps skip them


def test_parts_finishing_at_the_same_moment_are_all_counted(pool, s3, api_key, tenant, tmp_path: Path):
    """Two processors finish the last two parts at once. Another processor's finish is played here by a
    transaction on a connection of the test's own, held open while PartStore.finish runs for the other part:
    its count must include the other's part once that commits (it used to stay one short: 7 of 8)."""
    job_id, _, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=20_000)
    parts = PartStore(pool=pool, jobs_topic="unused")
    with pool.connection() as conn:
        conn.execute(
            "UPDATE job_parts SET state = 'RUNNING', lease_owner = 'p' || part::text WHERE job_id = %s", (job_id,)
        )
    for part in range(count - 2):
        assert parts.finish(job_id, part, worker=f"p{part}", rows=1, state_key=f"k{part}")
    other = psycopg.connect(pool.conninfo, autocommit=False)
    try:
        last = count - 1
        other.execute("SELECT 1 FROM jobs WHERE id = %s FOR UPDATE", (job_id,))  # as finish() now does
        other.execute(
            "UPDATE job_parts SET state = 'DONE', rows_read = 1 WHERE job_id = %s AND part = %s", (job_id, last)
        )
        other.execute(
            "UPDATE jobs SET parts_done = (SELECT count(*) FROM job_parts WHERE job_id = %s AND state = 'DONE')"
            " WHERE id = %s",
            (job_id, job_id),
        )
        finishing = threading.Thread(
            target=parts.finish,
            args=(job_id, count - 2),
            kwargs={"worker": f"p{count - 2}", "rows": 1, "state_key": "k"},
        )
        finishing.start()
        time.sleep(0.5)  # it is now waiting for the other transaction
        other.commit()
        finishing.join(timeout=10)
    finally:
        other.close()
    with pool.connection() as conn:
        done = conn.execute("SELECT parts_done FROM jobs WHERE id = %s", (job_id,)).fetchone()
    assert done["parts_done"] == count


def test_a_coordinator_is_woken_as_soon_as_a_part_of_its_job_changes(pool, s3, api_key, tenant, tmp_path: Path, caplog):
    """The coordinator waits for the other processors' parts on a LISTEN connection: a part of its job that
    finishes, or is given back, wakes it at once (it used to look every half second); another job's parts do
    not. A change that commits between its look at the parts and its wait is not lost. Without a database
    connection, a wait sleeps out its timeout: the coordinator still looks at the parts after each."""
    job_id, _, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path / "mine", rows=20_000)
    other_id, _, _ = _job_planned_elsewhere(pool, s3, tenant, tmp_path / "other", rows=20_000)
    assert count >= 3
    parts = PartStore(pool=pool, jobs_topic="unused")
    with pool.connection() as conn:
        conn.execute(
            "UPDATE job_parts SET state = 'RUNNING', lease_owner = 'p' || part::text WHERE job_id = ANY(%s)",
            ([job_id, other_id],),
        )
    with parts.watch(job_id) as watch:
        assert watch.wait(0.2) is False  # nothing changed
        assert parts.finish(other_id, 0, worker="p0", rows=1, state_key="k")
        assert watch.wait(0.3) is False  # another job's part
        finish = {"worker": "p0", "rows": 1, "state_key": "k"}
        finishing = threading.Timer(0.3, parts.finish, args=(job_id, 0), kwargs=finish)
        finishing.start()
        assert watch.wait(30) is True  # woken by the commit, long before the timeout
        finishing.join()
        assert parts.finish(job_id, 1, worker="p1", rows=1, state_key="k")  # before the wait: kept for it
        assert watch.wait(30) is True
        parts.give_back(job_id, 2, worker="p2", error="storage failed", reason="STORAGE_UNAVAILABLE")  # QUEUED again
        assert watch.wait(30) is True
        assert watch.wait(0.2) is False  # each change wakes it once

    info = psycopg.conninfo.conninfo_to_dict(pool.conninfo)
    unreachable = psycopg.conninfo.make_conninfo(**{**info, "port": str(free_port())})
    with PartWatch(unreachable, job_id) as watch:
        started = time.monotonic()
        assert watch.wait(0.3) is False
        assert time.monotonic() - started >= 0.3  # slept, so the coordinator's loop does not spin
    assert "not listening for part changes" in caplog.text


def test_progress_never_goes_back_while_the_coordinator_works_on_its_own_part(
    pool, s3, api_key, tenant, tmp_path: Path
):
    """The coordinator renews its job's lease with its own figure, the parts done when it last looked; parts
    other processors finish in the meantime count at once. Its renewals overwrote them: a job 3 parts of 4 done
    went back to 0% until the coordinator's own part was done."""
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=20_000)
    assert count >= 4
    helper, _ = _runner(pool, s3, policy)
    for part in (1, 2):
        assert helper.run_part(job_id, part, shutting_down=lambda: False, take_more=lambda: False) is Outcome.SUCCEEDED
    store = JobStore(pool=pool, topics=Topics(jobs="unused", dlq="unused"))
    before = store.get(job_id)
    assert before is not None and before["parts_done"] == 2 and before["bytes_done"] > 0
    # The coordinator, busy with part 0 since before they finished, renews with its figure: nothing done.
    assert store.renew(job_id, worker="coordinator-elsewhere", lease_seconds=30, bytes_done=0, rows_done=0)
    after = store.get(job_id)
    assert after is not None
    assert (after["bytes_done"], after["rows_done"], after["parts_done"]) == (
        before["bytes_done"],
        before["rows_done"],
        2,
    )


class _OnePutFails:
    """The S3 client, but PUTs of a part's state fail as an unreachable endpoint would: the first one (`times`
    1), or the first `times` of part `part`'s: a hiccup at one moment of one call, or an outage for one key, faults
    we cannot cause for real with the S3 server up for everything else."""

    def __init__(self, s3: object, *, times: int = 1, part: int | None = None) -> None:
        self._s3, self._times, self._part = s3, times, part
        self.failed = 0

    def put_object(self, **kwargs: object) -> object:
        key = str(kwargs["Key"])
        ours = key.startswith("parts/") and (self._part is None or key.endswith(f"/{self._part:05d}.state"))
        if ours and self.failed < self._times:
            self.failed += 1
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        return self._s3.put_object(**kwargs)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._s3, name)


def test_a_storage_hiccup_on_the_coordinators_part_retries_that_part_not_the_job(
    pool, s3, api_key, tenant, tmp_path: Path
):
    """Before, it retried the whole job: RETRYING with backoff, an attempt spent, and the parts other processors
    were working on dropped (their renewals need a RUNNING job). Now the part is queued again and taken after a
    backoff; the job goes on in the same attempt."""
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    with pool.connection() as conn:  # its coordinator is gone: the job is taken over
        conn.execute(
            "UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    flaky = _OnePutFails(s3)
    coordinator, _ = _runner(pool, flaky, policy, worker_id="coordinator-under-test")
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED
    assert flaky.failed == 1
    with pool.connection() as conn:
        job = conn.execute("SELECT state, attempt FROM jobs WHERE id = %s", (job_id,)).fetchone()
        parts = conn.execute(
            "SELECT attempts, finished_at FROM job_parts WHERE job_id = %s ORDER BY part", (job_id,)
        ).fetchall()
    assert (job["state"], job["attempt"]) == ("SUCCEEDED", 2)  # the takeover's attempt, the first was elsewhere
    assert [p["attempts"] for p in parts] == [2] + [1] * (count - 1)  # the first part, tried twice
    # While the first part waited out its backoff, the coordinator did the next one (it used to idle).
    assert parts[1]["finished_at"] < parts[0]["finished_at"]


def test_a_part_whose_storage_fails_waits_out_its_backoff_for_every_processor(
    pool, s3, api_key, tenant, tmp_path: Path
):
    """Only the coordinator used to wait: a helper whose part failed gave it back for anyone to take at once,
    and idle processors took it again every half second through an outage. The part's backoff is now kept with
    the part, so no processor takes it before its time."""
    job_id, policy, _ = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    flaky = _OnePutFails(s3, part=1)
    helper, _ = _runner(pool, flaky, policy)  # a backoff of 0.5-1 s after the first try (RetryPolicy base 1 s)
    assert helper.run_part(job_id, 1, shutting_down=lambda: False, take_more=lambda: False) is Outcome.RETRYING
    given_back = time.monotonic()
    parts = PartStore(pool=pool, jobs_topic="unused")
    row = next(p for p in parts.parts(job_id) if p["part"] == 1)
    assert (row["state"], row["error_reason"], row["attempts"]) == ("QUEUED", "STORAGE_UNAVAILABLE", 1)
    assert parts.claim(job_id, worker="another", lease_seconds=30, part=1) is None  # not yet, for anyone
    while (taken := parts.claim(job_id, worker="another", lease_seconds=30, part=1)) is None:
        assert time.monotonic() - given_back < 5, "the part was never taken again"
        time.sleep(0.05)
    assert time.monotonic() - given_back > 0.4 and taken["attempts"] == 2


def test_a_part_failing_on_every_try_retries_the_job_which_gives_it_its_tries_again(
    pool, s3, api_key, tenant, tmp_path: Path
):
    """A part whose state cannot be stored in the job's 3 tries fails the attempt (the job retries, as a whole
    job would); the parts done are kept, and the retry gives the part 3 tries again (they were spent for good,
    so the retry failed at its first storage error)."""
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    with pool.connection() as conn:
        conn.execute(
            "UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    outage = _OnePutFails(s3, times=3, part=count - 1)
    coordinator, _ = _runner(pool, outage, policy, worker_id="coordinator-under-test")
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.RETRYING
    assert outage.failed == 3
    store = JobStore(pool=pool, topics=Topics(jobs="unused", dlq="unused"))
    job = store.get(job_id)
    assert job is not None and (job["state"], job["error_reason"]) == ("RETRYING", "STORAGE_UNAVAILABLE")
    assert f"part {count - 1} failed in each of its 3 tries" in job["error_message"]
    assert _part_states(pool, job_id)[:-1] == [("DONE", "coordinator-under-test")] * (count - 1)
    with pool.connection() as conn:
        conn.execute("UPDATE jobs SET next_attempt_at = now() WHERE id = %s", (job_id,))
    retried, _ = _runner(pool, _OnePutFails(s3, times=1, part=count - 1), policy, worker_id="coordinator-under-test")
    assert retried.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED  # one failure, then stored
    with pool.connection() as conn:
        last = conn.execute(
            "SELECT attempts FROM job_parts WHERE job_id = %s AND part = %s", (job_id, count - 1)
        ).fetchone()
    assert last["attempts"] == 2  # counted afresh in the retry


def test_a_part_whose_processors_died_on_every_try_is_not_taken_again(pool, s3, api_key, tenant, tmp_path: Path):
    """A part that kills the processor working on it (one that runs it out of memory, say) was taken again
    whenever its lease ran out, without end, each time by another processor. After the job's attempts it is left,
    and the coordinator fails the attempt with WORKER_LOST. The dead processors are stood in for by the lease
    they leave behind: a RUNNING part whose lease ran out (killing processors is not what this test is about)."""
    job_id, _, _ = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    with pool.connection() as conn:
        conn.execute(
            """UPDATE job_parts SET state = 'RUNNING', lease_owner = 'died', attempts = 3,
                      lease_expires_at = now() - interval '1 second' WHERE job_id = %s AND part = 0""",
            (job_id,),
        )
    parts = PartStore(pool=pool, jobs_topic="unused")
    assert parts.claim(job_id, worker="another", lease_seconds=30, part=0) is None
    spent = parts.parts(job_id)[0]
    assert spent["idle"] and spent["attempts"] == 3
    error = spent_part_error(parts.parts(job_id), max_attempts=3)
    assert error is not None and error.reason == "WORKER_LOST"
    assert "stopped working on it 3 times" in error.message
    assert spent_part_error(parts.parts(job_id), max_attempts=4) is None  # a try left: taken again


def test_an_error_outside_the_runners_handling_does_not_stop_the_processor(
    stack: Stack, pool, s3, api_key, tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """An exception the runner does not handle (here made by the test: its first call raises, a fault we cannot
    cause for real) left the worker's loop and stopped the processor. It goes on, and does the job's parts."""
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    runner, _ = _runner(pool, s3, policy)
    real, calls = runner.run_part, []

    def first_call_fails(*args: object, **kwargs: object) -> Outcome:
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("an error nobody handles")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "run_part", first_call_fails)
    thread = _run_idle_worker_until_done(stack, runner, pool, job_id, count)
    assert len(calls) >= 2 and not thread.is_alive()
    assert _part_states(pool, job_id) == [("DONE", "helper-under-test")] * count


def test_a_part_read_without_the_files_date_order_is_read_again(pool, s3, api_key, tenant, tmp_path: Path):
    """In a rolling upgrade a processor of the version before day-first dates may do a part of a day-first file:
    it reads that part's dates month first, and its stored report has no `day_first`. Merging it failed the job
    (parts of different date orders) on every attempt. The coordinator has such a part read again. The old
    processor is stood in for by rewriting a part's stored report as that version wrote it (no such version runs
    here)."""
    rows = [f"{i},{(i % 28) + 1:02d}/{(i % 12) + 1:02d}/2021,{i % 7}" for i in range(12_000)]
    text = "id,day,n\n" + "\n".join(rows) + "\n"
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=0, text=text)
    helper, _ = _runner(pool, s3, policy)
    assert helper.run_part(job_id, 0, shutting_down=lambda: False) is Outcome.SUCCEEDED  # every part, day first
    with pool.connection() as conn:
        key = conn.execute("SELECT state_key FROM job_parts WHERE job_id = %s AND part = 1", (job_id,)).fetchone()[
            "state_key"
        ]
    head, _, state = s3.get_object(Bucket="sluice", Key=key)["Body"].read().partition(b"\n")
    old = {k: v for k, v in json.loads(head).items() if k not in ("day_first", "invalid_records", "sheet")}
    profiler_state = codec.loads(state)
    del profiler_state["day_first"]  # that version's profiler knew only the decimal mark
    s3.put_object(Bucket="sluice", Key=key, Body=json.dumps(old).encode() + b"\n" + codec.dumps(profiler_state))
    with pool.connection() as conn:  # its coordinator is gone: the job is taken over
        conn.execute(
            "UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    coordinator, _ = _runner(pool, s3, policy, worker_id="coordinator-under-test")
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED
    finished_by = [by for _, by in _part_states(pool, job_id)]
    assert finished_by[1] == "coordinator-under-test" and finished_by.count("helper-under-test") == count - 1
    with pytest.raises(s3.exceptions.NoSuchKey):  # the old state is gone, not left for nobody to sweep
        s3.get_object(Bucket="sluice", Key=key)
    with pool.connection() as conn:
        detail = conn.execute(
            "SELECT inferred_type, detail FROM column_profiles WHERE job_id = %s AND name = 'day'", (job_id,)
        ).fetchone()
    assert detail["inferred_type"] == "date" and detail["detail"]["invalid"] == 0


def test_a_part_read_with_another_column_limit_is_read_again(client: SluiceClient, pool, s3, tenant, tmp_path: Path):
    """SLUICE_MAX_COLUMNS changed while a job ran: a part read on 2 columns and the others on 3 failed the merge
    (tables with different columns) on every attempt. The coordinator has the part read again, on its own limit."""
    text = "a,b,c\n" + "".join(f"{i},{i % 7},x{i % 3}\n" for i in range(40_000))
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, 0, text=text)
    assert count >= 2
    narrow, _ = _runner(pool, s3, policy, worker_id="narrow-under-test", max_columns=2)
    assert narrow.run_part(job_id, 1, shutting_down=lambda: False, take_more=lambda: False) is Outcome.SUCCEEDED
    with pool.connection() as conn:
        conn.execute(
            "UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    coordinator, _ = _runner(pool, s3, policy, worker_id="coordinator-under-test", max_columns=3)
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED
    assert [by for _, by in _part_states(pool, job_id)] == ["coordinator-under-test"] * count
    profile = client.get_profile(job_id)
    assert (profile.row_count, profile.column_count, profile.parse.columns_left_out) == (40_000, 3, 0)
    assert not [a for a in profile.alerts if a.code == "COLUMNS_LEFT_OUT"]


def test_a_parts_report_reads_in_the_version_before_and_the_next() -> None:
    """The report a part stores leaves this version's new fields out at their defaults (the version before takes
    only the fields it knows), and a report with fields of a later version reads."""
    report = ParseReport(format="csv", rows_read=3)
    assert not {"day_first", "invalid_records", "sheet", "long_lines", "columns_left_out"} & set(report.to_part_dict())
    report.day_first = True
    assert report.to_part_dict()["day_first"] is True
    later = {**report.to_dict(), "a_field_of_a_later_version": 1}
    assert ParseReport.from_dict(later) == report


def test_a_part_given_back_at_shutdown_is_free_at_once_and_its_try_not_counted(
    pool, s3, api_key, tenant, tmp_path: Path
):
    """A processor draining for a restart gives its part back: that was no failed try (a rolling restart must
    not spend a part's attempts), and the part waits for no backoff."""
    job_id, policy, _ = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    draining, _ = _runner(pool, s3, policy)
    assert draining.run_part(job_id, 0, shutting_down=lambda: True) is Outcome.RELEASED
    parts = PartStore(pool=pool, jobs_topic="unused")
    row = parts.parts(job_id)[0]
    assert (row["state"], row["attempts"], row["error_reason"]) == ("QUEUED", 0, None)
    taken = parts.claim(job_id, worker="another", lease_seconds=30, part=0)
    assert taken is not None and taken["attempts"] == 1
