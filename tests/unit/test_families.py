"""Unit tests for connector families, Debezium version parsing and version bands."""

from __future__ import annotations

import pytest

from snapshot_operator.engine.families import (
    DebeziumVersion,
    blocking_restart_keeps_position,
    family_of,
    is_debezium_source,
    parse_debezium_version,
    restart_abandons_blocking_snapshot,
    signal_collection_format,
    split_signal_collection,
    supports_blocking_snapshot,
    supports_stop_snapshot_signal,
    writes_snapshot_type_offsets,
)
from snapshot_operator.models.status import ConnectorFamily


def version(text: str) -> DebeziumVersion:
    parsed = parse_debezium_version(text)
    assert parsed is not None, text
    return parsed


@pytest.mark.parametrize(
    ("connector_class", "expected"),
    [
        ("io.debezium.connector.postgresql.PostgresConnector", ConnectorFamily.POSTGRES),
        ("io.debezium.connector.mysql.MySqlConnector", ConnectorFamily.MYSQL),
        ("io.debezium.connector.mariadb.MariaDbConnector", ConnectorFamily.MARIADB),
        ("io.debezium.connector.sqlserver.SqlServerConnector", ConnectorFamily.SQLSERVER),
        ("io.debezium.connector.oracle.OracleConnector", ConnectorFamily.ORACLE),
        ("io.debezium.connector.mongodb.MongoDbConnector", ConnectorFamily.MONGODB),
        ("io.debezium.connector.db2.Db2Connector", ConnectorFamily.DB2),
        ("io.debezium.connector.informix.InformixConnector", ConnectorFamily.INFORMIX),
        (" io.debezium.connector.postgresql.PostgresConnector ", ConnectorFamily.POSTGRES),
        ("io.debezium.connector.vitess.VitessConnector", ConnectorFamily.OTHER),
        ("io.debezium.connector.spanner.SpannerConnector", ConnectorFamily.OTHER),
        ("io.confluent.connect.jdbc.JdbcSourceConnector", ConnectorFamily.OTHER),
        ("", ConnectorFamily.OTHER),
    ],
)
def test_family_of_connector_class(connector_class: str, expected: ConnectorFamily) -> None:
    assert family_of(connector_class) is expected


@pytest.mark.parametrize(
    ("connector_class", "connector_type", "expected"),
    [
        ("io.debezium.connector.postgresql.PostgresConnector", "source", True),
        ("io.debezium.connector.postgresql.PostgresConnector", "SOURCE", True),
        ("io.debezium.connector.postgresql.PostgresConnector", "unknown", True),
        ("io.debezium.connector.postgresql.PostgresConnector", None, True),
        ("io.debezium.connector.vitess.VitessConnector", "source", True),
        ("io.debezium.connector.jdbc.JdbcSinkConnector", "sink", False),
        ("io.debezium.connector.jdbc.JdbcSinkConnector", None, False),
        ("io.debezium.connector.mongodb.MongoDbSinkConnector", "unknown", False),
        ("io.debezium.connector.postgresql.PostgresConnector", "sink", False),
        ("io.confluent.connect.jdbc.JdbcSourceConnector", "source", False),
        ("org.apache.kafka.connect.mirror.MirrorSourceConnector", "source", False),
    ],
)
def test_is_debezium_source_cases(
    connector_class: str, connector_type: str | None, expected: bool
) -> None:
    assert is_debezium_source(connector_class, connector_type) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.6.1.Final", DebeziumVersion(3, 6, 1, "Final")),
        ("2.7.0.Alpha2", DebeziumVersion(2, 7, 0, "Alpha2")),
        ("3.0.2.Final", DebeziumVersion(3, 0, 2, "Final")),
        ("1.9.7.Final", DebeziumVersion(1, 9, 7, "Final")),
        ("3.0.2.CR1", DebeziumVersion(3, 0, 2, "CR1")),
        ("2.4.0.beta1", DebeziumVersion(2, 4, 0, "Beta1")),
        ("2.7.3.Final-redhat-00001", DebeziumVersion(2, 7, 3, "Final")),
        ("3.1.0-SNAPSHOT", DebeziumVersion(3, 1, 0, "SNAPSHOT")),
        (" 3.0.2 ", DebeziumVersion(3, 0, 2, "")),
        ("3.0", DebeziumVersion(3, 0, 0, "")),
    ],
)
def test_parse_version_valid(text: str, expected: DebeziumVersion) -> None:
    parsed = parse_debezium_version(text)
    assert parsed is not None
    assert (parsed.major, parsed.minor, parsed.patch, parsed.qualifier) == (
        expected.major,
        expected.minor,
        expected.patch,
        expected.qualifier,
    )


