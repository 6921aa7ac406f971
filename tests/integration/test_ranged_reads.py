"""Reading an object as consecutive bounded ranged GETs (objectstore.RangedReader), on the stack's S3 server."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from sluice.objectstore import RangedReader

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
        extra = {}
        if first or last is not None:
            extra["Range"] = f"bytes={first}-" + ("" if last is None else str(last))
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
