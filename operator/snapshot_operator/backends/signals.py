"""Signaling-table channels: send a Debezium signal by inserting a row into the source database.

The channel
    Debezium's ``source`` signal channel treats an INSERT into the table that the
    connector's ``signal.data.collection`` names (``schema.table`` for PostgreSQL,
    ``database.table`` for MySQL and MariaDB) as a signal. UPDATEs are ignored, so every
    signal is a new row with its own id. Debezium reads the row's three columns by position
    as id, type and data, where data is a JSON string. This channel writes columns named
    ``id``, ``type`` and ``data``, as in Debezium's example table
    ``debezium_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data
    VARCHAR(2048) NULL)``. To stop an incremental snapshot the row has type
    ``stop-snapshot`` and data ``{"type": "incremental"}``, optionally with
    ``"data-collections"``. Without that list the whole incremental snapshot stops. A stop
    with ``"type": "blocking"`` is logged and does nothing. Sources, in the debezium/debezium
    repository: ``documentation/modules/ROOT/pages/configuration/signalling.adoc``,
    ``EventDispatcher`` (only ``Operation.CREATE`` rows of the signaling table are
    signals), ``CommonConnectorConfig.parseSignallingMessage`` (columns by position) and
    ``StopSnapshot.arrived`` (only the incremental case acts).

Versions and timing
    The ``stop-snapshot`` action exists from Debezium 2.0 (``STOP_SNAPSHOT_SIGNAL_SINCE`` in
    ``engine.families``, which the engine checks before it sends). Debezium handles the row
    in its streaming thread when the INSERT reaches the change log, so a signal is read only
    while the connector streams. A row inserted during an initial or blocking snapshot waits
    until streaming resumes.

Idempotency
    Signal ids are deterministic per resource, source and action (``signal_id``), so a retry
    or an operator restart finds the row it already wrote instead of sending a second
    signal. A replayed stop would also cancel a newer snapshot. ``send`` inserts with
    ``INSERT ... SELECT ... WHERE NOT EXISTS`` inside a transaction that first takes a lock
    on the signal id (``pg_advisory_xact_lock`` on PostgreSQL, ``GET_LOCK`` on MySQL and
    MariaDB). The lock matters because some signaling tables have no primary key, and then
    two concurrent senders could both see no row. A duplicate-key error from a writer that
    does not take the lock also counts as "already sent". The check needs SELECT as well as
    INSERT on the table. If someone deletes a sent row, a later send inserts it again,
    because the row is the only record of the earlier send.

Connection settings
    Host, port, database and TLS mode come from the connector's own config. The user and
    password come from it too, unless the operator's configuration maps credentials to the
    connector. Kafka Connect's config providers alone resolve ``${provider:path:key}``
    references, so the operator cannot use them. Certificate and trust-store files named
    in the connector config are paths on the Connect workers, so TLS verification here uses
    the operator's own trust store. PostgreSQL runs on psycopg 3's async connection.
    MySQL and MariaDB run on PyMySQL in a worker thread. Each call opens one connection and
    closes it, because the operator sends at most one signal per source.

Errors
    A server that cannot be reached now, a time-out and "too many connections" raise
    ``SignalChannelUnavailable``, which is retryable. Failed authentication, a missing
    table or column and a missing privilege raise ``SignalRejected``. Incomplete connection
    settings raise ``SignalChannelNotConfigured``. Messages name the connector, host:port and
    table but never the password. The driver's exception is not chained, because psycopg's
    exceptions carry the connection parameters, password included.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import hashlib
import json
import logging
import math
import re
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import psycopg
import pymysql  # type: ignore[import-untyped]
from psycopg import sql

from snapshot_operator.errors import (
    SignalChannelNotConfigured,
    SignalChannelUnavailable,
    SignalRejected,
)
from snapshot_operator.models.status import ConnectorFamily

logger = logging.getLogger(__name__)

CHANNEL: Final = "source"
"""Debezium's name for the signaling-table channel in ``signal.enabled.channels``."""

STOP_SNAPSHOT: Final = "stop-snapshot"
SIGNAL_ID_PREFIX: Final = "bss-"
SIGNAL_ID_MAX_LENGTH: Final = 42
"""The ``id`` width of the example table in Debezium's signalling documentation."""

