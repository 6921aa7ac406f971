"""Reading consumer lag from Kafka for the loop, keeping one admin client and recreating it after errors."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from sluice.lag import PartitionLag, read_lag

log = logging.getLogger(__name__)


class KafkaLagSource:
    def __init__(self, *, bootstrap_servers: str, topic: str, group: str, timeout_ms: int = 5000):
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._group = group
        self._timeout_ms = timeout_ms
        self._admin: KafkaAdminClient | None = None

    def read(self) -> Sequence[PartitionLag] | None:
        try:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self._bootstrap.split(","),
                    client_id="sluice-autoscaler",
                    request_timeout_ms=self._timeout_ms,
                )
            return read_lag(self._admin, topic=self._topic, group=self._group)
        except (KafkaError, KeyError, OSError, ValueError) as error:
            log.warning("lag of %s on %s unreadable: %s", self._group, self._topic, error)
            self.close()
            return None

    def close(self) -> None:
        if self._admin is not None:
            with contextlib.suppress(KafkaError, OSError):
                self._admin.close()
            self._admin = None
