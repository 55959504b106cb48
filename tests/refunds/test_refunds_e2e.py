"""Refunds end to end: order webhook → BC sales order → shipAndInvoice in the BC emulator → refunds/create
webhook → sandbox Functions host → refunds-import queue → one credit memo applied to the invoice.

The host runs a function app of the webhook, orders and refunds blueprints (the refunds blueprint is
registered here until function_app.py registers it)."""

from __future__ import annotations

import shutil
import time

import pytest

from core.state import SyncStatus, names
from core.sync.context import get_context
from sandbox.samples import shopify_order, shopify_refund
from sandbox.stack import ROOT, LocalStack

pytestmark = pytest.mark.timeout(120)

APP = '''import azure.functions as func

from functions import orders, refunds, webhooks

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (webhooks.bp, orders.bp, refunds.bp):
    app.register_functions(blueprint)
'''


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from sandbox.host import LocalHost

    app_dir = tmp_path_factory.mktemp("refunds-app")
    (app_dir / "function_app.py").write_text(APP)
    shutil.copy(ROOT / "host.json", app_dir / "host.json")
    with LocalStack(host=False) as s:
        s.host = LocalHost(app_dir, settings=s.settings).start()
        yield s


def bc(stack, entity_set: str, **filters) -> list[dict]:
    return stack.bc.records(stack.company_id("se"), entity_set, **filters)


