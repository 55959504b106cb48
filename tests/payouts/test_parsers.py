"""Settlement parsers: the real Adyen batch 380 to the cent, and small Stripe/Klarna fixtures."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import NeedsAttention
from core.models import PayoutLineKind
from core.payments import PSPS, adyen, klarna, psp, stripe
from tests.conftest import corpus_file

FIXTURES = Path(__file__).parent / "fixtures"
D = Decimal


@pytest.fixture(scope="module")
def adyen_raw() -> bytes:
    return corpus_file("payments/adyen-settlement-details-batch-380.csv").read_bytes()


def test_every_provider_module_offers_the_same_functions():
    for module in PSPS.values():
        for name in ("parse_settlement", "verify_notification", "describe_notification", "fetch_settlement",
                     "ACKNOWLEDGEMENT"):
            assert hasattr(module, name), f"{module.__name__} lacks {name}"
    with pytest.raises(NeedsAttention) as exc:
        psp("paypal")
    assert exc.value.code == "unknown_psp"


def test_adyen_batch_380_nets_to_the_merchant_payout_to_the_cent(adyen_raw):
    [payout] = adyen.parse_settlement(adyen_raw)
    assert (payout.psp, payout.payout_id, payout.currency) == ("adyen", "380", "USD")
    assert payout.payout_date.isoformat() == "2021-01-07"
    assert payout.net_total == D("55308.07")
    assert sum(line.net for line in payout.lines) == D("55308.07")
    kinds = [line.kind for line in payout.lines]
    assert (kinds.count(PayoutLineKind.SALE), kinds.count(PayoutLineKind.REFUND), kinds.count(PayoutLineKind.FEE)) \
        == (220, 6, 1)
    [fee_row] = [line for line in payout.lines if line.kind is PayoutLineKind.FEE]
    assert (fee_row.fee, fee_row.net, fee_row.gross, fee_row.reference) == (D("38.1"), D("-38.1"), 0, "")
    assert all(line.gross - line.fee == line.net for line in payout.lines)


def test_adyen_gross_times_rate_minus_net_is_the_fee_on_every_row(adyen_raw):
    rows = [r for r in csv.DictReader(adyen_raw.decode().splitlines()) if r["Type"] == "Settled"]
    [payout] = adyen.parse_settlement(adyen_raw)
    sales = {line.psp_reference: line for line in payout.lines if line.kind is PayoutLineKind.SALE}
    assert len(rows) == len(sales) == 220
    costs = ("Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)")
    for row in rows:
        gross_nc = D(row["Gross Credit (GC)"]) * D(row["Exchange Rate"])
        fee = sum((D(row[c] or 0) for c in costs), D(0))
        assert gross_nc - D(row["Net Credit (NC)"]) == fee, row["Psp Reference"]
        line = sales[row["Psp Reference"]]
        assert (line.gross, line.fee, line.reference) == (gross_nc, fee, row["Merchant Reference"])
    # the first row of the report, exactly
    first = sales["1829098024817852"]
    assert (first.reference, first.gross, first.fee, first.net) == ("CM1000028854", D("31.45"), D("0.30"),
                                                                      D("31.15"))


def test_adyen_refunds_are_negative_and_the_fees_total_adds_every_cost(adyen_raw):
    [payout] = adyen.parse_settlement(adyen_raw)
    refunds = [line for line in payout.lines if line.kind is PayoutLineKind.REFUND]
    assert refunds[0].reference == "CM3000149254" and refunds[0].gross == refunds[0].net == D("-19.95")
    assert all(line.gross < 0 for line in refunds)
    received = sum(line.gross for line in payout.lines if line.kind is PayoutLineKind.SALE)
    paid_back = -sum(line.gross for line in refunds)
    assert received - paid_back - payout.fees_total == payout.net_total


def test_adyen_refuses_a_file_that_is_not_a_settlement_details_report():
    with pytest.raises(NeedsAttention) as exc:
        adyen.parse_settlement(b"Date,Amount\n2021-01-01,10.00\n")
    assert exc.value.code == "unreadable_settlement" and "Batch Number" in exc.value.message


def test_stripe_balance_transactions_in_minor_units():
    [payout] = stripe.parse_settlement((FIXTURES / "stripe-balance-transactions-po_1TestPayoutSE.json").read_bytes())
    assert (payout.psp, payout.payout_id, payout.currency) == ("stripe", "po_1TestPayoutSE", "SEK")
    assert payout.net_total == D("635.18") == sum(line.net for line in payout.lines)
    assert payout.payout_date.isoformat() == "2025-11-27"
    sale, sale_b, refund, radar = payout.lines
    assert (sale.kind, sale.reference, sale.gross, sale.fee, sale.net) == (
        PayoutLineKind.SALE, "2001", D("516.00"), D("10.58"), D("505.42"))
    assert sale_b.reference == "#2002"
    assert (refund.kind, refund.reference, refund.gross, refund.net) == (PayoutLineKind.REFUND, "1999", D("-89"),
                                                                         D("-89"))
    assert (radar.kind, radar.gross, radar.fee, radar.net) == (PayoutLineKind.FEE, 0, D("25.00"), D("-25.00"))
    assert payout.fees_total == D("10.58") + D("5.24") + D("25.00")


def test_stripe_json_in_a_zero_decimal_currency_and_an_inconsistent_row():
    txn = {"id": "txn_1", "amount": 1000, "fee": 40, "net": 960, "currency": "jpy", "reporting_category": "charge",
           "source": {"metadata": {"order_id": "9"}}}
    [payout] = stripe.parse_settlement(__import__("json").dumps({"payout": "po_J", "data": [txn]}).encode())
    assert payout.lines[0].gross == D(1000) and payout.net_total == D(960)
    with pytest.raises(NeedsAttention):
        stripe.parse_settlement(__import__("json").dumps({"payout": "po_J", "data": [{**txn, "net": 961}]}).encode())
    with pytest.raises(NeedsAttention):  # no payout transaction and no payout id: which payout is it?
        stripe.parse_settlement(__import__("json").dumps([txn]).encode())


def test_stripe_itemized_csv_in_major_units_two_payouts():
    first, second = stripe.parse_settlement((FIXTURES / "stripe-payout-reconciliation-itemized-2026-11.csv")
                                            .read_bytes())
    assert (first.payout_id, first.net_total, second.payout_id, second.net_total) == (
        "po_1CsvA", D("416.42"), "po_1CsvB", D("218.76"))
    assert [(line.kind, line.reference) for line in first.lines] == [
        (PayoutLineKind.SALE, "2001"), (PayoutLineKind.REFUND, "1999")]
    assert second.lines[1].kind is PayoutLineKind.FEE and second.lines[1].fee == D("25.00")
    assert second.payout_date.isoformat() == "2026-11-26"


def test_klarna_semicolon_csv_signs_by_type_minor_units():
    [payout] = klarna.parse_settlement((FIXTURES / "klarna-settlement-XISA93DJ.csv").read_bytes())
    assert (payout.psp, payout.payout_id, payout.currency) == ("klarna", "XISA93DJ", "SEK")
    assert payout.net_total == D("652.09")  # 516 − 12.90 + 249 − 6.23 − 89 − 4.78
    assert payout.payout_date.isoformat() == "2026-11-27"
    sale = payout.lines[0]
    assert (sale.kind, sale.reference, sale.gross, sale.fee, sale.net) == (PayoutLineKind.SALE, "2001", D("516.00"),
                                                                           0, D("516.00"))
    refund = payout.lines[4]
    assert (refund.kind, refund.reference, refund.net) == (PayoutLineKind.REFUND, "1999", D("-89.00"))
    assert payout.fees_total == D("12.90") + D("6.23") + D("4.78")


def test_klarna_major_units_with_decimal_comma_and_unknown_types():
    raw = (b"type;amount;currency_code;merchant_reference1;payment_reference\n"
           b"SALE;516,00;SEK;2001;P1\nHOLDBACK;10,00;SEK;;P1\n")
    [payout] = klarna.parse_settlement(raw)
    assert payout.net_total == D("506.00") and payout.lines[1].kind is PayoutLineKind.ADJUSTMENT
    with pytest.raises(NeedsAttention) as exc:
        klarna.parse_settlement(raw.replace(b"HOLDBACK", b"MYSTERY"))
    assert "MYSTERY" in exc.value.message
