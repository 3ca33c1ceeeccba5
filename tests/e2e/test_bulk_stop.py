"""BulkStopSnapshot end to end: the real API server, the operator process and the real stack.

Each test creates Debezium connectors over real tables, starts the snapshot it needs with an
``execute-snapshot`` signal, applies a BulkStopSnapshot through the API server and checks the
status the operator writes against what Kafka Connect, Kafka and the databases show.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from kubernetes import client

from tests.stack import StackInfo
from tests.support.connectors import unique_suffix, wait_for
from tests.support.kafka_topics import read_events
from tests.support.operator_process import OperatorProcess
from tests.support.resources import create_bss, result_by_id, wait_finished
from tests.support.sources import Source, blocking_running, incremental_running

from .conftest import SourceFactory

pytestmark = pytest.mark.stack


def snapshot_reads(stack: StackInfo, source: Source, idle: float = 4) -> int:
    """Count the snapshot records (``op`` = ``r``) on the source's topic."""
    events = read_events(stack.kafka_bootstrap, source.spec.topic, timeout=120, idle_seconds=idle)
    return sum(1 for event in events if event.get("op") == "r")


def assert_streams(stack: StackInfo, source: Source, row_id: int) -> None:
    arrived = source.row_reaches_kafka(row_id, "after-stop")
    assert arrived, f"row {row_id} never reached {source.spec.topic}"


