"""Retries with exponential backoff for transient Kafka Connect errors.

Only ``ConnectUnavailable`` is retried: HTTP 409 while the workers rebalance, 429, 5xx,
time-outs and network errors. Every other error is raised at once, because another
attempt would get the same response.

The delay before retry ``n`` (counting from 0) is drawn uniformly from
``[0, min(backoff_max_seconds, backoff_base_seconds * 2**n)]``. This is "full jitter",
which spreads the retries of many sources that failed together. When the server sends
``Retry-After`` (RFC 9110, section 10.2.3: a number of seconds or an HTTP date) and it
requests longer than the drawn delay, the client waits that long. That wait is capped
at ``retry_after_max_seconds``, so a bad header cannot stall a run for hours.

Both the random source and ``sleep`` are injectable, so tests run in fake time.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from snapshot_operator.errors import ConnectUnavailable

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[None]]
RetryCallback = Callable[[int, float, ConnectUnavailable], None]
"""Called before each retry with the retry number (from 1), the delay and the error."""

DEFAULT_RETRY_AFTER_MAX_SECONDS = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    """Retry count and backoff delays for transient Kafka Connect errors."""

    max_retries: int = 5
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 30.0
    retry_after_max_seconds: float = DEFAULT_RETRY_AFTER_MAX_SECONDS
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {self.max_retries}.")
        if self.backoff_base_seconds <= 0:
            raise ValueError(
                f"backoff_base_seconds must be positive, not {self.backoff_base_seconds}."
            )
        if self.backoff_max_seconds < self.backoff_base_seconds:
            raise ValueError(
                f"backoff_max_seconds ({self.backoff_max_seconds}) must not be less than "
                f"backoff_base_seconds ({self.backoff_base_seconds})."
            )
        if self.retry_after_max_seconds < 0:
            raise ValueError(
                f"retry_after_max_seconds must be 0 or more, not {self.retry_after_max_seconds}."
            )

    def backoff_cap(self, retry_index: int) -> float:
        """Return the upper bound of the jittered delay before retry ``retry_index`` (from 0)."""
        # Cap the exponent so that a large max_retries cannot overflow the float.
        exponent = min(retry_index, 64)
        return min(self.backoff_max_seconds, self.backoff_base_seconds * 2.0**exponent)

    def delay(self, retry_index: int, retry_after: float | None = None) -> float:
        """Draw the delay in seconds before retry ``retry_index`` (from 0).

        ``retry_after`` is the server's Retry-After in seconds. It wins when it is longer
        than the drawn delay, up to ``retry_after_max_seconds``.
        """
        jittered = self.rng.uniform(0.0, self.backoff_cap(retry_index))
        if retry_after is None:
            return jittered
        return max(jittered, min(retry_after, self.retry_after_max_seconds))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a Retry-After header value into seconds from ``now``.

    The value is either a non-negative number of seconds or an HTTP date (RFC 9110).
    ``now`` is the current Unix time (``time.time()`` by default). A date in the past
    gives 0. A value that is neither form gives None, so the caller falls back to its
    own backoff.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # float() also accepts "nan" and "inf", which are not delays.
        if not math.isfinite(seconds) or seconds < 0:
            return None
        return seconds
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        # RFC 9110 dates are always in GMT, so a date that names no zone is read as UTC.
        moment = moment.replace(tzinfo=datetime.UTC)
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


async def call_with_retries(
    fn: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    sleep: Sleep = asyncio.sleep,
    on_retry: RetryCallback | None = None,
) -> T:
    """Await ``fn()`` and retry each ``ConnectUnavailable``, at most ``policy.max_retries`` times.

    ``fn`` is called once per attempt, so each attempt builds a fresh request. After the
    last attempt fails, its ``ConnectUnavailable`` is raised. Other exceptions pass
    through at once.
    """
    retry_index = 0
    while True:
        try:
            return await fn()
        except ConnectUnavailable as error:
            if retry_index >= policy.max_retries:
                raise
            delay = policy.delay(retry_index, error.retry_after)
            retry_index += 1
            if on_retry is not None:
                on_retry(retry_index, delay, error)
            await sleep(delay)
