"""Connector families, Debezium versions and the version bands that change snapshot handling.

Kafka Connect names a connector's plugin by its Java class (``connector.class``) and reports
the plugin version in ``GET /connector-plugins`` as ``{class, type, version}``. Debezium
versions read ``MAJOR.MINOR.PATCH.QUALIFIER``, where the qualifier is ``Alpha<n>``,
``Beta<n>``, ``CR<n>`` or ``Final``. Vendor builds append a suffix such as
``2.7.3.Final-redhat-00001`` and development builds read ``3.1.0-SNAPSHOT``.

The bands below come from the Debezium source tree and its CHANGELOG.md:

- ``stop-snapshot`` signal: 2.0.0.Alpha2.
- Blocking snapshots (``execute-snapshot`` with ``type: blocking``): 2.4.0.Alpha2.
- The ``snapshot`` offset key contains the snapshot type as a string (``INITIAL``, ``BLOCKING``,
  ``INCREMENTAL``) from 3.0.2.Final ("Improve blocking snapshot reliability in case of
  restart"). Before that it is boolean ``true`` for initial and blocking snapshots alike, so a
  restart during a blocking snapshot looks like an interrupted initial snapshot and the
  connector snapshots every captured table again.
- From 3.0.2 a restart during a blocking snapshot of a relational connector skips the rest of
  the snapshot and resumes streaming (``CommonOffsetContext.isInitialSnapshotRunning`` is true
  only for ``INITIAL``). Until 3.3.0.Beta1 the position it resumes from may be wrong, which
  can lose changes ("Data loss occurs when connector restarts after failed ad-hoc blocking
  snapshot").
- MongoDB writes ``initsync: true`` for initial and blocking snapshots in every version, so a
  restart there always looks like an interrupted initial snapshot.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from snapshot_operator.models.status import ConnectorFamily

CONNECTOR_CLASS_FAMILIES: Mapping[str, ConnectorFamily] = {
    "io.debezium.connector.postgresql.PostgresConnector": ConnectorFamily.POSTGRES,
    # Before the MariaDB connector existed, MariaDB was captured with the MySQL connector.
    # Both write the same binlog offsets.
    "io.debezium.connector.mysql.MySqlConnector": ConnectorFamily.MYSQL,
    "io.debezium.connector.mariadb.MariaDbConnector": ConnectorFamily.MARIADB,
    "io.debezium.connector.sqlserver.SqlServerConnector": ConnectorFamily.SQLSERVER,
    "io.debezium.connector.oracle.OracleConnector": ConnectorFamily.ORACLE,
    # Replica-set and sharded clusters use the same class, because the mode is an option.
    "io.debezium.connector.mongodb.MongoDbConnector": ConnectorFamily.MONGODB,
    "io.debezium.connector.db2.Db2Connector": ConnectorFamily.DB2,
    "io.debezium.connector.informix.InformixConnector": ConnectorFamily.INFORMIX,
}
"""Known Debezium source connector classes. Other Debezium sources (Vitess, Spanner, forks
such as YugabyteDB's) map to ``other``, because their offsets were not checked."""

RELATIONAL_FAMILIES = frozenset(
    {
        ConnectorFamily.POSTGRES,
        ConnectorFamily.MYSQL,
        ConnectorFamily.MARIADB,
        ConnectorFamily.SQLSERVER,
        ConnectorFamily.ORACLE,
        ConnectorFamily.DB2,
        ConnectorFamily.INFORMIX,
    }
)
"""Families whose offset context derives from Debezium's ``CommonOffsetContext``."""

_DEBEZIUM_PACKAGE = "io.debezium."


def family_of(connector_class: str) -> ConnectorFamily:
    """Return the family of a connector class, or ``other`` for a class not listed above."""
    return CONNECTOR_CLASS_FAMILIES.get(connector_class.strip(), ConnectorFamily.OTHER)


def is_debezium_source(connector_class: str, connector_type: str | None) -> bool:
    """Return whether a connector runs a Debezium source plugin.

    ``connector_type`` is the ``type`` Kafka Connect reports (``source``, ``sink`` or
    ``unknown`` when the worker cannot load the plugin). Without a usable type, any
    ``io.debezium.`` class counts unless its name ends in ``SinkConnector``.
    """
    name = connector_class.strip()
    if not name.startswith(_DEBEZIUM_PACKAGE):
        return False
    kind = (connector_type or "").strip().lower()
    if kind == "sink":
        return False
    if kind == "source":
        return True
    return not name.endswith("SinkConnector")


class _Qualifier(enum.IntEnum):
    """Release qualifiers in release order. ``SNAPSHOT`` builds precede every release."""

    SNAPSHOT = 0
    ALPHA = 1
    BETA = 2
    CR = 3
    FINAL = 4


_QUALIFIER_SPELLING = {
    "snapshot": (_Qualifier.SNAPSHOT, "SNAPSHOT"),
    "alpha": (_Qualifier.ALPHA, "Alpha"),
    "beta": (_Qualifier.BETA, "Beta"),
    "cr": (_Qualifier.CR, "CR"),
    "final": (_Qualifier.FINAL, "Final"),
}

_VERSION_PATTERN = re.compile(
    r"""
    ^\s*(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?
    (?:[.-](?P<word>[A-Za-z]+)(?P<number>\d*))?
    (?P<suffix>-[A-Za-z0-9.-]*)?\s*$
    """,
    re.VERBOSE,
)


@functools.total_ordering
@dataclass(frozen=True, eq=False)
class DebeziumVersion:
    """A parsed Debezium version such as ``3.0.2.Final``, ordered as Debezium releases.

    ``qualifier`` is ``Alpha2``, ``Beta1``, ``CR1``, ``Final``, ``SNAPSHOT`` or empty when the
    version string had none. An empty qualifier orders as ``Final``.
    """

    major: int
    minor: int
    patch: int
    qualifier: str = "Final"

    def _sort_key(self) -> tuple[int, int, int, int, int]:
        rank, number = _qualifier_rank(self.qualifier)
        return (self.major, self.minor, self.patch, rank, number)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DebeziumVersion):
            return NotImplemented
        return self._sort_key() == other._sort_key()

    def __lt__(self, other: DebeziumVersion) -> bool:
        return self._sort_key() < other._sort_key()

    def __hash__(self) -> int:
        return hash(self._sort_key())

    def __str__(self) -> str:
        base = f"{self.major}.{self.minor}.{self.patch}"
        if not self.qualifier:
            return base
        if self.qualifier == "SNAPSHOT":
            return f"{base}-SNAPSHOT"
        return f"{base}.{self.qualifier}"


