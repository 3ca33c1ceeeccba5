"""Backoff, Retry-After parsing and the retry loop, in fake time (an injected sleep)."""

from __future__ import annotations

import random

import pytest

from snapshot_operator.backends.retry import RetryPolicy, call_with_retries, parse_retry_after
from snapshot_operator.errors import ConnectorNotFound, ConnectUnavailable


class MaxRandom(random.Random):
    """A random source whose uniform() always returns the upper bound."""

    def uniform(self, a: float, b: float) -> float:
        return b


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def unavailable(status: int = 503, retry_after: float | None = None) -> ConnectUnavailable:
    return ConnectUnavailable(
        "GET /connectors", cluster="test", status=status, retry_after=retry_after
    )


def test_backoff_cap_doubles_until_maximum() -> None:
    policy = RetryPolicy(backoff_base_seconds=1.0, backoff_max_seconds=10.0)

    caps = [policy.backoff_cap(index) for index in range(6)]

    assert caps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_backoff_cap_large_index_does_not_overflow() -> None:
    policy = RetryPolicy(backoff_base_seconds=1.0, backoff_max_seconds=30.0)

    assert policy.backoff_cap(10_000) == 30.0


def test_delay_full_jitter_stays_within_cap() -> None:
    policy = RetryPolicy(backoff_base_seconds=1.0, backoff_max_seconds=8.0, rng=random.Random(1))

    delays = [policy.delay(3) for _ in range(200)]

    assert min(delays) >= 0.0
    assert max(delays) <= 8.0
    # Full jitter spreads the delays over the whole range, not around one value.
    assert min(delays) < 2.0
    assert max(delays) > 6.0


def test_delay_retry_after_longer_than_backoff_wins() -> None:
    policy = RetryPolicy(backoff_base_seconds=1.0, backoff_max_seconds=2.0, rng=MaxRandom())

    assert policy.delay(0, retry_after=7.0) == 7.0


def test_delay_retry_after_shorter_than_backoff_ignored() -> None:
    policy = RetryPolicy(backoff_base_seconds=4.0, backoff_max_seconds=4.0, rng=MaxRandom())

    assert policy.delay(0, retry_after=1.0) == 4.0


def test_delay_retry_after_capped() -> None:
    policy = RetryPolicy(rng=MaxRandom())

    assert policy.delay(0, retry_after=86_400.0) == 300.0


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"backoff_base_seconds": 0.0}, "backoff_base_seconds"),
        ({"backoff_base_seconds": 5.0, "backoff_max_seconds": 1.0}, "backoff_max_seconds"),
        ({"retry_after_max_seconds": -1.0}, "retry_after_max_seconds"),
    ],
)
def test_policy_invalid_settings_rejected(settings: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RetryPolicy(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        (" 120 ", 120.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT

    assert parse_retry_after(header, now=now) == expected


async def test_call_with_retries_returns_after_transient_errors() -> None:
    sleep = FakeSleep()
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise unavailable(409)
        return "ok"

    result = await call_with_retries(flaky, policy=RetryPolicy(max_retries=5), sleep=sleep)

    assert result == "ok"
    assert calls == 3
    assert len(sleep.delays) == 2


async def test_call_with_retries_raises_last_error_when_exhausted() -> None:
    sleep = FakeSleep()
    errors = [unavailable(500 + index) for index in range(4)]
    calls = 0

    async def failing() -> None:
        nonlocal calls
        calls += 1
        raise errors[calls - 1]

    with pytest.raises(ConnectUnavailable) as caught:
        await call_with_retries(failing, policy=RetryPolicy(max_retries=3), sleep=sleep)

    assert calls == 4
    assert caught.value is errors[3]
    assert len(sleep.delays) == 3


async def test_call_with_retries_zero_retries_tries_once() -> None:
    calls = 0

    async def failing() -> None:
        nonlocal calls
        calls += 1
        raise unavailable()

    with pytest.raises(ConnectUnavailable):
        await call_with_retries(failing, policy=RetryPolicy(max_retries=0), sleep=FakeSleep())

    assert calls == 1


async def test_call_with_retries_permanent_error_not_retried() -> None:
    sleep = FakeSleep()
    calls = 0

    async def missing() -> None:
        nonlocal calls
        calls += 1
        raise ConnectorNotFound("orders-pg", cluster="test")

    with pytest.raises(ConnectorNotFound):
        await call_with_retries(missing, policy=RetryPolicy(max_retries=5), sleep=sleep)

    assert calls == 1
    assert sleep.delays == []


async def test_call_with_retries_waits_retry_after() -> None:
    sleep = FakeSleep()
    calls = 0

    async def throttled() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise unavailable(429, retry_after=12.0)
        return "ok"

    policy = RetryPolicy(backoff_base_seconds=1.0, backoff_max_seconds=2.0)
    await call_with_retries(throttled, policy=policy, sleep=sleep)

    assert sleep.delays == [12.0]


async def test_call_with_retries_reports_each_retry() -> None:
    reports: list[tuple[int, float, int | None]] = []

    async def failing() -> None:
        raise unavailable(503)

    def on_retry(retry: int, delay: float, error: ConnectUnavailable) -> None:
        reports.append((retry, delay, error.status))

    policy = RetryPolicy(max_retries=2, backoff_base_seconds=1.0, rng=MaxRandom())
    with pytest.raises(ConnectUnavailable):
        await call_with_retries(failing, policy=policy, sleep=FakeSleep(), on_retry=on_retry)

    assert reports == [(1, 1.0, 503), (2, 2.0, 503)]
