"""Geins StockWriter and ShipmentWriter against the emulator: rows Geins lists as Invalid or NotFound are
partial failures per SKU, never applied; shipments link instead of writing twice, and refuse cancelled or
missing orders."""

from __future__ import annotations

import pytest

from core.errors import NeedsAttention
from core.platforms import part
from core.platforms.geins.flows import ShipmentWriter, StockWriter
from core.sync.shipment_mapping import Tracking
from core.sync.stock_mapping import Change
from tests.platforms_geins.conftest import client_of, geins_shop


def test_the_flows_find_the_geins_writers():
    assert part("geins", "StockWriter") is StockWriter and part("geins", "ShipmentWriter") is ShipmentWriter


def test_stock_invalid_and_not_found_rows_are_failures_per_sku_and_only_the_rest_is_applied(geins):
    geins.add_item("A", stock=1)
    geins.add_item("B", stock=1)
    writer = StockWriter(client_of(geins), "run-1")
    changes = [Change("A", "", 5, None), Change("B", "", -2, None), Change("NOPE", "", 3, None)]
    targets = writer.discover([c.sku for c in changes])
    result = writer.write(changes, targets)
    assert [c.sku for c in result.applied] == ["A"] and result.calls == 1
    assert sorted((c.sku, code) for c, code, _ in result.failed) == [("B", "INVALID"), ("NOPE", "UNKNOWN_SKU")]
    assert all(c.sku in message for c, _, message in result.failed)
    assert (geins.items["A"]["Stock"], geins.items["B"]["Stock"]) == (5, 1)
    assert geins.stock_writes[-1] == [{"Id": "A", "Stock": 5, "StockType": 0}, {"Id": "B", "Stock": -2, "StockType": 0},
                                      {"Id": "NOPE", "Stock": 3, "StockType": 0}]


def test_two_figures_for_one_sku_are_refused_before_geins_is_called(geins):
    writer = StockWriter(client_of(geins), "run-1")
    result = writer.write([Change("A", "north", 1, None), Change("A", "south", 2, None)], {"A": {}})
    assert {code for _, code, _ in result.failed} == {"SEVERAL_LOCATIONS"} and not result.applied
    assert geins.stock_writes == []


def push(geins, order_id, tracking=Tracking("DHL", "JJD1", ""), complete=True):
    return ShipmentWriter(client_of(geins)).push(geins_shop(geins.base_url), str(order_id), {"number": "S-1"},
                                                 tracking, lambda: complete)


def test_a_partial_shipment_sets_tracking_and_a_comment_but_makes_no_parcel_group(geins):
    order = geins.add_order(geins.make_order([("1000", 2, "199.00")]))
    pushed = push(geins, order["Id"], complete=False)
    assert pushed.data == {"tracking": "JJD1", "parcel_group": "", "completed": False}
    assert geins.orders[order["Id"]]["ShippingDetails"][0]["ParcelNumber"] == "JJD1"
    assert geins.parcel_groups == [] and geins.comments[order["Id"]] == [
        "Shipped (BC shipment S-1), partly. Carrier: DHL. Tracking number: JJD1."]


def test_a_shipped_order_with_this_parcel_number_is_linked_not_written_again(geins):
    order = geins.add_order(geins.make_order([("1000", 1, "199.00")]))
    first = push(geins, order["Id"])
    assert first.data["completed"] is True and len(geins.parcel_groups) == 1
    again = push(geins, order["Id"])
    assert again.data["recovered"] is True
    assert len(geins.parcel_groups) == 1 and len(geins.comments[order["Id"]]) == 1


def test_cancelled_and_missing_orders_need_attention(geins):
    cancelled = geins.add_order(geins.make_order([("1000", 1, "199.00")], status="cancelled"))
    for order_id, code in ((cancelled["Id"], "shipped_after_cancel"), (4242, "shop_order_missing")):
        with pytest.raises(NeedsAttention) as err:
            push(geins, order_id)
        assert err.value.code == code
    assert geins.parcel_groups == [] and geins.comments == {}
