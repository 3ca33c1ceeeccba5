"""The operator's configuration: Kafka Connect clusters, their limits, signal credentials.

The operator reads one YAML file at start (a ConfigMap in the Helm chart) with
``OperatorConfig.from_yaml_file`` and logs ``redacted_summary()``. Example::

    connect_clusters:
      - name: default
        url: https://connect.kafka.svc:8083
        auth: {type: basic, secret_ref: {name: connect-admin}}
        ca_secret_ref: {name: connect-ca}
        limits: {max_concurrency: 2, requests_per_second: 5}
    signal_credentials:
      - connector_pattern: "orders-*"
        secret_ref: {name: orders-db-signals}
    defaults:
      verify_timeout_seconds: 120

Keys are snake_case, and an unknown key is an error, so a misspelt limit cannot silently
fall back to its default. The file holds no secret values: credentials are referenced by
Secret name and key, and a cluster URL must not carry a user name or password. A Secret
reference without ``namespace`` means the namespace the operator runs in.

Resources name a cluster by ``spec.connectCluster``, never by URL, so a user who may create
a BulkStopSnapshot cannot make the operator call an address of their choosing.

The limit defaults are deliberately low, following Streamkap's description of its own bulk
stop call, which runs "with lower concurrency to avoid overwhelming Kafka Connect".
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import urllib.parse
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from snapshot_operator.errors import ConfigError
from snapshot_operator.models.spec import (
    DEFAULT_VERIFY_TIMEOUT_SECONDS,
    MAX_CONCURRENCY_LIMIT,
    VERIFY_TIMEOUT_MAX_SECONDS,
    ClusterName,
    validation_problems,
)

# Kubernetes object names (DNS-1123 subdomain and label) and Secret data keys.
SECRET_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
NAMESPACE_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
SECRET_KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"

SecretName = Annotated[str, Field(pattern=SECRET_NAME_PATTERN, max_length=253)]
Namespace = Annotated[str, Field(pattern=NAMESPACE_PATTERN, max_length=63)]
SecretKey = Annotated[str, Field(pattern=SECRET_KEY_PATTERN, max_length=253)]


class ConfigFileError(ConfigError):
    """The configuration file cannot be read or breaks a rule.

    ``path`` is the file, and ``fields`` names each bad field, such as
    ``connect_clusters[0].url``. The message lists every problem.
    """

    def __init__(
        self,
        path: str,
        problems: tuple[str, ...],
        fields: tuple[str, ...] = (),
        *,
        unreadable: bool = False,
    ):
        what = "cannot be read" if unreadable else "is invalid"
        fix = (
            "Check the path given to --config."
            if unreadable
            else "Fix the file (in the Helm chart: the config value) and restart the operator."
        )
        super().__init__(
            f"The operator configuration {path} {what}: " + " ".join(problems) + f" {fix}"
        )
        self.path = path
        self.problems = problems
        self.fields = fields


class _ConfigModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        # With extra="forbid" alone, pydantic reports only "Extra inputs are not permitted".
        # This check also names the allowed keys and the closest match.
        if not isinstance(data, dict):
            return data
        allowed = sorted(cls.model_fields)
        for key in data:
            if key in cls.model_fields:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            raise PydanticCustomError(
                "unknown_key",
                f"the key {str(key)!r} is not a known setting here. {hint}"
                f"The allowed keys are: {', '.join(allowed)}",
            )
        return data


class SecretRef(_ConfigModel):
    """A Secret with a user name and a password, such as database credentials."""

    name: SecretName
    namespace: Namespace | None = None
    username_key: SecretKey = "username"
    password_key: SecretKey = "password"


class AuthSecretRef(_ConfigModel):
    """The Secret with Kafka Connect credentials. Which keys apply depends on the auth type.

    Read the keys through ``ConnectAuth``, which fills in their defaults.
    """

    name: SecretName
    namespace: Namespace | None = None
    username_key: SecretKey | None = None
    password_key: SecretKey | None = None
    token_key: SecretKey | None = None


class CASecretRef(_ConfigModel):
    """A Secret with the PEM CA bundle that signed a Kafka Connect server's certificate."""

    name: SecretName
    namespace: Namespace | None = None
    key: SecretKey = "ca.crt"


