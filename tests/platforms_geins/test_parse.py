"""Geins orders → canonical Order: a hand-built order from the documented model (fixtures/, each says its
source), the emulator's orders, the id-only webhook, load_order against the emulator, and a Hypothesis
property (a result or one of our errors, whatever the body)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import BridgeError, NeedsAttention
from core.models import CustomerKind
from core.platforms.geins import parse
from sandbox.geins_emulator import GeinsEmulator, webhook_body
from tests.conftest import corpus_file
from tests.hostile.strategies import mutated
from tests.platforms_geins.conftest import client_of, geins_shop

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_a_company_order_with_row_and_order_discounts_fees_and_balance():
    order = parse.parse_order(fixture("order-geins-company-balance.json"), "geins-se")
    assert (order.external_id, order.number, order.currency, order.prices_include_tax) == ("310577", "310577", "SEK",
                                                                                            True)
    # the cancelled row (5003) is left out; each row nets to its Total to the cent
    assert [ln.external_id for ln in order.lines] == ["5001", "5002"]
    chair, book = order.lines
    assert (chair.unit_price, chair.discount_amount, chair.net_amount) == (Decimal("200.00"), Decimal("100.00"),
                                                                          Decimal("500.00"))
    assert chair.tax_lines[0].rate == Decimal("0.25") and chair.tax_lines[0].amount == Decimal("100.0")
    assert (book.net_amount, book.tax_rate, book.tax_lines[0].amount) == (Decimal("112.00"), Decimal("0.06"),
                                                                          Decimal("6.34"))
    [shipping] = order.shipping_lines
    assert (shipping.title, shipping.price, shipping.tax_rate) == ("Express", Decimal("59.0"), Decimal("0.25"))
    [fee] = order.fee_lines
    assert (fee.amount, fee.tax_lines[0].rate) == (Decimal("29.0"), Decimal("0.25"))
    [discount] = order.discounts
    assert (discount.code, discount.amount, discount.unallocated_amount) == ("SPRING", Decimal("150.0"),
                                                                            Decimal("50.0"))
    # the BC total is the value of the sale before the balance; the balance is a payment
    assert order.totals.total == Decimal("650.0")
    assert [(p.amount, p.reference) for p in order.gift_card_payments] == [(Decimal("100.0"), "balance")]
    parts = (sum(ln.net_amount for ln in order.lines) + shipping.price + fee.amount - order.unallocated_discount)
    assert parts == order.totals.total
    assert order.customer.kind is CustomerKind.COMPANY and order.customer.company_name == "Acme AB"
    assert order.customer.email == "inkop@acme.example" and order.customer.external_id == "8812"
    assert order.shipping_address.line2 == "c/o Goods reception, Hus B" and order.country == "SE"
    assert order.paid and order.cancelled_at is None and order.note == "Leave at the reception"
    assert order.updated_at.isoformat() == "2026-12-01T14:02:11+00:00"  # no offset → UTC
    assert order.payment_gateways == ["klarna"] and order.market == "SE"


def test_a_row_total_that_does_not_divide_by_its_quantity_still_nets_to_the_cent():
    doc = fixture("order-geins-company-balance.json")
    doc["Rows"] = [{**doc["Rows"][1], "Quantity": 3, "Total": 100.0, "Discount": 0, "VATRate": 0.25,
                    "VATTotal": 20.0}]
    [line] = parse.parse_order(doc, "s").lines
    assert (line.unit_price, line.discount_amount, line.net_amount) == (Decimal("33.34"), Decimal("0.02"),
                                                                        Decimal("100.00"))


def test_statuses_paid_and_cancelled():
    doc = fixture("order-geins-company-balance.json")
    for status, paid in (("pending", True), ("pending-payment", False), ("inactive", False)):
        doc["Status"] = status
        doc["PaymentDetails"][0]["Payed"] = False
        assert parse.parse_order(doc, "s").paid is paid, status
    doc["Status"] = "cancelled"
    order = parse.parse_order(doc, "s")
    assert order.cancelled_at == order.updated_at and not order.paid


def test_a_shipping_fee_at_another_rate_than_any_row_keeps_its_own_rate():
    doc = fixture("order-geins-company-balance.json")
    doc["ShippingFee"], doc["ShippingFeeExVat"] = 56.0, 50.0  # 12 %
    assert parse.parse_order(doc, "s").shipping_lines[0].tax_rate == Decimal("0.12")


def test_the_emulator_order_parses_consistently():
    emu = GeinsEmulator()
    doc = emu.make_order([("1000", 2, "199.00"), ("2000", 1, "89.00")], row_discount_percent=10,
                         order_discount="20.00", payment_fee="19.00")
    order = parse.parse_order(doc, "s")
    parts = (sum(ln.net_amount for ln in order.lines) + sum(s.price for s in order.shipping_lines)
             + sum(f.amount for f in order.fee_lines) - order.unallocated_discount)
    assert parts == order.totals.total == Decimal("486.30")


def test_id_only_bodies_and_unusable_orders_are_refused_with_our_error():
    body = json.loads(corpus_file("geins-order_webhook-1.json").read_text())
    assert parse.needs_fetch(body) == "12345"
    for payload in (body, [], {"Id": 1}, {**fixture("order-geins-company-balance.json"), "Rows": {}}):
        with pytest.raises(NeedsAttention) as err:
            parse.parse_order(payload, "s")
        assert err.value.code == "malformed_payload"


def test_load_order_fetches_the_order_the_webhook_names(geins):
    order = geins.add_order(geins.make_order([("1000", 1, "199.00")]))
    shop = geins_shop(geins.base_url)
    loaded = parse.load_order(webhook_body("Order", "create", order["Id"]), shop, lambda _shop: client_of(geins))
    assert loaded.external_id == str(order["Id"]) and loaded.totals.total == Decimal("248")
    assert geins.counters["requests"] == 1
    # a stored order (the reconcile's) is parsed without a call
    again = parse.load_order(json.dumps(order).encode(), shop, lambda _shop: client_of(geins))
    assert again.external_id == loaded.external_id and geins.counters["requests"] == 1


def test_load_order_names_a_missing_order_and_refuses_bodies_naming_none(geins):
    shop = geins_shop(geins.base_url)
    with pytest.raises(NeedsAttention) as missing:
        parse.load_order(webhook_body("Order", "update", 777), shop, lambda _shop: client_of(geins))
    assert missing.value.code == "order_not_found" and "777" in missing.value.message
    for raw in (b"{}", b"not json", webhook_body("Product", "update", 9)):
        with pytest.raises(NeedsAttention) as bad:
            parse.load_order(raw, shop, lambda _shop: client_of(geins))
        assert bad.value.code == "malformed_payload"


def test_load_order_without_credentials_says_which_setting(geins):
    with pytest.raises(NeedsAttention) as err:
        parse.load_order(webhook_body("Order", "create", 1), geins_shop(geins.base_url))
    assert err.value.code == "missing_setting" and "GEINS_TEST_API_CREDENTIALS" in err.value.message


SEEDS = [fixture("order-geins-company-balance.json"),
         GeinsEmulator().make_order([("1000", 2, "199.00")], row_discount_percent=10, payment_fee="19")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mutated(SEEDS), basis=st.sampled_from(["shop", "presentment"]))
def test_parse_order_answers_an_order_or_our_error_whatever_the_body(doc, basis):
    try:
        order = parse.parse_order(doc, "s", basis)
    except BridgeError:
        return
    assert order.platform == "geins" and order.totals.total >= 0
    assert all(ln.quantity > 0 for ln in order.lines)


# --- refunds: the body the refunds reconcile stores (flows.new_refunds), built from Order.Refunds (§3.5) ---

def refund_body() -> dict:
    order = fixture("order-geins-company-balance.json")
    entries = [
        {"Id": 880, "OrderRowId": 5001, "ReturnId": 3, "ArticleNumber": "1000", "CreatedAt": "2026-12-02T08:00:05",
         "Total": 333.34, "Vat": 0.25, "Reason": "Too small", "ItemId": 9001, "RefundType": "Refund"},
        {"Id": 879, "OrderRowId": 5002, "ReturnId": 3, "ArticleNumber": "", "CreatedAt": "2026-12-02T08:00:05",
         "Total": 112.0, "Vat": 0.06, "Reason": "Damaged"},
        {"Id": 881, "OrderRowId": 0, "ReturnId": 3, "ArticleNumber": "", "CreatedAt": "2026-12-02T08:00:05",
         "Total": 59.0, "Vat": 0.25, "Reason": "Too small"}]
    return {"OrderId": order["Id"], "Currency": "SEK", "Refunds": entries, "Rows": order["Rows"]}


def test_a_refund_of_two_rows_and_an_amount_on_no_row():
    refund = parse.parse_refund(refund_body(), "geins-se")
    assert (refund.external_id, refund.order_external_id, refund.currency) == ("310577-879", "310577", "SEK")
    assert refund.prices_include_tax and refund.created_at.isoformat() == "2026-12-02T08:00:05+00:00"
    chair, book = refund.lines
    # 333.34 of a row whose UnitPrice is 166.67: two units; the book's 112.00 is one
    assert (chair.sku, chair.quantity, chair.amount, chair.tax_amount) == ("1000", Decimal(2), Decimal("333.34"),
                                                                          Decimal("66.67"))
    assert (book.sku, book.quantity, book.tax_amount, book.order_line_external_id) == ("BOOK-1", Decimal(1),
                                                                                      Decimal("6.34"), "5002")
    assert refund.adjustment_amount == Decimal("59.0") and refund.total == Decimal("504.34")
    assert refund.note == "Damaged; Too small" and not any(ln.restock for ln in refund.lines)


def test_a_refund_amount_that_is_no_whole_number_of_units_is_one_line_of_that_amount():
    body = refund_body()
    body["Refunds"] = [{**body["Refunds"][0], "Total": 100.0}]
    [line] = parse.parse_refund(body, "s").lines
    assert (line.quantity, line.amount) == (Decimal(1), Decimal("100.0"))


def test_refund_bodies_we_cannot_use_are_refused_with_our_error():
    for body in ({}, {**refund_body(), "Refunds": []}, {**refund_body(), "Currency": ""},
                 {**refund_body(), "Refunds": [{"Id": "x", "Total": 1, "CreatedAt": "2026-12-02T08:00:05"}]},
                 {**refund_body(), "Refunds": [{"Id": 1, "Total": 1}]}, []):
        with pytest.raises(NeedsAttention) as err:
            parse.parse_refund(body, "s")
        assert err.value.code == "malformed_payload"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mutated([refund_body()]))
def test_parse_refund_answers_a_refund_or_our_error_whatever_the_body(doc):
    try:
        refund = parse.parse_refund(doc, "s")
    except BridgeError:
        return
    assert refund.platform == "geins" and refund.external_id.startswith(f"{refund.order_external_id}-")


def test_negative_row_discounts_and_refund_totals_are_refused_not_booked():
    doc = fixture("order-geins-company-balance.json")
    doc["Rows"][0]["Discount"] = -10.0
    with pytest.raises(NeedsAttention) as order_err:
        parse.parse_order(doc, "s")
    body = refund_body()
    body["Refunds"][0]["Total"] = -5.0
    with pytest.raises(NeedsAttention) as refund_err:
        parse.parse_refund(body, "s")
    assert order_err.value.code == refund_err.value.code == "malformed_payload"
    assert "negative" in order_err.value.message and "negative" in refund_err.value.message
