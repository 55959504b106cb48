"""Geins end to end through the local stack (sandbox Functions host, Azurite, the BC emulator, the Geins
emulator). Orders: the Geins emulator posts an id-only webhook with the shop's secret header; the worker
fetches the order from the emulator's Management API and writes one BC sales order, totals to the cent; the
reconcile reads the paged listing. Stock: BC items' inventory → `PUT Product/Stock` per SKU. Shipments: a BC
shipment with tracking → ParcelNumber, a parcel group and a comment on the Geins order. Prices: BC unit prices
→ the configured Geins price list. Refunds: a return made in Geins after BC invoiced the order → the refunds
reconcile → one BC credit memo on the posted invoice, totals to the cent. Every assertion reads
the BC emulator, the Geins emulator, the bindings or the sync log."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.state import SyncStatus
from core.sync.context import get_context
from sandbox.geins_emulator import GeinsEmulator
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(180)

SHOP = "geins-demo"
SETTING = "GEINS_DEMO_API_CREDENTIALS"


def shop_toml(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "geins"
url = "{url}"
webhook_secret_setting = "GEINS_DEMO_WEBHOOK_SECRET"
api_token_setting = "{SETTING}"
flows = ["orders", "refunds", "stock", "shipments", "products"]

[shops.orders]
customer_strategy = "default_customer"
prefix = "GE-"

[shops.stock]
committed = "none"

[shops.products]
item_filter = "number in ('2000', '3000', 'IPOD2008PINK')"
shop_price_list = 1000000

[shops.shipments]
notify_customer = true
carriers = {{ "DHL" = "DHL Express" }}
tracking_urls = {{ "DHL" = "https://dhl.example/track?id={{tracking}}" }}

[[routing]]
shop = "{SHOP}"
company = "se"
'''


@pytest.fixture(scope="module")
def geins():
    emu = GeinsEmulator().start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def stack(geins):
    with LocalStack(config_extra=shop_toml(geins.base_url), settings={SETTING: geins.credentials}) as s:
        yield s


def send(stack, geins, order_id: int, action: str = "create"):
    return geins.send_webhook(stack.webhook_url(SHOP), "Order", action, order_id, stack.secret(SHOP))


def wait_for(stack, flow: str, external_id: str, timeout: float = 30):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = stack.synclog.get(flow, SHOP, external_id)
        if record is not None and record.status is not SyncStatus.RECEIVED:
            time.sleep(0.3)
            return stack.synclog.get(flow, SHOP, external_id)
        time.sleep(0.2)
    raise TimeoutError(f"{flow} {external_id} did not settle")


def bc_order(stack, order_id: int) -> dict:
    binding = get_context().bindings.get("order", SHOP, str(order_id))
    assert binding is not None and binding.is_bound and binding.bc_entity == "salesOrders", binding
    [order] = stack.bc.records(stack.company_id("se"), "salesOrders", number=binding.bc_number)
    return order


def test_a_signed_geins_webhook_becomes_one_bc_sales_order_totals_to_the_cent(stack, geins):
    order = geins.add_order(geins.make_order([("1000", 2, "199.00"), ("2000", 1, "89.00")], shipping="49.00",
                                             payment_fee="19.00", row_discount_percent=10, order_discount="20.00"))
    assert send(stack, geins, order["Id"]).status_code == 200
    stack.wait_until_settled()

    record = stack.synclog.get("orders", SHOP, str(order["Id"]))
    assert record.status is SyncStatus.SUCCESS, record
    created = bc_order(stack, order["Id"])
    assert created["externalDocumentNumber"] == f"GE-{order['Id']}"
    assert Decimal(str(created["totalAmountIncludingTax"])) == Decimal(str(order["OrderValueIncVat"])) \
        == Decimal("486.30")
    assert created["currencyCode"] in ("", "SEK")

    # the same webhook again (Geins retries when Retry is set) and an update without changes: still one order
    assert send(stack, geins, order["Id"]).status_code == 200
    assert send(stack, geins, order["Id"], "update").status_code == 200
    stack.wait_until_settled()
    ext = f"GE-{order['Id']}"
    assert len([o for o in stack.bc.records(stack.company_id("se"), "salesOrders")
                if o.get("externalDocumentNumber") == ext]) == 1


def test_a_webhook_with_the_wrong_secret_is_refused_and_nothing_is_fetched(stack, geins):
    order = geins.add_order(geins.make_order([("1000", 1, "199.00")]))
    before = geins.counters["requests"]
    response = geins.send_webhook(stack.webhook_url(SHOP), "Order", "create", order["Id"], "not-the-secret")
    assert response.status_code == 401
    assert geins.counters["requests"] == before
    assert stack.synclog.get("orders", SHOP, str(order["Id"])) is None


def test_an_order_geins_does_not_have_needs_attention_with_the_raw_webhook_kept(stack, geins):
    assert send(stack, geins, 4040404).status_code == 200
    stack.wait_until_settled()
    record = stack.synclog.get("orders", SHOP, "4040404")
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "order_not_found", record
    assert record.payload_ref


def test_an_order_cancelled_in_geins_after_import_is_deleted_from_bc_by_its_cancel_webhook(stack, geins):
    from datetime import UTC, datetime, timedelta

    order = geins.add_order(geins.make_order([("3000", 1, "249.00")]))
    assert send(stack, geins, order["Id"]).status_code == 200
    stack.wait_until_settled()
    number = bc_order(stack, order["Id"])["number"]
    geins.touch_order(order["Id"], datetime.now(UTC) + timedelta(minutes=1), Status="cancelled")

    assert send(stack, geins, order["Id"], "cancel").status_code == 200
    stack.wait_until_settled()

    binding = get_context().bindings.get("order", SHOP, str(order["Id"]))
    assert binding.is_cancelled and binding.bc_number == number
    assert stack.bc.records(stack.company_id("se"), "salesOrders", number=number) == []

def test_the_reconcile_lists_changed_orders_with_the_batch_and_imports_the_one_whose_webhook_was_lost(stack, geins):
    from core.sync import orders

    missed = geins.add_order(geins.make_order([("2000", 3, "89.00")], shipping="0", status="completed"))
    requests = geins.counters["requests"]
    assert orders.reconcile_orders(get_context()) >= 1
    # the reconcile queues without a sync log record; wait for the worker's own record of this order
    assert wait_for(stack, "orders", str(missed["Id"])).status is SyncStatus.SUCCESS

    assert geins.counters["requests"] > requests  # the paged listing was read
    created = bc_order(stack, missed["Id"])
    assert Decimal(str(created["totalAmountIncludingTax"])) == Decimal("267.00")
    # a second run finds it unchanged: nothing queued for it again
    before = stack.synclog.get("orders", SHOP, str(missed["Id"]))
    orders.reconcile_orders(get_context())
    stack.wait_until_settled()
    assert stack.synclog.get("orders", SHOP, str(missed["Id"])).attempts == before.attempts


def bc_inventory(stack) -> dict[str, int]:
    return {str(i["number"]): max(0, int(Decimal(str(i["inventory"]))))
            for i in stack.bc.records(stack.company_id("se"), "items") if i.get("type", "Inventory") == "Inventory"}


def test_stock_from_bc_lands_in_geins_per_sku_and_skus_geins_lacks_are_reported_not_applied(stack, geins):
    from core.sync import stock

    geins.add_item("3000", stock=999)
    inventory = bc_inventory(stack)
    known = sorted(set(geins.items) & set(inventory))
    assert len(known) >= 3 and len(inventory) > len(known)
    ctx = get_context()

    run = stock.export_stock_levels(ctx, SHOP, full=True)

    assert {sku: geins.items[sku]["Stock"] for sku in known} == {sku: inventory[sku] for sku in known}
    assert (run.applied, run.failed, run.unknown) == (len(known), 0, len(inventory) - len(known))
    assert all(row["StockType"] == 0 for write in geins.stock_writes for row in write)
    missing = sorted(set(inventory) - set(known))[0]
    record = stack.synclog.get("stock", SHOP, f"sku:{missing}")
    assert record.status is SyncStatus.SKIPPED and record.code == "unknown_sku" and "NotFound" in record.message
    # what Geins did not take is not in the snapshot: a delta run writes nothing (unknown SKUs wait for a full run)
    writes = len(geins.stock_writes)
    again = stock.export_stock_levels(ctx, SHOP)
    assert (again.writes, len(geins.stock_writes)) == (0, writes)


def test_a_bc_shipment_gives_the_geins_order_its_parcel_number_a_delivered_parcel_group_once(stack, geins):
    from core.sync import shipments

    order = geins.add_order(geins.make_order([("1000", 1, "199.00"), ("2000", 2, "89.00")]))
    assert send(stack, geins, order["Id"]).status_code == 200
    stack.wait_until_settled()
    company = stack.company_id("se")
    ctx = get_context()
    ctx.bc.company(company).action("salesOrders", bc_order(stack, order["Id"])["id"], "shipAndInvoice")
    [shipment] = [s for s in stack.bc.records(company, "salesShipments")
                  if s.get("externalDocumentNumber") == f"GE-{order['Id']}"]
    stack.bc.set_shipment_tracking(company, shipment["number"], "JJD000123", "DHL")

    assert shipments.export_shipments(ctx) >= 1

    shipped = geins.orders[order["Id"]]
    assert shipped["ShippingDetails"][0]["ParcelNumber"] == "JJD000123"
    [group] = [g for g in geins.parcel_groups if g["OrderIds"] == [order["Id"]]]
    assert group["MarkAsDelivered"] is True and group["SendDeliveryEmail"] is True
    assert {r["Status"] for r in shipped["Rows"]} == {"shipped"}
    [comment] = geins.comments[order["Id"]]
    assert f"BC shipment {shipment['number']}" in comment and "DHL Express" in comment
    assert "https://dhl.example/track?id=JJD000123" in comment
    record = stack.synclog.get("shipments", SHOP, f"se:{shipment['number']}")
    assert record.status is SyncStatus.SUCCESS and "JJD000123" in record.message

    assert shipments.export_shipments(ctx) == 0
    assert len([g for g in geins.parcel_groups if g["OrderIds"] == [order["Id"]]]) == 1
    assert len(geins.comments[order["Id"]]) == 1


def test_bc_prices_land_on_the_geins_price_list_and_a_product_geins_lacks_fails_alone(stack, geins):
    from core.sync import products

    for article in ("2000", "3000"):
        geins.add_product(article)
    ctx = get_context()
    run = products.export_products(ctx, SHOP, full=True)

    # BC unitPrice excl. VAT → incl. VAT (the list is managed incl. VAT): 89 × 1.25, 249 × 1.06 (books)
    assert {a: geins.products[a]["Prices"] for a in ("2000", "3000")} == {"2000": {1000000: 111.25},
                                                                          "3000": {1000000: 263.94}}
    assert all(row["Currency"] == "SEK" and row["PriceListId"] == 1000000 for row in geins.price_writes[-1])
    assert (run.updated, run.failed) == (2, 1) and "IPOD2008PINK" in run.failures[0]
    # the next delta run sends only the product that failed
    writes = len(geins.price_writes)
    again = products.export_products(ctx, SHOP)
    assert [row["ProductId"] for row in geins.price_writes[writes]] == ["IPOD2008PINK"] and again.failed == 1


def test_a_geins_return_becomes_one_bc_credit_memo_on_the_posted_invoice_totals_to_the_cent(stack, geins):
    from datetime import UTC, datetime, timedelta

    from core.sync.refunds import reconcile_refunds

    now = datetime.now(UTC).replace(microsecond=0)
    order = geins.add_order(geins.make_order([("2000", 3, "89.00"), ("3000", 1, "249.00")], shipping="49.00"))
    assert send(stack, geins, order["Id"]).status_code == 200
    stack.wait_until_settled()
    company = stack.company_id("se")
    created = bc_order(stack, order["Id"])
    get_context().bc.company(company).action("salesOrders", created["id"], "shipAndInvoice")
    [posted] = stack.bc.records(company, "salesInvoices", externalDocumentNumber=f"GE-{order['Id']}")
    mug = order["Rows"][0]["Id"]
    entries = geins.add_refund(order["Id"], [(mug, "178.00"), (None, "49.00")], return_id=7,
                               created=now - timedelta(minutes=2))
    refund_id = f"{order['Id']}-{min(e['Id'] for e in entries)}"

    assert reconcile_refunds(get_context(), now=now) >= 1
    record = wait_for(stack, "refunds", refund_id)
    assert record.status is SyncStatus.SUCCESS, record.message
    [memo] = stack.bc.records(company, "salesCreditMemos", externalDocumentNumber=f"GE-{order['Id']}-R{refund_id}")
    assert memo["invoiceId"] == posted["id"]
    assert Decimal(str(memo["totalAmountIncludingTax"])) == Decimal("227.00")
    # the next run overlaps the window but finds the refund bound: no second memo
    assert reconcile_refunds(get_context(), now=now + timedelta(minutes=1)) == 0
    memos = stack.bc.records(company, "salesCreditMemos", externalDocumentNumber=memo["externalDocumentNumber"])
    assert len(memos) == 1


def test_an_order_the_reconcile_cannot_parse_is_flagged_under_its_own_id(stack, geins):
    from core.sync import orders

    broken = geins.make_order([("2000", 1, "89.00")])
    broken["Rows"][0]["Discount"] = -5.0  # a negative row discount is refused, never booked
    geins.add_order(broken)
    assert orders.reconcile_orders(get_context()) >= 1
    record = wait_for(stack, "orders", str(broken["Id"]))
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "malformed_payload", record
