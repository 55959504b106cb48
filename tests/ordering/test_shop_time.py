"""Deliveries in any order: the shop's own clock and the signed body decide what BC holds (issue 13 items 1-3,
issue 12 "only signed bytes decide"). Every scenario goes through the local stack: signed webhook → host →
queue → worker → BC emulator."""

from __future__ import annotations

import pytest

from core.state import SyncStatus
from sandbox.samples import dumps, shopify_order, woo_order
from sandbox.stack import LocalStack
from tests.integration.test_orders_e2e import shopify_headers
from tests.ordering.helpers import bc_orders, bc_total, update_policy

pytestmark = pytest.mark.timeout(300)

T1, T2, T3, T4 = ("2026-11-20T10:00:05+01:00", "2026-11-20T10:01:00+01:00", "2026-11-20T10:05:00+01:00",
                  "2026-11-20T11:00:00+01:00")


@pytest.fixture(scope="module")
def stack():
    with LocalStack() as s:
        yield s


def deliver(stack, topic, payload, shop="shopify-demo"):
    if shop == "shopify-demo":
        assert stack.send_shopify(topic, payload).status == 200
    else:
        assert stack.send_woo(topic, payload).status == 200
    stack.wait_until_settled(timeout=90)
    return stack.synclog.get("orders", shop, str(payload["id"]))


def test_a_lost_create_answer_is_linked_with_fingerprint_and_totals_so_later_copies_raise_no_alarm(stack):
    # BC commits the first create of this order but the answer is lost (504): the retry finds it and links it
    stack.bc.faults.add("504_after_commit", sequence=[True], methods=["POST"], path_contains="salesOrders")
    order = shopify_order(7501, [("2000", 2, "89.00")], updated_at=T1)
    record = deliver(stack, "orders/paid", order)
    assert record.status is SyncStatus.SUCCESS, record.message
    assert "linked" in record.message and "Totals match" in record.message  # the totals check ran on the link
    assert len(bc_orders(stack, "SH-2501")) == 1
    # the same order again (a tag changed: nothing BC cares about) is not a change after import
    record = deliver(stack, "orders/updated", {**order, "tags": "vip", "updated_at": T2})
    assert record.status is SyncStatus.SUCCESS and record.code == "", (record.code, record.message)
    binding = stack_binding(stack, "7501")
    assert binding.data["fingerprint"] and binding.data["shop_version"].startswith("2026-11-20T09:00:05")


def stack_binding(stack, external_id, shop="shopify-demo"):
    from core.state import Bindings

    return Bindings(stack.storage).get("order", shop, external_id)


def test_a_stale_create_after_an_update_never_rolls_bc_back_with_the_apply_policy(stack):
    with update_policy(stack, "apply"):
        newer = shopify_order(7502, [("2000", 3, "89.00")], updated_at=T3)  # 3 x 89 + 49 = 316.00
        older = shopify_order(7502, [("2000", 1, "89.00")], updated_at=T1)  # 1 x 89 + 49 = 138.00
        assert deliver(stack, "orders/updated", newer).status is SyncStatus.SUCCESS
        record = deliver(stack, "orders/create", older)
    assert bc_total(stack, "SH-2502") == 316.00
    assert record.status is SyncStatus.SUCCESS and "Created" in record.message  # the newer outcome stands
    assert "Superseded" in record.history[-1]["message"]
    assert stack_binding(stack, "7502").data["shop_version"].startswith("2026-11-20T09:05:00")


def test_a_stale_create_after_an_update_raises_no_false_alarm_with_the_default_policy(stack):
    newer = shopify_order(7503, [("2000", 3, "89.00")], updated_at=T3)
    older = shopify_order(7503, [("2000", 1, "89.00")], updated_at=T1)
    assert deliver(stack, "orders/updated", newer).status is SyncStatus.SUCCESS
    record = deliver(stack, "orders/create", older)
    assert record.status is SyncStatus.SUCCESS, (record.code, record.message)
    assert bc_total(stack, "SH-2503") == 316.00
    # the stale fingerprint was not stored: the newer state arriving again is still "nothing changed"
    assert deliver(stack, "orders/updated", {**newer, "tags": "again"}).status is SyncStatus.SUCCESS


