"""How long to wait before repeating a transient failure."""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.retry_after import parse_retry_after

__all__ = ["RetryPolicy", "parse_retry_after"]


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
