"""Serialisation of accumulator states: nested dicts/lists of plain values, bytes and numpy arrays.

JSON (floats round-trip through repr, inf/nan as JSON's Infinity/NaN) with tagged base64 for bytes and arrays,
zlib-compressed. No pickle: a stored blob is data, never code.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import numpy as np

MAGIC = b"SLP1"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b": base64.b64encode(value).decode()}
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return {"__s": [None if v is None else str(v) for v in value.tolist()]}
        array = np.ascontiguousarray(value)
        return {"__a": base64.b64encode(array.tobytes()).decode(), "t": array.dtype.str, "n": len(array)}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__b" in value:
            return base64.b64decode(value["__b"])
        if "__a" in value:
            return np.frombuffer(base64.b64decode(value["__a"]), dtype=np.dtype(value["t"])).copy()
        if "__s" in value:
            return np.array(value["__s"], dtype=object)
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(state: dict[str, Any]) -> bytes:
    return MAGIC + zlib.compress(json.dumps(_encode(state), separators=(",", ":")).encode(), 1)


def loads(blob: bytes) -> dict[str, Any]:
    if not blob.startswith(MAGIC):
        raise ValueError("not a Sluice profiler state")
    state = _decode(json.loads(zlib.decompress(blob[len(MAGIC) :])))
    if not isinstance(state, dict):
        raise ValueError("corrupt profiler state")
    return state
