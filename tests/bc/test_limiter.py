"""Per-principal sliding window + concurrency, and choosing a principal from the pool."""

from __future__ import annotations

import threading
import time

import pytest

from core.bc import CredentialPool, PrincipalLimiter

from .fakes import FakeCredential


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_sliding_window_counts_in_flight_and_expires_from_completion():
    lim = PrincipalLimiter(rate_limit=3, rate_window_s=10, concurrency=5, window_margin_s=0)
    for _ in range(3):
        assert lim.wait_time(0) == 0
        lim.admit()
    assert lim.wait_time(0) == float("inf")  # window full of in-flight requests: only completion helps
    lim.release(1.0)
    lim.release(2.0)
    lim.release(4.0)
    assert lim.wait_time(4.0) == pytest.approx(7.0)  # first completion (t=1) leaves the window at t=11
    assert lim.wait_time(11.0) == 0
    assert lim.window_count(11.5) == 2


def test_concurrency_limit_blocks_until_release():
    lim = PrincipalLimiter(rate_limit=100, rate_window_s=10, concurrency=2, window_margin_s=0)
    lim.admit()
    lim.admit()
    assert lim.wait_time(0) == float("inf")
    lim.release(0.1)
    assert lim.wait_time(0.1) == 0


def test_block_for_pauses_a_throttled_principal():
    lim = PrincipalLimiter(rate_limit=100, rate_window_s=10, concurrency=2, window_margin_s=0)
    lim.block_for(5, now=0)
    assert lim.wait_time(1) == pytest.approx(4)
    assert lim.wait_time(5) == 0


def test_pool_picks_least_loaded_principal_that_can_start_now():
    clock = Clock()
    pool = CredentialPool([FakeCredential("a"), FakeCredential("b")], rate_limit=4, rate_window_s=10,
                          concurrency=2, clock=clock)
    names = [pool.try_acquire().name for _ in range(4)]
    assert sorted(names) == ["principal1", "principal1", "principal2", "principal2"]
    assert names[0] != names[1]  # alternates: least in flight first
    assert pool.try_acquire() is None  # both at concurrency 2
    assert pool.next_admission_in() == float("inf")


def test_pool_balances_windows_and_then_waits_for_the_earliest_expiry():
    clock = Clock()
    pool = CredentialPool([FakeCredential("a"), FakeCredential("b")], rate_limit=3, rate_window_s=10,
                          concurrency=5, window_margin_s=0, clock=clock)
    used = []
    for _ in range(6):
        lease = pool.try_acquire()
        used.append(lease.name)
        clock.now += 1
        pool.release(lease)  # completions at t=1001..1006
    assert used == ["principal1", "principal2"] * 3  # the one with fewer requests in its window goes next
    assert pool.try_acquire() is None
    assert pool.next_admission_in() == pytest.approx(1001 + 10 - clock.now)
    clock.now = 1011.0
    assert pool.try_acquire().name == "principal1"


def test_pool_throttled_principal_is_avoided():
    clock = Clock()
    pool = CredentialPool([FakeCredential("a"), FakeCredential("b")], rate_limit=100, rate_window_s=10,
                          concurrency=5, clock=clock)
    lease = pool.try_acquire()
    throttled = lease.member
    pool.release(lease, throttled_for=30)
    for _ in range(5):
        assert pool.try_acquire().member is not throttled
    clock.now += 31
    assert any(pool.try_acquire().member is throttled for _ in range(5))


def test_acquire_waits_locally_for_the_window_instead_of_failing():
    pool = CredentialPool([FakeCredential()], rate_limit=5, rate_window_s=0.3, concurrency=5, window_margin_s=0)
    start = time.monotonic()
    stamps = []
    for _ in range(10):
        lease = pool.acquire()
        stamps.append(time.monotonic() - start)
        pool.release(lease)
    assert max(stamps[:5]) < 0.1
    assert min(stamps[5:]) >= 0.28  # the sixth waits for the first to leave the window


def test_acquire_concurrency_across_threads_never_exceeds_limit():
    pool = CredentialPool([FakeCredential(), FakeCredential()], rate_limit=1000, rate_window_s=1, concurrency=3)
    active = {m.name: 0 for m in pool.members}
    peak = dict(active)
    lock = threading.Lock()

    def worker():
        for _ in range(20):
            lease = pool.acquire()
            with lock:
                active[lease.name] += 1
                peak[lease.name] = max(peak[lease.name], active[lease.name])
            time.sleep(0.001)
            with lock:
                active[lease.name] -= 1
            pool.release(lease)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == {"principal1": 3, "principal2": 3}


def test_acquire_timeout():
    pool = CredentialPool([FakeCredential()], rate_limit=1, rate_window_s=60, concurrency=1)
    pool.release(pool.acquire())
    with pytest.raises(TimeoutError):
        pool.acquire(timeout=0.05)


def test_batch_cost_counts_one_unit_per_operation():
    clock = Clock()
    pool = CredentialPool([FakeCredential()], rate_limit=10, rate_window_s=10, concurrency=5,
                          window_margin_s=0, clock=clock)
    lease = pool.try_acquire(cost=8)
    assert lease is not None
    assert pool.try_acquire(cost=3) is None  # 8 in flight + 3 > 10
    small = pool.try_acquire(cost=2)
    assert small is not None
    pool.release(small)
    clock.now += 1
    pool.release(lease)
    assert pool.try_acquire() is None
    clock.now = 1000 + 10.0
    assert pool.try_acquire(cost=2) is not None  # the 2 units of the small lease expired
    assert pool.try_acquire(cost=1) is None
    clock.now = 1000 + 11.0
    assert pool.try_acquire(cost=8) is not None
