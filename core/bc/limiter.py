"""Client-side limits per BC principal, and a pool of principals.

BC online allows each user/service principal 6,000 requests per 5-minute sliding window and 5 requests
processed at a time (more are queued, then refused with 429). Waiting locally is cheaper than a 429, so
every request first takes a slot here:

- the sliding window counts requests in flight plus requests *completed* within the window. Stamping the
  completion time (not the send time) is conservative: BC stamped the request when it arrived, which was
  earlier, so our window always expires after BC's.
- the concurrency limit keeps at most `concurrency` requests of a principal in flight, so BC never queues.

`CredentialPool` spreads requests over several principals: a request takes the principal that can admit
soonest, and among those the least loaded. Throughput grows with the number of principals.

Everything above is per process. With `shared=` (a `shared_budget.SharedBudget`, opt-in through the
BC_SHARED_BUDGET setting) each principal's window and concurrency are also taken from Azure Storage, so
several instances together stay inside BC's limits; see shared_budget.py and docs/scale-out.md.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .auth import TokenSource, credential_from_settings

INFINITE = float("inf")


class WaitBudget:
    """Seconds one invocation may still spend sleeping between retries (Retry-After or back-off).

    A queue worker's claim lease and the host's functionTimeout both bound how long one invocation may
    run; sleeping past either lets a second worker take the claim, or kills the invocation mid-write. A
    wait the budget cannot cover is handed back to the queue instead (the item becomes visible again
    after the delay), which costs nothing while it waits.
    """

    def __init__(self, seconds: float):
        self.left = seconds

    def spend(self, seconds: float) -> bool:
        """True (and the seconds are spent) when the wait fits; False leaves the budget as it was."""
        if seconds > self.left:
            return False
        self.left -= seconds
        return True


_wait_budget: ContextVar[WaitBudget | None] = ContextVar("bc_wait_budget", default=None)


@contextmanager
def wait_budget(seconds: float):
    """Bound the retry waits of every BC call made inside the block (in this thread / task)."""
    token = _wait_budget.set(WaitBudget(seconds))
    try:
        yield _wait_budget.get()
    finally:
        _wait_budget.reset(token)


def may_wait(seconds: float) -> bool:
    """May the current invocation sleep `seconds` before retrying? Always, outside a wait_budget block."""
    budget = _wait_budget.get()
    return budget is None or budget.spend(seconds)


class PrincipalLimiter:
    """Sliding-window rate limit plus a concurrency limit for one principal. Not thread-safe by itself:
    the owning pool serialises access under its condition variable."""

    def __init__(
        self,
        rate_limit: int,
        rate_window_s: float,
        concurrency: int,
        *,
        window_margin_s: float | None = None,
        shared: Any = None,
    ):
        if rate_limit < 1 or concurrency < 1 or rate_window_s <= 0:
            raise ValueError("rate_limit, concurrency and rate_window_s must be positive")
        self.rate_limit = rate_limit
        self.rate_window_s = rate_window_s
        self.concurrency = concurrency
        self.window_margin_s = min(1.0, rate_window_s * 0.01) if window_margin_s is None else window_margin_s
        self.in_flight = 0
        self.in_flight_cost = 0  # rate units of the requests in flight (a $batch costs one per operation)
        self._completed: deque[float] = deque()
        self.blocked_until = 0.0
        self.shared = shared  # SharedPrincipalBudget: what the other instances use of this principal

    def _expire(self, now: float) -> None:
        horizon = now - self.rate_window_s - self.window_margin_s
        completed = self._completed
        while completed and completed[0] <= horizon:
            completed.popleft()

    def window_count(self, now: float) -> int:
        self._expire(now)
        return len(self._completed) + self.in_flight_cost

    def wait_time(self, now: float, cost: int = 1) -> float:
        """0 if a request of `cost` units can start now; seconds until it can; INFINITE if only a release can help."""
        self._expire(now)
        waits = [0.0]
        if self.blocked_until > now:
            waits.append(self.blocked_until - now)
        if self.in_flight >= self.concurrency:
            waits.append(INFINITE)
        cost = min(cost, self.rate_limit)
        if len(self._completed) + self.in_flight_cost + cost > self.rate_limit:
            over = len(self._completed) + self.in_flight_cost + cost - self.rate_limit - 1
            if over >= len(self._completed):
                waits.append(INFINITE)  # the window is full of requests still in flight
            else:
                expires = self._completed[over] + self.rate_window_s + self.window_margin_s
                waits.append(max(0.0, expires - now))
        wait = max(waits)
        if wait == 0 and self.shared is not None:
            # Only when this process could send: asking storage may take a slot from the other instances.
            # Its wait is finite: a slot freed by another instance notifies nobody here, so the shared budget
            # says when to look again (its next poll, or the end of the earliest lease it saw, if sooner).
            wait = self.shared.wait_time(cost)
        return wait

    def admit(self, cost: int = 1) -> None:
        self.in_flight += 1
        self.in_flight_cost += cost
        if self.shared is not None:
            self.shared.admit(cost)

    def release(self, now: float, cost: int = 1) -> None:
        self.in_flight -= 1
        self.in_flight_cost -= cost
        self._completed.extend([now] * cost)
        if self.shared is not None:
            self.shared.release()

    def block_for(self, seconds: float, now: float) -> None:
        """BC throttled this principal anyway (another process shares it?): stop sending for `seconds`."""
        self.blocked_until = max(self.blocked_until, now + seconds)


@dataclass
class PoolMember:
    tokens: TokenSource
    limiter: PrincipalLimiter

    @property
    def name(self) -> str:
        return self.tokens.name


@dataclass
class Lease:
    """A slot on one principal, held for one HTTP request. Give it back with `CredentialPool.release`."""

    member: PoolMember
    waited_s: float
    cost: int = 1
    released: bool = False

    @property
    def name(self) -> str:
        return self.member.name

    def bearer(self) -> str:
        return self.member.tokens.bearer()


class CredentialPool:
    """Several BC principals behind one client, each with its own limiter.

    `credentials`: token credentials (anything with get_token), `TokenSource`s, or (name, credential) pairs.
    The limits are BC's per-principal limits; scale them down for tests and benchmarks.
    """

    def __init__(
        self,
        credentials: Iterable[Any],
        rate_limit: int = 6000,
        rate_window_s: float = 300.0,
        concurrency: int = 5,
        *,
        window_margin_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        shared: Any = None,
    ):
        self.members: list[PoolMember] = []
        for index, item in enumerate(credentials):
            if isinstance(item, TokenSource):
                source = item
            elif isinstance(item, tuple):
                name, credential = item
                source = TokenSource(credential, name=name)
            else:
                source = TokenSource(item, name=f"principal{index + 1}")
            budget = None if shared is None else shared.for_principal(source.name, rate_limit, rate_window_s,
                                                                      concurrency)
            limiter = PrincipalLimiter(rate_limit, rate_window_s, concurrency, window_margin_s=window_margin_s,
                                       shared=budget)
            self.members.append(PoolMember(source, limiter))
        if not self.members:
            raise ValueError("CredentialPool needs at least one credential")
        self.rate_limit = rate_limit
        self.rate_window_s = rate_window_s
        self.concurrency = concurrency
        self._clock = clock
        self._cond = threading.Condition()
        self.shared = shared

    @property
    def total_concurrency(self) -> int:
        return self.concurrency * len(self.members)

    def _pick(self, now: float, cost: int = 1) -> tuple[PoolMember | None, float]:
        """The least-loaded member that can start now, else (None, shortest wait)."""
        best: PoolMember | None = None
        best_key: tuple[int, int] | None = None
        shortest = INFINITE
        for member in self.members:
            limiter = member.limiter
            wait = limiter.wait_time(now, cost)
            if wait > 0:
                shortest = min(shortest, wait)
                continue
            key = (limiter.in_flight, limiter.window_count(now))
            if best_key is None or key < best_key:
                best, best_key = member, key
        return best, shortest

    def try_acquire(self, cost: int = 1) -> Lease | None:
        """A lease if some principal can start a request right now, else None."""
        with self._cond:
            member, _ = self._pick(self._clock(), cost)
            if member is None:
                return None
            member.limiter.admit(cost)
            return Lease(member, 0.0, cost)

    def next_admission_in(self) -> float:
        """Seconds until some principal can start a request (0 = now, inf = after a release)."""
        with self._cond:
            now = self._clock()
            return min(m.limiter.wait_time(now) for m in self.members)

    def acquire(self, timeout: float | None = None, cost: int = 1) -> Lease:
        """Block until a principal can take a request of `cost` rate units (a $batch: its operations);
        raises TimeoutError after `timeout` seconds."""
        start = self._clock()
        with self._cond:
            while True:
                now = self._clock()
                member, wait = self._pick(now, cost)
                if member is not None:
                    member.limiter.admit(cost)
                    return Lease(member, now - start, cost)
                if timeout is not None:
                    left = start + timeout - now
                    if left <= 0:
                        raise TimeoutError("no BC principal could take a request in time")
                    wait = min(wait, left)
                budget = _wait_budget.get()
                if budget is not None and wait != INFINITE and wait > budget.left:
                    # a principal blocked by BC's Retry-After longer than this invocation may wait: hand
                    # the wait back to the queue like any other throttling
                    from .errors import BcRetryableError

                    raise BcRetryableError(429, "ClientWaitBudget", f"BC asked to wait {wait:.1f}s, more than "
                                           "this invocation may wait; retried later", retry_after=wait)
                # Releases notify; time-based admissions are woken by the timeout.
                before = self._clock()
                self._cond.wait(None if wait == INFINITE else wait)
                if budget is not None and wait != INFINITE:
                    budget.left = max(0.0, budget.left - (self._clock() - before))

    def release(self, lease: Lease, *, throttled_for: float | None = None) -> None:
        """Return the slot; `throttled_for` = BC answered 429 for this principal: pause it that long."""
        with self._cond:
            if lease.released:
                return
            lease.released = True
            now = self._clock()
            lease.member.limiter.release(now, lease.cost)
            if throttled_for is not None:
                lease.member.limiter.block_for(throttled_for, now)
            self._cond.notify_all()

    def snapshot(self) -> dict[str, Any]:
        with self._cond:
            now = self._clock()
            return {
                m.name: {
                    "in_flight": m.limiter.in_flight,
                    "window_count": m.limiter.window_count(now),
                    "blocked_for_s": round(max(0.0, m.limiter.blocked_until - now), 3),
                    "token_fetches": m.tokens.fetches,
                }
                for m in self.members
            }

    def __repr__(self) -> str:
        names = ", ".join(m.name for m in self.members)
        return (
            f"CredentialPool([{names}], rate_limit={self.rate_limit}, rate_window_s={self.rate_window_s}, "
            f"concurrency={self.concurrency})"
        )


def pool_from_settings(
    auth_configs: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    settings: Mapping[str, str] | None = None,
    rate_limit: int = 6000,
    rate_window_s: float = 300.0,
    concurrency: int = 5,
    shared: Any = None,
) -> CredentialPool:
    """A pool with one principal per auth config (see auth.credential_from_settings); names from `name` or the
    client id setting's name, never from a secret."""
    configs = [auth_configs] if isinstance(auth_configs, Mapping) else list(auth_configs)
    members = []
    for index, config in enumerate(configs):
        name = config.get("name") or f"principal{index + 1}"
        members.append(TokenSource(credential_from_settings(config, settings), name=name))
    return CredentialPool(members, rate_limit=rate_limit, rate_window_s=rate_window_s, concurrency=concurrency,
                          shared=shared)
