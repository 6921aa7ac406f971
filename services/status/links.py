"""Short-lived presigned links to reports, signed for the endpoint their users reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


class ReportLinks:
    def __init__(self, *, s3: Any, bucket: str, lifetime_seconds: int):
        self._s3 = s3  # a client for the public endpoint: the host is part of the signature
        self._bucket = bucket
        self._lifetime = lifetime_seconds

    def link(self, key: str) -> tuple[str, datetime]:
        expires = datetime.now(UTC) + timedelta(seconds=self._lifetime)
        url = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=self._lifetime
        )
        return url, expires
