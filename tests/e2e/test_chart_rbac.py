"""The chart's RBAC is enough for the operator, and no more, proved on the real API server.

``helm install`` creates the ServiceAccount, Roles and ConfigMap in a fresh namespace (no pod
runs: the stack has no controller-manager or kubelet). The test then signs in as that
ServiceAccount with a token from the TokenRequest API (``kubectl create token``) and runs the
operator process with it, on the configuration file the chart rendered. A BulkStopSnapshot that
stops a real incremental snapshot must succeed. To get there, the operator reads the Connect auth
Secret at start-up and the signal credentials Secret when it signals, posts Events and patches
status, all with the chart's permissions. ``kubectl auth can-i --as`` then shows what the
account may not do.

The same runs check the README's ``kubectl wait`` recipes against the status the operator writes.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.stack import StackInfo, helm
from tests.support.connectors import unique_suffix
from tests.support.operator_process import OperatorProcess
from tests.support.resources import create_bss, ensure_namespace, get_bss, kubectl, result_by_id
from tests.support.sources import incremental_running

from .conftest import SourceFactory

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "snapshot-operator"
RELEASE = "rbac"
SERVICE_ACCOUNT = "rbac-snapshot-operator"
CONNECT_SECRET = "connect-auth"
SIGNAL_SECRET = "signal-db"
OTHER_SECRET = "unrelated"
# The operator maps these credentials to every connector the SourceFactory creates for PostgreSQL.
SIGNAL_PATTERN = "e2e-pg-*"


@dataclasses.dataclass(frozen=True)
class Release:
    namespace: str
    other_namespace: str
    kubeconfig: Path
    config: Path


def _create_secret(api: client.ApiClient, namespace: str, name: str, data: dict[str, str]) -> None:
    encoded = {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
    client.CoreV1Api(api).create_namespaced_secret(
        namespace, {"metadata": {"name": name}, "type": "Opaque", "data": encoded}
    )


def _values(stack: StackInfo) -> dict[str, Any]:
    return {
        "crds": {"install": False},
        "config": {
            "connect_clusters": [
                {
                    "name": "default",
                    "url": stack.connect_url,
                    # The stack's Connect worker requires no credentials and ignores the
                    # header, but the operator must still read this Secret to start.
                    "auth": {"type": "basic", "secret_ref": {"name": CONNECT_SECRET}},
                    "limits": {"max_concurrency": 2, "requests_per_second": 20, "burst": 20},
                }
            ],
            "signal_credentials": [
                {"connector_pattern": SIGNAL_PATTERN, "secret_ref": {"name": SIGNAL_SECRET}}
            ],
            "defaults": {
                "verify_timeout_seconds": 90,
                "status_update_interval_seconds": 1,
                "verify_poll_interval_seconds": 1,
            },
        },
    }


def _service_account_kubeconfig(stack: StackInfo, namespace: str, path: Path) -> Path:
    token = kubectl(
        stack, "create", "token", SERVICE_ACCOUNT, "-n", namespace, "--duration=2h"
    ).stdout.strip()
    admin = json.loads(stack.kubeconfig.read_text())
    cluster = admin["clusters"][0]["cluster"]
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "stack", "cluster": cluster}],
        "users": [{"name": SERVICE_ACCOUNT, "user": {"token": token}}],
        "contexts": [
            {
                "name": "operator",
                "context": {"cluster": "stack", "user": SERVICE_ACCOUNT, "namespace": namespace},
            }
        ],
        "current-context": "operator",
    }
    path.write_text(json.dumps(document))
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def release(
    stack: StackInfo,
    kube_api: client.ApiClient,
    crd: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Release]:
    folder = tmp_path_factory.mktemp("chart-rbac")
    namespace = f"rbac-{unique_suffix()}"
    other_namespace = f"{namespace}-other"
    ensure_namespace(kube_api, namespace)
    ensure_namespace(kube_api, other_namespace)
    _create_secret(
        kube_api, namespace, CONNECT_SECRET, {"username": "operator", "password": "unused"}
    )
    _create_secret(kube_api, namespace, SIGNAL_SECRET, {"username": "dbz", "password": "dbz"})
    _create_secret(kube_api, namespace, OTHER_SECRET, {"token": secrets.token_hex(8)})
    _create_secret(kube_api, other_namespace, SIGNAL_SECRET, {"username": "x", "password": "y"})

    helm.build()
    helm_cli = helm.Helm(stack.kubeconfig, folder / "helm-home")
    values = folder / "values.yaml"
    values.write_text(yaml.safe_dump(_values(stack)))
    helm_cli.run("install", RELEASE, str(CHART), "-n", namespace, "-f", str(values))

    config_map = client.CoreV1Api(kube_api).read_namespaced_config_map(
        f"{SERVICE_ACCOUNT}-config", namespace
    )
    config = folder / "config.yaml"
    config.write_text(config_map.data["config.yaml"])
    kubeconfig = _service_account_kubeconfig(stack, namespace, folder / "operator.kubeconfig")
    yield Release(namespace, other_namespace, kubeconfig, config)
    helm_cli.run("uninstall", RELEASE, "-n", namespace, check=False)


@pytest.fixture(scope="module")
def chart_operator(stack: StackInfo, release: Release) -> Iterator[OperatorProcess]:
    as_service_account = dataclasses.replace(stack, kubeconfig=release.kubeconfig)
    log = stack.log_dir / f"operator-{release.namespace}.log"
    process = OperatorProcess(as_service_account, release.config, [release.namespace], log)
    process.start()
    yield process
    process.stop()


def _wait_for_end(stack: StackInfo, namespace: str, name: str, timeout: str) -> str:
    """Run the README's recipe: wait for completionTime, then read the phase."""
    kubectl(
        stack,
        "wait",
        "-n",
        namespace,
        "--for=jsonpath={.status.completionTime}",
        f"bss/{name}",
        f"--timeout={timeout}",
    )
    return kubectl(
        stack, "get", "-n", namespace, f"bss/{name}", "-o", "jsonpath={.status.phase}"
    ).stdout


