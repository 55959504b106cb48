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
