"""Brink deliveries: which are orders, and their dedupe identity (the version for the newer events; none for the
legacy id-only webhook, whose state repeats after a change)."""

from __future__ import annotations

import json

from core.platforms.brink import webhooks
from sandbox.brink_emulator import BrinkEmulator
from tests.conftest import corpus_file

EMU = BrinkEmulator()
ORDER = EMU.make_order([("1000", 1, "199.00")])


def raw(body: dict) -> bytes:
    return json.dumps(body).encode()


def test_order_events_are_orders_identified_by_their_version():
    created = webhooks.describe(raw(EMU.event(ORDER, "OrderCreated")), {})
    assert (created.topic, created.resource_id, created.flow) == ("order.created", ORDER["id"], "orders")
    assert created.delivery_id == f"order:{ORDER['id']}:v1"
    # Brink redelivers the same version: one identity, dropped at receipt
    again = webhooks.describe(raw(EMU.event(ORDER, "OrderUpdated")), {})
    assert again.delivery_id == created.delivery_id and again.topic == "order.updated"
    newer = webhooks.describe(raw(EMU.event({**ORDER, "version": 2}, "OrderUpdated")), {})
    assert newer.delivery_id == f"order:{ORDER['id']}:v2"


def test_an_event_without_a_version_has_no_identity_rather_than_a_colliding_one():
    delivery = webhooks.describe(raw(EMU.event({k: v for k, v in ORDER.items() if k != "version"})), {})
    assert delivery.delivery_id == "" and delivery.flow == "orders"


def test_the_legacy_webhook_repeats_its_state_so_it_has_no_identity():
    body = corpus_file("brink-order_webhook-1.json").read_bytes()
    first, second = webhooks.describe(body, {}), webhooks.describe(body, {})
    assert first.flow == "orders" and first.resource_id == "f3a1b916-63b5-469f-8654-2762d5ca8589"
    assert first.delivery_id == second.delivery_id == ""  # formerly order:<id>:success, which dropped the second


def test_other_order_events_are_kept_not_imported():
    delivered = {"version": "0", "id": "evt-1", "source": "brink.external.v1", "detail-type": "OrderDelivered",
                 "detail": {"metadata": {"awsRequestId": "r"}, "data": {"id": "d-1", "orderId": ORDER["id"]}}}
    delivery = webhooks.describe(raw(delivered), {})
    assert (delivery.topic, delivery.resource_id, delivery.delivery_id, delivery.flow) == (
        "OrderDelivered", ORDER["id"], "event:evt-1", None)


def test_the_static_header_authenticates():
    body = raw(EMU.event(ORDER))
    assert webhooks.verify(body, {"x-webhook-secret": "s3cret"}, "s3cret") is True
    assert webhooks.verify(body, {"X-Webhook-Secret": "other"}, "s3cret") is False
    assert webhooks.verify(body, {}, "s3cret") is False
