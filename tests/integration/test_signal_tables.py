"""Signaling-table channels against the stack's real PostgreSQL and MariaDB.

Each test writes rows with fresh signal ids and deletes them afterwards, and tables it creates
carry a fresh suffix and are dropped, so reruns start clean.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql
import pytest

from snapshot_operator.backends.signals import (
    DatabaseTarget,
    SignalTableChannel,
    signal_id,
    signal_table_channel,
    stop_snapshot_data,
)
from snapshot_operator.errors import SignalChannelUnavailable, SignalRejected
from tests.stack import StackInfo, config
from tests.support.connectors import mariadb_config, postgres_config, unique_suffix

pytestmark = pytest.mark.stack

WRONG_PASSWORD = "not-the-password-7f3a"


@dataclass
class Database:
    """Direct access to one stack database, for arranging and checking what a channel did."""

    family: str
    namespace: str
    stack: StackInfo

    def execute(self, statement: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.family == "postgres":
            with psycopg.connect(self.stack.postgres_dsn, autocommit=True) as connection:
                cursor = connection.execute(statement.replace("`", '"'), parameters)
                return cursor.fetchall() if cursor.description else []
        connection = pymysql.connect(**self.stack.mariadb, autocommit=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, parameters)
                return list(cursor.fetchall())
        finally:
            connection.close()

    def rows(self, table: str, ident: str) -> list[tuple[Any, ...]]:
        return self.execute(
            f"SELECT id, type, data FROM {self.namespace}.{table} WHERE id = %s", (ident,)
        )

    def delete(self, table: str, ident: str) -> None:
        self.execute(f"DELETE FROM {self.namespace}.{table} WHERE id = %s", (ident,))

    def connector_config(self, **extra: str) -> dict[str, str]:
        prefix = f"signals_{unique_suffix()}"
        if self.family == "postgres":
            return postgres_config(prefix, prefix, [], **extra)
        return mariadb_config(prefix, prefix, [], **extra)


@pytest.fixture(params=["postgres", "mariadb"])
def database(request: pytest.FixtureRequest, stack: StackInfo) -> Database:
    namespace = "public" if request.param == "postgres" else config.DB_NAME
    return Database(family=request.param, namespace=namespace, stack=stack)


def make_target(database: Database, family: str | None = None, **extra: str) -> DatabaseTarget:
    return DatabaseTarget.from_connector_config(
        family or database.family,
        database.connector_config(**extra),
        connector=f"it-{database.family}",
    )


def make_channel(
    database: Database, table: str = config.SIGNAL_TABLE, **target_settings: str
) -> SignalTableChannel:
    return signal_table_channel(
        make_target(database, **target_settings),
        database.namespace,
        table,
        connect_timeout=5,
        statement_timeout=10,
    )


@pytest.fixture
def fresh_id(database: Database) -> Iterator[str]:
    ident = signal_id(str(uuid.uuid4()), f"it-{database.family}")
    yield ident
    database.delete(config.SIGNAL_TABLE, ident)


@pytest.fixture
def table_without_key(database: Database) -> Iterator[str]:
    table = f"signal_no_key_{unique_suffix()}"
    database.execute(
        f"CREATE TABLE {database.namespace}.{table} "
        "(id VARCHAR(64), type VARCHAR(32) NOT NULL, data VARCHAR(2048))"
    )
    yield table
    database.execute(f"DROP TABLE {database.namespace}.{table}")


async def test_send_inserts_one_stop_row(database: Database, fresh_id: str) -> None:
    channel = make_channel(database)

    result = await channel.send(fresh_id, "stop-snapshot", stop_snapshot_data())

    assert result.signal_id == fresh_id
    assert result.inserted is True
    rows = database.rows(config.SIGNAL_TABLE, fresh_id)
    assert len(rows) == 1
    ident, signal_type, data = rows[0]
    assert ident == fresh_id
    assert signal_type == "stop-snapshot"
    assert json.loads(data) == {"type": "incremental"}


async def test_send_keeps_data_collections(database: Database, fresh_id: str) -> None:
    channel = make_channel(database)
    collections = [f"{database.namespace}.orders", f"{database.namespace}.customers"]

    await channel.send(fresh_id, "stop-snapshot", stop_snapshot_data(collections))

    (row,) = database.rows(config.SIGNAL_TABLE, fresh_id)
    assert json.loads(row[2]) == {"type": "incremental", "data-collections": collections}


async def test_send_twice_leaves_one_row(database: Database, fresh_id: str) -> None:
    channel = make_channel(database)

    first = await channel.send(fresh_id, "stop-snapshot", stop_snapshot_data())
    second = await channel.send(fresh_id, "stop-snapshot", stop_snapshot_data())

    assert first.inserted is True
    assert second.inserted is False
    assert await channel.count(fresh_id) == 1
    assert len(database.rows(config.SIGNAL_TABLE, fresh_id)) == 1


async def test_send_from_new_channel_is_idempotent(database: Database, fresh_id: str) -> None:
    # An operator restart builds a new channel object for the same connector.
    await make_channel(database).send(fresh_id, "stop-snapshot", stop_snapshot_data())

    again = await make_channel(database).send(fresh_id, "stop-snapshot", stop_snapshot_data())

    assert again.inserted is False
    assert len(database.rows(config.SIGNAL_TABLE, fresh_id)) == 1


async def test_concurrent_sends_leave_one_row(database: Database, fresh_id: str) -> None:
    channel = make_channel(database)

    results = await asyncio.gather(
        *(channel.send(fresh_id, "stop-snapshot", stop_snapshot_data()) for _ in range(5))
    )

    assert sorted(result.inserted for result in results) == [False, False, False, False, True]
    assert len(database.rows(config.SIGNAL_TABLE, fresh_id)) == 1


async def test_concurrent_sends_without_key(database: Database, table_without_key: str) -> None:
    # Without a primary key only the channel's lock keeps a second row out.
    channel = make_channel(database, table=table_without_key)
    ident = signal_id(str(uuid.uuid4()), "it-no-key")

    results = await asyncio.gather(
        *(channel.send(ident, "stop-snapshot", stop_snapshot_data()) for _ in range(5))
    )

    assert sum(result.inserted for result in results) == 1
    assert len(database.rows(table_without_key, ident)) == 1
    assert await channel.count(ident) == 1


async def test_count_unknown_id_is_zero(database: Database) -> None:
    channel = make_channel(database)

    assert await channel.count(signal_id(str(uuid.uuid4()), "it-unknown")) == 0


async def test_wrong_password_rejected(database: Database, fresh_id: str) -> None:
    channel = make_channel(database, **{"database.password": WRONG_PASSWORD})

    with pytest.raises(SignalRejected) as caught:
        await channel.send(fresh_id, "stop-snapshot", stop_snapshot_data())

    message = str(caught.value)
    assert WRONG_PASSWORD not in message
    assert f"it-{database.family}" in message
    assert channel.target.address in message
    assert "database.password" in message
    assert caught.value.retryable is False
    assert caught.value.__cause__ is None
    assert database.rows(config.SIGNAL_TABLE, fresh_id) == []


async def test_missing_table_rejected(database: Database, fresh_id: str) -> None:
    table = f"no_such_signal_table_{unique_suffix()}"
    channel = make_channel(database, table=table)

    with pytest.raises(SignalRejected) as sent:
        await channel.send(fresh_id, "stop-snapshot", stop_snapshot_data())
    with pytest.raises(SignalRejected) as probed:
        await channel.probe()

    assert f"{database.namespace}.{table}" in str(sent.value)
    assert "does not exist" in str(sent.value)
    assert f"{database.namespace}.{table}" in str(probed.value)


async def test_unreachable_port_unavailable(database: Database, fresh_id: str) -> None:
    # Nothing listens on port 1 of the loopback address, so the connection is refused.
    channel = make_channel(database, **{"database.hostname": "127.0.0.1", "database.port": "1"})

    with pytest.raises(SignalChannelUnavailable) as caught:
        await channel.send(fresh_id, "stop-snapshot", stop_snapshot_data())

    assert not isinstance(caught.value, SignalRejected)
    assert caught.value.retryable is True
    assert "127.0.0.1:1" in str(caught.value)
    assert config.DB_PASSWORD not in str(caught.value).replace(config.DB_USER, "")


async def test_probe_accepts_real_table(database: Database) -> None:
    channel = make_channel(database)

    await channel.probe()


async def test_probe_names_missing_column(database: Database) -> None:
    table = f"signal_two_columns_{unique_suffix()}"
    database.execute(
        f"CREATE TABLE {database.namespace}.{table} (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32))"
    )
    try:
        with pytest.raises(SignalRejected) as caught:
            await make_channel(database, table=table).probe()
    finally:
        database.execute(f"DROP TABLE {database.namespace}.{table}")

    assert "has no column data" in str(caught.value)


async def test_mysql_family_writes_mariadb(stack: StackInfo) -> None:
    # Before Debezium 2.7 MariaDB was captured with the MySQL connector.
    database = Database(family="mariadb", namespace=config.DB_NAME, stack=stack)
    ident = signal_id(str(uuid.uuid4()), "it-mysql")
    channel = signal_table_channel(
        make_target(database, family="mysql"), database.namespace, config.SIGNAL_TABLE
    )
    try:
        result = await channel.send(ident, "stop-snapshot", stop_snapshot_data())
    finally:
        database.delete(config.SIGNAL_TABLE, ident)

    assert channel.target.family == "mysql"
    assert result.inserted is True
