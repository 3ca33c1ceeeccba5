"""Choosing a connector's signal channel from its config. Nothing here connects to a database."""

from __future__ import annotations

import pytest

from snapshot_operator.backends.signals import MySqlSignalTable, PostgresSignalTable
from snapshot_operator.engine.channels import (
    DatabaseCredentials,
    NoSignalChannel,
    open_signal_table,
    signal_collection,
)
from snapshot_operator.models.status import ConnectorFamily
from tests.support.connect_simulation import postgres_config

CONFIG_PASSWORD = "connector-config-password"
MAPPED_PASSWORD = "mapped-secret-password"


def mysql_config(**extra: str) -> dict[str, str]:
    return {
        "connector.class": "io.debezium.connector.mysql.MySqlConnector",
        "database.hostname": "mysql.example.internal",
        "database.port": "3307",
        "database.user": "debezium",
        "database.password": CONFIG_PASSWORD,
        "topic.prefix": "inventory",
        "signal.data.collection": "inventory.debezium_signal",
        **extra,
    }


def test_signal_collection_default_channels() -> None:
    config = {"signal.data.collection": " public.debezium_signal "}

    assert signal_collection(config) == "public.debezium_signal"


def test_signal_collection_among_other_channels() -> None:
    config = {
        "signal.enabled.channels": " kafka , source ",
        "signal.data.collection": "public.debezium_signal",
    }

    assert signal_collection(config) == "public.debezium_signal"


def test_signal_collection_without_source_channel() -> None:
    config = {
        "signal.enabled.channels": "kafka,jmx",
        "signal.data.collection": "public.debezium_signal",
    }

    with pytest.raises(NoSignalChannel) as caught:
        signal_collection(config)

    message = str(caught.value)
    assert "signal.enabled.channels is 'kafka,jmx'" in message
    assert "Add 'source'" in message


@pytest.mark.parametrize("value", [None, "", "   "])
def test_signal_collection_not_set(value: str | None) -> None:
    config = {} if value is None else {"signal.data.collection": value}

    with pytest.raises(NoSignalChannel) as caught:
        signal_collection(config)

    assert "signal.data.collection is not set" in str(caught.value)


def test_postgres_config_opens_postgres_table() -> None:
    channel = open_signal_table(
        ConnectorFamily.POSTGRES, "orders-pg", postgres_config("orders"), None
    )

    assert isinstance(channel, PostgresSignalTable)
    assert channel.namespace == "public"
    assert channel.table == "debezium_signal"
    assert channel.target.host == "pg.example.internal"
    assert channel.target.port == 5432
    assert channel.target.database == "shop"
    assert channel.target.user == "debezium"
    assert channel.target.connector == "orders-pg"


@pytest.mark.parametrize("family", [ConnectorFamily.MYSQL, ConnectorFamily.MARIADB])
def test_binlog_config_opens_mysql_table(family: ConnectorFamily) -> None:
    channel = open_signal_table(family, "inventory", mysql_config(), None)

    assert isinstance(channel, MySqlSignalTable)
    assert channel.namespace == "inventory"
    assert channel.table == "debezium_signal"
    assert channel.target.port == 3307
    assert channel.target.database is None
    assert channel.target.family is family


def test_quoted_table_name_split() -> None:
    config = postgres_config("orders", **{"signal.data.collection": 'public."signal.table"'})

    channel = open_signal_table(ConnectorFamily.POSTGRES, "orders-pg", config, None)

    assert channel.namespace == "public"
    assert channel.table == "signal.table"


def test_credentials_override_config() -> None:
    credentials = DatabaseCredentials(username="signal_writer", password=MAPPED_PASSWORD)

    channel = open_signal_table(ConnectorFamily.MYSQL, "inventory", mysql_config(), credentials)

    assert channel.target.user == "signal_writer"
    assert channel.target.password == MAPPED_PASSWORD


def test_credentials_replace_externalized_password() -> None:
    config = mysql_config(**{"database.password": "${file:/secrets/mysql.properties:password}"})
    credentials = DatabaseCredentials(username="signal_writer", password=MAPPED_PASSWORD)

    with pytest.raises(NoSignalChannel) as caught:
        open_signal_table(ConnectorFamily.MYSQL, "inventory", config, None)
    channel = open_signal_table(ConnectorFamily.MYSQL, "inventory", config, credentials)

    assert "externalized" in str(caught.value)
    assert channel.target.password == MAPPED_PASSWORD


def test_credentials_repr_hides_password() -> None:
    credentials = DatabaseCredentials(username="signal_writer", password=MAPPED_PASSWORD)

    assert MAPPED_PASSWORD not in repr(credentials)
    assert "signal_writer" in repr(credentials)


@pytest.mark.parametrize(
    ("family", "config", "reason"),
    [
        pytest.param(
            ConnectorFamily.SQLSERVER,
            {
                "signal.data.collection": "shop.dbo.debezium_signal",
                "database.password": CONFIG_PASSWORD,
            },
            "not sqlserver ones",
            id="unsupported-family",
        ),
        pytest.param(
            ConnectorFamily.POSTGRES,
            postgres_config(
                "orders",
                **{
                    "signal.data.collection": "debezium_signal",
                    "database.password": CONFIG_PASSWORD,
                },
            ),
            "is not in the form schema.table",
            id="wrong-part-count",
        ),
        pytest.param(
            ConnectorFamily.POSTGRES,
            postgres_config(
                "orders", **{"database.hostname": "", "database.password": CONFIG_PASSWORD}
            ),
            "has no database.hostname",
            id="no-hostname",
        ),
        pytest.param(
            ConnectorFamily.POSTGRES,
            postgres_config(
                "orders", **{"database.sslmode": "sometimes", "database.password": CONFIG_PASSWORD}
            ),
            "not a TLS mode",
            id="unknown-tls-mode",
        ),
    ],
)
def test_unusable_config_raises_no_signal_channel(
    family: ConnectorFamily, config: dict[str, str], reason: str
) -> None:
    with pytest.raises(NoSignalChannel) as caught:
        open_signal_table(family, "orders-pg", config, None)

    assert reason in str(caught.value)
    assert CONFIG_PASSWORD not in str(caught.value)
