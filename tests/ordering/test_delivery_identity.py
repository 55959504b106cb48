"""Delivery identity is what the platform guarantees unique (issue 13 item 4, every platform but WooCommerce):
a duplicate is dropped at receipt, a different event never is."""

from __future__ import annotations

import json

import pytest

from core.platforms import norce, shopware
from core.state import SyncStatus
from sandbox.samples import dumps, shopify_order
from sandbox.stack import LocalStack
from tests.integration.test_orders_e2e import shopify_headers
from tests.ordering.helpers import bc_orders

pytestmark = pytest.mark.timeout(240)


def test_one_shopify_event_id_on_two_topics_is_two_deliveries_and_a_true_retry_is_one():
    with LocalStack() as stack:
        created = shopify_order(7801, [("2000", 1, "89.00")], financial_status="pending",
                                updated_at="2026-11-20T10:00:05+01:00")
        paid = {**created, "financial_status": "paid", "updated_at": "2026-11-20T10:00:09+01:00"}
        for topic, body in (("orders/create", dumps(created)), ("orders/paid", dumps(paid))):
            headers = shopify_headers(stack, body, topic, event_id="evt-7801")
            assert stack.post_webhook("shopify-demo", body, headers).status_code == 200
        stack.wait_until_settled()
        assert len(bc_orders(stack, "SH-2801")) == 1  # the paid delivery was not taken for a duplicate
        body = dumps(paid)
        retry = stack.post_webhook("shopify-demo", body, shopify_headers(stack, body, "orders/paid", "evt-7801"))
        assert (retry.status_code, retry.text) == (200, "duplicate")
        assert stack.synclog.get("orders", "shopify-demo", "7801").status is SyncStatus.SUCCESS


def test_shopware_without_event_ids_tells_two_writes_in_one_second_apart():
    def written(operation: str) -> bytes:
        return json.dumps({"data": {"event": "order.written", "payload": [
            {"entity": "order", "operation": operation, "primaryKey": "0a1b", "changedFields": [operation]}]},
            "source": {"shopId": "s1"}, "timestamp": 1700000001}).encode()

    first, second = written("insert"), written("update")
    assert shopware.webhooks.describe(first, {}).delivery_id != shopware.webhooks.describe(second, {}).delivery_id
    assert shopware.webhooks.describe(first, {}).delivery_id == shopware.webhooks.describe(first, {}).delivery_id


def test_untyped_norce_order_events_are_not_collapsed_into_one():
    confirmed = norce.webhooks.describe(b'{"OrderId": 4711, "ClientOrderRef": "W-1"}', {})
    assert confirmed.flow == "orders" and confirmed.delivery_id == ""  # a later cancellation is not a duplicate
    typed = norce.webhooks.describe(b'{"OrderId": 4711}', {"X-Norce-Event": "OrderCancelledEvent"})
    assert typed.delivery_id == "OrderCancelledEvent:4711"
