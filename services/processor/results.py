"""From the engine's TableProfile to what is stored: the rows of PostgreSQL and the JSON report. Pure."""

from __future__ import annotations

import math
from typing import Any

from services.processor.engine import ColumnProfile, TableProfile
from sluice.jobstore import ColumnResult, ProfileResult, Row


def _render_number(value: float, integral: bool) -> str | None:
    """None when there is no such number (a column of infinities only has no finite minimum): "nan" was stored
    and shown in the CLI's table and its CSV."""
    if math.isnan(value):
        return None
    if integral and math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(float(value))


def column_result(column: ColumnProfile) -> ColumnResult:
    """The summary columns (listings, the CLI's table) next to the full detail."""
    low: str | None = None
    high: str | None = None
    mean: float | None = None
    if column.numeric is not None:
        integral = column.inferred_type == "integer"
        low, high = _render_number(column.numeric.min, integral), _render_number(column.numeric.max, integral)
        mean = column.numeric.mean if math.isfinite(column.numeric.mean) else None
    elif column.datetime is not None:
        low, high = column.datetime.min, column.datetime.max
    return ColumnResult(
        position=column.position,
        name=column.name,
        inferred_type=column.inferred_type,
        count=column.count,
        missing=column.missing,
        distinct=column.distinct,
        distinct_approximate=column.distinct_approximate,
        min_value=low,
        max_value=high,
        mean=mean,
        detail=column.to_dict(),
    )


def profile_result(
    profile: TableProfile,
    *,
    size_bytes: int,
    report_key: str,
    html_report_key: str,
    duration_seconds: float,
    part_count: int = 1,
) -> ProfileResult:
    summary = profile.to_dict()
    summary.pop("column_profiles")
    return ProfileResult(
        row_count=profile.rows,
        column_count=profile.columns,
        missing_cells=profile.missing_cells,
        size_bytes=size_bytes,
        delimiter=str(profile.parse.get("delimiter", "")),
        report_key=report_key,
        duration_seconds=duration_seconds,
        columns=[column_result(c) for c in profile.column_profiles],
        detail=summary,
        html_report_key=html_report_key,
        part_count=part_count,
    )


def report_document(job: Row, profile: TableProfile, *, duration_seconds: float) -> dict[str, Any]:
    """The JSON report (and the HTML report's input): the job, the whole profile, how the file was read."""
    return {
        "job": {
            "id": str(job["id"]),
            "file_name": job["file_name"],
            "size_bytes": job["size_bytes"],
            "media_type": job["media_type"],
            "created_at": job["created_at"].isoformat() if job.get("created_at") else None,
            "duration_seconds": duration_seconds,
        },
        "profile": profile.to_dict(),
        "parse": dict(profile.parse),
    }
