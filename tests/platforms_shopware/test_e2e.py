"""Shopware end to end through the local stack (LocalStack without the Functions host; Azurite, the BC
emulator, the Shopware emulator over real HTTP):

- orders: the reconcile reads the Shopware emulator (`orders_updated_between`), queues, and the orders worker
  (core.sync.runner) makes the BC sales order — totals to the cent;
- stock: BC's per-location stock summed → `stock` per product number through the sync API;
- shipments: the BC shipment of that order (shipAndInvoice, tracking on the posted shipment) → the tracking
  code on the Shopware delivery and the `ship` transition, once;
- products: BC prices (EUR company) → gross/net in Shopware's default currency, name and active;
- customers: a signed `customer.written` webhook (ids only) → receipt → the customers worker reads the
  customer from the Shopware emulator → one BC customer.

Every assertion reads the Shopware emulator, the BC emulator, the bindings or the sync log."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.state import Envelope, SyncStatus, names
from core.state.snapshot import StockTargets
from core.sync import customers, orders, products, shipments, stock
from core.sync.context import get_context
from core.sync.receive import receive_webhook
from core.sync.runner import run_item
from sandbox.shopware_emulator import ShopwareEmulator
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(180)

SHOP = "shopware-demo"
CREDENTIALS = "SWIADEMOCLIENT:demo-secret"
DEFAULT = "b7d2554b0ce847cd82f3ac9bd1c0dfca"


def shop_config(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "shopware"
url = "{url}"
webhook_secret_setting = "SHOPWARE_DEMO_WEBHOOK_SECRET"
api_token_setting = "SHOPWARE_DEMO_CREDENTIALS"
flows = ["orders", "stock", "shipments", "products", "customers"]

[shops.orders]
import_on = "paid"
customer_strategy = "default_customer"
prefix = "SW-"

[shops.stock]
committed = "none"

[shops.products]
item_filter = "number eq '2000' or number eq '3000' or number eq 'IPOD2008GREEN'"
prices_include_tax = true
create_missing = true

[[routing]]
shop = "{SHOP}"
company = "de"
'''


@pytest.fixture(scope="module")
def stack():
    sw = ShopwareEmulator(client_id="SWIADEMOCLIENT", client_secret="demo-secret").start()  # noqa: S106
    try:
        with pytest.MonkeyPatch.context() as mp, LocalStack(
                host=False, config_extra=shop_config(sw.base_url),
                settings={"SHOPWARE_DEMO_CREDENTIALS": CREDENTIALS}) as s:
            for name, value in s.settings.items():  # the app settings the Functions host would set
                mp.setenv(name, value)
            s.shopware = sw
            yield s
    finally:
        sw.stop()


def drain(stack, queue_name: str = names.ORDERS_IMPORT, handler=orders.import_order) -> list[SyncStatus]:
    """A queue worker: every queued message through core.sync.runner, as the queue trigger does."""
    queue = stack.storage.queue(queue_name)
    statuses = []
    for message in list(queue.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=30)):
        statuses.append(run_item(get_context(), queue_name, Envelope.loads(message.content), handler))
        queue.delete_message(message)
    return statuses


def drain_orders(stack) -> list[SyncStatus]:
    return drain(stack)


def import_order(stack, sku: str = "2000", price: str = "11.90", quantity: int = 2) -> tuple[dict, dict]:
    """A paid Shopware order read by the reconcile and imported; (shop order, BC sales order)."""
    created = datetime.now(UTC) - timedelta(minutes=5)
    order = stack.shopware.add_order(stack.shopware.make_order(created, sku=sku, unit_price=price,
                                                               quantity=quantity))
    shop = stack.config.shop(SHOP)
    assert orders.enqueue_changed_orders(get_context(), shop, created - timedelta(minutes=1),
                                         datetime.now(UTC)) >= 1
    assert SyncStatus.SUCCESS in drain_orders(stack)
    binding = get_context().bindings.get("order", SHOP, order["id"])
    assert binding is not None and binding.is_bound and binding.bc_entity == "salesOrders", binding
    [bc_order] = stack.bc.records(stack.company_id("de"), "salesOrders", number=binding.bc_number)
    return order, bc_order


# ---- orders (the base the shipments stand on) ----

def test_a_shopware_order_from_the_reconcile_becomes_a_bc_order_to_the_cent(stack):
    order, bc_order = import_order(stack, price="11.90", quantity=2)
    assert Decimal(str(bc_order["totalAmountIncludingTax"])) == Decimal("23.80") == Decimal(str(order["amountTotal"]))
    assert bc_order["externalDocumentNumber"] == f"SW-{order['orderNumber']}"
    assert bc_order["currencyCode"] in ("", "EUR")


# ---- stock ----

def test_stock_from_bc_arrives_per_product_number_and_an_unchanged_run_writes_nothing(stack):
    sw = stack.shopware
    sw.add_product("2000", stock=0)
    sw.add_product("IPOD2008PINK", stock=0)
    run = stock.export_stock_levels(get_context(), SHOP, full=True)
    assert run.failed == 0, run.failures
    assert sw.product("2000")["stock"] == 112  # MAIN 100 + STORE1 12
    assert sw.product("IPOD2008PINK")["stock"] == 30  # MAIN 25 + WEB 5
    unknown = stack.synclog.get("stock", SHOP, "sku:3000")
    assert unknown.status == SyncStatus.SKIPPED and unknown.code == "unknown_sku"
    calls = sw.sync_calls
    again = stock.export_stock_levels(get_context(), SHOP)
    assert again.changes == 0 and sw.sync_calls == calls


def test_a_product_deleted_in_shopware_fails_alone_and_is_looked_up_again(stack):
    sw = stack.shopware
    for number in ("BEDB-20-BK-2", "IPOD2008RED"):
        if sw.product(number) is None:
            sw.add_product(number, stock=0)
    stock.export_stock_levels(get_context(), SHOP, full=True)
    assert sw.product("BEDB-20-BK-2")["stock"] == 8 and sw.product("IPOD2008RED")["stock"] == 7
    del sw.products[sw.product("BEDB-20-BK-2")["id"]]  # deleted in the Administration
    run = stock.export_stock_levels(get_context(), SHOP, full=True)
    assert run.failed == 1 and "no longer exists" in run.failures[0]
    assert sw.product("IPOD2008RED")["stock"] == 7 and sw.product("BEDB-20-BK-2") is None
    assert "BEDB-20-BK-2" not in StockTargets(stack.storage).load(SHOP)  # looked up again next run
    stock.export_stock_levels(get_context(), SHOP, full=True)
    assert StockTargets(stack.storage).load(SHOP)["BEDB-20-BK-2"] == {"unknown": True}


# ---- shipments ----

def test_a_bc_shipment_adds_the_tracking_code_and_ships_the_delivery_once(stack):
    order, bc_order = import_order(stack, sku="3000", price="24.90", quantity=1)
    company = stack.company_id("de")
    get_context().bc.company(company).action("salesOrders", bc_order["id"], "shipAndInvoice")
    [shipment] = stack.bc.records(company, "salesShipments", orderNumber=bc_order["number"])
    stack.bc.set_shipment_tracking(company, shipment["number"], "JJD000777", "DHL")

    assert shipments.export_shipments(get_context()) == 1
    delivery = stack.shopware.delivery(order["deliveries"][0]["id"])
    assert delivery["trackingCodes"] == ["JJD000777"]
    assert delivery["stateMachineState"]["technicalName"] == "shipped"
    record = stack.synclog.get("shipments", SHOP, f"de:{shipment['number']}")
    assert record.status is SyncStatus.SUCCESS and "JJD000777" in record.message

    transitions = [r for r in stack.shopware.requests if "/state/" in r["path"]]
    assert shipments.export_shipments(get_context()) == 0
    assert shipments.export_shipments(get_context(), now=datetime.now(UTC) + timedelta(minutes=10)) == 0
    assert [r for r in stack.shopware.requests if "/state/" in r["path"]] == transitions
    assert stack.shopware.delivery(delivery["id"])["trackingCodes"] == ["JJD000777"]


# ---- products ----

def test_bc_prices_arrive_as_gross_and_net_and_the_description_stays(stack):
    sw = stack.shopware
    if sw.product("2000") is None:
        sw.add_product("2000")
    sw.add_product("3000", tax_id="tax7")  # its tax in Shopware matches BC's (VAT7, books)
    run = products.export_products(get_context(), SHOP, full=True)
    assert run.failed == 0, run.failures
    mug = sw.product("2000")
    # BC DE: unitPrice 8.90 excl. VAT19 → the shop (prices incl. tax) shows 10.59; net back to the cent
    assert mug["price"] == [{"currencyId": DEFAULT, "gross": 10.59, "net": 8.9, "linked": True}]
    assert (mug["name"], mug["active"], mug["description"]) == ("Coffee mug", True, "Written in Shopware")
    book = sw.product("3000")  # 24.90 excl. VAT7 → 26.64 gross; net back with Shopware's 7 % → 24.90
    assert book["price"] == [{"currencyId": DEFAULT, "gross": 26.64, "net": 24.9, "linked": True}]
    assert book["name"] == "Cookbook"
    new = sw.product("IPOD2008GREEN")  # not in the shop: created (create_missing), with BC's VAT19 as its tax
    assert (new["name"], new["taxId"], new["stock"], new["active"]) == ("IPod Nano - 8GB green", "tax19", 0, True)
    assert new["price"] == [{"currencyId": DEFAULT, "gross": 236.81, "net": 199.0, "linked": True}]
    assert run.created == 1 and run.updated == 2
    calls = sw.sync_calls
    assert products.export_products(get_context(), SHOP).changes == 0 and sw.sync_calls == calls


# ---- customers ----

def test_a_customer_written_webhook_becomes_one_bc_customer(stack):
    customer = stack.shopware.add_customer(stack.shopware.make_customer("lena.kunde@example.com", business=True))
    body = json.dumps({"data": {"event": "customer.written", "payload": [
        {"entity": "customer", "operation": "insert", "primaryKey": customer["id"], "updatedFields": ["email"]}]},
        "source": {"url": "https://shop.example", "shopId": "s1", "eventId": f"ev-{customer['id']}"},
        "timestamp": int(time.time())}).encode()
    secret = stack.settings["SHOPWARE_DEMO_WEBHOOK_SECRET"]
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    reply = receive_webhook(get_context(), SHOP, body, {"shopware-shop-signature": signature})
    assert reply.status == 200, reply
    assert drain(stack, names.CUSTOMERS_IMPORT, customers.import_customer) == [SyncStatus.SUCCESS]
    [created] = stack.bc.records(stack.company_id("de"), "customers", email="lena.kunde@example.com")
    assert created["type"] == "Company" and created["displayName"] == "Muster GmbH"
    assert created["city"] == "Berlin" and created["postalCode"] == "10115"
    binding = get_context().bindings.get("customer", SHOP, customer["id"])
    assert binding.is_bound and binding.bc_number == created["number"]
