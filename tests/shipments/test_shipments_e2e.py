"""Shipments end to end through the local stack: an order imported by webhook (sandbox Functions host →
Azurite queue → BC emulator), shipped in BC (`shipAndInvoice`), tracking set on the posted shipment (the
published Posted Sales Shipments page), then `export_shipments` → the shop emulators. Every assertion reads
the shop emulators, the BC emulator or the sync log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.state import SyncStatus
from core.sync import shipments
from core.sync.context import get_context
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(180)

SHIPMENT_OPTIONS = '''
[shops.shipments]
notify_customer = true
carriers = { "DHL" = "DHL Express", "POSTNORD" = "PostNord" }
tracking_urls = { "DHL" = "https://dhl.example/track?id={tracking}" }
'''


@pytest.fixture(scope="module")
def stack():
    with LocalStack() as s:
        text = s.config_path.read_text()
        text = text.replace('shipments_with_tracking = "PostedShipmentsTracking"',
                            'shipments_with_tracking = "PostedSalesShipments"', 1)
        text = text.replace('[shops.locations]\n"gid://shopify/Location/1" = ["MAIN"]\n',
                            '[shops.locations]\n"gid://shopify/Location/1" = ["MAIN"]\n' + SHIPMENT_OPTIONS, 1)
        text = text.replace('flows = ["orders", "stock"]', 'flows = ["orders", "stock", "shipments"]', 1)
        assert "PostedSalesShipments" in text and text.count("[shops.shipments]") == 1
        s.config_path.write_text(text)
        s.reload_config_from_file()
        yield s


def import_via_webhook(stack, shop_key: str, order: dict) -> str:
    """Send the order's webhook, wait for the import; returns the BC sales order number."""
    if shop_key == "shopify-demo":
        stack.send_shopify("orders/paid", order)
    else:
        stack.send_woo("order.created", order)
    stack.wait_until_settled()
    binding = get_context().bindings.get("order", shop_key, str(order["id"]))
    assert binding is not None and binding.is_bound and binding.bc_entity == "salesOrders", binding
    return binding.bc_number


def ship_in_bc(stack, order_number: str, tracking: str = "", agent: str = "") -> str:
    """Post shipment and invoice of the BC order; set tracking on the posted shipment; its number."""
    company = stack.company_id("se")
    ctx = get_context()
    [order] = stack.bc.records(company, "salesOrders", number=order_number)
    ctx.bc.company(company).action("salesOrders", order["id"], "shipAndInvoice")
    [shipment] = stack.bc.records(company, "salesShipments", orderNumber=order_number)
    if tracking or agent:
        stack.bc.set_shipment_tracking(company, shipment["number"], tracking, agent)
    return shipment["number"]


def test_a_shopify_order_shipped_in_bc_gets_one_fulfilment_with_tracking_and_only_once(stack):
    order = stack.shopify.add_order(stack.shopify.make_order(
        [("1000", 2, "199.00"), ("2000", 1, "89.00")], email="anna.andersson@example.com"))
    bc_order = import_via_webhook(stack, "shopify-demo", order)
    shipment_no = ship_in_bc(stack, bc_order, tracking="JJD000123", agent="DHL")

    assert shipments.export_shipments(get_context()) == 1

    [fulfillment] = stack.shopify.fulfillments(order["id"])
    assert fulfillment["trackingInfo"] == [{"company": "DHL Express", "number": "JJD000123",
                                            "url": "https://dhl.example/track?id=JJD000123"}]
    assert fulfillment["notifyCustomer"] is True
    assert sorted(i["quantity"] for i in fulfillment["fulfillmentLineItems"]) == [1, 2]
    [fo] = stack.shopify.fulfillment_orders(order["id"])
    assert fo["status"] == "CLOSED"
    record = stack.synclog.get("shipments", "shopify-demo", f"se:{shipment_no}")
    assert record.status is SyncStatus.SUCCESS and "JJD000123" in record.message
    binding = get_context().bindings.get("shipment", "shopify-demo", f"se:{shipment_no}")
    assert binding.is_bound and binding.data["fulfillments"] == [fulfillment["id"]]

    # the next runs (overlapping window, and a later one) create nothing new
    assert shipments.export_shipments(get_context()) == 0
    assert shipments.export_shipments(get_context(), now=datetime.now(UTC) + timedelta(minutes=10)) == 0
    assert len(stack.shopify.fulfillments(order["id"])) == 1


