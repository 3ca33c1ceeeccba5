"""Resources that name a cluster the operator cannot use fail alone, with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.stack import StackInfo
from tests.support.connectors import unique_suffix
from tests.support.operator_process import OperatorProcess, write_config
from tests.support.resources import create_bss, ensure_namespace, result_by_id, wait_finished

pytestmark = pytest.mark.stack

CONFIG_WITH_MISSING_SECRET = """\
connect_clusters:
  - name: default
    url: {connect_url}
  - name: secured
    url: {connect_url}
    auth:
      type: basic
      secret_ref: {{name: no-such-secret}}
"""


@pytest.fixture
def operator_with_missing_secret(
    stack: StackInfo, kube_api: client.ApiClient, crd: None, tmp_path: Path
) -> Iterator[tuple[str, OperatorProcess]]:
    namespace = f"e2e-config-{unique_suffix()}"
    ensure_namespace(kube_api, namespace)
    config = write_config(stack, tmp_path / "config.yaml", CONFIG_WITH_MISSING_SECRET)
    process = OperatorProcess(
        stack, config, [namespace], stack.log_dir / f"operator-{namespace}.log"
    )
    process.start()
    yield namespace, process
    process.stop()


def condition_reason(obj: dict[str, object], kind: str) -> str:
    conditions = obj["status"]["conditions"]  # type: ignore[index]
    return next(c["reason"] for c in conditions if c["type"] == kind)


def test_unreadable_cluster_secret_fails_alone(
    kube_api: client.ApiClient, operator_with_missing_secret: tuple[str, OperatorProcess]
) -> None:
    namespace, operator = operator_with_missing_secret
    missing = f"no-such-connector-{unique_suffix()}"

    create_bss(kube_api, namespace, "secured", {"ids": [missing], "connectCluster": "secured"})
    create_bss(kube_api, namespace, "unknown", {"ids": [missing], "connectCluster": "nowhere"})
    create_bss(kube_api, namespace, "default", {"ids": [missing]})
    secured = wait_finished(kube_api, namespace, "secured")
    unknown = wait_finished(kube_api, namespace, "unknown")
    default = wait_finished(kube_api, namespace, "default")

    assert secured["status"]["phase"] == "Failed"
    assert condition_reason(secured, "Failed") == "ConnectCredentialsUnavailable"
    assert "no-such-secret" in secured["status"]["message"]
    assert unknown["status"]["phase"] == "Failed"
    assert condition_reason(unknown, "Failed") == "UnknownConnectCluster"
    assert "Use one of: default, secured." in unknown["status"]["message"]
    assert result_by_id(default)[missing]["data"]["outcome"] == "NotFound"
    assert "Traceback" not in operator.output()
