"""The per-cluster limiter: request rate, in-flight cap and restarts per worker, in looptime."""

from __future__ import annotations

import asyncio

import pytest

from snapshot_operator.backends.limiter import ClusterLimiter, LimiterRegistry, LimiterSettings
from snapshot_operator.errors import ConfigError

pytestmark = pytest.mark.looptime


def unthrottled(max_in_flight: int = 4, restarts_per_worker: int = 1) -> LimiterSettings:
    """Settings whose request rate never delays a test."""
    return LimiterSettings(
        max_in_flight=max_in_flight,
        requests_per_second=1000.0,
        burst=1000,
        restarts_per_worker=restarts_per_worker,
    )


def now() -> float:
    return asyncio.get_running_loop().time()


async def test_rate_spaces_requests_after_burst() -> None:
    limiter = ClusterLimiter(LimiterSettings(max_in_flight=100, requests_per_second=2.0, burst=1))
    start = now()
    sent_at: list[float] = []

    async def request() -> None:
        async with limiter.request_slot():
            sent_at.append(now() - start)

    await asyncio.gather(*(request() for _ in range(10)))

    # The first request takes the one burst token, and the other nine wait 0.5 s each.
    assert now() - start == pytest.approx(4.5, abs=0.01)
    assert sent_at[:3] == pytest.approx([0.0, 0.5, 1.0], abs=0.01)


async def test_rate_burst_passes_without_waiting() -> None:
    limiter = ClusterLimiter(LimiterSettings(max_in_flight=100, requests_per_second=1.0, burst=5))
    start = now()

    for _ in range(5):
        async with limiter.request_slot():
            pass
    assert now() - start == pytest.approx(0.0, abs=0.01)

    async with limiter.request_slot():
        pass
    assert now() - start == pytest.approx(1.0, abs=0.01)


async def test_rate_bucket_refills_while_idle() -> None:
    limiter = ClusterLimiter(LimiterSettings(max_in_flight=100, requests_per_second=1.0, burst=3))
    for _ in range(3):
        async with limiter.request_slot():
            pass

    await asyncio.sleep(10)
    start = now()
    for _ in range(3):
        async with limiter.request_slot():
            pass

    # Ten idle seconds refill the bucket only up to its burst of three.
    assert now() - start == pytest.approx(0.0, abs=0.01)
    async with limiter.request_slot():
        pass
    assert now() - start == pytest.approx(1.0, abs=0.01)


async def test_in_flight_cap_never_exceeded() -> None:
    limiter = ClusterLimiter(unthrottled(max_in_flight=3))
    holders = 0
    max_holders = 0
    start = now()

    async def request() -> None:
        nonlocal holders, max_holders
        async with limiter.request_slot():
            holders += 1
            max_holders = max(max_holders, holders)
            await asyncio.sleep(1)
            holders -= 1

    await asyncio.gather(*(request() for _ in range(10)))

    assert max_holders == 3
    # Ten one-second requests, three at a time, take four rounds.
    assert now() - start == pytest.approx(4.0, abs=0.05)


async def test_restarts_on_one_worker_serialize() -> None:
    limiter = ClusterLimiter(unthrottled())
    start = now()

    async def restart() -> None:
        async with limiter.restart_slot("10.0.0.12:8083"):
            await asyncio.sleep(10)

    await asyncio.gather(restart(), restart())

    assert now() - start == pytest.approx(20.0, abs=0.01)


async def test_restarts_on_two_workers_overlap() -> None:
    limiter = ClusterLimiter(unthrottled())
    start = now()

    async def restart(worker_id: str) -> None:
        async with limiter.restart_slot(worker_id):
            await asyncio.sleep(10)

    await asyncio.gather(restart("10.0.0.12:8083"), restart("10.0.0.13:8083"))

    assert now() - start == pytest.approx(10.0, abs=0.01)


async def test_restarts_per_worker_setting_allows_more() -> None:
    limiter = ClusterLimiter(unthrottled(restarts_per_worker=2))
    start = now()

    async def restart() -> None:
        async with limiter.restart_slot("10.0.0.12:8083"):
            await asyncio.sleep(10)

    await asyncio.gather(restart(), restart(), restart())

    assert now() - start == pytest.approx(20.0, abs=0.01)


async def test_restart_slots_overlapping_sets_do_not_deadlock() -> None:
    limiter = ClusterLimiter(unthrottled())
    start = now()

    async def hold_worker_a() -> None:
        async with limiter.restart_slot("worker-a"):
            await asyncio.sleep(5)

    async def restart(worker_ids: list[str]) -> None:
        async with limiter.restart_slots(worker_ids):
            await asyncio.sleep(10)

    # While worker-a is busy, a caller taking slots in the given order would hold
    # worker-b and wait for worker-a, while the first caller holds worker-a and waits
    # for worker-b.
    holder = asyncio.create_task(hold_worker_a())
    await asyncio.sleep(1)
    first = asyncio.create_task(restart(["worker-a", "worker-b"]))
    await asyncio.sleep(1)
    second = asyncio.create_task(restart(["worker-b", "worker-a"]))
    await asyncio.wait_for(asyncio.gather(holder, first, second), timeout=60)

    assert now() - start == pytest.approx(25.0, abs=0.01)


async def test_restart_slot_released_after_error() -> None:
    limiter = ClusterLimiter(unthrottled())

    with pytest.raises(RuntimeError):
        async with limiter.restart_slot("worker-a"):
            raise RuntimeError("restart failed")

    start = now()
    async with limiter.restart_slot("worker-a"):
        pass
    assert now() - start == pytest.approx(0.0, abs=0.01)


async def test_restart_slot_cancelled_waiter_frees_nothing_held() -> None:
    limiter = ClusterLimiter(unthrottled())
    released = asyncio.Event()

    async def holder() -> None:
        async with limiter.restart_slot("worker-a"):
            await released.wait()

    async def waiter() -> None:
        async with limiter.restart_slot("worker-a"):
            pass

    holding = asyncio.create_task(holder())
    await asyncio.sleep(1)
    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(1)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting

    # The holder still holds the slot, so a new caller must wait until it is released.
    third = asyncio.create_task(waiter())
    await asyncio.sleep(1)
    assert not third.done()
    released.set()
    await asyncio.wait_for(third, timeout=5)
    await holding


def test_registry_returns_same_limiter_per_cluster() -> None:
    registry = LimiterRegistry({"default": LimiterSettings(), "analytics": LimiterSettings()})

    first = registry.get("default")

    assert registry.get("default") is first
    assert registry.get("analytics") is not first
    assert first.cluster == "default"


def test_registry_uses_cluster_settings() -> None:
    settings = LimiterSettings(max_in_flight=7)
    registry = LimiterRegistry({"default": LimiterSettings(), "analytics": settings})

    assert registry.get("analytics").settings is settings


def test_registry_unknown_cluster_raises_config_error() -> None:
    registry = LimiterRegistry({"default": LimiterSettings()})

    with pytest.raises(ConfigError, match="'staging'") as caught:
        registry.get("staging")

    assert "'default'" in str(caught.value)


@pytest.mark.parametrize(
    "settings",
    [
        {"max_in_flight": 0},
        {"requests_per_second": 0.0},
        {"burst": 0},
        {"restarts_per_worker": 0},
    ],
)
def test_settings_invalid_values_rejected(settings: dict[str, float]) -> None:
    field = next(iter(settings))

    with pytest.raises(ValueError, match=field):
        LimiterSettings(**settings)  # type: ignore[arg-type]
