"""Client for the Kafka Connect REST API, limited and retried per cluster.

Endpoints used, and the Kafka Connect release that each one needs. "present at 2.8.0"
marks an endpoint that already exists at 2.8.0, the oldest release tag that was read.
Sources are ``ConnectorsResource`` and ``ConnectorPluginsResource`` in apache/kafka at
the release tags, and the REST section of ``docs/connect.html``:

====================================================  ==========================
``GET /connectors``                                   present at 2.8.0
``GET /connectors?expand=info&expand=status``         2.3.0
``GET /connectors/{name}`` and ``.../config``         present at 2.8.0
``GET /connectors/{name}/status``                     present at 2.8.0
``GET /connectors/{name}/topics``                     first release not checked
``GET /connectors/{name}/offsets``                    3.5.0 (KIP-875)
``GET /connector-plugins``                            present at 2.8.0
``POST /connectors/{name}/restart?includeTasks=...``  3.0.0 (KIP-745)
``POST /connectors/{name}/tasks/{id}/restart``        present at 2.8.0
====================================================  ==========================

Responses are parsed into small frozen dataclasses, in the shapes that Kafka Connect
4.x returns. Fields that only recent releases send are optional, such as ``version`` in
the status. Kafka Connect reports errors as a JSON body
``{"error_code": <int>, "message": <str>}``. ``to_connect_error`` maps every failure to
the most specific class in ``snapshot_operator.errors``:

- 404 for a connector becomes ``ConnectorNotFound``. A 404 whose message is Jersey's
  generic "HTTP 404 Not Found" means that the endpoint itself is missing, which happens
  with ``/offsets`` before 3.5. That case becomes ``ConnectRequestRejected``.
- 408, 409, 429, 5xx, time-outs and network errors become ``ConnectUnavailable``, which
  is retried. Kafka Connect returns 409 while the workers rebalance, and 500 "Request
  timed out" after its 90 s REST request timeout.
- other 4xx become ``ConnectRequestRejected``. An example is 403 "Topic tracking is
  disabled." from ``/topics`` when ``topic.tracking.enable`` is false.

Every HTTP attempt passes the cluster's ``ClusterLimiter`` and the ``RetryPolicy``.
The restart is retried like any other request. A retry after a lost response costs at
most one more restart, and none while the first is still pending, because Kafka Connect
keeps at most one pending restart request per connector
(``DistributedHerder.processRestartRequests``). Connector configs can contain passwords,
so this module never logs them, and ``ConnectorInfo`` leaves ``config`` out of its repr.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlencode

import httpx

from snapshot_operator.backends.connect_responses import (
    ConnectorInfo,
    ConnectorOffset,
    ConnectorOverview,
    ConnectorStatus,
    PluginInfo,
    ResponseShapeError,
    expect_list,
    expect_object,
    expect_string,
    parse_config,
    parse_info,
    parse_offsets,
    parse_plugins,
    parse_status,
)
from snapshot_operator.backends.limiter import ClusterLimiter
from snapshot_operator.backends.retry import RetryPolicy, call_with_retries, parse_retry_after
from snapshot_operator.errors import (
    ConnectError,
    ConnectorNotFound,
    ConnectRequestRejected,
    ConnectResponseInvalid,
    ConnectUnavailable,
)

logger = logging.getLogger(__name__)

# Kafka Connect responds with 500 to a request that it could not finish within 90 s
# (RestServer.DEFAULT_REST_REQUEST_TIMEOUT_MS). Reading longer lets that response, which
# names the blocked stage, arrive instead of a client-side time-out.
DEFAULT_TIMEOUT = httpx.Timeout(100.0, connect=10.0)
DEFAULT_PLUGINS_CACHE_SECONDS = 60.0

# Jersey's message for a path that no resource serves. Kafka Connect's own "connector not
# found" message names the connector instead (ConnectExceptionMapper in apache/kafka).
# NOTE: read from the source only. No pre-3.5 worker was asked for /offsets.
_MISSING_ENDPOINT_MESSAGE = "HTTP 404 Not Found"
_TRANSIENT_STATUSES = frozenset({408, 409, 429})


def connector_path(name: str, *rest: str) -> str:
    """Build ``/connectors/{name}/...`` with the name escaped as one path segment.

    Every character outside the unreserved set is percent-encoded, including "/". A name
    made only of dots is encoded too, so that "." and ".." do not collapse the path.
    """
    if not name:
        raise ValueError("A connector name must not be empty.")
    segment = quote(name, safe="")
    if segment.strip(".") == "":
        segment = "%2E" * len(segment)
    return "/".join(["/connectors", segment, *rest])


def _error_body(response: httpx.Response) -> tuple[str | None, int | None, bool]:
    """Return Kafka Connect's error message, its error code, and whether the body was JSON."""
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split())
        return (text[:200] or None), None, False
    if not isinstance(body, dict):
        return None, None, True
    message = body.get("message")
    error_code = body.get("error_code")
    return (
        message if isinstance(message, str) else None,
        error_code if isinstance(error_code, int) else None,
        True,
    )


