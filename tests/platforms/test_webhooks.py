"""Webhook signatures on raw bytes, delivery identities and ping handling, for both platforms."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from core.platforms import shopify, woocommerce
from core.platforms.woocommerce.webhooks import wp_specialchars_decode
from tests.conftest import corpus_file

SECRET = "shh-its-a-secret"


def sign(raw: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


# --- Shopify -------------------------------------------------------------------------------------


def test_shopify_valid_signature_on_the_raw_corpus_bytes():
    raw = corpus_file("shopify-order-1.json").read_bytes()
    assert shopify.webhooks.verify(raw, {"X-Shopify-Hmac-Sha256": sign(raw, SECRET)}, SECRET) is True


def test_shopify_header_name_is_case_insensitive():
    raw = b'{"id": 1}'
    assert shopify.webhooks.verify(raw, {"x-shopify-hmac-sha256": sign(raw, SECRET)}, SECRET) is True


@pytest.mark.parametrize(
    "raw_sent, headers",
    [
        # one changed byte (re-serialized JSON is different bytes, even when equal as data)
        (b'{"id":1}', {"X-Shopify-Hmac-Sha256": sign(b'{"id": 1}', SECRET)}),
        (b'{"id": 1}', {"X-Shopify-Hmac-Sha256": sign(b'{"id": 1}', "another-secret")}),
        (b'{"id": 1}', {}),
        (b'{"id": 1}', {"X-Shopify-Hmac-Sha256": ""}),
        (b'{"id": 1}', {"X-Shopify-Hmac-Sha256": "not base64 at all ✓"}),
    ],
    ids=["body-changed", "wrong-secret", "missing-header", "empty-header", "garbage-header"],
)
def test_shopify_invalid_or_missing_signature(raw_sent, headers):
    assert shopify.webhooks.verify(raw_sent, headers, SECRET) is False


def test_shopify_empty_secret_never_verifies():
    raw = b"{}"
    assert shopify.webhooks.verify(raw, {"X-Shopify-Hmac-Sha256": sign(raw, "")}, "") is False


def test_shopify_describe_prefers_event_id_and_reads_the_graphql_id():
    raw = corpus_file("shopify-order-1.json").read_bytes()
    delivery = shopify.webhooks.describe(raw, {
        "x-shopify-topic": "orders/paid", "X-Shopify-Webhook-Id": "wh-1", "X-Shopify-Event-Id": "ev-9",
    })
    # the numeric "id" in the file was rounded to 820982911946154500 by a JSON re-serializer
    assert delivery == shopify.webhooks.Delivery(
        topic="orders/paid", resource_id="820982911946154508", delivery_id="orders/paid:ev-9", is_ping=False,
        flow="orders")


def test_shopify_describe_falls_back_to_webhook_id_and_unwraps_rest_resources():
    raw = corpus_file("shopify-refund-2.json").read_bytes()
    delivery = shopify.webhooks.describe(raw, {"X-Shopify-Topic": "refunds/create", "X-Shopify-Webhook-Id": "wh-2"})
    assert (delivery.resource_id, delivery.delivery_id, delivery.flow) == (
        "509562969", "refunds/create:wh-2", "refunds")


@pytest.mark.parametrize("topic, flow", [
    ("orders/create", "orders"), ("orders/updated", "orders"), ("orders/cancelled", "orders"),
    ("refunds/create", "refunds"), ("products/update", None), ("app/uninstalled", None),
])
def test_shopify_topic_to_flow(topic, flow):
    assert shopify.webhooks.describe(b"{}", {"X-Shopify-Topic": topic}).flow == flow


def test_shopify_describe_tolerates_a_body_that_is_not_json():
    delivery = shopify.webhooks.describe(b"\x00garbage", {"X-Shopify-Topic": "orders/create"})
    assert delivery.resource_id == "" and delivery.flow == "orders"


# --- WooCommerce ---------------------------------------------------------------------------------


def test_woocommerce_valid_signature():
    raw = corpus_file("woocommerce-order-1.json").read_bytes()
    assert woocommerce.webhooks.verify(raw, {"X-WC-Webhook-Signature": sign(raw, SECRET)}, SECRET) is True


def test_woocommerce_secret_is_decoded_like_wordpress_before_signing():
    raw = b'{"id":205}'
    # WooCommerce stored the secret "abc&amp;def" and signs with wp_specialchars_decode(...) = "abc&def"
    header = {"x-wc-webhook-signature": sign(raw, "abc&def")}
    assert woocommerce.webhooks.verify(raw, header, "abc&amp;def") is True
    # signing with the undecoded text is what WooCommerce does NOT do
    assert woocommerce.webhooks.verify(raw, {"X-WC-Webhook-Signature": sign(raw, "abc&amp;def")},
                                       "abc&amp;def") is False


@pytest.mark.parametrize("stored, used", [
    ("a&amp;b", "a&b"), ("&lt;x&gt;", "<x>"), ("q&quot;&#039;", "q\"'"), ("&amp;lt;", "&lt;"),
    ("&#038;&#x26;", "&&"), ("plain", "plain"), ("&AMP;", "&AMP;"),
])
def test_wp_specialchars_decode(stored, used):
    assert wp_specialchars_decode(stored) == used


@pytest.mark.parametrize("headers", [{}, {"X-WC-Webhook-Signature": "bm9wZQ=="}],
                         ids=["missing", "wrong"])
def test_woocommerce_missing_or_wrong_signature(headers):
    assert woocommerce.webhooks.verify(b'{"id":1}', headers, SECRET) is False


def test_woocommerce_ping_is_recognised():
    delivery = woocommerce.webhooks.describe(b"webhook_id=17", {"Content-Type": "application/x-www-form-urlencoded"})
    assert delivery.is_ping is True and delivery.flow is None and delivery.resource_id == "17"
    # a signed body that happens to look like a ping is not one
    signed = woocommerce.webhooks.describe(b"webhook_id=17", {"X-WC-Webhook-Signature": "x"})
    assert signed.is_ping is False


def test_woocommerce_delivery_id_is_resource_id_and_body_hash():
    raw = corpus_file("woocommerce-order-1.json").read_bytes()
    delivery = woocommerce.webhooks.describe(raw, {"X-WC-Webhook-Topic": "order.updated",
                                                   "X-WC-Webhook-Delivery-ID": "abc"})
    assert delivery == woocommerce.webhooks.Delivery(
        topic="order.updated", resource_id="205", delivery_id=f"205:{hashlib.sha256(raw).hexdigest()}",
        is_ping=False, flow="orders")


def test_woocommerce_two_events_in_one_second_are_two_deliveries():
    # order.created (pending) and order.updated (paid) in the same second: WooCommerce gives both the same
    # X-WC-Webhook-Delivery-ID (webhook id + whole second) and the same date_modified_gmt
    body = json.loads(corpus_file("woocommerce-order-3.json").read_bytes())
    same_second = "d41d8cd98f00b204e9800998ecf8427e"
    created = woocommerce.webhooks.describe(json.dumps({**body, "status": "pending"}).encode(), {
        "X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Delivery-ID": same_second})
    paid = woocommerce.webhooks.describe(json.dumps({**body, "status": "processing"}).encode(), {
        "X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Delivery-ID": same_second})
    assert created.resource_id == paid.resource_id == "15"
    assert created.delivery_id != paid.delivery_id


def test_woocommerce_the_same_body_twice_is_one_delivery_across_hooks():
    raw = json.dumps(json.loads(corpus_file("woocommerce-order-3.json").read_bytes())).encode()
    first = woocommerce.webhooks.describe(raw, {"X-WC-Webhook-Topic": "order.created",
                                                "X-WC-Webhook-Delivery-ID": "1"})
    second = woocommerce.webhooks.describe(raw, {"X-WC-Webhook-Topic": "order.updated",
                                                 "X-WC-Webhook-Delivery-ID": "2"})
    assert first.delivery_id == second.delivery_id


def test_woocommerce_receipt_policy_is_declared():
    assert woocommerce.webhooks.RECEIPT_FAILURES_DISABLE_WEBHOOK is True


@pytest.mark.parametrize("topic, flow", [
    ("order.created", "orders"), ("order.updated", "orders"), ("order.deleted", None), ("product.updated", None),
    ("action.woocommerce_order_refunded", "refunds"),
])
def test_woocommerce_topic_to_flow(topic, flow):
    assert woocommerce.webhooks.describe(b'{"id": 1}', {"X-WC-Webhook-Topic": topic}).flow == flow


def test_woocommerce_action_topic_reads_the_hook_argument():
    delivery = woocommerce.webhooks.describe(
        b'{"action": "woocommerce_order_refunded", "arg": 723}',
        {"X-WC-Webhook-Topic": "action.woocommerce_order_refunded", "X-WC-Webhook-Delivery-ID": "d1"})
    # every refund of order 723 sends these same bytes, and the header repeats within a second: no identity
    # can tell two refunds apart, so there is none (the worker reads all refunds, each imported once)
    assert (delivery.resource_id, delivery.delivery_id, delivery.flow) == ("723", "", "refunds")
