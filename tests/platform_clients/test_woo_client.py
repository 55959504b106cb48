"""The WooCommerce client against the emulator over HTTP: reconcile listing, stock batches, auth, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import NeedsAttention, Retryable
from core.platforms.woocommerce.client import StockChange, WooClient, client_for
from sandbox.woo_emulator import WooEmulator
from tests.platform_clients.conftest import WOO_SETTINGS, woo_shop

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def client(emu: WooEmulator, **options) -> WooClient:
    return client_for(woo_shop(emu.base_url), WOO_SETTINGS, **options)


def test_client_for_needs_key_and_secret_and_wrong_ones_are_refused(woo):
    for settings in ({}, {"WOO_CREDENTIALS": "ck_only"}):
        with pytest.raises(NeedsAttention) as missing:
            client_for(woo_shop(woo.base_url), settings)
        assert missing.value.code == "missing_setting" and "WOO_CREDENTIALS" in missing.value.resolution
    with pytest.raises(NeedsAttention) as refused:
        list(client_for(woo_shop(woo.base_url), {"WOO_CREDENTIALS": "ck_test:cs_wrong"})
             .orders_updated_between(T0, T0 + timedelta(hours=1)))
    assert refused.value.code == "shop_auth_failed" and "woocommerce_rest_authentication_error" in str(refused.value)
    assert "cs_wrong" not in str(refused.value)


def test_orders_modified_in_the_window_over_several_pages(woo):
    expected = []
    for minute in range(-3, 30):  # window [T0, T0+25min)
        order = woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0 + timedelta(minutes=minute)))
        if 0 <= minute < 25:
            expected.append(order["id"])
    for _ in range(14):  # more orders in one second than fit on a page
        expected.append(woo.add_order(woo.make_order([("woo-album", 1, "15.00")],
                                                     modified=T0 + timedelta(minutes=10)))["id"])
    with client(woo, page_size=10) as shop:
        listed = [o["id"] for o in shop.orders_updated_between(T0, T0 + timedelta(minutes=25))]
    assert sorted(listed) == sorted(expected) and len(listed) == len(set(listed)) == 39
    queries = [r["query"] for r in woo.requests if r["path"].endswith("/orders")]
    assert all(q["dates_are_gmt"] == "true" and q["orderby"] == "modified" and q["order"] == "asc"
               for q in queries)
    assert len(queries) >= 4


def test_an_order_changing_during_the_listing_does_not_hide_others(woo):
    expected = [woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0 + timedelta(minutes=m)))["id"]
                for m in range(30)]
    with client(woo, page_size=10) as shop:
        listed = []
        for order in shop.orders_updated_between(T0, T0 + timedelta(hours=1)):
            listed.append(order["id"])
            if len(listed) == 5:  # a customer edits an order we already read: it leaves the window
                woo.touch_order(expected[0], T0 + timedelta(hours=2))
    assert listed == expected  # page numbers would have shifted by one and skipped the 11th order


def test_250_stock_changes_go_out_in_batches_of_at_most_100(woo):
    for n in range(250):
        woo.add_product(f"W-{n:03d}", stock=None)  # not managing stock yet
    changes = [StockChange(f"W-{n:03d}", None, quantity=n) for n in range(250)]
    with client(woo) as shop:
        result = shop.set_stock(changes)
    assert result.failed == [] and len(result.applied) == 250 and result.calls == 3
    assert [b["size"] for b in woo.batches] == [100, 100, 50]
    assert all(woo.stock(f"W-{n:03d}") == n for n in range(250))
    assert woo.product_by_sku("W-007")["manage_stock"] is True


def test_variations_go_through_their_parent_batch_endpoint(woo):
    woo.add_product("simple", stock=1)
    hoodie = woo.add_variable_product("hoodie", {"hoodie-s": 2, "hoodie-m": 0})
    with client(woo) as shop:
        targets = shop.inventory_targets(["simple", "hoodie-m", "nope"])
        result = shop.set_stock([StockChange("simple", None, 5), StockChange("hoodie-m", "", 3),
                                 StockChange("hoodie-s", None, 0), StockChange("nope", None, 1)])
    assert targets["simple"].variation_id is None
    assert targets["hoodie-m"].product_id == hoodie["id"] and targets["hoodie-m"].variation_id is not None
    assert "nope" not in targets
    assert sorted(c.sku for c in result.applied) == ["hoodie-m", "hoodie-s", "simple"]
    assert [(c.sku, "no WooCommerce product" in reason) for c, reason in result.failed] == [("nope", True)]
    assert [b["path"] for b in woo.batches] == ["products/batch", f"products/{hoodie['id']}/variations/batch"]
    assert (woo.stock("simple"), woo.stock("hoodie-m"), woo.stock("hoodie-s")) == (5, 3, 0)


def test_one_sku_at_two_locations_is_refused_for_woocommerce(woo):
    woo.add_product("simple", stock=1)
    with client(woo) as shop:
        result = shop.set_stock([StockChange("simple", "A", 5), StockChange("simple", "B", 2)])
    assert result.applied == [] and len(result.failed) == 2 and woo.batches == []


def test_server_errors_are_retried_then_reported_as_retryable(woo):
    woo.add_product("simple", stock=1)
    slept: list[float] = []
    woo.fail_next(502, count=1)
    woo.fail_next(503, count=1, after_processing=True)  # the batch was applied; resending it is harmless
    with client(woo, sleep=slept.append) as shop:
        result = shop.set_stock([StockChange("simple", None, 9)])
    assert result.applied and woo.stock("simple") == 9 and len(slept) == 2
    woo.fail_next(503, count=3)
    with client(woo, sleep=slept.append, max_attempts=3) as shop, pytest.raises(Retryable):
        list(shop.orders_updated_between(T0, T0 + timedelta(hours=1)))