SIGNAL_COLUMNS: Final = ("id", "type", "data")
APPLICATION_NAME: Final = "snapshot-operator"
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
DEFAULT_STATEMENT_TIMEOUT: Final = 30.0

SIGNAL_TABLE_FAMILIES: Final = frozenset(
    {ConnectorFamily.POSTGRES, ConnectorFamily.MYSQL, ConnectorFamily.MARIADB}
)
_DEFAULT_PORTS: Final = {
    ConnectorFamily.POSTGRES: 5432,
    ConnectorFamily.MYSQL: 3306,
    ConnectorFamily.MARIADB: 3306,
}

# TLS modes per connector config key. PostgreSQL takes libpq's names. The MySQL connector
# uses disabled/preferred/required/verify_ca/verify_identity and the MariaDB connector
# disable/trust/verify-ca/verify-full. Both binlog families accept either spelling here,
# because MariaDB was captured with the MySQL connector before Debezium 2.7.
_POSTGRES_SSL_MODES: Final = frozenset(
    {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
)
_MYSQL_SSL_MODES: Final = frozenset(
    {
        "disabled",
        "preferred",
        "required",
        "verify_ca",
        "verify_identity",
        "disable",
        "trust",
        "verify-ca",
        "verify-full",
    }
)
# Defaults of PostgresConnectorConfig and MySqlConnectorConfig (PREFER, PREFERRED) and of
# MariaDbConnectorConfig (DISABLE) in Debezium's source. Older PostgreSQL connectors
# defaulted to disable, and libpq's prefer falls back to plain text in that case.
_DEFAULT_SSL_MODES: Final = {
    ConnectorFamily.POSTGRES: "prefer",
    ConnectorFamily.MYSQL: "preferred",
    ConnectorFamily.MARIADB: "disable",
}

# Kafka's ConfigTransformer pattern for ${provider:[path:]key} references.
_CONFIG_REFERENCE = re.compile(r"\$\{[^}]*?:[^}]*\}")
_MAP_CREDENTIALS = (
    "Map signal credentials for this connector in the operator configuration "
    "(signal_credentials), or set the value directly in the connector config."
)


def signal_id(resource_uid: str, source_id: str, action: str = STOP_SNAPSHOT) -> str:
    """Derive the signal id for one action of one resource on one source.

    The same inputs always give the same id, 36 characters long, so a repeated attempt is
    recognised by the row it left. Raises ValueError for an empty part or one that contains
    a NUL character, which separates the parts in the hash input.
    """
    parts = (resource_uid, action, source_id)
    if not all(parts) or any("\0" in part for part in parts):
        raise ValueError(
            f"Cannot derive a signal id from resource uid {resource_uid!r}, action "
            f"{action!r} and source {source_id!r}: each must be non-empty and free of NUL."
        )
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    return SIGNAL_ID_PREFIX + digest[:32]


def stop_snapshot_data(data_collections: Sequence[str] | None = None) -> dict[str, Any]:
    """Build the ``data`` of a stop-snapshot signal for incremental snapshots.

    Without ``data_collections`` Debezium stops the whole incremental snapshot. Entries are
    regular expressions matched against fully qualified table names.
    """
    data: dict[str, Any] = {"type": "incremental"}
    if data_collections:
        data["data-collections"] = list(data_collections)
    return data


@dataclass(frozen=True)
class SendResult:
    """The outcome of ``SignalTableChannel.send``."""

    signal_id: str
    inserted: bool
    """False when a row with this id already existed, so nothing was written."""


@dataclass(frozen=True)
class DatabaseTarget:
    """Connection settings and credentials for writing one connector's signals."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str | None
    """The PostgreSQL database. None for MySQL and MariaDB, whose table names are qualified."""
    family: ConnectorFamily
    connector: str
    """The connector name, used in messages."""
    ssl_mode: str
    """The TLS mode in the connector's own spelling, such as ``prefer`` or ``verify_ca``."""

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @classmethod
    def from_connector_config(
        cls,
        family: ConnectorFamily | str,
        config: Mapping[str, str],
        override_user: str | None = None,
        override_password: str | None = None,
        *,
        connector: str,
    ) -> DatabaseTarget:
        """Read the connection settings of a connector's signaling table from its config.

        ``override_user`` and ``override_password`` come from the operator's configuration
        and replace ``database.user`` and ``database.password``. Host, port and database
        always come from the connector config. Raises ``SignalChannelNotConfigured`` when a
        setting is missing, invalid or an externalized reference. Messages name the keys, and
        the only value they show is an unknown TLS mode.
        """
        kind = _family_or_none(family)
        if kind is None or kind not in SIGNAL_TABLE_FAMILIES:
            raise SignalChannelNotConfigured(
                connector=connector,
                channel=CHANNEL,
                detail=f"signaling-table signals are not implemented for {family} connectors",
                remedy="Enable the Kafka signal channel on the connector instead.",
            )

        def value(key: str) -> str | None:
            raw = config.get(key)
            return raw if raw is not None and raw.strip() else None

        user = override_user or value("database.user")
        password = override_password if override_password else value("database.password")
        required = {
            "database.hostname": value("database.hostname"),
            "database.user": user,
            "database.password": password,
        }
        if kind is ConnectorFamily.POSTGRES:
            required["database.dbname"] = value("database.dbname")
        missing = [key for key, found in required.items() if found is None]
        if missing:
            raise SignalChannelNotConfigured(
                connector=connector,
                channel=CHANNEL,
                detail=f"the connector config has no {_join(missing)}",
                remedy=_MAP_CREDENTIALS,
            )

        ssl_key = "database.sslmode" if kind is ConnectorFamily.POSTGRES else "database.ssl.mode"
        used = {
            **required,
            "database.port": value("database.port"),
            ssl_key: value(ssl_key),
        }
        if override_user:
            used.pop("database.user")
        if override_password:
            used.pop("database.password")
        externalized = [
            key for key, found in used.items() if found and _CONFIG_REFERENCE.search(found)
        ]
        if externalized:
            raise SignalChannelNotConfigured(
                connector=connector,
                channel=CHANNEL,
                detail=(
                    f"the connector config sets {_join(externalized)} to "
                    + (
                        "an externalized ${...} reference"
                        if len(externalized) == 1
                        else "externalized ${...} references"
                    )
                    + ", which only Kafka Connect's config providers can resolve"
                ),
                remedy=_MAP_CREDENTIALS,
            )

        port = _parse_port(value("database.port"), _DEFAULT_PORTS[kind], connector)
        ssl_mode = _parse_ssl_mode(kind, ssl_key, value(ssl_key), connector)
        assert user is not None and password is not None
        host = required["database.hostname"]
        assert host is not None
        return cls(
            host=host.strip(),
            port=port,
            user=user,
            password=password,
            database=(required["database.dbname"] if kind is ConnectorFamily.POSTGRES else None),
            family=kind,
            connector=connector,
            ssl_mode=ssl_mode,
        )


def _family_or_none(family: ConnectorFamily | str) -> ConnectorFamily | None:
    try:
        return ConnectorFamily(family)
    except ValueError:
        return None


def _join(keys: Sequence[str]) -> str:
    return keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]


