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
from tests.support.connectors import (
    ConnectAdmin,
    ConnectorSpec,
    mariadb_config,
    postgres_config,
    unique_suffix,
    wait_for,
)


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

    def insert_row(self, row_id: int, label: str) -> None:
        self.execute(
            f"INSERT INTO {self.spec.qualified_table} (id, payload) VALUES (%s, %s)",
            (row_id, label),
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
    chunk_size: int = 256,
    **extra: str,
) -> Source:
    """Create a table with ``rows`` rows and a running connector that streams it."""
    suffix = unique_suffix()
    short = "pg" if family == "postgres" else "maria"
    spec = ConnectorSpec(
        name=f"{prefix}-{short}-{suffix}",
        family=family,
        topic_prefix=f"{prefix}{short}{suffix}",
        table=f"orders_{suffix}",
    )
    source = Source(stack, admin, spec)
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
            spec.name, spec.topic_prefix, [spec.qualified_table], **settings
        )
    else:
        source.execute(f"CREATE TABLE {spec.table} (id INT PRIMARY KEY, payload VARCHAR(255))")
        if rows:
            source.execute(
                f"INSERT INTO {spec.table} SELECT seq, REPEAT('x', 200) FROM seq_1_to_{rows}"
            )
        connector = mariadb_config(spec.name, spec.topic_prefix, [spec.qualified_table], **settings)
    admin.create(spec.name, connector)
    admin.wait_running(spec.name)
    # The connector commits its first offsets once it has streamed something.
    wait_for(lambda: admin.offsets(spec.name), 60, f"first offsets of {spec.name}")
    return source


def drop_source(source: Source) -> None:
    """Delete the connector, its replication slot (PostgreSQL) and its table."""
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
    source.execute(f"DROP TABLE IF EXISTS {source.spec.table}")
