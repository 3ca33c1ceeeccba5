"""Unit tests of the signaling-table channel: signal ids, connection settings, TLS options."""

from __future__ import annotations

import re
import ssl

import pytest

from snapshot_operator.backends.signals import (
    DatabaseTarget,
    MySqlSignalTable,
    PostgresSignalTable,
    signal_id,
    signal_table_channel,
    stop_snapshot_data,
)
from snapshot_operator.backends.signals import base as signal_base
from snapshot_operator.backends.signals import mysql as mysql_signals
from snapshot_operator.errors import SignalChannelNotConfigured, SignalChannelUnavailable
from snapshot_operator.models.status import ConnectorFamily

UID = "6f1c2b7e-9a3d-4c55-8e21-0b9f4d2a7c10"
SECRET = "s3cret-Pa55word"

POSTGRES_CONFIG = {
    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
    "database.hostname": "orders-db.internal",
    "database.port": "5433",
    "database.user": "debezium",
    "database.password": SECRET,
    "database.dbname": "orders",
    "signal.data.collection": "public.debezium_signal",
}

MARIADB_CONFIG = {
    "connector.class": "io.debezium.connector.mariadb.MariaDbConnector",
    "database.hostname": "maria.internal",
    "database.user": "debezium",
    "database.password": SECRET,
    "signal.data.collection": "inventory.debezium_signal",
}


def target_from(
    config: dict[str, str],
    family: str = "postgres",
    user: str | None = None,
    password: str | None = None,
) -> DatabaseTarget:
    return DatabaseTarget.from_connector_config(
        family, config, user, password, connector="orders-cdc"
    )


def without(config: dict[str, str], *keys: str) -> dict[str, str]:
    return {key: value for key, value in config.items() if key not in keys}


# signal_id


def test_signal_id_is_deterministic() -> None:
    assert signal_id(UID, "orders-cdc") == signal_id(UID, "orders-cdc")


def test_signal_id_shape() -> None:
    ident = signal_id(UID, "orders-cdc")

    assert len(ident) <= 42
    assert re.fullmatch(r"bss-[0-9a-f]{32}", ident)


def test_signal_id_defaults_to_stop() -> None:
    assert signal_id(UID, "orders-cdc") == signal_id(UID, "orders-cdc", "stop-snapshot")


@pytest.mark.parametrize(
    ("uid", "source", "action"),
    [
        ("0d9e4b1a-0000-4000-8000-000000000000", "orders-cdc", "stop-snapshot"),
        (UID, "payments-cdc", "stop-snapshot"),
        (UID, "orders-cdc", "pause-snapshot"),
    ],
)
def test_signal_id_differs_per_part(uid: str, source: str, action: str) -> None:
    assert signal_id(uid, source, action) != signal_id(UID, "orders-cdc", "stop-snapshot")


def test_signal_id_separates_parts() -> None:
    # Moving characters from one part to the next must give a different id.
    assert signal_id("ab", "c") != signal_id("a", "bc")


@pytest.mark.parametrize(
    ("uid", "source", "action"),
    [("", "orders-cdc", "stop-snapshot"), (UID, "", "stop-snapshot"), (UID, "a\0b", "x")],
)
def test_signal_id_rejects_bad_parts(uid: str, source: str, action: str) -> None:
    with pytest.raises(ValueError, match="Cannot derive a signal id"):
        signal_id(uid, source, action)


def test_stop_snapshot_data() -> None:
    assert stop_snapshot_data() == {"type": "incremental"}
    assert stop_snapshot_data(["public.orders"]) == {
        "type": "incremental",
        "data-collections": ["public.orders"],
    }


# DatabaseTarget.from_connector_config


def test_target_reads_postgres_config() -> None:
    target = target_from(POSTGRES_CONFIG)

    assert target.host == "orders-db.internal"
    assert target.port == 5433
    assert target.user == "debezium"
    assert target.password == SECRET
    assert target.database == "orders"
    assert target.family is ConnectorFamily.POSTGRES
    assert target.connector == "orders-cdc"
    assert target.ssl_mode == "prefer"
    assert target.address == "orders-db.internal:5433"


