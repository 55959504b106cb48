"""Brink end to end through the local stack: a Brink event (static secret header) → sandbox Functions host →
Azurite queue → import worker → BC emulator; and stock from the BC emulator into the Brink emulator."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.state import SyncStatus
from core.sync import products, shipments, stock
from core.sync.context import get_context
from sandbox.brink_emulator import BrinkEmulator
from sandbox.stack import LocalStack
from tests.platforms_brink.conftest import API_KEY

pytestmark = pytest.mark.timeout(240)

SHOP = "brink-demo"


def brink_config(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "brink"
url = "{url}"
webhook_secret_setting = "BRINK_DEMO_WEBHOOK_SECRET"
api_token_setting = "BRINK_DEMO_API_KEY"
flows = ["orders", "stock", "shipments", "products", "refunds"]

[shops.products]
item_filter = "number in ('1000', '2000')"
store_group_id = "default"
countries = ["SE", "FI"]

[shops.shipments]
carriers = {{ "DHL" = "DHL Express" }}
tracking_urls = {{ "DHL" = "https://dhl.example/track?id={{tracking}}" }}

[shops.orders]
prefix = "BR-"
on_update = "apply"

[shops.stock]
committed = "none"

[[routing]]
shop = "{SHOP}"
company = "se"
'''


@pytest.fixture(scope="module")
def brink():
    emu = BrinkEmulator(api_key=API_KEY).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def stack(brink):
    with pytest.MonkeyPatch.context() as mp, LocalStack(config_extra=brink_config(brink.base_url),
                                                        settings={"BRINK_DEMO_API_KEY": API_KEY}) as s:
        for name, value in s.settings.items():  # what the Functions host has, for the in-process runs
            mp.setenv(name, value)
        yield s


def send(stack, brink, body: dict, flow: str = "orders"):
    response = brink.send_event(stack.webhook_url(SHOP), body, stack.secret(SHOP))
    assert response.status_code == 200, response.text
    stack.wait_until_settled(flow=flow)
    return response


def bc_orders(stack, reference: str) -> list[dict]:
    return [o for o in stack.bc.records(stack.company_id("se"), "salesOrders")
            if o["externalDocumentNumber"] == f"BR-{reference}"]


def lines_of(stack, order: dict) -> list[tuple[str, float]]:
    rows = stack.bc.records(stack.company_id("se"), "salesOrderLines", documentId=order["id"])
    return sorted((r["lineObjectNumber"], float(r["quantity"])) for r in rows)


def test_an_order_created_event_becomes_one_sales_order_to_the_cent(stack, brink):
    order = brink.add_order(brink.make_order([("1000", 2, "199.00"), ("2000", 1, "89.00")]))
    send(stack, brink, brink.event(order, "OrderCreated"))
    [bc] = bc_orders(stack, order["reference"])
    assert bc["pricesIncludeTax"] is True and float(bc["totalAmountIncludingTax"]) == 536.00
    assert bc["customerNumber"] == "20000"  # matched by e-mail (Anna Andersson)
    assert lines_of(stack, bc) == [("1000", 2.0), ("2000", 1.0), ("3010", 1.0)]
    record = stack.synclog.get("orders", SHOP, order["id"])
    assert record.status is SyncStatus.SUCCESS and record.bc_document == f"salesOrders {bc['number']}"
    binding = get_context().bindings.get("order", SHOP, order["id"])
    assert binding.data["shop_version"] == "00000000000000000001"
    assert brink.counters["requests"] == 0  # the event carried the order: no fetch


def test_prices_excluding_tax_reach_bc_to_the_cent(stack, brink):
    order = brink.add_order(brink.make_order([("1000", 3, "159.20")], includes_tax=False, line_discount="7.60",
                                             shipping="39.20"))
    send(stack, brink, brink.event(order))
    [bc] = bc_orders(stack, order["reference"])
    assert bc["pricesIncludeTax"] is False
    # (3 × 159.20 − 7.60 + 39.20) × 1.25 = 509.20 × 1.25 = 636.50
    assert float(bc["totalAmountIncludingTax"]) == 636.50 and float(bc["totalAmountExcludingTax"]) == 509.20


def test_out_of_order_versions_end_at_the_latest(stack, brink):
    order = brink.add_order(brink.make_order([("1000", 1, "199.00")]))
    v2 = brink.update_order(order["id"], [("1000", 2, "199.00")])
    v3 = brink.update_order(order["id"], [("1000", 3, "199.00")])
    send(stack, brink, brink.event(order, "OrderCreated"))
    send(stack, brink, brink.event(v3, "OrderUpdated"))
    [bc] = bc_orders(stack, order["reference"])
    assert lines_of(stack, bc)[0] == ("1000", 3.0) and float(bc["totalAmountIncludingTax"]) == 646.00
    send(stack, brink, brink.event(v2, "OrderUpdated"))  # late: an older version
    [bc] = bc_orders(stack, order["reference"])
    assert lines_of(stack, bc)[0] == ("1000", 3.0) and float(bc["totalAmountIncludingTax"]) == 646.00
    assert "An older event never changes BC" in stack.synclog.get("orders", SHOP, order["id"]).history[-1]["message"]
    binding = get_context().bindings.get("order", SHOP, order["id"])
    assert binding.data["shop_version"] == "00000000000000000003"


def test_the_same_version_twice_is_one_event_a_new_version_is_not(stack, brink):
    order = brink.add_order(brink.make_order([("2000", 1, "89.00")]))
    send(stack, brink, brink.event(order))
    again = brink.send_event(stack.webhook_url(SHOP), brink.event(order, "OrderUpdated"), stack.secret(SHOP))
    assert again.status_code == 200 and again.text != "queued"  # dropped at receipt: the same version
    v2 = brink.update_order(order["id"], [("2000", 2, "89.00")])
    send(stack, brink, brink.event(v2, "OrderUpdated"))
    [bc] = bc_orders(stack, order["reference"])
    assert lines_of(stack, bc)[0] == ("2000", 2.0)


def test_a_legacy_id_only_webhook_fetches_the_order(stack, brink):
    order = brink.add_order(brink.make_order([("3000", 1, "249.00")], shipping="0"))
    response = brink.send_legacy(stack.webhook_url(SHOP), order["id"], "success", stack.secret(SHOP))
    assert response.status_code == 200 and response.text == "queued"
    stack.wait_until_settled()
    [bc] = bc_orders(stack, order["reference"])
    assert float(bc["totalAmountIncludingTax"]) == 249.00 and lines_of(stack, bc) == [("3000", 1.0)]
    # the same state again (formerly dropped as order:<id>:success) is fetched again and finds nothing new
    brink.update_order(order["id"], [("3000", 2, "249.00")], shipping="0")
    response = brink.send_legacy(stack.webhook_url(SHOP), order["id"], "success", stack.secret(SHOP))
    assert response.text == "queued"
    stack.wait_until_settled()
    [bc] = bc_orders(stack, order["reference"])
    assert float(bc["totalAmountIncludingTax"]) == 498.00


def test_stock_from_bc_reaches_brink_one_call_per_sku(stack, brink):
    for sku in ("1000", "2000"):
        brink.add_product(sku, stock=0)
    run = stock.export_stock_levels(get_context(), SHOP)
    assert run.failed == 0 and run.applied >= 2
    assert brink.stock("1000") > 0 and brink.stock("2000") == 112
    calls = len(brink.stock_calls)
    assert stock.export_stock_levels(get_context(), SHOP).writes == 0  # nothing changed: nothing sent
    assert len(brink.stock_calls) == calls


def ship_in_bc(stack, order_id: str, tracking: str, agent: str) -> str:
    company = stack.company_id("se")
    binding = get_context().bindings.get("order", SHOP, order_id)
    [order] = stack.bc.records(company, "salesOrders", number=binding.bc_number)
    get_context().bc.company(company).action("salesOrders", order["id"], "shipAndInvoice")
    [shipment] = stack.bc.records(company, "salesShipments", orderNumber=binding.bc_number)
    stack.bc.set_shipment_tracking(company, shipment["number"], tracking, agent)
    return shipment["number"]


def test_a_shipment_in_bc_becomes_one_brink_delivery_with_tracking(stack, brink):
    order = brink.add_order(brink.make_order([("1000", 2, "199.00"), ("2000", 1, "89.00")]))
    send(stack, brink, brink.event(order))
    number = ship_in_bc(stack, order["id"], "JJD000999", "DHL")
    assert shipments.export_shipments(get_context()) == 1
    [delivery] = brink.deliveries[order["id"]]
    assert delivery["reference"] == number
    assert sorted((r["orderLineId"], r["quantity"]) for r in delivery["orderLines"]) == [("line-1", 2), ("line-2", 1)]
    assert delivery["shippingFees"] == [{"shippingFeeId": "fee-1"}]  # the delivery completes the order
    assert delivery["shippingProvider"] == {"providerName": "DHL Express", "trackingNumber": "JJD000999",
                                            "trackingUrl": "https://dhl.example/track?id=JJD000999"}
    record = stack.synclog.get("shipments", SHOP, f"se:{number}")
    assert record.status is SyncStatus.SUCCESS and "JJD000999" in record.message
    assert shipments.export_shipments(get_context()) == 0  # once
    assert len(brink.deliveries[order["id"]]) == 1


def test_bc_prices_reach_brink_per_store_group_and_country(stack, brink):
    for sku in ("1000", "2000"):
        brink.add_product(sku)
    run = products.export_products(get_context(), SHOP)
    assert run.failed == 0 and run.updated == 2, run.describe()
    items = {i["number"]: i for i in stack.bc.records(stack.company_id("se"), "items")}
    for sku in ("1000", "2000"):
        # demo items are priced excl. tax in BC; the shop shows prices incl. 25 % (prices_include_tax default)
        price = int((Decimal(str(items[sku]["unitPrice"])) * Decimal("1.25") * 100).quantize(Decimal(1)))
        assert brink.prices[("default", sku, "SE")] == brink.prices[("default", sku, "FI")] == (price, price)
    calls = brink.price_calls
    assert products.export_products(get_context(), SHOP).updated == 0  # unchanged: nothing sent
    assert brink.price_calls == calls


def test_the_orders_reconcile_passes_brink_by_instead_of_failing_every_run(stack, brink, caplog):
    from core.sync import orders

    before = brink.counters["requests"]
    with caplog.at_level("ERROR", logger="core.sync.orders"):
        orders.reconcile_orders(get_context())
    assert not [r for r in caplog.records if SHOP in r.getMessage()]  # no "reconcile_failed shop=brink-demo"
    assert brink.counters["requests"] == before


def credit_memos(stack, order_id: str) -> tuple[dict, list[dict]]:
    """The order's posted invoice and the credit memos applied to it."""
    binding = get_context().bindings.get("order", SHOP, order_id)
    [invoice] = stack.bc.records(stack.company_id("se"), "salesInvoices",
                                 externalDocumentNumber=binding.data["external_document_number"])
    return invoice, stack.bc.records(stack.company_id("se"), "salesCreditMemos", invoiceId=invoice["id"])


