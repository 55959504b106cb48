"""The Centra Integration API client against the emulator over HTTP, and load_order: the function the orders
worker calls with a stored payload (form-encoded webhook → fetch by number; reconciled node → parse)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import NeedsAttention, Retryable
from core.platforms.centra import client as centra_client
from core.platforms.centra import parse
from core.platforms.centra.client import client_for
from sandbox.centra_emulator import webhook_body
from tests.platforms_id.conftest import TOKEN_SETTINGS, centra_shop

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LINES = [("JACKET-M", 1, "675.00")]


def api(emu, **options):
    return client_for(centra_shop(emu.base_url), TOKEN_SETTINGS, sleep=lambda s: None, **options)


def factory(emu):
    return lambda shop: client_for(shop, TOKEN_SETTINGS, sleep=lambda s: None)


def test_client_for_needs_a_token_and_a_wrong_one_is_refused(centra):
    with pytest.raises(NeedsAttention) as missing:
        client_for(centra_shop(centra.base_url), {})
    assert missing.value.code == "missing_setting" and "CENTRA_TOKEN" in missing.value.message
    with pytest.raises(NeedsAttention) as refused:
        client_for(centra_shop(centra.base_url), {"CENTRA_TOKEN": "expired-token"}).order(14)
    assert refused.value.code == "shop_auth_failed" and "expired-token" not in str(refused.value)
    assert centra.counters["unauthorized"] == 1


def test_endpoint_accepts_tenant_or_graphql_url():
    assert centra_client.endpoint("https://x.centra.com/") == "https://x.centra.com/graphql/integration"
    assert centra_client.endpoint("https://x.centra.com/graphql/integration") == "https://x.centra.com/graphql/integration"


def test_order_by_number_and_unknown_number(centra):
    placed = centra.add_order(centra.make_order(LINES, updated=T0))
    with api(centra) as shop:
        assert shop.order(placed["number"]) == placed
        assert shop.order(9999) is None
        with pytest.raises(NeedsAttention):
            shop.order("14; mutation")
    assert f"number: {placed['number']}" in centra.queries[0]


def test_429_with_retry_after_is_retried_then_retryable(centra):
    placed = centra.add_order(centra.make_order(LINES, updated=T0))
    slept = []
    centra.fail_next(429, retry_after=2)
    shop = client_for(centra_shop(centra.base_url), TOKEN_SETTINGS, sleep=slept.append)
    assert shop.order(placed["number"])["number"] == placed["number"]
    assert len(slept) == 1 and 1.9 <= slept[0] <= 3.0  # Retry-After is a timestamp (C3), waited out in seconds
    centra.fail_next(503, count=3)
    with pytest.raises(Retryable):
        client_for(centra_shop(centra.base_url), TOKEN_SETTINGS, sleep=slept.append, max_attempts=3).order(14)


def test_graphql_errors_need_attention(centra, monkeypatch):
    monkeypatch.setattr(centra_client, "ORDER_QUERY", "query { orders(where: {number: %d}) { id } }")
    with pytest.raises(NeedsAttention) as err:
        api(centra).order(14)
    assert err.value.code == "shop_api_error" and "bridgeOrder" in err.value.message


def test_orders_updated_in_the_window_over_several_pages(centra):
    expected = []
    for minute in range(-3, 30):  # window [T0, T0+25min)
        order = centra.add_order(centra.make_order(LINES, updated=T0 + timedelta(minutes=minute)))
        if 0 <= minute < 25:
            expected.append(order["number"])
    for _ in range(14):  # more orders in one second than fit on a page
        expected.append(centra.add_order(centra.make_order(LINES, updated=T0 + timedelta(minutes=10)))["number"])
    with api(centra, page_size=10) as shop:
        listed = [o["number"] for o in shop.orders_updated_between(T0, T0 + timedelta(minutes=25))]
    assert sorted(listed) == sorted(expected) and len(listed) == len(set(listed)) == 39
    listings = [q for q in centra.queries if "orders(" in q]
    assert len(listings) >= 4 and all("createdAt: {from:" in q and "updatedAt: {" not in q for q in listings)


def test_an_order_changing_during_the_listing_does_not_hide_others(centra):
    expected = [centra.add_order(centra.make_order(LINES, updated=T0 + timedelta(minutes=m)))["number"]
                for m in range(30)]
    with api(centra, page_size=10) as shop:
        listed = []
        for node in shop.orders_updated_between(T0, T0 + timedelta(hours=1)):
            listed.append(node["number"])
            if len(listed) == 5:  # an order we already read changes: it leaves the window
                centra.touch_order(expected[0], T0 + timedelta(hours=2))
    assert listed == expected  # page numbers would have shifted by one and skipped the 11th order


def test_every_listed_node_parses(centra):
    for minute in range(3):
        centra.add_order(centra.make_order(LINES, updated=T0 + timedelta(minutes=minute)))
    with api(centra) as shop:
        orders = [parse.parse_order(n, "centra-se") for n in shop.orders_updated_between(T0, T0 + timedelta(hours=1))]
    assert [o.totals.total for o in orders] == [724] * 3


# --- load_order: what import_order calls with the stored payload -----------------------------------


def test_load_order_fetches_the_order_named_by_a_form_encoded_webhook(centra):
    placed = centra.add_order(centra.make_order([("JACKET-M", 2, "675.00")], updated=T0, voucher="50"))
    raw = webhook_body([{"type": "order", "action": "update", "date": "2026-03-01 12:00:00.1",
                         "id": placed["number"]}])
    order = parse.load_order(raw, centra_shop(centra.base_url), factory(centra))
    assert (order.external_id, order.totals.total, order.unallocated_discount) == (
        str(placed["number"]), 1349, 50)
    assert centra.counters["requests"] == 1


def test_load_order_picks_the_envelope_order_of_a_batched_webhook(centra):
    first = centra.add_order(centra.make_order(LINES, updated=T0))
    second = centra.add_order(centra.make_order([("TEE-S", 3, "199.00")], updated=T0))
    raw = webhook_body([{"type": "order", "action": "create", "date": "d1", "id": first["number"]},
                        {"type": "order", "action": "create", "date": "d2", "id": second["number"]}])
    shop = centra_shop(centra.base_url)
    assert parse.load_order(raw, shop, factory(centra)).external_id == str(first["number"])
    assert parse.load_order(raw, shop, factory(centra), external_id=str(second["number"])).lines[0].sku == "TEE-S"


def test_load_order_parses_a_reconciled_node_without_calling_centra(centra):
    node = centra.make_order(LINES, updated=T0)
    order = parse.load_order(json.dumps(node).encode(), centra_shop(centra.base_url), factory(centra))
    assert order.external_id == str(node["number"]) and centra.counters["requests"] == 0


def test_load_order_unknown_order_and_unusable_bodies(centra):
    shop = centra_shop(centra.base_url)
    with pytest.raises(NeedsAttention) as missing:
        parse.load_order(webhook_body([{"type": "order", "action": "update", "date": "d", "id": 4040}]), shop,
                         factory(centra))
    assert missing.value.code == "order_not_found" and "4040" in missing.value.message
    for raw in (b"payload=%7Bbroken", webhook_body([{"type": "shipment", "action": "create", "date": "d", "id": 1}])):
        with pytest.raises(NeedsAttention) as bad:
            parse.load_order(raw, shop, factory(centra))
        assert bad.value.code == "malformed_payload"


def test_id_only_platforms_load_order_names_the_order_they_cannot_fetch():
    from core.config import Shop
    from core.platforms import brink

    # Geins and Norce fetch their orders now (tests/platforms_geins, tests/platforms_norce); Brink only
    # with an API key set
    for module, raw, order_id in ((brink, b'{"service":"order","state":"success","orderId":"f3a1"}', "f3a1"),):
        shop = Shop(key="s", platform=module.parse.PLATFORM, url="https://x", webhook_secret_setting="S")
        with pytest.raises(NeedsAttention) as err:
            module.parse.load_order(raw, shop)
        assert err.value.code == "order_fetch_unsupported" and order_id in err.value.message
        with pytest.raises(NeedsAttention) as none:
            module.parse.load_order(b"{}", shop)
        assert none.value.code == "malformed_payload"
