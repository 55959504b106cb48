"""The WooCommerce client as WooCommerce really answers (issue 19): read-back, no blind POST retries, gone
codes, SKU case, drafts left out of the reconcile; against the emulator over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.errors import NeedsAttention
from core.platforms.woocommerce.client import BRIDGE_ITEM_META, StockChange, WooClient, client_for, is_gone
from core.sync import product_mapping as mapping
from core.sync.products import WooProductWriter
from sandbox.woo_emulator import WooEmulator
from tests.woocommerce.conftest import WOO_SETTINGS, woo_shop

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def client(emu: WooEmulator, **options) -> WooClient:
    return client_for(woo_shop(emu.base_url), WOO_SETTINGS, sleep=lambda _s: None, **options)


# ---- 19.2 stock read-back ----

def test_stock_with_the_shop_option_off_is_needs_attention_naming_the_setting(woo):
    woo.add_product("simple", stock=3)
    woo.stock_management = False
    with client(woo) as shop, pytest.raises(NeedsAttention) as off:
        shop.set_stock([StockChange("simple", None, 9)])
    assert off.value.code == "woo_stock_management_off"
    assert "Enable stock management" in off.value.resolution and "woocommerce_manage_stock" in off.value.resolution


def test_variations_with_the_shop_option_off_are_not_reported_applied(woo):
    hoodie = woo.add_variable_product("hoodie", {"hoodie-s": 2})
    woo.stock_management = False
    with client(woo) as shop, pytest.raises(NeedsAttention) as off:
        shop.set_stock([StockChange("hoodie-s", None, 9)])
    assert off.value.code == "woo_stock_management_off" and hoodie["variations"]


def test_a_product_that_cannot_manage_stock_goes_to_attention_not_applied(woo):
    woo.add_product("simple", stock=1)
    woo.add_product("ext", stock=None, kind="external")
    with client(woo) as shop:
        result = shop.set_stock([StockChange("simple", None, 5), StockChange("ext", None, 4)])
    assert [c.sku for c in result.applied] == ["simple"]
    assert [c.sku for c, _ in result.attention] == ["ext"] and result.failed == []
    assert "Manage stock" in result.attention[0][1]


def test_a_quantity_the_shop_did_not_keep_is_failed(woo, monkeypatch):
    woo.add_product("simple", stock=1)
    original = woo._set_quantity
    monkeypatch.setattr(woo, "_set_quantity", lambda product, value: original(product, int(value) - 1))
    with client(woo) as shop:
        result = shop.set_stock([StockChange("simple", None, 5)])
    assert result.applied == [] and "stock_quantity=4" in result.failed[0][1]


# ---- 19.3 idempotent creates ----

def test_a_note_whose_answer_was_lost_is_not_sent_twice(woo):
    order = woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0))
    woo.fail_next(503, after_processing=True)  # WooCommerce added the note (and e-mailed it), the answer was lost
    with client(woo) as shop:
        note = shop.add_order_note(order["id"], "Shipped with PostNord 123 (BC shipment S-1)", customer_note=True)
    assert [n["note"] for n in woo.order_notes(order["id"])] == ["Shipped with PostNord 123 (BC shipment S-1)"]
    assert note["note"] == "Shipped with PostNord 123 (BC shipment S-1)"


def test_a_note_that_was_not_made_is_sent_again(woo):
    order = woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0))
    woo.fail_next(503)  # refused before doing anything
    with client(woo) as shop:
        shop.add_order_note(order["id"], "Shipped (BC shipment S-2)")
    assert len(woo.order_notes(order["id"])) == 1


def test_a_variable_parent_whose_answer_was_lost_is_found_by_our_meta_key(woo):
    woo.fail_next(504, after_processing=True)
    rows = [{"name": "Hoodie", "type": "variable", "meta_data": [{"key": BRIDGE_ITEM_META, "value": "1000"}]},
            {"name": "Album", "type": "simple", "sku": "ALB-1", "regular_price": "9.00"}]
    with client(woo) as shop:
        answer = shop.batch_products(create=rows)
    assert [p["name"] for p in woo.products.values()] == ["Hoodie", "Album"]  # one of each, not two
    assert [p.get("sku", "") for p in answer["create"]] == ["", "ALB-1"]
    assert all("error" not in p and p["id"] for p in answer["create"])


def test_a_partly_made_batch_sends_only_what_is_missing(woo, monkeypatch):
    existing = woo.add_product("ALB-1", stock=None)  # the lost attempt made the first item only
    woo.fail_next(503)
    rows = [{"name": "Album", "sku": "ALB-1"}, {"name": "Single", "sku": "SGL-1"}]
    with client(woo) as shop:
        answer = shop.batch_products(create=rows)
    assert sorted(p["sku"] for p in woo.products.values()) == ["ALB-1", "SGL-1"]
    assert answer["create"][0]["id"] == existing["id"] and answer["create"][1]["sku"] == "SGL-1"
    assert woo.batches[-1]["size"] == 1


def test_the_products_flow_marks_what_it_creates_with_the_meta_key(woo):
    # a variable parent has no SKU: without the meta key a lost answer could not be found again
    writer = WooProductWriter(client(woo))
    product = mapping.ShopProduct(item="1000", title="Hoodie", status=mapping.ACTIVE, category="", has_options=True,
                                  variants=(mapping.ShopVariant("H-S", "S", "S", Decimal("10.00")),
                                            mapping.ShopVariant("H-M", "M", "M", Decimal("10.00"))))
    assert writer.create([product]).failed == []
    parent = next(p for p in woo.products.values() if p["type"] == "variable")
    # WooCommerce gives each meta_data entry an id of its own (update_meta_data)
    assert (BRIDGE_ITEM_META, "1000") in [(m["key"], m["value"]) for m in parent["meta_data"]]


# ---- 19.4 gone codes ----

def test_a_variation_id_in_products_batch_is_gone(woo):
    hoodie = woo.add_variable_product("hoodie", {"hoodie-s": 2})
    (variation_id,) = hoodie["variations"]
    with client(woo) as shop:
        answer = shop.batch_products(update=[{"id": variation_id, "regular_price": "5.00"}])
    code = answer["update"][0]["error"]["code"]
    assert code == "woocommerce_rest_invalid_product_id" and is_gone(code)
    assert is_gone("woocommerce_rest_product_invalid_id") and not is_gone("product_invalid_sku")


def test_the_products_flow_looks_a_stale_variation_target_up_again(woo):
    # a product became a variation (or the cache says product where it is a variation): products/batch
    # answers woocommerce_rest_invalid_product_id, and the SKU must be dropped from the target cache
    hoodie = woo.add_variable_product("hoodie", {"H-S": 2})
    (variation_id,) = hoodie["variations"]
    product = mapping.ShopProduct(item="1000", title="Hoodie", status=mapping.ACTIVE, category="",
                                  variants=(mapping.ShopVariant("H-S", "", "", Decimal("12.00")),))
    change = mapping.ProductChange(product, {}, product.variants)
    result = WooProductWriter(client(woo)).update([change], {"H-S": {"product_id": variation_id,
                                                                     "variation_id": None}})
    assert result.gone == ["H-S"] and "woocommerce_rest_invalid_product_id" in result.failed[0][1]


# ---- 19.6 SKU case ----

def test_skus_match_whatever_their_case(woo):
    woo.add_product("ABC-1", stock=0)
    with client(woo) as shop:
        targets = shop.inventory_targets(["abc-1"])
        result = shop.set_stock([StockChange("abc-1", None, 6)])
    assert "abc-1" in targets and [c.sku for c in result.applied] == ["abc-1"]
    assert woo.stock("ABC-1") == 6


# ---- 19.7 reconcile leaves drafts out ----

def test_checkout_drafts_and_trash_are_not_orders_to_import(woo):
    placed = woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0 + timedelta(minutes=1)))
    woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0 + timedelta(minutes=2),
                                 status="checkout-draft"))
    woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0 + timedelta(minutes=3), status="trash"))
    with client(woo) as shop:
        listed = [o["id"] for o in shop.orders_updated_between(T0, T0 + timedelta(hours=1))]
    assert listed == [placed["id"]]


def test_a_page_past_the_end_finishes_the_listing(woo):
    # 100 orders modified in one second fill a whole page: the next page is an empty 200 on a real shop
    for _ in range(100):
        woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0))
    with client(woo) as shop:
        assert len(list(shop.orders_updated_between(T0, T0 + timedelta(hours=1)))) == 100
