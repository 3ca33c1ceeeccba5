"""A run over many sources: concurrency, recorded results, order and callbacks, in looptime."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from snapshot_operator.engine import run as run_module
from snapshot_operator.engine.run import (
    OnResult,
    OnTargets,
    effective_concurrency,
    run_bulk_stop,
)
from snapshot_operator.engine.source import SourceRun, stop_source
from snapshot_operator.models.spec import BulkStopSnapshotSpec
from snapshot_operator.models.status import (
    Action,
    Outcome,
    ResultData,
    SnapshotType,
    SourceResult,
)
from tests.support.connect_simulation import (
    PG_CLASS,
    SimulatedConnect,
    postgres_config,
    postgres_offsets,
)

pytestmark = pytest.mark.looptime

UID = "0d6b7c1e-3f4a-4e8b-a2c9-5e1f7d3b9a40"
SOURCES = [f"source-{index:02d}" for index in range(10)]


def simulated_cluster(names: list[str], latency: float = 0.1) -> SimulatedConnect:
    sim = SimulatedConnect(plugins={PG_CLASS: "3.6.1.Final"}, latency=latency)
    for name in names:
        sim.add(name, postgres_config(name), offsets=postgres_offsets(name, 100))
    return sim


async def run_simulated(
    sim: SimulatedConnect,
    spec: BulkStopSnapshotSpec,
    *,
    cluster_limit: int,
    recorded: Sequence[SourceResult] = (),
    on_targets: OnTargets | None = None,
    on_result: OnResult | None = None,
) -> list[SourceResult]:
    async with sim.client() as client:
        run = SourceRun(
            client=client,
            resource_uid=UID,
            log_prefix="[shop/stop-all]",
            verify_timeout_seconds=10,
            verify_poll_interval_seconds=1,
            blocking_confirm_seconds=1,
        )
        return await run_bulk_stop(
            spec,
            run,
            cluster_limit=cluster_limit,
            recorded=recorded,
            on_targets=on_targets,
            on_result=on_result,
        )


def recorded_result(name: str) -> SourceResult:
    data = ResultData(
        snapshot_type=SnapshotType.NONE, action=Action.NONE, outcome=Outcome.NOT_RUNNING
    )
    return SourceResult.from_outcome(name, "Recorded by an earlier run.", data)


@dataclass
class Concurrency:
    current: int = 0
    peak: int = 0


@pytest.fixture
def concurrency(monkeypatch: pytest.MonkeyPatch) -> Concurrency:
    """Count the sources whose ``stop_source`` call is in progress, around the real one."""
    counter = Concurrency()

    async def counting_stop_source(run: SourceRun, name: str) -> SourceResult:
        counter.current += 1
        counter.peak = max(counter.peak, counter.current)
        try:
            return await stop_source(run, name)
        finally:
            counter.current -= 1

    monkeypatch.setattr(run_module, "stop_source", counting_stop_source)
    return counter


@pytest.mark.parametrize(
    ("max_concurrency", "cluster_limit", "expected"),
    [(3, 5, 3), (None, 2, 2), (8, 4, 4), (1, 4, 1)],
)
async def test_concurrency_capped_by_spec_and_cluster(
    concurrency: Concurrency, max_concurrency: int | None, cluster_limit: int, expected: int
) -> None:
    sim = simulated_cluster(SOURCES)
    spec = BulkStopSnapshotSpec(ids=SOURCES, max_concurrency=max_concurrency)

    results = await run_simulated(sim, spec, cluster_limit=cluster_limit)

    assert len(results) == len(SOURCES)
    assert concurrency.peak == expected
    assert sim.peak_in_flight <= expected


def test_effective_concurrency_lowers_never_raises() -> None:
    assert effective_concurrency(BulkStopSnapshotSpec(ids=["a"], max_concurrency=2), 8) == 2
    assert effective_concurrency(BulkStopSnapshotSpec(ids=["a"], max_concurrency=16), 8) == 8
    assert effective_concurrency(BulkStopSnapshotSpec(ids=["a"]), 8) == 8


async def test_recorded_results_skipped() -> None:
    sim = simulated_cluster(["a-pg", "b-pg", "c-pg"])
    earlier = recorded_result("b-pg")
    reported: list[str] = []

    async def on_result(result: SourceResult) -> None:
        reported.append(result.id)

    spec = BulkStopSnapshotSpec(ids=["a-pg", "b-pg", "c-pg"])
    results = await run_simulated(
        sim,
        spec,
        cluster_limit=2,
        recorded=[earlier, recorded_result("not-selected")],
        on_result=on_result,
    )

    assert [result.id for result in results] == ["a-pg", "b-pg", "c-pg"]
    assert results[1] is earlier
    assert sim.requests_for("b-pg") == []
    assert sorted(reported) == ["a-pg", "c-pg"]


async def test_results_in_selection_order() -> None:
    names = ["slow-pg", "quick-pg", "quicker-pg"]
    sim = simulated_cluster(names)
    # The first source sits in a blocking snapshot, so its restart finishes last.
    sim.connectors["slow-pg"].offsets = postgres_offsets(
        "slow-pg", 100, snapshot="BLOCKING", snapshot_completed=False
    )
    finished: list[str] = []

    async def on_result(result: SourceResult) -> None:
        finished.append(result.id)

    spec = BulkStopSnapshotSpec(ids=names)
    results = await run_simulated(sim, spec, cluster_limit=3, on_result=on_result)

    assert [result.id for result in results] == names
    assert finished[-1] == "slow-pg"
    assert results[0].data.outcome is Outcome.RESTARTED


async def test_on_result_called_once_per_source() -> None:
    sim = simulated_cluster(SOURCES)
    reported: list[str] = []

    async def on_result(result: SourceResult) -> None:
        reported.append(result.id)

    spec = BulkStopSnapshotSpec(ids=SOURCES)
    await run_simulated(sim, spec, cluster_limit=3, on_result=on_result)

    assert sorted(reported) == SOURCES


async def test_on_targets_gets_selection() -> None:
    sim = simulated_cluster(["b-pg", "a-pg"])
    seen: list[list[str]] = []

    async def on_targets(targets: list[str]) -> None:
        seen.append(targets)

    spec = BulkStopSnapshotSpec(select_all=True)
    await run_simulated(sim, spec, cluster_limit=2, on_targets=on_targets)

    assert seen == [["a-pg", "b-pg"]]


async def test_failing_sources_spare_others() -> None:
    sim = simulated_cluster(["a-pg", "b-pg", "c-pg", "d-pg"])
    sim.inject(400, path="/connectors/b-pg/offsets", times=None)
    reported: list[str] = []

    async def on_result(result: SourceResult) -> None:
        reported.append(result.id)

    spec = BulkStopSnapshotSpec(ids=["a-pg", "b-pg", "missing-pg", "c-pg", "d-pg"])
    results = await run_simulated(sim, spec, cluster_limit=2, on_result=on_result)

    outcomes = [(result.id, result.data.outcome) for result in results]
    assert outcomes == [
        ("a-pg", Outcome.NOT_RUNNING),
        ("b-pg", Outcome.FAILED),
        ("missing-pg", Outcome.NOT_FOUND),
        ("c-pg", Outcome.NOT_RUNNING),
        ("d-pg", Outcome.NOT_RUNNING),
    ]
    assert sorted(reported) == ["a-pg", "b-pg", "c-pg", "d-pg", "missing-pg"]


async def test_failed_on_result_stops_remaining_sources() -> None:
    sim = simulated_cluster(SOURCES)
    raised = False

    async def on_result(result: SourceResult) -> None:
        raise RuntimeError("the status patch failed")

    spec = BulkStopSnapshotSpec(ids=SOURCES)
    # The operator's client outlives a handler call, so it stays open here too.
    async with sim.client() as client:
        run = SourceRun(client=client, resource_uid=UID, log_prefix="[shop/stop-all]")
        try:
            await run_bulk_stop(spec, run, cluster_limit=1, on_result=on_result)
        except* RuntimeError:
            raised = True
        sent = len(sim.requests)
        await asyncio.sleep(60)

    assert raised
    assert len(sim.requests) == sent
