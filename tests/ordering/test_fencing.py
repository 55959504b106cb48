"""A worker that outlives its claim (issue 13 item 5): fenced claims, a bounded wait budget, and a sync log
that a loser cannot overwrite."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from core.state import Envelope, SyncStatus, names
from core.sync import orders, runner
from core.sync.runner import run_item
from sandbox.samples import dumps, shopify_order
from sandbox.stack import LocalStack
from tests.ordering.helpers import bc_orders, direct_context

pytestmark = pytest.mark.timeout(300)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack():
    with LocalStack(host=False) as s:
        yield s


def envelope_for(ctx, order: dict, topic: str = "orders/paid") -> Envelope:
    return Envelope(flow="orders", shop="shopify-demo", external_id=str(order["id"]),
                    payload_ref=ctx.inbox.store("shopify-demo", dumps(order)), topic=topic)


def test_a_worker_whose_claim_was_taken_over_stops_before_writing_and_cannot_overwrite_the_winner(stack,
                                                                                                  monkeypatch):
    ctx_a, ctx_b = direct_context(stack), direct_context(stack)
    order = shopify_order(7601, [("2000", 2, "89.00")])
    envelope = envelope_for(ctx_a, order)
    monkeypatch.setattr(orders, "CLAIM_LEASE", timedelta(seconds=1))
    real_resolve = orders.resolve
    outcome_b = {}

    def slow_resolve(ctx, *args):
        if ctx is ctx_a and not outcome_b:
            # worker A is held up (Retry-After waits, a stall) past its lease; the message comes back and
            # worker B takes the expired claim over and imports the order
            time.sleep(1.5)
            outcome_b["status"] = run_item(ctx_b, names.ORDERS_IMPORT, envelope, orders.import_order)
        return real_resolve(ctx, *args)

    monkeypatch.setattr(orders, "resolve", slow_resolve)
    status_a = run_item(ctx_a, names.ORDERS_IMPORT, envelope, orders.import_order)

    assert outcome_b["status"] is SyncStatus.SUCCESS
    assert status_a is SyncStatus.RECEIVED  # A stopped and handed its message back to the queue
    [bc_order] = bc_orders(stack, "SH-2601")  # one BC order, B's
    record = ctx_a.synclog.get("orders", "shopify-demo", "7601")
    assert record.status is SyncStatus.SUCCESS and bc_order["number"] in record.bc_document
    assert any("stopped before writing" in entry["message"] for entry in record.history)
    binding = ctx_a.bindings.get("order", "shopify-demo", "7601")
    assert binding.is_bound and binding.bc_id == bc_order["id"]


def test_a_losers_late_outcome_never_overwrites_the_winners_in_the_sync_log(stack):
    from datetime import UTC, datetime

    ctx = direct_context(stack)
    started = datetime.now(UTC)  # the loser's attempt starts
    ctx.synclog.record("orders", "shopify-demo", "7602", SyncStatus.SUCCESS, message="winner created 101",
                       bc_document="salesOrders 101")
    ctx.synclog.record("orders", "shopify-demo", "7602", SyncStatus.RECEIVED, message="loser: retrying",
                       unless_settled_since=started)
    record = ctx.synclog.get("orders", "shopify-demo", "7602")
    assert record.status is SyncStatus.SUCCESS and record.bc_document == "salesOrders 101"
    assert "loser: retrying" in record.history[-1]["message"]


def test_retry_after_waits_inside_one_invocation_stay_within_the_budget_and_go_back_to_the_queue(stack,
                                                                                                 monkeypatch):
    ctx = direct_context(stack)
    slept: list[float] = []
    ctx.bc._sleep = slept.append  # count the waits instead of sleeping them
    monkeypatch.setattr(runner, "WAIT_BUDGET_S", 5)
    order = shopify_order(7603, [("2000", 1, "89.00")])
    envelope = envelope_for(ctx, order)
    queue = stack.storage.queue(names.ORDERS_IMPORT)
    queue.clear_messages()
    rule = stack.bc.faults.add("429", rate=1.0, retry_after=2)
    try:
        status = run_item(ctx, names.ORDERS_IMPORT, envelope, orders.import_order)
    finally:
        stack.bc.faults.rules.remove(rule)
    assert status is SyncStatus.RECEIVED
    assert sum(slept) <= 5, slept
    assert queue.get_queue_properties().approximate_message_count == 1  # handed back with a visibility delay
    record = ctx.synclog.get("orders", "shopify-demo", "7603")
    assert record.status is SyncStatus.RECEIVED and "retrying in" in record.message
    assert bc_orders(stack, "SH-2603") == []


def test_the_wait_budget_is_below_the_claim_lease_and_the_function_timeout():
    host = json.loads((ROOT / "host.json").read_text())
    hours, minutes, seconds = (int(part) for part in re.fullmatch(r"(\d+):(\d+):(\d+)",
                                                                   host["functionTimeout"]).groups())
    function_timeout = hours * 3600 + minutes * 60 + seconds
    # the waits plus the BC calls of one order (each bounded by the client's timeout) fit in both
    assert function_timeout >= runner.WAIT_BUDGET_S * 3
    assert orders.CLAIM_LEASE.total_seconds() >= runner.WAIT_BUDGET_S * 3


def test_a_principal_blocked_longer_than_the_budget_is_handed_back_instead_of_waited_for():
    from core.bc import BcRetryableError, CredentialPool
    from core.bc.limiter import wait_budget
    from tests.bc.fakes import FakeCredential

    pool = CredentialPool([FakeCredential("a")], rate_limit=100, rate_window_s=10, concurrency=5)
    pool.release(pool.acquire(), throttled_for=30)  # BC said Retry-After: 30
    started = time.monotonic()
    with wait_budget(5), pytest.raises(BcRetryableError) as raised:
        pool.acquire()
    assert time.monotonic() - started < 2
    assert 25 < raised.value.retry_after <= 30


def test_an_older_events_skip_that_settled_first_does_not_hide_the_newer_events_success(stack):
    # orders/create (pending) and orders/paid processed at once: the pending one is skipped ("not paid") while
    # the paid one imports; the success is the record's truth whatever order the two outcomes are written in
    from datetime import UTC, datetime

    ctx = direct_context(stack)
    started = datetime.now(UTC)  # the paid event's attempt starts
    ctx.synclog.record("orders", "shopify-demo", "7603", SyncStatus.SKIPPED, message="not paid yet")
    ctx.synclog.record("orders", "shopify-demo", "7603", SyncStatus.SUCCESS, message="created 103",
                       bc_document="salesOrders 103", unless_settled_since=started)
    record = ctx.synclog.get("orders", "shopify-demo", "7603")
    assert record.status is SyncStatus.SUCCESS and record.bc_document == "salesOrders 103"
