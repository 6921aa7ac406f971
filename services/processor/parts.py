"""Profiling one large file in byte-range parts, by any processors at once.

The job's claimant is the coordinator. It samples the head of the file and, when the file is large enough
and safely splittable (delimited text, single-byte line breaks, no quoted line breaks, an encoding where
byte offsets fall between characters), records the parts and publishes one Kafka message per part. Any
processor, the coordinator included, claims a part under a lease of its own, profiles its range (from the
first line that starts inside it through the line that crosses its end), stores the partial state in S3
and marks the part DONE. Parts whose worker died are taken back when their lease runs out. A storage error
queues a part again after a backoff that every processor waits out; a part that has had the job's attempts
fails the attempt (spent_part_error), and the job's retry gives its parts their attempts afresh. When every part
is DONE the coordinator merges the partial states in part order (parse reports too, with line numbers
shifted) and completes the job as usual. Progress counts parts (JobProgress.parts_done / parts_total).
Quoted line breaks past the sample can still put a cut inside a record: a part then ends inside a quoted field
(ParseReport.open_quote_at_end), and the coordinator profiles the file again in one pass instead of merging.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from services.processor.engine import ParseReport
from services.processor.engine.options import Dialect, ReadOptions
from services.processor.engine.reading import NotATableError, plan_parts, sniff_dialect
from sluice.errors import TransientJobError
from sluice.jobstore import Row

# Encodings in which any byte offset at a line break is also a character boundary.
_SPLITTABLE_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "ascii", "cp1252", "latin-1", "iso-8859-1"})
_TEXT_TYPES = frozenset({"text/csv", "text/tab-separated-values", "text/plain"})


@dataclass(frozen=True)
class SplitPolicy:
    split_bytes: int  # files above this are split; 0: never
    part_bytes: int
    part_count_multiple: int = 4  # see plan_parts
    sample_bytes: int = 1024 * 1024

    def wants_split(self, job: Row) -> bool:
        return bool(self.split_bytes) and job["size_bytes"] > self.split_bytes and job["media_type"] in _TEXT_TYPES


def split_plan(
    job: Row, sample: bytes, policy: SplitPolicy, options: ReadOptions
) -> tuple[Dialect, list[tuple[int, int]]] | None:
    """The dialect (from the head of the file) and the parts' byte ranges; None when the file must be read
    in one pass (the single pass then reports whatever made it unsplittable, e.g. that it is no table)."""
    try:
        dialect = sniff_dialect(sample, file_name=job["file_name"], media_type=job["media_type"], options=options)
    except NotATableError:
        return None
    if not dialect.splittable or dialect.encoding.lower() not in _SPLITTABLE_ENCODINGS:
        return None
    ranges = plan_parts(
        job["size_bytes"],
        dialect,
        part_bytes=policy.part_bytes,
        min_split_bytes=policy.split_bytes,
        count_multiple=policy.part_count_multiple,
    )
    return (dialect, ranges) if len(ranges) > 1 else None


def pack_state(report: ParseReport, state: bytes) -> bytes:
    """A part's partial profile as stored in S3: its parse report as a JSON line, then the profiler state."""
    return json.dumps(report.to_part_dict()).encode() + b"\n" + state


def unpack_state(blob: bytes) -> tuple[ParseReport, bytes]:
    head, _, state = blob.partition(b"\n")
    return ParseReport.from_dict(json.loads(head)), state


def spent_part_error(parts: Sequence[Row], max_attempts: int) -> TransientJobError | None:
    """The error that fails the job's attempt when a part nobody works on (`idle`) has had the job's attempts:
    storage failed on each of its tries, or the processors that took it died (a part that kills its processor,
    say by running it out of memory, would otherwise be taken again without end). None while every part has
    tries left."""
    for part in parts:
        if part["idle"] and part["state"] != "DONE" and part["attempts"] >= max_attempts:
            if part["error_reason"]:
                message = f"part {part['part']} failed in each of its {part['attempts']} tries: {part['error_message']}"
                return TransientJobError(part["error_reason"], message)
            message = f"the processors that took part {part['part']} stopped working on it {part['attempts']} times"
            return TransientJobError("WORKER_LOST", message)
    return None
