"""Payouts end to end on the local stack: shop orders imported and invoiced in the BC emulator → a PSP
settlement for them → customer payments applied to those invoices and a fee line, exactly once."""

from __future__ import annotations

import argparse
import json
import time
from decimal import Decimal

import azure.functions as func
import httpx
import pytest
from azure.functions.queue import QueueMessage

from core.bc.odata import enum_value
from core.state import Envelope, SyncStatus, names
from core.sync import orders, payouts
from core.sync.context import Context, bc_client_from_config, set_context
from core.sync.runner import run_item
from functions import payouts as payout_functions
from sandbox.samples import dumps, shopify_order
from sandbox.stack import LocalStack
from tests.payouts.conftest import STRIPE_SECRET, sources_toml, stripe_event, stripe_signature

pytestmark = pytest.mark.timeout(120)
D = Decimal


@pytest.fixture(scope="module")
def stack():
    with LocalStack(host=False, config_extra=sources_toml("e2e") + sources_toml("post", post=True)) as s:
        yield s


@pytest.fixture
def ctx(stack, monkeypatch):
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_bridge")
    context = Context(config=stack.config, storage=stack.storage,
                      bc_factory=lambda cfg: bc_client_from_config(cfg, stack.settings))
    set_context(context)
    yield context
    set_context(None)


def company(stack) -> str:
    return stack.company_id("se")


def import_order(ctx, stack, order_id: int, lines, *, invoice: bool = True) -> dict:
    """A paid Shopify order through the orders flow; then (optionally) shipped and invoiced in BC."""
    raw = dumps(shopify_order(order_id, lines))
    envelope = Envelope(flow="orders", shop="shopify-demo", external_id=str(order_id),
                        payload_ref=ctx.inbox.store("shopify-demo", raw), topic="orders/paid")
    assert run_item(ctx, names.ORDERS_IMPORT, envelope, orders.import_order) is SyncStatus.SUCCESS
    binding = ctx.bindings.get("order", "shopify-demo", str(order_id))
    if not invoice:
        return {"orderId": binding.bc_id, "externalDocumentNumber": f"SH-{order_id - 5000}"}
    return ship_and_invoice(ctx, stack, binding.bc_id)


def ship_and_invoice(ctx, stack, order_id: str) -> dict:
    ctx.bc.company(company(stack)).action("salesOrders", order_id, "shipAndInvoice")
    [invoice] = stack.bc.records(company(stack), "salesInvoices", orderId=order_id)
    return invoice


def payments(stack, document_number: str) -> list[dict]:
    return sorted(stack.bc.records(company(stack), "customerPayments", externalDocumentNumber=document_number),
                  key=lambda r: r["lineNumber"])


def fee_lines(stack, document_number: str) -> list[dict]:
    return stack.bc.records(company(stack), "journalLines", externalDocumentNumber=document_number)


def adyen_report(batch: str, rows: list[tuple[str, str, str, str]]) -> bytes:
    """A settlement details report in SEK: rows = (type, merchant reference, gross, commission)."""
    header = ("Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,"
              "TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,"
              "Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),"
              "Interchange (NC),Payment Method Variant,Batch Number,Reserved4,Reserved5,Reserved6,Reserved7,"
              "Reserved8,Reserved9,Reserved10,Modification Merchant Reference,Booking Date,Booking Date TimeZone")
    out, total = [header], D(0)
    for n, (kind, reference, gross, commission) in enumerate(rows):
        g, c = D(gross), D(commission or 0)
        if kind == "Settled":
            net, debit_credit = g - c, f",{gross},1,SEK,,{g - c}"
        elif kind == "Refunded":
            net, debit_credit = -(g + c), f"{gross},,1,SEK,{g + c},"
        else:  # Fee
            net, debit_credit = -g, f",,,SEK,{gross},"
        total += net
        psp = f"88{batch}{n:04d}" if reference else ""
        gross_currency = "SEK" if reference else ""
        out.append(f"CompanyNL,BRIDGE_SE,{psp},{reference},visa,2026-11-20 10:00:00,CET,{kind},ref{n},"
                   f"{gross_currency},{debit_credit},{commission},,,,visastandarddebit,{batch},,,,,,,,,"
                   "2026-11-21 23:50:00,CET")
    out.append(f"CompanyNL,BRIDGE_SE,,,,2026-11-22 00:46:38,CET,MerchantPayout,\"TX1XT batch {batch}, BRIDGE_SE\",,,,"
               f",SEK,{total},,,,,,,{batch},,,,,,,,,2026-11-22 00:46:38,CET")
    return ("\n".join(out) + "\n").encode()


