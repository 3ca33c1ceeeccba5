"""One source through resolve, detect, act and verify, on a simulated Kafka Connect in looptime.

The signaling table is replaced by ``InMemorySignalTable`` where a test needs a signal to be
sent, so these tests need no database. Tests that expect no channel use the real
``open_signal_table``, which rejects the configuration before it would connect.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from snapshot_operator.backends.limiter import ClusterLimiter, LimiterSettings
from snapshot_operator.backends.retry import RetryPolicy
from snapshot_operator.backends.signals import signal_id
from snapshot_operator.engine import source as source_module
from snapshot_operator.engine.channels import DatabaseCredentials
from snapshot_operator.engine.run import run_bulk_stop
from snapshot_operator.engine.source import SourceRun, stop_source
from snapshot_operator.models.spec import BulkStopSnapshotSpec
from snapshot_operator.models.status import (
    Action,
    ConnectorFamily,
    Outcome,
    SnapshotType,
    SourceResult,
)
from tests.support.connect_simulation import (
    JDBC_SINK_CLASS,
    MONGODB_CLASS,
    PG_CLASS,
    TIMEOUT,
    InMemorySignalTable,
    RecordedRequest,
    SimulatedConnect,
    SimulatedTask,
    incremental_keys,
    postgres_config,
    postgres_offsets,
)

pytestmark = pytest.mark.looptime

UID = "6f1c9a52-0b7e-4d55-9a43-1f3e2c7d8b90"
NAME = "orders-pg"
PREFIX = "orders"
SQLSERVER_CLASS = "io.debezium.connector.sqlserver.SqlServerConnector"
VERIFY_TIMEOUT = 30.0
CONFIRM_SECONDS = 2.0
WORKER_A = "10.0.0.11:8083"
WORKER_B = "10.0.0.12:8083"
RESTART_PARAMS = {"includeTasks": "true", "onlyFailed": "false"}


def now() -> float:
    return asyncio.get_running_loop().time()


def blocking(lsn: int) -> list[dict[str, Any]]:
    return postgres_offsets(PREFIX, lsn, snapshot="BLOCKING", snapshot_completed=False)


def streaming(lsn: int = 500) -> list[dict[str, Any]]:
    return postgres_offsets(PREFIX, lsn)


def incremental(*tables: str) -> list[dict[str, Any]]:
    return postgres_offsets(PREFIX, 500, **incremental_keys(*tables))


@pytest.fixture
def sim() -> SimulatedConnect:
    return SimulatedConnect(
        plugins={
            PG_CLASS: "3.6.1.Final",
            MONGODB_CLASS: "3.6.1.Final",
            SQLSERVER_CLASS: "3.6.1.Final",
            JDBC_SINK_CLASS: "3.6.1.Final",
        }
    )


class OpenedSignalTable(InMemorySignalTable):
    """An in-memory signaling table that also lists the arguments it was opened with."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[tuple[ConnectorFamily, str, DatabaseCredentials | None]] = []


@pytest.fixture
def signal_table(monkeypatch: pytest.MonkeyPatch) -> OpenedSignalTable:
    """An in-memory table that ``open_signal_table`` returns for every connector."""
    table = OpenedSignalTable()

    def open_in_memory(
        family: ConnectorFamily,
        connector: str,
        config: Mapping[str, str],
        credentials: DatabaseCredentials | None,
    ) -> OpenedSignalTable:
        table.opened.append((family, connector, credentials))
        return table

    monkeypatch.setattr(source_module, "open_signal_table", open_in_memory)
    return table


class ActionLog:
    """A ``record_action`` callback that records each call, and an event per call."""

    def __init__(self, events: list[str] | None = None) -> None:
        self.calls: list[tuple[str, Action]] = []
        self.events = events

    async def __call__(self, name: str, action: Action) -> None:
        self.calls.append((name, action))
        if self.events is not None:
            self.events.append(f"record {name} {action.value}")


class RecordingLimiter(ClusterLimiter):
    """A limiter without rate limits that logs when restart slots are taken and released."""

    def __init__(self, events: list[str]) -> None:
        super().__init__(LimiterSettings(max_in_flight=100, requests_per_second=1000.0, burst=1000))
        self.events = events

    @contextlib.asynccontextmanager
    async def restart_slot(self, worker_id: str) -> AsyncIterator[None]:
        async with super().restart_slot(worker_id):
            self.events.append(f"slot {worker_id} taken")
            yield
            self.events.append(f"slot {worker_id} released")


