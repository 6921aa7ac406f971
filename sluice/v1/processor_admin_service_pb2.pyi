import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ("worker_id", "current_job_id", "jobs_succeeded", "jobs_failed", "jobs_retried", "draining", "drained", "start_time", "assigned_partitions")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    JOBS_SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    JOBS_FAILED_FIELD_NUMBER: _ClassVar[int]
    JOBS_RETRIED_FIELD_NUMBER: _ClassVar[int]
    DRAINING_FIELD_NUMBER: _ClassVar[int]
    DRAINED_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    current_job_id: str
    jobs_succeeded: int
    jobs_failed: int
    jobs_retried: int
    draining: bool
    drained: bool
    start_time: _timestamp_pb2.Timestamp
    assigned_partitions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, worker_id: _Optional[str] = ..., current_job_id: _Optional[str] = ..., jobs_succeeded: _Optional[int] = ..., jobs_failed: _Optional[int] = ..., jobs_retried: _Optional[int] = ..., draining: _Optional[bool] = ..., drained: _Optional[bool] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., assigned_partitions: _Optional[_Iterable[int]] = ...) -> None: ...

class DrainRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DrainResponse(_message.Message):
    __slots__ = ("current_job_id",)
    CURRENT_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    current_job_id: str
    def __init__(self, current_job_id: _Optional[str] = ...) -> None: ...
