"""Geins orders end to end through the local stack: the Geins emulator posts an id-only webhook with the
shop's secret header to the sandbox Functions host; the worker fetches the order from the emulator's
Management API and writes one BC sales order into the BC emulator, totals to the cent. Every assertion reads
the BC emulator, the bindings or the sync log."""

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
flows = ["orders", "stock", "shipments"]

[shops.orders]
customer_strategy = "default_customer"
prefix = "GE-"

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


def test_the_reconcile_lists_changed_orders_with_the_batch_and_imports_the_one_whose_webhook_was_lost(stack, geins):
    from core.sync import orders

    missed = geins.add_order(geins.make_order([("2000", 3, "89.00")], shipping="0", status="completed"))
    requests = geins.counters["requests"]
    assert orders.reconcile_orders(get_context()) >= 1
    stack.wait_until_settled()

    assert geins.counters["requests"] > requests  # the paged listing was read
    created = bc_order(stack, missed["Id"])
    assert Decimal(str(created["totalAmountIncludingTax"])) == Decimal("267.00")
    # a second run finds it unchanged: nothing queued for it again
    before = stack.synclog.get("orders", SHOP, str(missed["Id"]))
    orders.reconcile_orders(get_context())
    stack.wait_until_settled()
    assert stack.synclog.get("orders", SHOP, str(missed["Id"])).attempts == before.attempts