def log_requests(sim: SimulatedConnect, events: list[str]) -> None:
    def append(request: RecordedRequest) -> None:
        events.append(f"{request.method} {request.path}")

    sim.on_request = append


async def stop(
    sim: SimulatedConnect,
    name: str = NAME,
    *,
    limiter: ClusterLimiter | None = None,
    retry_policy: RetryPolicy | None = None,
    **fields: Any,
) -> SourceResult:
    async with sim.client(limiter=limiter, retry_policy=retry_policy) as client:
        run = SourceRun(
            client=client,
            resource_uid=UID,
            log_prefix="[shop/stop-orders]",
            verify_timeout_seconds=VERIFY_TIMEOUT,
            verify_poll_interval_seconds=1.0,
            blocking_confirm_seconds=CONFIRM_SECONDS,
            **fields,
        )
        return await stop_source(run, name)


def add_postgres(sim: SimulatedConnect, offsets: list[dict[str, Any]], **fields: Any) -> None:
    sim.add(NAME, postgres_config(PREFIX), offsets=offsets, **fields)


# Resolve.


async def test_missing_connector_not_found(sim: SimulatedConnect) -> None:
    result = await stop(sim, "orders-gone")

    assert result.success is False
    assert result.data.outcome is Outcome.NOT_FOUND
    assert "'orders-gone'" in result.message
    assert "'simulated'" in result.message
    assert [r.path for r in sim.requests] == ["/connectors/orders-gone"]


@pytest.mark.parametrize(
    ("connector_class", "connector_type"),
    [
        (JDBC_SINK_CLASS, "sink"),
        ("io.confluent.connect.jdbc.JdbcSourceConnector", "source"),
        ("org.apache.kafka.connect.mirror.MirrorSourceConnector", "source"),
    ],
)
async def test_non_debezium_source_unsupported(
    sim: SimulatedConnect, connector_class: str, connector_type: str
) -> None:
    sim.add(NAME, {"connector.class": connector_class}, type=connector_type)

    result = await stop(sim)

    assert result.success is False
    assert result.data.outcome is Outcome.UNSUPPORTED
    assert result.data.snapshot_type is SnapshotType.NONE
    assert result.data.connector_class == connector_class
    assert connector_class in result.message
    assert [r.path for r in sim.requests] == [f"/connectors/{NAME}"]


# Detect, and the outcomes that change nothing.


async def test_streaming_offsets_not_running(sim: SimulatedConnect) -> None:
    add_postgres(sim, streaming())

    result = await stop(sim)

    assert result.success is True
    assert result.data.outcome is Outcome.NOT_RUNNING
    assert result.data.snapshot_type is SnapshotType.NONE
    assert result.data.action is Action.NONE
    assert result.data.family is ConnectorFamily.POSTGRES
    assert result.data.debezium_version == "3.6.1.Final"
    assert sim.restart_requests() == []


@pytest.mark.parametrize(
    ("connector_class", "version", "offsets"),
    [
        pytest.param(
            PG_CLASS,
            "3.6.1.Final",
            postgres_offsets(PREFIX, 40, snapshot="INITIAL", snapshot_completed=False),
            id="initial-marker",
        ),
        pytest.param(
            PG_CLASS,
            "2.7.3.Final",
            postgres_offsets(PREFIX, 40, snapshot=True, last_snapshot_record=False),
            id="debezium-2.7-boolean-marker",
        ),
        pytest.param(
            MONGODB_CLASS,
            "3.6.1.Final",
            [
                {
                    "partition": {"server_id": "shop"},
                    "offset": {"sec": 1, "ord": 2, "initsync": True},
                }
            ],
            id="mongodb-initsync",
        ),
    ],
)
async def test_initial_snapshot_not_stoppable(
    sim: SimulatedConnect, connector_class: str, version: str, offsets: list[dict[str, Any]]
) -> None:
    sim.plugins[connector_class] = version
    sim.add(NAME, {**postgres_config(PREFIX), "connector.class": connector_class}, offsets=offsets)
    actions = ActionLog()

    result = await stop(sim, record_action=actions)

    assert result.success is False
    assert result.data.outcome is Outcome.NOT_STOPPABLE
    assert result.data.snapshot_type is SnapshotType.INITIAL
    assert "a restart starts it over" in result.message
    assert "Nothing was changed." in result.message
    assert sim.restart_requests() == []
    assert actions.calls == []


