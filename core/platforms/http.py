"""HTTP to a shop's API, the same for every platform client: transport errors, 429 and 5xx are retried
with jittered exponential back-off (Retry-After honoured, in seconds or as an HTTP-date), then reported as
Retryable so the queue tries again later. A Retry-After longer than an invocation should block goes to the
queue at once rather than holding the worker. Everything else is returned for the platform client to
interpret."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import httpx

from core.errors import Retryable
from core.retry_after import parse_retry_after

MAX_INLINE_WAIT_S = 30.0  # longer waits are the queue's job: a function invocation should not sleep minutes
MAX_QUEUE_WAIT_S = 3600.0  # a shop asking for more than an hour (or "inf") is retried after an hour


def backoff(attempt: int) -> float:
    """Seconds before try `attempt + 1`: half to all of 0.5 × 2^(attempt−1), at most 30."""
    ceiling = min(30.0, 0.5 * 2 ** (attempt - 1))
    return ceiling / 2 + random.random() * ceiling / 2


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the shop asks us to wait (delta-seconds or HTTP-date), at most an hour; None if absent or bad."""
    wait = parse_retry_after(response.headers.get("Retry-After"))
    if wait is None:
        return None
    return wait if math.isfinite(wait) and wait <= MAX_QUEUE_WAIT_S else MAX_QUEUE_WAIT_S


def send(http: httpx.Client, method: str, path: str, *, shop_name: str, max_attempts: int,
         sleep: Callable[[float], None], **kwargs) -> httpx.Response:
    for attempt in range(1, max_attempts + 1):
        try:
            response = http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            if attempt == max_attempts:
                raise Retryable(f"{shop_name} did not answer ({type(exc).__name__}).", retry_after=30) from exc
            sleep(backoff(attempt))
            continue
        if response.status_code == 429 or response.status_code >= 500:
            wait = retry_after(response)
            if attempt == max_attempts or (wait is not None and wait > MAX_INLINE_WAIT_S):
                raise Retryable(f"{shop_name} answered {response.status_code} {attempt} times.",
                                retry_after=wait or 30)
            sleep(wait if wait is not None else backoff(attempt))
            continue
        return response
    raise AssertionError("unreachable")
