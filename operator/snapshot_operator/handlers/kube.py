"""Kubernetes API calls of the handlers: status patches and Secret reads.

kopf applies a handler's ``patch`` only after the handler returns, and a bulk stop runs for
minutes, so progress goes straight to the ``/status`` subresource with JSON merge patches. The
calls use the official ``kubernetes`` client, which is synchronous, so each runs in a thread
and never blocks the event loop that kopf's watches share.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

from kubernetes import client, config

from snapshot_operator.models.config import SecretRef

logger = logging.getLogger(__name__)

GROUP = "cdc.snapshot-operator.dev"
VERSION = "v1alpha1"
PLURAL = "bulkstopsnapshots"
MERGE_PATCH = "application/merge-patch+json"


class SecretUnavailable(Exception):
    """A Secret that the configuration names cannot be read; the message names it."""


class KubeApi:
    """The few Kubernetes API calls the operator makes, on one shared ApiClient."""

    def __init__(self, api_client: client.ApiClient, default_namespace: str) -> None:
        self.api_client = api_client
        self.default_namespace = default_namespace
        self._custom = client.CustomObjectsApi(api_client)
        self._core = client.CoreV1Api(api_client)

    @classmethod
    def from_environment(cls, default_namespace: str) -> KubeApi:
        """Sign in from the pod's service account, or else from the current kubeconfig."""
        try:
            config.load_incluster_config()  # type: ignore[no-untyped-call]
            return cls(client.ApiClient(), default_namespace)
        except config.ConfigException:
            return cls(
                config.new_client_from_config(),  # type: ignore[no-untyped-call]
                default_namespace,
            )

    async def patch_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        await asyncio.to_thread(
            self._custom.patch_namespaced_custom_object_status,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            {"status": status},
            _content_type=MERGE_PATCH,
        )

    async def read_secret_value(self, ref: SecretRef | Any, key: str) -> str:
        """Return one decoded value of a Secret, or raise SecretUnavailable naming it."""
        namespace = ref.namespace or self.default_namespace
        where = f"Secret {namespace}/{ref.name}"
        try:
            secret = await asyncio.to_thread(self._core.read_namespaced_secret, ref.name, namespace)
        except client.ApiException as error:
            raise SecretUnavailable(
                f"Cannot read {where}: the API server returned {error.status} {error.reason}. "
                "Check that it exists and that the operator's role may get it."
            ) from None
        data = secret.data or {}
        if key not in data:
            raise SecretUnavailable(f"{where} has no key {key!r}; add it or fix the key name.")
        return base64.b64decode(data[key]).decode()
