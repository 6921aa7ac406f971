from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from sluice.v1 import job_pb2 as _job_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UploadBodyRequest(_message.Message):
    __slots__ = ("file_name", "declared_size", "sha256", "idempotency_key", "options", "body")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    DECLARED_SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    declared_size: int
    sha256: str
    idempotency_key: str
    options: _job_pb2.JobOptions
    body: _httpbody_pb2.HttpBody
    def __init__(self, file_name: _Optional[str] = ..., declared_size: _Optional[int] = ..., sha256: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., options: _Optional[_Union[_job_pb2.JobOptions, _Mapping]] = ..., body: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class UploadRequest(_message.Message):
    __slots__ = ("header", "chunk", "finish_write")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    FINISH_WRITE_FIELD_NUMBER: _ClassVar[int]
    header: UploadHeader
    chunk: bytes
    finish_write: bool
    def __init__(self, header: _Optional[_Union[UploadHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ..., finish_write: _Optional[bool] = ...) -> None: ...

class UploadHeader(_message.Message):
    __slots__ = ("file_name", "media_type", "declared_size", "sha256", "idempotency_key", "options")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    DECLARED_SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    media_type: str
    declared_size: int
    sha256: str
    idempotency_key: str
    options: _job_pb2.JobOptions
    def __init__(self, file_name: _Optional[str] = ..., media_type: _Optional[str] = ..., declared_size: _Optional[int] = ..., sha256: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., options: _Optional[_Union[_job_pb2.JobOptions, _Mapping]] = ...) -> None: ...

class UploadResponse(_message.Message):
    __slots__ = ("job", "committed_size", "deduplicated")
    JOB_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_SIZE_FIELD_NUMBER: _ClassVar[int]
    DEDUPLICATED_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    committed_size: int
    deduplicated: bool
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., committed_size: _Optional[int] = ..., deduplicated: _Optional[bool] = ...) -> None: ...
