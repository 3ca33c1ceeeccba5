"""Errors raised by snapshot-operator, as one small hierarchy.

Every error the operator raises on purpose derives from ``SnapshotOperatorError``::

    SnapshotOperatorError
    ├── ConfigError                   the operator's configuration is invalid
    ├── ConnectError                  a request to Kafka Connect failed
    │   ├── ConnectorNotFound         HTTP 404 for a connector: it does not exist
    │   ├── ConnectUnavailable        transient: 409, 429, 5xx, time-outs, network errors
    │   ├── ConnectRequestRejected    permanent: any other 4xx
    │   └── ConnectResponseInvalid    a success status with a body that is not the expected JSON
    └── SignalError                   sending a Debezium signal failed
        ├── SignalChannelUnavailable  transient: the database or topic could not be reached
        │   └── SignalChannelNotConfigured  permanent: the connector config gives no usable
        │                                   connection settings or credentials
        └── SignalRejected            permanent: the channel refused the signal

``retryable`` is true on the transient classes, so a caller can decide whether another
attempt may succeed without knowing every class. Only ``ConnectUnavailable`` is retried
automatically, by ``backends.retry.call_with_retries``.

HTTP responses and httpx exceptions are mapped to these classes in one place,
``backends.connect.to_connect_error``. This module is a leaf: it imports nothing from
the rest of the package, so every layer may import it.
"""

from __future__ import annotations


class SnapshotOperatorError(Exception):
    """Base class of every error that snapshot-operator raises on purpose."""

    retryable: bool = False


class ConfigError(SnapshotOperatorError):
    """The operator's configuration is invalid or does not name what a resource requests."""


def _describe_cluster(cluster: str | None) -> str:
    return f"Kafka Connect cluster {cluster!r}" if cluster else "Kafka Connect"


class ConnectError(SnapshotOperatorError):
    """A request to a Kafka Connect cluster failed."""

    def __init__(self, message: str, *, cluster: str | None = None, request: str | None = None):
        super().__init__(message)
        self.cluster = cluster
        self.request = request


class ConnectorNotFound(ConnectError):
    """The connector does not exist on the cluster (HTTP 404)."""

    def __init__(self, connector: str, *, cluster: str | None = None, request: str | None = None):
        super().__init__(
            f"Connector {connector!r} was not found on {_describe_cluster(cluster)}. "
            "Check the name against GET /connectors on that cluster, "
            "because connector names are case-sensitive.",
            cluster=cluster,
            request=request,
        )
        self.connector = connector


class ConnectUnavailable(ConnectError):
    """Kafka Connect could not serve the request now, and a later attempt may succeed.

    Either ``status`` is set (408, 409, 429, 5xx) or ``cause`` is (a time-out or a network
    error). ``retry_after`` is the delay in seconds that the server requested, if any.
    """

    retryable = True

    def __init__(
        self,
        request: str,
        *,
        cluster: str | None = None,
        status: int | None = None,
        server_message: str | None = None,
        cause: BaseException | None = None,
        retry_after: float | None = None,
    ):
        target = _describe_cluster(cluster)
        if status is not None:
            summary = f"{target} returned HTTP {status} to {request}"
        elif cause is not None:
            summary = f"{request} to {target} failed with {type(cause).__name__}"
            if str(cause):
                summary += f" ({cause})"
        else:
            summary = f"{request} to {target} failed"
        if server_message:
            summary += f" with the message {server_message!r}"
        super().__init__(
            f"{summary}. This error is usually transient. If it persists, check that the "
            "Connect workers are running and reachable and that no rebalance is stuck.",
            cluster=cluster,
            request=request,
        )
        self.status = status
        self.server_message = server_message
        self.cause = cause
        self.retry_after = retry_after


class ConnectRequestRejected(ConnectError):
    """Kafka Connect rejected the request with a 4xx status that retrying does not change.

    ``server_message`` and ``error_code`` come from Kafka Connect's JSON error body
    ``{"error_code": ..., "message": ...}`` when the response has one.
    """

    def __init__(
        self,
        request: str,
        *,
        status: int,
        cluster: str | None = None,
        server_message: str | None = None,
        error_code: int | None = None,
        hint: str | None = None,
    ):
        summary = f"{_describe_cluster(cluster)} rejected {request} with HTTP {status}"
        if server_message:
            summary += f" and the message {server_message!r}"
        advice = hint or _advice_for_status(status)
        super().__init__(f"{summary}. {advice}", cluster=cluster, request=request)
        self.status = status
        self.server_message = server_message
        self.error_code = error_code


def _advice_for_status(status: int) -> str:
    if status in (401, 403):
        return (
            "Check the credentials configured for this cluster and that they may call "
            "this endpoint. Retrying does not help."
        )
    return "Retrying does not help, so check the request and the cluster's version and settings."


class ConnectResponseInvalid(ConnectError):
    """Kafka Connect returned a response that the client cannot use, such as non-JSON text."""

    def __init__(self, request: str, detail: str, *, cluster: str | None = None):
        super().__init__(
            f"{_describe_cluster(cluster)} returned an unexpected response to {request}: "
            f"{detail}. Check that the cluster URL points at the Kafka Connect REST API and "
            "not at a proxy or another service.",
            cluster=cluster,
            request=request,
        )
        self.detail = detail


class SignalError(SnapshotOperatorError):
    """Sending a Debezium signal to a connector failed."""

    def __init__(self, message: str, *, connector: str, channel: str):
        super().__init__(message)
        self.connector = connector
        self.channel = channel


class SignalChannelUnavailable(SignalError):
    """The signal channel could not be reached now, and a later attempt may succeed.

    Examples are a database that refuses connections and a Kafka broker that times out.
    """

    retryable = True

    def __init__(self, *, connector: str, channel: str, detail: str):
        super().__init__(
            f"The {channel} signal channel of connector {connector!r} is unavailable: "
            f"{detail}. Check that the database or broker is reachable from the operator, "
            "then create a new BulkStopSnapshot to try again.",
            connector=connector,
            channel=channel,
        )
        self.detail = detail


class SignalRejected(SignalError):
    """The signal channel refused the signal, and retrying does not change that.

    Examples are a missing signaling table and an INSERT without permission.
    """

    def __init__(self, *, connector: str, channel: str, detail: str):
        super().__init__(
            f"The {channel} signal channel of connector {connector!r} rejected the "
            f"stop-snapshot signal: {detail}. Check the connector's signal.data.collection "
            "setting and the permissions of the credentials used to write signals.",
            connector=connector,
            channel=channel,
        )
        self.detail = detail


class SignalChannelNotConfigured(SignalChannelUnavailable):
    """The connector's configuration gives the operator no usable way to write a signal.

    Examples are a connector config without ``database.hostname`` and a password that is an
    externalized config-provider reference, which only Kafka Connect can resolve. It derives
    from ``SignalChannelUnavailable`` because the channel cannot be used, but retrying does
    not help until the configuration changes, so ``retryable`` is false.
    """

    retryable = False

    def __init__(self, *, connector: str, channel: str, detail: str, remedy: str):
        SignalError.__init__(
            self,
            f"The {channel} signal channel of connector {connector!r} cannot be used: "
            f"{detail}. {remedy}",
            connector=connector,
            channel=channel,
        )
        self.detail = detail