def run_bss(api: client.ApiClient, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    name = f"bss-{unique_suffix()}"
    create_bss(api, namespace, name, spec)
    return wait_finished(api, namespace, name)


def test_incremental_snapshot_stopped(
    stack: StackInfo,
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    source = sources("postgres", rows=200_000)
    source.start_snapshot("incremental")
    source.wait_offsets(incremental_running, "the incremental snapshot to start")

    done = run_bss(kube_api, namespace, {"ids": [source.name]})

    result = result_by_id(done)[source.name]
    data = result["data"]
    assert result["success"] is True, result
    assert data["snapshotType"] == "incremental"
    assert data["action"] == "signal"
    assert data["outcome"] == "Stopped"
    assert data["verified"] is True
    assert data["channel"] == "source"
    assert source.stop_signals(data["signalId"]) == 1
    assert not incremental_running(source.offsets())
    first = snapshot_reads(stack, source)
    time.sleep(5)
    assert snapshot_reads(stack, source) == first
    assert first < 200_000
    assert_streams(stack, source, 1_000_001)


def test_blocking_snapshot_stopped_by_restart(
    stack: StackInfo,
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    source = sources("postgres", rows=400_000)
    source.start_snapshot("blocking")
    source.wait_offsets(blocking_running, "the blocking snapshot to start")

    done = run_bss(kube_api, namespace, {"ids": [source.name]})

    result = result_by_id(done)[source.name]
    data = result["data"]
    assert result["success"] is True, result
    assert data["snapshotType"] == "blocking"
    assert data["action"] == "restart"
    assert data["outcome"] == "Restarted"
    assert data["verified"] is True
    assert_streams(stack, source, 1_000_002)
    first = snapshot_reads(stack, source)
    time.sleep(5)
    assert snapshot_reads(stack, source) == first
    assert first < 400_000


def test_not_running_and_not_found(
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    source = sources("postgres", rows=10)
    missing = f"no-such-connector-{unique_suffix()}"

    done = run_bss(kube_api, namespace, {"ids": [source.name, missing]})

    status = done["status"]
    results = result_by_id(done)
    assert status["summary"] == {"total": 2, "succeeded": 1, "failed": 1}
    assert status["phase"] == "PartiallySucceeded"
    assert results[source.name]["success"] is True
    assert results[source.name]["data"]["outcome"] == "NotRunning"
    assert results[source.name]["data"]["snapshotType"] == "none"
    assert results[missing]["success"] is False
    assert results[missing]["data"]["outcome"] == "NotFound"
    assert missing in results[missing]["message"]
    assert [c["type"] for c in status["conditions"] if c["status"] == "True"] == [
        "Failed",
        "Stalled",
    ]


def test_mariadb_incremental_stopped(
    stack: StackInfo,
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    source = sources("mariadb", rows=200_000)
    source.start_snapshot("incremental")
    source.wait_offsets(incremental_running, "the incremental snapshot to start")

    done = run_bss(kube_api, namespace, {"ids": [source.name]})

    result = result_by_id(done)[source.name]
    assert result["success"] is True, result
    assert result["data"]["outcome"] == "Stopped"
    assert result["data"]["family"] == "mariadb"
    assert source.stop_signals(result["data"]["signalId"]) == 1
    assert not incremental_running(source.offsets())
    assert_streams(stack, source, 1_000_003)


def test_dry_run_changes_nothing(
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    incremental = sources("postgres", rows=200_000)
    incremental.start_snapshot("incremental")
    incremental.wait_offsets(incremental_running, "the incremental snapshot to start")
    idle = sources("postgres", rows=10)

    done = run_bss(kube_api, namespace, {"ids": [incremental.name, idle.name], "dryRun": True})

    results = result_by_id(done)
    assert done["status"]["phase"] == "Succeeded"
    assert results[incremental.name]["data"]["outcome"] == "WouldSignal"
    assert results[incremental.name]["data"]["action"] == "signal"
    assert "Dry run" in results[incremental.name]["message"]
    assert results[idle.name]["data"]["outcome"] == "NotRunning"
    assert incremental.stop_signals(results[incremental.name]["data"]["signalId"]) == 0
    time.sleep(3)
    assert incremental_running(incremental.offsets())


def test_select_all_source_filter(
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    wanted = sources("postgres", rows=10)
    sources("postgres", rows=10)

    done = run_bss(kube_api, namespace, {"selectAll": True, "filters": {"sourceId": wanted.name}})

    assert list(result_by_id(done)) == [wanted.name]
    assert done["status"]["summary"] == {"total": 1, "succeeded": 1, "failed": 0}


def test_select_all_destination_filter(
    stack: StackInfo,
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    feeding = sources("postgres", rows=10)
    sources("postgres", rows=10)
    sink = f"e2e-sink-{unique_suffix()}"
    sources.admin.create(
        sink,
        {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "tasks.max": "1",
            "topics": feeding.spec.topic,
            "file": str(stack.log_dir / f"{sink}.out"),
        },
    )
    try:
        feeding.insert_row(500, "for-the-sink")
        wait_for(
            lambda: (
                feeding.spec.topic
                in sources.admin.http.get(f"/connectors/{sink}/topics").json()[sink]["topics"]
            ),
            90,
            "the sink to record its topic",
        )

        done = run_bss(kube_api, namespace, {"selectAll": True, "filters": {"destinationId": sink}})
    finally:
        sources.admin.delete(sink)

    assert list(result_by_id(done)) == [feeding.name]


def test_select_all_selects_debezium_sources(
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    created = {sources("postgres", rows=10).name, sources("mariadb", rows=10).name}

    done = run_bss(kube_api, namespace, {"selectAll": True, "dryRun": True})

    selected = result_by_id(done)
    assert created <= set(selected)
    listed = set(sources.admin.http.get("/connectors").json())
    assert set(selected) <= listed
    assert all(r["data"]["outcome"] != "Unsupported" for r in selected.values())


def test_initial_snapshot_not_stoppable(
    stack: StackInfo,
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    source = sources("postgres", rows=400_000, **{"snapshot.mode": "initial"})
    source.wait_offsets(
        lambda offsets: offsets.get("snapshot") == "INITIAL", "the initial snapshot to show"
    )

    done = run_bss(kube_api, namespace, {"ids": [source.name]})

    result = result_by_id(done)[source.name]
    assert result["success"] is False
    assert result["data"]["snapshotType"] == "initial"
    assert result["data"]["action"] == "none"
    assert result["data"]["outcome"] == "NotStoppable"
    assert "initial snapshot" in result["message"]
    assert done["status"]["phase"] == "Failed"
    status = source.admin.status(source.name)
    assert status["connector"]["state"] == "RUNNING"


def test_mariadb_blocking_stopped_by_restart(
    stack: StackInfo,
    kube_api: client.ApiClient,
    namespace: str,
    operator: OperatorProcess,
    sources: SourceFactory,
) -> None:
    source = sources("mariadb", rows=300_000)
    source.start_snapshot("blocking")
    source.wait_offsets(blocking_running, "the blocking snapshot to start")

    done = run_bss(kube_api, namespace, {"ids": [source.name]})

    result = result_by_id(done)[source.name]
    assert result["success"] is True, result
    assert result["data"]["outcome"] == "Restarted"
    assert result["data"]["verified"] is True
    assert result["data"]["debeziumVersion"] == "3.5.0.Final"
    assert_streams(stack, source, 1_000_004)
