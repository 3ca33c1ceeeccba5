"""Create Debezium connectors on the stack's Kafka Connect worker and wait for their states.

Each test names its connectors, tables and replication slots with a fresh suffix, so tests can
run against a stack that earlier runs left data in.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.stack import StackInfo, config


def unique_suffix() -> str:
    return uuid.uuid4().hex[:8]


@dataclass
class ConnectorSpec:
    """One Debezium connector a test created, and the names it captures."""

    name: str
    family: str
    topic_prefix: str
    table: str
    config: dict[str, str] = field(default_factory=dict)
    own_signal_table: bool = False
    """Whether the connector reads a signaling table of its own rather than the shared one."""

    @property
    def topic(self) -> str:
        schema = "public" if self.family == "postgres" else config.DB_NAME
        return f"{self.topic_prefix}.{schema}.{self.table}"

    @property
    def qualified_table(self) -> str:
        schema = "public" if self.family == "postgres" else config.DB_NAME
        return f"{schema}.{self.table}"

    @property
    def signal_table(self) -> str:
        schema = "public" if self.family == "postgres" else config.DB_NAME
        if self.own_signal_table:
            return f"{schema}.{self.table}_signal"
        return f"{schema}.{config.SIGNAL_TABLE}"


def postgres_config(
    name: str, prefix: str, tables: list[str], signal_table: str | None = None, **extra: str
) -> dict[str, str]:
    signal_table = signal_table or f"public.{config.SIGNAL_TABLE}"
    return {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "database.hostname": "127.0.0.1",
        "database.port": str(config.PORTS.postgres),
        "database.user": config.DB_USER,
        "database.password": config.DB_PASSWORD,
        "database.dbname": config.DB_NAME,
        "topic.prefix": prefix,
        "plugin.name": "pgoutput",
        "slot.name": f"slot_{prefix}",
        "publication.name": f"pub_{prefix}",
        "publication.autocreate.mode": "filtered",
        "table.include.list": ",".join([*tables, signal_table]),
        "signal.data.collection": signal_table,
        "snapshot.mode": "initial",
        "heartbeat.interval.ms": "1000",
        **extra,
    }


def mariadb_config(
    name: str, prefix: str, tables: list[str], signal_table: str | None = None, **extra: str
) -> dict[str, str]:
    signal_table = signal_table or f"{config.DB_NAME}.{config.SIGNAL_TABLE}"
    return {
        "connector.class": "io.debezium.connector.mariadb.MariaDbConnector",
        "tasks.max": "1",
        "database.hostname": "127.0.0.1",
        "database.port": str(config.PORTS.mariadb),
        "database.user": config.DB_USER,
        "database.password": config.DB_PASSWORD,
        "database.server.id": str(random.randint(100_000, 4_000_000)),
        "database.include.list": config.DB_NAME,
        "topic.prefix": prefix,
        "table.include.list": ",".join([*tables, signal_table]),
        "signal.data.collection": signal_table,
        "schema.history.internal.kafka.bootstrap.servers": f"127.0.0.1:{config.PORTS.kafka}",
        "schema.history.internal.kafka.topic": f"schema-history.{prefix}",
        "snapshot.mode": "initial",
        "heartbeat.interval.ms": "1000",
        **extra,
    }


class ConnectAdmin:
    """A small synchronous Kafka Connect client for test set-up, separate from the operator's."""

    def __init__(self, stack: StackInfo) -> None:
        self.http = httpx.Client(base_url=stack.connect_url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def create(self, name: str, connector_config: dict[str, str]) -> None:
        response = self.http.post("/connectors", json={"name": name, "config": connector_config})
        response.raise_for_status()

    def delete(self, name: str) -> None:
        response = self.http.delete(f"/connectors/{name}")
        if response.status_code not in (204, 404):
            response.raise_for_status()

    def delete_with_offsets(self, name: str) -> None:
        """Stop the connector, delete its committed offsets (Kafka 3.6+), then the connector.

        Kafka Connect keeps a deleted connector's offsets, and a new connector of the same name
        would resume from them.
        """
        if self.http.get(f"/connectors/{name}").status_code == 404:
            return
        self.http.put(f"/connectors/{name}/stop").raise_for_status()
        wait_for(
            lambda: self.status(name)["connector"]["state"] == "STOPPED", 60, f"{name} to stop"
        )
        self.http.delete(f"/connectors/{name}/offsets").raise_for_status()
        self.delete(name)

    def status(self, name: str) -> dict[str, Any]:
        response = self.http.get(f"/connectors/{name}/status")
        response.raise_for_status()
        return dict(response.json())

    def offsets(self, name: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/connectors/{name}/offsets")
        response.raise_for_status()
        return list(response.json()["offsets"])

    def is_running(self, name: str) -> bool:
        try:
            status = self.status(name)
        except httpx.HTTPStatusError:
            return False
        states = [status["connector"]["state"], *(task["state"] for task in status["tasks"])]
        return bool(status["tasks"]) and all(state == "RUNNING" for state in states)

    def wait_running(self, name: str, timeout: float = 90) -> None:
        wait_for(lambda: self.is_running(name), timeout, f"connector {name} to run")


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    """Poll ``condition`` until it returns something truthy, or fail the test naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")
