"""Keeping the processor's resident memory close to what the job in hand needs.

Two habits of long-running Python data workers (Dask's workers trim the same way):
- Arrow's buffers come from its jemalloc pool, which hands freed pages back to the OS after a short decay
  (_DECAY_MS).
  Profiling byte-range parts of a 2 GiB CSV one after another peaked 35-45 MiB lower with it than with
  pyarrow's default mimalloc pool, at the same speed (BENCHMARKS.md). ARROW_DEFAULT_MEMORY_POOL, when set,
  still decides.
- After each job or part, Arrow's pool and glibc's heap give their free pages back (`release`): a processor
  working through parts otherwise kept 150-200 MiB resident from one part into the next, and the next part's
  peak came on top of part of it. Glibc's heap also after each chunk of a wide table (`after_chunk`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

import pyarrow as pa

log = logging.getLogger(__name__)

_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"
# How long jemalloc keeps freed pages before handing them back (Arrow sets 1 s). A wide table's chunks free tens of
# MiB several times a second. The 400 x 60,000 bench file as the processor reads it, interleaved (2026-12-06):
# 1 s 5.48-5.86 s and 452-461 MiB peak; 250 ms 5.85-6.08 s and 417-424 MiB (the 100 MiB file unchanged: 0.83-0.87 s
# either way); 0 ms (at once) 20% slower, every new buffer's pages faulted in again. Memory is the hard limit of a
# processor's pod, so: 250 ms.
_DECAY_MS = 250
WIDE_COLUMNS = 1_000


def use_jemalloc() -> str:
    """Make jemalloc Arrow's default pool (unless the environment chose one); returns the pool in use."""
    if not os.environ.get(_POOL_VARIABLE):
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
            pa.jemalloc_set_decay_ms(_DECAY_MS)
        except NotImplementedError:  # a pyarrow build without jemalloc: keep its default
            log.info("pyarrow has no jemalloc pool here; keeping %s", pa.default_memory_pool().backend_name)
    return pa.default_memory_pool().backend_name


def _glibc_trim() -> None:
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def after_chunk(columns: int) -> None:
    """After a chunk of a wide table (WIDE_COLUMNS or more): glibc's free pages back. Each column's chunk leaves
    small objects freed in glibc's heap (Arrow's parse state outside its pool, numpy and Python temporaries) that
    it keeps resident: a 4,000 x 2,500 CSV peaked 30 MiB lower trimmed after each chunk, ~10 ms a trim against
    2.5 s a chunk. A narrow table's chunks free mostly Arrow's pool, which jemalloc hands back by itself."""
    if columns >= WIDE_COLUMNS:
        _glibc_trim()


def release() -> None:
    """Give the pages freed by the last job or part back to the OS."""
    pa.default_memory_pool().release_unused()
    _glibc_trim()
