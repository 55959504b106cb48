"""Shipments, the pure part: tracking details, BC shipment lines → shop fulfilment lines, note texts."""

from __future__ import annotations

from decimal import Decimal

from core.config import ShipmentExport, Shop
from core.sync import shipment_mapping as m

OPTIONS = ShipmentExport(
    carriers={"DHL": "DHL Express", "POSTNORD": "PostNord"},
    tracking_urls={"DHL": "https://www.dhl.com/se-en/home/tracking.html?tracking-id={tracking}"},
)


def shop(**items) -> Shop:
    return Shop(key="shopify-se", platform="shopify", url="https://x.myshopify.com", webhook_secret_setting="S",
                items=items, shipments=OPTIONS)


def line(number: str, quantity, line_type: str = "Item", sequence: int = 10000) -> dict:
    return {"lineType": line_type, "lineObjectNumber": number, "quantity": quantity, "sequence": sequence}


def fo(fo_id: str, rows: list[tuple[str, str, int]], status: str = "OPEN", location: str = "gid://shopify/Location/1"):
    """A fulfillmentOrder node as the client reads it; rows = (line item id, sku, remaining)."""
    return {"id": fo_id, "status": status, "assignedLocation": {"location": {"id": location}},
            "lineItems": {"nodes": [{"id": li, "remainingQuantity": rem, "totalQuantity": rem, "sku": sku,
                                     "variant": {"id": f"gid://shopify/ProductVariant/{li[-1]}"},
                                     "lineItem": {"id": f"gid://shopify/LineItem/{li[-1]}", "sku": sku,
                                                  "product": {"id": "gid://shopify/Product/9"}}}
                                    for li, sku, rem in rows]}}


# ---- tracking ----

def test_tracking_uses_the_carrier_name_and_the_url_template_with_the_number_encoded():
    tracking = m.tracking_for("DHL", " JJD 0001/23 ", OPTIONS)
    assert tracking == m.Tracking("DHL Express", "JJD 0001/23",
                                  "https://www.dhl.com/se-en/home/tracking.html?tracking-id=JJD%200001%2F23")


def test_tracking_without_a_template_or_mapping_keeps_the_agent_code_and_has_no_url():
    assert m.tracking_for("POSTNORD", "123", OPTIONS) == m.Tracking("PostNord", "123", "")
    assert m.tracking_for("BRING", "77", OPTIONS) == m.Tracking("BRING", "77", "")


def test_no_tracking_number_means_no_url_even_with_a_template():
    tracking = m.tracking_for("DHL", "", OPTIONS)
    assert tracking == m.Tracking("DHL Express", "", "") and not tracking.known


# ---- BC lines and SKUs ----

def test_shipped_quantities_count_item_lines_only_and_sum_repeated_items():
    lines = [line("1000", 2), line("3010", 1, "G/L Account", 20000), line("1000", 1, sequence=30000),
             line("2000", 0, sequence=40000), line("", 1, " ", 50000)]
    assert m.shipped_quantities(lines) == {"1000": Decimal(3)}


def test_a_shop_line_maps_to_its_bc_item_by_the_orders_convention():
    config = shop(**{"TEE-S-BLK": "1000:S-BLK", "42": "2000", "gid://shopify/Product/7": "3000"})
    assert m.item_number_for(config, sku="TEE-S-BLK") == "1000"  # ITEM:VARIANT → the item (lines have no variant)
    assert m.item_number_for(config, variant_id="gid://shopify/ProductVariant/42", sku="X") == "2000"
    assert m.item_number_for(config, product_id="gid://shopify/Product/7") == "3000"
    assert m.item_number_for(config, sku="ab-12") == "AB-12"  # unmapped SKU = item number (BC codes are upper)
    assert m.item_number_for(config) == ""


