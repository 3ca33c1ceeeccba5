"""State that the handlers share for the operator's lifetime: configuration, clients, limiters.

One ``ConnectClient`` and one ``ClusterLimiter`` exist per Kafka Connect cluster, created on
first use and shared by every resource that targets the cluster, so the limits hold across
resources. Credentials for Connect and for signaling tables are read from the Secrets the
configuration names, when they are needed, and never logged.
"""

from __future__ import annotations

import logging
import ssl

import httpx

from snapshot_operator.backends.connect import ConnectClient
from snapshot_operator.backends.limiter import LimiterRegistry, LimiterSettings
from snapshot_operator.backends.retry import RetryPolicy
from snapshot_operator.engine.channels import DatabaseCredentials
from snapshot_operator.errors import ConfigError, SignalChannelUnavailable
from snapshot_operator.handlers.kube import KubeApi, SecretUnavailable
from snapshot_operator.models.config import ConnectCluster, OperatorConfig

logger = logging.getLogger(__name__)


class Runtime:
    """The operator's shared state, kept in kopf's memo as ``memo.runtime``."""

    def __init__(self, config: OperatorConfig, kube: KubeApi) -> None:
        self.config = config
        self.kube = kube
        self.limiters = LimiterRegistry(
            {
                cluster.name: LimiterSettings(
                    max_in_flight=cluster.limits.max_concurrency,
                    requests_per_second=cluster.limits.requests_per_second,
                    burst=cluster.limits.burst,
                    restarts_per_worker=cluster.limits.restarts_per_worker,
                )
                for cluster in config.connect_clusters
            }
        )
        self._clients: dict[str, ConnectClient] = {}

    async def open_clients(self) -> None:
        """Create the client of every configured cluster, reading their Secrets once.

        A cluster whose Secrets cannot be read is logged and skipped, so the operator still
        serves the other clusters; ``client`` tries it again for each resource that needs it.
        """
        for cluster in self.config.connect_clusters:
            try:
                self._clients[cluster.name] = await self._build_client(cluster)
            except SecretUnavailable as error:
                logger.error(
                    "Kafka Connect cluster %r is unavailable until its Secret can be read: %s",
                    cluster.name,
                    error,
                )

    async def client(self, cluster: ConnectCluster) -> ConnectClient:
        """Return the cluster's client, creating it now if its Secrets could not be read before.

        Raises ConfigError naming the Secret when they still cannot be read.
        """
        if cluster.name not in self._clients:
            try:
                self._clients[cluster.name] = await self._build_client(cluster)
            except SecretUnavailable as error:
                raise ConfigError(
                    f"The operator cannot connect to Kafka Connect cluster {cluster.name!r}: "
                    f"{error}"
                ) from None
        return self._clients[cluster.name]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def _build_client(self, cluster: ConnectCluster) -> ConnectClient:
        limits = cluster.limits
        auth: httpx.Auth | None = None
        headers: dict[str, str] = {}
        if cluster.auth is not None:
            ref = cluster.auth.secret_ref
            if cluster.auth.type == "basic":
                user = await self.kube.read_secret_value(ref, cluster.auth.username_key)
                password = await self.kube.read_secret_value(ref, cluster.auth.password_key)
                auth = httpx.BasicAuth(user, password)
            else:
                token = await self.kube.read_secret_value(ref, cluster.auth.token_key)
                headers["Authorization"] = f"Bearer {token}"
        verify: ssl.SSLContext | bool = True
        if cluster.ca_secret_ref is not None:
            pem = await self.kube.read_secret_value(
                cluster.ca_secret_ref, cluster.ca_secret_ref.key
            )
            verify = ssl.create_default_context(cadata=pem)
        return ConnectClient(
            str(cluster.url),
            cluster=cluster.name,
            limiter=self.limiters.get(cluster.name),
            retry_policy=RetryPolicy(
                max_retries=limits.max_retries,
                backoff_base_seconds=limits.backoff_base_seconds,
                backoff_max_seconds=limits.backoff_max_seconds,
            ),
            auth=auth,
            headers=headers or None,
            verify=verify,
            timeout=limits.request_timeout_seconds,
        )

    async def credentials_for(self, connector: str) -> DatabaseCredentials | None:
        """Return the signaling-table credentials mapped to ``connector``, or None."""
        ref = self.config.credentials_for(connector)
        if ref is None:
            return None
        try:
            username = await self.kube.read_secret_value(ref, ref.username_key)
            password = await self.kube.read_secret_value(ref, ref.password_key)
        except SecretUnavailable as error:
            raise SignalChannelUnavailable(
                connector=connector, channel="source", detail=str(error)
            ) from None
        return DatabaseCredentials(username=username, password=password)