def test_target_reads_mariadb_config() -> None:
    target = target_from(MARIADB_CONFIG, family="mariadb")

    assert target.database is None
    assert target.port == 3306
    assert target.family is ConnectorFamily.MARIADB
    assert target.ssl_mode == "disable"


def test_target_defaults_postgres_port() -> None:
    assert target_from(without(POSTGRES_CONFIG, "database.port")).port == 5432


def test_target_mysql_defaults_preferred_tls() -> None:
    assert target_from(MARIADB_CONFIG, family="mysql").ssl_mode == "preferred"


def test_target_takes_connector_ssl_mode() -> None:
    config = {**POSTGRES_CONFIG, "database.sslmode": "Verify-Full"}

    assert target_from(config).ssl_mode == "verify-full"


def test_target_brackets_ipv6_address() -> None:
    config = {**POSTGRES_CONFIG, "database.hostname": "fd00::5"}

    assert target_from(config).address == "[fd00::5]:5433"


def test_target_names_all_missing_keys() -> None:
    config = without(POSTGRES_CONFIG, "database.hostname", "database.password", "database.dbname")

    with pytest.raises(SignalChannelNotConfigured) as caught:
        target_from(config)

    message = str(caught.value)
    assert "database.hostname, database.password and database.dbname" in message
    assert "database.user" not in message
    assert "signal_credentials" in message
    assert "orders-cdc" in message


def test_target_blank_value_counts_as_missing() -> None:
    with pytest.raises(SignalChannelNotConfigured, match=r"has no database\.user"):
        target_from({**POSTGRES_CONFIG, "database.user": "  "})


def test_target_mariadb_needs_no_dbname() -> None:
    assert target_from(without(MARIADB_CONFIG, "database.dbname"), family="mariadb").host


def test_target_rejects_externalized_password() -> None:
    config = {**POSTGRES_CONFIG, "database.password": "${file:/opt/secrets/db.properties:pw}"}

    with pytest.raises(SignalChannelNotConfigured) as caught:
        target_from(config)

    message = str(caught.value)
    assert "database.password" in message
    assert "sets database.password to an externalized ${...} reference" in message
    assert "signal_credentials" in message
    assert "/opt/secrets" not in message


def test_target_rejects_externalized_host() -> None:
    config = {**MARIADB_CONFIG, "database.hostname": "${env:DB_HOST}"}

    with pytest.raises(SignalChannelNotConfigured, match=r"sets database\.hostname to an"):
        target_from(config, family="mariadb")


def test_target_not_configured_is_permanent() -> None:
    with pytest.raises(SignalChannelUnavailable) as caught:
        target_from(without(POSTGRES_CONFIG, "database.hostname"))

    assert isinstance(caught.value, SignalChannelNotConfigured)
    assert caught.value.retryable is False
    assert caught.value.connector == "orders-cdc"
    assert caught.value.channel == "source"


def test_target_override_replaces_credentials() -> None:
    target = target_from(POSTGRES_CONFIG, user="signaller", password="mapped-pw")

    assert target.user == "signaller"
    assert target.password == "mapped-pw"
    assert target.host == "orders-db.internal"
    assert target.port == 5433


def test_target_override_covers_externalized_password() -> None:
    config = {**POSTGRES_CONFIG, "database.password": "${secrets:db/orders:password}"}

    target = target_from(config, password="mapped-pw")

    assert target.password == "mapped-pw"
    assert target.user == "debezium"


def test_target_override_covers_missing_credentials() -> None:
    config = without(POSTGRES_CONFIG, "database.user", "database.password")

    target = target_from(config, user="signaller", password="mapped-pw")

    assert (target.user, target.password) == ("signaller", "mapped-pw")


