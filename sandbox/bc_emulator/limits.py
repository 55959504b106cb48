"""BC online operational limits per principal (user or service principal).

- rate: `rate_limit` requests per sliding `rate_window_s` window (6,000 / 300 s online) → 429;
- concurrency: `concurrency` requests processed at once (5); the excess waits in a queue of at most
  `queue_limit` (95) → beyond that 429. A request holds its slot while the configured latency elapses,
  so `concurrency × 1 / latency` bounds one principal's throughput, as on BC online.

Only admitted requests count against the rate window. A `$batch` costs one unit per operation.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from .errors import too_many_requests


@dataclass
class Limits:
    rate_limit: int = 6000
    rate_window_s: float = 300.0
    concurrency: int = 5
    queue_limit: int = 95
    latency_ms: float = 0.0
    page_size: int = 20000
    batch_limit: int = 100
    webhook_delay_s: float = 0.0


@dataclass
class _Gate:
    window: deque = field(default_factory=deque)
    in_flight: int = 0
    waiting: int = 0
    max_in_flight: int = 0
    max_waiting: int = 0


class Limiter:
    def __init__(self, limits: Limits):
        self.limits = limits
        self._cond = threading.Condition()
        self._gates: dict[str, _Gate] = {}

    def admit(self, principal: str, cost: int = 1) -> None:
        """Take a processing slot for the principal (waiting in the queue if needed) or raise 429."""
        limits = self.limits
        with self._cond:
            gate = self._gates.setdefault(principal, _Gate())
            now = time.monotonic()
            while gate.window and gate.window[0] <= now - limits.rate_window_s:
                gate.window.popleft()
            if len(gate.window) + cost > limits.rate_limit:
                raise too_many_requests(
                    f"Too many requests reached.  Actual ({len(gate.window) + cost}).  "
                    f"Maximum ({limits.rate_limit})."
                )
            if gate.in_flight >= limits.concurrency and gate.waiting >= limits.queue_limit:
                raise too_many_requests(
                    f"Too many requests reached.  Actual ({gate.in_flight + gate.waiting + 1}).  "
                    f"Maximum ({limits.concurrency + limits.queue_limit})."
                )
            # Admitted: the request counts against the window now, even if it still has to queue.
            gate.window.extend([now] * cost)
            if gate.in_flight >= limits.concurrency:
                gate.waiting += 1
                gate.max_waiting = max(gate.max_waiting, gate.waiting)
                try:
                    while gate.in_flight >= self.limits.concurrency:
                        self._cond.wait()
                finally:
                    gate.waiting -= 1
            gate.in_flight += 1
            gate.max_in_flight = max(gate.max_in_flight, gate.in_flight)

    def release(self, principal: str) -> None:
        with self._cond:
            self._gates[principal].in_flight -= 1
            self._cond.notify_all()

    def wake(self) -> None:
        """Re-check waiting requests after a configuration change."""
        with self._cond:
            self._cond.notify_all()

    def stats(self) -> dict[str, dict[str, int]]:
        with self._cond:
            return {
                p: {"in_flight": g.in_flight, "waiting": g.waiting, "max_in_flight": g.max_in_flight,
                    "max_waiting": g.max_waiting, "window": len(g.window)}
                for p, g in self._gates.items()
            }

    def reset(self) -> None:
        with self._cond:
            for principal in [p for p, g in self._gates.items() if not g.in_flight and not g.waiting]:
                del self._gates[principal]
            for g in self._gates.values():
                g.window.clear()
                g.max_in_flight = g.in_flight
                g.max_waiting = g.waiting
