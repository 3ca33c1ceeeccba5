"""Turning a spec's selection into connector names, on a simulated Kafka Connect."""

from __future__ import annotations

import pytest

from snapshot_operator.engine.resolve import SelectionError, resolve_targets
from snapshot_operator.models.spec import BulkStopSnapshotSpec, Filters
from tests.support.connect_simulation import (
    JDBC_SINK_CLASS,
    MYSQL_CLASS,
    PG_CLASS,
    SimulatedConnect,
    postgres_config,
)

ORDERS_TOPIC = "orders.public.orders"
ITEMS_TOPIC = "inventory.inventory.items"
INVOICES_TOPIC = "billing.public.invoices"


@pytest.fixture
def sim() -> SimulatedConnect:
    sim = SimulatedConnect(plugins={PG_CLASS: "3.6.1.Final", MYSQL_CLASS: "3.6.1.Final"})
    sim.add("orders-pg", postgres_config("orders"), topics=[ORDERS_TOPIC])
    sim.add("billing-pg", postgres_config("billing"), topics=[INVOICES_TOPIC])
    sim.add(
        "inventory-mysql",
        {"connector.class": MYSQL_CLASS, "topic.prefix": "inventory"},
        topics=[ITEMS_TOPIC],
    )
    sim.add(
        "warehouse-sink",
        {"connector.class": JDBC_SINK_CLASS, "topics": f"{ORDERS_TOPIC},{ITEMS_TOPIC}"},
        type="sink",
        topics=[ORDERS_TOPIC, ITEMS_TOPIC],
    )
    sim.add(
        "legacy-jdbc",
        {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector"},
        topics=[ORDERS_TOPIC],
    )
    sim.add(
        "mirror",
        {"connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector"},
        topics=[INVOICES_TOPIC],
    )
    return sim


async def resolve(sim: SimulatedConnect, spec: BulkStopSnapshotSpec) -> list[str]:
    async with sim.client() as client:
        return await resolve_targets(spec, client)


async def test_ids_pass_through_without_request(sim: SimulatedConnect) -> None:
    ids = ["zeta-pg", "orders-pg", "no-such-connector", "warehouse-sink"]

    targets = await resolve(sim, BulkStopSnapshotSpec(ids=ids))

    assert targets == ids
    assert sim.requests == []


async def test_select_all_keeps_debezium_sources(sim: SimulatedConnect) -> None:
    targets = await resolve(sim, BulkStopSnapshotSpec(select_all=True))

    assert targets == ["billing-pg", "inventory-mysql", "orders-pg"]
    assert [(r.path, r.query) for r in sim.requests] == [
        ("/connectors", (("expand", "info"), ("expand", "status")))
    ]


async def test_select_all_source_filter(sim: SimulatedConnect) -> None:
    spec = BulkStopSnapshotSpec(select_all=True, filters=Filters(source_id="billing-pg"))

    assert await resolve(sim, spec) == ["billing-pg"]


async def test_source_filter_naming_non_debezium_selects_nothing(sim: SimulatedConnect) -> None:
    spec = BulkStopSnapshotSpec(select_all=True, filters=Filters(source_id="legacy-jdbc"))

    assert await resolve(sim, spec) == []


async def test_destination_filter_intersects_topics(sim: SimulatedConnect) -> None:
    spec = BulkStopSnapshotSpec(select_all=True, filters=Filters(destination_id="warehouse-sink"))

    targets = await resolve(sim, spec)

    assert targets == ["inventory-mysql", "orders-pg"]
    topic_requests = sorted(r.path for r in sim.requests if r.path.endswith("/topics"))
    assert topic_requests == [
        "/connectors/billing-pg/topics",
        "/connectors/inventory-mysql/topics",
        "/connectors/orders-pg/topics",
        "/connectors/warehouse-sink/topics",
    ]


async def test_both_filters_combine(sim: SimulatedConnect) -> None:
    filters = Filters(source_id="billing-pg", destination_id="warehouse-sink")

    assert await resolve(sim, BulkStopSnapshotSpec(select_all=True, filters=filters)) == []


async def test_destination_filter_missing_connector(sim: SimulatedConnect) -> None:
    spec = BulkStopSnapshotSpec(select_all=True, filters=Filters(destination_id="lake-sink"))

    with pytest.raises(SelectionError) as caught:
        await resolve(sim, spec)

    message = str(caught.value)
    assert "filters.destinationId names 'lake-sink'" in message
    assert "no such connector exists" in message
    assert "'simulated'" in message
    assert "Use the name of a sink connector." in message


async def test_destination_filter_naming_source(sim: SimulatedConnect) -> None:
    spec = BulkStopSnapshotSpec(select_all=True, filters=Filters(destination_id="orders-pg"))

    with pytest.raises(SelectionError) as caught:
        await resolve(sim, spec)

    message = str(caught.value)
    assert "filters.destinationId names 'orders-pg'" in message
    assert "which is a source connector, not a sink" in message


async def test_destination_filter_skips_deleted_source(sim: SimulatedConnect) -> None:
    sim.connectors["billing-pg"].deleted_after_listing = True
    spec = BulkStopSnapshotSpec(select_all=True, filters=Filters(destination_id="warehouse-sink"))

    targets = await resolve(sim, spec)

    assert "orders-pg" in targets
    assert "inventory-mysql" in targets
