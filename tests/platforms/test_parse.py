"""Shopify and WooCommerce payloads → canonical Order / Refund: the corpus plus hand-written edge cases."""

from __future__ import annotations

import copy
import json
from decimal import Decimal as D

import pytest

from core.errors import NeedsAttention
from core.models import CustomerKind
from core.platforms import PLATFORMS, platform, shopify, woocommerce
from tests.conftest import corpus_file


def load(name: str) -> dict:
    return json.loads(corpus_file(name).read_text(encoding="utf-8"))


# --- registry ------------------------------------------------------------------------------------


def test_platform_registry_is_an_explicit_dict_of_modules():
    assert set(PLATFORMS) == {"shopify", "woocommerce", "magento", "shopware", "centra", "norce", "brink", "geins"}
    assert PLATFORMS["shopify"] is shopify and PLATFORMS["woocommerce"] is woocommerce
    assert platform("woocommerce").parse.parse_order is woocommerce.parse.parse_order
    for name, module in PLATFORMS.items():  # the same modules everywhere
        assert callable(module.webhooks.verify) and callable(module.webhooks.describe), name
        assert callable(module.parse.parse_order), name


def test_unknown_platform_names_the_supported_ones():
    with pytest.raises(NeedsAttention) as err:
        platform("prestashop")
    assert err.value.code == "unknown_platform"
    assert "shopify, woocommerce, magento" in err.value.message


# --- Shopify corpus ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, number, currency, total, lines, includes_tax", [
    ("shopify-order-1.json", "1234", "USD", D("388.00"), 2, False),
    ("shopify-order-2.json", "1001", "USD", D("409.94"), 3, False),
    ("shopify-order-4.json", "1071", "HKD", D("186.90"), 2, False),
    ("shopify-order-5.json", "1005", "INR", D("1018.00"), 2, False),
    ("shopify-order-6.json", "2983", "USD", D("255.79"), 1, True),
])
def test_shopify_corpus_orders_parse(name, number, currency, total, lines, includes_tax):
    order = shopify.parse.parse_order(load(name), "shop-a")
    assert (order.number, order.currency, order.totals.total, len(order.lines), order.prices_include_tax) == (
        number, currency, total, lines, includes_tax)
    assert order.platform == "shopify" and order.shop == "shop-a"


def test_shopify_ids_come_from_the_graphql_id_when_the_number_was_rounded():
    order = shopify.parse.parse_order(load("shopify-order-1.json"), "s")
    assert order.external_id == "820982911946154508"  # "id" in the file: 820982911946154500
    assert [line.external_id for line in order.lines] == ["866550311766439020", "141249953214522974"]
    assert order.customer.external_id == "115310627314723954"


def test_shopify_rest_wrapper_is_accepted():
    order = shopify.parse.parse_order(load("shopify-order-2.json"), "s")
    assert order.external_id == "450789469"
    assert [line.sku for line in order.lines] == ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]


def test_shopify_order_tax_lines_apply_to_lines_that_have_none_in_old_rest_orders():
    order = shopify.parse.parse_order(load("shopify-order-2.json"), "s")
    assert [line.tax_rate for line in order.lines] == [D("0.06")] * 3


def test_shopify_unallocated_total_discount_is_the_residual():
    order = shopify.parse.parse_order(load("shopify-order-1.json"), "s")
    assert [line.discount_amount for line in order.lines] == [0, 0]
    assert order.unallocated_discount == D("20.00")


def test_shopify_line_discount_allocations_across_two_applications():
    order = shopify.parse.parse_order(load("shopify-order-4.json"), "s")
    assert [line.discount_amount for line in order.lines] == [D("19.10"), D("15.00")]
    assert [(d.title, d.amount) for d in order.discounts] == [("0124D", D("29.10")), ("測試discount_type-1", D("5.00"))]
    assert order.unallocated_discount == 0
    assert order.paid is True and order.channel == "shopify_draft_order"