def to_connect_error(
    failure: httpx.Response | httpx.HTTPError,
    *,
    request: str,
    cluster: str | None = None,
    connector: str | None = None,
) -> ConnectError:
    """Map a failed response or an httpx exception to the most specific ``ConnectError``.

    ``request`` is the method and path for the message, such as ``GET /connectors``.
    ``connector`` names the connector that the path refers to, if any, so that a 404
    becomes ``ConnectorNotFound``.
    """
    if isinstance(failure, httpx.HTTPError):
        return _error_from_exception(failure, request=request, cluster=cluster)

    status = failure.status_code
    message, error_code, is_json = _error_body(failure)
    if status == 404 and connector is not None and is_json and message != _MISSING_ENDPOINT_MESSAGE:
        return ConnectorNotFound(connector, cluster=cluster, request=request)
    if status == 404:
        return ConnectRequestRejected(
            request,
            status=status,
            cluster=cluster,
            server_message=message,
            error_code=error_code,
            hint=(
                "The endpoint does not exist on this server. Check that the cluster URL points "
                "at the Kafka Connect REST API and that its release has this endpoint."
            ),
        )
    if status in _TRANSIENT_STATUSES or status >= 500:
        return ConnectUnavailable(
            request,
            cluster=cluster,
            status=status,
            server_message=message,
            retry_after=parse_retry_after(failure.headers.get("Retry-After")),
        )
    if 400 <= status < 500:
        return ConnectRequestRejected(
            request, status=status, cluster=cluster, server_message=message, error_code=error_code
        )
    detail = f"HTTP {status} is not a status the client expects"
    if failure.has_redirect_location:
        # The query of a login redirect can carry a token, so only the rest is shown.
        location = httpx.URL(failure.headers["Location"]).copy_with(query=None, fragment=None)
        detail += f" (a redirect to {str(location)!r})"
    return ConnectResponseInvalid(request, detail, cluster=cluster)


def _error_from_exception(
    error: httpx.HTTPError, *, request: str, cluster: str | None
) -> ConnectError:
    transient = (
        httpx.TimeoutException,
        httpx.NetworkError,
        httpx.RemoteProtocolError,
        httpx.ProxyError,
    )
    if isinstance(error, transient):
        return ConnectUnavailable(request, cluster=cluster, cause=error)
    if isinstance(error, httpx.DecodingError):
        return ConnectResponseInvalid(
            request, f"the body could not be decoded ({error})", cluster=cluster
        )
    target = f"Kafka Connect cluster {cluster!r}" if cluster else "Kafka Connect"
    return ConnectError(
        f"{request} to {target} could not be sent because of {type(error).__name__} ({error}). "
        "Check the cluster URL in the operator's configuration.",
        cluster=cluster,
        request=request,
    )


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


