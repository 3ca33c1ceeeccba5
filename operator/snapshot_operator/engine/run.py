"""Run one BulkStopSnapshot: resolve its sources, then stop each, a few at a time.

Sources run concurrently inside one call, at most ``maxConcurrency`` at once (the cluster's
limit, which a resource may lower but never raise), and every Kafka Connect request also
passes the cluster's shared limiter. Results already recorded in the status are kept and their
sources skipped, so a run interrupted by an operator restart continues where it stopped.
Each new result is handed to ``on_result`` as soon as it exists, so the caller can record
progress; a source that fails becomes a failed result and the others go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from snapshot_operator.engine.resolve import resolve_targets
from snapshot_operator.engine.source import SourceRun, stop_source
from snapshot_operator.models.spec import BulkStopSnapshotSpec
from snapshot_operator.models.status import SourceResult

logger = logging.getLogger(__name__)

OnResult = Callable[[SourceResult], Awaitable[None]]
OnTargets = Callable[[list[str]], Awaitable[None]]


def effective_concurrency(spec: BulkStopSnapshotSpec, cluster_limit: int) -> int:
    if spec.max_concurrency is None:
        return cluster_limit
    return max(1, min(spec.max_concurrency, cluster_limit))


async def run_bulk_stop(
    spec: BulkStopSnapshotSpec,
    run: SourceRun,
    *,
    cluster_limit: int,
    recorded: Sequence[SourceResult] = (),
    on_targets: OnTargets | None = None,
    on_result: OnResult | None = None,
) -> list[SourceResult]:
    """Return one result per selected source, in selection order."""
    targets = await resolve_targets(spec, run.client)
    if on_targets is not None:
        await on_targets(targets)

    done = {result.id: result for result in recorded if result.id in targets}
    pending = [name for name in targets if name not in done]
    if done:
        logger.info(
            "%s %d of %d sources already have a result; continuing with %d",
            run.log_prefix,
            len(done),
            len(targets),
            len(pending),
        )

    slots = asyncio.Semaphore(effective_concurrency(spec, cluster_limit))

    async def one(name: str) -> None:
        async with slots:
            result = await stop_source(run, name)
        done[name] = result
        logger.info(
            "%s %s: %s. %s", run.log_prefix, name, result.data.outcome.value, result.message
        )
        if on_result is not None:
            await on_result(result)

    # A TaskGroup cancels the other sources when one fails, which only ``on_result`` can do
    # (a status patch that failed): kopf then retries the handler, and sources still running
    # from this call must not act beside the retry.
    async with asyncio.TaskGroup() as group:
        for name in pending:
            group.create_task(one(name))
    return [done[name] for name in targets]
