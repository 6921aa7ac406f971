"""The processor's memory habits (services/processor/memory.py), each in a fresh interpreter: the Arrow pool is
chosen once per process and resident memory is a property of the whole process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, **env: str) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | env
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


POOL = """
import json
import pyarrow as pa
from services.processor import memory
chosen = memory.use_jemalloc()
buffer = pa.array(range(100_000))  # allocated from the pool now in use
print(json.dumps({"chosen": chosen, "pool": pa.default_memory_pool().backend_name}))
"""


def test_arrow_buffers_come_from_jemalloc_unless_the_environment_chooses() -> None:
    assert _run(POOL) == {"chosen": "jemalloc", "pool": "jemalloc"}
    assert _run(POOL, ARROW_DEFAULT_MEMORY_POOL="system") == {"chosen": "system", "pool": "system"}


RELEASE = """
import json
from services.processor import memory

def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024

base = rss_mib()
# 300 MiB in 64 KiB objects (below glibc's mmap threshold: they live on the heap, like a chunk's temporaries),
# freed in an order that leaves the heap's top in use, so free() alone cannot give the pages back.
held = [bytes(64 * 1024) for _ in range(4800)]
keep = held[-1]
del held
freed = rss_mib()
memory.release()
print(json.dumps({"grown": freed - base, "after_release": rss_mib() - base}))
"""


def test_release_hands_freed_heap_pages_back_to_the_os() -> None:
    figures = _run(RELEASE, MALLOC_ARENA_MAX="2")
    assert float(figures["grown"]) > 150, figures  # freed, but still resident
    assert float(figures["after_release"]) < 50, figures