@pytest.mark.parametrize(
    ("connector_class", "version", "reason"),
    [
        pytest.param(MONGODB_CLASS, "3.6.1.Final", "initsync", id="mongodb"),
        pytest.param(
            PG_CLASS,
            "2.7.3.Final",
            "treats an interrupted blocking snapshot as an unfinished initial one",
            id="debezium-2.7",
        ),
        pytest.param(PG_CLASS, "3.1.2.Final", "DBZ-9337", id="debezium-3.1"),
        pytest.param(
            PG_CLASS, None, "version of the connector plugin is unknown", id="plugin-missing"
        ),
        pytest.param(
            PG_CLASS,
            "undefined",
            "version of the connector plugin is unknown (undefined)",
            id="version-undefined",
        ),
    ],
)
async def test_blocking_restart_refused(
    sim: SimulatedConnect, connector_class: str, version: str | None, reason: str
) -> None:
    if version is None:
        del sim.plugins[connector_class]
    else:
        sim.plugins[connector_class] = version
    config = {**postgres_config(PREFIX), "connector.class": connector_class}
    sim.add(NAME, config, offsets=blocking(120))
    actions = ActionLog()

    result = await stop(sim, record_action=actions)

    assert result.success is False
    assert result.data.outcome is Outcome.NOT_STOPPABLE
    assert result.data.snapshot_type is SnapshotType.BLOCKING
    assert result.data.action is Action.NONE
    assert reason in result.message
    assert result.message.endswith("Nothing was changed.")
    assert sim.restart_requests() == []
    assert actions.calls == []


async def test_stale_blocking_marker_not_running(sim: SimulatedConnect) -> None:
    add_postgres(sim, [])
    sim.script_offsets(NAME, blocking(100), blocking(250))
    start = now()

    result = await stop(sim)

    assert result.success is True
    assert result.data.outcome is Outcome.NOT_RUNNING
    assert result.data.snapshot_type is SnapshotType.NONE
    assert "stale" in result.message
    assert len(sim.requests_to("GET", f"/connectors/{NAME}/offsets")) == 2
    assert now() - start == pytest.approx(CONFIRM_SECONDS, abs=0.01)
    assert sim.restart_requests() == []


async def test_blocking_on_paused_connector_not_running(sim: SimulatedConnect) -> None:
    add_postgres(sim, blocking(120), state="PAUSED", tasks=[SimulatedTask(0, "PAUSED")])

    result = await stop(sim)

    assert result.success is True
    assert result.data.outcome is Outcome.NOT_RUNNING
    assert result.data.snapshot_type is SnapshotType.BLOCKING
    assert "The connector is PAUSED and its tasks are PAUSED" in result.message
    assert sim.restart_requests() == []


@pytest.mark.parametrize(
    "offsets",
    [
        pytest.param(postgres_offsets(PREFIX, 90, snapshot="PARTIAL"), id="unknown-marker"),
        pytest.param([], id="no-offsets-while-running"),
    ],
)
async def test_unknown_snapshot_type_fails(
    sim: SimulatedConnect, offsets: list[dict[str, Any]]
) -> None:
    add_postgres(sim, offsets)

    result = await stop(sim)

    assert result.success is False
    assert result.data.outcome is Outcome.FAILED
    assert result.data.snapshot_type is SnapshotType.UNKNOWN
    assert "changed nothing" in result.message
    assert sim.restart_requests() == []


async def test_old_debezium_incremental_not_stoppable(
    sim: SimulatedConnect, signal_table: OpenedSignalTable
) -> None:
    sim.plugins[PG_CLASS] = "1.9.7.Final"
    add_postgres(sim, incremental("public.orders"))

    result = await stop(sim)

    assert result.data.outcome is Outcome.NOT_STOPPABLE
    assert "1.9.7.Final has no stop-snapshot signal" in result.message
    assert signal_table.send_calls == 0


# Transient and persistent Kafka Connect errors.