@pytest.mark.parametrize(
    "text",
    [None, "", "undefined", "null", "junk", "3", "3.x.1", "3.0.2.Gamma1", "v3.0.2.Final"],
)
def test_parse_version_junk_is_none(text: str | None) -> None:
    assert parse_debezium_version(text) is None


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("3.0.2.Alpha1", "3.0.2.Alpha2"),
        ("3.0.2.Alpha2", "3.0.2.Alpha10"),
        ("3.0.2.Alpha10", "3.0.2.Beta1"),
        ("3.0.2.Beta1", "3.0.2.CR1"),
        ("3.0.2.CR1", "3.0.2.Final"),
        ("3.0.2-SNAPSHOT", "3.0.2.Alpha1"),
        ("3.0.2.Final", "3.0.10.Final"),
        ("2.7.9.Final", "3.0.0.Alpha1"),
        ("1.9.7.Final", "2.0.0.Alpha1"),
    ],
)
def test_version_order(lower: str, higher: str) -> None:
    assert version(lower) < version(higher)


def test_version_without_qualifier_equals_final() -> None:
    assert version("3.0.2") == version("3.0.2.Final")


def test_version_equal_hash_equal() -> None:
    assert hash(version("3.0.2")) == hash(version("3.0.2.Final"))


def test_version_not_equal_to_string() -> None:
    assert version("3.0.2.Final") != "3.0.2.Final"


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("3.6.1.Final", "3.6.1.Final"),
        ("2.7.0.alpha2", "2.7.0.Alpha2"),
        ("3.1.0-SNAPSHOT", "3.1.0-SNAPSHOT"),
        ("3.0.2", "3.0.2"),
    ],
)
def test_version_str(text: str, rendered: str) -> None:
    assert str(version(text)) == rendered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.9.7.Final", False),
        ("2.0.0.Alpha1", False),
        ("2.0.0.Alpha2", True),
        ("2.0.0.Final", True),
        ("3.6.1.Final", True),
    ],
)
def test_stop_snapshot_signal_band(text: str, expected: bool) -> None:
    assert supports_stop_snapshot_signal(version(text)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.3.7.Final", False),
        ("2.4.0.Alpha1", False),
        ("2.4.0.Alpha2", True),
        ("2.4.0.Final", True),
        ("3.0.1.Final", True),
    ],
)
def test_blocking_snapshot_band(text: str, expected: bool) -> None:
    assert supports_blocking_snapshot(version(text)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.7.0.Final", False),
        ("3.0.1.Final", False),
        ("3.0.2.CR1", False),
        ("3.0.2.Final", True),
        ("3.6.1.Final", True),
    ],
)
def test_snapshot_type_offsets_band(text: str, expected: bool) -> None:
    assert writes_snapshot_type_offsets(version(text)) is expected


@pytest.mark.parametrize(
    ("family", "text", "expected"),
    [
        (ConnectorFamily.POSTGRES, "3.0.2.Final", True),
        (ConnectorFamily.POSTGRES, "3.0.1.Final", False),
        (ConnectorFamily.MYSQL, "3.6.1.Final", True),
        (ConnectorFamily.MARIADB, "3.6.1.Final", True),
        (ConnectorFamily.SQLSERVER, "3.2.0.Final", True),
        (ConnectorFamily.ORACLE, "2.7.3.Final", False),
        (ConnectorFamily.DB2, "3.1.0.Final", True),
        (ConnectorFamily.MONGODB, "3.6.1.Final", False),
        (ConnectorFamily.OTHER, "3.6.1.Final", False),
    ],
)
def test_restart_abandons_blocking_band(family: ConnectorFamily, text: str, expected: bool) -> None:
    assert restart_abandons_blocking_snapshot(family, version(text)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3.2.1.Final", False), ("3.3.0.Alpha2", False), ("3.3.0.Beta1", True), ("3.6.1.Final", True)],
)
def test_blocking_restart_position_band(text: str, expected: bool) -> None:
    assert blocking_restart_keeps_position(version(text)) is expected


