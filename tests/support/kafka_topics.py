"""Read Debezium change events from the stack's Kafka broker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition

Events = list[dict[str, Any]]


def read_events(
    bootstrap: str,
    topic: str,
    *,
    timeout: float = 60,
    stop_when: Callable[[Events], bool] | None = None,
    idle_seconds: float | None = None,
    start: dict[int, int] | None = None,
) -> Events:
    """Return the JSON values on ``topic`` from its beginning; tombstones are skipped.

    ``start`` (partition to offset, as ``end_offsets`` returns) reads from there instead.
    Reading ends at ``timeout`` seconds, as soon as ``stop_when(events)`` is true, or once no new
    event arrived for ``idle_seconds``.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        value_deserializer=lambda raw: json.loads(raw) if raw else None,
    )
    events: Events = []
    try:
        if start is None:
            consumer.subscribe([topic])
        else:
            partitions = [TopicPartition(topic, partition) for partition in start]
            consumer.assign(partitions)
            for partition in partitions:
                consumer.seek(partition, start[partition.partition])
        deadline = time.monotonic() + timeout
        last_arrival = time.monotonic()
        while time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    if record.value is not None:
                        events.append(record.value)
                        last_arrival = time.monotonic()
            if stop_when is not None and stop_when(events):
                break
            if idle_seconds is not None and time.monotonic() - last_arrival > idle_seconds:
                break
        return events
    finally:
        consumer.close()


def has_row(key: str, value: object) -> Callable[[Events], bool]:
    """Return a ``stop_when`` predicate: some event's ``after`` row has ``key == value``."""

    def predicate(events: Events) -> bool:
        return any((event.get("after") or {}).get(key) == value for event in events)

    return predicate


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Return the offset after the last record of each partition of ``topic``."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()
