"""Aborting multipart uploads that no ingest replica will complete.

An upload streams into an S3 multipart upload; ingest aborts it on every error it sees, but a replica killed
mid-upload cannot, and S3 keeps (and bills) the parts of an incomplete upload until it is aborted. Any upload
under the raw prefix started longer ago than the longest an upload may take is abandoned: this aborts it.
(An S3 lifecycle rule, AbortIncompleteMultipartUpload, does the same where the store supports it; this works
on every S3 server.)
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sluice.objectstore import RAW_PREFIX

log = logging.getLogger(__name__)


class AbandonedUploadSweeper:
    def __init__(self, *, s3: Any, bucket: str, max_age_seconds: float, interval_seconds: float):
        self._s3 = s3
        self._bucket = bucket
        self._max_age = dt.timedelta(seconds=max_age_seconds)
        self._interval = interval_seconds

    def sweep(self, now: dt.datetime | None = None, prefix: str = RAW_PREFIX) -> list[str]:
        """Abort the uploads under `prefix` begun before now - max age; returns their keys."""
        cutoff = (now or dt.datetime.now(dt.UTC)) - self._max_age
        aborted = []
        for page in self._s3.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket, Prefix=prefix):
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < cutoff:
                    self._s3.abort_multipart_upload(Bucket=self._bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                    aborted.append(upload["Key"])
        return aborted

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self._interval):
            try:
                for key in self.sweep():
                    log.warning("aborted an abandoned upload of %s (its ingest replica stopped mid-upload)", key)
            except (BotoCoreError, ClientError) as error:
                log.warning("abandoned uploads: sweep failed: %s; next sweep", error)
