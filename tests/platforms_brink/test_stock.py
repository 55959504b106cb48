"""Brink's StockWriter against the emulator: one absolute PUT per SKU (contract 2.2), what it cannot write."""

from __future__ import annotations

from core.platforms import part
from core.platforms.brink import client as brink_client
from core.sync import stock
from core.sync.stock_mapping import Change
from tests.platforms_brink.conftest import KEY_SETTINGS, brink_shop


def writer(brink):
    api = brink_client.client_for(brink_shop(brink.base_url), KEY_SETTINGS, sleep=lambda s: None)
    return part("brink", "StockWriter")(api, "run-1")


def test_the_stock_flow_finds_the_brink_writer(brink):
    found = stock.writer_for(brink_shop(brink.base_url), "run-1", KEY_SETTINGS)
    assert type(found).__name__ == "StockWriter" and found.client.__class__.__name__ == "BrinkClient"


def test_discover_then_write_absolute_quantities(brink):
    brink.add_product("1000", stock=3)
    brink.add_product("2000", stock=9)
    w = writer(brink)
    targets = w.discover(["1000", "2000", "NOPE"])
    assert targets == {"1000": {"product_id": "1000"}, "2000": {"product_id": "2000"}}
    result = w.write([Change("1000", "", 12, 3), Change("2000", "", 0, None)], targets)
    assert [c.sku for c in result.applied] == ["1000", "2000"] and result.calls == 2 and not result.failed
    assert (brink.stock("1000"), brink.stock("2000")) == (12, 0)
    assert brink.stock_calls == [{"productId": "1000", "stock": 12}, {"productId": "2000", "stock": 0}]


def test_a_location_cannot_be_written_and_a_vanished_product_is_forgotten(brink):
    brink.add_product("1000")
    w = writer(brink)
    result = w.write([Change("1000", "WH-2", 4, None), Change("GONE", "", 1, None)],
                     {"1000": {"product_id": "1000"}, "GONE": {"product_id": "GONE"}})
    codes = {c.sku: code for c, code, _ in result.failed}
    assert codes == {"1000": "INVALID_LOCATION", "GONE": "INVALID_INVENTORY_ITEM"}
    assert codes["1000"] in stock.NOT_STOCKED and codes["GONE"] in stock.GONE  # what the stock flow does next
    assert result.calls == 1 and brink.stock("1000") == 0


# ---- prices (contract 2.4): the ProductWriter ----

def price_writer(brink, store_group: str = "default", countries=("SE",)):
    from core.config import ProductExport

    shop = brink_shop(brink.base_url).model_copy(
        update={"products": ProductExport(store_group_id=store_group, countries=list(countries))})
    return part("brink", "ProductWriter")(brink_client.client_for(shop, KEY_SETTINGS, sleep=lambda s: None))


def change(sku: str, price: str):
    from decimal import Decimal

    from core.sync.product_mapping import ProductChange, ShopProduct, ShopVariant

    variant = ShopVariant(sku=sku, variant="", option="", price=Decimal(price))
    product = ShopProduct(item=sku, title=f"Item {sku}", status="ACTIVE", category="", variants=(variant,))
    return ProductChange(product, product.fields(), (variant,))


def test_prices_go_per_variant_in_minor_units_for_every_country(brink):
    brink.add_product("1000")
    w = price_writer(brink, countries=("se", "FI"))
    targets = w.discover(["1000", "NOPE"])
    result = w.update([change("1000", "248.75")], targets)
    assert len(result.applied) == 1 and result.calls == 1 and not result.failed
    assert brink.prices == {("default", "1000", "SE"): (24875, 24875), ("default", "1000", "FI"): (24875, 24875)}


def test_prices_need_a_store_group_and_products_are_not_created(brink):
    import pytest

    from core.errors import NeedsAttention

    with pytest.raises(NeedsAttention) as missing:
        price_writer(brink, store_group="").update([change("1000", "1.00")], {"1000": {"product_id": "1000"}})
    assert missing.value.code == "missing_setting" and "store_group_id" in missing.value.resolution
    created = price_writer(brink).create([change("9", "1.00").product])
    assert not created.applied and "created in Brink" in created.failed[0][1]


def test_an_unverified_price_path_that_brink_does_not_have_stops_the_run(brink, monkeypatch):
    import pytest

    from core.errors import NeedsAttention

    brink.add_product("1000")
    monkeypatch.setattr(brink_client, "PRICES_PATH", "/no/such/path")
    with pytest.raises(NeedsAttention) as unverified:
        price_writer(brink).update([change("1000", "1.00")], {"1000": {"product_id": "1000"}})
    assert unverified.value.code == "shop_api_unverified" and "/no/such/path" in unverified.value.message
