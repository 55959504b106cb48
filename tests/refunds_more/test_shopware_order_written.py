"""Shopware `order.written` (ids only) feeds the orders flow: describe names the order, and
`shopware.parse.load_order` reads it with the Admin API from the emulator over real HTTP; full bodies
are parsed as they are, without a call."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.config import Shop
from core.errors import NeedsAttention, Skip
from core.platforms import platform, shopware
from sandbox.shopware_emulator import ShopwareEmulator

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = {"SHOPWARE_CREDENTIALS": "SWIATESTCLIENT:test-secret"}


@pytest.fixture
def emu():
    server = ShopwareEmulator(client_id="SWIATESTCLIENT", client_secret="test-secret").start()
    yield server
    server.stop()


def shop(url: str) -> Shop:
    return Shop(key="shopware-de", platform="shopware", url=url, webhook_secret_setting="SW_SECRET",
                api_token_setting="SHOPWARE_CREDENTIALS", flows=["orders"])


def client_factory(s: Shop):
    return shopware.client.client_for(s, SETTINGS)


def written(*entries: tuple[str, str], event: str = "order.written") -> bytes:
    return json.dumps({"data": {"event": event, "payload": [
        {"entity": "order", "operation": op, "primaryKey": key, "updatedFields": ["stateId"]}
        for key, op in entries]}, "source": {"url": "https://shop", "shopId": "s1", "eventId": "ev-1"},
        "timestamp": 1700000000}).encode()


def searches(emu) -> int:
    return sum(1 for r in emu.requests if r.get("path") == "/api/search/order")


def test_order_written_is_described_as_the_orders_flow_with_the_order_id():
    delivery = shopware.webhooks.describe(written(("0a1b", "update")), {})
    assert (delivery.topic, delivery.flow, delivery.resource_id, delivery.delivery_id) == (
        "order.written", "orders", "0a1b", "ev-1")
    versioned = json.dumps({"data": {"event": "order.written", "payload": [
        {"entity": "order", "operation": "insert", "primaryKey": {"id": "9f9f", "versionId": "v1"}}]},
        "timestamp": 1}).encode()
    assert shopware.webhooks.describe(versioned, {}).resource_id == "9f9f"
    # the orders worker takes the load_order path for Shopware
    assert hasattr(platform("shopware").parse, "load_order")


def test_load_order_fetches_the_order_an_id_only_webhook_names(emu):
    first = emu.add_order(emu.make_order(T0, T0, sku="SW-1", unit_price="119.00"))
    second = emu.add_order(emu.make_order(T0, T0, sku="SW-2", unit_price="59.50", quantity=2))
    body = written((first["id"], "update"), (second["id"], "update"))
    order = shopware.parse.load_order(body, shop(emu.base_url), client_factory, external_id=second["id"])
    assert (order.external_id, order.number) == (second["id"], second["orderNumber"])
    assert [(line.sku, line.quantity) for line in order.lines] == [("SW-2", 2)]
    assert order.totals.total == Decimal("119.00") and order.currency == "EUR"
    # without an envelope id: the first order named
    assert shopware.parse.load_order(body, shop(emu.base_url), client_factory).external_id == first["id"]
    assert searches(emu) == 2


def test_load_order_parses_full_bodies_without_calling_the_shop(emu):
    entity = emu.make_order(T0, T0, sku="SW-3")
    event = {"data": {"event": "checkout.order.placed", "payload": {"order": entity}},
             "source": {"eventId": "e"}, "timestamp": 1}
    for body in (event, entity, {"data": entity}):
        order = shopware.parse.load_order(json.dumps(body).encode(), shop(emu.base_url), client_factory)
        assert (order.external_id, order.lines[0].sku) == (entity["id"], "SW-3")
    assert emu.requests == []


def test_an_order_the_api_does_not_have_needs_attention_and_a_deleted_one_is_skipped(emu):
    with pytest.raises(NeedsAttention) as missing:
        shopware.parse.load_order(written(("feedbeef", "update")), shop(emu.base_url), client_factory)
    assert missing.value.code == "order_not_found" and "shopware-de" in missing.value.resolution
    with pytest.raises(Skip) as deleted:
        shopware.parse.load_order(written(("feedbeef", "delete")), shop(emu.base_url), client_factory)
    assert "deleted" in deleted.value.reason
    with pytest.raises(NeedsAttention) as broken:
        shopware.parse.load_order(b"{not json", shop(emu.base_url), client_factory)
    assert broken.value.code == "malformed_payload"