def test_an_adyen_settlement_becomes_applied_payments_and_a_fee_line_once_even_imported_twice(ctx, stack):
    a = import_order(ctx, stack, 7401, [("1000", 1, "199.00")])  # 248.00 with shipping
    b = import_order(ctx, stack, 7402, [("2000", 2, "89.00")])  # 227.00
    c = import_order(ctx, stack, 7403, [("3000", 1, "249.00")])  # 298.00, partly refunded
    assert (a["totalAmountIncludingTax"], b["totalAmountIncludingTax"]) == (248.0, 227.0)
    raw = adyen_report("9101", [("Settled", "2401", "248.00", "2.48"), ("Settled", "#2402", "227.00", "2.27"),
                                ("Refunded", "2403", "49.00", ""), ("Fee", "", "10.00", "")])
    source = ctx.config.payout_source("adyen-e2e")

    [envelope] = payouts.queue_settlement(ctx, source, raw, queue=False)
    assert run_item(ctx, names.PAYOUTS_IMPORT, envelope, payouts.import_payout) is SyncStatus.SUCCESS

    lines = payments(stack, "ADYEN-9101")
    assert [(p["amount"], p["appliesToInvoiceNumber"], p["customerNumber"]) for p in lines] == [
        (-248.0, a["number"], a["customerNumber"]), (-227.0, b["number"], b["customerNumber"]),
        (49.0, "", c["customerNumber"])]  # the refund: positive, for the person to apply to the credit memo
    assert all(p["journalDisplayName"] == "ADYEN" for p in lines)
    [fee] = fee_lines(stack, "ADYEN-9101")
    # BC answers the enum XML-encoded (G_x002F_L_x0020_Account); we sent and read it as the AL name
    assert fee["accountType"] == "G_x002F_L_x0020_Account"
    assert (enum_value(fee["accountType"]), fee["accountNumber"], fee["amount"]) == ("G/L Account", "6100", 14.75)
    assert (enum_value(fee["balanceAccountType"]), fee["balancingAccountNumber"], fee["journalDisplayName"]) == (
        "G/L Account", "1945", "FEES")
    # payments − refunds − fees = what Adyen paid out
    assert 248.0 + 227.0 - 49.0 - 14.75 == 411.25
    record = ctx.synclog.get("payouts", "adyen-e2e", "adyen:9101")
    assert record.status is SyncStatus.SUCCESS and "411.25" in record.message
    assert record.bc_document == "customerPayments ADYEN ADYEN-9101"

    # the same report imported again (a second file upload, a redelivered message): nothing new in BC
    [again] = payouts.queue_settlement(ctx, source, raw, queue=False)
    assert run_item(ctx, names.PAYOUTS_IMPORT, again, payouts.import_payout) is SyncStatus.SKIPPED
    assert run_item(ctx, names.PAYOUTS_IMPORT, envelope, payouts.import_payout) is SyncStatus.SKIPPED
    assert len(payments(stack, "ADYEN-9101")) == 3 and len(fee_lines(stack, "ADYEN-9101")) == 1
    assert ctx.synclog.get("payouts", "adyen-e2e", "adyen:9101").status is SyncStatus.SUCCESS


def test_a_bc_answer_lost_mid_way_is_retried_without_booking_anything_twice(ctx, stack, monkeypatch):
    a = import_order(ctx, stack, 7411, [("1000", 1, "199.00")])
    b = import_order(ctx, stack, 7412, [("2000", 1, "89.00")])
    raw = adyen_report("9102", [("Settled", "2411", "248.00", "2.48"), ("Settled", "2412", "138.00", "1.38")])
    [envelope] = payouts.queue_settlement(ctx, ctx.config.payout_source("adyen-e2e"), raw, queue=False)
    monkeypatch.setattr(payouts, "CHUNK", 1)
    # $batch POSTs: 1 = the look-ups, 2 = first payment, 3 = second payment: BC commits it, the answer is lost
    stack.bc.faults.add("504_after_commit", sequence=[False, False, True], methods=["POST"], path_contains="$batch")
    try:
        assert run_item(ctx, names.PAYOUTS_IMPORT, envelope, payouts.import_payout) is SyncStatus.RECEIVED
    finally:
        stack.bc.faults.clear()
    assert len(payments(stack, "ADYEN-9102")) == 2 and fee_lines(stack, "ADYEN-9102") == []
    claim = ctx.bindings.get("payout", "adyen-e2e", "adyen:9102")
    assert not claim.is_bound and claim.data["created"] == ["ADYEN-9102/SH-2411"]

    assert run_item(ctx, names.PAYOUTS_IMPORT, envelope, payouts.import_payout) is SyncStatus.SUCCESS
    assert [(p["amount"], p["appliesToInvoiceNumber"]) for p in payments(stack, "ADYEN-9102")] == [
        (-248.0, a["number"]), (-138.0, b["number"])]
    [fee] = fee_lines(stack, "ADYEN-9102")
    assert fee["amount"] == 3.86
    assert ctx.bindings.get("payout", "adyen-e2e", "adyen:9102").is_bound


