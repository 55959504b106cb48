"""The shop side of shipments over HTTP: the Shopify emulator's fulfillmentOrders / fulfillmentCreate (partial
shipments, over-fulfilment, status transitions) through the platform client and the flow's Shopify writer,
and the WooCommerce emulator's order update and notes through the Woo client."""

from __future__ import annotations

import httpx
import pytest

from core.config import ShipmentExport, Shop
from core.errors import NeedsAttention, Skip
from core.platforms.shopify.client import ShopifyClient
from core.platforms.woocommerce.client import WooClient
from core.sync import shipment_mapping as m
from core.sync.shipments import ShopifyShipmentWriter, WooShipmentWriter
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.woo_emulator import WooEmulator

pytestmark = pytest.mark.timeout(60)

SHOP = Shop(key="shopify-se", platform="shopify", url="https://x", webhook_secret_setting="S",
            items={"TEE-BLK": "1000:BLK"}, shipments=ShipmentExport(notify_customer=False, carriers={"DHL": "DHL"}))


@pytest.fixture
def shopify():
    emu = ShopifyEmulator(access_token="shpat_test").start()
    client = ShopifyClient(emu.base_url, "shpat_test")
    yield emu, client
    client.close()
    emu.stop()


@pytest.fixture
def woo():
    emu = WooEmulator().start()
    client = WooClient(emu.base_url, "ck_test", "cs_test")
    yield emu, client
    client.close()
    emu.stop()


def shipment(number: str, *lines: tuple[str, int]) -> dict:
    return {"number": number, "salesShipmentLines": [
        {"lineType": "Item", "lineObjectNumber": item, "quantity": qty, "sequence": 10000 * (i + 1)}
        for i, (item, qty) in enumerate(lines)]}


def never() -> bool:
    raise AssertionError("Shopify derives completeness from its fulfillment orders")


def test_partial_shipments_fulfil_step_by_step_and_close_the_fulfillment_order(shopify):
    emu, client = shopify
    order = emu.add_order(emu.make_order([("TEE-BLK", 3, "100.00"), ("2000", 1, "89.00")]))
    writer = ShopifyShipmentWriter(client)

    first = writer.push(SHOP, str(order["id"]), shipment("102001", ("1000", 2)), m.Tracking("DHL", "T1"), never)
    [fo] = emu.fulfillment_orders(order["id"])
    assert fo["status"] == "IN_PROGRESS"
    assert [(li["sku"], li["remaining"]) for li in fo["line_items"]] == [("TEE-BLK", 1), ("2000", 1)]
    assert emu.data.orders[order["id"]]["fulfillment_status"] == "partial"
    assert not first.attention and first.data["tracking"] == "T1"

    writer.push(SHOP, str(order["id"]), shipment("102002", ("1000", 1), ("2000", 1)), m.Tracking("DHL", "T2"), never)
    [fo] = emu.fulfillment_orders(order["id"])
    assert fo["status"] == "CLOSED" and all(li["remaining"] == 0 for li in fo["line_items"])
    assert emu.data.orders[order["id"]]["fulfillment_status"] == "fulfilled"
    done = emu.fulfillments(order["id"])
    assert [f["trackingInfo"][0]["number"] for f in done] == ["T1", "T2"]
    assert [sorted(i["quantity"] for i in f["fulfillmentLineItems"]) for f in done] == [[2], [1, 1]]
    assert all(f["notifyCustomer"] is False for f in done)

    with pytest.raises(Skip, match="nothing left to fulfil"):
        writer.push(SHOP, str(order["id"]), shipment("102003", ("1000", 1)), m.Tracking("DHL", "T3"), never)
    assert len(emu.fulfillments(order["id"])) == 2


def test_a_retry_after_a_lost_answer_finds_the_fulfilment_by_tracking_number(shopify):
    emu, client = shopify
    order = emu.add_order(emu.make_order([("2000", 1, "89.00")]))
    writer = ShopifyShipmentWriter(client)
    writer.push(SHOP, str(order["id"]), shipment("102001", ("2000", 1)), m.Tracking("DHL", "T9"), never)
    again = writer.push(SHOP, str(order["id"]), shipment("102001", ("2000", 1)), m.Tracking("DHL", "T9"), never)
    assert again.data["recovered"] is True
    assert len(emu.fulfillments(order["id"])) == 1


def test_a_shipment_of_items_the_order_does_not_have_needs_attention(shopify):
    emu, client = shopify
    order = emu.add_order(emu.make_order([("2000", 1, "89.00")]))
    with pytest.raises(NeedsAttention) as caught:
        ShopifyShipmentWriter(client).push(SHOP, str(order["id"]), shipment("102001", ("9999", 1)), m.Tracking(),
                                           never)
    assert caught.value.code == "shipment_unmatched" and "[shops.items]" in caught.value.resolution
    assert emu.fulfillments(order["id"]) == []