def _parse_port(text: str | None, default: int, connector: str) -> int:
    if text is None:
        return default
    try:
        port = int(text.strip())
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise SignalChannelNotConfigured(
            connector=connector,
            channel=CHANNEL,
            detail="database.port in the connector config is not a port number from 1 to 65535",
            remedy="Correct database.port on the connector.",
        )
    return port


def _parse_ssl_mode(family: ConnectorFamily, key: str, text: str | None, connector: str) -> str:
    if text is None:
        return _DEFAULT_SSL_MODES[family]
    mode = text.strip().lower()
    allowed = _POSTGRES_SSL_MODES if family is ConnectorFamily.POSTGRES else _MYSQL_SSL_MODES
    if mode not in allowed:
        raise SignalChannelNotConfigured(
            connector=connector,
            channel=CHANNEL,
            detail=f"{key} {text!r} in the connector config is not a TLS mode that Debezium knows",
            remedy=f"Set {key} to one of {', '.join(sorted(allowed))}.",
        )
    return mode


_LIBPQ_SERVER_PREFIX = re.compile(r'^connection to server (?:at|on socket) "[^"]*"[^:]*? failed: ')


def _driver_message(text: str, password: str) -> str:
    """Reduce a driver message to one line without the password."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    message = " ".join(lines[0].split()) if lines else "no message"
    message = message.removeprefix("connection failed: ")
    # libpq prefixes the host and port, which the caller's message already names.
    message = _LIBPQ_SERVER_PREFIX.sub("", message)
    if password:
        # NOTE: libpq and MySQL servers do not echo passwords. This guards against a
        # driver that does, at the cost of masking a user name equal to the password.
        message = message.replace(password, "[redacted]")
    return message


def _lock_digest(table_name: str, signal: str) -> bytes:
    return hashlib.sha256(f"{table_name}\0{signal}".encode()).digest()


class SignalTableChannel(abc.ABC):
    """A connector's signaling table, written with the connector's database credentials."""

    channel: Final = CHANNEL
    _namespace_kind = "schema"

    def __init__(
        self,
        target: DatabaseTarget,
        namespace: str,
        table: str,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    ) -> None:
        if not namespace or not table:
            raise ValueError(
                f"The signaling table needs both a {self._namespace_kind} and a table name, "
                f"but got {namespace!r} and {table!r}."
            )
        if connect_timeout <= 0 or statement_timeout <= 0:
            raise ValueError("connect_timeout and statement_timeout must be positive seconds.")
        self.target = target
        self.namespace = namespace
        self.table = table
        self.connect_timeout = connect_timeout
        self.statement_timeout = statement_timeout

    @property
    def table_name(self) -> str:
        """The table as ``signal.data.collection`` names it, for messages."""
        return f"{self.namespace}.{self.table}"

    def describe(self) -> str:
        """Return the table and server in words, for log lines and status messages."""
        return f"the signaling table {self.table_name} at {self.target.address}"

    @abc.abstractmethod
    async def send(self, signal_id: str, signal_type: str, data: Mapping[str, Any]) -> SendResult:
        """Insert one signal row unless a row with ``signal_id`` exists."""

    @abc.abstractmethod
    async def count(self, signal_id: str) -> int:
        """Count the rows whose id is ``signal_id``."""

    @abc.abstractmethod
    async def probe(self) -> None:
        """Connect and check that the table exists with the columns id, type and data."""

    def _unavailable(self, detail: str) -> SignalChannelUnavailable:
        return SignalChannelUnavailable(
            connector=self.target.connector, channel=CHANNEL, detail=detail
        )

    def _rejected(self, detail: str) -> SignalRejected:
        return SignalRejected(connector=self.target.connector, channel=CHANNEL, detail=detail)

    def _missing_columns(self, columns: set[str]) -> SignalRejected | None:
        missing = [name for name in SIGNAL_COLUMNS if name not in columns]
        if not missing:
            return None
        return self._rejected(
            f"the signaling table {self.table_name} at {self.target.address} has no column "
            f"{_join(missing)}. The operator writes the columns id, type and data, the names "
            "in Debezium's example signaling table"
        )

    @staticmethod
    def _encode(signal_id: str, data: Mapping[str, Any]) -> str:
        if not signal_id:
            raise ValueError("A signal id must not be empty.")
        return json.dumps(dict(data), separators=(",", ":"), sort_keys=True)


def signal_table_channel(
    target: DatabaseTarget,
    namespace: str,
    table: str,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> SignalTableChannel:
    """Create the channel that fits ``target.family``, without connecting yet.

    ``namespace`` is the schema for PostgreSQL and the database for MySQL and MariaDB, as
    split from ``signal.data.collection``.
    """
    channel_class: type[SignalTableChannel]
    if target.family is ConnectorFamily.POSTGRES:
        channel_class = PostgresSignalTable
    else:
        channel_class = MySqlSignalTable
    return channel_class(
        target,
        namespace,
        table,
        connect_timeout=connect_timeout,
        statement_timeout=statement_timeout,
    )


# SQLSTATEs of failures that may clear by themselves: connection exceptions (class 08),
# insufficient resources (53), a server shutdown or start (57P01-57P03), the statement
# time-out (57014), serialization failures, deadlocks and lock time-outs.
_PG_TRANSIENT_CLASSES: Final = frozenset({"08", "53"})
_PG_TRANSIENT_STATES: Final = frozenset(
    {"57P01", "57P02", "57P03", "57014", "40001", "40P01", "55P03"}
)
# libpq reports connection failures without a SQLSTATE. These phrases mark the ones that may
# clear by themselves: client-side network errors, and a server starting, stopping or full.
_PG_TRANSIENT_PHRASES: Final = (
    "connection refused",
    "timeout expired",
    "could not translate host name",
    "failed to resolve host",
    "network is unreachable",
    "no route to host",
    "connection reset",
    "server closed the connection unexpectedly",
    "could not receive data",
    "could not send data",
    "too many clients",
    "remaining connection slots are reserved",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "not yet accepting connections",
)


class PostgresSignalTable(SignalTableChannel):
    """The signaling table of a Debezium PostgreSQL connector, written with psycopg 3."""

    def __init__(
        self,
        target: DatabaseTarget,
        schema: str,
        table: str,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    ) -> None:
        if target.family is not ConnectorFamily.POSTGRES:
            raise ValueError(f"PostgresSignalTable needs a postgres target, not {target.family}.")
        super().__init__(
            target,
            schema,
            table,
            connect_timeout=connect_timeout,
            statement_timeout=statement_timeout,
        )
        self._relation = sql.Identifier(schema, table)

    async def send(self, signal_id: str, signal_type: str, data: Mapping[str, Any]) -> SendResult:
        payload = self._encode(signal_id, data)
        lock_key = int.from_bytes(_lock_digest(self.table_name, signal_id)[:8], signed=True)
        insert = sql.SQL(
            "INSERT INTO {table} (id, type, data) SELECT %s, %s, %s"
            " WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE id = %s)"
        ).format(table=self._relation)
        logger.debug(
            "Inserting signal %s (%s) into %s at %s for connector %s.",
            signal_id,
            signal_type,
            self.table_name,
            self.target.address,
            self.target.connector,
        )

        connection = await self._connect()
        try:
            async with connection.transaction():
                await self._limit_statements(connection)
                await connection.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key,))
                cursor = await connection.execute(
                    insert, (signal_id, signal_type, payload, signal_id)
                )
                inserted = cursor.rowcount == 1
        except psycopg.errors.UniqueViolation:
            # A writer that does not take the advisory lock inserted the same id first.
            inserted = False
        except psycopg.Error as error:
            raise self._query_error(error) from None
        finally:
            await connection.close()

        if not inserted:
            logger.debug("Signal %s was already in %s.", signal_id, self.table_name)
        return SendResult(signal_id=signal_id, inserted=inserted)

    async def count(self, signal_id: str) -> int:
        query = sql.SQL("SELECT count(*) FROM {table} WHERE id = %s").format(table=self._relation)
        connection = await self._connect()
        try:
            async with connection.transaction():
                await self._limit_statements(connection)
                cursor = await connection.execute(query, (signal_id,))
                row = await cursor.fetchone()
        except psycopg.Error as error:
            raise self._query_error(error) from None
        finally:
            await connection.close()
        return int(row[0]) if row is not None else 0

    async def probe(self) -> None:
        # The catalogs are readable by every role, so a missing privilege does not hide the
        # table the way it would in information_schema.
        relation = (
            "SELECT c.oid, has_table_privilege(c.oid, 'SELECT'),"
            " has_table_privilege(c.oid, 'INSERT')"
            " FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')"
        )
        columns = (
            "SELECT attname FROM pg_catalog.pg_attribute"
            " WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped"
        )
        connection = await self._connect()
        try:
            async with connection.transaction():
                await self._limit_statements(connection)
                cursor = await connection.execute(relation, (self.namespace, self.table))
                found = await cursor.fetchone()
                names: set[str] = set()
                if found is not None:
                    cursor = await connection.execute(columns, (found[0],))
                    names = {str(row[0]) for row in await cursor.fetchall()}
        except psycopg.Error as error:
            raise self._query_error(error) from None
        finally:
            await connection.close()

        if found is None:
            raise self._rejected(self._missing_table_detail())
        problem = self._missing_columns(names)
        if problem is not None:
            raise problem
        privileges = {"SELECT": found[1], "INSERT": found[2]}
        lacking = [name for name, granted in privileges.items() if not granted]
        if lacking:
            raise self._rejected(
                f"user {self.target.user!r} lacks the {_join(lacking)} privilege on "
                f"{self.table_name} at {self.target.address}. Grant SELECT and INSERT on it"
            )

    async def _connect(self) -> psycopg.AsyncConnection[tuple[Any, ...]]:
        target = self.target
        options: dict[str, Any] = {}
        if target.ssl_mode == "verify-full" and psycopg.pq.version() >= 160000:
            # libpq 16 reads the system trust store for sslrootcert=system, and allows it
            # only with verify-full. verify-ca keeps libpq's default root.crt location.
            options["sslrootcert"] = "system"
        try:
            return await psycopg.AsyncConnection.connect(
                host=target.host,
                port=target.port,
                user=target.user,
                password=target.password,
                dbname=target.database,
                sslmode=target.ssl_mode,
                # libpq takes whole seconds and treats values below 2 as 2.
                connect_timeout=max(2, math.ceil(self.connect_timeout)),
                application_name=APPLICATION_NAME,
                autocommit=True,
                **options,
            )
        except psycopg.Error as error:
            raise self._connect_error(error) from None

    async def _limit_statements(self, connection: psycopg.AsyncConnection[Any]) -> None:
        milliseconds = str(math.ceil(self.statement_timeout * 1000))
        await connection.execute(
            "SELECT set_config('statement_timeout', %s, true)", (milliseconds,)
        )

    def _connect_error(self, error: psycopg.Error) -> SignalChannelUnavailable | SignalRejected:
        message = _driver_message(str(error), self.target.password)
        lowered = message.lower()
        where = f"PostgreSQL at {self.target.address}"
        if isinstance(error, psycopg.errors.ConnectionTimeout) or any(
            phrase in lowered for phrase in _PG_TRANSIENT_PHRASES
        ):
            return self._unavailable(f"connecting to {where} failed: {message}")
        if "password authentication failed" in lowered or "no pg_hba.conf entry" in lowered:
            return self._rejected(
                f"{where} did not accept user {self.target.user!r} ({message}). Check the "
                "connector's database.user and database.password, or the signal credentials "
                "mapped to this connector in the operator configuration"
            )
        if "fatal" in lowered or "ssl" in lowered or "certificate" in lowered:
            # NOTE: servers with a translated lc_messages send other words than these.
            return self._rejected(f"{where} refused the connection: {message}")
        return self._unavailable(f"connecting to {where} failed: {message}")

    def _query_error(self, error: psycopg.Error) -> SignalChannelUnavailable | SignalRejected:
        state = error.sqlstate
        message = _driver_message(str(error), self.target.password)
        where = f"PostgreSQL at {self.target.address}"
        if state is None:
            return self._unavailable(
                f"the connection to {where} failed while using {self.table_name}: {message}"
            )
        if state[:2] in _PG_TRANSIENT_CLASSES or state in _PG_TRANSIENT_STATES:
            return self._unavailable(
                f"{where} could not complete the statement on {self.table_name} now: {message}"
            )
        if state in ("42P01", "3F000"):
            return self._rejected(self._missing_table_detail())
        if state == "42703":
            return self._rejected(
                f"the signaling table {self.table_name} at {self.target.address} lacks a "
                f"column ({message}). The operator writes the columns id, type and data"
            )
        if state == "42501":
            return self._rejected(
                f"user {self.target.user!r} may not use {self.table_name} at "
                f"{self.target.address} ({message}). Grant SELECT and INSERT on it"
            )
        if state == "25006":
            return self._rejected(
                f"{where} is read-only, as a standby is ({message}). Signals must be "
                "written on the primary server"
            )
        return self._rejected(f"{where} returned SQLSTATE {state} for {self.table_name}: {message}")

    def _missing_table_detail(self) -> str:
        return (
            f"the signaling table {self.table_name} does not exist in database "
            f"{self.target.database!r} at {self.target.address}. Create it with the columns "
            "id, type and data"
        )


# MySQL and MariaDB error numbers of failures that may clear by themselves. They are the
# client-side connection errors (2002-2013, 2055) and too many connections (1040, 1203).
# Also included are a user resource limit (1226), a server shutdown (1053), a killed
# connection (1927), lock wait time-outs and deadlocks (1205, 1213), and statement
# time-outs (3024 on MySQL, 1969 on MariaDB). 0 is PyMySQL's code for a broken connection.
_MYSQL_TRANSIENT_ERRORS: Final = frozenset(
    {0, 1040, 1053, 1203, 1205, 1213, 1226, 1927, 1969, 2002, 2003, 2005, 2006, 2013, 2055, 3024}
)
_MYSQL_ACCESS_DENIED: Final = frozenset({1044, 1045, 1698})
_MYSQL_DUPLICATE_KEY: Final = 1062


class MySqlSignalTable(SignalTableChannel):
    """The signaling table of a Debezium MySQL or MariaDB connector, written with PyMySQL.

    PyMySQL is synchronous, so every call runs in a worker thread. Its read and write
    time-outs bound each network wait, and cancelling the awaiting task does not stop a
    call that already runs in its thread.
    """

    _namespace_kind = "database"

    def __init__(
        self,
        target: DatabaseTarget,
        database: str,
        table: str,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    ) -> None:
        if target.family not in (ConnectorFamily.MYSQL, ConnectorFamily.MARIADB):
            raise ValueError(
                f"MySqlSignalTable needs a mysql or mariadb target, not {target.family}."
            )
        super().__init__(
            target,
            database,
            table,
            connect_timeout=connect_timeout,
            statement_timeout=statement_timeout,
        )
        self._relation = f"{_backtick(database)}.{_backtick(table)}"

    async def send(self, signal_id: str, signal_type: str, data: Mapping[str, Any]) -> SendResult:
        payload = self._encode(signal_id, data)
        logger.debug(
            "Inserting signal %s (%s) into %s at %s for connector %s.",
            signal_id,
            signal_type,
            self.table_name,
            self.target.address,
            self.target.connector,
        )
        inserted = await asyncio.to_thread(self._send_blocking, signal_id, signal_type, payload)
        if not inserted:
            logger.debug("Signal %s was already in %s.", signal_id, self.table_name)
        return SendResult(signal_id=signal_id, inserted=inserted)

    async def count(self, signal_id: str) -> int:
        return await asyncio.to_thread(self._count_blocking, signal_id)

    async def probe(self) -> None:
        await asyncio.to_thread(self._probe_blocking)

    def _send_blocking(self, signal_id: str, signal_type: str, payload: str) -> bool:
        # GET_LOCK names are at most 64 characters, so the lock is named by a digest.
        lock_name = "snapshot-operator:" + _lock_digest(self.table_name, signal_id).hex()[:40]
        insert = (
            f"INSERT INTO {self._relation} (`id`, `type`, `data`) SELECT %s, %s, %s FROM DUAL"
            f" WHERE NOT EXISTS (SELECT 1 FROM {self._relation} WHERE `id` = %s)"
        )
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                lock_seconds = max(1, math.ceil(self.statement_timeout))
                cursor.execute("SELECT GET_LOCK(%s, %s)", (lock_name, lock_seconds))
                locked = cursor.fetchone()
                if locked is None or locked[0] != 1:
                    raise self._unavailable(
                        f"waiting for the lock on signal {signal_id} in {self.table_name} at "
                        f"{self.target.address} timed out after {lock_seconds} s, because "
                        "another writer holds it"
                    )
                connection.begin()
                try:
                    cursor.execute(insert, (signal_id, signal_type, payload, signal_id))
                    inserted = bool(cursor.rowcount == 1)
                    connection.commit()
                except pymysql.err.IntegrityError as error:
                    if error.args[0] != _MYSQL_DUPLICATE_KEY:
                        raise
                    # A writer that does not take the lock inserted the same id first.
                    connection.rollback()
                    inserted = False
                # Closing the connection would release the lock too.
                cursor.execute("SELECT RELEASE_LOCK(%s)", (lock_name,))
        except pymysql.err.Error as error:
            raise self._error(error) from None
        finally:
            _close_quietly(connection)
        return inserted

    def _count_blocking(self, signal_id: str) -> int:
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {self._relation} WHERE `id` = %s", (signal_id,)
                )
                row = cursor.fetchone()
        except pymysql.err.Error as error:
            raise self._error(error) from None
        finally:
            _close_quietly(connection)
        return int(row[0]) if row is not None else 0

    def _probe_blocking(self) -> None:
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
                    " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                    (self.namespace, self.table),
                )
                names = {str(row[0]).lower() for row in cursor.fetchall()}
                if not names:
                    # information_schema hides tables the user has no privilege on.
                    raise self._rejected(
                        f"the signaling table {self.table_name} at {self.target.address} "
                        f"does not exist, or user {self.target.user!r} has no privilege on it. "
                        "Create it with the columns id, type and data, and grant SELECT and "
                        "INSERT on it"
                    )
                problem = self._missing_columns(names)
                if problem is not None:
                    raise problem
                # NOTE: only the SELECT privilege is checked here, because INSERT may be
                # granted globally, per database, per table or through a role.
                cursor.execute(f"SELECT `id`, `type`, `data` FROM {self._relation} WHERE 1 = 0")
        except pymysql.err.Error as error:
            raise self._error(error) from None
        finally:
            _close_quietly(connection)

    def _connect(self) -> Any:
        target = self.target
        try:
            return pymysql.connect(
                host=target.host,
                port=target.port,
                user=target.user,
                password=target.password,
                connect_timeout=self.connect_timeout,
                read_timeout=self.statement_timeout,
                write_timeout=self.statement_timeout,
                autocommit=False,
                charset="utf8mb4",
                program_name=APPLICATION_NAME,
                **_mysql_tls_options(target.ssl_mode),
            )
        except pymysql.err.Error as error:
            raise self._error(error) from None

    def _error(self, error: Any) -> SignalChannelUnavailable | SignalRejected:
        code = error.args[0] if error.args and isinstance(error.args[0], int) else 0
        text = str(error.args[1]) if len(error.args) > 1 else str(error)
        message = _driver_message(text, self.target.password)
        where = f"{self._server_kind} at {self.target.address}"
        if code in _MYSQL_TRANSIENT_ERRORS:
            return self._unavailable(
                f"the request to {where} for {self.table_name} failed: {message}"
            )
        if code in _MYSQL_ACCESS_DENIED:
            return self._rejected(
                f"{where} did not accept user {self.target.user!r} ({message}). Check the "
                "connector's database.user and database.password, or the signal credentials "
                "mapped to this connector in the operator configuration"
            )
        if code in (1146, 1049):
            return self._rejected(
                f"the signaling table {self.table_name} does not exist at "
                f"{self.target.address} ({message}). Create it with the columns id, type "
                "and data"
            )
        if code == 1054:
            return self._rejected(
                f"the signaling table {self.table_name} at {self.target.address} lacks a "
                f"column ({message}). The operator writes the columns id, type and data"
            )
        if code in (1142, 1143):
            return self._rejected(
                f"user {self.target.user!r} may not use {self.table_name} at "
                f"{self.target.address} ({message}). Grant SELECT and INSERT on it"
            )
        return self._rejected(f"{where} returned error {code} for {self.table_name}: {message}")

    @property
    def _server_kind(self) -> str:
        return "MariaDB" if self.target.family is ConnectorFamily.MARIADB else "MySQL"


def _backtick(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _close_quietly(connection: Any) -> None:
    # A connection that is already closed or broken raises, and the server frees it anyway.
    with contextlib.suppress(pymysql.err.Error):
        connection.close()


def _mysql_tls_options(mode: str) -> dict[str, Any]:
    """Translate a Debezium MySQL or MariaDB TLS mode into PyMySQL connect arguments."""
    if mode in ("disabled", "disable"):
        return {"ssl_disabled": True}
    if mode == "preferred":
        # PyMySQL 1.2 tries TLS without verification and falls back to plain text when the
        # server does not offer TLS, as MySQL's own "preferred" mode does.
        return {}
    context = ssl.create_default_context()
    if mode in ("required", "trust"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif mode in ("verify_ca", "verify-ca"):
        context.check_hostname = False
    # A context passed as ssl makes PyMySQL fail when the server does not offer TLS.
    return {"ssl": context}
