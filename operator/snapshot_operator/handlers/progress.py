"""Record a run's progress in the resource's status, throttled.

Every finished source is added to the status, but patches go out at most once per
``interval`` seconds, so a run over hundreds of sources makes a few dozen writes rather than
hundreds. The one exception is a source that is about to be acted on: it is written to
``inFlight`` at once, before the signal or restart, so an operator that dies right after acting
knows on its next start not to act again.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Callable

from snapshot_operator.engine import aggregate
from snapshot_operator.handlers.kube import KubeApi
from snapshot_operator.models.status import (
    Action,
    BulkStopSnapshotStatus,
    InFlightSource,
    Phase,
    SourceResult,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


class ProgressRecorder:
    """Keeps one resource's status in memory and patches it to the API server."""

    def __init__(
        self,
        api: KubeApi,
        namespace: str,
        name: str,
        status: BulkStopSnapshotStatus,
        *,
        interval: float,
        clock: Clock = lambda: asyncio.get_running_loop().time(),
    ) -> None:
        self.api = api
        self.namespace = namespace
        self.name = name
        self.status = status
        self.interval = interval
        self._clock = clock
        self._last_patch: float | None = None
        self._dirty = False
        self._lock = asyncio.Lock()
        self._total = status.summary.total if status.summary else 0

    async def start(self, generation: int | None) -> None:
        now = utc_now()
        message = "Resolving the selected sources."
        self.status.observed_generation = generation
        self.status.start_time = self.status.start_time or now
        self.status.phase = Phase.PENDING
        self.status.message = message
        self.status.conditions = aggregate.keep_transition_times(
            self.status.conditions, aggregate.running_conditions(message, now, generation)
        )
        await self.flush(force=True)

    async def set_targets(self, targets: list[str]) -> None:
        self._total = len(targets)
        recorded = [result for result in self.status.results if result.id in set(targets)]
        self.status.results = recorded
        self.status.summary = aggregate.summarize(recorded, self._total)
        self.status.phase = Phase.RUNNING
        self.status.message = f"Stopping snapshots on {self._total} sources."
        await self.flush(force=True)

    async def mark_in_flight(self, source: str, action: Action) -> None:
        entries = [entry for entry in self.status.in_flight if entry.id != source]
        entries.append(InFlightSource(id=source, action=action, started_at=utc_now()))
        self.status.in_flight = entries
        await self.flush(force=True)

    async def add_result(self, result: SourceResult) -> None:
        self.status.results = [r for r in self.status.results if r.id != result.id] + [result]
        self.status.in_flight = [entry for entry in self.status.in_flight if entry.id != result.id]
        self.status.summary = aggregate.summarize(self.status.results, self._total)
        self._dirty = True
        await self.flush()

    async def finish(self, results: list[SourceResult], generation: int | None) -> Phase:
        now = utc_now()
        summary = aggregate.summarize(results, len(results))
        phase = aggregate.final_phase(summary)
        message = aggregate.final_message(results, summary)
        self.status.results = results
        self.status.in_flight = []
        self.status.summary = summary
        self.status.phase = phase
        self.status.message = message
        self.status.completion_time = now
        self.status.observed_generation = generation
        self.status.conditions = aggregate.keep_transition_times(
            self.status.conditions, aggregate.final_conditions(phase, message, now, generation)
        )
        await self.flush(force=True)
        return phase

    async def fail(self, reason: str, message: str, generation: int | None) -> None:
        """Record a run that failed as a whole, before any source was worked on."""
        now = utc_now()
        self.status.phase = Phase.FAILED
        self.status.message = message
        self.status.start_time = self.status.start_time or now
        self.status.completion_time = now
        self.status.observed_generation = generation
        self.status.summary = self.status.summary or aggregate.summarize([], 0)
        self.status.conditions = aggregate.keep_transition_times(
            self.status.conditions, aggregate.failed_conditions(reason, message, now, generation)
        )
        await self.flush(force=True)

    async def flush(self, *, force: bool = False) -> None:
        async with self._lock:
            now = self._clock()
            due = self._last_patch is None or now - self._last_patch >= self.interval
            if not force and not (self._dirty and due):
                return
            body = self.status.to_k8s()
            # A merge patch deletes a key only when it is sent as null.
            body.setdefault("inFlight", [])
            await self.api.patch_status(self.namespace, self.name, body)
            self._last_patch = now
            self._dirty = False
