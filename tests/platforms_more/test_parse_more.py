"""Magento and Shopware payloads → canonical Order / Refund, and through order_mapping.build_sales_order:
the public corpus and hand-written fixtures (configurable products, bundles, promotions, net prices)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from core.config import load_config
from core.errors import NeedsAttention
from core.models import CustomerKind
from core.platforms import magento, shopware
from core.preview import offline_resolution
from core.sync import order_mapping as m
from tests.conftest import corpus_file
from tests.platforms_more import payloads as fx

CONFIG = load_config(Path(__file__).parent / "fixtures" / "corpus_more.toml")
MAGENTO = CONFIG.shop("magento-corpus")
SHOPWARE = CONFIG.shop("shopware-corpus")


def load(name: str) -> dict:
    return json.loads(corpus_file(name).read_text(encoding="utf-8"))


def mapped(order, shop):
    company = m.route(order, CONFIG)
    return m.build_sales_order(order, company, shop, offline_resolution(order, shop, company))


def codes(result) -> list[str]:
    return [p.code for p in result.problems]


# --- Magento corpus ----------------------------------------------------------------------------------


def test_magento_io_event_corpus_parses_and_reconciles_to_the_cent():
    order = magento.parse.parse_order(load("magento-order_event-1.json"), "magento-corpus")
    assert (order.external_id, order.number, order.currency, order.paid) == ("673", "000000617", "USD", True)
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.discount_amount, ln.tax_rate) for ln in order.lines] == [
        ("Adobe_Pro_12", 1, D("505.75"), D("101.15"), 0)]
    assert [(s.code, s.price) for s in order.shipping_lines] == [("flatrate_flatrate", D("5"))]
    assert order.payment_gateways == ["braintree"] and order.customer.external_id == ""  # guest
    assert order.billing_address.line2 == "Motera Stadium road, Sabarmati"
    result = mapped(order, MAGENTO)
    assert result.document_total == result.shop_total == D("409.60")
    assert codes(result) == []
    assert [ln["taxCode"] for ln in result.body["salesOrderLines"]] == ["NOVAT", "NOVAT"]


def test_magento_rest_entity_and_event_give_the_same_order():
    event = load("magento-order_event-1.json")
    assert magento.parse.parse_order(event["data"]["value"], "s") == magento.parse.parse_order(event, "s")


# --- Magento fixtures ----------------------------------------------------------------------------------


def test_magento_configurable_product_is_counted_once_with_the_child_as_variant():
    order = magento.parse.parse_order(fx.magento_configurable_order(), "magento-corpus", "presentment")
    assert [ln.external_id for ln in order.lines] == ["10", "12"]
    hoodie = order.lines[0]
    assert (hoodie.sku, hoodie.variant_id, hoodie.product_id, hoodie.variant_title) == (
        "MH01-M-Red", "1234", "1200", "Color: Red, Size: M")
    # net: 2 × 400, discount 100 incl. tax − 20 tax compensation = 80
    assert (hoodie.quantity, hoodie.unit_price, hoodie.discount_amount, hoodie.tax_rate) == (2, 400, 80, D("0.25"))
    assert order.prices_include_tax is False and order.currency == "SEK"
    assert [(s.price, s.tax_rate) for s in order.shipping_lines] == [(80, D("0.25"))]
    assert [(d.code, d.amount, d.unallocated_amount) for d in order.discounts] == [("TENOFF", 100, 0)]
    assert order.shipping_address.city == "Solna" and order.billing_address.line2 == "3 tr"
    assert order.customer.kind is CustomerKind.PERSON and order.customer.company_name == "Buyer AB"
    assert order.customer.vat_number == "SE556000000001" and order.market == "2"
    result = mapped(order, MAGENTO)
    assert codes(result) == [] and result.document_total == result.shop_total == D("1250")
    assert result.body["currencyCode"] == "SEK"


def test_magento_shop_basis_reads_the_base_amounts():
    order = magento.parse.parse_order(fx.magento_configurable_order(), "magento-corpus", "shop")
    assert (order.currency, order.shop_currency, order.presentment_currency) == ("EUR", "EUR", "SEK")
    assert [ln.unit_price for ln in order.lines] == [40, 20] and order.totals.total == D("125")
    result = mapped(order, MAGENTO)
    assert codes(result) == [] and result.document_total == D("125.00")


def test_magento_missing_base_amount_in_another_currency_is_not_guessed():
    payload = fx.magento_configurable_order()
    del payload["items"][2]["base_row_total"]
    with pytest.raises(NeedsAttention) as err:
        magento.parse.parse_order(payload, "s", "shop")
    assert err.value.code == "malformed_payload" and "base_row_total" in err.value.message
    assert magento.parse.parse_order(payload, "s", "presentment").lines[1].unit_price == 200


def test_magento_dynamic_bundle_counts_its_children_not_the_parent():
    order = magento.parse.parse_order(fx.magento_bundle_order(), "magento-corpus")
    assert [(ln.external_id, ln.sku, ln.unit_price, ln.quantity) for ln in order.lines] == [
        ("21", "BALL", 30, 1), ("22", "ROPE", 5, 2)]
    assert mapped(order, MAGENTO).document_total == D("40.00")


def test_magento_b2b_company_store_credit_and_cancelled():
    payload = fx.magento_configurable_order()
    payload["extension_attributes"]["company_order_attributes"] = {"company_id": "8", "company_name": "Acme AB"}
    payload.update(customer_balance_amount=50, base_customer_balance_amount=5, grand_total=1200,
                   base_grand_total=120)
    order = magento.parse.parse_order(payload, "magento-corpus", "presentment")
    assert order.customer.kind is CustomerKind.COMPANY and order.customer.company_external_id == "8"
    assert [(p.amount, p.reference) for p in order.gift_card_payments] == [(50, "store credit")]
    assert order.totals.total == D("1250")  # the order's value; store credit is a payment
    assert codes(mapped(order, MAGENTO)) == []
    payload.update(state="canceled")
    assert magento.parse.parse_order(payload, "s").cancelled_at is not None


@pytest.mark.parametrize("change, named", [
    (lambda p: p.pop("increment_id"), "increment_id"),
    (lambda p: (p.pop("entity_id"), p.pop("payment"), [i.pop("order_id", None) for i in p["items"]]), "entity_id"),
    (lambda p: p.pop("grand_total"), "grand_total"),
    (lambda p: (p.pop("order_currency_code"), p.pop("base_currency_code")), "order_currency_code"),
    (lambda p: p.update(items="none"), "items is not a list"),
    (lambda p: p["items"][2].update(qty_ordered=None), "amount missing"),
])
def test_magento_malformed_orders_name_what_is_missing(change, named):
    payload = fx.magento_configurable_order()
    change(payload)
    with pytest.raises(NeedsAttention) as err:
        magento.parse.parse_order(payload, "s", "presentment")
    assert err.value.code == "malformed_payload" and named in err.value.message


def test_magento_creditmemo_refund():
    refund = magento.parse.parse_refund(fx.magento_creditmemo(), "magento-corpus")
    assert (refund.external_id, refund.order_external_id, refund.currency) == ("55", "901", "EUR")
    assert [(ln.order_line_external_id, ln.quantity, ln.amount, ln.tax_amount) for ln in refund.lines] == [
        ("10", 1, 36, 9)]  # the zero child row and the not-refunded row are left out
    assert (refund.shipping_amount, refund.adjustment_amount, refund.total) == (8, 2, 57)
    shipping_tax = 2
    parts = sum(ln.amount + ln.tax_amount for ln in refund.lines) + refund.shipping_amount + shipping_tax
    assert parts + refund.adjustment_amount == refund.total
    wrapped = {"type": "com.adobe.commerce.observer.sales_order_creditmemo_save_commit_after",
               "data": {"value": fx.magento_creditmemo()}}
    assert magento.parse.parse_refund(wrapped, "magento-corpus") == refund
    with pytest.raises(NeedsAttention) as err:
        magento.parse.parse_refund({"entity_id": "55"}, "s")
    assert "order_id, created_at, grand_total" in err.value.message


# --- Shopware corpus ---------------------------------------------------------------------------------


def test_shopware_store_api_corpus_order_lacks_identity_fields():
    with pytest.raises(NeedsAttention) as err:
        shopware.parse.parse_order(load("shopware-order-1.json"), "shopware-corpus")
    assert err.value.code == "malformed_payload"
    assert "missing id, orderDateTime, currency.isoCode" in err.value.message and "lineItems[0].id" in err.value.message


def test_shopware_store_api_corpus_prices_reconcile_once_identified():
    payload = load("shopware-order-1.json")  # trimmed by its publisher: only the identity fields are added
    payload.update(id="0190cccc", orderDateTime="2025-01-01T00:00:00+00:00", currency={"isoCode": "EUR"})
    payload["lineItems"][0]["id"] = "l-1"
    order = shopware.parse.parse_order(payload, "shopware-corpus")
    assert order.prices_include_tax is True and order.totals.tax == D("39.06")
    assert [(ln.unit_price, ln.quantity, ln.tax_rate) for ln in order.lines] == [(D("597"), 1, D("0.07"))]
    result = mapped(order, SHOPWARE)
    assert result.document_total == result.shop_total == D("597.00")
    assert codes(result) == ["unresolved_item"]  # the sample's line has no productNumber (SKU)


def test_shopware_admin_search_corpus_is_reported_inconsistent():
    order = shopware.parse.parse_order(load("shopware-order_search-1.json"), "shopware-corpus")
    assert (order.external_id, order.number, order.currency, order.shop_currency) == (
        "046d7824c16843b69a7c7becf49da54a", "11008", "EUR", "EUR")
    assert order.updated_at is None and order.financial_status == "completed"
    result = mapped(order, SHOPWARE)
    # the publisher trimmed the line items: 2 × 950 is not the stated 2931.88
    assert result.shop_total == D("2931.88") and result.document_total == D("1900.00")
    assert "inconsistent_payload" in codes(result)


def test_shopware_search_result_with_several_orders_is_not_one_order():
    payload = load("shopware-order_search-1.json")
    payload["data"].append(copy.deepcopy(payload["data"][0]))
    with pytest.raises(NeedsAttention) as err:
        shopware.parse.parse_order(payload, "s")
    assert "a search result with 2 orders" in err.value.message


# --- Shopware fixtures -------------------------------------------------------------------------------


def test_shopware_promotion_is_spread_per_tax_rate_and_reconciles():
    order = shopware.parse.parse_order(fx.shopware_promotion_order(), "shopware-corpus")
    assert [(ln.sku, ln.unit_price, ln.quantity, ln.discount_amount, ln.tax_rate) for ln in order.lines] == [
        ("SW-JACKET", D("100.0"), 1, D("10.00"), D("0.19")), ("SW-TEA", D("21.4"), 2, D("4.28"), D("0.07"))]
    assert order.lines[0].variant_title == "Size: L" and order.lines[0].product_id == "jacket"
    assert [(d.code, d.amount, d.unallocated_amount) for d in order.discounts] == [("SUMMER10", D("14.28"), 0)]
    assert [(s.title, s.code, s.price) for s in order.shipping_lines] == [("Standard", "standard", D("4.9"))]
    assert order.paid is True and order.payment_gateways == ["payment_invoice"]
    assert order.shipping_address.city == "Berlin" and order.shipping_address.line1 == "Lager 2"
    assert order.customer.kind is CustomerKind.PERSON  # a company name alone is not B2B
    result = mapped(order, SHOPWARE)
    assert codes(result) == [] and result.document_total == result.shop_total == D("133.42")
    assert [ln.get("taxCode") for ln in result.body["salesOrderLines"]] == ["VAT19", "VAT7", "VAT19"]


def test_shopware_promotion_composition_decides_the_split():
    payload = fx.shopware_promotion_order()
    payload["lineItems"][2]["payload"]["composition"] = [{"id": "la", "quantity": 1, "discount": 9.0},
                                                         {"id": "lb", "quantity": 2, "discount": 5.28}]
    order = shopware.parse.parse_order(payload, "s")
    assert [ln.discount_amount for ln in order.lines] == [D("9.00"), D("5.28")]


def test_shopware_promotion_without_product_lines_is_a_header_discount():
    payload = fx.shopware_promotion_order()
    payload["lineItems"][2]["price"]["calculatedTaxes"] = [{"tax": -0.5, "taxRate": 25, "price": -14.28}]
    order = shopware.parse.parse_order(payload, "s")
    assert [ln.discount_amount for ln in order.lines] == [0, 0]
    assert order.unallocated_discount == D("14.28")


def test_shopware_net_prices_business_customer_foreign_currency():
    order = shopware.parse.parse_order(fx.shopware_net_b2b_order(), "shopware-corpus")
    assert order.prices_include_tax is False and order.totals.tax == D("58.9")
    assert (order.currency, order.shop_currency) == ("CHF", "")  # not the default currency: base unknown
    assert order.customer.kind is CustomerKind.COMPANY and order.customer.company_name == "Firma AG"
    assert order.customer.vat_number == "CHE-123.456.789" and order.paid is False
    assert [(s.title, s.price) for s in order.shipping_lines] == [("Freight", D("10.0"))]
    result = mapped(order, SHOPWARE)
    assert codes(result) == [] and result.document_total == result.shop_total == D("368.90")
    assert result.body["pricesIncludeTax"] is False and result.body["currencyCode"] == "CHF"


def test_shopware_shipping_taxed_at_two_rates_becomes_two_lines():
    payload = fx.shopware_net_b2b_order()
    payload["deliveries"][0]["shippingCosts"]["calculatedTaxes"] = [
        {"tax": 1.33, "taxRate": 19, "price": 7.0}, {"tax": 0.21, "taxRate": 7, "price": 3.0}]
    payload.update(amountTotal=368.54)  # 300 + 57 + 10 + 1.33 + 0.21
    order = shopware.parse.parse_order(payload, "shopware-corpus")
    assert [(s.price, s.tax_rate) for s in order.shipping_lines] == [(D("7.0"), D("0.19")), (D("3.0"), D("0.07"))]
    result = mapped(order, SHOPWARE)
    assert codes(result) == [] and result.document_total == D("368.54")


def test_shopware_webhook_body_with_the_order_parses_and_written_events_do_not():
    body = {"data": {"event": "checkout.order.placed", "payload": {"order": fx.shopware_promotion_order()}},
            "source": {"eventId": "e"}, "timestamp": 1}
    assert shopware.parse.parse_order(body, "s").number == "20001"
    written = json.loads(corpus_file("shopware-product_written-1.json").read_text())
    with pytest.raises(NeedsAttention) as err:
        shopware.parse.parse_order(written, "s")
    assert "carries no order" in err.value.message
    assert shopware.parse.parse_order({"data": fx.shopware_promotion_order()}, "s").number == "20001"


def test_shopware_cancelled_order_and_no_refund_document():
    payload = fx.shopware_promotion_order()
    payload["stateMachineState"] = {"technicalName": "cancelled"}
    assert shopware.parse.parse_order(payload, "s").cancelled_at is not None
    with pytest.raises(NeedsAttention) as err:
        shopware.parse.parse_refund({"id": "r"}, "s")
    assert err.value.code == "malformed_payload" and "no refund document" in err.value.message
