"""BC's per-principal limits shared across processes through Azure Table storage (Azurite)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient

from core.bc.shared_budget import TABLE, SharedPrincipalBudget, shared_budget_from_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def table(storage_connection, unique_name) -> TableClient:
    client = TableClient.from_connection_string(storage_connection, TABLE)
    with contextlib.suppress(ResourceExistsError):  # another test of this session made it
        client.create_table()
    return client


def budget(table, principal, **kw) -> SharedPrincipalBudget:
    options = dict(rate_limit=100, rate_window_s=30, concurrency=2, lease_s=2.0, hold_s=0.5, poll_s=0.05)
    options.update(kw)
    return SharedPrincipalBudget(table, principal, **options)


def test_two_instances_share_the_concurrency_slots(table, unique_name):
    a, b = budget(table, unique_name), budget(table, unique_name)
    for _ in range(2):
        assert a.wait_time() == 0
        a.admit()
    assert b.wait_time() > 0  # both slots are A's: B must wait although it has sent nothing
    a.release()
    time.sleep(0.6)  # past hold_s: the idle slot goes back on the next release / heartbeat
    a.heartbeat()
    deadline = time.monotonic() + 5  # (at once on a quiet machine; storage calls slow down under load)
    while b.wait_time() > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert b.wait_time() == 0
    b.admit()
    assert a.wait_time() > 0  # one slot A's (busy), one B's: none free


class FakeClock:
    """Wall-clock seconds the test moves by hand (storage is real; only the budget's stamps are faked)."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def stored_lease(table, principal, row) -> float:
    return float(table.get_entity(principal, row)["lease_until"])


def test_a_lease_stamp_reaches_lease_minus_takeover_and_a_busy_slot_is_renewed_every_beat(table, unique_name):
    clock = FakeClock()
    a = budget(table, unique_name, concurrency=1, lease_s=2.0, clock=clock)  # takeover 0.4 s: stamps of 1.6 s
    assert a.wait_time() == 0
    a.admit()
    taken = clock.now
    assert stored_lease(table, unique_name, "slot-0") == pytest.approx(taken + 1.6, abs=0.001)
    clock.now += 0.5  # one heartbeat (lease / 4) later, with most of the stamp left: renewed all the same
    a.heartbeat()
    assert stored_lease(table, unique_name, "slot-0") == pytest.approx(taken + 0.5 + 1.6, abs=0.001)


def test_a_renewal_in_flight_holds_up_no_release_and_the_slot_still_goes_back(table, unique_name):
    import threading

    released_during_renewal = []

    class SlowTable:
        """The real table; while a renewal is on its way to storage, the instance's request ends."""

        def __getattr__(self, name):
            return getattr(table, name)

        def update_entity(self, entity, **kw):
            if entity["owner"] and not released_during_renewal:  # a renewal (a give-back has no owner)
                other = threading.Thread(target=a.release)
                other.start()
                other.join(timeout=2)
                released_during_renewal.append(not other.is_alive())  # (if not, it ends once the lock is free)
            return table.update_entity(entity, **kw)

    a = budget(SlowTable(), unique_name, concurrency=1, hold_s=0.0)
    assert a.wait_time() == 0
    a.admit()
    a.heartbeat()
    assert released_during_renewal == [True]  # the release did not wait for the renewal's round-trip
    assert stored_lease(table, unique_name, "slot-0") > time.time()  # renewed, not lost to the race
    a.heartbeat()  # idle now: given back with the renewal's etag
    assert table.get_entity(unique_name, "slot-0")["owner"] == ""


def test_a_waiter_wakes_when_a_dead_instances_lease_runs_out_not_at_its_next_poll(table, unique_name):
    clock = FakeClock()
    dead = budget(table, unique_name, concurrency=1, lease_s=2.0, clock=clock)
    assert dead.wait_time() == 0
    dead.admit()  # ...and never heard of again: no heartbeat, no release
    clock.now += 0.3
    waiter = budget(table, unique_name, concurrency=1, lease_s=2.0, poll_s=30.0, clock=clock)
    ends = stored_lease(table, unique_name, "slot-0")
    wait = waiter.wait_time()
    assert wait == pytest.approx(ends - clock.now, abs=0.01)  # the stamp's end, not a 30 s poll
    clock.now += wait
    assert waiter.wait_time() == 0  # taken at that moment
    waiter.admit()
    assert table.get_entity(unique_name, "slot-0")["owner"] == waiter.owner


def test_a_pool_waiting_on_a_dead_instances_slot_gets_it_when_the_lease_runs_out(table, unique_name):
    from core.bc import CredentialPool
    from core.bc.shared_budget import SharedBudget

    dead = budget(table, unique_name, concurrency=1, lease_s=2.0)
    assert dead.wait_time() == 0
    dead.admit()
    ends = stored_lease(table, unique_name, "slot-0")
    shared = SharedBudget(table, lease_s=2.0, hold_s=0.5, poll_s=30.0)
    pool = CredentialPool([(unique_name, object())], rate_limit=100, rate_window_s=30, concurrency=1, shared=shared)
    lease = pool.acquire(timeout=10)  # the pool's threads sleep until the stamp ends, then take the slot
    assert time.time() - ends < 0.3  # a wake-up and two storage calls after the stamp, not a poll later
    pool.release(lease)
    shared.close()


def test_a_closed_chunk_counts_each_token_from_when_it_was_sent(table, unique_name):
    clock = FakeClock()
    clock.now = 1000.2  # buckets of 1 s (a 60 s window / 60)
    a = budget(table, unique_name, rate_limit=100, rate_window_s=60, chunk=5, concurrency=5, clock=clock)
    for _ in range(3):
        assert a.wait_time() == 0
        a.admit()
        a.release()
    clock.now = 1003.5
    for _ in range(2):
        assert a.wait_time() == 0
        a.admit()
        a.release()
    assert a.wait_time() == 0  # the chunk is spent: the next one closes it
    stored = json.loads(table.get_entity(unique_name, "window")["chunks"])
    closed = sorted((c[2], c[1]) for c in stored if not c[0])
    assert closed == [(1001.0, 3), (1004.0, 2)]  # not all 5 from the close at 1003.5 (bucket 1004)


def test_an_instance_waiting_for_the_window_gives_its_idle_slot_to_one_that_holds_tokens(table, unique_name):
    a = budget(table, unique_name, rate_limit=10, chunk=5, concurrency=2, hold_s=10)
    b = budget(table, unique_name, rate_limit=10, chunk=5, concurrency=2, hold_s=10)
    assert a.wait_time() == 0 and b.wait_time() == 0  # a slot and 5 tokens each: the window is taken
    for _ in range(5):
        a.admit()
        a.release()  # the slot stays A's while idle (hold_s)...
    assert a.wait_time() > 10  # ...until A learns the window is full for longer than that: then it gives it back
    b.admit()
    assert b.wait_time() == 0  # so B, which still has tokens, sends a second request at once
    assert {table.get_entity(unique_name, f"slot-{i}")["owner"] for i in range(2)} == {b.owner}


def test_the_window_is_shared_and_unused_tokens_go_back(table, unique_name):
    a = budget(table, unique_name, rate_limit=10, chunk=4, concurrency=5)
    b = budget(table, unique_name, rate_limit=10, chunk=4, concurrency=5)
    sent = 0
    for instance in (a, b):  # A takes chunks of 4, 4, then only 2 are left; B none
        while instance.wait_time() == 0 and sent < 20:
            instance.admit()
            instance.release()
            sent += 1
    assert sent == 10  # never more than the window's 10 between them
    assert b.wait_time() > 0
    # a fresh instance sees the window full until the chunks expire (30 s), and says so
    assert budget(table, unique_name, rate_limit=10, chunk=4, concurrency=5).wait_time() > 1


def test_an_unused_part_of_a_chunk_is_returned_with_the_next_take(table, unique_name):
    a = budget(table, unique_name, rate_limit=10, chunk=8, concurrency=5, chunk_lifetime_s=0.3)
    assert a.wait_time() == 0
    a.admit()
    a.release()
    time.sleep(0.35)  # the chunk's lifetime ends with 7 tokens unused
    b = budget(table, unique_name, rate_limit=10, chunk=8, concurrency=5)
    assert b.wait_time() == 0 and b.snapshot()["tokens_left"] == 2  # A still holds 8 on the books
    assert a.wait_time() == 0  # A's next take rewrites its old chunk to the 1 it used
    stored = json.loads(table.get_entity(unique_name, "window")["chunks"])
    assert sorted(c[1] for c in stored) == [1, 2, 7]


def test_off_unless_the_setting_is_on():
    assert shared_budget_from_settings({}) is None
    assert shared_budget_from_settings({"BC_SHARED_BUDGET": "false"}) is None


def test_context_wires_the_shared_budget_into_every_principal(storage_connection):
    from core.config import load_config
    from core.sync.context import bc_client_from_config

    config = load_config(ROOT / "config" / "example.toml")
    settings = {"AzureWebJobsStorage": storage_connection, "BC_CLIENT_ID": "id", "BC_CLIENT_SECRET": "x",
                "BC_TENANT_ID": "t"}
    plain = bc_client_from_config(config, settings)
    assert all(m.limiter.shared is None for m in plain.pool.members)
    shared = bc_client_from_config(config, {**settings, "BC_SHARED_BUDGET": "true"})
    assert all(m.limiter.shared is not None for m in shared.pool.members)
    assert shared.pool.members[0].limiter.shared.principal == "BC_CLIENT_ID%231"
    shared.pool.shared.close()


# -- several processes -----------------------------------------------------------------------------------------


def run_workers(azurite, n: int, *, shared: bool, seconds: float = 6.0):
    from bench.bc_scaleout import setup_emulator

    class Args:
        rate, window, concurrency, latency_ms, lease = 60, 5.0, 5, 100.0, 2.0

    emu, api_root, company, item = setup_emulator(Args)
    appid = f"t-{time.time_ns()}"
    procs = []
    try:
        for _ in range(n):
            cmd = [sys.executable, "-m", "bench.bc_scaleout", "--worker", "--storage", azurite.connection_string,
                   "--api-root", api_root, "--appid", appid, "--company", company, "--item", item,
                   "--seconds", str(seconds), "--threads", "6", "--rate", "60", "--window", "5",
                   "--concurrency", "5", "--lease", "2", "--out", os.devnull]
            if not shared:
                cmd.append("--no-shared")
            procs.append(subprocess.Popen(cmd, cwd=ROOT))
        for p in procs:
            assert p.wait(timeout=seconds + 60) == 0
        counters = emu.counters
    finally:
        emu.stop()
    return counters, appid


def test_processes_sharing_a_principal_stay_inside_bcs_limits(azurite):
    counters, appid = run_workers(azurite, 3, shared=True)
    peak = counters["max_in_flight"][appid] + counters["max_waiting"][appid]
    assert peak <= 5
    assert counters["429"] == 0  # the emulator refuses a request over the window with 429
    assert counters["requests"] >= 30  # they did work (the window allows 60 per 5 s)


def test_without_the_shared_budget_the_same_processes_exceed_them(azurite):
    counters, appid = run_workers(azurite, 3, shared=False)
    peak = counters["max_in_flight"][appid] + counters["max_waiting"][appid]
    assert peak > 5 or counters["429"] > 0


def test_a_killed_process_slots_come_back_within_the_lease(azurite, table, unique_name):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SLOTS, azurite.connection_string, unique_name], cwd=ROOT,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding 5"
        me = budget(table, unique_name, concurrency=5, lease_s=5.0)
        time.sleep(5.5)  # longer than the lease: the holder's heartbeat keeps its slots
        assert me.wait_time() > 0
        holder.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        held = 0
        while held < 5 and time.monotonic() - killed < 10:
            if me.wait_time() == 0:
                me.admit()
                held += 1
            else:
                time.sleep(0.02)
        assert held == 5
        # within the lease (5 s, as in the scale-out bench): the holder's last stamp ends 4 s after its last
        # write, at most 1.25 s (a heartbeat) before the kill, and a waiter wakes then; a whole second to spare
        # for a loaded machine's storage calls
        assert time.monotonic() - killed <= 5.0
    finally:
        holder.kill()
        holder.wait()