class ConnectClient:
    """Async client for one Kafka Connect cluster's REST API.

    Usage::

        async with ConnectClient(url, cluster="default", limiter=..., retry_policy=...) as client:
            status = await client.get_status("orders-pg")
    """

    def __init__(
        self,
        base_url: str,
        *,
        limiter: ClusterLimiter,
        retry_policy: RetryPolicy,
        cluster: str = "default",
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        verify: ssl.SSLContext | bool = True,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        plugins_cache_seconds: float = DEFAULT_PLUGINS_CACHE_SECONDS,
        clock: Clock = _loop_time,
        sleep: Sleep = asyncio.sleep,
    ):
        self.cluster = cluster
        self.limiter = limiter
        self._retry_policy = retry_policy
        self._plugins_cache_seconds = plugins_cache_seconds
        self._clock = clock
        self._sleep = sleep
        self._plugins: tuple[float, list[PluginInfo]] | None = None
        self._plugins_lock = asyncio.Lock()
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            headers=headers,
            verify=verify,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | list[str]] | None = None,
        connector: str | None = None,
    ) -> httpx.Response:
        request = f"{method} {path}" + (f"?{urlencode(params, doseq=True)}" if params else "")

        async def attempt() -> httpx.Response:
            async with self.limiter.request_slot():
                try:
                    response = await self._http.request(method, path, params=params)
                except httpx.HTTPError as error:
                    raise to_connect_error(
                        error, request=request, cluster=self.cluster, connector=connector
                    ) from error
            if not response.is_success:
                raise to_connect_error(
                    response, request=request, cluster=self.cluster, connector=connector
                )
            return response

        def log_retry(retry: int, delay: float, error: ConnectUnavailable) -> None:
            if error.status is not None:
                reason = f"HTTP {error.status}"
            else:
                reason = type(error.cause).__name__ if error.cause else "an unknown error"
            logger.warning(
                "%s on Kafka Connect cluster %r failed with %s. Retry %d of %d in %.1f s.",
                request,
                self.cluster,
                reason,
                retry,
                self._retry_policy.max_retries,
                delay,
            )

        response = await call_with_retries(
            attempt, policy=self._retry_policy, sleep=self._sleep, on_retry=log_retry
        )
        logger.debug(
            "%s on Kafka Connect cluster %r returned HTTP %d.",
            request,
            self.cluster,
            response.status_code,
        )
        return response

    async def _get_json(self, path: str, *, connector: str | None = None) -> Any:
        response = await self._send("GET", path, connector=connector)
        return self._json(response, f"GET {path}")

    def _json(self, response: httpx.Response, request: str) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise ConnectResponseInvalid(
                request, "the body is not valid JSON", cluster=self.cluster
            ) from error

    def _invalid(self, request: str, error: ResponseShapeError) -> ConnectResponseInvalid:
        return ConnectResponseInvalid(request, str(error), cluster=self.cluster)

    async def list_connectors(self) -> list[str]:
        """Return the names of all connectors on the cluster."""
        body = await self._get_json("/connectors")
        try:
            return [
                expect_string(name, "a connector name")
                for name in expect_list(body, "the connector list")
            ]
        except ResponseShapeError as error:
            raise self._invalid("GET /connectors", error) from None

    async def list_connectors_expanded(self) -> dict[str, ConnectorOverview]:
        """Return every connector's info and status in one request (Kafka Connect 2.3+).

        A connector deleted while Kafka Connect builds the response is left out of it.
        """
        response = await self._send("GET", "/connectors", params={"expand": ["info", "status"]})
        request = "GET /connectors?expand=info&expand=status"
        body = self._json(response, request)
        try:
            overviews = {}
            for name, item in expect_object(body, "the expanded connector list").items():
                entry = expect_object(item, f"the entry of {name!r}")
                overviews[name] = ConnectorOverview(
                    info=parse_info(entry.get("info")), status=parse_status(entry.get("status"))
                )
        except ResponseShapeError as error:
            raise self._invalid(request, error) from None
        return overviews

    async def get_connector_info(self, name: str) -> ConnectorInfo:
        """Return the connector's type, configuration and task ids."""
        path = connector_path(name)
        body = await self._get_json(path, connector=name)
        try:
            return parse_info(body)
        except ResponseShapeError as error:
            raise self._invalid(f"GET {path}", error) from None

    async def get_config(self, name: str) -> dict[str, str]:
        """Return the connector's configuration. Its values can contain secrets."""
        path = connector_path(name, "config")
        body = await self._get_json(path, connector=name)
        try:
            return parse_config(body, "the config")
        except ResponseShapeError as error:
            raise self._invalid(f"GET {path}", error) from None

    async def get_status(self, name: str) -> ConnectorStatus:
        """Return the state and worker of the connector and of each task."""
        path = connector_path(name, "status")
        body = await self._get_json(path, connector=name)
        try:
            return parse_status(body)
        except ResponseShapeError as error:
            raise self._invalid(f"GET {path}", error) from None

    async def get_offsets(self, name: str) -> list[ConnectorOffset]:
        """Return the connector's committed source offsets (Kafka Connect 3.5+).

        The offsets lag behind the connector by up to ``offset.flush.interval.ms``.
        """
        path = connector_path(name, "offsets")
        body = await self._get_json(path, connector=name)
        try:
            return parse_offsets(body)
        except ResponseShapeError as error:
            raise self._invalid(f"GET {path}", error) from None

    async def get_topics(self, name: str) -> list[str]:
        """Return the topics the connector has used since its topic list was last reset.

        Raises ConnectRequestRejected (HTTP 403) when the workers run with
        ``topic.tracking.enable=false``.
        """
        path = connector_path(name, "topics")
        body = await self._get_json(path, connector=name)
        try:
            entries = expect_object(body, "the topic map")
            entry = expect_object(entries.get(name), f"the entry of {name!r}")
            topics = expect_list(entry.get("topics"), "topics")
            return [expect_string(topic, "a topic name") for topic in topics]
        except ResponseShapeError as error:
            raise self._invalid(f"GET {path}", error) from None

    async def list_plugins(self) -> list[PluginInfo]:
        """Return the connector plugins installed on the worker that serves the request.

        The response is cached for ``plugins_cache_seconds``, because it changes only when
        workers are redeployed and every source on the cluster needs it.
        """
        async with self._plugins_lock:
            now = self._clock()
            if self._plugins is not None and now - self._plugins[0] < self._plugins_cache_seconds:
                return list(self._plugins[1])
            body = await self._get_json("/connector-plugins")
            try:
                plugins = parse_plugins(body)
            except ResponseShapeError as error:
                raise self._invalid("GET /connector-plugins", error) from None
            self._plugins = (now, plugins)
            return list(plugins)

    async def restart(
        self, name: str, *, include_tasks: bool = True, only_failed: bool = False
    ) -> ConnectorStatus | None:
        """Ask Kafka Connect to restart the connector and, by default, all its tasks (3.0+).

        Returns the status that Kafka Connect sends with 202 Accepted, in which the
        instances to restart are RESTARTING. Returns None for 204 No Content, which
        Kafka Connect sends when both flags are false. The restart itself runs
        asynchronously on the owning workers.
        """
        path = connector_path(name, "restart")
        params = {
            "includeTasks": "true" if include_tasks else "false",
            "onlyFailed": "true" if only_failed else "false",
        }
        response = await self._send("POST", path, params=params, connector=name)
        logger.info(
            "Kafka Connect cluster %r accepted the restart of connector %r "
            "with includeTasks=%s and onlyFailed=%s (HTTP %d).",
            self.cluster,
            name,
            params["includeTasks"],
            params["onlyFailed"],
            response.status_code,
        )
        if response.status_code == 204 or not response.content:
            return None
        request = f"POST {path}?{urlencode(params)}"
        body = self._json(response, request)
        try:
            return parse_status(body)
        except ResponseShapeError as error:
            raise self._invalid(request, error) from None

    async def restart_task(self, name: str, task_id: int) -> None:
        """Ask Kafka Connect to restart one task of the connector."""
        path = connector_path(name, "tasks", str(task_id), "restart")
        response = await self._send("POST", path, connector=name)
        logger.info(
            "Kafka Connect cluster %r accepted the restart of task %d of connector %r (HTTP %d).",
            self.cluster,
            task_id,
            name,
            response.status_code,
        )