def test_target_repr_hides_password() -> None:
    target = target_from(POSTGRES_CONFIG)

    assert SECRET not in repr(target)
    assert "orders-db.internal" in repr(target)


@pytest.mark.parametrize("port", ["0", "65536", "five", "-3"])
def test_target_rejects_invalid_port(port: str) -> None:
    with pytest.raises(SignalChannelNotConfigured, match=r"database\.port .* not a port number"):
        target_from({**POSTGRES_CONFIG, "database.port": port})


def test_target_rejects_unknown_ssl_mode() -> None:
    config = {**MARIADB_CONFIG, "database.ssl.mode": "sometimes"}

    with pytest.raises(SignalChannelNotConfigured, match=r"database\.ssl\.mode 'sometimes'"):
        target_from(config, family="mariadb")


@pytest.mark.parametrize("family", ["sqlserver", "mongodb", "cassandra"])
def test_target_rejects_other_families(family: str) -> None:
    with pytest.raises(SignalChannelNotConfigured, match=f"not implemented for {family}"):
        target_from(POSTGRES_CONFIG, family=family)


def test_target_errors_never_show_password() -> None:
    broken = {**POSTGRES_CONFIG, "database.port": "x", "database.sslmode": "bad"}

    with pytest.raises(SignalChannelNotConfigured) as caught:
        target_from(broken)

    assert SECRET not in str(caught.value)


# channel construction


def test_factory_picks_class_by_family() -> None:
    postgres = signal_table_channel(target_from(POSTGRES_CONFIG), "public", "debezium_signal")
    mariadb = signal_table_channel(
        target_from(MARIADB_CONFIG, family="mariadb"), "inventory", "debezium_signal"
    )

    assert isinstance(postgres, PostgresSignalTable)
    assert isinstance(mariadb, MySqlSignalTable)
    assert postgres.describe() == (
        "the signaling table public.debezium_signal at orders-db.internal:5433"
    )


def test_channel_rejects_wrong_family() -> None:
    with pytest.raises(ValueError, match="needs a postgres target"):
        PostgresSignalTable(target_from(MARIADB_CONFIG, family="mariadb"), "public", "t")
    with pytest.raises(ValueError, match="needs a mysql or mariadb target"):
        MySqlSignalTable(target_from(POSTGRES_CONFIG), "inventory", "t")


def test_channel_rejects_empty_table() -> None:
    with pytest.raises(ValueError, match="both a database and a table name"):
        MySqlSignalTable(target_from(MARIADB_CONFIG, family="mariadb"), "inventory", "")


# TLS options for PyMySQL


def test_tls_disabled_modes() -> None:
    assert mysql_signals._mysql_tls_options("disabled") == {"ssl_disabled": True}
    assert mysql_signals._mysql_tls_options("disable") == {"ssl_disabled": True}
    assert mysql_signals._mysql_tls_options("preferred") == {}


@pytest.mark.parametrize(
    ("mode", "verify_mode", "check_hostname"),
    [
        ("required", ssl.CERT_NONE, False),
        ("trust", ssl.CERT_NONE, False),
        ("verify_ca", ssl.CERT_REQUIRED, False),
        ("verify-ca", ssl.CERT_REQUIRED, False),
        ("verify_identity", ssl.CERT_REQUIRED, True),
        ("verify-full", ssl.CERT_REQUIRED, True),
    ],
)
def test_tls_context_per_mode(mode: str, verify_mode: ssl.VerifyMode, check_hostname: bool) -> None:
    context = mysql_signals._mysql_tls_options(mode)["ssl"]

    assert context.verify_mode == verify_mode
    assert context.check_hostname is check_hostname


def test_driver_message_shortened_and_masked() -> None:
    text = (
        'connection failed: connection to server at "127.0.0.1", port 15432 failed: '
        f'FATAL:  bad thing near "{SECRET}"\nDETAIL: more'
    )

    message = signal_base.driver_message(text, SECRET)

    assert SECRET not in message
    assert message == 'FATAL: bad thing near "[redacted]"'
