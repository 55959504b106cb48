"""WooCommerce discovery by listing: many unknown SKUs are found by listing the catalog 100 products a call
(variations, not in that listing, by SKU search afterwards); a handful still by SKU search."""

from __future__ import annotations

import math

from core.platforms.woocommerce.client import LISTING_MIN_SKUS, SKUS_PER_LOOKUP, WooClient, client_for
from tests.platform_clients.conftest import WOO_SETTINGS, woo_shop


def client(emu) -> WooClient:
    return client_for(woo_shop(emu.base_url), WOO_SETTINGS)


def calls(emu) -> tuple[int, int]:
    """(listing calls, SKU searches) the emulator answered on /products."""
    products = [r for r in emu.requests if r["path"].endswith("/products") and r["method"] == "GET"]
    searches = sum(1 for r in products if "sku" in r["query"])
    return len(products) - searches, searches


def test_many_unknown_skus_are_found_by_listing_100_a_call_and_variations_by_sku(woo):
    simple = [f"S{i:04d}" for i in range(LISTING_MIN_SKUS + 100)]
    for i, sku in enumerate(simple):
        woo.add_product(sku, i % 9)
    woo.add_variable_product("TEE", {"TEE-S": 3, "TEE-M": 4})
    with client(woo) as shop:
        targets = shop.inventory_targets([*simple, "TEE-S", "TEE-M", "NOPE"])
    assert len(targets) == len(simple) + 2 and "NOPE" not in targets
    assert targets["S0005"].stock_quantity == 5 and targets["S0005"].variation_id is None
    tee = woo.product_by_sku("TEE")
    assert targets["TEE-M"].product_id == tee["id"] and targets["TEE-M"].variation_id is not None
    listed, searched = calls(woo)
    assert listed == math.ceil((len(simple) + 1) / 100)  # every page: variation SKUs are never in the listing
    assert searched == 1  # TEE-S, TEE-M, NOPE: one search of the rest
    assert listed + searched < math.ceil((len(simple) + 3) / SKUS_PER_LOOKUP)  # what per-SKU search took


def test_listing_stops_once_every_sku_is_found(woo):
    for i in range(LISTING_MIN_SKUS + 300):
        woo.add_product(f"S{i:04d}", 1)
    with client(woo) as shop:
        targets = shop.inventory_targets([f"S{i:04d}" for i in range(LISTING_MIN_SKUS)])
    assert len(targets) == LISTING_MIN_SKUS
    assert calls(woo) == (math.ceil(LISTING_MIN_SKUS / 100), 0)


def test_a_handful_of_skus_are_still_searched(woo):
    for i in range(30):
        woo.add_product(f"S{i}", 1)
    with client(woo) as shop:
        assert len(shop.inventory_targets([f"S{i}" for i in range(30)])) == 30
    assert calls(woo) == (0, 1)


def test_the_stock_flow_cold_start_lists_once_and_searches_only_what_the_listing_lacks(woo):
    from core.sync.stock import WooStockWriter

    simple = [f"S{i:04d}" for i in range(250)]
    for sku in simple:
        woo.add_product(sku, 1)
    woo.add_variable_product("TEE", {"TEE-S": 3, "TEE-M": 4})
    with client(woo) as shop:
        writer = WooStockWriter(shop, run_id="cold")
        assert writer.discover_catalog() is None  # not the whole catalog: the flow keeps asking discover()
        batches = [simple[:100], simple[100:200], [*simple[200:], "tee-s", "TEE-M", "NOPE"]]
        found = {}
        for batch in batches:  # the flow's batches of 100
            found.update(writer.discover(batch))
    assert len(found) == 252 and "NOPE" not in found and found["tee-s"]["variation_id"] is not None
    assert found["S0100"] == {"product_id": woo.product_by_sku("S0100")["id"], "variation_id": None}
    assert calls(woo) == (3, 1)  # 251 products listed in 3 calls; one search for the variations and NOPE
    # per-SKU search alone: ceil(100/50) + ceil(100/50) + ceil(53/50) = 6 searches
