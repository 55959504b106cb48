"""Counters for the BC client: what benchmarks assert on and what a run logs at the end."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

# Upper bounds (ms) of the latency histogram buckets; the last bucket is open-ended.
LATENCY_BUCKETS_MS = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000)


class BcMetrics:
    """Thread-safe counters. `snapshot()` returns plain data (JSON-serialisable)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests: Counter[str] = Counter()  # "GET customers" -> n (HTTP attempts)
            self._statuses: Counter[str] = Counter()  # "200", "429", "error:ReadTimeout"
            self._principals: Counter[str] = Counter()
            self._calls = 0
            self._retries = 0
            self._throttles = 0
            self._server_busy = 0
            self._ambiguous = 0
            self._failures: Counter[str] = Counter()  # exception class raised to the caller
            self._token_refreshes = 0
            self._lat_count = 0
            self._lat_sum = 0.0
            self._lat_max = 0.0
            self._lat_buckets = [0] * (len(LATENCY_BUCKETS_MS) + 1)
            self._limiter_wait_sum = 0.0
            self._limiter_wait_max = 0.0
            self._retry_wait_sum = 0.0

    def record_attempt(
        self, method: str, entity: str, status: int | str, elapsed_ms: float, principal: str, limiter_wait_s: float
    ) -> None:
        with self._lock:
            self._requests[f"{method} {entity}"] += 1
            self._statuses[str(status)] += 1
            self._principals[principal] += 1
            if status == 429:
                self._throttles += 1
            elif status == 503:
                self._server_busy += 1
            self._lat_count += 1
            self._lat_sum += elapsed_ms
            self._lat_max = max(self._lat_max, elapsed_ms)
            for i, bound in enumerate(LATENCY_BUCKETS_MS):
                if elapsed_ms <= bound:
                    self._lat_buckets[i] += 1
                    break
            else:
                self._lat_buckets[-1] += 1
            self._limiter_wait_sum += limiter_wait_s
            self._limiter_wait_max = max(self._limiter_wait_max, limiter_wait_s)

    def record_call(self) -> None:
        with self._lock:
            self._calls += 1

    def record_retry(self, wait_s: float) -> None:
        with self._lock:
            self._retries += 1
            self._retry_wait_sum += wait_s

    def record_ambiguous(self) -> None:
        with self._lock:
            self._ambiguous += 1

    def record_failure(self, error: BaseException) -> None:
        with self._lock:
            self._failures[type(error).__name__] += 1

    def record_token_refresh(self) -> None:
        with self._lock:
            self._token_refreshes += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            buckets = {f"le_{b}": n for b, n in zip(LATENCY_BUCKETS_MS, self._lat_buckets, strict=False)}
            buckets["gt_" + str(LATENCY_BUCKETS_MS[-1])] = self._lat_buckets[-1]
            return {
                "calls": self._calls,
                "requests": sum(self._requests.values()),
                "requests_by_entity": dict(sorted(self._requests.items())),
                "statuses": dict(sorted(self._statuses.items())),
                "by_principal": dict(sorted(self._principals.items())),
                "retries": self._retries,
                "retry_wait_s": round(self._retry_wait_sum, 3),
                "throttles": self._throttles,
                "server_busy": self._server_busy,
                "ambiguous": self._ambiguous,
                "failures": dict(sorted(self._failures.items())),
                "token_refreshes": self._token_refreshes,
                "latency_ms": {
                    "count": self._lat_count,
                    "sum": round(self._lat_sum, 1),
                    "mean": round(self._lat_sum / self._lat_count, 1) if self._lat_count else 0.0,
                    "max": round(self._lat_max, 1),
                    "buckets": buckets,
                },
                "limiter_wait_s": {"sum": round(self._limiter_wait_sum, 3), "max": round(self._limiter_wait_max, 3)},
            }

    def log_summary(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> dict[str, Any]:
        """One log line with the totals; returns the snapshot it logged."""
        snap = self.snapshot()
        lat = snap["latency_ms"]
        (logger or logging.getLogger("core.bc")).log(
            level,
            "BC client: %d calls, %d requests, %d retries (%.1fs waiting), %d throttled (429), %d busy (503), "
            "%d ambiguous writes, failures %s, latency mean %.0f ms max %.0f ms, limiter wait max %.2fs",
            snap["calls"],
            snap["requests"],
            snap["retries"],
            snap["retry_wait_s"],
            snap["throttles"],
            snap["server_busy"],
            snap["ambiguous"],
            snap["failures"] or "{}",
            lat["mean"],
            lat["max"],
            snap["limiter_wait_s"]["max"],
        )
        return snap
