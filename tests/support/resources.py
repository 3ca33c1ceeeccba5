"""Create BulkStopSnapshot resources through the real API server and wait for their results."""

from __future__ import annotations

import subprocess
import time
from typing import Any

from kubernetes import client

from tests.stack import StackInfo

GROUP, VERSION, PLURAL = "cdc.snapshot-operator.dev", "v1alpha1", "bulkstopsnapshots"
FINAL_PHASES = {"Succeeded", "PartiallySucceeded", "Failed"}


def kubectl(
    stack: StackInfo, *args: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(stack.kubectl), "--kubeconfig", str(stack.kubeconfig), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=check,
    )


def install_crd(stack: StackInfo, crd_dir: str = "crds") -> None:
    kubectl(stack, "apply", "--server-side", "--force-conflicts", "-f", crd_dir)
    kubectl(
        stack,
        "wait",
        "--for=condition=Established",
        "crd/bulkstopsnapshots.cdc.snapshot-operator.dev",
        "--timeout=60s",
    )


def ensure_namespace(api: client.ApiClient, name: str) -> None:
    try:
        client.CoreV1Api(api).create_namespace({"metadata": {"name": name}})
    except client.ApiException as error:
        if error.status != 409:
            raise


def create_bss(
    api: client.ApiClient, namespace: str, name: str, spec: dict[str, Any]
) -> dict[str, Any]:
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "BulkStopSnapshot",
        "metadata": {"name": name},
        "spec": spec,
    }
    return dict(
        client.CustomObjectsApi(api).create_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, body
        )
    )


def get_bss(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    return dict(
        client.CustomObjectsApi(api).get_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, name
        )
    )


def wait_finished(
    api: client.ApiClient, namespace: str, name: str, timeout: float = 300
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    obj: dict[str, Any] = {}
    while time.monotonic() < deadline:
        obj = get_bss(api, namespace, name)
        if obj.get("status", {}).get("phase") in FINAL_PHASES:
            return obj
        time.sleep(1)
    raise AssertionError(
        f"{namespace}/{name} did not finish within {timeout:.0f} s; status: {obj.get('status')}"
    )


def result_by_id(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {result["id"]: result for result in obj["status"]["results"]}
