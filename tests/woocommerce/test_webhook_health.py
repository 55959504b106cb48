"""A webhook WooCommerce switched off shows up as needs-attention (with the fix) from the orders reconcile,
and clears once it is active again (issue 19.1)."""

from __future__ import annotations

import pytest

from core.state import SyncStatus
from core.sync.orders import reconcile_orders
from core.sync.webhook_health import check_woocommerce_webhooks
from tests.shop_emulators.conftest import Receiver

pytestmark = pytest.mark.timeout(120)


def test_a_webhook_disabled_by_failed_deliveries_is_needs_attention_on_the_status_page(ctx, woo):
    shop = ctx.config.shops[0]
    failing = Receiver(status=503)  # what receipt must never answer: WooCommerce counts it as a failure
    try:
        hook = woo.add_webhook("order.created", failing.url)
        woo.add_webhook("product.updated", failing.url, status="disabled")  # feeds no flow of ours: not reported
        order = woo.make_order([("woo-album", 1, "15.00")])
        for _ in range(7):
            woo.send_webhook(failing.url, "order.created", order, "x", webhook_id=hook["id"])
    finally:
        failing.stop()
    assert woo.webhooks[hook["id"]]["status"] == "disabled"

    reconcile_orders(ctx)  # the check rides on the orders reconcile timer

    record = ctx.synclog.get("webhooks", shop.key, f"webhook:{hook['id']}")
    assert record.status == SyncStatus.NEEDS_ATTENTION and record.code == "webhook_disabled"
    assert "more than five failed deliveries" in record.message and "Status to Active" in record.resolution
    assert [r.external_id for r in ctx.synclog.query(flow="webhooks", shop=shop.key,
                                                     status=SyncStatus.NEEDS_ATTENTION)] == [record.external_id]

    woo.webhooks[hook["id"]]["status"] = "active"
    assert check_woocommerce_webhooks(ctx, shop) == 0
    assert ctx.synclog.get("webhooks", shop.key, f"webhook:{hook['id']}").status == SyncStatus.SUCCESS


def test_a_key_that_may_not_read_webhooks_does_not_stop_the_reconcile(ctx, woo):
    woo.consumer_secret = "changed"  # every call now answers 401
    assert check_woocommerce_webhooks(ctx, ctx.config.shops[0]) == 0