def _qualifier_rank(qualifier: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Za-z]*)(\d*)", qualifier)
    if match is None or not match.group(1):
        return (_Qualifier.FINAL, 0)
    rank, _ = _QUALIFIER_SPELLING.get(match.group(1).lower(), (_Qualifier.FINAL, ""))
    return (rank, int(match.group(2) or 0))


def parse_debezium_version(text: str | None) -> DebeziumVersion | None:
    """Parse a version string such as ``3.6.1.Final``, or return None when it is not one.

    Kafka Connect reports ``undefined`` for a plugin without a version, and that, an empty
    string or an unknown qualifier word all give None.
    """
    if text is None:
        return None
    match = _VERSION_PATTERN.match(text)
    if match is None:
        return None

    qualifier = ""
    word = match.group("word")
    if word is not None:
        spelling = _QUALIFIER_SPELLING.get(word.lower())
        if spelling is None:
            return None
        qualifier = spelling[1] + match.group("number")

    return DebeziumVersion(
        major=int(match.group("major")),
        minor=int(match.group("minor")),
        patch=int(match.group("patch") or 0),
        qualifier=qualifier,
    )


STOP_SNAPSHOT_SIGNAL_SINCE = DebeziumVersion(2, 0, 0, "Alpha2")
BLOCKING_SNAPSHOT_SINCE = DebeziumVersion(2, 4, 0, "Alpha2")
SNAPSHOT_TYPE_OFFSETS_SINCE = DebeziumVersion(3, 0, 2, "Final")
BLOCKING_RESTART_KEEPS_POSITION_SINCE = DebeziumVersion(3, 3, 0, "Beta1")


def supports_stop_snapshot_signal(version: DebeziumVersion | None) -> bool:
    """Return whether the ``stop-snapshot`` signal exists, and False for an unknown version."""
    return version is not None and version >= STOP_SNAPSHOT_SIGNAL_SINCE


