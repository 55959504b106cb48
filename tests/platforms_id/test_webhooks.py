"""Webhook authentication on raw bytes and delivery identities: Centra (hex HMAC over "<t>.<form body>"),
Norce, Brink and Geins (static secret header)."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote

import pytest

from core.platforms import brink, centra, geins, norce
from core.platforms.delivery import Delivery
from sandbox.centra_emulator import sign_webhook, webhook_body
from tests.conftest import corpus_file

SECRET = "shh-its-a-secret"
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


def centra_form(name: str) -> bytes:
    """A corpus body in the plugin's wire format: `payload=<urlencoded JSON as published>`."""
    return b"payload=" + quote(corpus_file(name).read_text(encoding="utf-8"), safe="").encode("ascii")


# --- Centra signature ------------------------------------------------------------------------------


def test_centra_documented_worked_example_verifies():
    # centrahq/api-documentation, Centra Webhook plugin, "Signature verification"
    raw = b"payload=%7B%22x%22%3A%22test%22%7D"
    headers = {"X-Centra-Signature": "t=12345678,v1=0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"}
    assert centra.webhooks.verify(raw, headers, "test123", now=12345678) is True
    assert centra.webhooks.verify(raw, headers, "test124", now=12345678) is False


def test_centra_signed_corpus_webhook_in_form_encoding_verifies_case_insensitively():
    raw = centra_form("centra-webhook-1.json")
    assert raw.startswith(b"payload=%7B")
    assert centra.webhooks.verify(raw, {"x-centra-signature": sign_webhook(raw, SECRET, NOW)}, SECRET, now=NOW)


@pytest.mark.parametrize("raw_sent, header", [
    (b"payload=%7B%22x%22%3A%22tesT%22%7D", sign_webhook(b"payload=%7B%22x%22%3A%22test%22%7D", SECRET, NOW)),
    # the same JSON, differently encoded, is different bytes
    (b'payload={"x":"test"}', sign_webhook(b"payload=%7B%22x%22%3A%22test%22%7D", SECRET, NOW)),
    (b"payload=%7B%7D", sign_webhook(b"payload=%7B%7D", "another-secret", NOW)),
    (b"payload=%7B%7D", None),
    (b"payload=%7B%7D", ""),
    (b"payload=%7B%7D", "v1=" + "0" * 64),
    (b"payload=%7B%7D", f"t={NOW}"),
    (b"payload=%7B%7D", f"t=soon,v1={'a' * 64}"),
    # a valid signature with a different timestamp than the one signed
    (b"payload=%7B%7D", sign_webhook(b"payload=%7B%7D", SECRET, NOW).replace(f"t={NOW}", f"t={NOW + 1}")),
], ids=["body-changed", "re-encoded", "wrong-secret", "missing", "empty", "no-t", "no-v1", "bad-t", "t-swapped"])
def test_centra_forged_or_missing_signatures_fail(raw_sent, header):
    headers = {} if header is None else {"X-Centra-Signature": header}
    assert centra.webhooks.verify(raw_sent, headers, SECRET, now=NOW) is False


def test_centra_stale_timestamp_fails_and_a_second_v1_may_match():
    raw = b"payload=%7B%7D"
    assert centra.webhooks.verify(raw, {"X-Centra-Signature": sign_webhook(raw, SECRET, NOW - 90_000)}, SECRET,
                                  now=NOW) is False
    assert centra.webhooks.verify(raw, {"X-Centra-Signature": sign_webhook(raw, SECRET, NOW - 3600)}, SECRET,
                                  now=NOW) is True
    rotated = sign_webhook(raw, SECRET, NOW) + ",v1=" + "f" * 64
    header = f"t={NOW},v1={'e' * 64},{rotated.split(',', 1)[1]}"  # wrong, right, wrong
    assert centra.webhooks.verify(raw, {"X-Centra-Signature": header}, SECRET, now=NOW) is True


def test_centra_empty_secret_never_verifies():
    raw = b"payload=%7B%7D"
    assert centra.webhooks.verify(raw, {"X-Centra-Signature": sign_webhook(raw, "", NOW)}, "", now=NOW) is False


# --- Centra describe -------------------------------------------------------------------------------


def test_centra_describe_reads_the_first_order_event_of_the_corpus_body():
    delivery = centra.webhooks.describe(centra_form("centra-webhook-1.json"), {})
    assert delivery == Delivery(topic="order.update", resource_id="2735",
                                delivery_id="order:2735:update:2021-01-29 14:40:58.628033", is_ping=False,
                                flow="orders")


def test_centra_describe_accepts_the_emulator_wire_format_and_a_plain_json_body():
    events = [{"type": "order", "action": "create", "date": "2026-01-01 10:00:00.1", "id": 15}]
    from_form = centra.webhooks.describe(webhook_body(events), {})
    from_json = centra.webhooks.describe(json.dumps({"events": events}).encode(), {})
    assert from_form == from_json
    assert (from_form.resource_id, from_form.topic, from_form.flow) == ("15", "order.create", "orders")


def test_centra_shipment_only_and_checkout_flavour_bodies_feed_no_flow():
    shipment = webhook_body([{"type": "shipment", "action": "good_to_go", "date": "d", "id": 1902}])
    described = centra.webhooks.describe(shipment, {})
    assert (described.topic, described.resource_id, described.flow) == ("shipment.good_to_go", "1902", None)
    checkout = centra.webhooks.describe(centra_form("centra-webhook-2.json"), {})
    assert (checkout.topic, checkout.flow, checkout.is_ping) == ("brands,products", None, False)
    assert checkout.delivery_id.startswith("body:")
    garbage = centra.webhooks.describe(b"payload=%7Bnot json", {})
    assert (garbage.topic, garbage.flow) == ("unknown", None)