def test_shopify_old_order_without_money_sets_uses_plain_fields_even_for_presentment():
    order = shopify.parse.parse_order(load("shopify-order-5.json"), "s", currency_basis="presentment")
    assert order.currency == "INR" and order.totals.total == D("1018.00")
    assert [line.unit_price for line in order.lines] == [D("499.00"), D("499.00")]
    assert [s.price for s in order.shipping_lines] == [D("20.00")]


def test_shopify_presentment_currency_basis():
    shop_basis = shopify.parse.parse_order(load("shopify-order-6.json"), "s")
    presentment = shopify.parse.parse_order(load("shopify-order-6.json"), "s", currency_basis="presentment")
    assert (shop_basis.currency, shop_basis.lines[0].unit_price, shop_basis.totals.tax) == (
        "USD", D("255.79"), D("42.63"))
    assert (presentment.currency, presentment.lines[0].unit_price, presentment.totals.tax) == (
        "EUR", D("233.99"), D("39.00"))
    assert presentment.totals.total == D("233.99")
    assert presentment.lines[0].tax_lines[0].amount == D("39.00") and presentment.lines[0].tax_rate == D("0.2")
    assert (presentment.shop_currency, presentment.presentment_currency) == ("USD", "EUR")


def test_shopify_status_flags():
    cancelled = shopify.parse.parse_order(load("shopify-order-1.json"), "s")
    assert cancelled.cancelled_at is not None and cancelled.test is True and cancelled.paid is False
    authorized = shopify.parse.parse_order(load("shopify-order-2.json"), "s")
    assert authorized.financial_status == "authorized" and authorized.paid is False


def test_shopify_billing_company_alone_is_not_b2b():
    order = shopify.parse.parse_order(load("shopify-order-5.json"), "s")
    assert order.customer.kind is CustomerKind.PERSON
    assert order.customer.company_name == "Wyatt Inc."


@pytest.mark.parametrize("signal", [
    {"company": {"id": 9001, "location_id": 77}},
    {"company_location_id": 77},
    {"purchasing_entity": {"company": {"id": "gid://shopify/Company/9001"}}},
])
def test_shopify_explicit_b2b_signal_makes_a_company_customer(signal):
    payload = load("shopify-order-5.json")["order"] | signal  # the file is a REST {"order": …} resource
    customer = shopify.parse.parse_order(payload, "s").customer
    assert customer.kind is CustomerKind.COMPANY
    assert customer.display_name == "Wyatt Inc."


def minimal_shopify(**extra) -> dict:
    """A small hand-written orders/create body (API 2025-01 shape, no *_set fields)."""
    return {
        "id": 1, "created_at": "2025-03-01T10:00:00+01:00", "currency": "SEK", "order_number": 1001,
        "name": "#1001", "financial_status": "paid", "taxes_included": True, "total_price": "0.00",
        "total_discounts": "0.00", "total_tax": "0.00", "payment_gateway_names": ["shopify_payments"],
        "line_items": [], "shipping_lines": [], "email": "a@example.com",
    } | extra


def test_shopify_tips_gift_cards_and_gift_card_payments():
    payload = minimal_shopify(
        total_price="355.00", total_tip_received="5.00",
        line_items=[
            {"id": 11, "sku": "TEE", "title": "Tee", "price": "250.00", "quantity": 1, "gift_card": False,
             "tax_lines": [{"rate": 0.25, "price": "50.00", "title": "Moms"}]},
            {"id": 12, "sku": "", "title": "Gift card", "price": "100.00", "quantity": 1, "gift_card": True,
             "tax_lines": []},
        ],
        payment_gateway_names=["gift_card", "shopify_payments"],
        transactions=[
            {"gateway": "gift_card", "kind": "sale", "status": "success", "amount": "55.00",
             "receipt": {"gift_card_last_characters": "ab12"}},
            {"gateway": "shopify_payments", "kind": "sale", "status": "success", "amount": "300.00"},
        ],
    )
    order = shopify.parse.parse_order(payload, "s")
    assert order.tips == D("5.00") and order.totals.tips == D("5.00")
    assert [line.gift_card for line in order.lines] == [False, True]
    assert [(p.amount, p.reference) for p in order.gift_card_payments] == [(D("55.00"), "ab12")]
    assert order.lines[0].tax_rate == D("0.25")  # JSON float 0.25 read exactly


