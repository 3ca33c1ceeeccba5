"""Signal ids, connection targets and the base class of signaling-table channels."""

from __future__ import annotations

import abc
import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

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
                detail=f"the connector config has no {join_keys(missing)}",
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
                    f"the connector config sets {join_keys(externalized)} to "
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


def join_keys(keys: Sequence[str]) -> str:
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


def driver_message(text: str, password: str) -> str:
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


def lock_digest(table_name: str, signal: str) -> bytes:
    return hashlib.sha256(f"{table_name}\0{signal}".encode()).digest()


class SignalTableChannel(abc.ABC):
    """A connector's signaling table, written with the connector's database credentials."""

    channel: Final = CHANNEL
    families: ClassVar[frozenset[ConnectorFamily]] = frozenset()
    """The connector families whose databases this class writes to."""
    family_label: ClassVar[str] = ""
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
        if target.family not in self.families:
            raise ValueError(
                f"{type(self).__name__} needs a {self.family_label} target, not {target.family}."
            )
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
            f"{join_keys(missing)}. The operator writes the columns id, type and data, the names "
            "in Debezium's example signaling table"
        )

    @staticmethod
    def _encode(signal_id: str, data: Mapping[str, Any]) -> str:
        if not signal_id:
            raise ValueError("A signal id must not be empty.")
        return json.dumps(dict(data), separators=(",", ":"), sort_keys=True)
