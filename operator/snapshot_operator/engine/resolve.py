"""Turn a resource's selection into the list of connector names to work on.

``ids`` are taken as given, in order and without a Kafka Connect call: a name that does not
exist becomes a ``NotFound`` result in its own step. ``selectAll`` lists the cluster's
connectors with their configuration (``GET /connectors?expand=info&expand=status``, Kafka
Connect 2.3+) and keeps the Debezium source connectors, narrowed by the filters:

- ``sourceId`` keeps that connector only;
- ``destinationId`` names a sink connector and keeps the sources that write a topic it reads,
  both sides taken from ``GET /connectors/{name}/topics`` (the topics a connector has used since
  its topic tracking began, KIP-558, Kafka Connect 2.5+).
"""

from __future__ import annotations

from snapshot_operator.backends.connect import ConnectClient
from snapshot_operator.engine.families import is_debezium_source
from snapshot_operator.errors import ConnectorNotFound, SnapshotOperatorError
from snapshot_operator.models.spec import BulkStopSnapshotSpec, is_valid_connector_name


class SelectionError(SnapshotOperatorError):
    """The selection of a resource cannot be resolved; the whole run fails with this message."""


async def resolve_targets(spec: BulkStopSnapshotSpec, client: ConnectClient) -> list[str]:
    """Return the connector names the resource selects, in a stable order."""
    if spec.ids:
        return list(spec.ids)

    overview = await client.list_connectors_expanded()
    sources = sorted(
        name
        for name, entry in overview.items()
        if is_valid_connector_name(name)
        and is_debezium_source(entry.info.config.get("connector.class", ""), entry.info.type)
    )
    filters = spec.filters
    if filters is None:
        return sources

    if filters.source_id is not None:
        sources = [name for name in sources if name == filters.source_id]
    if filters.destination_id is not None:
        sources = await _feeding(client, sources, filters.destination_id)
    return sources


async def _feeding(client: ConnectClient, sources: list[str], sink: str) -> list[str]:
    """Return the sources that wrote at least one topic the sink connector has read."""
    try:
        sink_info = await client.get_connector_info(sink)
    except ConnectorNotFound as error:
        raise SelectionError(
            f"filters.destinationId names {sink!r}, but no such connector exists on the Kafka "
            f"Connect cluster {client.cluster!r}. Use the name of a sink connector."
        ) from error
    if sink_info.type is not None and sink_info.type != "sink":
        raise SelectionError(
            f"filters.destinationId names {sink!r}, which is a {sink_info.type} connector, not a "
            "sink. Use the name of the sink connector that reads the sources' topics."
        )
    sink_topics = set(await client.get_topics(sink))
    selected = []
    for name in sources:
        try:
            topics = set(await client.get_topics(name))
        except ConnectorNotFound:
            continue  # Deleted since the listing: it feeds nothing now.
        if sink_topics & topics:
            selected.append(name)
    return selected