def test_an_order_refunded_event_becomes_one_credit_memo_on_the_invoice_to_the_cent(stack, brink):
    order = brink.add_order(brink.make_order([("1000", 2, "199.00"), ("2000", 1, "89.00")]))
    send(stack, brink, brink.event(order))
    ship_in_bc(stack, order["id"], "JJD000555", "DHL")
    event = brink.event(brink.make_refund(order["id"], [("line-1", 1)], shipping=True), "OrderRefunded")
    assert send(stack, brink, event, flow="refunds").text == "queued"
    refund_id = event["detail"]["data"]["id"]
    record = stack.synclog.get("refunds", SHOP, refund_id)
    assert record.status is SyncStatus.SUCCESS, record
    invoice, [memo] = credit_memos(stack, order["id"])
    # 1 × 199.00 (the order line's unit price, the event names the line only) + 49.00 shipping, VAT inclusive
    assert Decimal(str(memo["totalAmountIncludingTax"])) == Decimal("248.00")
    assert memo["invoiceNumber"] == invoice["number"] and record.bc_document.startswith("salesCreditMemos ")
    rows = stack.bc.records(stack.company_id("se"), "salesCreditMemoLines", documentId=memo["id"])
    # the event says nothing of restocking: the goods are credited to the not-restocked account, shipping as sold
    assert sorted((r["lineObjectNumber"], float(r["quantity"])) for r in rows) == [("3010", 1.0), ("3060", 1.0)]
    assert "without restock" in record.message and memo["externalDocumentNumber"] == (
        f"BR-{order['reference']}-R{refund_id.replace('-', '')[:16].upper()}")

    # the same event again is dropped at receipt; the same refund in a new event is found in BC: one memo still
    assert send(stack, brink, event, flow="refunds").text == "duplicate"
    again = {**event, "id": "redelivered-" + event["id"]}
    assert send(stack, brink, again, flow="refunds").text == "queued"
    assert len(credit_memos(stack, order["id"])[1]) == 1
    assert stack.synclog.get("refunds", SHOP, refund_id).status is SyncStatus.SUCCESS


