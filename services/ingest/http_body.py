"""UploadBody (a raw HTTP body through the gateway) as the message stream of Upload.

Pure: the gateway's UploadBodyRequest pieces in, UploadRequest messages out, so both methods share every
check and the whole storage path. The query parameters of the first piece and its Content-Type make the
header; every piece's bytes a chunk; the end of the body sets finish_write (the HTTP request completed; a
request cut off mid-body reaches the service as a cancelled call, never as an end).
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.v1 import ingest_service_pb2

UploadBodyRequest = ingest_service_pb2.UploadBodyRequest
UploadRequest = ingest_service_pb2.UploadRequest


def as_upload_requests(pieces: Iterator[UploadBodyRequest]) -> Iterator[UploadRequest]:
    first = next(pieces, None)
    if first is None:
        return  # no header: Upload answers INVALID_ARGUMENT
    header = ingest_service_pb2.UploadHeader(
        file_name=first.file_name,
        media_type=first.body.content_type,
        sha256=first.sha256,
        idempotency_key=first.idempotency_key,
        options=first.options,
    )
    if first.HasField("declared_size"):
        header.declared_size = first.declared_size
    yield UploadRequest(header=header)
    if first.body.data:
        yield UploadRequest(chunk=first.body.data)
    for piece in pieces:
        if piece.body.data:
            yield UploadRequest(chunk=piece.body.data)
    yield UploadRequest(finish_write=True)