def test_a_woocommerce_order_shipped_in_bc_is_completed_with_a_tracking_note_once(stack):
    order = stack.woo.add_order(stack.woo.make_order([("3000", 1, "249.00")]))
    bc_order = import_via_webhook(stack, "woo-demo", order)
    shipment_no = ship_in_bc(stack, bc_order, tracking="00340434161234567890", agent="POSTNORD")

    assert shipments.export_shipments(get_context()) == 1

    assert stack.woo.orders[order["id"]]["status"] == "completed"
    assert stack.woo.orders[order["id"]]["date_completed_gmt"]
    [note] = stack.woo.order_notes(order["id"])
    assert note["customer_note"] is True
    # woo-demo maps no carriers: the BC shipping agent code is the carrier name
    assert note["note"] == f"Shipped (BC shipment {shipment_no}). Carrier: POSTNORD. Tracking number: " \
                           "00340434161234567890."
    assert stack.synclog.get("shipments", "woo-demo", f"se:{shipment_no}").status is SyncStatus.SUCCESS

    assert shipments.export_shipments(get_context()) == 0
    assert len(stack.woo.order_notes(order["id"])) == 1


def test_a_shipment_waits_for_its_tracking_number_and_goes_out_when_the_warehouse_adds_it(stack):
    order = stack.shopify.add_order(stack.shopify.make_order([("2000", 1, "89.00")],
                                                             email="anna.andersson@example.com"))
    bc_order = import_via_webhook(stack, "shopify-demo", order)
    shipment_no = ship_in_bc(stack, bc_order)  # posted without a tracking number
    ctx = get_context()

    assert shipments.export_shipments(ctx) == 0
    assert stack.shopify.fulfillments(order["id"]) == []
    assert ctx.bindings.get("shipment", "shopify-demo", f"se:{shipment_no}") is None
    held = ctx.cursors.get("shipments", "se")

    stack.bc.set_shipment_tracking(stack.company_id("se"), shipment_no, "JJD000777", "DHL")
    assert shipments.export_shipments(ctx) == 1
    [fulfillment] = stack.shopify.fulfillments(order["id"])
    assert fulfillment["trackingInfo"][0]["number"] == "JJD000777"
    assert ctx.cursors.get("shipments", "se") > held  # no longer held back by the waiting shipment


def test_a_failing_shop_order_is_logged_and_does_not_stop_the_next_shipment(stack):
    # an order cancelled in WooCommerce after import, then shipped in BC: needs a person; another ships fine
    bad = stack.woo.add_order(stack.woo.make_order([("2000", 1, "89.00")]))
    good = stack.woo.add_order(stack.woo.make_order([("1000", 1, "199.00")]))
    bad_no = ship_in_bc(stack, import_via_webhook(stack, "woo-demo", bad), tracking="111", agent="POSTNORD")
    good_no = ship_in_bc(stack, import_via_webhook(stack, "woo-demo", good), tracking="222", agent="POSTNORD")
    stack.woo.orders[bad["id"]]["status"] = "cancelled"

    assert shipments.export_shipments(get_context()) == 1
    record = stack.synclog.get("shipments", "woo-demo", f"se:{bad_no}")
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "shipped_after_cancel"
    assert record.resolution
    assert stack.synclog.get("shipments", "woo-demo", f"se:{good_no}").status is SyncStatus.SUCCESS
    assert stack.woo.orders[good["id"]]["status"] == "completed"
    assert stack.woo.order_notes(bad["id"]) == []
    # the failed shipment is tried again on the next run (the cursor was held back), still not pushed twice
    assert shipments.export_shipments(get_context()) == 0
    assert stack.synclog.get("shipments", "woo-demo", f"se:{bad_no}").attempts == 2
    assert len(stack.woo.order_notes(good["id"])) == 1


def test_without_the_tracking_page_shipments_go_out_at_once_without_tracking_and_the_log_says_so(stack, caplog):
    # runs last in this module: it removes the page from the config
    text = stack.config_path.read_text().replace('shipments_with_tracking = "PostedSalesShipments"',
                                                 'shipments_with_tracking = ""', 1)
    stack.config_path.write_text(text)
    stack.reload_config_from_file()
    shipments._warned_without_tracking.clear()
    order = stack.shopify.add_order(stack.shopify.make_order([("3000", 1, "249.00")],
                                                             email="anna.andersson@example.com"))
    shipment_no = ship_in_bc(stack, import_via_webhook(stack, "shopify-demo", order), tracking="NOT-READ",
                             agent="DHL")
    with caplog.at_level("WARNING", logger="core.sync.shipments"):
        assert shipments.export_shipments(get_context()) == 1
    [fulfillment] = stack.shopify.fulfillments(order["id"])
    assert fulfillment["trackingInfo"] == []
    assert "WITHOUT tracking numbers" in caplog.text and "shipments_with_tracking" in caplog.text
    record = stack.synclog.get("shipments", "shopify-demo", f"se:{shipment_no}")
    assert record.status is SyncStatus.SUCCESS and record.message.endswith("without tracking.")
