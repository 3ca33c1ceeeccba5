"""ConnectClient on httpx.MockTransport, with bodies shaped as Kafka Connect 4.x returns them."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from snapshot_operator.backends.connect import ConnectClient, connector_path, to_connect_error
from snapshot_operator.backends.connect_responses import ConnectorOffset, PluginInfo
from snapshot_operator.backends.limiter import ClusterLimiter, LimiterSettings
from snapshot_operator.backends.retry import RetryPolicy
from snapshot_operator.errors import (
    ConnectError,
    ConnectorNotFound,
    ConnectRequestRejected,
    ConnectResponseInvalid,
    ConnectUnavailable,
)

BASE_URL = "http://connect.test:8083"
SECRET = "s3cr3t-db-password"

PG_CONFIG = {
    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
    "database.hostname": "pg.orders.svc",
    "database.user": "debezium",
    "database.password": SECRET,
    "topic.prefix": "orders",
    "signal.data.collection": "public.debezium_signal",
    "name": "orders-pg",
}

PG_INFO = {
    "name": "orders-pg",
    "config": PG_CONFIG,
    "tasks": [{"connector": "orders-pg", "task": 0}],
    "type": "source",
}

PG_STATUS = {
    "name": "orders-pg",
    "connector": {"state": "RUNNING", "worker_id": "10.0.0.12:8083", "version": "3.1.2.Final"},
    "tasks": [
        {"id": 0, "state": "RUNNING", "worker_id": "10.0.0.13:8083", "version": "3.1.2.Final"}
    ],
    "type": "source",
}

FAILED_STATUS = {
    "name": "inventory-mysql",
    "connector": {"state": "RUNNING", "worker_id": "10.0.0.12:8083"},
    "tasks": [
        {
            "id": 0,
            "state": "FAILED",
            "worker_id": "10.0.0.12:8083",
            "trace": "org.apache.kafka.connect.errors.ConnectException: "
            "An exception occurred in the change event producer.\n\tat io.debezium...",
        },
        {"id": 1, "state": "RUNNING", "worker_id": "10.0.0.14:8083"},
    ],
    "type": "source",
}

SINK_INFO = {
    "name": "orders-sink",
    "config": {
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
        "topics.regex": "orders\\..*",
        "connection.password": SECRET,
    },
    "tasks": [],
    "type": "sink",
}

SINK_STATUS = {
    "name": "orders-sink",
    "connector": {"state": "PAUSED", "worker_id": "10.0.0.14:8083"},
    "tasks": [],
    "type": "sink",
}

PG_OFFSETS = {
    "offsets": [
        {
            "partition": {"server": "orders"},
            "offset": {
                "lsn": 24023128,
                "lsn_proc": 24023128,
                "lsn_commit": 24023128,
                "txId": 763,
                "ts_usec": 1735689600123456,
                "messageType": "INSERT",
                "incremental_snapshot_collections": '[{"incremental_snapshot_collections_id":'
                '"public.orders","incremental_snapshot_collections_additional_condition":null,'
                '"incremental_snapshot_collections_surrogate_key":null}]',
                "incremental_snapshot_primary_key": "aced0005757200135b4c6a6176612e6c616e67",
                "incremental_snapshot_maximum_key": "aced0005757200135b4c6a6176612e6c616e67",
                "incremental_snapshot_correlation_id": "ad-hoc-1",
            },
        }
    ]
}

SQLSERVER_OFFSETS = {
    "offsets": [
        {
            "partition": {"server": "erp", "database": "sales"},
            "offset": {"commit_lsn": "0000006a:00006608:0003", "snapshot": "BLOCKING"},
        },
        {
            "partition": {"server": "erp", "database": "billing"},
            "offset": {
                "commit_lsn": "0000006a:00006610:0001",
                "change_lsn": "0000006a:00006610:0002",
            },
        },
    ]
}

PLUGINS = [
    {
        "class": "io.debezium.connector.postgresql.PostgresConnector",
        "type": "source",
        "version": "3.1.2.Final",
    },
    {
        "class": "io.debezium.connector.mysql.MySqlConnector",
        "type": "source",
        "version": "3.1.2.Final",
    },
    {
        "class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        "type": "source",
        "version": "4.0.0",
    },
]

RESTARTING_STATUS = {
    "name": "orders-pg",
    "connector": {"state": "RESTARTING", "worker_id": "10.0.0.12:8083"},
    "tasks": [{"id": 0, "state": "RESTARTING", "worker_id": "10.0.0.13:8083"}],
    "type": "source",
}

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """Wraps a handler and records every request and every fake sleep."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)