HOLD_SLOTS = """
import sys, time
from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient
from core.bc.shared_budget import TABLE, SharedBudget
shared = SharedBudget(TableClient.from_connection_string(sys.argv[1], TABLE), lease_s=5.0, hold_s=0.5, poll_s=0.05)
b = shared.for_principal(sys.argv[2], 100, 30, 5)
held = 0
while held < 5:
    if b.wait_time() == 0:
        b.admit()  # five requests 'in flight' for ever: the heartbeat renews their slots
        held += 1
print("holding", held, flush=True)
time.sleep(60)
"""


def test_a_window_filled_by_another_instance_goes_back_to_the_queue_within_the_wait_budget(
        storage_connection, table, unique_name):
    from core.bc import CredentialPool
    from core.bc.errors import BcRetryableError
    from core.bc.limiter import wait_budget
    from core.bc.shared_budget import SharedBudget

    other = budget(table, unique_name, rate_limit=10, chunk=10, concurrency=5)
    assert other.wait_time() == 0  # the other instance took the whole window
    shared = SharedBudget(table, lease_s=2.0, hold_s=0.5, poll_s=0.05)
    pool = CredentialPool([(unique_name, object())], rate_limit=10, rate_window_s=30, concurrency=5, shared=shared)
    started = time.monotonic()
    with wait_budget(1.0), pytest.raises(BcRetryableError) as caught:
        pool.acquire()
    assert time.monotonic() - started < 1.5
    assert caught.value.retry_after > 25  # until the other instance's chunk leaves the window
    shared.close()


def test_closed_chunks_merge_so_the_window_row_stays_small(table, unique_name):
    a = budget(table, unique_name, rate_limit=1000, rate_window_s=600, chunk=1, concurrency=5)  # buckets of 10 s
    for _ in range(40):  # 40 chunks of 1 token each, all closed within the same few seconds
        assert a.wait_time() == 0
        a.admit()
        a.release()
    stored = json.loads(table.get_entity(unique_name, "window")["chunks"])
    assert sum(c[1] for c in stored) == 40  # nothing lost from the window...
    assert len(stored) <= 3  # ...but one entry per bucket, plus the open chunk


def test_storage_out_of_reach_means_waiting_not_sending():
    unreachable = TableClient.from_connection_string(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        "TableEndpoint=http://127.0.0.1:9/devstoreaccount1;", TABLE, retry_total=0)
    b = SharedPrincipalBudget(unreachable, "p", rate_limit=10, rate_window_s=30, concurrency=5, poll_s=0.05)
    assert b.wait_time() > 0
