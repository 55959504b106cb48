"""HTTP to a shop's API, the same for every platform client: transport errors, 429 and 5xx are retried
with jittered exponential back-off (Retry-After honoured), then reported as Retryable so the queue
tries again later. Everything else is returned for the platform client to interpret."""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx

from core.errors import Retryable


def backoff(attempt: int) -> float:
    """Seconds before try `attempt + 1`: half to all of 0.5 × 2^(attempt−1), at most 30."""
    ceiling = min(30.0, 0.5 * 2 ** (attempt - 1))
    return ceiling / 2 + random.random() * ceiling / 2


def retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


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
            if attempt == max_attempts:
                raise Retryable(f"{shop_name} answered {response.status_code} {attempt} times.",
                                retry_after=wait or 30)
            sleep(wait if wait is not None else backoff(attempt))
            continue
        return response
    raise AssertionError("unreachable")
