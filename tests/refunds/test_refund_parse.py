"""How the refunds flow reads a delivery: Shopify bodies, WooCommerce refund bodies and action bodies."""

from __future__ import annotations

import json

import pytest

from core.config import load_config
from core.errors import NeedsAttention
from core.sync import refunds
from sandbox.samples import shopify_refund
from tests.conftest import corpus_file

CONFIG = load_config()


def test_a_shopify_refunds_create_body_is_one_refund_in_the_orders_currency_basis():
    [refund] = refunds._parse(CONFIG.shop("shopify-demo"), shopify_refund(91, 7001, [(1, "1000", 1, "199.00")]))
    assert (refund.external_id, refund.order_external_id, refund.currency) == ("91", "7001", "SEK")
    invoice = {"pricesIncludeTax": True, "currencyCode": "SEK"}
    aligned = refunds.in_document_basis(CONFIG.shop("shopify-demo"), refund, invoice, CONFIG.company("se"))
    assert aligned.prices_include_tax is True  # Shopify subtotals follow the order's tax basis


def test_a_woocommerce_refund_body_is_parsed_as_it_is_and_takes_the_invoice_currency():
    woo = CONFIG.shop("woo-demo")
    [refund] = refunds._parse(woo, json.loads(corpus_file("woocommerce-refund-1.json").read_text()))
    assert (refund.external_id, refund.order_external_id, refund.total) == ("726", "723", 10)
    aligned = refunds.in_document_basis(woo, refund, {"currencyCode": "SEK"}, CONFIG.company("se"))
    assert aligned.currency == "SEK" and aligned.prices_include_tax is False  # Woo refund lines are net


def test_a_woocommerce_action_body_without_an_order_id_needs_attention():
    with pytest.raises(NeedsAttention) as exc:
        refunds._parse(CONFIG.shop("woo-demo"), {"action": "woocommerce_order_refunded", "arg": None})
    assert exc.value.code == "malformed_payload"