async def test_transient_faults_retried(sim: SimulatedConnect) -> None:
    add_postgres(sim, streaming())
    sim.inject(409, path=f"/connectors/{NAME}/status")
    sim.inject(TIMEOUT, path=f"/connectors/{NAME}/offsets")
    policy = RetryPolicy(max_retries=2, backoff_base_seconds=1.0, rng=random.Random(3))

    result = await stop(sim, retry_policy=policy)

    assert result.data.outcome is Outcome.NOT_RUNNING
    assert [r.status for r in sim.requests_to("GET", f"/connectors/{NAME}/status")] == [409, 200]
    assert [r.status for r in sim.requests_to("GET", f"/connectors/{NAME}/offsets")] == [
        None,
        200,
    ]


async def test_persistent_503_fails_after_retries(sim: SimulatedConnect) -> None:
    add_postgres(sim, streaming())
    sim.inject(503, path=f"/connectors/{NAME}/offsets", times=None)
    policy = RetryPolicy(max_retries=3, backoff_base_seconds=1.0, rng=random.Random(3))

    result = await stop(sim, retry_policy=policy)

    assert result.success is False
    assert result.data.outcome is Outcome.FAILED
    assert "HTTP 503" in result.message
    assert f"GET /connectors/{NAME}/offsets" in result.message
    assert len(sim.requests_to("GET", f"/connectors/{NAME}/offsets")) == 4


async def test_persistent_503_spares_other_sources(sim: SimulatedConnect) -> None:
    for name in ("billing-pg", NAME, "users-pg"):
        sim.add(name, postgres_config(name), offsets=postgres_offsets(name, 10))
    sim.inject(503, path=f"/connectors/{NAME}/status", times=None)
    policy = RetryPolicy(max_retries=2, backoff_base_seconds=1.0, rng=random.Random(3))
    spec = BulkStopSnapshotSpec(ids=["billing-pg", NAME, "users-pg"])

    async with sim.client(retry_policy=policy) as client:
        run = SourceRun(client=client, resource_uid=UID, log_prefix="[shop/all]")
        results = await run_bulk_stop(spec, run, cluster_limit=2)

    outcomes = {result.id: result.data.outcome for result in results}
    assert outcomes == {
        "billing-pg": Outcome.NOT_RUNNING,
        NAME: Outcome.FAILED,
        "users-pg": Outcome.NOT_RUNNING,
    }
    assert len(sim.requests_to("GET", f"/connectors/{NAME}/status")) == 3


# Incremental snapshots: the stop-snapshot signal.


async def test_dry_run_would_signal(sim: SimulatedConnect, signal_table: OpenedSignalTable) -> None:
    add_postgres(sim, incremental("public.orders"))
    actions = ActionLog()

    result = await stop(sim, dry_run=True, record_action=actions)

    assert result.success is True
    assert result.data.outcome is Outcome.WOULD_SIGNAL
    assert result.data.action is Action.SIGNAL
    assert result.data.signal_id == signal_id(UID, NAME, "stop-snapshot")
    assert "Dry run: would send stop-snapshot signal" in result.message
    assert signal_table.send_calls == 0
    assert signal_table.rows == {}
    assert actions.calls == []


async def test_stop_signal_lists_escaped_collections(
    sim: SimulatedConnect, signal_table: OpenedSignalTable
) -> None:
    add_postgres(sim, incremental("public.orders", "public.order_items"))

    await stop(sim)

    ident = signal_id(UID, NAME, "stop-snapshot")
    assert signal_table.rows == {
        ident: (
            "stop-snapshot",
            {
                "type": "incremental",
                "data-collections": ["public\\.orders", "public\\.order_items"],
            },
        )
    }


async def test_incremental_stopped_when_keys_leave(
    sim: SimulatedConnect, signal_table: OpenedSignalTable
) -> None:
    add_postgres(sim, incremental("public.orders"))
    signal_table.on_send = lambda *_: sim.finish_incremental_snapshot(NAME)
    start = now()

    result = await stop(sim)

    assert result.success is True
    assert result.data.outcome is Outcome.STOPPED
    assert result.data.snapshot_type is SnapshotType.INCREMENTAL
    assert result.data.action is Action.SIGNAL
    assert result.data.verified is True
    assert result.data.channel == "source"
    assert result.data.signal_id == signal_id(UID, NAME, "stop-snapshot")
    assert "keys left the offsets" in result.message
    assert len(signal_table.rows) == 1
    assert now() - start < VERIFY_TIMEOUT


