"""PostgreSQL rows to sluice.v1 messages (one place, so every service renders a job the same way)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from google.protobuf import json_format, timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from sluice.telemetry import trace_id_of
from sluice.v1 import job_pb2, profile_pb2

Row = dict[str, Any]


def state_to_proto(state: str | None) -> job_pb2.JobState:
    return cast(job_pb2.JobState, job_pb2.JobState.Value(f"JOB_STATE_{state}") if state else 0)


def state_from_proto(value: int) -> str:
    return job_pb2.JobState.Name(value).removeprefix("JOB_STATE_")


# JobOptions.date_order as the job row's options store it ("" detects).
_DATE_ORDERS = {job_pb2.DATE_ORDER_MONTH_FIRST: "month_first", job_pb2.DATE_ORDER_DAY_FIRST: "day_first"}


def date_order_option(value: int) -> str | None:
    """The stored form of a DateOrder; None for a number this version does not know."""
    if value == job_pb2.DATE_ORDER_UNSPECIFIED:
        return ""
    return _DATE_ORDERS.get(cast(job_pb2.DateOrder, value))


def date_order_to_proto(option: str) -> job_pb2.DateOrder:
    stored = {text: value for value, text in _DATE_ORDERS.items()}
    return stored.get(option, job_pb2.DATE_ORDER_UNSPECIFIED)


def _ts(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def status_path(job_id: str) -> str:
    return f"sluice.v1.StatusService/GetJob {{job_id: {job_id}}} | GET /v1/jobs/{job_id}"


def job_to_proto(row: Row, events: Iterable[Row] = ()) -> job_pb2.Job:
    options = row.get("options") or {}
    job = job_pb2.Job(
        id=str(row["id"]),
        tenant=row["tenant_id"],
        state=state_to_proto(row["state"]),
        file_name=row["file_name"],
        media_type=row["media_type"],
        size_bytes=row["size_bytes"],
        sha256=row["sha256"],
        options=job_pb2.JobOptions(
            delimiter=options.get("delimiter", ""),
            decimal=options.get("decimal", ""),
            date_order=date_order_to_proto(options.get("date_order", "")),
            encoding=options.get("encoding", ""),
            na_values=options.get("na_values", []),
            max_attempts=options.get("max_attempts", 0),
        ),
        attempt=row["attempt"],
        max_attempts=row["max_attempts"],
        progress=job_pb2.JobProgress(
            bytes_done=row["bytes_done"],
            bytes_total=row["size_bytes"],
            rows_done=row["rows_done"],
            parts_done=row.get("parts_done") or 0,
            parts_total=row.get("part_count") or 0,
        ),
        idempotency_key=row.get("idempotency_key") or "",
        status_path=status_path(str(row["id"])),
        create_time=_ts(row["created_at"]),
        update_time=_ts(row["updated_at"]),
        start_time=_ts(row.get("started_at")),
        end_time=_ts(row.get("finished_at")),
        next_attempt_time=_ts(row.get("next_attempt_at")) if row["state"] == "RETRYING" else None,
        trace_id=trace_id_of(row.get("trace_context")),
    )
    if row.get("error_reason"):
        job.error.CopyFrom(
            job_pb2.JobError(
                reason=row["error_reason"],
                message=row["error_message"] or "",
                retryable=bool(row.get("error_retryable")),
            )
        )
    for event in events:
        job.events.append(
            job_pb2.JobEvent(
                from_state=state_to_proto(event["from_state"]),
                to_state=state_to_proto(event["to_state"]),
                time=_ts(event["created_at"]),
                attempt=event["attempt"],
                worker=event["worker"],
                message=event["message"],
            )
        )
    return job


_FLOATING = (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT)


def _for_message(value: dict[str, Any], message: Descriptor) -> dict[str, Any]:
    """The engine's JSON as json_format.ParseDict takes it for `message`: a statistic that does not exist is null
    there (proto3 leaves the field unset), and an infinity "inf" (ParseDict reads "Infinity") in floating-point
    fields only: a text value or a column name "inf" is text (it came out as "Infinity")."""
    return {k: _for_field(v, message.fields_by_name.get(k)) for k, v in value.items() if v is not None}


def _for_field(value: Any, field: FieldDescriptor | None) -> Any:
    if field is None:  # not in the message: ParseDict leaves it out
        return value
    entry = field.message_type
    if entry is not None and entry.GetOptions().map_entry and isinstance(value, dict):
        return {k: _for_field(v, entry.fields_by_name["value"]) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_for_field(v, field) for v in value]
    if entry is not None and isinstance(value, dict):
        return _for_message(value, entry)
    if field.type in _FLOATING and value in ("inf", "-inf"):
        return "Infinity" if value == "inf" else "-Infinity"
    return value


def profile_to_proto(row: Row) -> profile_pb2.Profile:
    detail = dict(row.get("detail") or {})
    extra = profile_pb2.Profile()
    if detail:
        known = {f.name for f in profile_pb2.Profile.DESCRIPTOR.fields}
        picked = {k: v for k, v in detail.items() if k in known}
        json_format.ParseDict(_for_message(picked, extra.DESCRIPTOR), extra, ignore_unknown_fields=True)
    extra.MergeFrom(
        profile_pb2.Profile(
            job_id=str(row["job_id"]),
            row_count=row["row_count"],
            column_count=row["column_count"],
            missing_cells=row["missing_cells"],
            size_bytes=row["size_bytes"],
            delimiter=row["delimiter"],
            report_key=row["report_key"],
            create_time=_ts(row["created_at"]),
            duration_seconds=row["duration_seconds"],
            html_report_key=row.get("html_report_key") or "",
            part_count=row.get("part_count") or 1,
        )
    )
    return extra


def column_to_proto(row: Row) -> profile_pb2.ColumnProfile:
    column = profile_pb2.ColumnProfile()
    detail = dict(row.get("detail") or {})
    if detail:
        lower, upper = detail.pop("distinct_bounds", (0, 0))
        detail.update(distinct_lower=lower, distinct_upper=upper)
        for dropped in ("name", "position", "count", "missing", "distinct", "distinct_approximate", "inferred_type"):
            detail.pop(dropped, None)  # from the row below, like the summary columns
        json_format.ParseDict(_for_message(detail, column.DESCRIPTOR), column, ignore_unknown_fields=True)
    column.MergeFrom(
        profile_pb2.ColumnProfile(
            name=row["name"],
            position=row["position"],
            inferred_type=row["inferred_type"],
            count=row["count"],
            missing=row["missing"],
            distinct=row["distinct_count"],
            distinct_approximate=row["distinct_approximate"],
        )
    )
    if row["min_value"] is not None:
        column.min = row["min_value"]
    if row["max_value"] is not None:
        column.max = row["max_value"]
    if row["mean"] is not None:
        column.mean = row["mean"]
    return column