def test_a_cancellation_that_arrives_first_leaves_a_tombstone_and_the_late_create_is_skipped(stack):
    order = shopify_order(7504, [("3000", 1, "249.00")], updated_at=T1)
    cancelled = {**order, "cancelled_at": T4, "updated_at": T4, "financial_status": "refunded"}
    record = deliver(stack, "orders/cancelled", cancelled)
    assert record.status is SyncStatus.SKIPPED and "Remembered" in record.message
    record = deliver(stack, "orders/paid", order)
    assert record.status is SyncStatus.SKIPPED
    assert "cancelled in the shop" in record.message and "before it reached BC" in record.message
    assert bc_orders(stack, "SH-2504") == []


def test_a_woocommerce_cancellation_first_is_remembered_too(stack):
    order = woo_order(8601, [("2000", 1, "89.00")], modified="2026-11-20T09:30:00")
    cancelled = {**order, "status": "cancelled", "date_modified_gmt": "2026-11-20T09:45:00",
                 "date_modified": "2026-11-20T09:45:00"}
    assert deliver(stack, "order.updated", cancelled, shop="woo-demo").status is SyncStatus.SKIPPED
    record = deliver(stack, "order.created", order, shop="woo-demo")
    assert record.status is SyncStatus.SKIPPED and "cancelled in the shop" in record.message
    assert stack.bc.records(stack.company_id("se"), "salesOrders", externalDocumentNumber="WC-8601") == []


def test_a_paid_body_replayed_with_the_cancelled_topic_does_not_delete_the_bc_order(stack):
    order = shopify_order(7505, [("2000", 1, "89.00")], updated_at=T1)
    body = dumps(order)
    assert stack.post_webhook("shopify-demo", body, shopify_headers(stack, body, "orders/paid")).status_code == 200
    stack.wait_until_settled()
    assert len(bc_orders(stack, "SH-2505")) == 1
    # the attacker keeps the authentic body and signature and changes only the unsigned headers
    forged = shopify_headers(stack, body, "orders/cancelled")
    assert stack.post_webhook("shopify-demo", body, forged).status_code == 200
    stack.wait_until_settled()
    assert len(bc_orders(stack, "SH-2505")) == 1
    assert stack.synclog.get("orders", "shopify-demo", "7505").status is SyncStatus.SUCCESS


def test_a_replayed_older_update_never_rolls_an_applied_change_back(stack):
    with update_policy(stack, "apply"):
        first = shopify_order(7506, [("2000", 1, "89.00")], updated_at=T1)
        second = shopify_order(7506, [("2000", 2, "89.00")], updated_at=T2)
        assert deliver(stack, "orders/paid", first).status is SyncStatus.SUCCESS
        assert deliver(stack, "orders/updated", second).status is SyncStatus.SUCCESS
        assert bc_total(stack, "SH-2506") == 2 * 89.00 + 49.00
        body = dumps(first)  # an authentic old body, re-sent under a new event id
        assert stack.post_webhook("shopify-demo", body, shopify_headers(stack, body, "orders/updated")
                                  ).status_code == 200
        stack.wait_until_settled()
    assert bc_total(stack, "SH-2506") == 2 * 89.00 + 49.00


def test_the_same_second_with_different_content_asks_the_shop(stack):
    """Two events with the same timestamp cannot be ordered by it: the worker fetches the current order."""
    with update_policy(stack, "apply"):
        first = shopify_order(7507, [("2000", 1, "89.00")], updated_at=T1)
        current = shopify_order(7507, [("2000", 2, "89.00")], updated_at=T1)
        stack.shopify.add_order(current)  # what the shop's API answers now
        assert deliver(stack, "orders/paid", current).status is SyncStatus.SUCCESS
        deliver(stack, "orders/create", first)  # same second, older content: the shop says 2 is current
    assert bc_total(stack, "SH-2507") == 2 * 89.00 + 49.00
