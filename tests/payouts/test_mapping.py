"""Pure mapping: payout → customerPayments (negative, applied) + fee journal line, and the net check."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.config import EXAMPLE_CONFIG, load_config
from core.errors import NeedsAttention
from core.models import Payout, PayoutLine, PayoutLineKind
from core.payments import adyen
from core.sync import payout_mapping as mapping
from tests.conftest import corpus_file

D = Decimal
DAY = date(2026, 11, 27)
JOURNALS = mapping.Journals(payment_journal_id="pj-1", clearing_account_number="1945", fee_journal_id="fj-1")


@pytest.fixture(scope="module")
def config():
    return load_config(EXAMPLE_CONFIG)


def invoice(ext_no: str, number: str, customer: str = "20000", status: str = "Open", remaining: str = "0",
            bill_to: str = ""):
    return mapping.InvoiceRef(id=f"id-{number}", number=number, external_document_number=ext_no,
                              customer_number=customer, status=status, remaining_amount=D(remaining),
                              bill_to_customer_number=bill_to)


def sek_payout(net_total: str = "1234.48", **extra) -> Payout:
    lines = [
        PayoutLine(kind=PayoutLineKind.SALE, reference="2001", psp_reference="p1", gross=D("516.00"),
                   fee=D("10.58"), net=D("505.42"), currency="SEK"),
        PayoutLine(kind=PayoutLineKind.SALE, reference="#2002", psp_reference="p2", gross=D("800.00"),
                   fee=D("16.00"), net=D("784.00"), currency="SEK"),
        PayoutLine(kind=PayoutLineKind.REFUND, reference="1999", psp_reference="p3", gross=D("-49.00"),
                   fee=D("0.94"), net=D("-49.94"), currency="SEK"),
        PayoutLine(kind=PayoutLineKind.FEE, gross=D(0), fee=D("5.00"), net=D("-5.00"), currency="SEK"),
    ]
    return Payout(psp="adyen", payout_id="77", currency="SEK", payout_date=DAY, lines=lines,
                  net_total=D(net_total), **extra)


def build(config, payout, invoices=None, journals=JOURNALS, company=None, source=None, shop=None, orders=None):
    company = company or config.company("se")
    source = source or config.payout_source("adyen-se")
    shop = shop or config.shop("shopify-demo")
    numbers = mapping.invoice_numbers(payout, shop)
    if invoices is None:
        invoices = {"SH-2001": [invoice("SH-2001", "103001")], "SH-2002": [invoice("SH-2002", "103002", "30000")],
                    "SH-1999": [invoice("SH-1999", "102999", "10000", status="Paid")]}
    return mapping.build_booking(payout, company, source, numbers, invoices, journals, DAY, orders)


def test_payments_are_negative_applied_to_the_invoice_found_by_the_shop_document_number(config):
    booking = build(config, sek_payout())
    assert booking.problems == []
    sale_a, sale_b, refund = booking.payments
    assert sale_a.body == {  # no customer: BC fills the invoice's bill-to customer from appliesToInvoiceNumber
        "journalId": "pj-1", "postingDate": "2026-11-27",
        "externalDocumentNumber": "ADYEN-77", "amount": D("-516.00"), "appliesToInvoiceNumber": "103001",
        "description": "Adyen 77 SH-2001 p1", "comment": "ADYEN-77/SH-2001",
    }
    assert sale_a.key == "ADYEN-77/SH-2001"
    assert (sale_b.body["amount"], sale_b.body["appliesToInvoiceNumber"]) == (
        D("-800.00"), "103002")  # "#2002" is order number 2002
    assert refund.body["amount"] == D("49.00") and "appliesToInvoiceNumber" not in refund.body
    assert refund.body["customerNumber"] == "10000" and "credit memo" in refund.body["description"]
    assert booking.refund_lines == 1


def test_fees_are_one_g_l_line_balanced_on_the_psp_clearing_account(config):
    booking = build(config, sek_payout())
    [fee] = booking.fees
    assert fee.body == {
        "journalId": "fj-1", "accountType": "G/L Account", "accountNumber": "6100", "postingDate": "2026-11-27",
        "externalDocumentNumber": "ADYEN-77", "balanceAccountType": "G/L Account", "balancingAccountNumber": "1945",
        "amount": D("32.52"), "description": "Adyen 77 payment provider fees", "comment": "ADYEN-77/FEES",
    }
    # payments − refunds − fees = the payout's net, to the cent
    assert booking.received - booking.paid_back - booking.fees_total == D("1234.48")


def test_same_order_paid_in_two_captures_is_one_payment_line(config):
    payout = sek_payout()
    extra = PayoutLine(kind=PayoutLineKind.SALE, reference="2001", psp_reference="p9", gross=D("100.00"),
                       fee=D("2.00"), net=D("98.00"), currency="SEK")
    payout = payout.model_copy(update={"lines": [*payout.lines, extra], "net_total": D("1332.48")})
    booking = build(config, payout)
    assert booking.problems == []
    [line] = [p for p in booking.payments if p.key == "ADYEN-77/SH-2001"]
    assert line.body["amount"] == D("-616.00") and line.body["description"].endswith("p1 p9")


def test_a_settlement_whose_lines_do_not_add_up_to_the_payout_is_not_booked(config):
    booking = build(config, sek_payout(net_total="1234.49"))
    assert [p.code for p in booking.problems] == ["inconsistent_settlement"]
    assert "difference 0.01" in booking.problems[0].message
    assert booking.payments == [] and booking.fees == []


def test_a_line_whose_gross_minus_fee_is_not_its_net_is_caught_by_the_net_check(config):
    payout = sek_payout()
    bad = payout.lines[0].model_copy(update={"gross": D("516.01")})  # net and the payout total unchanged
    booking = build(config, payout.model_copy(update={"lines": [bad, *payout.lines[1:]]}))
    [problem] = booking.problems
    assert problem.code == "net_mismatch" and "difference -0.01" in problem.message
    error = booking.as_needs_attention(payout, config.payout_source("adyen-se"))
    assert error.code == "net_mismatch" and error.resolution and error.details["external_id"] == "adyen:77"


def test_unknown_references_and_orders_not_yet_invoiced_are_named(config):
    invoices = {"SH-2001": [invoice("SH-2001", "103001")]}
    booking = build(config, sek_payout(), invoices=invoices, orders={"SH-2002": "101005"})
    codes = {p.code: p for p in booking.problems}
    assert set(codes) == {"unknown_reference", "not_invoiced"}
    unknown = codes["unknown_reference"]
    assert "SH-1999" in unknown.message and "orders sync log" in unknown.resolution
    assert "SH-2002 (order 101005)" in codes["not_invoiced"].message
    assert booking.payments == []


def test_a_draft_invoice_or_two_open_ones_cannot_be_applied(config):
    invoices = {"SH-2001": [invoice("SH-2001", "D-1", status="Draft")],
                "SH-2002": [invoice("SH-2002", "1", remaining="10"), invoice("SH-2002", "2", remaining="20")],
                "SH-1999": [invoice("SH-1999", "102999", status="Paid")]}
    [problem] = build(config, sek_payout(), invoices=invoices).problems
    assert problem.code == "invoice_not_applicable" and "SH-2001 (D-1 Draft)" in problem.message
    # of two open invoices, the one whose remaining amount is the payment is chosen
    invoices["SH-2001"] = [invoice("SH-2001", "103001")]
    invoices["SH-2002"][1] = invoice("SH-2002", "2", remaining="800.00")
    booking = build(config, sek_payout(), invoices=invoices)
    assert booking.problems == [] and booking.payments[1].body["appliesToInvoiceNumber"] == "2"


def test_foreign_currency_missing_reference_and_missing_fee_account(config):
    payout = sek_payout().model_copy(update={"currency": "EUR"})
    assert [p.code for p in build(config, payout).problems] == ["foreign_currency"]
    no_ref = sek_payout()
    no_ref = no_ref.model_copy(update={"lines": [no_ref.lines[0].model_copy(update={"reference": ""}),
                                                 *no_ref.lines[1:]]})
    [problem] = build(config, no_ref).problems
    assert problem.code == "missing_reference" and "p1" in problem.message
    company = config.company("se")
    company = company.model_copy(update={"gl_accounts": company.gl_accounts.model_copy(update={"psp_fees": ""})})
    [problem] = build(config, sek_payout(), company=company).problems
    assert problem.code == "psp_fee_account_missing" and "psp_fees" in problem.resolution


def test_without_a_fee_journal_fees_stay_on_the_clearing_account_and_still_reconcile(config):
    journals = mapping.Journals(payment_journal_id="pj-1", clearing_account_number="1945")
    booking = build(config, sek_payout(), journals=journals)
    assert booking.problems == [] and booking.fees == []
    assert booking.unbooked_fees == D("32.52") and len(booking.payments) == 3


def test_a_template_with_the_shop_internal_id_cannot_match_settlements(config):
    shop = config.shop("shopify-demo")
    shop = shop.model_copy(update={"orders": shop.orders.model_copy(update={"external_document_number": "{id}"})})
    with pytest.raises(NeedsAttention) as exc:
        mapping.invoice_numbers(sek_payout(), shop)
    assert exc.value.code == "invalid_config"


def test_the_whole_adyen_batch_380_maps_and_reconciles_to_the_cent(config):
    [payout] = adyen.parse_settlement(corpus_file("payments/adyen-settlement-details-batch-380.csv").read_bytes())
    company = config.company("se").model_copy(update={"currency": "USD"})
    shop = config.shop("shopify-demo")
    shop = shop.model_copy(update={"orders": shop.orders.model_copy(update={"prefix": ""})})
    numbers = mapping.invoice_numbers(payout, shop)
    invoices = {ext: [invoice(ext, f"INV-{n}")] for n, ext in enumerate(sorted(set(numbers.values())))}
    booking = build(config, payout, invoices=invoices, company=company, shop=shop)
    assert booking.problems == []
    sales = {line.reference for line in payout.lines if line.kind is PayoutLineKind.SALE}
    refunds = {line.reference for line in payout.lines if line.kind is PayoutLineKind.REFUND}
    assert len(booking.payments) == len(sales) + len(refunds)
    assert all(p.body["amount"] < 0 for p in booking.payments if "appliesToInvoiceNumber" in p.body)
    [fee] = booking.fees
    assert fee.body["amount"] == payout.fees_total == booking.fees_total
    clearing = -sum(line.body["amount"] for line in [*booking.payments, *booking.fees])
    assert clearing == D("55308.07")

    del invoices[numbers["CM1000028854"]]
    [problem] = build(config, payout, invoices=invoices, company=company, shop=shop).problems
    assert problem.code == "unknown_reference" and "CM1000028854" in problem.message


def test_payments_of_the_adyen_batch_never_name_the_sell_to_customer(config):
    # Invoices whose bill-to customer differs from the sell-to one: a payment line carrying the sell-to
    # customerNumber with appliesToInvoiceNumber cannot be applied (the invoice's ledger entry is on the bill-to
    # customer). APIV2CustomerPayments fills the bill-to customer itself when no customer is given; refund
    # lines (not applied) name the bill-to customer.
    [payout] = adyen.parse_settlement(corpus_file("payments/adyen-settlement-details-batch-380.csv").read_bytes())
    company = config.company("se").model_copy(update={"currency": "USD"})
    shop = config.shop("shopify-demo")
    shop = shop.model_copy(update={"orders": shop.orders.model_copy(update={"prefix": ""})})
    numbers = mapping.invoice_numbers(payout, shop)
    invoices = {ext: [invoice(ext, f"INV-{n}", customer="WEB-SELLTO", bill_to="PARENT-BILLTO")]
                for n, ext in enumerate(sorted(set(numbers.values())))}
    booking = build(config, payout, invoices=invoices, company=company, shop=shop)
    assert booking.problems == [] and booking.payments
    applied = [p.body for p in booking.payments if "appliesToInvoiceNumber" in p.body]
    refunds = [p.body for p in booking.payments if "appliesToInvoiceNumber" not in p.body]
    assert applied and refunds
    assert all("customerNumber" not in body and "customerId" not in body for body in applied)
    assert {body["customerNumber"] for body in refunds} == {"PARENT-BILLTO"}


def test_journal_enums_read_in_both_forms_and_written_as_the_al_name():
    from core.bc.odata import enum_value

    # BC answers members with spaces or punctuation XML-encoded; the docs and our bodies use the AL name
    assert enum_value("G_x002F_L_x0020_Account") == enum_value("G/L Account") == mapping.GL_ACCOUNT
    assert enum_value("Bank_x0020_Account") == mapping.BANK_ACCOUNT
    assert enum_value("_x0020_") == " " and enum_value("In_x0020_Review") == "In Review"
    assert enum_value(None) == "" and enum_value("Open") == "Open"
