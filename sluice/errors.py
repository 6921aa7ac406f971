"""One error tree for the whole system, mapped to gRPC status codes and google.rpc details here only.

Handlers raise these; `grpcserver.ErrorInterceptor` turns them into a status with an ErrorInfo
(stable reason), a BadRequest (field violations) or a RetryInfo. Anything else becomes INTERNAL
with no stack trace sent to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

ERROR_DOMAIN = "sluice.dev"


class SluiceError(Exception):
    """Base class: a message for people, a stable UPPER_SNAKE reason for programs."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL
    default_reason = "INTERNAL"

    def __init__(self, message: str, *, reason: str | None = None, metadata: Mapping[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = dict(metadata or {})

    def details(self) -> list[any_pb2.Any]:
        info = any_pb2.Any()
        info.Pack(error_details_pb2.ErrorInfo(reason=self.reason, domain=ERROR_DOMAIN, metadata=self.metadata))
        return [info]

    def to_status(self) -> status_pb2.Status:
        code_value = self.code.value[0]
        assert code_pb2.Code.Name(code_value)  # the gRPC and google.rpc numbering agree
        return status_pb2.Status(code=code_value, message=self.message, details=self.details())


class InvalidArgument(SluiceError):
    """The request itself is wrong; `field` names the offending field for a BadRequest detail."""

    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"

    def __init__(self, message: str, *, field: str = "", reason: str | None = None, **kw: object):
        super().__init__(message, reason=reason, **kw)  # type: ignore[arg-type]
        self.field = field

    def details(self) -> list[any_pb2.Any]:
        details = super().details()
        if self.field:
            bad = any_pb2.Any()
            violation = error_details_pb2.BadRequest.FieldViolation(field=self.field, description=self.message)
            bad.Pack(error_details_pb2.BadRequest(field_violations=[violation]))
            details.append(bad)
        return details


class Unauthenticated(SluiceError):
    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "API_KEY_INVALID"


class NotFound(SluiceError):
    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(SluiceError):
    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(SluiceError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class ResourceExhausted(SluiceError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"


class Unavailable(SluiceError):
    """A dependency is down; the caller should retry after `retry_after` seconds."""

    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "DEPENDENCY_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: float = 1.0, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after

    def details(self) -> list[any_pb2.Any]:
        details = super().details()
        retry = any_pb2.Any()
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(self.retry_after * 1e9))
        retry.Pack(error_details_pb2.RetryInfo(retry_delay=delay))
        details.append(retry)
        return details


# Job processing outcomes: the processor classifies every failure into one of these two.
class JobInputError(Exception):
    """The input can never be processed (not a table, undecodable...): FAILED at once."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


class TransientJobError(Exception):
    """A dependency failed; the same input may succeed later: RETRYING with backoff."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message