def make_client(
    recorder: Recorder,
    *,
    max_retries: int = 3,
    clock: Callable[[], float] | None = None,
    **options: Any,
) -> ConnectClient:
    limiter = ClusterLimiter(
        LimiterSettings(max_in_flight=4, requests_per_second=1000.0, burst=1000), cluster="test"
    )
    policy = RetryPolicy(
        max_retries=max_retries,
        backoff_base_seconds=0.5,
        backoff_max_seconds=2.0,
        rng=random.Random(7),
    )
    if clock is not None:
        options["clock"] = clock
    return ConnectClient(
        BASE_URL,
        cluster="test",
        limiter=limiter,
        retry_policy=policy,
        transport=httpx.MockTransport(recorder),
        sleep=recorder.sleep,
        **options,
    )


def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def error_response(status: int, message: str, **headers: str) -> httpx.Response:
    return json_response(status, {"error_code": status, "message": message}, **headers)


def always(response_factory: Callable[[], httpx.Response]) -> Recorder:
    return Recorder(lambda request: response_factory())


def sequence(*responses: httpx.Response | Exception) -> Recorder:
    """Return the first item for the first request, and so on. Exceptions are raised."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return Recorder(handler)


async def test_list_connectors_parses_names() -> None:
    recorder = always(lambda: json_response(200, ["orders-pg", "inventory-mysql"]))

    async with make_client(recorder) as client:
        names = await client.list_connectors()

    assert names == ["orders-pg", "inventory-mysql"]
    assert recorder.requests[0].method == "GET"
    assert recorder.requests[0].url.raw_path == b"/connectors"


async def test_list_connectors_expanded_parses_info_and_status() -> None:
    body = {
        "orders-pg": {"info": PG_INFO, "status": PG_STATUS},
        "orders-sink": {"status": SINK_STATUS, "info": SINK_INFO},
    }
    recorder = always(lambda: json_response(200, body))

    async with make_client(recorder) as client:
        overviews = await client.list_connectors_expanded()

    assert recorder.requests[0].url.raw_path == b"/connectors?expand=info&expand=status"
    assert sorted(overviews) == ["orders-pg", "orders-sink"]
    assert overviews["orders-pg"].info.type == "source"
    assert overviews["orders-pg"].info.config["topic.prefix"] == "orders"
    assert overviews["orders-pg"].status.tasks[0].worker_id == "10.0.0.13:8083"
    assert overviews["orders-sink"].info.type == "sink"
    assert overviews["orders-sink"].info.tasks == ()
    assert overviews["orders-sink"].status.state == "PAUSED"


async def test_get_connector_info_parses_fields() -> None:
    recorder = always(lambda: json_response(200, PG_INFO))

    async with make_client(recorder) as client:
        info = await client.get_connector_info("orders-pg")

    assert recorder.requests[0].url.raw_path == b"/connectors/orders-pg"
    assert info.name == "orders-pg"
    assert info.type == "source"
    assert info.config == PG_CONFIG
    assert info.tasks == (0,)


async def test_connector_info_repr_hides_config() -> None:
    recorder = always(lambda: json_response(200, PG_INFO))

    async with make_client(recorder) as client:
        info = await client.get_connector_info("orders-pg")

    assert SECRET not in repr(info)
    assert "orders-pg" in repr(info)


async def test_get_config_parses_strings() -> None:
    recorder = always(lambda: json_response(200, PG_CONFIG))

    async with make_client(recorder) as client:
        config = await client.get_config("orders-pg")

    assert recorder.requests[0].url.raw_path == b"/connectors/orders-pg/config"
    assert config == PG_CONFIG


async def test_get_config_non_string_value_invalid_without_value() -> None:
    recorder = always(lambda: json_response(200, {"database.password": 12345678}))

    async with make_client(recorder) as client:
        with pytest.raises(ConnectResponseInvalid) as caught:
            await client.get_config("orders-pg")

    assert "'database.password'" in str(caught.value)
    assert "12345678" not in str(caught.value)


async def test_get_status_parses_running_connector() -> None:
    recorder = always(lambda: json_response(200, PG_STATUS))

    async with make_client(recorder) as client:
        status = await client.get_status("orders-pg")

    assert recorder.requests[0].url.raw_path == b"/connectors/orders-pg/status"
    assert status.name == "orders-pg"
    assert status.state == "RUNNING"
    assert status.worker_id == "10.0.0.12:8083"
    assert status.type == "source"
    assert status.version == "3.1.2.Final"
    assert status.trace is None
    assert len(status.tasks) == 1
    assert status.tasks[0].id == 0
    assert status.tasks[0].state == "RUNNING"
    assert status.tasks[0].worker_id == "10.0.0.13:8083"
    assert status.worker_ids == {"10.0.0.12:8083", "10.0.0.13:8083"}


async def test_get_status_parses_failed_task_trace() -> None:
    recorder = always(lambda: json_response(200, FAILED_STATUS))

    async with make_client(recorder) as client:
        status = await client.get_status("inventory-mysql")

    assert [task.state for task in status.tasks] == ["FAILED", "RUNNING"]
    assert status.tasks[0].trace is not None
    assert status.tasks[0].trace.startswith("org.apache.kafka.connect.errors.ConnectException")
    assert status.tasks[1].trace is None
    assert status.version is None
    assert status.worker_ids == {"10.0.0.12:8083", "10.0.0.14:8083"}


async def test_get_status_missing_state_invalid() -> None:
    body = {"name": "orders-pg", "connector": {"worker_id": "10.0.0.12:8083"}, "tasks": []}
    recorder = always(lambda: json_response(200, body))

    async with make_client(recorder) as client:
        with pytest.raises(ConnectResponseInvalid, match=r"status\.connector\.state"):
            await client.get_status("orders-pg")


async def test_get_offsets_parses_postgres_incremental() -> None:
    recorder = always(lambda: json_response(200, PG_OFFSETS))

    async with make_client(recorder) as client:
        offsets = await client.get_offsets("orders-pg")

    assert recorder.requests[0].url.raw_path == b"/connectors/orders-pg/offsets"
    assert len(offsets) == 1
    assert offsets[0].partition == {"server": "orders"}
    assert offsets[0].offset["lsn"] == 24023128
    assert "incremental_snapshot_primary_key" in offsets[0].offset


async def test_get_offsets_parses_every_partition() -> None:
    recorder = always(lambda: json_response(200, SQLSERVER_OFFSETS))

    async with make_client(recorder) as client:
        offsets = await client.get_offsets("erp-sqlserver")

    assert offsets == [
        ConnectorOffset(
            partition={"server": "erp", "database": "sales"},
            offset={"commit_lsn": "0000006a:00006608:0003", "snapshot": "BLOCKING"},
        ),
        ConnectorOffset(
            partition={"server": "erp", "database": "billing"},
            offset={"commit_lsn": "0000006a:00006610:0001", "change_lsn": "0000006a:00006610:0002"},
        ),
    ]


async def test_get_offsets_empty_for_new_connector() -> None:
    recorder = always(lambda: json_response(200, {"offsets": []}))

    async with make_client(recorder) as client:
        assert await client.get_offsets("orders-pg") == []


async def test_get_offsets_missing_endpoint_rejected_not_not_found() -> None:
    # Kafka Connect before 3.5 has no /offsets resource, and Jersey responds with its own 404.
    recorder = always(lambda: error_response(404, "HTTP 404 Not Found"))

    async with make_client(recorder) as client:
        with pytest.raises(ConnectRequestRejected) as caught:
            await client.get_offsets("orders-pg")

    assert caught.value.status == 404
    assert "endpoint does not exist" in str(caught.value)


async def test_get_topics_parses_list() -> None:
    body = {"orders-pg": {"topics": ["orders.public.orders", "orders.public.customers"]}}
    recorder = always(lambda: json_response(200, body))

    async with make_client(recorder) as client:
        topics = await client.get_topics("orders-pg")

    assert recorder.requests[0].url.raw_path == b"/connectors/orders-pg/topics"
    assert topics == ["orders.public.orders", "orders.public.customers"]


async def test_get_topics_tracking_disabled_rejected() -> None:
    recorder = always(lambda: error_response(403, "Topic tracking is disabled."))

    async with make_client(recorder) as client:
        with pytest.raises(ConnectRequestRejected) as caught:
            await client.get_topics("orders-pg")

    assert caught.value.status == 403
    assert caught.value.server_message == "Topic tracking is disabled."
    assert len(recorder.requests) == 1


async def test_list_plugins_parses_fields() -> None:
    recorder = always(lambda: json_response(200, PLUGINS))

    async with make_client(recorder) as client:
        plugins = await client.list_plugins()

    assert recorder.requests[0].url.raw_path == b"/connector-plugins"
    assert plugins[0] == PluginInfo(
        class_name="io.debezium.connector.postgresql.PostgresConnector",
        type="source",
        version="3.1.2.Final",
    )
    assert [plugin.class_name for plugin in plugins][1:] == [
        "io.debezium.connector.mysql.MySqlConnector",
        "org.apache.kafka.connect.mirror.MirrorSourceConnector",
    ]


async def test_list_plugins_cached_for_ttl() -> None:
    recorder = always(lambda: json_response(200, PLUGINS))
    now = [1000.0]

    async with make_client(recorder, clock=lambda: now[0], plugins_cache_seconds=60.0) as client:
        await client.list_plugins()
        now[0] += 59.0
        await client.list_plugins()
        assert len(recorder.requests) == 1

        now[0] += 2.0
        await client.list_plugins()
        assert len(recorder.requests) == 2


async def test_restart_sends_include_tasks_and_parses_status() -> None:
    recorder = always(lambda: json_response(202, RESTARTING_STATUS))

    async with make_client(recorder) as client:
        status = await client.restart("orders-pg")

    request = recorder.requests[0]
    assert request.method == "POST"
    assert (
        request.url.raw_path == b"/connectors/orders-pg/restart?includeTasks=true&onlyFailed=false"
    )
    assert status is not None
    assert status.state == "RESTARTING"
    assert [task.state for task in status.tasks] == ["RESTARTING"]


async def test_restart_no_content_returns_none() -> None:
    recorder = always(lambda: httpx.Response(204))

    async with make_client(recorder) as client:
        status = await client.restart("orders-pg", include_tasks=False)

    assert recorder.requests[0].url.params["includeTasks"] == "false"
    assert status is None


async def test_restart_logs_one_info_line(caplog: pytest.LogCaptureFixture) -> None:
    recorder = always(lambda: json_response(202, RESTARTING_STATUS))
    caplog.set_level(logging.DEBUG, logger="snapshot_operator.backends.connect")

    async with make_client(recorder) as client:
        await client.restart("orders-pg")

    info_lines = [
        record.getMessage() for record in caplog.records if record.levelno == logging.INFO
    ]
    assert info_lines == [
        "Kafka Connect cluster 'test' accepted the restart of connector 'orders-pg' "
        "with includeTasks=true and onlyFailed=false (HTTP 202)."
    ]


async def test_restart_task_posts_to_task_path() -> None:
    recorder = always(lambda: httpx.Response(204))

    async with make_client(recorder) as client:
        await client.restart_task("orders pg", 2)

    assert recorder.requests[0].method == "POST"
    assert recorder.requests[0].url.raw_path == b"/connectors/orders%20pg/tasks/2/restart"


async def test_reads_log_debug_without_config(caplog: pytest.LogCaptureFixture) -> None:
    recorder = always(lambda: json_response(200, PG_INFO))
    caplog.set_level(logging.DEBUG, logger="snapshot_operator.backends.connect")

    async with make_client(recorder) as client:
        await client.get_connector_info("orders-pg")

    assert [record.levelno for record in caplog.records] == [logging.DEBUG]
    assert caplog.records[0].getMessage() == (
        "GET /connectors/orders-pg on Kafka Connect cluster 'test' returned HTTP 200."
    )
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("name", "raw_path"),
    [
        ("orders pg", b"/connectors/orders%20pg/status"),
        ("team/orders", b"/connectors/team%2Forders/status"),
        ("orders.pg", b"/connectors/orders.pg/status"),
        ("a?b#c&d", b"/connectors/a%3Fb%23c%26d/status"),
        ("..", b"/connectors/%2E%2E/status"),
        ("zürich", b"/connectors/z%C3%BCrich/status"),
    ],
)
async def test_connector_name_escaped_in_path(name: str, raw_path: bytes) -> None:
    recorder = always(lambda: json_response(200, PG_STATUS))

    async with make_client(recorder) as client:
        await client.get_status(name)

    assert recorder.requests[0].url.raw_path == raw_path


def test_connector_path_empty_name_rejected() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        connector_path("")


async def test_not_found_raises_connector_not_found() -> None:
    recorder = always(lambda: error_response(404, "Connector orders-pg not found"))

    async with make_client(recorder) as client:
        with pytest.raises(ConnectorNotFound) as caught:
            await client.get_status("orders-pg")

    assert caught.value.connector == "orders-pg"
    assert caught.value.cluster == "test"
    assert "'orders-pg' was not found on Kafka Connect cluster 'test'" in str(caught.value)
    assert len(recorder.requests) == 1


async def test_conflict_twice_then_success_retried() -> None:
    rebalance = "Cannot complete request momentarily due to no known leader URL"
    recorder = sequence(
        error_response(409, rebalance),
        error_response(409, rebalance),
        json_response(200, PG_STATUS),
    )

    async with make_client(recorder) as client:
        status = await client.get_status("orders-pg")

    assert status.state == "RUNNING"
    assert len(recorder.requests) == 3
    assert len(recorder.sleeps) == 2


async def test_retry_after_header_honoured() -> None:
    recorder = sequence(
        error_response(503, "Service Unavailable", **{"Retry-After": "3"}),
        json_response(200, ["orders-pg"]),
    )

    async with make_client(recorder) as client:
        await client.list_connectors()

    assert len(recorder.sleeps) == 1
    assert recorder.sleeps[0] >= 3.0


async def test_persistent_server_error_raises_after_all_attempts() -> None:
    recorder = always(lambda: error_response(500, "Request timed out"))

    async with make_client(recorder, max_retries=3) as client:
        with pytest.raises(ConnectUnavailable) as caught:
            await client.get_status("orders-pg")

    assert len(recorder.requests) == 4
    assert len(recorder.sleeps) == 3
    assert caught.value.status == 500
    assert caught.value.server_message == "Request timed out"
    assert "HTTP 500 to GET /connectors/orders-pg/status" in str(caught.value)


async def test_retries_logged_as_warnings(caplog: pytest.LogCaptureFixture) -> None:
    recorder = sequence(error_response(429, "Too Many Requests"), json_response(200, []))
    caplog.set_level(logging.WARNING, logger="snapshot_operator.backends.connect")

    async with make_client(recorder) as client:
        await client.list_connectors()

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1
    assert messages[0].startswith(
        "GET /connectors on Kafka Connect cluster 'test' failed with HTTP 429. Retry 1 of 3 in "
    )


async def test_bad_request_rejected_with_kafka_message() -> None:
    message = "Connector configuration is invalid and contains the following 1 error(s)"
    recorder = always(lambda: error_response(400, message))

    async with make_client(recorder) as client:
        with pytest.raises(ConnectRequestRejected) as caught:
            await client.restart("orders-pg")

    assert caught.value.status == 400
    assert caught.value.error_code == 400
    assert caught.value.server_message == message
    assert message in str(caught.value)
    assert len(recorder.requests) == 1


async def test_unauthorized_rejected_with_credentials_hint() -> None:
    recorder = always(lambda: httpx.Response(401, text="Unauthorized"))

    async with make_client(recorder) as client:
        with pytest.raises(ConnectRequestRejected, match="credentials") as caught:
            await client.list_connectors()

    assert caught.value.status == 401
    assert caught.value.server_message == "Unauthorized"


async def test_read_timeout_retried() -> None:
    recorder = sequence(
        httpx.ReadTimeout("timed out"),
        json_response(200, PG_STATUS),
    )

    async with make_client(recorder) as client:
        status = await client.get_status("orders-pg")

    assert status.name == "orders-pg"
    assert len(recorder.requests) == 2
    assert len(recorder.sleeps) == 1


async def test_connection_refused_raises_unavailable_with_cause() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    recorder = Recorder(refuse)

    async with make_client(recorder, max_retries=2) as client:
        with pytest.raises(ConnectUnavailable) as caught:
            await client.list_connectors()

    assert len(recorder.requests) == 3
    assert isinstance(caught.value.cause, httpx.ConnectError)
    assert caught.value.status is None
    assert "Connection refused" in str(caught.value)


async def test_success_with_non_json_body_invalid() -> None:
    recorder = always(lambda: httpx.Response(200, text="<html>login</html>"))

    async with make_client(recorder) as client:
        with pytest.raises(ConnectResponseInvalid, match="not valid JSON"):
            await client.list_connectors()


async def test_redirect_not_followed_and_invalid() -> None:
    recorder = always(
        lambda: httpx.Response(302, headers={"Location": "https://sso.example/login?state=t0k3n"})
    )

    async with make_client(recorder) as client:
        with pytest.raises(ConnectResponseInvalid, match=r"sso\.example/login") as caught:
            await client.list_connectors()

    assert len(recorder.requests) == 1
    assert "t0k3n" not in str(caught.value)


async def test_auth_and_headers_sent() -> None:
    recorder = always(lambda: json_response(200, []))

    async with make_client(
        recorder, auth=httpx.BasicAuth("operator", "pw"), headers={"X-Tenant": "orders"}
    ) as client:
        await client.list_connectors()

    request = recorder.requests[0]
    assert request.headers["Authorization"] == "Basic b3BlcmF0b3I6cHc="
    assert request.headers["X-Tenant"] == "orders"


async def test_closed_client_raises_runtime_error() -> None:
    recorder = always(lambda: json_response(200, []))
    client = make_client(recorder)

    await client.aclose()

    with pytest.raises(RuntimeError):
        await client.list_connectors()
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (408, ConnectUnavailable),
        (409, ConnectUnavailable),
        (429, ConnectUnavailable),
        (500, ConnectUnavailable),
        (502, ConnectUnavailable),
        (503, ConnectUnavailable),
        (504, ConnectUnavailable),
        (400, ConnectRequestRejected),
        (401, ConnectRequestRejected),
        (403, ConnectRequestRejected),
        (405, ConnectRequestRejected),
        (422, ConnectRequestRejected),
    ],
)
def test_to_connect_error_maps_status(status: int, expected: type[ConnectError]) -> None:
    response = error_response(status, "message from Kafka Connect")

    error = to_connect_error(response, request="GET /connectors/a", connector="a", cluster="test")

    assert type(error) is expected
    assert error.retryable is (expected is ConnectUnavailable)


def test_to_connect_error_404_without_connector_rejected() -> None:
    response = error_response(404, "Connector a not found")

    error = to_connect_error(response, request="GET /connector-plugins", cluster="test")

    assert isinstance(error, ConnectRequestRejected)


def test_to_connect_error_404_html_from_proxy_rejected() -> None:
    response = httpx.Response(404, text="<html>404 Not Found</html>")

    error = to_connect_error(response, request="GET /connectors/a", connector="a", cluster="test")

    assert isinstance(error, ConnectRequestRejected)


@pytest.mark.parametrize(
    ("exception", "expected"),
    [
        (httpx.ConnectTimeout("timed out"), ConnectUnavailable),
        (httpx.PoolTimeout("timed out"), ConnectUnavailable),
        (httpx.ReadError("connection reset"), ConnectUnavailable),
        (httpx.RemoteProtocolError("server disconnected"), ConnectUnavailable),
        (httpx.DecodingError("bad gzip"), ConnectResponseInvalid),
        (httpx.UnsupportedProtocol("ftp is not supported"), ConnectError),
    ],
)
def test_to_connect_error_maps_exceptions(
    exception: httpx.HTTPError, expected: type[ConnectError]
) -> None:
    error = to_connect_error(exception, request="GET /connectors", cluster="test")

    assert type(error) is expected