def test_centra_two_deliveries_of_different_events_have_different_identities():
    first = webhook_body([{"type": "order", "action": "update", "date": "2026-01-01 10:00:00.1", "id": 15}])
    later = webhook_body([{"type": "order", "action": "update", "date": "2026-01-01 10:05:00.1", "id": 15}])
    assert centra.webhooks.describe(first, {}).delivery_id != centra.webhooks.describe(later, {}).delivery_id
    assert centra.webhooks.describe(first, {}).delivery_id == centra.webhooks.describe(first, {}).delivery_id


# --- Norce / Brink / Geins: static secret header ---------------------------------------------------


@pytest.mark.parametrize("module, corpus", [
    (norce, "norce-order_confirmed_event-schema-1.json"),
    (brink, "brink-order_webhook-1.json"),
    (geins, "geins-order_webhook-1.json"),
])
def test_static_secret_header_valid_forged_missing(module, corpus):
    raw = corpus_file(corpus).read_bytes()
    assert module.webhooks.verify(raw, {"X-Webhook-Secret": SECRET}, SECRET) is True
    assert module.webhooks.verify(raw, {"x-webhook-secret": f" {SECRET} "}, SECRET) is True
    assert module.webhooks.verify(raw, {"X-Webhook-Secret": SECRET + "x"}, SECRET) is False
    assert module.webhooks.verify(raw, {"X-Webhook-Secret": SECRET[:-1]}, SECRET) is False
    assert module.webhooks.verify(raw, {"Authorization": SECRET}, SECRET) is False
    assert module.webhooks.verify(raw, {}, SECRET) is False
    assert module.webhooks.verify(raw, {"X-Webhook-Secret": ""}, "") is False


def test_static_secret_compare_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr("core.platforms.static_secret.hmac.compare_digest",
                        lambda a, b: calls.append((a, b)) or real(a, b))
    assert geins.webhooks.verify(b"{}", {"X-Webhook-Secret": "abc"}, "abd") is False
    assert calls == [(b"abc", b"abd")]


def test_norce_describe_corpus_events():
    confirmed = norce.webhooks.describe(corpus_file("norce-order_confirmed_event-schema-1.json").read_bytes(),
                                        {"X-Norce-Event": "OrderConfirmedEvent"})
    # the schema sample has OrderId 0: the ClientOrderRef names the order
    assert confirmed == Delivery(topic="OrderConfirmedEvent", resource_id="string",
                                 delivery_id="OrderConfirmedEvent:string", is_ping=False, flow="orders")
    paid = norce.webhooks.describe(corpus_file("norce-order_payment_received_event-schema-1.json").read_bytes(), {})
    assert (paid.topic, paid.resource_id, paid.delivery_id, paid.flow) == (
        "OrderPaymentReceivedEvent", "string", "OrderPaymentReceivedEvent:string:string", "orders")
    real = norce.webhooks.describe(json.dumps({"OrderId": 4711, "ClientOrderRef": "W-1"}).encode(), {})
    # the basket id (ClientOrderRef) names the order: it is what the order is fetched by and what a push carries
    assert (real.topic, real.resource_id, real.delivery_id) == ("OrderEvent", "W-1", "")  # untyped: not deduplicated
    delivered = norce.webhooks.describe(b'{"OrderId": 4711}', {"X-Norce-Event": "OrderDeliveredEvent"})
    assert delivered.flow is None


def test_brink_describe_corpus_bodies_and_ping():
    order = brink.webhooks.describe(corpus_file("brink-order_webhook-1.json").read_bytes(), {})
    assert order == Delivery(topic="order.success", resource_id="f3a1b916-63b5-469f-8654-2762d5ca8589",
                             delivery_id="", is_ping=False,  # the same state repeats after a change: no
                             flow="orders")                    # identity, the fetch decides (tests/platforms_brink)
    product = brink.webhooks.describe(corpus_file("brink-product_webhook-1.json").read_bytes(), {})
    assert (product.topic, product.resource_id, product.flow) == (
        "product.created", "e9fd11fb-ce94-4eee-a253-3c180a94f857", None)
    ping = brink.webhooks.describe(corpus_file("brink-verification_webhook-1.json").read_bytes(), {})
    assert ping.is_ping is True and ping.flow is None
    refunded = brink.webhooks.describe(b'{"service":"order","state":"refunded","orderId":"x"}', {})
    assert refunded.flow is None


def test_geins_describe_corpus_body_and_repeating_updates_have_no_identity():
    created = geins.webhooks.describe(corpus_file("geins-order_webhook-1.json").read_bytes(), {})
    assert created == Delivery(topic="order.create", resource_id="12345", delivery_id="order:12345:create",
                               is_ping=False, flow="orders")
    updated = geins.webhooks.describe(b'{"entity":"Order","action":"update","id":"12345"}', {})
    assert (updated.delivery_id, updated.flow) == ("", "orders")
    product = geins.webhooks.describe(b'{"entity":"Product","action":"update","id":"9"}', {})
    assert product.flow is None
    assert geins.webhooks.describe(b"not json", {}).flow is None


def test_hmac_helper_used_by_the_emulator_matches_the_documented_scheme():
    raw = b"payload=%7B%7D"
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + raw, hashlib.sha256).hexdigest()
    assert sign_webhook(raw, SECRET, NOW) == f"t={NOW},v1={expected}"
