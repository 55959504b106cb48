"""WooCommerce refunds end to end, and the refunds reconcile timer, against the emulators over real HTTP:
Woo order webhook → BC sales order → shipAndInvoice in the BC emulator → a refund in the Woo emulator →
`action.woocommerce_order_refunded` (or the reconcile run) → refunds-import → one credit memo on the invoice.

The host runs the webhook receipt and the two queue workers only: the tests drive the reconcile timers
themselves (with an explicit `now`), so a scheduled run cannot race them."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.state import Cursors, SyncStatus, names
from core.sync.context import get_context
from core.sync.refunds import reconcile_refunds
from sandbox.samples import shopify_order, shopify_refund
from sandbox.stack import ROOT, LocalStack

pytestmark = pytest.mark.timeout(180)

APP = '''import azure.functions as func

from core.state import Envelope, names
from core.sync import orders, refunds
from core.sync.context import get_context
from core.sync.runner import run_item
from functions import webhooks

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(webhooks.bp)


@app.queue_trigger(arg_name="msg", queue_name=names.ORDERS_IMPORT, connection=names.STORAGE_SETTING)
def import_order(msg: func.QueueMessage) -> None:
    run_item(get_context(), names.ORDERS_IMPORT, Envelope.loads(msg.get_body()), orders.import_order,
             dequeue_count=msg.dequeue_count or 1)


@app.queue_trigger(arg_name="msg", queue_name=names.REFUNDS_IMPORT, connection=names.STORAGE_SETTING)
def import_refund(msg: func.QueueMessage) -> None:
    run_item(get_context(), names.REFUNDS_IMPORT, Envelope.loads(msg.get_body()), refunds.import_refund,
             dequeue_count=msg.dequeue_count or 1)
'''

WOO = "woo-demo"
SHOPIFY = "shopify-demo"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from sandbox.host import LocalHost

    app_dir = tmp_path_factory.mktemp("refunds-more-app")
    (app_dir / "function_app.py").write_text(APP)
    shutil.copy(ROOT / "host.json", app_dir / "host.json")
    with LocalStack(host=False) as s:
        text = s.config_path.read_text()
        enabled = text.replace('flows = ["orders", "stock"]', 'flows = ["orders", "refunds", "stock"]', 1)
        assert enabled != text
        s.config_path.write_text(enabled)
        s.reload_config_from_file()
        s.woo.currency = "SEK"  # the shop's orders in the BC company's currency
        s.host = LocalHost(app_dir, settings=s.settings).start()
        yield s


def bc(stack, entity_set: str, **filters) -> list[dict]:
    return stack.bc.records(stack.company_id("se"), entity_set, **filters)


def wait_for(stack, flow: str, shop: str, external_id: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    record = None
    while time.monotonic() < deadline:
        record = stack.synclog.get(flow, shop, external_id)
        if record is not None and record.status is not SyncStatus.RECEIVED:
            time.sleep(0.3)  # let a concurrent duplicate finish its log write
            return stack.synclog.get(flow, shop, external_id)
        time.sleep(0.2)
    raise TimeoutError(f"{flow} {shop} {external_id}: {record}")


def wait_for_queue(stack, queue: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while stack.queue_depth(queue) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)


def invoice(stack, shop: str, order_id) -> dict:
    """Ship and invoice the BC order the shop order became; returns the posted invoice."""
    binding = get_context().bindings.get("order", shop, str(order_id))
    assert binding is not None and binding.is_bound
    get_context().bc.company(stack.company_id("se")).action("salesOrders", binding.bc_id, "shipAndInvoice")
    [posted] = bc(stack, "salesInvoices", externalDocumentNumber=binding.data["external_document_number"])
    return posted


def import_woo_order(stack, lines, modified: datetime | None = None) -> tuple[dict, dict]:
    order = stack.woo.add_order(stack.woo.make_order(lines, modified=modified))
    assert stack.send_woo("order.created", order).status == 200
    record = wait_for(stack, "orders", WOO, str(order["id"]))
    assert record.status is SyncStatus.SUCCESS, record.message
    return order, invoice(stack, WOO, order["id"])


def memo_lines(stack, memo: dict) -> list[tuple]:
    return sorted((x["lineType"], x["lineObjectNumber"], float(x["quantity"]), float(x["unitPrice"]))
                  for x in bc(stack, "salesCreditMemoLines", documentId=memo["id"]))


# ---- WooCommerce: the refund action webhook ----

def test_a_woo_refund_action_becomes_one_credit_memo_on_the_invoice_to_the_cent(stack):
    order, posted = import_woo_order(stack, [("1000", 2, "199.00"), ("2000", 1, "89.00")])
    refund = stack.woo.add_refund(order["id"], [("1000", 1)], reason="Returned")
    assert refund["amount"] == "248.75"  # 199.00 net + 25 % VAT
    action = {"action": "woocommerce_order_refunded", "arg": order["id"]}
    assert stack.send_woo("action.woocommerce_order_refunded", action).status == 200

    record = wait_for(stack, "refunds", WOO, str(order["id"]))  # the delivery names the order: its record
    assert record.status is SyncStatus.SUCCESS, record.message
    number = f"{posted['externalDocumentNumber']}-R{refund['id']}"
    [memo] = bc(stack, "salesCreditMemos", externalDocumentNumber=number)
    assert (memo["invoiceId"], memo["invoiceNumber"]) == (posted["id"], posted["number"])
    assert memo["customerNumber"] == posted["customerNumber"] and memo["pricesIncludeTax"] is False
    assert float(memo["totalAmountIncludingTax"]) == 248.75 and float(memo["totalAmountExcludingTax"]) == 199.00
    # a WooCommerce refund does not say whether its items went back to stock (restocking is a write-only
    # flag of the refund request): booked as not restocked, the money on a G/L line and no goods returned
    assert memo_lines(stack, memo) == [("Account", "3060", 1.0, 199.0)]
    assert f"refund {refund['id']}: Created credit memo {memo['number']}" in record.message
    # the worker read the refunds through the public client call, not a private request
    assert any(r["path"].endswith(f"/orders/{order['id']}/refunds") for r in stack.woo.requests)


def test_a_second_woo_refund_on_the_same_order_adds_one_memo_and_leaves_the_first_alone(stack):
    order, posted = import_woo_order(stack, [("3000", 2, "249.00")])
    first = stack.woo.add_refund(order["id"], [("3000", 1)])
    action = {"action": "woocommerce_order_refunded", "arg": order["id"]}
    assert stack.send_woo("action.woocommerce_order_refunded", action).status == 200
    assert wait_for(stack, "refunds", WOO, str(order["id"])).status is SyncStatus.SUCCESS

    second = stack.woo.add_refund(order["id"], [("3000", 1)], reason="The other one came back too")
    assert stack.send_woo("action.woocommerce_order_refunded", action).status == 200
    wait_for_queue(stack, names.REFUNDS_IMPORT)
    record = wait_for(stack, "refunds", WOO, str(order["id"]))
    assert record.status is SyncStatus.SUCCESS, record.message
    memos = [m for m in bc(stack, "salesCreditMemos") if m["invoiceId"] == posted["id"]]
    assert sorted(m["externalDocumentNumber"] for m in memos) == sorted(
        f"{posted['externalDocumentNumber']}-R{r['id']}" for r in (first, second))
    totals = sorted(float(m["totalAmountIncludingTax"]) for m in memos)
    assert totals == [311.25, 311.25]  # 249.00 + 25 % VAT each
    listed = stack.woo.orders[order["id"]]["refunds"]  # as WooCommerce lists them: newest first, negative
    assert [(r["id"], r["total"]) for r in listed] == [(second["id"], "-311.25"), (first["id"], "-311.25")]
    assert f"refund {first['id']}: Already imported" in record.message


# ---- the reconcile timer ----

def test_reconcile_queues_a_woo_refund_whose_webhook_never_came_and_advances_the_cursor(stack):
    now = datetime.now(UTC).replace(microsecond=0)
    order, posted = import_woo_order(stack, [("2000", 3, "89.00")], modified=now - timedelta(minutes=30))
    refund = stack.woo.add_refund(order["id"], [("2000", 2)], created=now - timedelta(minutes=2))
    ctx = get_context()
    cursors = Cursors(stack.storage)
    before = cursors.get("refunds", WOO)

    assert reconcile_refunds(ctx, now=now) >= 1
    record = wait_for(stack, "refunds", WOO, str(order["id"]))
    assert record.status is SyncStatus.SUCCESS, record.message
    [memo] = bc(stack, "salesCreditMemos", externalDocumentNumber=f"{posted['externalDocumentNumber']}-R{refund['id']}")
    assert memo["invoiceId"] == posted["id"] and float(memo["totalAmountIncludingTax"]) == 222.50
    assert cursors.get("refunds", WOO) == now and before != now
    # the next run overlaps the window (the cursor minus 10 minutes) but finds nothing new: the refund is bound
    assert reconcile_refunds(ctx, now=now + timedelta(minutes=1)) == 0
    assert len(bc(stack, "salesCreditMemos", externalDocumentNumber=memo["externalDocumentNumber"])) == 1


def test_reconcile_queues_a_missed_shopify_refund_and_skips_refunds_already_in_bc(stack):
    now = datetime.now(UTC).replace(microsecond=0)
    body = shopify_order(7811, [("1000", 1, "199.00"), ("2000", 1, "89.00")],
                         updated_at=(now - timedelta(minutes=40)).isoformat())
    stack.shopify.add_order(body)
    assert stack.send_shopify("orders/paid", body).status == 200
    assert wait_for(stack, "orders", SHOPIFY, "7811").status is SyncStatus.SUCCESS
    posted = invoice(stack, SHOPIFY, 7811)
    old = shopify_refund(98110, 7811, [(2, "2000", 1, "89.00")], created_at=(now - timedelta(days=3)).isoformat())
    new = shopify_refund(98111, 7811, [(1, "1000", 1, "199.00")], created_at=(now - timedelta(minutes=3)).isoformat())
    stack.shopify.touch_order(7811, now - timedelta(minutes=3), refunds=[old, new])

    ctx = get_context()
    assert reconcile_refunds(ctx, now=now) >= 1
    record = wait_for(stack, "refunds", SHOPIFY, "98111")
    assert record.status is SyncStatus.SUCCESS, record.message
    [memo] = bc(stack, "salesCreditMemos", externalDocumentNumber=f"{posted['externalDocumentNumber']}-R98111")
    assert memo["invoiceId"] == posted["id"] and float(memo["totalAmountIncludingTax"]) == 199.00
    # the refund created before the window is not the reconcile's (its own run covered it)
    assert stack.synclog.get("refunds", SHOPIFY, "98110") is None
    assert bc(stack, "salesCreditMemos", externalDocumentNumber=f"{posted['externalDocumentNumber']}-R98110") == []
    assert reconcile_refunds(ctx, now=now + timedelta(minutes=1)) == 0


def test_one_shop_failing_keeps_its_cursor_and_does_not_stop_the_others(stack):
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2)
    order, posted = import_woo_order(stack, [("1000", 1, "199.00")], modified=now - timedelta(minutes=20))
    refund = stack.woo.add_refund(order["id"], [("1000", 1)], created=now - timedelta(minutes=1))
    cursors = Cursors(stack.storage)
    shopify_before = cursors.get("refunds", SHOPIFY)
    stack.shopify.fail_next(401)  # a revoked token: the Shopify shop's run fails

    assert reconcile_refunds(get_context(), now=now) == 1
    assert cursors.get("refunds", SHOPIFY) == shopify_before  # not advanced: the next run repeats the window
    assert cursors.get("refunds", WOO) == now
    record = wait_for(stack, "refunds", WOO, str(order["id"]))
    assert record.status is SyncStatus.SUCCESS, record.message
    assert bc(stack, "salesCreditMemos", externalDocumentNumber=f"{posted['externalDocumentNumber']}-R{refund['id']}")
