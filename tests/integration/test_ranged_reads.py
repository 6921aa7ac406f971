"""Reading an object as consecutive bounded ranged GETs (objectstore.RangedReader), on the stack's S3 server."""

from __future__ import annotations

import io
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import BotoCoreError

from sluice import objectstore
from sluice.devstack.stack import Stack
from sluice.objectstore import RangedReader, range_arguments

BUCKET = "sluice"


@pytest.fixture()
def stored(s3: Any) -> Iterator[tuple[str, bytes]]:
    key = f"tests/ranged/{uuid.uuid4().hex}.bin"
    data = os.urandom(300_001)
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    yield key, data
    s3.delete_object(Bucket=BUCKET, Key=key)


def _reader(s3: Any, key: str, ranges: list[str], **kwargs: Any) -> RangedReader:
    def get(first: int, last: int | None) -> Any:
        extra = range_arguments(first, last)
        ranges.append(extra.get("Range", "whole"))
        return s3.get_object(Bucket=BUCKET, Key=key, **extra)["Body"]

    return RangedReader(get, **kwargs)


def test_a_whole_object_is_read_in_bounded_windows(s3: Any, stored: tuple[str, bytes]) -> None:
    key, data = stored
    ranges: list[str] = []
    with io.BufferedReader(_reader(s3, key, ranges, start=0, size=len(data), window=100_000), 7_000) as reader:
        assert reader.read() == data
    # Bounded GETs, none overlapping; the one that reaches the end is left open.
    assert ranges == ["bytes=0-99999", "bytes=100000-199999", "bytes=200000-299999", "bytes=300000-"]


def test_a_part_reads_from_its_start_with_a_first_window_of_its_own(s3: Any, stored: tuple[str, bytes]) -> None:
    key, data = stored
    ranges: list[str] = []
    reader = _reader(s3, key, ranges, start=123_456, size=len(data), window=100_000, first_end=150_000)
    assert reader.read(10) == data[123_456:123_466]  # the first window is asked for before any read
    assert ranges == ["bytes=123456-149999"]
    assert io.BufferedReader(reader).read() == data[123_466:]
    assert ranges == ["bytes=123456-149999", "bytes=150000-249999", "bytes=250000-"]


def test_an_object_longer_than_recorded_is_read_through(s3: Any, stored: tuple[str, bytes]) -> None:
    key, data = stored
    ranges: list[str] = []
    reader = io.BufferedReader(_reader(s3, key, ranges, start=0, size=150_000, window=100_000))
    assert reader.read() == data
    assert ranges == ["bytes=0-99999", "bytes=100000-"]


def test_an_object_shorter_than_recorded_ends_where_it_ends(s3: Any, stored: tuple[str, bytes]) -> None:
    key, data = stored
    reader = io.BufferedReader(_reader(s3, key, [], start=0, size=1_000_000, window=200_000))
    assert reader.read() == data


def test_an_empty_object_reads_empty(s3: Any) -> None:
    key = f"tests/ranged/{uuid.uuid4().hex}.bin"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"")
    try:
        ranges: list[str] = []
        assert _reader(s3, key, ranges, start=0, size=0, window=100).read() == b""
        assert ranges == ["whole"]  # no Range header: "bytes=0-" of an empty object is not satisfiable
    finally:
        s3.delete_object(Bucket=BUCKET, Key=key)


class CuttingProxy:
    """A TCP forwarder in front of the S3 server that drops the first `cuts` connections once `cut_after` bytes of
    their responses have gone through: a connection really closed mid-body, which the S3 server will not do."""

    def __init__(self, upstream: tuple[str, int], *, cut_after: int, cuts: int) -> None:
        self.upstream, self.cut_after, self.cuts = upstream, cut_after, cuts
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.reset = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.upstream)
            cut = self.cuts > 0
            self.cuts -= cut
            for pump in ((client, upstream, None), (upstream, client, self.cut_after if cut else None)):
                threading.Thread(target=self._pump, args=pump, daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, cut_after: int | None) -> None:
        sent = 0
        try:
            while data := source.recv(65536):
                if cut_after is not None and sent + len(data) >= cut_after:
                    sink.sendall(data[: cut_after - sent])
                    self.reset += 1
                    for end in (sink, source):  # shutdown, not just close: the other pump is blocked on them
                        end.shutdown(socket.SHUT_RDWR)
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            source.close()
            sink.close()

    def close(self) -> None:
        self.server.close()


def _proxied_s3(stack: Stack, proxy: CuttingProxy) -> Any:
    env = stack.infra_env()
    return objectstore.create_s3_client(
        endpoint=f"http://127.0.0.1:{proxy.port}",
        region="us-east-1",
        access_key=env["SLUICE_S3_ACCESS_KEY"],
        secret_key=env["SLUICE_S3_SECRET_KEY"],
    )


def _upstream(stack: Stack) -> tuple[str, int]:
    url = urlsplit(stack.infra_env()["SLUICE_S3_ENDPOINT"])
    return url.hostname or "127.0.0.1", url.port or 80


def test_a_body_cut_off_mid_stream_is_asked_for_again_from_where_it_stopped(
    stack: Stack, stored: tuple[str, bytes]
) -> None:
    key, data = stored
    proxy = CuttingProxy(_upstream(stack), cut_after=50_000, cuts=2)
    try:
        ranges: list[str] = []
        reader = _reader(_proxied_s3(stack, proxy), key, ranges, start=0, size=len(data), window=200_000)
        assert io.BufferedReader(reader, 8192).read() == data
    finally:
        proxy.close()
    assert proxy.reset == 2
    # Two resumes inside the first window, each from the byte where the body broke off; then the next window.
    assert ranges[0] == "bytes=0-199999" and ranges[-1] == "bytes=200000-"
    resumed = [int(r.removeprefix("bytes=").split("-")[0]) for r in ranges[1:-1]]
    assert len(resumed) == 2 and 0 < resumed[0] < resumed[1] < 200_000
    assert all(r.endswith("-199999") for r in ranges[1:-1])


def test_a_body_that_keeps_breaking_off_fails_the_read(stack: Stack, stored: tuple[str, bytes]) -> None:
    key, data = stored
    proxy = CuttingProxy(_upstream(stack), cut_after=50_000, cuts=100)
    ranges: list[str] = []
    try:
        reader = _reader(_proxied_s3(stack, proxy), key, ranges, start=0, size=len(data), window=len(data), resumes=3)
        with pytest.raises(BotoCoreError):
            io.BufferedReader(reader).read()
    finally:
        proxy.close()
    assert len(ranges) == 4 and ranges[0] == "whole"  # the first GET and three resumes, then the error
