"""Choose the signal channel for one connector, from the connector's own configuration.

Debezium reads ``stop-snapshot`` from the channels listed in ``signal.enabled.channels``. Its
code default is ``source``, the signaling table named by ``signal.data.collection``, although
the documentation gives ``source,kafka`` (``CommonConnectorConfig.SIGNAL_ENABLED_CHANNELS``,
Debezium 3.x). The operator uses the signaling table. It signs in with the connector's own
database credentials, or with a Secret that the operator configuration maps to the connector.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from snapshot_operator.backends.signals import (
    DatabaseTarget,
    SignalTableChannel,
    signal_table_channel,
)
from snapshot_operator.engine.families import split_signal_collection
from snapshot_operator.errors import SignalChannelNotConfigured
from snapshot_operator.models.status import ConnectorFamily

SOURCE_CHANNEL = "source"
DEFAULT_ENABLED_CHANNELS = "source"


@dataclass(frozen=True)
class DatabaseCredentials:
    """A user name and password that replace the ones in a connector's configuration."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"DatabaseCredentials(username={self.username!r}, password=<hidden>)"


CredentialsLookup = Callable[[str], Awaitable[DatabaseCredentials | None]]
"""Return the mapped credentials for a connector name, or None where none are mapped."""


class NoSignalChannel(Exception):
    """The connector has no signal channel that the operator can write to."""


def signal_collection(config: Mapping[str, str]) -> str:
    """Return the connector's signaling table, or raise NoSignalChannel saying what to set."""
    enabled = config.get("signal.enabled.channels", DEFAULT_ENABLED_CHANNELS)
    channels = {channel.strip() for channel in enabled.split(",") if channel.strip()}
    if SOURCE_CHANNEL not in channels:
        raise NoSignalChannel(
            f"signal.enabled.channels is {enabled!r}, which does not include the source channel. "
            "Add 'source' and set signal.data.collection so the operator can send stop-snapshot."
        )
    collection = config.get("signal.data.collection", "").strip()
    if not collection:
        raise NoSignalChannel(
            "signal.data.collection is not set, so the connector reads no signaling table. "
            "Set it to a table with the columns id, type and data."
        )
    return collection


def open_signal_table(
    family: ConnectorFamily,
    connector: str,
    config: Mapping[str, str],
    credentials: DatabaseCredentials | None,
) -> SignalTableChannel:
    """Build the signaling-table channel of a connector, without connecting yet.

    Raises NoSignalChannel when the connector's configuration gives no usable channel.
    """
    collection = signal_collection(config)
    if family not in (ConnectorFamily.POSTGRES, ConnectorFamily.MYSQL, ConnectorFamily.MARIADB):
        raise NoSignalChannel(
            "the operator writes PostgreSQL, MySQL and MariaDB signaling tables, "
            f"not {family.value} ones. "
            f"Insert the stop-snapshot signal into {collection} by hand."
        )
    try:
        parts = split_signal_collection(family, collection)
        target = DatabaseTarget.from_connector_config(
            family,
            config,
            override_user=credentials.username if credentials else None,
            override_password=credentials.password if credentials else None,
            connector=connector,
        )
    except (ValueError, SignalChannelNotConfigured) as error:
        raise NoSignalChannel(str(error)) from None
    # A two-part name is schema.table on PostgreSQL and database.table on MySQL and MariaDB.
    return signal_table_channel(target, parts[-2], parts[-1])
