"""A simulated Kafka Connect REST API, for unit tests and the scale benchmark.

``SimulatedConnect`` is an ``httpx.MockTransport`` handler. It keeps connectors in memory and
serves the requests the operator sends, with bodies in the shapes Kafka Connect 4.x returns
(``ConnectorsResource`` and ``ConnectorPluginsResource`` in apache/kafka):

- ``GET /connectors``, with or without ``expand=info`` and ``expand=status``;
- ``GET /connectors/{name}``, ``.../status``, ``.../offsets`` and ``.../topics``;
- ``GET /connector-plugins``;
- ``POST /connectors/{name}/restart?includeTasks=...&onlyFailed=...``, which returns 202 with
  the instances to restart marked ``RESTARTING``, or 204 when both flags are false.

It is a simulation, not a Kafka Connect. It exists because no real cluster here can run
thousands of connectors, and because unit tests must script what a real worker does only by
chance. What it models, and how it differs from a real worker:

- A restart is carried out after a set number of status reads (``restarting_reads``), not
  after time passes. Until then the status shows the restarted instances as ``RESTARTING``.
  When it ends, the instances run again and the offsets become ``offsets_after_restart``,
  if the test set them.
- Offsets change only when a test changes them: ``script_offsets`` queues one list per read,
  and ``finish_incremental_snapshot`` drops the incremental snapshot keys, as Debezium does
  when it handles a ``stop-snapshot`` signal.
- Faults are injected per request: any HTTP status with Kafka Connect's JSON error body, or a
  read time-out raised by the transport. Kafka Connect returns 409 while workers rebalance,
  and tests inject 503 and time-outs as a proxy or the network in front of it would.

Every request is recorded with its time on the running event loop's clock, which looptime
fakes in unit tests. ``InMemorySignalTable`` replaces the database signaling table of
``snapshot_operator.engine.channels``, so a test or the benchmark can follow a signal without
a database.
"""

from __future__ import annotations

import asyncio
import collections
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

from snapshot_operator.backends.connect import ConnectClient
from snapshot_operator.backends.limiter import ClusterLimiter, LimiterSettings
from snapshot_operator.backends.retry import RetryPolicy
from snapshot_operator.backends.signals import SendResult

BASE_URL = "http://connect.simulated:8083"
DEFAULT_WORKER = "10.0.0.11:8083"
TIMEOUT = "timeout"
"""Pass as the fault to ``SimulatedConnect.inject`` to raise a read time-out."""

RESTARTING = "RESTARTING"
RUNNING = "RUNNING"
INCREMENTAL_KEY_PREFIX = "incremental_snapshot_"

# The message Kafka Connect sends with 409 while the workers rebalance (HerderRequestHandler
# in apache/kafka).
_REBALANCE_MESSAGE = (
    "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
)

Offsets = list[dict[str, Any]]

PG_CLASS = "io.debezium.connector.postgresql.PostgresConnector"
MYSQL_CLASS = "io.debezium.connector.mysql.MySqlConnector"
MONGODB_CLASS = "io.debezium.connector.mongodb.MongoDbConnector"
JDBC_SINK_CLASS = "io.debezium.connector.jdbc.JdbcSinkConnector"


@dataclass
class SimulatedTask:
    """One task of a simulated connector."""

    id: int
    state: str = RUNNING
    worker_id: str = DEFAULT_WORKER


@dataclass
class SimulatedConnector:
    """One connector: its config, states, committed offsets, topics and restart behaviour."""

    name: str
    config: dict[str, str]
    type: str = "source"
    state: str = RUNNING
    worker_id: str = DEFAULT_WORKER
    tasks: list[SimulatedTask] = field(default_factory=lambda: [SimulatedTask(0)])
    offsets: Offsets = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    restarting_reads: int | None = 1
    """Status reads that show RESTARTING after a restart: 0 ends the restart before the next
    read, so it is never seen, and None never ends it."""
    offsets_after_restart: Offsets | None = None
    deleted_after_listing: bool = False
    """Listed by ``GET /connectors`` but 404 everywhere else, as if deleted right after."""
    restart_count: int = 0
    offset_reads: collections.deque[Offsets] = field(default_factory=collections.deque)
    _restart_reads_left: int | None = field(default=None, init=False, repr=False)
    _restart_pending: bool = field(default=False, init=False, repr=False)
    _restart_workers: frozenset[str] = field(default=frozenset(), init=False, repr=False)

    @property
    def restart_pending(self) -> bool:
        return self._restart_pending


