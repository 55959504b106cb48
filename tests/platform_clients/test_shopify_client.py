"""The Shopify client against the emulator over HTTP: reconcile listing, throttling, stock with CAS and replay."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from core.errors import NeedsAttention, Retryable
from core.platforms.shopify.client import ShopifyClient, StockChange, client_for
from sandbox.shopify_emulator import ShopifyEmulator
from tests.platform_clients.conftest import SHOPIFY_SETTINGS, shopify_shop

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def client(emu: ShopifyEmulator, **options) -> ShopifyClient:
    return client_for(shopify_shop(emu.base_url), SHOPIFY_SETTINGS, **options)


def mutation_sizes(emu: ShopifyEmulator) -> list[int]:
    return [len(r["variables"]["input"]["quantities"]) for r in emu.requests
            if r.get("operation") == "inventorySetQuantities" and r["status"] == 200]


def test_client_for_reads_the_token_setting_and_refuses_without_it(shopify):
    with pytest.raises(NeedsAttention) as missing:
        client_for(shopify_shop(shopify.base_url), {})
    assert missing.value.code == "missing_setting" and "SHOPIFY_TOKEN" in missing.value.resolution
    with pytest.raises(NeedsAttention) as refused:
        list(client_for(shopify_shop(shopify.base_url), {"SHOPIFY_TOKEN": "shpat_wrong"})
             .orders_updated_between(T0, T0 + timedelta(hours=1)))
    assert refused.value.code == "shop_auth_failed"
    assert "shpat_wrong" not in str(refused.value) and "shpat_wrong" not in refused.value.resolution


def test_orders_updated_in_the_window_over_several_pages(shopify):
    inside = []
    for minute in range(-5, 30):  # window [T0, T0+23min): 23 orders in it, the rest before or after
        order = shopify.add_order(shopify.make_order([("A", 1, "10.00")], updated_at=T0 + timedelta(minutes=minute)))
        if 0 <= minute < 23:
            inside.append(order["id"])
    with client(shopify, page_size=5) as shop:
        listed = list(shop.orders_updated_between(T0, T0 + timedelta(minutes=23)))
    assert [o["id"] for o in listed] == inside  # oldest change first, each exactly once
    assert all(o["line_items"] and o["admin_graphql_api_id"].endswith(str(o["id"])) for o in listed)
    assert shopify.counters["orders"] == 5 and shopify.counters["rest"] == 23


def test_listing_is_lazy_one_page_at_a_time(shopify):
    for minute in range(12):
        shopify.add_order(shopify.make_order([("A", 1, "10.00")], updated_at=T0 + timedelta(minutes=minute)))
    with client(shopify, page_size=5) as shop:
        orders = shop.orders_updated_between(T0, T0 + timedelta(hours=1))
        next(orders)
        assert (shopify.counters["orders"], shopify.counters["rest"]) == (1, 1)


def test_throttled_answers_are_waited_out_not_failed():
    # 12 points refill in 0.24 s: the first request must arrive sooner, even on a busy machine
    emu = ShopifyEmulator(bucket_size=30, restore_rate=50).start()
    try:
        for minute in range(25):
            emu.add_order(emu.make_order([("A", 1, "10.00")], updated_at=T0 + timedelta(minutes=minute)))
        with client(emu, page_size=10) as shop:
            emu.drain_bucket(0)
            listed = list(shop.orders_updated_between(T0, T0 + timedelta(hours=1)))
            assert shop.throttled == 1
        assert len(listed) == 25
        assert emu.counters["throttled"] == 1  # the first call; afterwards the client paces itself
        assert emu.counters["orders"] == 3
    finally:
        emu.stop()


def test_the_client_waits_for_the_bucket_before_sending():
    # a lookup of 25 SKUs requests 577 points and uses 102: after one call the bucket lacks ~80 for the next
    emu = ShopifyEmulator(bucket_size=600, restore_rate=1000).start()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    try:
        for n in range(100):
            emu.add_variant(f"SKU-{n:03d}", {emu.main_location: n})
        with client(emu, sleep=sleep) as shop:
            targets = shop.inventory_targets(f"SKU-{n:03d}" for n in range(100))
        assert len(targets) == 100 and targets["SKU-042"].available == {emu.main_location: 42}
        assert emu.counters["productVariants"] == 4
        assert emu.counters["throttled"] == 0
        assert len(slept) == 3 and all(0 < s <= 0.1 for s in slept)  # ≈ (577 − 498) / 1000 each
    finally:
        emu.stop()


def test_server_errors_are_retried_then_reported_as_retryable(shopify):
    shopify.add_order(shopify.make_order([("A", 1, "10.00")], updated_at=T0))
    slept: list[float] = []
    shopify.fail_next(503, count=2)
    shopify.fail_next(429, count=1, retry_after=0.01)
    with client(shopify, sleep=slept.append) as shop:
        assert len(list(shop.orders_updated_between(T0, T0 + timedelta(hours=1)))) == 1
    assert slept[-1] == 0.01 and len(slept) == 3
    shopify.fail_next(503, count=5)
    with client(shopify, sleep=slept.append, max_attempts=5) as shop, pytest.raises(Retryable):
        list(shop.orders_updated_between(T0, T0 + timedelta(hours=1)))


def test_600_stock_changes_go_out_in_3_calls_of_at_most_250():
    shopify = ShopifyEmulator(plan="plus").start()  # the SKU lookups alone would take ~10 s of Standard refill
    changes = []
    for n in range(600):
        shopify.add_variant(f"SKU-{n:03d}", {shopify.main_location: 1})
        changes.append(StockChange(f"SKU-{n:03d}", shopify.main_location, quantity=n, previous=1))
    try:
        with client(shopify) as shop:
            result = shop.set_stock(changes, run_id="run-1")
        assert result.failed == [] and len(result.applied) == 600 and result.calls == 3
        assert mutation_sizes(shopify) == [250, 250, 100]
        assert all(shopify.inventory(f"SKU-{n:03d}", shopify.main_location) == n for n in range(600))
    finally:
        shopify.stop()


def test_stale_change_from_quantity_is_re_read_and_resolved(shopify):
    shopify.add_variant("A", {shopify.main_location: 10, shopify.store_location: 3})
    shopify.add_variant("B", {shopify.main_location: 4})
    with client(shopify) as shop:
        result = shop.set_stock([StockChange("A", shopify.main_location, 7, previous=5),  # the shop has 10 now
                                 StockChange("A", "1002", 1, previous=3),  # a numeric location id
                                 StockChange("B", shopify.main_location, 6, previous=4)], run_id="run-2")
    assert result.failed == [] and len(result.applied) == 3
    assert result.stale_resolved == 1 and result.calls == 2
    assert shopify.inventory("A", shopify.main_location) == 7
    assert shopify.inventory("A", shopify.store_location) == 1
    assert shopify.inventory("B", shopify.main_location) == 6
    assert shopify.requests[-1]["variables"]["input"]["quantities"][0]["changeFromQuantity"] == 10


def test_a_retried_batch_is_replayed_by_its_idempotency_key_not_applied_twice(shopify):
    shopify.add_variant("A", {shopify.main_location: 10})
    change = [StockChange("A", shopify.main_location, 8, previous=10)]
    # applied, but the answer is lost: the client resends the same request
    shopify.fail_next(503, after_processing=True, operation="inventorySetQuantities")
    with client(shopify, sleep=lambda s: None) as shop:
        first = shop.set_stock(change, run_id="run-3")
        assert first.applied == change and shopify.counters["idempotent_replays"] == 1
        shopify.set_inventory("A", shopify.main_location, 10)  # someone restores 10 in the shop
        again = shop.set_stock(change, run_id="run-3")  # a redelivered queue message of the same run
        assert again.applied == change
        assert shopify.inventory("A", shopify.main_location) == 10  # replayed, not applied again
        assert shopify.counters["idempotent_replays"] == 2
        later = shop.set_stock(change, run_id="run-4")  # a new run with the same numbers is a new request
        assert later.applied == change and shopify.inventory("A", shopify.main_location) == 8
    keys = [r["variables"]["key"] for r in shopify.requests if r.get("operation") == "inventorySetQuantities"]
    assert keys[0] == keys[1] == keys[2] != keys[3]


def test_unknown_duplicate_and_unstocked_skus_are_reported_per_item(shopify):
    shopify.add_variant("A", {shopify.main_location: 1})
    shopify.add_variant("DUP", {shopify.main_location: 1})
    shopify.add_variant("DUP", {shopify.main_location: 1})
    with client(shopify) as shop:
        targets = shop.inventory_targets(["A", "DUP", "NOPE"])
        result = shop.set_stock([StockChange("A", shopify.main_location, 5, previous=1),
                                 StockChange("A", shopify.store_location, 5, previous=None),
                                 StockChange("DUP", shopify.main_location, 5, previous=1),
                                 StockChange("NOPE", shopify.main_location, 5, previous=None)])
    assert set(targets) == {"A"} and targets["A"].available == {shopify.main_location: 1}
    assert [c.sku for c in result.applied] == ["A"] and result.applied[0].location == shopify.main_location
    reasons = {(c.sku, c.location): reason for c, reason in result.failed}
    assert reasons[("A", shopify.store_location)].startswith("ITEM_NOT_STOCKED_AT_LOCATION")
    assert "2 Shopify variants" in reasons[("DUP", shopify.main_location)]
    assert "no Shopify variant" in reasons[("NOPE", shopify.main_location)]
    assert shopify.inventory("A", shopify.main_location) == 5


def set_keys(emu: ShopifyEmulator) -> list[str]:
    return [r["variables"]["key"] for r in emu.requests if r.get("operation") == "inventorySetQuantities"]


def test_a_key_still_in_progress_is_asked_again_with_the_same_key(shopify):
    shopify.add_variant("A", {shopify.main_location: 10})
    shopify.concurrent_request(2)  # the first request with this key is still running at Shopify
    slept: list[float] = []
    with client(shopify, sleep=slept.append) as shop:
        result = shop.set_stock([StockChange("A", shopify.main_location, 8, previous=10)], run_id="run-5")
    assert result.failed == [] and len(result.applied) == 1 and result.calls == 1
    assert shopify.inventory("A", shopify.main_location) == 8
    keys = set_keys(shopify)
    assert len(keys) == 3 and len(set(keys)) == 1 and slept == [1.0, 2.0]


def test_a_key_in_progress_for_too_long_is_retryable_not_a_failed_batch(shopify):
    shopify.add_variant("A", {shopify.main_location: 10})
    shopify.concurrent_request(100)
    with client(shopify, sleep=lambda s: None) as shop, pytest.raises(Retryable):
        shop.set_stock([StockChange("A", shopify.main_location, 8, previous=10)], run_id="run-6")
    assert shopify.inventory("A", shopify.main_location) == 10


def test_told_the_previous_attempt_failed_the_client_retries_under_a_fresh_key():
    """IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED is not in 2026-04's enums (the emulator cannot send it), newer versions
    answer it: a Shopify stand-in at the HTTP level answers it once, then succeeds."""
    sent: list[dict] = []

    def shop(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body["variables"])
        failed = body["variables"]["key"] == "key-1"  # the first attempt under this key failed at Shopify
        errors = [{"field": None, "message": "Retry with a new key.", "code": "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"}] \
            if failed else []
        return httpx.Response(200, json={"data": {"inventorySetQuantities": {"inventoryAdjustmentGroup": None,
                                                                             "userErrors": errors}}})

    payload = {"name": "available", "reason": "correction", "quantities": []}
    with ShopifyClient("https://shop.example", "shpat_x", transport=httpx.MockTransport(shop)) as client_:
        assert client_.set_quantities(payload, "key-1") == []
        assert client_.set_quantities(payload, "key-1") == []
    first, fresh, again, again_fresh = (v["key"] for v in sent)
    assert first == again == "key-1" and fresh != first
    assert again_fresh == fresh  # derived from the old key: a redelivered batch lands on the same fresh key


def test_a_key_reused_with_other_parameters_fails_the_batch_with_its_code(shopify):
    shopify.add_variant("A", {shopify.main_location: 10})
    variant = shopify.data.variant_by_sku("A")
    with client(shopify, sleep=lambda s: None) as shop:
        row = {"inventoryItemId": variant.inventory_item_id, "locationId": shopify.main_location,
               "changeFromQuantity": None}
        assert shop.set_quantities({"name": "available", "reason": "correction",
                                    "quantities": [{**row, "quantity": 3}]}, "k") == []
        [error] = shop.set_quantities({"name": "available", "reason": "correction",
                                       "quantities": [{**row, "quantity": 4}]}, "k")
    assert error["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH" and shopify.inventory("A", shopify.main_location) == 3
