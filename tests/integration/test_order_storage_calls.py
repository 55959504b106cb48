"""Azure Storage requests of one order import (bench/orders_import.py, README benchmarks): each is a round trip
and worker CPU, and with BC at 2 requests an order they are what bounds throughput. The count is pinned here,
request by request, so a change that adds one says so. Counted at the HTTP transport every Azure SDK client
uses (azure-core's RequestsTransport), from the queue message to the recorded outcome."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest
from azure.core import MatchConditions
from azure.core.pipeline.transport import RequestsTransport
from azure.data.tables import UpdateMode

from core.state import Envelope, SyncStatus, names
from core.state.history import History
from core.sync import orders
from core.sync.runner import run_item
from sandbox.samples import dumps, shopify_order
from sandbox.stack import LocalStack
from tests.ordering.helpers import direct_context

pytestmark = pytest.mark.timeout(180)
FIVE_LINES = [("1000", 1, "199.00"), ("1100", 2, "599.00"), ("2000", 1, "89.00"), ("3000", 3, "249.00"),
              ("IPOD2008PINK", 1, "1990.00")]

# A new order, its customer and items already resolved (warm caches), totals matching: the bench's case.
ONE_IMPORT = [
    ("GET", "inbox"),  # the payload, its kept headers in the same answer
    ("GET", "Bindings"),  # is the order known (bound, cancelled, someone else's claim)?
    ("POST", "Bindings"),  # the claim
    ("PUT", "Bindings"),  # fence check before the deep insert, with what is being written
    ("PUT", "Bindings"),  # bound (ETag-guarded)
    ("GET", "SyncLog"), ("POST", "SyncLog"),  # the outcome: read, then a conditional insert
    # the outcome count and the BC requests, each one MERGE guarded by the ETag of this process's last write
    ("PATCH", "History"), ("PATCH", "History"),
]


@pytest.fixture(scope="module")
def stack():
    with LocalStack(host=False) as s:
        yield s


@pytest.fixture
def storage_requests(monkeypatch) -> list[tuple[str, str]]:
    """(method, table or container) of every Azure Storage request the test's thread sends."""
    sent: list[tuple[str, str]] = []
    real_send = RequestsTransport.send
    test_thread = threading.get_ident()

    def counting_send(self, request, **kwargs):
        if threading.get_ident() == test_thread:
            resource = urlparse(request.url).path.split("/")[2]  # /<account>/<table(keys) | container>/…
            sent.append((request.method, resource.split("(")[0]))
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(RequestsTransport, "send", counting_send)
    return sent


def _import(ctx, order_id: int):
    envelope = Envelope(flow="orders", shop="shopify-demo", external_id=str(order_id), topic="orders/paid",
                        payload_ref=ctx.inbox.store("shopify-demo", dumps(shopify_order(order_id, FIVE_LINES))))
    return envelope, lambda: run_item(ctx, names.ORDERS_IMPORT, envelope, orders.import_order)


def test_one_order_import_costs_nine_storage_requests_no_more(stack, storage_requests):
    ctx = direct_context(stack)
    for warm_up in (8101, 8102):  # customer and items resolved, History rows written once by this process
        assert _import(ctx, warm_up)[1]() is SyncStatus.SUCCESS
    _envelope, run = _import(ctx, 8103)
    storage_requests.clear()

    assert run() is SyncStatus.SUCCESS

    assert Counter(storage_requests) == Counter(ONE_IMPORT), storage_requests
    assert storage_requests[:5] == ONE_IMPORT[:5]  # the claim comes before anything is written to BC
    binding = ctx.bindings.get("order", "shopify-demo", "8103")
    assert binding.is_bound and binding.lease_until is None and "writing" not in binding.data
    record = ctx.synclog.get("orders", "shopify-demo", "8103")
    assert record.status is SyncStatus.SUCCESS and record.attempts == 1
    today = datetime.now(UTC).date()
    [counts] = [d for d in History(stack.storage).days(today, today) if d.shop == "shopify-demo" and d.flow == "orders"]
    assert counts.totals["success"] == 3


def test_a_history_row_another_process_wrote_meanwhile_is_read_again_and_no_count_is_lost(stack, storage_requests):
    history, shop = History(stack.storage), "calls-other-process"
    at = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
    assert history.count("orders", shop, "success", at)  # this process now knows the row and its ETag
    [row] = history.client.query_entities("Shop eq @shop", parameters={"shop": shop})
    # another process adds 5 successes to the same row: the ETag this process remembers is stale now
    history.client.update_entity({"PartitionKey": row["PartitionKey"], "RowKey": row["RowKey"], "success": 6,
                                  "h09_success": 6}, mode=UpdateMode.MERGE, etag=row.metadata["etag"],
                                 match_condition=MatchConditions.IfNotModified)
    storage_requests.clear()

    assert history.count("orders", shop, "success", at)

    assert storage_requests[0] == ("PATCH", "History")  # refused: the row changed since our write
    [day] = [d for d in history.days(at.date(), at.date()) if d.shop == shop]
    assert day.totals["success"] == 7 and day.hours == {9: {"success": 7, "skipped": 0, "needs_attention": 0,
                                                            "failed": 0}}