class ConnectAuth(_ConfigModel):
    """HTTP authentication to Kafka Connect: ``basic`` (user name and password) or ``bearer``."""

    type: Literal["basic", "bearer"]
    secret_ref: AuthSecretRef

    @model_validator(mode="after")
    def _check_keys_match_type(self) -> ConnectAuth:
        ref = self.secret_ref
        if self.type == "basic" and ref.token_key is not None:
            raise PydanticCustomError(
                "auth_keys",
                "secret_ref.token_key applies only to type: bearer. For type: basic, set "
                "username_key and password_key, or remove token_key",
            )
        if self.type == "bearer" and (ref.username_key is not None or ref.password_key is not None):
            raise PydanticCustomError(
                "auth_keys",
                "secret_ref.username_key and password_key apply only to type: basic. For "
                "type: bearer, set token_key, or remove them",
            )
        return self

    @property
    def username_key(self) -> str:
        """The Secret key of the user name for basic auth (default ``username``)."""
        return self.secret_ref.username_key or "username"

    @property
    def password_key(self) -> str:
        """The Secret key of the password for basic auth (default ``password``)."""
        return self.secret_ref.password_key or "password"

    @property
    def token_key(self) -> str:
        """The Secret key of the token for bearer auth (default ``token``)."""
        return self.secret_ref.token_key or "token"


class ConnectLimits(_ConfigModel):
    """Limits on the operator's load on one Kafka Connect cluster, shared by all resources."""

    max_concurrency: int = Field(default=2, ge=1, le=MAX_CONCURRENCY_LIMIT)
    """Sources processed at the same time."""
    requests_per_second: float = Field(default=5.0, gt=0)
    burst: int = Field(default=5, ge=1)
    """Requests allowed at once above the steady rate (the token bucket's size)."""
    restarts_per_worker: int = Field(default=1, ge=1)
    """Restarts in flight at the same time on one Connect worker."""
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    """Retries of a transient error (409, 429, 5xx, time-out) before the source fails."""
    backoff_base_seconds: float = Field(default=0.5, gt=0)
    backoff_max_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _check_backoff(self) -> ConnectLimits:
        if self.backoff_max_seconds < self.backoff_base_seconds:
            raise PydanticCustomError(
                "backoff_order",
                f"backoff_max_seconds ({self.backoff_max_seconds}) must not be less than "
                f"backoff_base_seconds ({self.backoff_base_seconds})",
            )
        return self


def _check_connect_url(url: str) -> str:
    # The error never repeats the URL, because a rejected URL may carry a password.
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PydanticCustomError(
            "url_scheme",
            f"the URL scheme {parts.scheme!r} is not supported. Use an http:// or https:// "
            "URL of the Kafka Connect REST API",
        )
    if not parts.hostname:
        raise PydanticCustomError(
            "url_host", "the URL has no host name. Add the host of the Kafka Connect REST API"
        )
    if parts.username is not None or parts.password is not None:
        raise PydanticCustomError(
            "url_credentials",
            "the URL contains a user name or password. Remove them from the URL and "
            "reference a Secret in auth.secret_ref instead",
        )
    if parts.query or parts.fragment:
        raise PydanticCustomError(
            "url_query",
            "the URL has a query or fragment. Give only the base URL of the Kafka Connect "
            "REST API, such as https://connect.kafka.svc:8083",
        )
    try:
        parts.port  # noqa: B018 - reading the port validates it
    except ValueError as error:
        raise PydanticCustomError(
            "url_port", "the URL has an invalid port. Use a port from 1 to 65535"
        ) from error
    return url.rstrip("/")


ConnectURL = Annotated[str, AfterValidator(_check_connect_url)]
"""An http or https base URL without credentials. A trailing '/' is removed."""


class ConnectCluster(_ConfigModel):
    """A Kafka Connect cluster that resources may name in ``spec.connectCluster``."""

    name: ClusterName
    url: ConnectURL
    auth: ConnectAuth | None = None
    ca_secret_ref: CASecretRef | None = None
    limits: ConnectLimits = Field(default_factory=ConnectLimits)


def _check_pattern(pattern: str) -> str:
    if not pattern.strip():
        raise PydanticCustomError(
            "empty_pattern",
            "the connector pattern must not be empty. Use a glob such as 'orders-*', or '*' "
            "for every connector",
        )
    return pattern


class SignalCredentials(_ConfigModel):
    """Database credentials for writing signals to connectors whose name matches a pattern.

    The operator uses them where a connector's own configuration contains no usable
    credentials for its signaling table.
    """

    connector_pattern: Annotated[str, AfterValidator(_check_pattern)]
    """An ``fnmatch`` glob, matched case-sensitively: ``*``, ``?``, ``[seq]``, ``[!seq]``."""
    secret_ref: SecretRef

    def matches(self, connector_name: str) -> bool:
        """Return whether ``connector_name`` matches ``connector_pattern``."""
        return fnmatch.fnmatchcase(connector_name, self.connector_pattern)