def test_more_shipped_than_ordered_fulfils_the_order_and_flags_the_rest(shopify):
    emu, client = shopify
    order = emu.add_order(emu.make_order([("2000", 1, "89.00")]))
    pushed = ShopifyShipmentWriter(client).push(SHOP, str(order["id"]), shipment("102001", ("2000", 3)),
                                                m.Tracking(), never)
    assert pushed.attention == "Not placed: item 2000: 2 of 3 shipped have no open line in the shop."
    [fulfillment] = emu.fulfillments(order["id"])
    assert fulfillment["trackingInfo"] == []


def test_fulfillment_create_refuses_over_fulfilment_and_closed_orders_and_changes_nothing(shopify):
    emu, client = shopify
    order = emu.add_order(emu.make_order([("2000", 2, "89.00")]))
    data = client.order_fulfillment(order["id"])
    [fo] = data["fulfillmentOrders"]["nodes"]
    [line] = fo["lineItems"]["nodes"]
    assert (fo["status"], line["remainingQuantity"], line["sku"]) == ("OPEN", 2, "2000")
    assert data["displayFulfillmentStatus"] == "UNFULFILLED" and data["fulfillments"] == []

    too_many = client.create_fulfillment([{"fulfillmentOrderId": fo["id"],
                                           "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 3}]}])
    assert too_many["fulfillment"] is None
    assert [e["message"] for e in too_many["userErrors"]] == ["Invalid fulfillment order line item quantity requested."]
    assert emu.fulfillment_orders(order["id"])[0]["line_items"][0]["remaining"] == 2

    whole = client.create_fulfillment([{"fulfillmentOrderId": fo["id"]}], tracking={"number": "X1", "company": ""})
    assert whole["userErrors"] == [] and whole["fulfillment"]["trackingInfo"][0]["number"] == "X1"
    assert client.order_fulfillment(order["id"])["displayFulfillmentStatus"] == "FULFILLED"
    closed = client.create_fulfillment([{"fulfillmentOrderId": fo["id"]}])
    assert "unfulfillable status= closed" in closed["userErrors"][0]["message"]
    assert client.order_fulfillment(999) is None


def test_fulfillment_orders_at_two_locations_are_fulfilled_in_one_call_each(shopify):
    emu, client = shopify
    order = emu.add_order(emu.make_order([("2000", 1, "89.00"), ("3000", 1, "249.00")]))
    emu.split_fulfillment_order(order["id"], ["3000"], emu.store_location)
    nodes = client.order_fulfillment(order["id"])["fulfillmentOrders"]["nodes"]
    both = client.create_fulfillment([{"fulfillmentOrderId": n["id"]} for n in nodes])
    assert "same location" in both["userErrors"][0]["message"]

    ShopifyShipmentWriter(client).push(SHOP, str(order["id"]), shipment("102001", ("2000", 1), ("3000", 1)),
                                       m.Tracking("DHL", "T5"), never)
    done = emu.fulfillments(order["id"])
    assert sorted(f["location"]["id"] for f in done) == sorted([emu.main_location, emu.store_location])
    assert all(fo["status"] == "CLOSED" for fo in emu.fulfillment_orders(order["id"]))


def test_woo_completes_the_order_only_when_bc_shipped_everything_and_notes_once(woo):
    emu, client = woo
    order = emu.add_order(emu.make_order([("woo-album", 2, "15.00")]))
    writer = WooShipmentWriter(client)
    shop = SHOP.model_copy(update={"key": "woo-se", "platform": "woocommerce"})

    partly = writer.push(shop, str(order["id"]), shipment("102001"), m.Tracking("DHL", "A1"), lambda: False)
    assert emu.orders[order["id"]]["status"] == "processing" and partly.data["completed"] is False
    writer.push(shop, str(order["id"]), shipment("102002"), m.Tracking("DHL", "A2"), lambda: True)
    assert emu.orders[order["id"]]["status"] == "completed"
    again = writer.push(shop, str(order["id"]), shipment("102002"), m.Tracking("DHL", "A2"), lambda: True)
    assert again.data["recovered"] is True
    notes = emu.order_notes(order["id"])
    assert [n["note"].split(" (")[0] for n in notes] == ["Partly shipped", "Shipped"]
    assert all(n["customer_note"] is False for n in notes)  # notify_customer = false
    assert [n["id"] for n in client.order_notes(order["id"])] == [n["id"] for n in reversed(notes)]


def test_woo_emulator_refuses_an_unknown_status_and_a_note_without_text(woo):
    emu, client = woo
    order = emu.add_order(emu.make_order([("woo-album", 1, "15.00")]))
    with pytest.raises(NeedsAttention, match="rest_invalid_param"):
        client.update_order(order["id"], {"status": "shipped"})
    without_text = httpx.post(f"{emu.base_url}/wp-json/wc/v3/orders/{order['id']}/notes", auth=("ck_test", "cs_test"),
                              json={"customer_note": False})  # WordPress checks that `note` is there, not its text
    assert without_text.status_code == 400 and without_text.json()["code"] == "rest_missing_callback_param"
    with pytest.raises(NeedsAttention, match="woocommerce_rest_shop_order_invalid_id"):
        client.order_notes(424242)
    assert emu.orders[order["id"]]["status"] == "processing" and emu.order_notes(order["id"]) == []
