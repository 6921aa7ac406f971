"""Serialisation of accumulator states: nested dicts/lists of plain values, bytes, numpy and Arrow arrays.

No pickle: a stored blob is data, never code. Layout (version 2), zlib-compressed after the magic:
an 8-byte header length, the header (JSON: the state with every bytes value or array replaced by a
reference to a buffer, and the buffers' sizes), then the buffers. Numeric arrays are their raw bytes, text
arrays an Arrow IPC stream, so large states (exact distinct tables, row hashes) are written without a Python
object per value or a base64/JSON copy: serialising a part's state costs about its compressed size in memory.
Version 1 blobs (JSON with base64, from earlier processors) still load.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import numpy as np
import pyarrow as pa

MAGIC = b"SLP2"
_V1 = b"SLP1"
_LEVEL = 1  # fast: states are short-lived


def _text_array(values: pa.Array | np.ndarray) -> pa.Array:
    array = values if isinstance(values, pa.Array) else pa.array(values, pa.large_string())
    return array.cast(pa.large_string())


def _ipc(array: pa.Array) -> pa.Buffer:
    batch = pa.record_batch([array], names=["v"])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue()


def _encode(value: Any, buffers: list[Any]) -> Any:
    def ref(buffer: Any, **meta: Any) -> dict[str, Any]:
        buffers.append(buffer)
        return {"__ref": len(buffers) - 1, **meta}

    if isinstance(value, bytes):
        return ref(value, kind="bytes")
    if isinstance(value, pa.Array) or (isinstance(value, np.ndarray) and value.dtype == object):
        return ref(_ipc(_text_array(value)), kind="text")
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        return ref(array.view(np.uint8).data, kind="array", dtype=array.dtype.str)
    if isinstance(value, dict):
        return {str(k): _encode(v, buffers) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v, buffers) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _decode(value: Any, buffers: list[bytearray]) -> Any:
    if isinstance(value, dict):
        if "__ref" in value:
            buffer = buffers[value["__ref"]]
            if value["kind"] == "bytes":
                return bytes(buffer)
            if value["kind"] == "text":
                return pa.ipc.open_stream(pa.py_buffer(buffer)).read_all().column(0).combine_chunks()
            return np.frombuffer(buffer, dtype=np.dtype(value["dtype"]))  # a writable array over its own buffer
        return {k: _decode(v, buffers) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, buffers) for v in value]
    return value


class _Inflater:
    """Decompresses a blob piece by piece, so each buffer is inflated once, into memory of its own."""

    def __init__(self, data: bytes) -> None:
        self._z = zlib.decompressobj()
        self._left = data

    def read(self, size: int) -> bytearray:
        out = bytearray()
        while len(out) < size:
            piece = self._z.decompress(self._left, size - len(out))
            self._left = self._z.unconsumed_tail
            if not piece:
                raise ValueError("truncated profiler state")
            out += piece
        return out


def dumps(state: dict[str, Any]) -> bytes:
    buffers: list[Any] = []
    tree = _encode(state, buffers)
    sizes = [memoryview(b).nbytes for b in buffers]
    head = json.dumps({"state": tree, "sizes": sizes}, separators=(",", ":")).encode()
    z = zlib.compressobj(_LEVEL)
    out = [MAGIC, z.compress(len(head).to_bytes(8, "little")), z.compress(head)]
    out += [z.compress(buffer) for buffer in buffers]
    out.append(z.flush())
    return b"".join(out)


def loads(blob: bytes) -> dict[str, Any]:
    if blob.startswith(_V1):
        state = _decode_v1(json.loads(zlib.decompress(blob[len(_V1) :])))
    elif blob.startswith(MAGIC):
        inflater = _Inflater(blob[len(MAGIC) :])
        header = json.loads(bytes(inflater.read(int.from_bytes(inflater.read(8), "little"))))
        state = _decode(header["state"], [inflater.read(size) for size in header["sizes"]])
    else:
        raise ValueError("not a Sluice profiler state")
    if not isinstance(state, dict):
        raise ValueError("corrupt profiler state")
    return state


def _decode_v1(value: Any) -> Any:
    if isinstance(value, dict):
        if "__b" in value:
            return base64.b64decode(value["__b"])
        if "__a" in value:
            return np.frombuffer(base64.b64decode(value["__a"]), dtype=np.dtype(value["t"])).copy()
        if "__s" in value:
            return np.array(value["__s"], dtype=object)
        return {k: _decode_v1(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_v1(v) for v in value]
    return value
