"""Run a bulk stop over thousands of simulated connectors and print what the limiter allowed.

The cluster is ``SimulatedConnect`` from ``tests.support.connect_simulation``: an in-memory
Kafka Connect REST API behind ``httpx.MockTransport``, because no real cluster here can run
thousands of connectors. Everything above the transport is the operator's own code:
``run_bulk_stop`` with ``selectAll``, the real ``ConnectClient``, ``ClusterLimiter`` and
``RetryPolicy``, on the real event loop clock. Only the waits the engine takes to confirm a
blocking snapshot and to verify a stop are shortened, and the database signaling table is
replaced by ``InMemorySignalTable``.

The connectors are a mix. The majority stream. Some run an incremental snapshot, and the
signal makes the simulation drop the incremental keys. Some run a blocking snapshot on
Debezium 3.6.1, and their restart shows RESTARTING on one status read, then RUNNING. Some are
deleted right after the listing (NotFound), and a few are sink connectors that the selection
leaves out.

The figures printed per run: sources, outcomes, requests sent, wall time, requests per second
observed against the configured rate, the largest count in any one-second window, peak
requests in flight and peak restarts per worker as the simulated workers saw them, and the
peak RSS of this process. The script asserts nothing about speed. Run it from the repository
root, as ``benchmarks/README.md`` describes.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import random
import resource
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

if __package__ in (None, ""):
    # Run as a script: make the repository root importable for ``tests.support``.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.connect_simulation import (
    JDBC_SINK_CLASS,
    PG_CLASS,
    InMemorySignalTable,
    SimulatedConnect,
    SimulatedTask,
    incremental_keys,
    postgres_config,
    postgres_offsets,
)

from snapshot_operator.backends.limiter import ClusterLimiter, LimiterSettings
from snapshot_operator.backends.retry import RetryPolicy
from snapshot_operator.engine import source as source_module
from snapshot_operator.engine.channels import DatabaseCredentials
from snapshot_operator.engine.run import run_bulk_stop
from snapshot_operator.engine.source import SourceRun
from snapshot_operator.models.spec import BulkStopSnapshotSpec
from snapshot_operator.models.status import ConnectorFamily, SourceResult

DEBEZIUM_VERSION = "3.6.1.Final"
RESOURCE_UID = "5b0e7f3a-bench-4c1d-9e2f-simulated000"
# Defaults of ConnectLimits in the operator configuration.
DEFAULT_MAX_CONCURRENCY = 2
DEFAULT_BURST = 5
DEFAULT_MAX_RETRIES = 5
DEFAULT_BACKOFF_BASE_SECONDS = 0.5
DEFAULT_BACKOFF_MAX_SECONDS = 30.0


@dataclass(frozen=True)
class Mix:
    """Fractions of the connectors in each state. The rest stream."""

    incremental: float
    blocking: float
    not_found: float
    sinks: float


@dataclass(frozen=True)
class Figures:
    """Figures measured by one run."""

    rps_limit: float
    sources: int
    outcomes: Mapping[str, int]
    requests: int
    transient_responses: int
    wall_seconds: float
    max_in_one_second: int
    peak_in_flight: int
    peak_restarts_per_worker: int
    peak_rss_mib: float


def build_cluster(
    count: int, workers: int, mix: Mix, latency: float, seed: int
) -> SimulatedConnect:
    """Create ``count`` connectors in the mix, spread round-robin over ``workers`` workers."""
    rng = random.Random(seed)
    sim = SimulatedConnect(
        plugins={PG_CLASS: DEBEZIUM_VERSION, JDBC_SINK_CLASS: DEBEZIUM_VERSION}, latency=latency
    )
    worker_ids = [f"10.0.{index // 250}.{index % 250 + 1}:8083" for index in range(workers)]
    for index in range(count):
        name = f"source-{index:05d}"
        connector_worker = worker_ids[index % workers]
        task_worker = worker_ids[(index + 1) % workers]
        lsn = 1_000 + index
        draw = rng.random()
        fields: dict[str, Any] = {
            "worker_id": connector_worker,
            "tasks": [SimulatedTask(0, "RUNNING", task_worker)],
            "topics": [f"{name}.public.orders"],
        }
        if draw < mix.sinks:
            sim.add(name, {"connector.class": JDBC_SINK_CLASS}, type="sink", **fields)
            continue
        draw -= mix.sinks
        offsets = postgres_offsets(name, lsn)
        if draw < mix.incremental:
            offsets = postgres_offsets(name, lsn, **incremental_keys("public.orders"))
        elif draw < mix.incremental + mix.blocking:
            offsets = postgres_offsets(name, lsn, snapshot="BLOCKING", snapshot_completed=False)
            fields["restarting_reads"] = 1
            fields["offsets_after_restart"] = postgres_offsets(name, lsn + 10)
        elif draw < mix.incremental + mix.blocking + mix.not_found:
            fields["deleted_after_listing"] = True
        sim.add(name, postgres_config(name), offsets=offsets, **fields)
    return sim


def max_in_one_second(times: Sequence[float]) -> int:
    """Return the most requests that started within any one-second window."""
    ordered = sorted(times)
    best = 0
    first = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run_once(args: argparse.Namespace, rps: float) -> Figures:
    mix = Mix(args.incremental, args.blocking, args.not_found, args.sinks)
    sim = build_cluster(args.connectors, args.workers, mix, args.latency, args.seed)
    conflict_rng = random.Random(args.seed + 1)
    for name in sim.connectors:
        if conflict_rng.random() < args.conflict_rate:
            # A rebalance makes the worker respond to this connector's first status read with 409.
            sim.inject(409, path=f"/connectors/{name}/status")

    def open_in_memory(
        family: ConnectorFamily,
        connector: str,
        config: Mapping[str, str],
        credentials: DatabaseCredentials | None,
    ) -> InMemorySignalTable:
        # Debezium drops the incremental keys once it reads the stop-snapshot signal.
        return InMemorySignalTable(on_send=lambda *_: sim.finish_incremental_snapshot(connector))

    limiter = ClusterLimiter(
        LimiterSettings(
            max_in_flight=args.max_concurrency,
            requests_per_second=rps,
            burst=args.burst,
            restarts_per_worker=1,
        ),
        cluster="simulated",
    )
    policy = RetryPolicy(
        max_retries=DEFAULT_MAX_RETRIES,
        backoff_base_seconds=DEFAULT_BACKOFF_BASE_SECONDS,
        backoff_max_seconds=DEFAULT_BACKOFF_MAX_SECONDS,
        rng=random.Random(args.seed),
    )
    spec = BulkStopSnapshotSpec(select_all=True)

    started = time.monotonic()
    with mock.patch.object(source_module, "open_signal_table", open_in_memory):
        async with sim.client(limiter=limiter, retry_policy=policy) as client:
            run = SourceRun(
                client=client,
                resource_uid=RESOURCE_UID,
                log_prefix="[bench/simulated]",
                verify_timeout_seconds=args.verify_timeout,
                verify_poll_interval_seconds=args.poll_interval,
                blocking_confirm_seconds=args.poll_interval,
            )
            results: list[SourceResult] = await run_bulk_stop(
                spec, run, cluster_limit=args.max_concurrency
            )
    wall = time.monotonic() - started

    outcomes = collections.Counter(result.data.outcome.value for result in results)
    return Figures(
        rps_limit=rps,
        sources=len(results),
        outcomes=dict(outcomes.most_common()),
        requests=len(sim.requests),
        transient_responses=sum(
            1
            for request in sim.requests
            if request.status is None or request.status in (409, 429) or request.status >= 500
        ),
        wall_seconds=wall,
        max_in_one_second=max_in_one_second([request.at for request in sim.requests]),
        peak_in_flight=sim.peak_in_flight,
        peak_restarts_per_worker=sim.peak_restarts_per_worker,
        peak_rss_mib=peak_rss_mib(),
    )


def report(args: argparse.Namespace, figures: Figures) -> str:
    outcomes = ", ".join(f"{name} {count}" for name, count in figures.outcomes.items())
    observed = figures.requests / figures.wall_seconds if figures.wall_seconds > 0 else 0.0
    rows = [
        ("connectors simulated", f"{args.connectors} on {args.workers} workers"),
        ("sources selected", f"{figures.sources}"),
        ("outcomes", outcomes or "none"),
        ("requests sent", f"{figures.requests}"),
        ("transient responses", f"{figures.transient_responses} (retried by the client)"),
        ("wall time", f"{figures.wall_seconds:.1f} s"),
        (
            "requests/s observed",
            f"{observed:.1f} (limit {figures.rps_limit:g}, burst {args.burst}; "
            f"max {figures.max_in_one_second} in any 1 s window)",
        ),
        ("peak requests in flight", f"{figures.peak_in_flight} (limit {args.max_concurrency})"),
        ("peak restarts per worker", f"{figures.peak_restarts_per_worker} (limit 1)"),
        ("peak RSS of the process", f"{figures.peak_rss_mib:.1f} MiB"),
    ]
    title = (
        f"Run at {figures.rps_limit:g} requests/s, max_concurrency {args.max_concurrency}, "
        f"burst {args.burst}:"
    )
    return "\n".join([title, *(f"  {label:<26}{value}" for label, value in rows)])


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run a selectAll bulk stop over a simulated Kafka Connect cluster and print "
        "the request rate, concurrency, restarts per worker and memory it took.",
    )

    limits = parser.add_argument_group("limits of the cluster, as in the operator configuration")
    limits.add_argument(
        "--rps",
        type=float,
        action="append",
        help="requests per second of the limiter; repeat for one run per rate (default 60)",
    )
    limits.add_argument(
        "--burst", type=int, default=DEFAULT_BURST, help="token bucket burst (default 5)"
    )
    limits.add_argument(
        "--max-concurrency",
        type=int,
        default=DEFAULT_MAX_CONCURRENCY,
        help="sources at once and requests in flight (default 2)",
    )

    cluster = parser.add_argument_group("the simulated cluster")
    cluster.add_argument(
        "--connectors", type=int, default=2000, help="connectors to simulate (default 2000)"
    )
    cluster.add_argument("--workers", type=int, default=8, help="Connect workers (default 8)")
    cluster.add_argument(
        "--latency",
        type=float,
        default=0.002,
        help="seconds the simulated worker takes per request (default 0.002)",
    )
    cluster.add_argument(
        "--incremental",
        type=float,
        default=0.08,
        help="fraction in an incremental snapshot (default 0.08)",
    )
    cluster.add_argument(
        "--blocking",
        type=float,
        default=0.04,
        help="fraction in a blocking snapshot (default 0.04)",
    )
    cluster.add_argument(
        "--not-found",
        type=float,
        default=0.03,
        help="fraction deleted right after the listing (default 0.03)",
    )
    cluster.add_argument(
        "--sinks", type=float, default=0.01, help="fraction that are sink connectors (default 0.01)"
    )
    cluster.add_argument(
        "--conflict-rate",
        type=float,
        default=0.0,
        help="fraction of connectors whose first status read gets HTTP 409, which the client "
        "retries with backoff (default 0)",
    )
    cluster.add_argument("--seed", type=int, default=1, help="seed of the mix and the jitter")

    waits = parser.add_argument_group("waits of the engine, shortened from the operator defaults")
    waits.add_argument(
        "--poll-interval",
        type=float,
        default=0.05,
        help="seconds between verify reads and before the blocking confirm read (default 0.05)",
    )
    waits.add_argument(
        "--verify-timeout",
        type=float,
        default=5.0,
        help="seconds to verify each stop (default 5)",
    )

    args = parser.parse_args(argv)
    args.rps = args.rps or [60.0]
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    for rps in args.rps:
        figures = asyncio.run(run_once(args, rps))
        print(report(args, figures), flush=True)


if __name__ == "__main__":
    main()
