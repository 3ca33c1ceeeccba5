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

from snapshot_operator.backends.signals.base import (
    APPLICATION_NAME,
    CHANNEL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
    SIGNAL_COLUMNS,
    SIGNAL_ID_MAX_LENGTH,
    SIGNAL_ID_PREFIX,
    SIGNAL_TABLE_FAMILIES,
    STOP_SNAPSHOT,
    DatabaseTarget,
    SendResult,
    SignalTableChannel,
    signal_id,
    stop_snapshot_data,
)
from snapshot_operator.backends.signals.mysql import MySqlSignalTable
from snapshot_operator.backends.signals.postgres import PostgresSignalTable
from snapshot_operator.models.status import ConnectorFamily


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


__all__ = [
    "APPLICATION_NAME",
    "CHANNEL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_STATEMENT_TIMEOUT",
    "SIGNAL_COLUMNS",
    "SIGNAL_ID_MAX_LENGTH",
    "SIGNAL_ID_PREFIX",
    "SIGNAL_TABLE_FAMILIES",
    "STOP_SNAPSHOT",
    "DatabaseTarget",
    "MySqlSignalTable",
    "PostgresSignalTable",
    "SendResult",
    "SignalTableChannel",
    "signal_id",
    "signal_table_channel",
    "stop_snapshot_data",
]
