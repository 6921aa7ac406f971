"""Generate the Python stubs in sluice/v1/ from proto/ (the one command: `make proto`).

`--check` generates into a temporary folder and fails when the committed copy differs, so a
stale generation cannot land (tests/api/test_generated_stubs.py runs it).
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.resources
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
OUT_PACKAGE = ROOT / "sluice" / "v1"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def generate(out_root: Path) -> None:
    """Run protoc over every sluice/v1 proto, writing the package under out_root/sluice/v1."""
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / "sluice" / "v1").glob("*.proto"))
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{ROOT / 'third_party' / 'googleapis'}",
        f"-I{well_known}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


def generated_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.endswith(GENERATED_SUFFIXES)}


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "sluice" / "v1"
        fresh.mkdir(parents=True)
        generate(Path(tmp))
        expected, committed = generated_files(fresh), generated_files(OUT_PACKAGE)
        stale = sorted(expected ^ committed)
        stale += sorted(n for n in expected & committed if not filecmp.cmp(fresh / n, OUT_PACKAGE / n, False))
    if stale:
        print("generated stubs are stale, run `make proto`: " + ", ".join(stale), file=sys.stderr)
        return 1
    print("generated stubs are current")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if sluice/v1 differs from a fresh generation")
    if parser.parse_args().check:
        return check()
    for name in generated_files(OUT_PACKAGE) if OUT_PACKAGE.exists() else ():
        (OUT_PACKAGE / name).unlink()
    OUT_PACKAGE.mkdir(parents=True, exist_ok=True)
    generate(ROOT)
    (OUT_PACKAGE / "__init__.py").write_text('"""Generated gRPC stubs of the sluice.v1 API (`make proto`)."""\n')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
