"""Geins StockWriter and ShipmentWriter against the emulator: rows Geins lists as Invalid or NotFound are
partial failures per SKU, never applied; shipments link instead of writing twice, and refuse cancelled or
missing orders."""

from __future__ import annotations

import pytest

from core.errors import NeedsAttention
from core.platforms import part
from core.platforms.geins import parse
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


def push(geins, order_id, tracking=Tracking("DHL", "JJD1", ""), complete=True, lines=(), number="S-1"):
    shipment = {"number": number, "salesShipmentLines": [{"lineType": "Item", "lineObjectNumber": item,
                                                          "quantity": quantity} for item, quantity in lines]}
    return ShipmentWriter(client_of(geins)).push(geins_shop(geins.base_url), str(order_id), shipment, tracking,
                                                 lambda: complete)


def test_a_partial_shipment_that_ships_no_whole_row_sets_tracking_and_a_comment_only(geins):
    order = geins.add_order(geins.make_order([("1000", 2, "199.00")]))
    pushed = push(geins, order["Id"], complete=False, lines=[("1000", 1)])  # one of the row's two
    assert pushed.data == {"tracking": "JJD1", "parcel_group": "", "completed": False, "rows": []}
    assert geins.orders[order["Id"]]["ShippingDetails"][0]["ParcelNumber"] == "JJD1"
    assert geins.parcel_groups == [] and geins.comments[order["Id"]] == [
        "Shipped (BC shipment S-1), partly. Carrier: DHL. Tracking number: JJD1."]


def test_a_partial_shipment_delivers_the_rows_it_ships_whole_and_the_last_one_the_rest(geins):
    order = geins.add_order(geins.make_order([("1000", 1, "199.00"), ("2000", 2, "89.00")]))
    mug, cup = order["Rows"][0]["Id"], order["Rows"][1]["Id"]
    first = push(geins, order["Id"], complete=False, lines=[("1000", 1), ("2000", 1)])
    assert first.data["rows"] == [str(mug)] and not first.data["completed"]
    [group] = geins.parcel_groups
    # OrderIds is required; OrderRowIds limits the rows of the orders listed there (G1 ParcelGroupOptions)
    assert (group["OrderIds"], group["OrderRowIds"], group["MarkAsDelivered"]) == ([order["Id"]], [mug], True)
    assert [r["Status"] for r in geins.orders[order["Id"]]["Rows"]] == ["shipped", "ready"]

    last = push(geins, order["Id"], Tracking("DHL", "JJD2", ""), complete=True, lines=[("2000", 1)], number="S-2")
    assert last.data["completed"] is True and last.data["rows"] == [str(cup)]
    assert (geins.parcel_groups[1]["OrderIds"], geins.parcel_groups[1]["OrderRowIds"]) == ([order["Id"]], [cup])
    assert geins.orders[order["Id"]]["Rows"][0]["ParcelGroupId"] == group["Id"]  # the first row kept its group
    assert [r["Status"] for r in geins.orders[order["Id"]]["Rows"]] == ["shipped", "shipped"]
    assert geins.orders[order["Id"]]["ShippingDetails"][0]["ParcelNumber"] == "JJD2"
    assert len(geins.comments[order["Id"]]) == 2


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


def product_change(item: str, prices: tuple[str, ...]):
    from decimal import Decimal

    from core.sync.product_mapping import ProductChange, ShopProduct, ShopVariant

    variants = tuple(ShopVariant(f"{item}-{n}", f"V{n}", f"V{n}", Decimal(p)) for n, p in enumerate(prices))
    product = ShopProduct(item, "Title", "ACTIVE", "", variants, has_options=len(variants) > 1)
    return ProductChange(product, {}, variants)


def price_writer(geins, price_list=1000000, include_vat=True):
    from core.platforms.geins.flows import ProductWriter

    return ProductWriter(client_of(geins, price_list=price_list, prices_include_tax=include_vat))


def test_prices_one_per_product_variant_prices_that_differ_are_refused_not_averaged(geins):
    geins.add_product("P1")
    geins.add_product("P2")
    result = price_writer(geins).update([product_change("P1", ("10.00", "10.00")),
                                         product_change("P2", ("10.00", "12.00"))], {})
    assert [c.item for c in result.applied] == ["P1"] and geins.products["P1"]["Prices"] == {1000000: 10.0}
    [(change, reason)] = result.failed
    assert change.item == "P2" and "10.00, 12.00" in reason and geins.products["P2"]["Prices"] == {}


@pytest.mark.parametrize("price_list, include_vat, code", [
    (None, True, "geins_price_list_missing"), (1000002, True, "geins_price_list_missing"),
    (7000000, True, "geins_price_list_missing"), (1000000, False, "geins_price_basis_mismatch")])
def test_a_price_list_that_cannot_take_the_prices_needs_attention_before_any_write(geins, price_list, include_vat,
                                                                                    code):
    with pytest.raises(NeedsAttention) as err:
        price_writer(geins, price_list, include_vat).update([product_change("P1", ("10.00",))], {})
    assert err.value.code == code and geins.price_writes == []


def test_creating_products_in_geins_is_refused_per_product(geins):
    result = price_writer(geins).create([product_change("NEW", ("5.00",)).product])
    assert [p.item for p, _ in result.failed] == ["NEW"] and result.calls == 0


def test_new_refunds_groups_entries_per_return_and_moment(geins):
    from datetime import UTC, datetime, timedelta

    from core.platforms.geins.flows import new_refunds

    t0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    order = geins.add_order(geins.make_order([("1000", 2, "199.00"), ("2000", 1, "89.00")], updated=t0))
    first, second = order["Rows"][0]["Id"], order["Rows"][1]["Id"]
    early = geins.add_refund(order["Id"], [(first, "199.00")], return_id=1, created=t0 - timedelta(hours=3))
    together = geins.add_refund(order["Id"], [(first, "199.00"), (second, "89.00")], return_id=2, created=t0)
    geins.touch_order(order["Id"], t0 + timedelta(minutes=1))
    shop = geins_shop(geins.base_url, ("orders", "refunds"))
    deliveries = list(new_refunds(client_of(geins), shop, t0 - timedelta(minutes=5), t0 + timedelta(minutes=5)))
    # every refund of the changed order, one delivery each (the flow skips those already in BC)
    assert [d.external_id for d in deliveries] == [f"{order['Id']}-{early[0]['Id']}",
                                                   f"{order['Id']}-{min(e['Id'] for e in together)}"]
    assert [e["Id"] for e in deliveries[1].payload["Refunds"]] == [e["Id"] for e in together]
    assert deliveries[1].refund_ids == (deliveries[1].external_id,)
    assert parse.parse_refund(deliveries[1].payload, "s").total == 288
    # an order not changed in the window brings none
    assert list(new_refunds(client_of(geins), shop, t0 + timedelta(hours=1), t0 + timedelta(hours=2))) == []
    assert part("geins", "new_refunds") is new_refunds
