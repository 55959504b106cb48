"""The Shopify product writer chooses bulk or per call by size: many products' prices in one bulk mutation (a
refused product fails alone), a handful per call, and per call again when the bulk operation ends badly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.platforms.shopify.client import ShopifyClient
from core.sync import product_mapping as mapping
from core.sync import products
from core.sync.shopify_bulk_prices import BULK_PRICES_MIN_PRODUCTS
from sandbox.bc_emulator import DEMO_COMPANY_SE_ID
from sandbox.shopify_emulator import ShopifyEmulator
from tests.products.test_products_emulators import bc_emulator, env  # noqa: F401 - the flow's fixtures


@pytest.fixture
def shopify():
    emu = ShopifyEmulator().start()
    yield emu
    emu.stop()


def catalog(emu: ShopifyEmulator, count: int) -> tuple[list[mapping.ProductChange], dict[str, dict]]:
    """`count` shop products with two variants each, and a price change for every variant."""
    changes, targets = [], {}
    for i in range(count):
        skus = [f"I{i}-S", f"I{i}-M"]
        number = emu.add_product(f"Item {i}", [(skus[0], "S", "10.00"), (skus[1], "M", "10.00")])
        for variant in emu.data.variants_of(number):
            targets[variant.sku] = {"product_id": f"gid://shopify/Product/{number}", "variant_id": variant.id}
        price = Decimal("-1") if i == 3 else Decimal(f"{20 + i}.50")  # item 3: a price Shopify refuses
        product = mapping.ShopProduct(item=f"I{i}", title=f"Item {i}", status="ACTIVE", category="",
                                      variants=tuple(mapping.ShopVariant(s, "", s[-1], price) for s in skus))
        changes.append(mapping.ProductChange(product, {}, product.variants))
    return changes, targets


def writer(emu: ShopifyEmulator) -> products.ShopifyProductWriter:
    return products.ShopifyProductWriter(ShopifyClient(emu.base_url, emu.access_token, bulk_poll_seconds=0.02))


def test_many_products_go_in_one_bulk_mutation_and_a_refused_one_fails_alone(shopify):
    changes, targets = catalog(shopify, BULK_PRICES_MIN_PRODUCTS)
    result = writer(shopify).update(changes, targets)
    assert [change.item for change, _ in result.failed] == ["I3"]
    assert "Price must be greater than or equal to 0" in result.failed[0][1]
    assert len(result.applied) == BULK_PRICES_MIN_PRODUCTS - 1
    assert shopify.product_of("I7-M")["variants"]["I7-M"]["price"] == "27.50"
    assert shopify.counters["bulkOperationRunMutation"] == 1 and shopify.counters["productVariantsBulkUpdate"] == 0
    assert shopify.counters["points_used"] < 100  # stage + run + polls, not 10 points per product


def test_a_handful_of_products_stay_per_call(shopify):
    changes, targets = catalog(shopify, BULK_PRICES_MIN_PRODUCTS - 1)
    result = writer(shopify).update(changes, targets)
    assert [change.item for change, _ in result.failed] == ["I3"]
    assert shopify.counters["bulkOperationRunMutation"] == 0
    assert shopify.counters["productVariantsBulkUpdate"] == BULK_PRICES_MIN_PRODUCTS - 1


def test_a_bulk_operation_that_fails_falls_back_to_per_call(shopify):
    changes, targets = catalog(shopify, BULK_PRICES_MIN_PRODUCTS)
    shopify.fail_next_bulk_operation("TIMEOUT", after_objects=10)
    result = writer(shopify).update(changes, targets)
    assert [change.item for change, _ in result.failed] == ["I3"]
    assert shopify.counters["productVariantsBulkUpdate"] == BULK_PRICES_MIN_PRODUCTS
    assert shopify.product_of(f"I{BULK_PRICES_MIN_PRODUCTS - 1}-S")["variants"][
        f"I{BULK_PRICES_MIN_PRODUCTS - 1}-S"]["price"] == f"{20 + BULK_PRICES_MIN_PRODUCTS - 1}.50"


def test_the_shopify_writer_is_handed_enough_products_for_a_bulk_run():
    assert products.ShopifyProductWriter.chunk >= 10 * BULK_PRICES_MIN_PRODUCTS  # CHUNK (100) would rarely reach it


def test_the_products_flow_sends_a_broad_price_change_as_one_bulk_mutation(env):  # noqa: F811 - the fixture
    """Through the whole flow: 120 BC items, all new to the snapshot → one bulk mutation (the writer is handed
    them at once, not 100 at a time); then one changed price → one call, as before."""
    count = BULK_PRICES_MIN_PRODUCTS + 20
    env.bc.bulk_insert(DEMO_COMPANY_SE_ID, "items", [
        {"number": f"BLK{i:03d}", "displayName": f"Bulk item {i}", "type": "Inventory", "unitPrice": 10.0 + i,
         "priceIncludesTax": True} for i in range(count)])
    for i in range(count):
        env.shopify.add_product(f"Bulk item {i}", [(f"BLK{i:03d}", "Default Title", "1.00")])
    ctx = env.context(item_filter="number ge 'BLK000' and number le 'BLK999'")
    run = products.export_products(ctx, env.shop_key)
    assert (run.updated, run.failed) == (count, 0)
    assert env.shopify.counters["bulkOperationRunMutation"] == 1
    assert env.shopify.counters["productVariantsBulkUpdate"] == 0  # no price went per call
    assert env.shopify.product_of("BLK117")["variants"]["BLK117"]["price"] == "127.00"
    env.set_bc_item("BLK005", unitPrice=99.0)
    again = products.export_products(ctx, env.shop_key)
    assert again.updated == 1 and env.shopify.counters["productVariantsBulkUpdate"] == 1
    assert env.shopify.counters["bulkOperationRunMutation"] == 1
