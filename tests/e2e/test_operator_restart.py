"""The operator killed in the middle of a run and started again finishes the run exactly once."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.stack import StackInfo
from tests.support.connectors import unique_suffix, wait_for
from tests.support.operator_process import OperatorProcess, write_config
from tests.support.resources import (
    create_bss,
    ensure_namespace,
    get_bss,
    result_by_id,
    wait_finished,
)
from tests.support.sources import blocking_running, incremental_running

from .conftest import SourceFactory

pytestmark = pytest.mark.stack


def restart_requests(stack: StackInfo, connector: str) -> int:
    """Count the restart requests Kafka Connect logged for ``connector``."""
    log = (stack.log_dir / "kafka-connect.log").read_text(errors="replace")
    pattern = re.compile(
        r"Received and enqueuing restart request for \{connectorName='" + re.escape(connector) + "'"
    )
    return len(pattern.findall(log))


@pytest.fixture
def own_operator(
    stack: StackInfo, kube_api: client.ApiClient, crd: None, tmp_path: Path
) -> Iterator[tuple[str, OperatorProcess]]:
    namespace = f"e2e-restart-{unique_suffix()}"
    ensure_namespace(kube_api, namespace)
    config = write_config(stack, tmp_path / "config.yaml")
    process = OperatorProcess(
        stack, config, [namespace], stack.log_dir / f"operator-{namespace}.log"
    )
    yield namespace, process
    process.stop()


def test_operator_killed_mid_run(
    stack: StackInfo,
    kube_api: client.ApiClient,
    own_operator: tuple[str, OperatorProcess],
    sources: SourceFactory,
) -> None:
    namespace, operator = own_operator
    blocking = [sources("postgres", rows=400_000), sources("postgres", rows=400_000)]
    incremental = sources("postgres", rows=200_000)
    for source in blocking:
        source.start_snapshot("blocking")
    incremental.start_snapshot("incremental")
    for source in blocking:
        source.wait_offsets(blocking_running, f"the blocking snapshot of {source.name}")
    incremental.wait_offsets(incremental_running, "the incremental snapshot")
    ids = [blocking[0].name, incremental.name, blocking[1].name]
    restarts_before = {source.name: restart_requests(stack, source.name) for source in blocking}

    operator.start()
    name = f"bss-{unique_suffix()}"
    create_bss(kube_api, namespace, name, {"ids": ids, "maxConcurrency": 1})
    # Kill the operator right after Kafka Connect received the first restart, while the
    # operator waits for the tasks to run again and before it records the result.
    wait_for(
        lambda: restart_requests(stack, blocking[0].name) > restarts_before[blocking[0].name],
        120,
        "the operator to restart the first blocking source",
        interval=0.1,
    )
    operator.kill()
    interrupted = get_bss(kube_api, namespace, name)["status"]
    assert interrupted["phase"] == "Running"
    assert [entry["id"] for entry in interrupted["inFlight"]] == [blocking[0].name]
    time.sleep(2)
    operator.start()
    done = wait_finished(kube_api, namespace, name)

    results = result_by_id(done)
    assert sorted(results) == sorted(ids)
    assert len(done["status"]["results"]) == len(ids)
    assert done["status"]["summary"]["total"] == len(ids)
    assert done["status"]["inFlight"] == []
    for source in blocking:
        assert results[source.name]["data"]["outcome"] == "Restarted", results[source.name]
        assert restart_requests(stack, source.name) - restarts_before[source.name] == 1
    assert results[incremental.name]["data"]["outcome"] in {"Stopped", "Signalled"}
    assert incremental.stop_signals(results[incremental.name]["data"]["signalId"]) == 1
    events = client.CoreV1Api(kube_api).list_namespaced_event(
        namespace, field_selector=f"involvedObject.name={name}"
    )
    reasons = [event.reason for event in events.items]
    assert "Started" in reasons
    assert "Resumed" in reasons
