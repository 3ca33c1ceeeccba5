"""Debezium sources with real tables, and snapshots started on them, for end-to-end tests.

A source is a table filled with rows plus a Debezium connector that captures it and the
database's signaling table. Connectors start with ``snapshot.mode=no_data``, so they stream at
once; a test then starts the snapshot it needs with an ``execute-snapshot`` signal, as a user
would. Small incremental chunks and many rows keep a snapshot running for minutes on the
stack, long enough for the operator to find and stop it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql

from tests.stack import StackInfo
from tests.stack.databases import signal_table_ddl
from tests.support.connectors import (
    ConnectAdmin,
    ConnectorSpec,
    mariadb_config,
    postgres_config,
    unique_suffix,
    wait_for,
)
from tests.support.kafka_topics import end_offsets, has_row, read_events


@dataclass
class Source:
    """A table, its connector, and the stack it lives on."""

    stack: StackInfo
    admin: ConnectAdmin
    spec: ConnectorSpec

    @property
    def name(self) -> str:
        return self.spec.name

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.spec.family == "postgres":
            with psycopg.connect(self.stack.postgres_dsn, autocommit=True) as conn:
                cursor = conn.execute(sql, params)
                return list(cursor.fetchall()) if cursor.description else []
        conn = pymysql.connect(**self.stack.mariadb, autocommit=True)  # type: ignore[arg-type]
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        finally:
            conn.close()

    def start_snapshot(self, kind: str) -> str:
        """Send an execute-snapshot signal for the source's table; return the signal id."""
        signal = f"test-{kind}-{unique_suffix()}"
        data = json.dumps({"data-collections": [self.spec.qualified_table], "type": kind})
        self.execute(
            f"INSERT INTO {self.spec.signal_table} (id, type, data)"
            " VALUES (%s, 'execute-snapshot', %s)",
            (signal, data),
        )
        return signal

    def offsets(self) -> dict[str, Any]:
        entries = self.admin.offsets(self.name)
        return dict(entries[0]["offset"]) if entries else {}

    def wait_offsets(
        self, predicate: Callable[[dict[str, Any]], bool], what: str, timeout: float = 90
    ) -> dict[str, Any]:
        return wait_for(
            lambda: (lambda o: o if predicate(o) else None)(self.offsets()), timeout, what
        )

    def stop_signals(self, signal_id: str | None = None) -> int:
        sql = f"SELECT count(*) FROM {self.spec.signal_table} WHERE type = 'stop-snapshot'"
        params: tuple[Any, ...] = ()
        if signal_id is not None:
            sql += " AND id = %s"
            params = (signal_id,)
        return int(self.execute(sql, params)[0][0])

    def row_reaches_kafka(self, row_id: int, label: str, timeout: float = 90) -> bool:
        """Insert a row and return whether its change event arrives on the table's topic.

        Reading starts at the topic's end before the insert, so a topic full of snapshot
        records does not have to be read first.
        """
        start = end_offsets(self.stack.kafka_bootstrap, self.spec.topic)
        self.insert_row(row_id, label)
        events = read_events(
            self.stack.kafka_bootstrap,
            self.spec.topic,
            timeout=timeout,
            stop_when=has_row("id", row_id),
            start=start,
        )
        return has_row("id", row_id)(events)

    def insert_row(self, row_id: int, label: str) -> None:
        self.execute(
            f"INSERT INTO {self.spec.qualified_table} (id, payload) VALUES (%s, %s)",
            (row_id, label),
        )


def named_spec(name: str, family: str) -> ConnectorSpec:
    """Return the table and topic names of a connector with a fixed name, such as the demo's."""
    return ConnectorSpec(
        name=name,
        family=family,
        topic_prefix=name.replace("-", ""),
        table=name.replace("-", "_"),
        own_signal_table=True,
    )


def incremental_running(offsets: dict[str, Any]) -> bool:
    return any(key.startswith("incremental_snapshot_") for key in offsets)


def blocking_running(offsets: dict[str, Any]) -> bool:
    return offsets.get("snapshot") == "BLOCKING" and offsets.get("snapshot_completed") is not True


def create_source(
    stack: StackInfo,
    admin: ConnectAdmin,
    family: str,
    rows: int,
    *,
    prefix: str = "e2e",
    name: str | None = None,
    chunk_size: int = 256,
    **extra: str,
) -> Source:
    """Create a table with ``rows`` rows and a running connector that streams it.

    Without ``name`` the connector gets a fresh name from ``prefix``; with it, the names follow
    ``named_spec``, so a later run can find and drop them.
    """
    if name is None:
        suffix = unique_suffix()
        short = "pg" if family == "postgres" else "maria"
        spec = ConnectorSpec(
            name=f"{prefix}-{short}-{suffix}",
            family=family,
            topic_prefix=f"{prefix}{short}{suffix}",
            table=f"orders_{suffix}",
            own_signal_table=True,
        )
    else:
        spec = named_spec(name, family)
    source = Source(stack, admin, spec)
    # Every connector reads every row of the signaling tables it captures, so each source gets
    # its own: a signal meant for one connector must not reach another.
    source.execute(signal_table_ddl(spec.signal_table))
    settings = {
        "snapshot.mode": "no_data",
        "incremental.snapshot.chunk.size": str(chunk_size),
        **extra,
    }
    if family == "postgres":
        source.execute(f"CREATE TABLE {spec.table} (id INT PRIMARY KEY, payload TEXT)")
        if rows:
            source.execute(
                f"INSERT INTO {spec.table}"
                f" SELECT g, repeat('x', 200) FROM generate_series(1, {rows}) g"
            )
        connector = postgres_config(
            spec.name, spec.topic_prefix, [spec.qualified_table], spec.signal_table, **settings
        )
    else:
        source.execute(f"CREATE TABLE {spec.table} (id INT PRIMARY KEY, payload VARCHAR(255))")
        if rows:
            source.execute(
                f"INSERT INTO {spec.table} SELECT seq, REPEAT('x', 200) FROM seq_1_to_{rows}"
            )
        connector = mariadb_config(
            spec.name, spec.topic_prefix, [spec.qualified_table], spec.signal_table, **settings
        )
    admin.create(spec.name, connector)
    admin.wait_running(spec.name)
    # The connector commits its first offsets once it has streamed something.
    wait_for(lambda: admin.offsets(spec.name), 60, f"first offsets of {spec.name}")
    return source


def drop_source(source: Source, *, reset_offsets: bool = False) -> None:
    """Delete the connector, its replication slot and publication (PostgreSQL) and its tables.

    ``reset_offsets`` also deletes the connector's committed offsets, for names that are reused.
    """
    if reset_offsets:
        source.admin.delete_with_offsets(source.name)
    else:
        source.admin.delete(source.name)
    if source.spec.family == "postgres":
        slot = f"slot_{source.spec.topic_prefix}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = source.execute(
                "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
            )
            if not rows or not rows[0][0]:
                break
            time.sleep(0.5)
        source.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            " WHERE slot_name = %s",
            (slot,),
        )
        source.execute(f"DROP PUBLICATION IF EXISTS pub_{source.spec.topic_prefix}")
    source.execute(f"DROP TABLE IF EXISTS {source.spec.table}")
    if source.spec.own_signal_table:
        source.execute(f"DROP TABLE IF EXISTS {source.spec.signal_table}")