def test_a_net_price_refund_with_a_discount_is_credited_to_the_cent(stack, brink):
    order = brink.add_order(brink.make_order([("1000", 3, "159.20")], includes_tax=False, line_discount="7.60",
                                             shipping="39.20"))
    send(stack, brink, brink.event(order))
    ship_in_bc(stack, order["id"], "JJD000556", "DHL")
    event = brink.event(brink.make_refund(order["id"], [("line-1", 2)], priced=True), "OrderRefunded")
    send(stack, brink, event, flow="refunds")
    record = stack.synclog.get("refunds", SHOP, event["detail"]["data"]["id"])
    assert record.status is SyncStatus.SUCCESS, record
    _, [memo] = credit_memos(stack, order["id"])
    # 2 × 159.20 − 2/3 × 7.60 = 313.33 net, + 25 % = 391.66 (tax 78.33)
    assert Decimal(str(memo["totalAmountIncludingTax"])) == Decimal("391.66")


def test_a_failed_refund_is_acknowledged_and_kept_with_its_reason_not_credited(stack, brink):
    order = brink.add_order(brink.make_order([("2000", 1, "89.00")]))
    send(stack, brink, brink.event(order))
    ship_in_bc(stack, order["id"], "JJD000557", "DHL")
    event = brink.event(brink.make_refund(order["id"], [("line-1", 1)]), "OrderRefundedFailed")
    assert send(stack, brink, event, flow="refunds").text == "queued"
    record = stack.synclog.get("refunds", SHOP, event["detail"]["data"]["id"])
    assert record.status is SyncStatus.SKIPPED and "OrderRefundedFailed" in record.message
    assert credit_memos(stack, order["id"])[1] == []