class OperatorDefaults(_ConfigModel):
    """Timing settings that apply to every resource."""

    verify_timeout_seconds: int = Field(
        default=DEFAULT_VERIFY_TIMEOUT_SECONDS, ge=0, le=VERIFY_TIMEOUT_MAX_SECONDS
    )
    """Used where a resource does not set ``spec.verifyTimeoutSeconds``."""
    status_update_interval_seconds: float = Field(default=5.0, gt=0)
    """Minimum time between two progress patches of one resource's status."""
    verify_poll_interval_seconds: float = Field(default=2.0, gt=0)
    """Time between two checks of whether a stop took effect."""
    blocking_confirm_seconds: float = Field(default=5.0, ge=0)
    """How long a blocking snapshot must still show before the operator restarts the connector."""


class OperatorConfig(_ConfigModel):
    """The whole configuration file."""

    connect_clusters: list[ConnectCluster] = Field(min_length=1)
    signal_credentials: list[SignalCredentials] = Field(default_factory=list)
    defaults: OperatorDefaults = Field(default_factory=OperatorDefaults)

    @field_validator("connect_clusters")
    @classmethod
    def _check_unique_cluster_names(cls, clusters: list[ConnectCluster]) -> list[ConnectCluster]:
        seen: set[str] = set()
        for cluster in clusters:
            if cluster.name in seen:
                raise PydanticCustomError(
                    "duplicate_cluster",
                    f"the Kafka Connect cluster name {cluster.name!r} is used more than once. "
                    "Give each cluster its own name",
                )
            seen.add(cluster.name)
        return clusters

    @classmethod
    def from_yaml_file(cls, path: str | os.PathLike[str]) -> OperatorConfig:
        """Read and validate the configuration file.

        Raises ``ConfigFileError``, naming the file and each invalid field, if it is invalid.
        """
        display_path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as stream:
                data = yaml.safe_load(stream)
        except OSError as error:
            raise ConfigFileError(
                display_path, (f"{error.strerror or error}.",), unreadable=True
            ) from error
        except yaml.YAMLError as error:
            # PyYAML's message names the line and column of the error.
            raise ConfigFileError(
                display_path, (f"The file is not valid YAML: {error}.",)
            ) from error

        if not isinstance(data, dict):
            kind = "empty" if data is None else f"a {type(data).__name__}"
            raise ConfigFileError(
                display_path,
                (f"The top level must be a mapping with connect_clusters, not {kind}.",),
            )
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            problems = validation_problems(error)
            raise ConfigFileError(
                display_path,
                tuple(sentence for _, sentence in problems),
                tuple(field for field, _ in problems),
            ) from error

    def find_cluster(self, name: str) -> ConnectCluster | None:
        """Return the cluster called ``name``, or None if the configuration has none."""
        for cluster in self.connect_clusters:
            if cluster.name == name:
                return cluster
        return None

    def credentials_for(self, connector_name: str) -> SecretRef | None:
        """Return the Secret of the first ``signal_credentials`` entry matching the connector."""
        for entry in self.signal_credentials:
            if entry.matches(connector_name):
                return entry.secret_ref
        return None

    def redacted_summary(self) -> dict[str, Any]:
        """Return the configuration as a mapping that is safe to log.

        The file contains no secret values, only Secret names and keys, and URLs without
        credentials. The summary lists those names and leaves out the keys, which readers of
        a log do not need.
        """
        return {
            "connect_clusters": [_summarise_cluster(cluster) for cluster in self.connect_clusters],
            "signal_credentials": [
                {
                    "connector_pattern": entry.connector_pattern,
                    "secret": _secret_location(entry.secret_ref.name, entry.secret_ref.namespace),
                }
                for entry in self.signal_credentials
            ],
            "defaults": self.defaults.model_dump(),
        }


def _secret_location(name: str, namespace: str | None) -> str:
    return f"{namespace}/{name}" if namespace else name


def _summarise_cluster(cluster: ConnectCluster) -> dict[str, Any]:
    summary: dict[str, Any] = {"name": cluster.name, "url": cluster.url}
    if cluster.auth is not None:
        ref = cluster.auth.secret_ref
        summary["auth"] = {
            "type": cluster.auth.type,
            "secret": _secret_location(ref.name, ref.namespace),
        }
    if cluster.ca_secret_ref is not None:
        ca = cluster.ca_secret_ref
        summary["ca_secret"] = _secret_location(ca.name, ca.namespace)
    summary["limits"] = cluster.limits.model_dump()
    return summary
