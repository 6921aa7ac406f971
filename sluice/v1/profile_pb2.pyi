import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Profile(_message.Message):
    __slots__ = ("job_id", "row_count", "column_count", "missing_cells", "size_bytes", "delimiter", "report_key", "create_time", "duration_seconds")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    COLUMN_COUNT_FIELD_NUMBER: _ClassVar[int]
    MISSING_CELLS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DELIMITER_FIELD_NUMBER: _ClassVar[int]
    REPORT_KEY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    row_count: int
    column_count: int
    missing_cells: int
    size_bytes: int
    delimiter: str
    report_key: str
    create_time: _timestamp_pb2.Timestamp
    duration_seconds: float
    def __init__(self, job_id: _Optional[str] = ..., row_count: _Optional[int] = ..., column_count: _Optional[int] = ..., missing_cells: _Optional[int] = ..., size_bytes: _Optional[int] = ..., delimiter: _Optional[str] = ..., report_key: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_seconds: _Optional[float] = ...) -> None: ...

class ColumnProfile(_message.Message):
    __slots__ = ("name", "position", "inferred_type", "count", "missing", "distinct", "distinct_approximate", "min", "max", "mean")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    INFERRED_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_APPROXIMATE_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    name: str
    position: int
    inferred_type: str
    count: int
    missing: int
    distinct: int
    distinct_approximate: bool
    min: str
    max: str
    mean: float
    def __init__(self, name: _Optional[str] = ..., position: _Optional[int] = ..., inferred_type: _Optional[str] = ..., count: _Optional[int] = ..., missing: _Optional[int] = ..., distinct: _Optional[int] = ..., distinct_approximate: _Optional[bool] = ..., min: _Optional[str] = ..., max: _Optional[str] = ..., mean: _Optional[float] = ...) -> None: ...