def test_orders_not_invoiced_yet_need_attention_and_nothing_is_booked_until_they_are(ctx, stack):
    from core.cli.payouts import add_parser

    first = import_order(ctx, stack, 7421, [("1000", 1, "199.00")], invoice=False)
    raw = (b"type;capture_id;merchant_reference1;payment_reference;payout_date;amount;currency_code\n"
           b"SALE;cap-1;2421;KLP9103;2026-11-27;24800;SEK\nFEE;cap-1;2421;KLP9103;2026-11-27;620;SEK\n")
    path = stack.workdir / "klarna-KLP9103.csv"
    path.write_bytes(raw)
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["payouts", "import", "--source", "klarna-e2e", "--now", str(path)])
    assert args.func(args) == 1
    record = ctx.synclog.get("payouts", "klarna-e2e", "klarna:KLP9103")
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "not_invoiced"
    assert "SH-2421" in record.message and "Ship and invoice" in record.resolution
    assert payments(stack, "KLARNA-KLP9103") == []
    assert ctx.bindings.get("payout", "klarna-e2e", "klarna:KLP9103") is None  # the claim was given back

    invoice = ship_and_invoice(ctx, stack, first["orderId"])
    assert args.func(args) == 0
    [line] = payments(stack, "KLARNA-KLP9103")
    assert (line["amount"], line["appliesToInvoiceNumber"], line["journalDisplayName"]) == (
        -248.0, invoice["number"], "KLARNA")
    assert fee_lines(stack, "KLARNA-KLP9103")[0]["amount"] == 6.2

    # without --now the file is only queued for the app's worker
    queued = parser.parse_args(["payouts", "import", "--source", "klarna-e2e", str(path)])
    assert queued.func(queued) == 0
    messages = stack.storage.queue(names.PAYOUTS_IMPORT).peek_messages(max_messages=32)
    assert any(Envelope.loads(m.content).external_id == "klarna:KLP9103" for m in messages)


