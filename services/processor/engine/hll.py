"""HyperLogLog over 64-bit hashes: Apache DataSketches' hll_sketch (HLL_8), the maintained implementation.

The engine hands over its own 64-bit value hashes (hashing.py: the same in every process and chunking);
DataSketches hashes them again (murmur3), picks a register and keeps the rank. A union of sketches does not
depend on chunking or merge order, and the estimate with its bounds (at 1, 2 or 3 standard deviations) is the
library's. Its relative standard error is about 1.04 / sqrt(2**lg_k). Sketches are HLL_8 (a byte per register:
the quickest to update, 2**lg_k bytes serialised); states written as HLL_4 by earlier versions still load.

DataSketches' Python binding offers only a per-value update (about 0.1 us a call, holding the GIL), and a column
past its exact limit offers every distinct value of every chunk. Once the sketch is in HLL mode, its state is its
serialised image: the registers, the HIP estimate with the two sums it is updated from, and the count of zero
registers. `update` applies the library's own update to that image in a compiled loop (_kernels.hll_update: the
coupon, murmur3 x64-128 of the 8 bytes with seed 9001, then the register, HIP and sums, in the library's order and
doubles) and the library reads the image back when the sketch is asked for an estimate, a state or a union. The
sketch stays the library's: tests check that its image is the bytes of one fed every value. While a new sketch is
still a list of coupons (below ~k/8 values) every value goes to the library.

Offering only the values that raised a register (the earlier way) still called the library for about one value in
three on a wide table's short columns: 0.5 s of a 400-column file's profile, with the GIL held.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from datasketches import hll_sketch, hll_union, tgt_hll_type

from . import _kernels

_TYPE = tgt_hll_type.HLL_8
_SLICE = 1 << 16  # values per map() pass: bounds the temporary Python list (64k ints, ~2.5 MiB)

# DataSketches' serialised layout (hll/include/HllUtil.hpp): byte 7 holds the mode in its low two bits, and an
# HLL_8 sketch in HLL mode keeps its k one-byte registers after a 40-byte preamble.
_MODE_BYTE, _MODE_HLL, _REGISTERS_START = 7, 2, 40


class HyperLogLog:
    def __init__(self, lg_k: int, state: bytes | None = None) -> None:
        if not 4 <= lg_k <= 21:
            raise ValueError("lg_k must be between 4 and 21")
        self.lg_k = lg_k
        # The library's sketch until it is in HLL mode; from then on its updatable image, updated in place, is the
        # sketch (read back by the library when asked): a wide table's 5,000 columns kept both, 20 MiB.
        self._sketch: hll_sketch | None = hll_sketch.deserialize(state) if state else hll_sketch(lg_k, _TYPE)
        self._image: np.ndarray | None = None

    def update(self, hashes: np.ndarray) -> None:
        """Offer 64-bit hashes (one per distinct value or row)."""
        values = hashes.view(np.int64)
        # A new sketch lists coupons until about k/8 of them: offer a register's worth at a time until it is in
        # HLL mode, then update its image.
        if self._image is None and self.sketch().tgt_type == _TYPE:
            while len(values) and self._read_image() is None:
                self._offer(values[: 1 << self.lg_k])
                values = values[1 << self.lg_k :]
        if self._image is None:  # an HLL_4 state from an earlier version: every value is offered
            self._offer(values)
            return
        if len(values):
            _kernels.hll_update(values.view(np.uint64), self._image, self.lg_k)

    def _offer(self, values: np.ndarray) -> None:
        # In slices: one Python list of two million ints (the exact duplicate-row set turning into a sketch)
        # would cost 80 MiB at once.
        update = self.sketch().update
        for start in range(0, len(values), _SLICE):
            deque(map(update, values[start : start + _SLICE].tolist()), maxlen=0)  # at C speed

    def _read_image(self) -> np.ndarray | None:
        """The sketch as a writable image from now on, or None while it is still a list of coupons."""
        image = self.sketch().serialize_updatable()
        if image[_MODE_BYTE] & 3 != _MODE_HLL or len(image) != _REGISTERS_START + (1 << self.lg_k):
            return None
        self._image = np.frombuffer(image, np.uint8).copy()
        self._sketch = None
        return self._image

    def sketch(self) -> hll_sketch:
        """The library's sketch, with every update offered so far."""
        if self._sketch is not None:
            return self._sketch
        assert self._image is not None
        return hll_sketch.deserialize(self._image.tobytes())

    def merge(self, other: HyperLogLog) -> None:
        if other.lg_k != self.lg_k:
            raise ValueError("cannot merge HyperLogLog sketches of different sizes")
        union = hll_union(self.lg_k)
        union.update(self.sketch())
        union.update(other.sketch())
        self._sketch = union.get_result(_TYPE)
        self._image = None  # read again from the union's sketch at the next update

    def estimate(self) -> float:
        return float(self.sketch().get_estimate())

    def bounds(self, deviations: int) -> tuple[float, float]:
        """The library's bounds at 1, 2 or 3 standard deviations."""
        sketch = self.sketch()
        return float(sketch.get_lower_bound(deviations)), float(sketch.get_upper_bound(deviations))

    @property
    def state(self) -> bytes:
        return bytes(self.sketch().serialize_compact())


def coupons(values: np.ndarray, lg_k: int) -> tuple[np.ndarray, np.ndarray]:
    """(register, rank) DataSketches gives each uint64 value: MurmurHash3_x64_128 of its 8 little-endian bytes."""
    return _kernels.hll_coupons(np.ascontiguousarray(values, dtype=np.uint64), lg_k)
