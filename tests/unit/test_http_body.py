"""UploadBody's pieces become Upload's messages: header from the first piece, every byte in order, then the end."""

from __future__ import annotations

from google.api import httpbody_pb2

from services.ingest.http_body import as_upload_requests
from sluice.v1 import ingest_service_pb2


def _piece(data: bytes, **fields: object) -> ingest_service_pb2.UploadBodyRequest:
    return ingest_service_pb2.UploadBodyRequest(body=httpbody_pb2.HttpBody(data=data), **fields)  # type: ignore[arg-type]


def test_the_first_piece_makes_the_header_and_every_byte_follows_in_order() -> None:
    first = _piece(b"a,b\n", file_name="x.csv", sha256="ab" * 32, idempotency_key="k1", declared_size=12)
    first.body.content_type = "text/csv"
    first.options.max_attempts = 2
    messages = list(as_upload_requests(iter([first, _piece(b""), _piece(b"1,2\n"), _piece(b"3,4\n")])))
    header = messages[0].header
    assert (header.file_name, header.media_type, header.sha256, header.idempotency_key) == (
        "x.csv", "text/csv", "ab" * 32, "k1"
    )  # fmt: skip
    assert header.declared_size == 12 and header.options.max_attempts == 2
    assert [m.chunk for m in messages[1:-1]] == [b"a,b\n", b"1,2\n", b"3,4\n"]  # empty pieces add nothing
    assert messages[-1].finish_write and not messages[-1].chunk


def test_an_unknown_size_stays_unset_and_no_piece_means_no_header() -> None:
    (header, end) = as_upload_requests(iter([_piece(b"", file_name="empty.csv")]))
    assert not header.header.HasField("declared_size") and end.finish_write
    assert list(as_upload_requests(iter([]))) == []