@dataclass(frozen=True)
class RecordedRequest:
    """One request the simulation received, and the status it returned (None for a time-out)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    at: float
    status: int | None

    @property
    def params(self) -> dict[str, str]:
        return dict(self.query)


@dataclass
class _Fault:
    method: str
    path: str | None
    fault: int | str
    remaining: int | None
    retry_after: str | None


class SimulatedConnect:
    """A Kafka Connect cluster in memory, served through ``httpx.MockTransport``.

    Usage::

        sim = SimulatedConnect(plugins={PG_CLASS: "3.6.1.Final"})
        sim.add("orders-pg", config, offsets=[...])
        async with sim.client() as client:
            status = await client.get_status("orders-pg")
    """

    def __init__(
        self,
        *,
        plugins: Mapping[str, str] | None = None,
        latency: float = 0.0,
        on_request: Callable[[RecordedRequest], None] | None = None,
    ) -> None:
        self.connectors: dict[str, SimulatedConnector] = {}
        self.plugins: dict[str, str] = dict(plugins or {})
        """Installed plugin versions by connector class."""
        self.latency = latency
        """Seconds each request takes, slept on the event loop."""
        self.on_request = on_request
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self.restarts_by_worker: collections.Counter[str] = collections.Counter()
        self.peak_restarts_per_worker = 0
        # Faults by method and path, where a path of None matches every path.
        self._faults: dict[tuple[str, str | None], list[_Fault]] = collections.defaultdict(list)

    # Setting up the cluster.

    def add(self, name: str, config: Mapping[str, str], **fields: Any) -> SimulatedConnector:
        """Add a connector; ``fields`` sets any other ``SimulatedConnector`` field."""
        connector = SimulatedConnector(name=name, config={**config, "name": name}, **fields)
        self.connectors[name] = connector
        return connector

    def script_offsets(self, name: str, *reads: Offsets) -> None:
        """Queue the offsets that the next reads of ``name`` return, one list per read.

        The last list stays the connector's offsets after the queue runs out.
        """
        self.connectors[name].offset_reads.extend(reads)

    def finish_incremental_snapshot(self, name: str) -> None:
        """Drop the incremental snapshot keys from every partition, as a stop does."""
        connector = self.connectors[name]
        connector.offset_reads.clear()
        connector.offsets = [
            {
                "partition": entry["partition"],
                "offset": {
                    key: value
                    for key, value in entry["offset"].items()
                    if not key.startswith(INCREMENTAL_KEY_PREFIX)
                    and not (key == "snapshot" and value == "INCREMENTAL")
                },
            }
            for entry in connector.offsets
        ]

    def inject(
        self,
        fault: int | str,
        *,
        method: str = "GET",
        path: str | None = None,
        times: int | None = 1,
        retry_after: str | None = None,
    ) -> None:
        """Respond to the next ``times`` matching requests with ``fault`` instead of serving them.

        ``fault`` is an HTTP status or ``TIMEOUT``. ``path`` is the decoded path, such as
        ``/connectors/orders-pg/status``, or None for every path. ``times=None`` never stops.
        """
        self._faults[(method, path)].append(_Fault(method, path, fault, times, retry_after))

    # Reading what happened.

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def requests_for(self, name: str) -> list[RecordedRequest]:
        """Return the requests whose path addresses connector ``name``."""
        prefix = f"/connectors/{name}"
        return [r for r in self.requests if r.path == prefix or r.path.startswith(prefix + "/")]

    def restart_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/restart")]

    # Serving.

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(
        self,
        *,
        limiter: ClusterLimiter | None = None,
        retry_policy: RetryPolicy | None = None,
        cluster: str = "simulated",
    ) -> ConnectClient:
        """Return a real ``ConnectClient`` whose requests this simulation serves."""
        return ConnectClient(
            BASE_URL,
            cluster=cluster,
            limiter=limiter
            or ClusterLimiter(
                LimiterSettings(max_in_flight=100, requests_per_second=1000.0, burst=1000)
            ),
            retry_policy=retry_policy or RetryPolicy(max_retries=0),
            transport=self.transport(),
        )

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            return self._respond(request)
        finally:
            self.in_flight -= 1

    def _respond(self, request: httpx.Request) -> httpx.Response:
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        segments = [unquote(part) for part in raw_path.split("/")[1:]]
        path = "/" + "/".join(segments)
        query = tuple(request.url.params.multi_items())
        at = asyncio.get_running_loop().time()

        fault = self._take_fault(request.method, path)
        if fault is not None and fault.fault == TIMEOUT:
            self._record(request.method, path, query, at, None)
            raise httpx.ReadTimeout(
                "The simulated worker did not respond in time.", request=request
            )
        if fault is not None:
            assert isinstance(fault.fault, int)
            response = self._error(fault.fault, _fault_message(fault.fault))
            if fault.retry_after is not None:
                response.headers["Retry-After"] = fault.retry_after
        else:
            response = self._route(request.method, segments, dict(query), query)
        self._record(request.method, path, query, at, response.status_code)
        return response

    def _record(
        self,
        method: str,
        path: str,
        query: tuple[tuple[str, str], ...],
        at: float,
        status: int | None,
    ) -> None:
        recorded = RecordedRequest(method, path, query, at, status)
        self.requests.append(recorded)
        if self.on_request is not None:
            self.on_request(recorded)

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        """Take the first matching injected fault and count it as used, or return None."""
        for key in ((method, path), (method, None)):
            for fault in self._faults.get(key, ()):
                if fault.remaining == 0:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def _route(
        self,
        method: str,
        segments: list[str],
        params: dict[str, str],
        query: tuple[tuple[str, str], ...],
    ) -> httpx.Response:
        if segments == ["connector-plugins"] and method == "GET":
            return _json(200, self._plugins_body())
        if segments == ["connectors"] and method == "GET":
            expand = {value for key, value in query if key == "expand"}
            return _json(200, self._listing_body(expand))
        if len(segments) < 2 or segments[0] != "connectors":
            return self._error(404, "HTTP 404 Not Found")

        name, rest = segments[1], segments[2:]
        connector = self.connectors.get(name)
        if connector is None or connector.deleted_after_listing:
            return self._error(404, f"Connector {name} not found")
        if method == "GET" and not rest:
            return _json(200, _info_body(connector))
        if method == "GET" and rest == ["status"]:
            return _json(200, self._read_status(connector))
        if method == "GET" and rest == ["offsets"]:
            return _json(200, {"offsets": self._read_offsets(connector)})
        if method == "GET" and rest == ["topics"]:
            return _json(200, {name: {"topics": list(connector.topics)}})
        if method == "POST" and rest == ["restart"]:
            return self._restart(connector, params)
        return self._error(404, "HTTP 404 Not Found")

    def _plugins_body(self) -> list[dict[str, str]]:
        return [
            {
                "class": class_name,
                "type": "sink" if class_name.endswith("SinkConnector") else "source",
                "version": version,
            }
            for class_name, version in sorted(self.plugins.items())
        ]

    def _listing_body(self, expand: set[str]) -> Any:
        if not expand:
            return sorted(self.connectors)
        body: dict[str, dict[str, Any]] = {}
        for name, connector in self.connectors.items():
            entry: dict[str, Any] = {}
            if "info" in expand:
                entry["info"] = _info_body(connector)
            if "status" in expand:
                entry["status"] = _status_body(connector)
            body[name] = entry
        return body

    def _read_offsets(self, connector: SimulatedConnector) -> Offsets:
        if connector.offset_reads:
            connector.offsets = connector.offset_reads.popleft()
        return json.loads(json.dumps(connector.offsets))  # type: ignore[no-any-return]

    def _read_status(self, connector: SimulatedConnector) -> dict[str, Any]:
        body = _status_body(connector)
        left = connector._restart_reads_left
        if connector.restart_pending and left is not None:
            connector._restart_reads_left = left - 1
            if left - 1 <= 0:
                self._finish_restart(connector)
        return body

    def _restart(self, connector: SimulatedConnector, params: dict[str, str]) -> httpx.Response:
        include_tasks = params.get("includeTasks", "false") == "true"
        only_failed = params.get("onlyFailed", "false") == "true"
        connector.restart_count += 1
        if not include_tasks and not only_failed:
            # Kafka Connect restarts the connector instance alone at once and returns 204.
            return httpx.Response(204)

        body = self._begin_restart(connector, include_tasks=include_tasks, only_failed=only_failed)
        if connector.restarting_reads == 0:
            self._finish_restart(connector)
        return _json(202, body)

    def start_restart(self, name: str) -> None:
        """Put a restart of the connector and all its tasks under way, without a request.

        It represents a restart that an earlier operator process requested.
        """
        self._begin_restart(self.connectors[name], include_tasks=True, only_failed=False)

    def _begin_restart(
        self, connector: SimulatedConnector, *, include_tasks: bool, only_failed: bool
    ) -> dict[str, Any]:
        """Mark the instances to restart as RESTARTING and return the status to respond with."""
        restarted = [
            task
            for task in connector.tasks
            if include_tasks and (not only_failed or task.state == "FAILED")
        ]
        if not only_failed or connector.state == "FAILED":
            connector.state = RESTARTING
        for task in restarted:
            task.state = RESTARTING
        body = _status_body(connector)

        if not connector.restart_pending:
            workers = frozenset({connector.worker_id} | {task.worker_id for task in restarted})
            connector._restart_workers = workers
            for worker in workers:
                self.restarts_by_worker[worker] += 1
                self.peak_restarts_per_worker = max(
                    self.peak_restarts_per_worker, self.restarts_by_worker[worker]
                )
        connector._restart_pending = True
        connector._restart_reads_left = connector.restarting_reads
        return body

    def _finish_restart(self, connector: SimulatedConnector) -> None:
        connector.state = RUNNING
        for task in connector.tasks:
            task.state = RUNNING
        if connector.offsets_after_restart is not None:
            connector.offset_reads.clear()
            connector.offsets = connector.offsets_after_restart
        for worker in connector._restart_workers:
            self.restarts_by_worker[worker] -= 1
        connector._restart_workers = frozenset()
        connector._restart_pending = False
        connector._restart_reads_left = None

    @staticmethod
    def _error(status: int, message: str) -> httpx.Response:
        return _json(status, {"error_code": status, "message": message})


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def _fault_message(status: int) -> str:
    if status == 409:
        return _REBALANCE_MESSAGE
    return f"Simulated HTTP {status} from the Kafka Connect simulation."


def _info_body(connector: SimulatedConnector) -> dict[str, Any]:
    return {
        "name": connector.name,
        "config": dict(connector.config),
        "tasks": [{"connector": connector.name, "task": task.id} for task in connector.tasks],
        "type": connector.type,
    }


def _status_body(connector: SimulatedConnector) -> dict[str, Any]:
    return {
        "name": connector.name,
        "connector": {"state": connector.state, "worker_id": connector.worker_id},
        "tasks": [
            {"id": task.id, "state": task.state, "worker_id": task.worker_id}
            for task in connector.tasks
        ],
        "type": connector.type,
    }


class InMemorySignalTable:
    """A signaling table kept in memory, in place of a database channel.

    It implements the part of ``SignalTableChannel`` the engine calls: ``send`` inserts a row
    unless one with the same id exists, ``count`` counts rows by id, and ``describe`` names
    the table. ``on_send`` runs after each new row, so a test can act as Debezium does when
    it reads the signal. ``events``, when given, gets ``"signal <id>"`` per ``send``.
    """

    def __init__(
        self,
        table_name: str = "public.debezium_signal",
        *,
        on_send: Callable[[str, str, Mapping[str, Any]], None] | None = None,
        events: list[str] | None = None,
    ) -> None:
        self.table_name = table_name
        self.rows: dict[str, tuple[str, dict[str, Any]]] = {}
        self.on_send = on_send
        self.events = events
        self.send_calls = 0

    def describe(self) -> str:
        return f"the in-memory signaling table {self.table_name}"

    async def send(self, signal_id: str, signal_type: str, data: Mapping[str, Any]) -> SendResult:
        self.send_calls += 1
        if self.events is not None:
            self.events.append(f"signal {signal_id}")
        if signal_id in self.rows:
            return SendResult(signal_id=signal_id, inserted=False)
        self.rows[signal_id] = (signal_type, dict(data))
        if self.on_send is not None:
            self.on_send(signal_id, signal_type, data)
        return SendResult(signal_id=signal_id, inserted=True)

    async def count(self, signal_id: str) -> int:
        return 1 if signal_id in self.rows else 0


def postgres_config(prefix: str, **extra: str) -> dict[str, str]:
    """Return a Debezium PostgreSQL connector config whose signaling table is set."""
    return {
        "connector.class": PG_CLASS,
        "tasks.max": "1",
        "database.hostname": "pg.example.internal",
        "database.port": "5432",
        "database.user": "debezium",
        "database.password": "not-a-real-password",
        "database.dbname": "shop",
        "topic.prefix": prefix,
        "signal.data.collection": "public.debezium_signal",
        **extra,
    }


def postgres_offsets(prefix: str, lsn: int, **keys: Any) -> Offsets:
    """Return the offsets of a PostgreSQL connector at ``lsn``, with ``keys`` added."""
    offset: dict[str, Any] = {
        "lsn": lsn,
        "lsn_proc": lsn,
        "lsn_commit": lsn,
        "txId": 700 + lsn % 97,
        "ts_usec": 1_735_689_600_000_000 + lsn,
        **keys,
    }
    return [{"partition": {"server": prefix}, "offset": offset}]


def incremental_keys(*tables: str) -> dict[str, str]:
    """Return the offset keys of a running incremental snapshot of ``tables`` (Debezium 2.0+)."""
    collections = [
        {
            "incremental_snapshot_collections_id": table,
            "incremental_snapshot_collections_additional_condition": None,
            "incremental_snapshot_collections_surrogate_key": None,
        }
        for table in tables
    ]
    return {
        "incremental_snapshot_collections": json.dumps(collections),
        "incremental_snapshot_primary_key": "aced0005757200135b4c6a6176612e6c616e67",
        "incremental_snapshot_maximum_key": "aced0005757200135b4c6a6176612e6c616e67",
        "incremental_snapshot_correlation_id": "ad-hoc-1",
    }
