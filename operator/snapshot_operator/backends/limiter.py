"""Limits that protect one Kafka Connect cluster from the operator's own load.

Every resource that targets a cluster shares that cluster's ``ClusterLimiter``, which
``LimiterRegistry`` hands out by cluster name. The limiter enforces three limits:

- a cap on requests in flight, so that many sources cannot open many connections;
- a request rate, as a token bucket (``requests_per_second`` refill, ``burst`` tokens);
- at most ``restarts_per_worker`` restarts in flight per Connect worker id.

The last limit exists because a worker runs a restart on its herder thread. That thread
stops the tasks and blocks for up to ``task.shutdown.graceful.timeout.ms`` (5 s by
default) per stop, and every other REST call that needs the same herder waits behind it.
Kafka Connect responds to such a waiting call with 500 "Request timed out" after 90 s
(``DistributedHerder`` and ``HerderRequestHandler`` in apache/kafka). The caller holds
``restart_slot(worker_id)`` around the restart request and the wait for the connector to
run again. It takes the worker ids from ``GET /connectors/{name}/status``.

Each HTTP attempt takes ``request_slot()`` on its own, so a request that waits for a
retry holds no slot while it sleeps. The clock and ``sleep`` are injectable. By default
they are the running event loop's clock and ``asyncio.sleep``, which looptime fakes in
tests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

from snapshot_operator.errors import ConfigError

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


@dataclass(frozen=True)
class LimiterSettings:
    """Limits for one Kafka Connect cluster."""

    max_in_flight: int = 4
    requests_per_second: float = 5.0
    burst: int = 5
    restarts_per_worker: int = 1

    def __post_init__(self) -> None:
        if self.max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, not {self.max_in_flight}.")
        if self.requests_per_second <= 0:
            raise ValueError(
                f"requests_per_second must be positive, not {self.requests_per_second}."
            )
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1, not {self.burst}.")
        if self.restarts_per_worker < 1:
            raise ValueError(
                f"restarts_per_worker must be at least 1, not {self.restarts_per_worker}."
            )


class TokenBucket:
    """A token bucket that refills ``rate`` tokens per second, up to ``burst`` tokens.

    Waiters take tokens in arrival order, because only the first waiter sleeps for the
    next token and it keeps the lock while it sleeps.
    """

    def __init__(self, rate: float, burst: int, *, clock: Clock, sleep: Sleep):
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated: float | None = None
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        if self._updated is not None:
            self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now

    async def acquire(self) -> None:
        """Wait until a token is available and take it."""
        async with self._lock:
            self._refill()
            while self._tokens < 1.0:
                await self._sleep((1.0 - self._tokens) / self._rate)
                self._refill()
            self._tokens -= 1.0


@dataclass
class _WorkerSlot:
    semaphore: asyncio.Semaphore
    users: int = 0


class ClusterLimiter:
    """The request and restart limits of one Kafka Connect cluster, shared by all resources."""

    def __init__(
        self,
        settings: LimiterSettings,
        *,
        cluster: str = "default",
        clock: Clock = _loop_time,
        sleep: Sleep = asyncio.sleep,
    ):
        self.settings = settings
        self.cluster = cluster
        self._in_flight = asyncio.Semaphore(settings.max_in_flight)
        self._bucket = TokenBucket(
            settings.requests_per_second, settings.burst, clock=clock, sleep=sleep
        )
        self._worker_slots: dict[str, _WorkerSlot] = {}

    @contextlib.asynccontextmanager
    async def request_slot(self) -> AsyncIterator[None]:
        """Hold one of the cluster's in-flight slots and one rate token for one HTTP attempt."""
        async with self._in_flight:
            await self._bucket.acquire()
            yield

    @contextlib.asynccontextmanager
    async def restart_slot(self, worker_id: str) -> AsyncIterator[None]:
        """Hold one of the restart slots of the Connect worker ``worker_id``."""
        slot = self._worker_slots.get(worker_id)
        if slot is None:
            slot = _WorkerSlot(asyncio.Semaphore(self.settings.restarts_per_worker))
            self._worker_slots[worker_id] = slot
        slot.users += 1
        try:
            async with slot.semaphore:
                yield
        finally:
            slot.users -= 1
            # Worker ids change when pods are replaced, so drop a slot once no caller holds or
            # waits for it.
            if slot.users == 0:
                del self._worker_slots[worker_id]

    @contextlib.asynccontextmanager
    async def restart_slots(self, worker_ids: Iterable[str]) -> AsyncIterator[None]:
        """Hold a restart slot on each of ``worker_ids``, for a connector whose tasks span workers.

        The slots are taken in sorted order, so two callers that need overlapping sets of
        workers cannot deadlock.
        """
        async with contextlib.AsyncExitStack() as stack:
            for worker_id in sorted(set(worker_ids)):
                await stack.enter_async_context(self.restart_slot(worker_id))
            yield


class LimiterRegistry:
    """Hands out one ``ClusterLimiter`` per Kafka Connect cluster name, created on first use."""

    def __init__(
        self,
        settings: Mapping[str, LimiterSettings],
        *,
        clock: Clock = _loop_time,
        sleep: Sleep = asyncio.sleep,
    ):
        self._settings = dict(settings)
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[str, ClusterLimiter] = {}

    def get(self, cluster: str) -> ClusterLimiter:
        """Return the limiter of ``cluster``, the same object on every call.

        Raises ConfigError when the configuration has no cluster of that name.
        """
        limiter = self._limiters.get(cluster)
        if limiter is not None:
            return limiter
        settings = self._settings.get(cluster)
        if settings is None:
            known = ", ".join(repr(name) for name in sorted(self._settings)) or "none"
            raise ConfigError(
                f"Kafka Connect cluster {cluster!r} is not in the operator's configuration "
                f"(configured clusters: {known}). Use one of those names in connectCluster, "
                "or add the cluster to the configuration."
            )
        limiter = ClusterLimiter(settings, cluster=cluster, clock=self._clock, sleep=self._sleep)
        self._limiters[cluster] = limiter
        return limiter