def wait_for(stack, flow: str, external_id: str, done, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = stack.synclog.get(flow, "shopify-demo", external_id)
        if record is not None and done(record):
            time.sleep(0.3)  # let a concurrent duplicate finish its log write
            return stack.synclog.get(flow, "shopify-demo", external_id)
        time.sleep(0.2)
    raise TimeoutError(f"{flow} {external_id}: {record}")


def settled(record) -> bool:
    return record.status is not SyncStatus.RECEIVED


def waiting(record) -> bool:
    return record.status is not SyncStatus.RECEIVED or "retrying" in record.message


def import_order(stack, order_id: int, lines, ship_and_invoice: bool = True) -> dict:
    assert stack.send_shopify("orders/paid", shopify_order(order_id, lines)).status == 200
    assert wait_for(stack, "orders", str(order_id), settled).status is SyncStatus.SUCCESS
    [order] = bc(stack, "salesOrders", externalDocumentNumber=f"SH-{order_id - 5000}")
    if ship_and_invoice:
        ship_and_invoice_order(stack, order)
    return order


def ship_and_invoice_order(stack, order: dict) -> None:
    get_context().bc.company(stack.company_id("se")).action("salesOrders", order["id"], "shipAndInvoice")


def test_a_refund_of_an_invoiced_order_becomes_one_credit_memo_applied_to_the_invoice(stack):
    import_order(stack, 7401, [("1000", 2, "199.00"), ("2000", 1, "89.00")])
    [invoice] = bc(stack, "salesInvoices", externalDocumentNumber="SH-2401")
    refund = shopify_refund(94011, 7401, [(1, "1000", 1, "199.00")], shipping="49.00", restock=False)
    assert stack.send_shopify("refunds/create", refund).status == 200
    record = wait_for(stack, "refunds", "94011", settled)
    assert record.status is SyncStatus.SUCCESS, record.message
    [memo] = bc(stack, "salesCreditMemos", externalDocumentNumber="SH-2401-R94011")
    assert (memo["invoiceId"], memo["invoiceNumber"]) == (invoice["id"], invoice["number"])
    assert memo["customerNumber"] == invoice["customerNumber"]
    assert float(memo["totalAmountIncludingTax"]) == 199.00 + 49.00 and memo["status"] == "Draft"
    # the memo's tax basis is the one BC gave it (its customer's), not the invoice's: lines priced in it
    net = 1 if memo["pricesIncludeTax"] else 1.25
    lines = bc(stack, "salesCreditMemoLines", documentId=memo["id"])
    # not restocked in the shop: the item's money on a G/L line (fees account 3060), no goods returned
    assert sorted((x["lineType"], x["lineObjectNumber"], float(x["quantity"]), float(x["unitPrice"]))
                  for x in lines) == [("Account", "3010", 1.0, 49.0 / net), ("Account", "3060", 1.0, 199.0 / net)]
    assert record.bc_document == f"salesCreditMemos {memo['number']}"
    assert "Totals match" in record.message and "Not restocked" in record.message


def test_the_same_refund_delivered_twice_gives_one_credit_memo(stack):
    import_order(stack, 7402, [("3000", 1, "249.00")])
    refund = shopify_refund(94021, 7402, [(1, "3000", 1, "249.00")])
    first = stack.send_shopify("refunds/create", refund)
    second = stack.send_shopify("refunds/create", refund)  # a new event id: not dropped at the door
    assert (first.status, second.status) == (200, 200)
    record = wait_for(stack, "refunds", "94021", settled)
    deadline = time.monotonic() + 15
    while stack.queue_depth(names.REFUNDS_IMPORT) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    assert len(bc(stack, "salesCreditMemos", externalDocumentNumber="SH-2402-R94021")) == 1
    record = stack.synclog.get("refunds", "shopify-demo", "94021")
    assert record.status is SyncStatus.SUCCESS


def test_a_refund_before_the_invoice_waits_and_a_retry_after_invoicing_succeeds(stack):
    from core.sync.operations import retry_record

    order = import_order(stack, 7403, [("2000", 2, "89.00")], ship_and_invoice=False)
    refund = shopify_refund(94031, 7403, [(1, "2000", 1, "89.00")])
    assert stack.send_shopify("refunds/create", refund).status == 200
    record = wait_for(stack, "refunds", "94031", waiting)
    assert record.status is SyncStatus.RECEIVED  # before_invoice = "wait" (the default): re-queued with a delay
    assert "retrying in 600s" in record.message and f"invoice order {order['number']}" in record.message
    assert bc(stack, "salesCreditMemos", externalDocumentNumber="SH-2403-R94031") == []

    ship_and_invoice_order(stack, order)
    retry_record(get_context(), record)  # the operator (or the delayed retry) brings it back
    record = wait_for(stack, "refunds", "94031", settled)
    assert record.status is SyncStatus.SUCCESS, record.message
    [memo] = bc(stack, "salesCreditMemos", externalDocumentNumber="SH-2403-R94031")
    [invoice] = bc(stack, "salesInvoices", externalDocumentNumber="SH-2403")
    assert memo["invoiceNumber"] == invoice["number"] and float(memo["totalAmountIncludingTax"]) == 89.00


def test_by_policy_a_refund_before_the_invoice_needs_attention_and_posting_is_optional(stack):
    from core.sync.operations import retry_record

    text = stack.config_path.read_text()
    policy = text.replace('shipping_as = "account"\n',
                          'shipping_as = "account"\n\n[shops.refunds]\nbefore_invoice = "needs_attention"\n'
                          "post_credit_memo = true\n", 1)
    assert policy != text
    stack.config_path.write_text(policy)
    stack.reload_config_from_file()
    try:
        order = import_order(stack, 7404, [("3000", 1, "249.00")], ship_and_invoice=False)
        refund = shopify_refund(94041, 7404, [(1, "3000", 1, "249.00")])
        assert stack.send_shopify("refunds/create", refund).status == 200
        record = wait_for(stack, "refunds", "94041", settled)
        assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "not_invoiced"
        assert f"reduce sales order {order['number']}" in record.resolution

        ship_and_invoice_order(stack, order)
        retry_record(get_context(), record)
        record = wait_for(stack, "refunds", "94041", settled)
        assert record.status is SyncStatus.SUCCESS, record.message
        [memo] = bc(stack, "salesCreditMemos", externalDocumentNumber="SH-2404-R94041")
        assert memo["status"] in ("Open", "Paid") and "Posted as" in record.message
        [invoice] = bc(stack, "salesInvoices", externalDocumentNumber="SH-2404")
        assert float(invoice["remainingAmount"]) == 49.00  # the posted memo was applied: shipping stays open
    finally:
        stack.config_path.write_text(text)
        stack.reload_config_from_file()


def test_a_refund_of_an_order_bc_never_got_needs_attention(stack):
    refund = shopify_refund(94051, 7405, [(1, "1000", 1, "199.00")])
    assert stack.send_shopify("refunds/create", refund).status == 200
    record = wait_for(stack, "refunds", "94051", settled)
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "order_not_imported"
    assert "7405" in record.resolution


def test_a_refund_of_an_order_that_was_skipped_is_skipped_too(stack):
    unpaid = shopify_order(7406, [("2000", 1, "89.00")], financial_status="pending")
    assert stack.send_shopify("orders/create", unpaid).status == 200
    assert wait_for(stack, "orders", "7406", settled).status is SyncStatus.SKIPPED
    assert stack.send_shopify("refunds/create", shopify_refund(94061, 7406, [(1, "2000", 1, "89.00")])).status == 200
    record = wait_for(stack, "refunds", "94061", settled)
    assert record.status is SyncStatus.SKIPPED and "7406 was not imported" in record.message


def test_a_memo_header_left_without_lines_is_completed_not_linked_as_it_is(stack):
    # a worker created the memo's header (the first step) and died before its lines: the retry finds the
    # draft by its external document number and adds the lines, priced in the basis BC gave that header
    import_order(stack, 7407, [("1000", 1, "199.00")])
    [invoice] = bc(stack, "salesInvoices", externalDocumentNumber="SH-2407")
    co = get_context().bc.company(stack.company_id("se"))
    header = co.create("salesCreditMemos", {"externalDocumentNumber": "SH-2407-R94071", "customerNumber":
                                            invoice["customerNumber"], "invoiceId": invoice["id"]})
    assert bc(stack, "salesCreditMemoLines", documentId=header["id"]) == []
    assert stack.send_shopify("refunds/create", shopify_refund(94071, 7407, [(1, "1000", 1, "199.00")])).status == 200
    record = wait_for(stack, "refunds", "94071", settled)
    assert record.status is SyncStatus.SUCCESS, record.message
    [memo] = bc(stack, "salesCreditMemos", externalDocumentNumber="SH-2407-R94071")
    assert memo["id"] == header["id"] and float(memo["totalAmountIncludingTax"]) == 199.00
    [line] = bc(stack, "salesCreditMemoLines", documentId=memo["id"])
    assert (line["lineType"], line["lineObjectNumber"]) == ("Item", "1000")  # restocked: the goods come back
