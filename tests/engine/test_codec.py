"""Profiler states survive serialisation exactly, including states written by earlier processors (versions 1, 2)."""

from __future__ import annotations

import base64
import json
import zlib

import numpy as np
import pyarrow as pa
import pytest

from services.processor.engine import codec


def test_a_state_round_trips_with_its_arrays_writable() -> None:
    state = {
        "rows": 3,
        "ratio": 0.25,
        "nothing": None,
        "blob": b"\x00\x01sketch",
        "hashes": np.array([1, 2**64 - 1], dtype=np.uint64),
        "empty": np.zeros(0, np.int64),
        "keys": pa.array(["a", "", "zürich"], pa.string()),
        "sample": np.array(["x", None, "y"], dtype=object),
        "nested": [{"n": np.int64(7), "f": np.float64(1.5), "b": np.bool_(True)}, (1, "two")],
    }
    back = codec.loads(codec.dumps(state))
    assert back["rows"] == 3 and back["ratio"] == 0.25 and back["nothing"] is None
    assert back["blob"] == b"\x00\x01sketch"
    assert back["hashes"].dtype == np.uint64 and back["hashes"].tolist() == [1, 2**64 - 1]
    assert back["empty"].dtype == np.int64 and len(back["empty"]) == 0
    assert back["keys"].to_pylist() == ["a", "", "zürich"]
    assert back["sample"].to_pylist() == ["x", None, "y"]
    assert back["nested"] == [{"n": 7, "f": 1.5, "b": True}, [1, "two"]]
    back["hashes"][0] = 5  # accumulators update their arrays in place


def test_a_version_1_state_still_loads() -> None:
    # As processors before the binary layout wrote it: JSON, arrays in base64, text as lists.
    tree = {
        "rows": 2,
        "hashes": {"__a": base64.b64encode(np.array([3, 4], np.uint64).tobytes()).decode(), "t": "<u8", "n": 2},
        "keys": {"__s": ["a", None]},
        "blob": {"__b": base64.b64encode(b"hll").decode()},
    }
    back = codec.loads(b"SLP1" + zlib.compress(json.dumps(tree).encode()))
    assert back["rows"] == 2 and back["hashes"].tolist() == [3, 4] and back["blob"] == b"hll"
    assert back["keys"].tolist() == ["a", None]


def test_a_version_2_state_still_loads() -> None:
    # As processors before Zstandard wrote it: one zlib stream of header length, JSON header, raw buffers.
    hashes = np.array([3, 2**63], np.uint64).tobytes()
    head = json.dumps(
        {
            "state": {
                "rows": 2,
                "hashes": {"__ref": 0, "kind": "array", "dtype": "<u8"},
                "hll": {"__ref": 1, "kind": "bytes"},
            },
            "sizes": [len(hashes), 3],
        }
    ).encode()
    blob = b"SLP2" + zlib.compress(len(head).to_bytes(8, "little") + head + hashes + b"hll")
    back = codec.loads(blob)
    assert back["rows"] == 2 and back["hashes"].tolist() == [3, 2**63] and back["hll"] == b"hll"
    back["hashes"][0] = 1


def _truncated() -> bytes:
    return codec.dumps({"hashes": np.arange(1000, dtype=np.uint64)})[:-10]


@pytest.mark.parametrize(
    "blob", [b"", b"PK\x03\x04", b"SLP2" + zlib.compress(b"\x10\x00"), b"SLP3\x10\x00", _truncated()]
)
def test_what_is_not_a_state_is_refused(blob: bytes) -> None:
    with pytest.raises(ValueError):
        codec.loads(blob)