def test_unknown_version_stop_signal_false() -> None:
    assert supports_stop_snapshot_signal(None) is False


def test_unknown_version_blocking_false() -> None:
    assert supports_blocking_snapshot(None) is False


def test_unknown_version_snapshot_type_false() -> None:
    assert writes_snapshot_type_offsets(None) is False


def test_unknown_version_restart_false() -> None:
    assert restart_abandons_blocking_snapshot(ConnectorFamily.POSTGRES, None) is False


def test_unknown_version_position_false() -> None:
    assert blocking_restart_keeps_position(None) is False


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        (ConnectorFamily.POSTGRES, "schema.table"),
        (ConnectorFamily.MYSQL, "database.table"),
        (ConnectorFamily.MARIADB, "database.table"),
        (ConnectorFamily.SQLSERVER, "database.schema.table"),
        (ConnectorFamily.ORACLE, "database.schema.table"),
        (ConnectorFamily.DB2, "schema.table"),
        (ConnectorFamily.MONGODB, "database.collection"),
        (ConnectorFamily.INFORMIX, None),
        (ConnectorFamily.OTHER, None),
    ],
)
def test_signal_collection_format(family: ConnectorFamily, expected: str | None) -> None:
    assert signal_collection_format(family) == expected


@pytest.mark.parametrize(
    ("family", "name", "expected"),
    [
        (ConnectorFamily.POSTGRES, "public.debezium_signal", ("public", "debezium_signal")),
        (ConnectorFamily.MARIADB, "inventory.debezium_signal", ("inventory", "debezium_signal")),
        (
            ConnectorFamily.SQLSERVER,
            "sales.dbo.debezium_signal",
            ("sales", "dbo", "debezium_signal"),
        ),
        (ConnectorFamily.ORACLE, "ORCLPDB1.DEBEZIUM.SIGNALS", ("ORCLPDB1", "DEBEZIUM", "SIGNALS")),
        (ConnectorFamily.DB2, "DB2INST1.DEBEZIUM_SIGNAL", ("DB2INST1", "DEBEZIUM_SIGNAL")),
        (ConnectorFamily.POSTGRES, 'public."My.Signals"', ("public", "My.Signals")),
        (ConnectorFamily.MYSQL, "`in.ventory`.signals", ("in.ventory", "signals")),
        (ConnectorFamily.POSTGRES, 'public."say ""hi"""', ("public", 'say "hi"')),
        (ConnectorFamily.MONGODB, "inventory.signals.v2", ("inventory", "signals.v2")),
    ],
)
def test_split_signal_collection_valid(
    family: ConnectorFamily, name: str, expected: tuple[str, ...]
) -> None:
    assert split_signal_collection(family, name) == expected


@pytest.mark.parametrize(
    ("family", "name"),
    [
        (ConnectorFamily.POSTGRES, "debezium_signal"),
        (ConnectorFamily.POSTGRES, "db.public.debezium_signal"),
        (ConnectorFamily.SQLSERVER, "dbo.debezium_signal"),
        (ConnectorFamily.MYSQL, "inventory."),
        (ConnectorFamily.MONGODB, "signals"),
        (ConnectorFamily.MONGODB, ".signals"),
    ],
)
def test_split_signal_collection_wrong_parts(family: ConnectorFamily, name: str) -> None:
    with pytest.raises(ValueError, match="is not in the form"):
        split_signal_collection(family, name)


def test_split_signal_collection_unclosed_quote() -> None:
    with pytest.raises(ValueError, match="unclosed"):
        split_signal_collection(ConnectorFamily.POSTGRES, 'public."signals')


def test_split_signal_collection_unknown_family() -> None:
    with pytest.raises(ValueError, match="format of informix connectors is not known"):
        split_signal_collection(ConnectorFamily.INFORMIX, "db.informix.signals")


def test_split_error_names_value_and_form() -> None:
    with pytest.raises(ValueError) as raised:
        split_signal_collection(ConnectorFamily.SQLSERVER, "dbo.debezium_signal")
    message = str(raised.value)
    assert "'dbo.debezium_signal'" in message
    assert "database.schema.table" in message
