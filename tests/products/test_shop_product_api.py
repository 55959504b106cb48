"""The product operations added to the Shopify/WooCommerce clients, against their emulators: what the shop
refuses comes back as errors for the flow to judge, and refused writes change nothing."""

from __future__ import annotations

import pytest

from core.errors import NeedsAttention
from core.platforms.shopify.client import ShopifyClient
from core.platforms.woocommerce.client import WooClient
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.woo_emulator import WooEmulator


@pytest.fixture
def shopify():
    emu = ShopifyEmulator().start()
    yield emu, ShopifyClient(emu.base_url, emu.access_token, sleep=lambda s: None)
    emu.stop()


def test_shopify_prices_are_all_or_nothing_per_product(shopify):
    emu, client = shopify
    emu.add_product("Tee", [("T-S", "S", "10.00"), ("T-M", "M", "10.00")])
    emu.add_product("Mug", [("MUG", "Default Title", "5.00")])
    targets = client.product_targets(["T-S", "T-M", "MUG", "NOPE"])
    assert set(targets) == {"T-S", "T-M", "MUG"} and targets["T-S"].product_id == targets["T-M"].product_id
    tee = targets["T-S"].product_id
    errors = client.update_variant_prices(tee, {targets["T-S"].variant_id: "12.50",
                                                targets["MUG"].variant_id: "6.00"})  # not a variant of Tee
    assert [e["code"] for e in errors] == ["PRODUCT_VARIANT_DOES_NOT_EXIST"]
    assert emu.product_of("T-S")["variants"]["T-S"]["price"] == "10.00"  # nothing applied
    assert client.update_variant_prices(tee, {targets["T-S"].variant_id: "-1"})[0]["code"] == "GREATER_THAN_OR_EQUAL_TO"
    assert client.update_variant_prices(tee, {targets["T-S"].variant_id: "12.5"}) == []
    assert emu.product_of("T-M")["variants"] == {"T-S": {"price": "12.50", "title": "S"},
                                                  "T-M": {"price": "10.00", "title": "M"}}
    assert client.update_product(tee, {"title": "Tee 2", "status": "DRAFT"}) == []
    assert (emu.product_of("T-S")["title"], emu.product_of("T-S")["status"]) == ("Tee 2", "DRAFT")
    # not a ProductStatus: Shopify refuses the whole request (top-level errors), nothing changes
    with pytest.raises(NeedsAttention, match='Expected "HIDDEN" to be one of') as refused:
        client.update_product(tee, {"status": "HIDDEN"})
    assert refused.value.code == "shop_value_refused" and "nothing was changed" in refused.value.message
    assert emu.product_of("T-S")["status"] == "DRAFT"
    assert client.update_product("gid://shopify/Product/1", {"title": "x"})[0]["message"] == "Product does not exist"


def test_shopify_product_set_creates_a_product_with_its_variants(shopify):
    emu, client = shopify
    product, errors = client.create_product({
        "title": "Hoodie", "status": "ACTIVE", "productType": "Apparel",
        "productOptions": [{"name": "Variant", "values": [{"name": "M"}, {"name": "L"}]}],
        "variants": [{"optionValues": [{"optionName": "Variant", "name": "M"}], "price": "59.90",
                      "inventoryItem": {"sku": "H-M"}},
                     {"optionValues": [{"optionName": "Variant", "name": "L"}], "price": "59.90",
                      "inventoryItem": {"sku": "H-L"}}]})
    assert errors == [] and [n["sku"] for n in product["variants"]["nodes"]] == ["H-M", "H-L"]
    assert client.product_targets(["H-L"])["H-L"].product_id == product["id"]
    product, errors = client.create_product({"title": "", "productOptions": [], "variants": []})
    assert product is None and {e["field"][-1] for e in errors} == {"title", "variants"}


def test_woo_batches_hold_at_most_100_objects_and_report_per_item_errors():
    emu = WooEmulator().start()
    try:
        client = WooClient(emu.base_url, "ck_test", "cs_test", sleep=lambda s: None)
        with pytest.raises(ValueError):
            client.batch_products(update=[{"id": i} for i in range(101)])
        mug = emu.add_product("MUG")
        answer = client.batch_products(update=[{"id": mug["id"], "regular_price": "7.00"}, {"id": 999999}])
        assert "error" not in answer["update"][0] and answer["update"][1]["error"]["code"].endswith("invalid_id")
        assert emu.product_by_sku("MUG")["regular_price"] == "7.00"
        parent = client.batch_products(create=[{"type": "variable", "name": "Tee"}])["create"][0]
        created = client.batch_variations(parent["id"], create=[{"sku": "T-S", "regular_price": "9.00"}])
        assert created["create"][0]["parent_id"] == parent["id"] and client.batch_products() == {}
    finally:
        emu.stop()