async def test_incremental_signalled_when_keys_stay(
    sim: SimulatedConnect, signal_table: OpenedSignalTable
) -> None:
    add_postgres(sim, incremental("public.orders"))
    start = now()

    result = await stop(sim)

    assert result.success is True
    assert result.data.outcome is Outcome.SIGNALLED
    assert result.data.verified is False
    assert "not yet visible in the offsets after 30 s" in result.message
    assert len(signal_table.rows) == 1
    assert now() - start >= VERIFY_TIMEOUT - 1.0


async def test_record_action_awaited_before_signal(
    sim: SimulatedConnect, signal_table: OpenedSignalTable
) -> None:
    add_postgres(sim, incremental("public.orders"))
    events: list[str] = []
    signal_table.events = events
    actions = ActionLog(events)

    await stop(sim, record_action=actions)

    ident = signal_id(UID, NAME, "stop-snapshot")
    assert events == [f"record {NAME} signal", f"signal {ident}"]


async def test_signal_already_sent_not_duplicated(
    sim: SimulatedConnect, signal_table: OpenedSignalTable
) -> None:
    add_postgres(sim, incremental("public.orders"))
    ident = signal_id(UID, NAME, "stop-snapshot")
    signal_table.rows[ident] = ("stop-snapshot", {"type": "incremental"})

    result = await stop(sim, acted={NAME: Action.SIGNAL})

    assert result.data.outcome is Outcome.SIGNALLED
    assert f"Signal {ident} found already sent" in result.message
    assert signal_table.rows[ident] == ("stop-snapshot", {"type": "incremental"})
    assert len(signal_table.rows) == 1


async def test_mapped_credentials_reach_channel(
    sim: SimulatedConnect, signal_table: OpenedSignalTable
) -> None:
    add_postgres(sim, incremental("public.orders"))
    mapped = DatabaseCredentials(username="signal_writer", password="mapped-secret")
    requested: list[str] = []

    async def credentials(connector: str) -> DatabaseCredentials | None:
        requested.append(connector)
        return mapped

    await stop(sim, credentials=credentials)

    assert requested == [NAME]
    assert signal_table.opened == [(ConnectorFamily.POSTGRES, NAME, mapped)]


@pytest.mark.parametrize(
    ("connector_class", "config_change", "reason"),
    [
        pytest.param(
            PG_CLASS,
            {"signal.data.collection": ""},
            "signal.data.collection is not set",
            id="no-signal-collection",
        ),
        pytest.param(
            PG_CLASS,
            {"signal.enabled.channels": "kafka"},
            "does not include the source channel",
            id="channels-without-source",
        ),
        pytest.param(
            SQLSERVER_CLASS,
            {"signal.data.collection": "shop.dbo.debezium_signal"},
            "not sqlserver ones",
            id="unsupported-family",
        ),
    ],
)
async def test_no_signal_channel(
    sim: SimulatedConnect, connector_class: str, config_change: dict[str, str], reason: str
) -> None:
    config = {**postgres_config(PREFIX), "connector.class": connector_class, **config_change}
    sim.add(NAME, config, offsets=incremental("public.orders"))
    actions = ActionLog()

    result = await stop(sim, record_action=actions)

    assert result.success is False
    assert result.data.outcome is Outcome.NO_SIGNAL_CHANNEL
    assert result.data.snapshot_type is SnapshotType.INCREMENTAL
    assert "The operator cannot signal it:" in result.message
    assert reason in result.message
    assert actions.calls == []


# Blocking snapshots: the connector and task restart.


async def test_dry_run_would_restart(sim: SimulatedConnect) -> None:
    add_postgres(sim, blocking(120))
    actions = ActionLog()

    result = await stop(sim, dry_run=True, record_action=actions)

    assert result.success is True
    assert result.data.outcome is Outcome.WOULD_RESTART
    assert result.data.action is Action.RESTART
    assert "Dry run: would restart the connector and its tasks" in result.message
    assert sim.restart_requests() == []
    assert actions.calls == []


