"""Norce orders end to end through the local stack (sandbox Functions host, Azurite, BC emulator) from the
Norce emulator: an OrderConfirmedEvent fetched with GetOrderByBasket, an Order Receiver push answered with an
OrderResponse, both for one order (one BC order), and the reconcile's Query listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from core.state import SyncStatus
from core.sync import orders, shipments
from core.sync.context import Context, bc_client_from_config, get_context
from sandbox.norce_emulator import NorceEmulator
from sandbox.stack import LocalStack
from tests.platforms_norce.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    RECEIVER_PASSWORD,
    RECEIVER_USER,
    SETTINGS,
    norce_toml,
)

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def norce_module():
    emu = NorceEmulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, application_id="1234", account_id=7,
                        page_size=2).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def stack(norce_module):
    with LocalStack(config_extra=norce_toml(norce_module.base_url), settings=SETTINGS) as s:
        yield s


def bc_orders(stack, ext_no: str) -> list[dict]:
    return [o for o in stack.bc.records(stack.company_id("se"), "salesOrders") if o["externalDocumentNumber"] == ext_no]


def receiver_url(stack, shop: str = "norce-demo") -> str:
    return f"{stack.host.base_url}/api/norce/orders/{shop}"


def test_an_order_confirmed_event_becomes_one_bc_order_to_the_cent(stack, norce_module):
    norce = norce_module
    # two lines (one discounted), freight as a Fee item, 25 % VAT on ex-VAT prices
    order = norce.add_order(norce.make_order([("1000", 2, "159.20", "15.92"), ("2000", 1, "71.20")],
                                             freight="39.20"))
    response = norce.send_event(stack.webhook_url("norce-demo"), order["basket"],
                                secret=stack.secret("norce-demo"))
    assert response.status_code == 200 and response.text == "queued"
    stack.wait_until_settled()
    [bc] = bc_orders(stack, f"NC-{order['order_no']}")
    assert Decimal(str(bc["totalAmountIncludingTax"])) == order["total"] == Decimal("496.20")
    assert bc["pricesIncludeTax"] is False
    lines = stack.bc.records(stack.company_id("se"), "salesOrderLines", documentId=bc["id"])
    assert sorted((ln["lineObjectNumber"], float(ln["quantity"])) for ln in lines) == [
        ("1000", 2.0), ("2000", 1.0), ("3010", 1.0)]  # freight → the shipping G/L account
    record = stack.synclog.get("orders", "norce-demo", order["basket"])
    assert record.status is SyncStatus.SUCCESS
    assert ("GET", f"/commerce/order/1.1/GetOrderByBasket?basketId={order['basket']}") in norce.requests
    # BC has it: Norce hears "Confirmed" for the basket (the Order Receiver gave no ERP number)
    assert {"ClientOrderRef": int(order["basket"]), "OrderStatus": "Confirmed", "AccountId": 7} in norce.order_statuses
    assert "Confirmed" in record.message


def test_a_pushed_order_is_answered_ok_once_stored_and_imported_once_with_its_event(stack, norce_module):
    norce = norce_module
    order = norce.add_order(norce.make_order([("3000", 3, "199.20")], freight="39.20"))
    url = receiver_url(stack)
    answer = norce.push_order(url, order["basket"], user=RECEIVER_USER, password=RECEIVER_PASSWORD)
    assert answer.status_code == 200
    body = answer.json()
    assert body["StatusCode"] == "OK" and body["HasErpOrderNo"] is False and body["ErpOrderNo"] == ""
    assert order["basket"] in body["Description"]
    # Norce retries a push whose answer it lost, and the event for the same order arrives too
    again = norce.push_order(url, order["basket"], user=RECEIVER_USER, password=RECEIVER_PASSWORD)
    assert again.json()["StatusCode"] == "OK"
    norce.send_event(stack.webhook_url("norce-demo"), order["basket"], secret=stack.secret("norce-demo"))
    stack.wait_until_settled()
    [bc] = bc_orders(stack, f"NC-{order['basket']}")
    assert Decimal(str(bc["totalAmountIncludingTax"])) == order["total"]
    record = stack.synclog.get("orders", "norce-demo", order["basket"])
    assert record.status is SyncStatus.SUCCESS


def test_norce_down_when_told_confirmed_leaves_the_bc_order_imported(stack, norce_module):
    norce = norce_module
    order = norce.add_order(norce.make_order([("2000", 2, "71.20")]))
    norce.fail_next(400)  # the push needs no fetch: the next Norce API call is SendOrderStatus
    answer = norce.push_order(receiver_url(stack), order["basket"], user=RECEIVER_USER, password=RECEIVER_PASSWORD)
    assert answer.json()["StatusCode"] == "OK"
    stack.wait_until_settled()
    [bc] = bc_orders(stack, f"NC-{order['basket']}")
    record = stack.synclog.get("orders", "norce-demo", order["basket"])
    assert record.status is SyncStatus.SUCCESS and "not told" in record.message
    assert not [s for s in norce.order_statuses if s["ClientOrderRef"] == int(order["basket"])]


def test_the_order_receiver_refuses_without_the_right_basic_credentials(stack, norce_module):
    norce = norce_module
    order = norce.add_order(norce.make_order([("2000", 1, "71.20")]))
    url = receiver_url(stack)
    for user, password in ((RECEIVER_USER, "wrong"), ("someone", RECEIVER_PASSWORD)):
        assert norce.push_order(url, order["basket"], user=user, password=password).status_code == 401
    assert httpx.post(url, json=norce.order_request(order["basket"]), timeout=10).status_code == 401
    assert norce.push_order(receiver_url(stack, "shopify-demo"), order["basket"], user=RECEIVER_USER,
                            password=RECEIVER_PASSWORD).status_code == 401  # not a Norce shop
    assert stack.synclog.get("orders", "norce-demo", order["basket"]) is None  # nothing stored


def test_an_unreadable_push_is_kept_and_answered_failed(stack, norce_module):
    answer = norce_module.push_order(receiver_url(stack), "x", user=RECEIVER_USER, password=RECEIVER_PASSWORD,
                                     body=b'{"Items": "not a list"}')
    assert answer.status_code == 200
    assert answer.json()["StatusCode"] == "Failed" and "OrderRequest" in answer.json()["Description"]
    kept = [r for r in stack.synclog.query(flow="webhooks") if r.status is SyncStatus.NEEDS_ATTENTION
            and r.shop == "norce-demo"]
    assert kept and kept[-1].code == "malformed_payload"


def test_the_reconcile_lists_orders_created_in_its_window_across_pages(stack, norce_module, monkeypatch):
    norce = norce_module
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)  # a window no other test uses
    made = [norce.add_order(norce.make_order([("2000", n, "71.20")], created=start + timedelta(minutes=n)))
            for n in (1, 2, 3)]
    norce.add_order(norce.make_order([("2000", 1, "71.20")], created=start + timedelta(hours=2)))  # outside
    ctx = Context(config=stack.config, storage=stack.storage,
                  bc_factory=lambda cfg: bc_client_from_config(cfg, stack.settings))
    shop = stack.config.shop("norce-demo")
    for name, value in SETTINGS.items():  # the client is built in this process, not in the host
        monkeypatch.setenv(name, value)
    queued = orders.enqueue_changed_orders(ctx, shop, start, start + timedelta(hours=1))
    assert queued == 3  # page size 2: the nextLink was followed
    stack.wait_until_settled()
    for order in made:
        [bc] = bc_orders(stack, f"NC-{order['order_no']}")
        assert Decimal(str(bc["totalAmountIncludingTax"])) == order["total"]


def test_a_norce_order_shipped_in_bc_gets_one_delivery_note_with_tracking_and_its_status(stack, norce_module):
    norce = norce_module
    order = norce.add_order(norce.make_order([("1000", 2, "159.20"), ("2000", 1, "71.20")]))
    norce.send_event(stack.webhook_url("norce-demo"), order["basket"], secret=stack.secret("norce-demo"))
    stack.wait_until_settled()
    binding = get_context().bindings.get("order", "norce-demo", order["basket"])
    assert binding is not None and binding.is_bound
    company = stack.company_id("se")
    ctx = get_context()
    [bc] = stack.bc.records(company, "salesOrders", number=binding.bc_number)
    ctx.bc.company(company).action("salesOrders", bc["id"], "shipAndInvoice")
    [shipment] = stack.bc.records(company, "salesShipments", orderNumber=binding.bc_number)
    stack.bc.set_shipment_tracking(company, shipment["number"], "JJD000999", "DHL")

    assert shipments.export_shipments(get_context()) == 1
    [note] = [n for n in norce.delivery_notes if n["OrderNo"] == order["order_no"]]
    assert note["NoteNo"] == shipment["number"] and note["DeliveryMode"] == "DHL"
    assert note["DeliveryNotePackages"] == [{"ParcelNumber": "JJD000999"}]
    assert sorted((i["ItemNo"], i["Qty"], i["RowNumber"]) for i in note["DeliverynoteItems"]) == [
        ("1000", 2, 1), ("2000", 1, 2)]  # the freight row is not a delivered item
    assert {"ClientOrderRef": int(order["basket"]), "OrderStatus": "Delivered", "AccountId": 7} in \
        norce.order_statuses
    record = stack.synclog.get("shipments", "norce-demo", f"se:{shipment['number']}")
    assert record.status is SyncStatus.SUCCESS and "JJD000999" in record.message
    # the same posting invoiced the order in full: Norce hears Invoiced, after Delivered
    statuses = [s["OrderStatus"] for s in norce.order_statuses if s["ClientOrderRef"] == int(order["basket"])]
    assert statuses == ["Confirmed", "Delivered", "Invoiced"]
    [invoice] = stack.bc.records(company, "salesInvoices", orderNumber=binding.bc_number)
    record = stack.synclog.get("shipments", "norce-demo", f"se:invoice:{invoice['number']}")
    assert record.status is SyncStatus.SUCCESS and "Invoiced" in record.message
    assert shipments.export_shipments(get_context()) == 0  # once
    assert len([n for n in norce.delivery_notes if n["OrderNo"] == order["order_no"]]) == 1
    assert [s["OrderStatus"] for s in norce.order_statuses if s["ClientOrderRef"] == int(order["basket"])] == statuses


def test_invoiced_waits_for_the_delivery_note_of_its_order(stack, norce_module):
    norce = norce_module
    order = norce.add_order(norce.make_order([("2000", 1, "71.20")]))
    norce.send_event(stack.webhook_url("norce-demo"), order["basket"], secret=stack.secret("norce-demo"))
    stack.wait_until_settled()
    binding = get_context().bindings.get("order", "norce-demo", order["basket"])
    company = stack.company_id("se")
    [bc] = stack.bc.records(company, "salesOrders", number=binding.bc_number)
    get_context().bc.company(company).action("salesOrders", bc["id"], "shipAndInvoice")
    [shipment] = stack.bc.records(company, "salesShipments", orderNumber=binding.bc_number)
    stack.bc.set_shipment_tracking(company, shipment["number"], "JJD000777", "DHL")
    norce.fail_next(400)  # the shipment's GetOrderByBasket: the delivery note fails this run

    shipments.export_shipments(get_context())
    mine = [s["OrderStatus"] for s in norce.order_statuses if s["ClientOrderRef"] == int(order["basket"])]
    assert mine == ["Confirmed"]  # no Invoiced before the delivery note
    shipments.export_shipments(get_context())  # the cursor held: both are read again
    mine = [s["OrderStatus"] for s in norce.order_statuses if s["ClientOrderRef"] == int(order["basket"])]
    assert mine == ["Confirmed", "Delivered", "Invoiced"]


def test_an_invoice_whose_shipment_is_from_before_the_window_does_not_wait_for_it(stack, norce_module):
    from core.state.cursors import Window

    norce = norce_module
    order = norce.add_order(norce.make_order([("2000", 2, "71.20")]))
    norce.send_event(stack.webhook_url("norce-demo"), order["basket"], secret=stack.secret("norce-demo"))
    stack.wait_until_settled()
    binding = get_context().bindings.get("order", "norce-demo", order["basket"])
    company = stack.company_id("se")
    [bc] = stack.bc.records(company, "salesOrders", number=binding.bc_number)
    get_context().bc.company(company).action("salesOrders", bc["id"], "shipAndInvoice")
    now = datetime.now(UTC)
    with stack.bc.store.lock:  # the shipment was posted two hours ago, before the flow's window
        table = stack.bc.store.company(company).table("salesShipments")
        [shipment] = [r for r in table.values() if r.get("orderNumber") == binding.bc_number]
        shipment["lastModifiedDateTime"] = (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ctx = get_context()
    window = ctx.cursors.window("shipments", "se", start=now - timedelta(days=7), overlap=timedelta(minutes=10),
                                now=now - timedelta(minutes=1))
    ctx.cursors.advance("shipments", "se", Window(since=window.since, until=now - timedelta(minutes=1),
                                                  etag=window.etag))
    shipments.export_shipments(get_context())
    mine = [s["OrderStatus"] for s in norce.order_statuses if s["ClientOrderRef"] == int(order["basket"])]
    assert mine == ["Confirmed", "Invoiced"]  # the old shipment is never read, so the invoice does not wait


def test_an_order_cancelled_in_norce_is_removed_from_bc(stack, norce_module):
    norce = norce_module
    order = norce.add_order(norce.make_order([("2000", 3, "71.20")]))
    norce.send_event(stack.webhook_url("norce-demo"), order["basket"], secret=stack.secret("norce-demo"))
    stack.wait_until_settled()
    assert len(bc_orders(stack, f"NC-{order['order_no']}")) == 1
    order["status"] = "Cancelled"  # what GetOrderByBasket now answers
    response = norce.send_event(stack.webhook_url("norce-demo"), order["basket"], secret=stack.secret("norce-demo"),
                                event="OrderCancelledEvent")
    assert response.status_code == 200 and response.text == "queued"
    stack.wait_until_settled()
    assert bc_orders(stack, f"NC-{order['order_no']}") == []
    binding = get_context().bindings.get("order", "norce-demo", order["basket"])
    assert binding.is_cancelled