def test_open_lines_leave_out_closed_fulfillment_orders_and_lines_with_nothing_remaining():
    orders = [fo("FO1", [("L1", "1000", 2), ("L2", "2000", 0)]),
              fo("FO2", [("L3", "1000", 5)], status="CLOSED"),
              fo("FO3", [("L4", "3000", 1)], status="IN_PROGRESS", location="gid://shopify/Location/2")]
    lines = m.shopify_open_lines(shop(), orders)
    assert [(x.fulfillment_order_id, x.line_item_id, x.item_number, x.remaining, x.location_id) for x in lines] == [
        ("FO1", "L1", "1000", 2, "gid://shopify/Location/1"), ("FO3", "L4", "3000", 1, "gid://shopify/Location/2")]


# ---- allocation ----

def open_lines(orders, config=None):
    return m.shopify_open_lines(config or shop(), orders)


def test_a_full_shipment_fulfils_every_line():
    lines = open_lines([fo("FO1", [("L1", "1000", 2), ("L2", "2000", 1)])])
    allocation = m.allocate({"1000": Decimal(2), "2000": Decimal(1)}, lines)
    assert allocation.by_fulfillment_order == {"FO1": [("L1", 2), ("L2", 1)]}
    assert not allocation.problems and allocation.quantity == 3


def test_a_partial_shipment_fulfils_only_what_bc_shipped():
    lines = open_lines([fo("FO1", [("L1", "1000", 3), ("L2", "2000", 1)])])
    allocation = m.allocate({"1000": Decimal(2)}, lines)
    assert allocation.by_fulfillment_order == {"FO1": [("L1", 2)]}
    assert not allocation.problems


def test_one_bc_item_on_two_shop_lines_fills_them_in_the_shops_order():
    config = shop(**{"TEE-S-BLK": "1000:S-BLK", "TEE-S-WHT": "1000:S-WHT"})
    lines = open_lines([fo("FO1", [("L1", "TEE-S-BLK", 1), ("L2", "TEE-S-WHT", 2)])], config)
    assert m.allocate({"1000": Decimal(2)}, lines).by_fulfillment_order == {"FO1": [("L1", 1), ("L2", 1)]}


def test_more_shipped_than_the_shop_has_open_is_placed_as_far_as_possible_and_reported():
    lines = open_lines([fo("FO1", [("L1", "1000", 1)])])
    allocation = m.allocate({"1000": Decimal(3), "9999": Decimal(1)}, lines)
    assert allocation.by_fulfillment_order == {"FO1": [("L1", 1)]}
    assert allocation.unplaced == {"1000": Decimal(2), "9999": Decimal(1)}
    assert allocation.problems == ["item 1000: 2 of 3 shipped have no open line in the shop",
                                   "item 9999: no open line in the shop for 1 shipped"]


def test_a_fractional_quantity_is_not_fulfilled_but_reported():
    lines = open_lines([fo("FO1", [("L1", "1000", 2)])])
    allocation = m.allocate({"1000": Decimal("1.5")}, lines)
    assert allocation.empty and allocation.problems == ["item 1000: shipped quantity 1.5 is not a whole number"]


def test_fulfillment_orders_at_different_locations_become_separate_fulfilments():
    lines = open_lines([fo("FO1", [("L1", "1000", 1)]),
                        fo("FO2", [("L2", "2000", 1)], location="gid://shopify/Location/2"),
                        fo("FO3", [("L3", "3000", 1)])])
    allocation = m.allocate({"1000": Decimal(1), "2000": Decimal(1), "3000": Decimal(1)}, lines)
    assert allocation.groups_by_location() == [{"FO1": [("L1", 1)], "FO3": [("L3", 1)]}, {"FO2": [("L2", 1)]}]


# ---- notes (WooCommerce) ----

def test_the_note_names_the_bc_shipment_carrier_tracking_and_link():
    tracking = m.tracking_for("DHL", "JJD01", OPTIONS)
    note = m.shipment_note("102001", tracking, complete=True)
    assert note == ("Shipped (BC shipment 102001). Carrier: DHL Express. Tracking number: JJD01. Track your parcel: "
                    "https://www.dhl.com/se-en/home/tracking.html?tracking-id=JJD01")
    assert m.note_marker("102001") in note
    assert m.shipment_note("102002", m.Tracking(), complete=False) == "Partly shipped (BC shipment 102002)."