async def test_blocking_restarted_and_verified(sim: SimulatedConnect) -> None:
    add_postgres(
        sim,
        blocking(120),
        worker_id=WORKER_A,
        tasks=[SimulatedTask(0, "RUNNING", WORKER_B)],
        restarting_reads=2,
        offsets_after_restart=streaming(130),
    )
    events: list[str] = []
    log_requests(sim, events)
    actions = ActionLog(events)

    result = await stop(sim, record_action=actions, limiter=RecordingLimiter(events))

    assert result.success is True
    assert result.data.outcome is Outcome.RESTARTED
    assert result.data.snapshot_type is SnapshotType.BLOCKING
    assert result.data.action is Action.RESTART
    assert result.data.verified is True
    assert result.data.worker_id == WORKER_A
    restarts = sim.restart_requests()
    assert len(restarts) == 1
    assert restarts[0].params == RESTART_PARAMS
    assert actions.calls == [(NAME, Action.RESTART)]

    restart = f"POST /connectors/{NAME}/restart"
    status = f"GET /connectors/{NAME}/status"
    assert events.index(f"slot {WORKER_A} taken") < events.index(f"record {NAME} restart")
    assert events.index(f"slot {WORKER_B} taken") < events.index(f"record {NAME} restart")
    assert events.index(f"record {NAME} restart") < events.index(restart)
    # Two status reads show RESTARTING and the third shows the tasks running again.
    after_restart = events[events.index(restart) + 1 :]
    assert after_restart == [
        status,
        status,
        status,
        f"slot {WORKER_B} released",
        f"slot {WORKER_A} released",
    ]


async def test_restart_never_seen_not_verified(sim: SimulatedConnect) -> None:
    add_postgres(sim, blocking(120), restarting_reads=0)

    result = await stop(sim)

    assert result.success is True
    assert result.data.outcome is Outcome.RESTARTED
    assert result.data.verified is False
    assert "the restart was not yet seen after 30 s" in result.message
    assert len(sim.restart_requests()) == 1


async def test_restart_never_ending_not_verified(sim: SimulatedConnect) -> None:
    add_postgres(sim, blocking(120), restarting_reads=None)

    result = await stop(sim)

    assert result.data.outcome is Outcome.RESTARTED
    assert result.data.verified is False
    assert "they are not yet running again after 30 s" in result.message
    assert len(sim.restart_requests()) == 1


# A source that an earlier run acted on before the operator stopped.


async def test_acted_restart_never_repeated(sim: SimulatedConnect) -> None:
    add_postgres(sim, blocking(120))
    actions = ActionLog()

    result = await stop(sim, acted={NAME: Action.RESTART}, record_action=actions)

    assert result.success is True
    assert result.data.outcome is Outcome.RESTARTED
    assert result.data.verified is False
    assert "does not restart a source twice" in result.message
    assert sim.restart_requests() == []
    assert actions.calls == []


@pytest.mark.parametrize(
    ("restarting_reads", "verified", "ending"),
    [(3, True, "they run again."), (None, False, "they are not yet running again.")],
)
async def test_acted_restart_under_way_awaited(
    sim: SimulatedConnect, restarting_reads: int | None, verified: bool, ending: str
) -> None:
    add_postgres(sim, blocking(120), restarting_reads=restarting_reads)
    sim.start_restart(NAME)
    actions = ActionLog()

    result = await stop(sim, acted={NAME: Action.RESTART}, record_action=actions)

    assert result.data.outcome is Outcome.RESTARTED
    assert result.data.action is Action.RESTART
    assert result.data.verified is verified
    assert result.message.startswith("An earlier run of this resource restarted the connector")
    assert result.message.endswith(ending)
    assert sim.restart_requests() == []
    assert actions.calls == []


@pytest.mark.parametrize(
    ("action", "outcome", "earlier_step"),
    [
        (Action.RESTART, Outcome.RESTARTED, "restarted the connector"),
        (Action.SIGNAL, Outcome.STOPPED, "sent the stop-snapshot signal"),
    ],
)
async def test_acted_and_snapshot_gone_verified(
    sim: SimulatedConnect,
    signal_table: OpenedSignalTable,
    action: Action,
    outcome: Outcome,
    earlier_step: str,
) -> None:
    add_postgres(sim, streaming())

    result = await stop(sim, acted={NAME: action})

    assert result.success is True
    assert result.data.outcome is outcome
    assert result.data.action is action
    assert result.data.verified is True
    assert result.message.startswith(f"An earlier run of this resource {earlier_step}")
    assert sim.restart_requests() == []
    assert signal_table.send_calls == 0