def supports_blocking_snapshot(version: DebeziumVersion | None) -> bool:
    """Return whether blocking snapshots exist, and False for an unknown version."""
    return version is not None and version >= BLOCKING_SNAPSHOT_SINCE


def writes_snapshot_type_offsets(version: DebeziumVersion | None) -> bool:
    """Return whether the ``snapshot`` offset key names the snapshot type.

    False when the version is unknown. Offsets written before an upgrade keep the older form
    until the connector commits new ones, so callers still read the value itself.
    """
    return version is not None and version >= SNAPSHOT_TYPE_OFFSETS_SINCE


def restart_abandons_blocking_snapshot(
    family: ConnectorFamily, version: DebeziumVersion | None
) -> bool:
    """Return whether a task restart ends a blocking snapshot and resumes streaming.

    True only for relational families from 3.0.2.Final. Earlier versions, MongoDB in every
    version and unmodelled families would start a full snapshot instead. False when the
    version is unknown.
    """
    if family not in RELATIONAL_FAMILIES:
        return False
    return version is not None and version >= SNAPSHOT_TYPE_OFFSETS_SINCE


def blocking_restart_keeps_position(version: DebeziumVersion | None) -> bool:
    """Return whether streaming resumes, after a restart during a blocking snapshot, from the
    position streaming had reached when that snapshot began.

    Before 3.3.0.Beta1 the stored position could be a later one, so changes made while the
    blocking snapshot ran could be skipped. False when the version is unknown.
    """
    return version is not None and version >= BLOCKING_RESTART_KEEPS_POSITION_SINCE


SIGNAL_COLLECTION_PARTS: Mapping[ConnectorFamily, tuple[str, ...]] = {
    ConnectorFamily.POSTGRES: ("schema", "table"),
    ConnectorFamily.MYSQL: ("database", "table"),
    ConnectorFamily.MARIADB: ("database", "table"),
    ConnectorFamily.SQLSERVER: ("database", "schema", "table"),
    ConnectorFamily.ORACLE: ("database", "schema", "table"),
    ConnectorFamily.DB2: ("schema", "table"),
    ConnectorFamily.MONGODB: ("database", "collection"),
}
"""Parts of ``signal.data.collection`` per family, from Debezium's signalling documentation.

NOTE: Informix has no entry, because its format is not confirmed.
"""


def signal_collection_format(family: ConnectorFamily) -> str | None:
    """Return the expected form of ``signal.data.collection``, such as ``schema.table``."""
    parts = SIGNAL_COLLECTION_PARTS.get(family)
    return ".".join(parts) if parts is not None else None


def split_signal_collection(family: ConnectorFamily, name: str) -> tuple[str, ...]:
    """Split a ``signal.data.collection`` value into the parts its family expects.

    A relational part that contains a dot is quoted with double quotes or backticks, as in
    ``db1.public."My.Table"``, and a doubled quote inside it is one literal quote. A MongoDB
    collection name may itself contain dots, so only the first dot ends the database name.
    Raises ValueError when the family has no known format or the part count is wrong.
    """
    expected = SIGNAL_COLLECTION_PARTS.get(family)
    if expected is None:
        raise ValueError(
            f"The signaling collection format of {family.value} connectors is not known, "
            f"so {name!r} cannot be used to send a signal. Use the Kafka signal channel instead."
        )

    if family is ConnectorFamily.MONGODB:
        database, dot, collection = name.partition(".")
        parts: tuple[str, ...] = (database, collection) if dot else (name,)
    else:
        parts = _split_quoted_name(name)

    if len(parts) != len(expected) or not all(parts):
        raise ValueError(
            f"The signal.data.collection value {name!r} is not in the form "
            f"{'.'.join(expected)} that {family.value} connectors expect. "
            "Set it to the fully qualified name of the signaling table."
        )
    return parts


def _split_quoted_name(name: str) -> tuple[str, ...]:
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(name):
        char = name[index]
        if quote is not None:
            if char == quote and name[index + 1 : index + 2] == quote:
                current.append(char)
                index += 1
            elif char == quote:
                quote = None
            else:
                current.append(char)
        elif char in '"`':
            quote = char
        elif char == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    if quote is not None:
        raise ValueError(
            f"The signal.data.collection value {name!r} has an unclosed {quote} quote. "
            "Close the quote around the part that contains a dot."
        )
    parts.append("".join(current))
    return tuple(parts)
