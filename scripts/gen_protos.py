"""Generate the Python stubs in sluice/v1/ and the gateway's descriptor set from proto/ (`make proto`).

The descriptor set (helm/sluice/files/sluice.pb) is what the Envoy gateway transcodes REST/JSON with; it
carries google.rpc.Status and its details so errors come out as JSON bodies. `--check` generates both into
a temporary folder and fails when the committed copies differ, so a stale generation cannot land
(tests/api/test_generated_stubs.py runs it).
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
DESCRIPTOR_SET = ROOT / "helm" / "sluice" / "files" / "sluice.pb"
# Not imported by the API but needed by the gateway to write a gRPC error's details as JSON.
ERROR_PROTOS = ("google/rpc/status.proto", "google/rpc/error_details.proto")


def generate(out_root: Path, descriptor_set: Path) -> None:
    """Run protoc over every sluice/v1 proto: the package under out_root/sluice/v1, and the descriptor set."""
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / "sluice" / "v1").glob("*.proto"))
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    includes = [f"-I{PROTO_ROOT}", f"-I{ROOT / 'third_party' / 'googleapis'}", f"-I{well_known}"]
    stubs = [f"--python_out={out_root}", f"--pyi_out={out_root}", f"--grpc_python_out={out_root}"]
    descriptors = [f"--descriptor_set_out={descriptor_set}", "--include_imports"]
    for args in ([*includes, *stubs, *protos], [*includes, *descriptors, *protos, *ERROR_PROTOS]):
        if protoc.main(["protoc", *args]) != 0:
            raise SystemExit("protoc failed")


def generated_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.endswith(GENERATED_SUFFIXES)}


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "sluice" / "v1"
        fresh.mkdir(parents=True)
        generate(Path(tmp), Path(tmp) / DESCRIPTOR_SET.name)
        expected, committed = generated_files(fresh), generated_files(OUT_PACKAGE)
        stale = sorted(expected ^ committed)
        stale += sorted(n for n in expected & committed if not filecmp.cmp(fresh / n, OUT_PACKAGE / n, False))
        if not DESCRIPTOR_SET.exists() or not filecmp.cmp(Path(tmp) / DESCRIPTOR_SET.name, DESCRIPTOR_SET, False):
            stale.append(str(DESCRIPTOR_SET.relative_to(ROOT)))
    if stale:
        print("generated code is stale, run `make proto`: " + ", ".join(stale), file=sys.stderr)
        return 1
    print("generated stubs and descriptor set are current")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if sluice/v1 differs from a fresh generation")
    if parser.parse_args().check:
        return check()
    for name in generated_files(OUT_PACKAGE) if OUT_PACKAGE.exists() else ():
        (OUT_PACKAGE / name).unlink()
    OUT_PACKAGE.mkdir(parents=True, exist_ok=True)
    DESCRIPTOR_SET.parent.mkdir(parents=True, exist_ok=True)
    generate(ROOT, DESCRIPTOR_SET)
    (OUT_PACKAGE / "__init__.py").write_text('"""Generated gRPC stubs of the sluice.v1 API (`make proto`)."""\n')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