def test_shopify_shipping_discount_allocation_stays_on_the_shipping_line():
    payload = minimal_shopify(
        total_price="100.00", total_discounts="49.00",
        discount_applications=[{"target_type": "shipping_line", "type": "discount_code", "code": "FREESHIP",
                                "allocation_method": "each", "value": "100.0", "value_type": "percentage"}],
        line_items=[{"id": 11, "sku": "TEE", "title": "Tee", "price": "100.00", "quantity": 1}],
        shipping_lines=[{"id": 5, "title": "Standard", "code": "Standard", "price": "49.00",
                         "discount_allocations": [{"amount": "49.00", "discount_application_index": 0}]}],
    )
    order = shopify.parse.parse_order(payload, "s")
    assert order.shipping_lines[0].discount_amount == D("49.00")
    assert order.unallocated_discount == 0
    assert [(d.code, d.amount) for d in order.discounts] == [("FREESHIP", D("49.00"))]


@pytest.mark.parametrize("payload, detail", [
    ({"id": 1, "title": "A product"}, "missing created_at, line_items, currency, total_price"),
    ([1, 2], "expected a JSON object, got list"),
    (minimal_shopify(line_items="nope"), "line_items is not a list"),
    (minimal_shopify(line_items=[{"id": 1, "price": "x1", "quantity": 1}]), "is not an amount"),
], ids=["product", "list", "lines-not-list", "bad-amount"])
def test_shopify_malformed_payloads_raise_needs_attention(payload, detail):
    with pytest.raises(NeedsAttention) as err:
        shopify.parse.parse_order(payload, "s")
    assert err.value.code == "malformed_payload"
    assert detail in err.value.message


def test_shopify_refunds():
    first = shopify.parse.parse_refund(load("shopify-refund-1.json"), "s")
    assert (first.external_id, first.order_external_id, first.total, first.note) == (
        "890088186047892319", "820982911946154500", D("85.00"), "Things were damaged")
    assert [(line.sku, line.amount, line.restock) for line in first.lines] == [
        ("IPOD2008PINK", D("199.00"), False), ("IPOD2008PINK", D("199.00"), False)]
    second = shopify.parse.parse_refund(load("shopify-refund-2.json"), "s")
    assert (second.external_id, second.total, second.currency) == ("509562969", D("209.00"), "USD")
    assert [(line.amount, line.tax_amount, line.restock) for line in second.lines] == [
        (D("199.00"), D("3.98"), True), (D("199.00"), D("3.98"), True)]


def test_shopify_refund_without_required_fields():
    with pytest.raises(NeedsAttention) as err:
        shopify.parse.parse_refund({"refund": {"id": 5}}, "s")
    assert err.value.code == "malformed_payload" and "order_id" in err.value.message


# --- WooCommerce ---------------------------------------------------------------------------------


def test_woocommerce_order_1():
    order = woocommerce.parse.parse_order(load("woocommerce-order-1.json"), "woo")
    assert (order.external_id, order.number, order.currency, order.totals.total) == ("205", "205", "INR", D("17.70"))
    line = order.lines[0]
    assert (line.sku, line.quantity, line.unit_price, line.discount_amount, line.tax_rate) == (
        "woo-album", 1, D("15.00"), D("0.00"), D("0.18"))
    assert order.paid is False and order.financial_status == "on-hold"
    assert order.payment_gateways == ["cod"] and order.channel == "checkout"
    assert order.created_at.isoformat() == "2021-11-30T07:32:10+00:00"
    assert order.customer.kind is CustomerKind.PERSON and order.customer.company_name == "asd"
    assert order.country == "IN"  # empty shipping address → billing country