def test_operator_runs_with_chart_rbac(
    stack: StackInfo,
    kube_api: client.ApiClient,
    release: Release,
    chart_operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    source = sources("postgres", rows=200_000)
    source.start_snapshot("incremental")
    source.wait_offsets(incremental_running, "the incremental snapshot to start")
    name = f"bss-{unique_suffix()}"

    create_bss(kube_api, release.namespace, name, {"ids": [source.name]})
    phase = _wait_for_end(stack, release.namespace, name, "300s")

    assert phase == "Succeeded"
    done = get_bss(kube_api, release.namespace, name)
    result = result_by_id(done)[source.name]
    assert result["success"] is True, result
    assert result["data"]["outcome"] == "Stopped"
    assert result["data"]["channel"] == "source"
    assert source.stop_signals(result["data"]["signalId"]) == 1
    complete = kubectl(
        stack,
        "wait",
        "-n",
        release.namespace,
        "--for=condition=Complete",
        f"bss/{name}",
        "--timeout=10s",
    )
    assert "condition met" in complete.stdout
    events = kubectl(
        stack,
        "get",
        "events",
        "-n",
        release.namespace,
        "--field-selector",
        f"involvedObject.name={name}",
        "-o",
        "json",
    )
    assert json.loads(events.stdout)["items"], "the operator posted no Event for the resource"
    log = chart_operator.output()
    assert "Forbidden" not in log
    assert "Not enough permissions" not in log


def test_failed_run_ends_wait(
    stack: StackInfo,
    kube_api: client.ApiClient,
    release: Release,
    chart_operator: OperatorProcess,
) -> None:
    name = f"bss-{unique_suffix()}"
    missing = f"no-such-connector-{unique_suffix()}"

    create_bss(kube_api, release.namespace, name, {"ids": [missing]})
    phase = _wait_for_end(stack, release.namespace, name, "120s")

    assert phase == "Failed"
    failed = kubectl(
        stack,
        "wait",
        "-n",
        release.namespace,
        "--for=condition=Failed",
        f"bss/{name}",
        "--timeout=10s",
    )
    assert "condition met" in failed.stdout
    complete = kubectl(
        stack,
        "wait",
        "-n",
        release.namespace,
        "--for=condition=Complete",
        f"bss/{name}",
        "--timeout=3s",
        check=False,
    )
    assert complete.returncode != 0
    assert "timed out" in complete.stderr


def _can_i(stack: StackInfo, release_namespace: str, *args: str) -> bool:
    """Ask the API server whether the release's ServiceAccount may make a request."""
    subject = f"system:serviceaccount:{release_namespace}:{SERVICE_ACCOUNT}"
    result = subprocess.run(
        [
            str(stack.kubectl),
            "--kubeconfig",
            str(stack.kubeconfig),
            "auth",
            "can-i",
            f"--as={subject}",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    answer = result.stdout.strip()
    assert answer in {"yes", "no"}, f"kubectl auth can-i {args}: {answer} {result.stderr}"
    return answer == "yes"


ALLOWED = [
    ("get", "bulkstopsnapshots"),
    ("list", "bulkstopsnapshots"),
    ("watch", "bulkstopsnapshots"),
    ("patch", "bulkstopsnapshots"),
    ("patch", "bulkstopsnapshots", "--subresource=status"),
    ("create", "events"),
    ("get", f"secrets/{CONNECT_SECRET}"),
    ("get", f"secrets/{SIGNAL_SECRET}"),
]

DENIED = [
    ("list", "secrets"),
    ("watch", "secrets"),
    ("get", f"secrets/{OTHER_SECRET}"),
    ("get", "secrets"),
    ("create", "secrets"),
    ("delete", "bulkstopsnapshots"),
    ("create", "bulkstopsnapshots"),
    ("update", "bulkstopsnapshots"),
    ("create", "pods"),
    ("get", "pods"),
    ("patch", "events"),
    ("get", "configmaps"),
    ("list", "namespaces"),
    ("list", "customresourcedefinitions"),
]


@pytest.mark.parametrize("request_args", ALLOWED, ids=" ".join)
def test_service_account_allowed(
    stack: StackInfo, release: Release, request_args: tuple[str, ...]
) -> None:
    assert _can_i(stack, release.namespace, *request_args, "-n", release.namespace)


@pytest.mark.parametrize("request_args", DENIED, ids=" ".join)
def test_service_account_denied(
    stack: StackInfo, release: Release, request_args: tuple[str, ...]
) -> None:
    assert not _can_i(stack, release.namespace, *request_args, "-n", release.namespace)


@pytest.mark.parametrize(
    "request_args",
    [
        ("list", "bulkstopsnapshots"),
        ("patch", "bulkstopsnapshots", "--subresource=status"),
        ("create", "events"),
        ("get", f"secrets/{SIGNAL_SECRET}"),
    ],
    ids=" ".join,
)
def test_service_account_confined_to_namespace(
    stack: StackInfo, release: Release, request_args: tuple[str, ...]
) -> None:
    assert not _can_i(stack, release.namespace, *request_args, "-n", release.other_namespace)
    assert not _can_i(stack, release.namespace, *request_args, "--all-namespaces")


def test_all_namespaces_grants_no_secrets(
    stack: StackInfo, kube_api: client.ApiClient, crd: None, tmp_path: Path
) -> None:
    namespace = f"rbac-all-{unique_suffix()}"
    ensure_namespace(kube_api, namespace)
    helm.build()
    helm_cli = helm.Helm(stack.kubeconfig, tmp_path / "helm-home")
    values = _values(stack)
    values["watch"] = {"allNamespaces": True}
    values_file = tmp_path / "values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    helm_cli.run("install", RELEASE, str(CHART), "-n", namespace, "-f", str(values_file))
    try:
        assert _can_i(stack, namespace, "list", "bulkstopsnapshots", "--all-namespaces")
        assert _can_i(
            stack,
            namespace,
            "patch",
            "bulkstopsnapshots",
            "--subresource=status",
            "-n",
            "default",
        )
        assert _can_i(stack, namespace, "create", "events", "-n", "default")
        assert _can_i(stack, namespace, "get", f"secrets/{CONNECT_SECRET}", "-n", namespace)
        assert not _can_i(stack, namespace, "list", "secrets", "--all-namespaces")
        assert not _can_i(stack, namespace, "get", f"secrets/{CONNECT_SECRET}", "-n", "default")
        assert not _can_i(stack, namespace, "delete", "bulkstopsnapshots", "--all-namespaces")
        assert not _can_i(stack, namespace, "list", "namespaces")
    finally:
        helm_cli.run("uninstall", RELEASE, "-n", namespace, check=False)
    assert not _can_i(stack, namespace, "list", "bulkstopsnapshots", "--all-namespaces")
