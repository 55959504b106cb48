"""How long to wait before repeating a transient failure."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """Retries inside one client call.

    `max_attempts` counts the first try. Back-off without Retry-After is exponential with "equal jitter"
    (half fixed, half random) capped at `max_delay`. A Retry-After longer than `max_wait` is not slept
    inside the process: the call raises BcRetryableError(retry_after=...) so the queue can redeliver later
    instead of holding a Functions worker.
    """

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 60.0
    max_wait: float = 120.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay after failed attempt number `attempt` (1-based) when the server gave no Retry-After."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        r = (rng or random).random()
        return ceiling / 2 + r * ceiling / 2

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Retry-After wins (BC knows when it will have capacity); otherwise jittered back-off."""
        if retry_after is not None:
            return max(0.0, retry_after)
        return self.backoff(attempt)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds ("7", "1.5") or an HTTP-date. None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN guard
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT; a naive result would be read as local time
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
