"""Receipt of WooCommerce deliveries of one second (issues 19.5 and 13.4): an order created (pending) and
paid in the same second are two deliveries; the same body again is one."""

from __future__ import annotations

import pytest

from core.sync.receive import receive_webhook
from sandbox.woo_emulator.emulator import delivery_id

pytestmark = pytest.mark.timeout(120)


def test_created_and_paid_in_one_second_are_both_queued_and_a_repeat_is_dropped(ctx, woo, receiver):
    shop = ctx.config.shops[0]
    order = woo.make_order([("woo-album", 1, "15.00")], status="pending")
    second = 1_790_000_000.0  # both deliveries in this whole second: WooCommerce gives them one delivery id
    woo.send_webhook(receiver.url, "order.created", order, "x", webhook_id=3, at=second + 0.1)
    woo.send_webhook(receiver.url, "order.updated", {**order, "status": "processing"}, "x", webhook_id=4,
                     at=second + 0.1)
    woo.send_webhook(receiver.url, "order.updated", {**order, "status": "processing"}, "x", webhook_id=4,
                     at=second + 0.6)  # the same state fired again
    (created, created_headers), (paid, paid_headers), (again, again_headers) = receiver.received
    assert paid_headers["X-WC-Webhook-Delivery-ID"] == again_headers["X-WC-Webhook-Delivery-ID"] == \
        delivery_id(4, second)
    assert [receive_webhook(ctx, shop.key, raw, headers).text for raw, headers in receiver.received] == \
        ["queued", "queued", "duplicate"]
    assert created != paid and paid == again