def test_a_stripe_payout_notification_is_fetched_booked_and_posted(ctx, stack, monkeypatch):
    a = import_order(ctx, stack, 7431, [("1000", 2, "199.00")])  # 447.00
    b = import_order(ctx, stack, 7432, [("3000", 1, "249.00")])  # 298.00
    transactions = [
        {"id": "txn_a", "amount": 44700, "fee": 1142, "net": 43558, "currency": "sek", "type": "charge",
         "reporting_category": "charge",
         "source": {"id": "ch_a", "object": "charge", "metadata": {"order_id": "2431"}}},
        {"id": "txn_b", "amount": 29800, "fee": 797, "net": 29003, "currency": "sek", "type": "charge",
         "reporting_category": "charge",
         "source": {"id": "ch_b", "object": "charge", "metadata": {"order_id": "2432"}}},
        {"id": "txn_p", "amount": -72561, "fee": 0, "net": -72561, "currency": "sek", "type": "payout",
         "reporting_category": "payout", "created": 1764115200,
         "source": {"id": "po_E2E9104", "object": "payout", "arrival_date": 1764201600}},
    ]
    seen = []

    def stripe_api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.headers["Authorization"] == "Bearer sk_test_bridge"
        assert request.url.params["payout"] == "po_E2E9104" and request.url.params["expand[]"] == "data.source"
        if "starting_after" not in request.url.params:  # two pages: auto-pagination
            return httpx.Response(200, json={"object": "list", "data": transactions[:2], "has_more": True})
        assert request.url.params["starting_after"] == "txn_b"
        return httpx.Response(200, json={"object": "list", "data": transactions[2:], "has_more": False})

    from core.payments import stripe

    real_fetch = stripe.fetch_settlement
    monkeypatch.setattr(stripe, "fetch_settlement", lambda n, key, http=None: real_fetch(
        n, key, http=httpx.Client(transport=httpx.MockTransport(stripe_api))))

    raw = stripe_event(payout_id="po_E2E9104", event_id="evt_e2e_9104")
    req = func.HttpRequest(
        "POST", "http://localhost/api/payouts/stripe-post", body=raw, route_params={"source": "stripe-post"},
        headers={"Stripe-Signature": stripe_signature(raw, int(time.time()))})
    assert payout_functions.receive_payout_notification.build().get_user_function()(req).status_code == 200
    queue = stack.storage.queue(names.PAYOUTS_IMPORT)
    message = next(m for m in queue.receive_messages(max_messages=32, visibility_timeout=30)
                   if json.loads(m.content)["external_id"] == "stripe:po_E2E9104")
    payout_functions.import_payout.build().get_user_function()(
        QueueMessage(id=message.id, body=message.content.encode(), dequeue_count=1))
    queue.delete_message(message)

    assert len(seen) == 2
    record = ctx.synclog.get("payouts", "stripe-post", "stripe:po_E2E9104")
    assert record.status is SyncStatus.SUCCESS, record.message
    assert "Posted FEES, STRIPE" in record.message
    # posted: the journal is empty, the invoices are paid, the fees are on 6100 against the clearing account
    assert payments(stack, "STRIPE-PO_E2E9104") == []
    posted = stack.bc.records(company(stack), "_postedPayments", externalDocumentNumber="STRIPE-PO_E2E9104")
    assert sorted((p["appliesToInvoiceNumber"], p["amount"]) for p in posted) == sorted(
        [(a["number"], -447.0), (b["number"], -298.0)])
    for invoice in (a, b):
        [now] = stack.bc.records(company(stack), "salesInvoices", id=invoice["id"])
        assert (now["status"], now["remainingAmount"]) == ("Paid", 0)
    [fee] = stack.bc.records(company(stack), "_postedJournalLines", documentNumber=next(
        r["documentNumber"] for r in stack.bc.records(company(stack), "_postedJournalLines")
        if r["description"].startswith("Stripe po_E2E9104")))
    assert (fee["accountNumber"], fee["balancingAccountNumber"], fee["amount"]) == ("6100", "1945", 19.39)


def test_while_another_worker_books_a_payout_a_second_one_waits_and_writes_nothing(ctx, stack):
    from datetime import timedelta

    import_order(ctx, stack, 7441, [("1000", 1, "199.00")])
    raw = adyen_report("9105", [("Settled", "2441", "248.00", "2.48")])
    [envelope] = payouts.queue_settlement(ctx, ctx.config.payout_source("adyen-e2e"), raw, queue=False)
    other = ctx.bindings.claim("payout", "adyen-e2e", "adyen:9105", "other-worker", timedelta(minutes=10))
    assert run_item(ctx, names.PAYOUTS_IMPORT, envelope, payouts.import_payout) is SyncStatus.RECEIVED
    assert payments(stack, "ADYEN-9105") == []
    ctx.bindings.release(other)  # the other worker gave up without writing: this one books it
    assert run_item(ctx, names.PAYOUTS_IMPORT, envelope, payouts.import_payout) is SyncStatus.SUCCESS
    assert len(payments(stack, "ADYEN-9105")) == 1


def test_with_post_and_a_refund_fees_are_posted_and_the_payment_journal_waits_for_a_person(ctx, stack):
    import_order(ctx, stack, 7451, [("1000", 1, "199.00")])
    c = import_order(ctx, stack, 7452, [("2000", 1, "89.00")])
    raw = adyen_report("9106", [("Settled", "2451", "248.00", "2.48"), ("Refunded", "2452", "89.00", "")])
    [envelope] = payouts.queue_settlement(ctx, ctx.config.payout_source("adyen-post"), raw, queue=False)
    assert run_item(ctx, names.PAYOUTS_IMPORT, envelope, payouts.import_payout) is SyncStatus.NEEDS_ATTENTION
    record = ctx.synclog.get("payouts", "adyen-post", "adyen:9106")
    assert record.code == "refunds_to_apply" and "FEES posted" in record.message
    assert "Document Type = Refund" in record.resolution
    lines = payments(stack, "ADYEN-9106")  # still in the journal, unposted
    assert [(p["amount"], p["customerNumber"]) for p in lines][1] == (89.0, c["customerNumber"])
    assert fee_lines(stack, "ADYEN-9106") == []  # posted
    binding = ctx.bindings.get("payout", "adyen-post", "adyen:9106")
    assert binding.is_bound and binding.data["posted"] == ["FEES"]
