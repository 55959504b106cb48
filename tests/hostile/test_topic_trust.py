"""Only signed bytes decide which flow a delivery feeds. Shopify and WooCommerce sign the body, not the topic
header: an authentic body re-sent under another topic (an order as a refund or a customer, a customer as an
order) is kept and flagged, never imported by the wrong flow. Real corpus bodies; describe() and the receipt."""

from __future__ import annotations

import json

import pytest

from core.errors import NeedsAttention
from core.platforms import shopify, woocommerce
from core.sync.receive import receive_webhook
from tests.conftest import corpus_file
from tests.hostile.test_receipt import ctx, kept, shopify_signed, storage, woo_signed  # noqa: F401 - fixtures

SHOPIFY_ORDER = json.dumps(json.loads(corpus_file("shopify-order-6.json").read_bytes())["order"]).encode()
SHOPIFY_REFUND = corpus_file("shopify-refund-1.json").read_bytes()
SHOPIFY_CUSTOMER = json.dumps({"id": 706405506930370084, "email": "bob@example.com", "first_name": "Bob",
                               "addresses": [], "default_address": None}).encode()
WOO_ORDER = corpus_file("woocommerce-order-1.json").read_bytes()
WOO_REFUND_ACTION = json.dumps({"action": "woocommerce_order_refunded", "arg": 727}).encode()
WOO_CUSTOMER = json.dumps({"id": 25, "email": "erik@example.com", "role": "customer", "username": "erik"}).encode()


@pytest.mark.parametrize(("raw", "topic"), [
    (SHOPIFY_ORDER, "refunds/create"), (SHOPIFY_ORDER, "customers/update"),
    (SHOPIFY_REFUND, "orders/cancelled"), (SHOPIFY_CUSTOMER, "orders/create"),
])
def test_a_shopify_body_under_a_topic_it_is_not_is_refused_by_describe(raw, topic):
    with pytest.raises(NeedsAttention) as caught:
        shopify.webhooks.describe(raw, {"X-Shopify-Topic": topic})
    assert caught.value.code == "topic_body_mismatch"


@pytest.mark.parametrize(("raw", "topic", "flow"), [
    (SHOPIFY_ORDER, "orders/paid", "orders"), (SHOPIFY_ORDER, "orders/cancelled", "orders"),
    (SHOPIFY_REFUND, "refunds/create", "refunds"), (SHOPIFY_CUSTOMER, "customers/create", "customers"),
])
def test_a_shopify_body_under_its_own_topic_is_described_as_before(raw, topic, flow):
    assert shopify.webhooks.describe(raw, {"X-Shopify-Topic": topic}).flow == flow


@pytest.mark.parametrize(("raw", "topic"), [
    (WOO_ORDER, "customer.updated"), (WOO_ORDER, "action.woocommerce_order_refunded"),
    (WOO_REFUND_ACTION, "order.updated"), (WOO_CUSTOMER, "order.created"),
])
def test_a_woocommerce_body_under_a_topic_it_is_not_is_refused_by_describe(raw, topic):
    with pytest.raises(NeedsAttention) as caught:
        woocommerce.webhooks.describe(raw, {"X-WC-Webhook-Topic": topic})
    assert caught.value.code == "topic_body_mismatch"


@pytest.mark.parametrize(("raw", "topic", "flow"), [
    (WOO_ORDER, "order.updated", "orders"), (WOO_REFUND_ACTION, "action.woocommerce_order_refunded", "refunds"),
    (WOO_CUSTOMER, "customer.created", "customers"),
])
def test_a_woocommerce_body_under_its_own_topic_is_described_as_before(raw, topic, flow):
    assert woocommerce.webhooks.describe(raw, {"X-WC-Webhook-Topic": topic}).flow == flow


def test_a_signed_shopify_order_replayed_as_a_refund_is_kept_and_flagged_not_queued(ctx):  # noqa: F811
    reply = receive_webhook(ctx, "hostile-shopify", SHOPIFY_ORDER,
                            shopify_signed(SHOPIFY_ORDER, topic="refunds/create", event="evt-replayed-as-refund"))
    assert (reply.status, reply.text) != (200, "queued")
    assert reply.status == 200
    assert kept(ctx, "hostile-shopify", SHOPIFY_ORDER).code == "topic_body_mismatch"


def test_a_signed_woocommerce_order_replayed_as_a_customer_is_kept_and_flagged_not_queued(ctx):  # noqa: F811
    headers = {**woo_signed(WOO_ORDER), "X-WC-Webhook-Topic": "customer.updated"}
    reply = receive_webhook(ctx, "hostile-woo", WOO_ORDER, headers)
    assert reply.status == 200 and reply.text != "queued"
    assert kept(ctx, "hostile-woo", WOO_ORDER).code == "topic_body_mismatch"
