"""Kafka consumer lag: how many messages of a topic a consumer group has not committed yet.

lag(partition) = end offset - committed offset. A partition the group never committed counts
from its earliest offset (processors start at the earliest message, so all of it is pending).
Reading needs only the admin API, so it works while every consumer of the group is down,
which is exactly when lag matters most.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import KafkaError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartitionLag:
    partition: int
    start_offset: int
    end_offset: int
    committed: int | None  # None: the group never committed on this partition

    @property
    def lag(self) -> int:
        consumed_up_to = self.committed if self.committed is not None else self.start_offset
        return max(0, self.end_offset - consumed_up_to)


def partitions_of(admin: KafkaAdminClient, topic: str) -> list[int]:
    described = admin.describe_topics([topic])
    return sorted(p["partition_index"] for t in described if t["name"] == topic for p in t["partitions"])


def read_lag(admin: KafkaAdminClient, *, topic: str, group: str) -> list[PartitionLag]:
    """Per-partition lag of `group` on `topic`, in partition order (raises KafkaError when unreachable)."""
    partitions = [TopicPartition(topic, p) for p in partitions_of(admin, topic)]
    ends = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions})
    starts = admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in partitions})
    committed = admin.list_group_offsets({group: partitions}).get(group, {})
    result = []
    for tp in partitions:
        mark = committed.get(tp)
        result.append(
            PartitionLag(
                partition=tp.partition,
                start_offset=starts[tp].offset,
                end_offset=ends[tp].offset,
                committed=mark.offset if mark is not None and mark.offset >= 0 else None,
            )
        )
    return result


class LagMonitor:
    """Reads the lag every `interval` seconds in a thread; `latest()` is what the gauges report.

    Scrapes never wait on Kafka; when Kafka is unreachable the last reading is dropped rather than
    reported stale (a dashboard shows a gap, not a flat line that looks healthy).
    """

    def __init__(
        self,
        *,
        admin_factory: Callable[[], KafkaAdminClient],
        topic: str,
        group: str,
        interval_seconds: float,
    ):
        self.topic = topic
        self.group = group
        self._admin_factory = admin_factory
        self._interval = interval_seconds
        self._latest: list[PartitionLag] = []
        self._lock = threading.Lock()

    def latest(self) -> list[PartitionLag]:
        with self._lock:
            return list(self._latest)

    def poll_once(self, admin: KafkaAdminClient) -> None:
        try:
            reading = read_lag(admin, topic=self.topic, group=self.group)
        except (KafkaError, KeyError, OSError) as error:
            log.warning("consumer lag of %s on %s unreadable: %s", self.group, self.topic, error)
            reading = []
        with self._lock:
            self._latest = reading

    def run(self, stop: threading.Event) -> None:
        admin: KafkaAdminClient | None = None
        while not stop.is_set():
            try:
                if admin is None:
                    admin = self._admin_factory()
                self.poll_once(admin)
            except KafkaError as error:  # the admin client could not even connect
                log.warning("consumer lag monitor: %s", error)
                with self._lock:
                    self._latest = []
            stop.wait(self._interval)
        if admin is not None:
            admin.close()
