"""The Brink client against the Brink emulator, and the emulator against the contract (section 2)."""

from __future__ import annotations

import httpx
import pytest

from core.errors import NeedsAttention, Retryable
from core.platforms.brink import client as brink_client
from core.platforms.brink import parse
from tests.platforms_brink.conftest import API_KEY, KEY_SETTINGS, brink_shop


def make(brink, **options):
    return brink_client.client_for(brink_shop(brink.base_url), KEY_SETTINGS, sleep=lambda s: None, **options)


def test_client_for_needs_the_key_setting_and_never_shows_the_key(brink):
    with pytest.raises(NeedsAttention) as missing:
        brink_client.client_for(brink_shop(brink.base_url), {})
    assert missing.value.code == "missing_setting" and "BRINK_KEY" in missing.value.resolution
    wrong = brink_client.client_for(brink_shop(brink.base_url), {"BRINK_KEY": "wrong-key"})
    with pytest.raises(NeedsAttention) as refused:
        wrong.order("x")
    assert refused.value.code == "shop_auth_failed" and "wrong-key" not in str(refused.value)
    assert brink.counters["unauthorized"] == 1


def test_order_by_id_and_an_unknown_id(brink):
    order = brink.add_order(brink.make_order([("1000", 1, "199.00")]))
    with make(brink) as api:
        fetched = api.order(order["id"])
        assert parse.parse_order(fetched, "brink-se").external_id == order["id"]
        assert api.order("no-such-order") is None


def test_429_with_retry_after_is_retried_then_retryable(brink):
    order = brink.add_order(brink.make_order([("1000", 1, "199.00")]))
    waits = []
    api = brink_client.client_for(brink_shop(brink.base_url), KEY_SETTINGS, sleep=waits.append, max_attempts=3)
    brink.fail_next(429, 1, retry_after=2)
    assert api.order(order["id"])["id"] == order["id"] and waits == [2.0]
    brink.fail_next(503, 3)
    with pytest.raises(Retryable):
        api.order(order["id"])


def test_products_lookup_finds_only_known_ids_in_chunks(brink, monkeypatch):
    for sku in ("A", "B", "C"):
        brink.add_product(sku)
    monkeypatch.setattr(brink_client, "IDS_PER_LOOKUP", 2)
    with make(brink) as api:
        assert sorted(api.products(["A", "B", "C", "NOPE"])) == ["A", "B", "C"]
    assert brink.counters["requests"] == 2


def test_load_order_fetches_what_a_legacy_webhook_names(brink):
    order = brink.add_order(brink.make_order([("1000", 1, "199.00")]))
    shop = brink_shop(brink.base_url)
    factory = lambda s: brink_client.client_for(s, KEY_SETTINGS)  # noqa: E731
    raw = f'{{"service":"order","state":"success","orderId":"{order["id"]}"}}'.encode()
    loaded = parse.load_order(raw, shop, factory)
    assert loaded.external_id == order["id"] and loaded.paid and loaded.cancelled_at is None
    waiting = parse.load_order(raw.replace(b"success", b"waiting"), shop, factory)
    assert waiting.paid is False
    cancelled = parse.load_order(raw.replace(b"success", b"canceled"), shop, factory)
    assert cancelled.cancelled_at is not None
    with pytest.raises(NeedsAttention) as missing:
        parse.load_order(b'{"service":"order","state":"success","orderId":"gone"}', shop, factory)
    assert missing.value.code == "order_not_found"


# ---- the emulator refuses what Brink refuses (contract 2.2, [V: B6a]) ----

def put(brink, body, key: str = API_KEY) -> httpx.Response:
    return httpx.put(brink.base_url + "/productv1/stocks", json=body, headers={"x-api-key": key})


def test_emulator_takes_one_product_per_stock_call_and_an_api_key(brink):
    brink.add_product("A")
    assert put(brink, {"productId": "A", "stock": 5}).status_code == 200 and brink.stock("A") == 5
    assert put(brink, [{"productId": "A", "stock": 6}]).status_code == 400  # no batch: one per call
    assert put(brink, {"productId": "A", "stock": -1}).status_code == 400  # absolute quantities
    assert put(brink, {"productId": "A", "stock": 1.5}).status_code == 400
    assert put(brink, {"stock": 1}).status_code == 400
    assert put(brink, {"productId": "NOPE", "stock": 1}).status_code == 404
    assert put(brink, {"productId": "A", "stock": 7}, key="other").status_code == 403
    assert brink.stock("A") == 5


def test_emulator_refuses_prices_not_in_minor_units_and_deliveries_beyond_the_order(brink):
    brink.add_product("A")
    url, headers = brink.base_url + "/price/product-variant-prices", {"x-api-key": API_KEY}
    good = {"storeGroupId": "g", "productVariantId": "A",
            "productVariantPrices": [{"basePriceAmount": 5000, "salePriceAmount": 4500, "countryCode": "SE"}]}
    assert httpx.put(url, json=good, headers=headers).status_code == 200  # the verified body [V: B6b]
    for bad in ({**good, "storeGroupId": ""}, {**good, "productVariantId": "NOPE"},
                {**good, "productVariantPrices": [{**good["productVariantPrices"][0], "basePriceAmount": 50.5}]},
                {**good, "productVariantPrices": [{**good["productVariantPrices"][0], "countryCode": "SWE"}]}):
        assert httpx.put(url, json=bad, headers=headers).status_code == 400, bad
    order = brink.add_order(brink.make_order([("A", 2, "10.00")]))
    deliveries = f"{brink.base_url}/orderv1/orders/{order['id']}/deliveries"
    first = {"reference": "S-1", "orderLines": [{"orderLineId": "line-1", "quantity": 2}]}
    assert httpx.post(deliveries, json=first, headers=headers).status_code == 201
    assert httpx.post(deliveries, json=first, headers=headers).status_code == 409  # the same reference
    more = {"reference": "S-2", "orderLines": [{"orderLineId": "line-1", "quantity": 1}]}
    assert httpx.post(deliveries, json=more, headers=headers).status_code == 400  # nothing left to deliver