def test_woocommerce_order_3_paid_by_status_and_guest_fields():
    order = woocommerce.parse.parse_order(load("woocommerce-order-3.json"), "woo")
    assert order.paid is True and order.totals.total == 0
    assert order.lines[0].sku == "" and order.payment_gateways == []


def woo_order(**extra) -> dict:
    base = copy.deepcopy(load("woocommerce-order-1.json"))
    return base | extra


def test_woocommerce_prices_including_tax_rebuild_gross_amounts():
    payload = woo_order(
        prices_include_tax=True, status="processing", total="150.00", total_tax="30.00",
        tax_lines=[{"id": 1, "rate_id": 7, "label": "Moms", "rate_percent": 25, "compound": False}],
        line_items=[{"id": 1, "name": "Mug", "sku": "MUG", "quantity": 2, "subtotal": "80.00",
                     "subtotal_tax": "20.00", "total": "72.00", "total_tax": "18.00", "price": 36.0,
                     "taxes": [{"id": 7, "total": "18", "subtotal": "20"}], "variation_id": 0}],
        shipping_lines=[{"id": 2, "method_title": "Postnord", "method_id": "flat_rate", "total": "40.00",
                         "total_tax": "10.00", "taxes": [{"id": 7, "total": "10"}]}],
        fee_lines=[{"id": 3, "name": "Gift wrap", "total": "8.00", "total_tax": "2.00",
                    "taxes": [{"id": 7, "total": "2"}]}],
        coupon_lines=[{"id": 4, "code": "tenoff", "discount": "8.00", "discount_tax": "2.00"}],
    )
    order = woocommerce.parse.parse_order(payload, "woo")
    line = order.lines[0]
    assert (line.unit_price, line.discount_amount, line.tax_rate) == (D("50.00"), D("10.00"), D("0.25"))
    assert order.shipping_lines[0].price == D("50.00") and order.shipping_lines[0].code == "flat_rate"
    assert order.fee_lines[0].amount == D("10.00")
    assert [(d.code, d.amount, d.unallocated_amount) for d in order.discounts] == [("tenoff", D("10.00"), 0)]
    assert order.paid is True and order.prices_include_tax is True


def test_woocommerce_unit_price_that_does_not_divide_keeps_the_line_total():
    payload = woo_order(line_items=[{"id": 1, "name": "Pen", "sku": "PEN", "quantity": 3, "subtotal": "10.00",
                                     "subtotal_tax": "0", "total": "10.00", "total_tax": "0", "taxes": []}])
    line = woocommerce.parse.parse_order(payload, "woo").lines[0]
    assert line.unit_price == D("3.33333") and line.discount_amount == 0  # round(3 × 3.33333) = 10.00


def test_woocommerce_deleted_order_body_is_malformed_with_a_hint():
    with pytest.raises(NeedsAttention) as err:
        woocommerce.parse.parse_order({"id": 205}, "woo")
    assert err.value.code == "malformed_payload"
    assert "deleted order" in err.value.message and "line_items" in err.value.message


def test_woocommerce_refund():
    refund = woocommerce.parse.parse_refund(load("woocommerce-refund-1.json"), "woo", currency="usd")
    assert (refund.external_id, refund.order_external_id, refund.total, refund.currency) == (
        "726", "723", D("10.00"), "USD")
    assert refund.lines == [] and refund.adjustment_amount == D("10.00")
    assert refund.created_at.isoformat() == "2017-03-21T20:07:11+00:00"


def test_woocommerce_refund_lines_are_positive():
    payload = load("woocommerce-refund-1.json") | {"line_items": [
        {"id": 9, "sku": "MUG", "quantity": -1, "total": "-8.00", "total_tax": "-2.00",
         "meta_data": [{"key": "_refunded_item_id", "value": "424"}]}]}
    refund = woocommerce.parse.parse_refund(payload, "woo")
    assert [(r.order_line_external_id, r.quantity, r.amount, r.tax_amount) for r in refund.lines] == [
        ("424", 1, D("8.00"), D("2.00"))]
    assert refund.adjustment_amount == 0
