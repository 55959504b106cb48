"""Centra order nodes → canonical Order, reconciled through the pure BC mapping; Norce/Brink/Geins id-only
bodies are refused as orders and name the order to fetch."""

from __future__ import annotations

import copy
import json
from decimal import Decimal as D

import pytest

from core.errors import NeedsAttention
from core.models import CustomerKind
from core.platforms import brink, centra, geins, norce
from core.sync import order_mapping as mapping
from sandbox.centra_emulator import CentraEmulator
from tests.conftest import corpus_file
from tests.platforms_id.conftest import COMPANY_SE, centra_shop

SHOP = centra_shop()


def load(name: str) -> dict:
    return json.loads(corpus_file(name).read_text(encoding="utf-8"))


def mapped(order):
    resolved = mapping.Resolved(customer_number="WEB", items={
        line.external_id: mapping.ResolvedItem(item_id=None, item_number=line.sku or "ITEM") for line in order.lines})
    return mapping.build_sales_order(order, COMPANY_SE, SHOP, resolved)


# --- Centra corpus ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name, missing", [
    ("centra-order-1.json", "missing createdAt, grandTotal"),  # a mutation answer: its query selected no totals
    ("centra-order-2.json", "missing lines, createdAt, grandTotal"),  # the documented look-up by number
])
def test_centra_corpus_answers_are_partial_selections_and_say_what_is_missing(name, missing):
    with pytest.raises(NeedsAttention) as err:
        centra.parse.parse_order(load(name), "centra-se")
    assert err.value.code == "malformed_payload"
    assert missing in err.value.message


def test_centra_corpus_order_1_with_its_missing_fields_reconciles_to_the_cent():
    """The published order (9 × 675 SEK, 25 % VAT incl., no discount, no shipping) with the two fields its
    query did not select added: createdAt and grandTotal = the line value Centra states."""
    answer = load("centra-order-1.json")
    node = answer["data"]["updateDirectToConsumerOrder"]["order"]
    node["createdAt"] = "2022-11-09T13:15:11+01:00"
    node["grandTotal"] = {"value": 6075, "currency": {"id": 3, "code": "SEK"}, "conversionRate": 1}
    order = centra.parse.parse_order(answer, "centra-se")
    assert (order.external_id, order.number, order.currency, order.prices_include_tax) == ("14", "14", "SEK", True)
    [line] = order.lines
    assert (line.external_id, line.title, line.quantity, line.unit_price, line.discount_amount) == (
        "68", "Basic Jacket", D(9), D(675), D(0))
    assert [(t.rate, t.amount) for t in line.tax_lines] == [(D("0.25"), D("1215.00"))]
    assert order.discounts == [] and order.shipping_lines == []
    assert order.country == ""  # the sample selected country { id name } only: not guessed from "Sweden"
    assert (order.customer.email, order.customer.kind, order.paid) == ("customer@example.com", CustomerKind.PERSON,
                                                                       False)  # PENDING, no payment history
    result = mapped(order)
    assert result.problems == []
    assert (result.document_total, result.shop_total) == (D("6075.00"), D("6075"))
    assert [ln["taxCode"] for ln in result.body["salesOrderLines"]] == ["VAT25"]


# --- Centra: full nodes (emulator shape) -----------------------------------------------------------


def emulator_order(**kw) -> dict:
    return CentraEmulator().make_order([("JACKET-M", 2, "675.00"), ("TEE-S", 1, "199.00")], **kw)


def test_centra_full_node_with_line_campaign_voucher_and_shipping_reconciles():
    node = emulator_order(line_discount_percent=10, voucher="100")
    order = centra.parse.parse_order(node, "centra-se")
    assert [(ln.sku, ln.unit_price, ln.discount_amount) for ln in order.lines] == [
        ("JACKET-M", D(675), D("135.00")), ("TEE-S", D(199), D("19.90"))]
    assert [(d.title, d.amount, d.unallocated_amount) for d in order.discounts] == [
        ("Sale", D("154.9"), D(0)), ("Voucher", D(100), D(100))]
    assert [(s.code, s.price, s.tax_rate) for s in order.shipping_lines] == [("standard", D(49), D("0.25"))]
    assert (order.paid, order.country, order.market, order.channel, order.payment_gateways) == (
        True, "SE", "SE", "dtc", ["adyen-drop-in"])
    result = mapped(order)
    assert result.problems == []
    assert result.shop_total == D("1343.1") and result.document_total == D("1343.10")
    assert result.discount == D(100) and "discountAmount" not in result.body  # PATCHed after creation


def test_centra_tax_added_orders_are_net_priced():
    node = emulator_order(shipping="0")
    node["totals"]["taxAdded"] = {"value": 387.25}
    node["totals"]["taxIncluded"] = {"value": 0}
    node["grandTotal"]["value"] = 1549 + 387.25
    order = centra.parse.parse_order(node, "centra-se")
    assert order.prices_include_tax is False and order.totals.tax == D("387.25")
    result = mapped(order)
    assert result.problems == [] and result.document_total == D("1936.25")


def test_centra_sample_that_does_not_add_up_is_reported_not_fixed():
    node = emulator_order()
    node["grandTotal"]["value"] = 999
    result = mapped(centra.parse.parse_order(node, "centra-se"))
    assert [p.code for p in result.problems] == ["inconsistent_payload"]
    assert "make 1598" in result.problems[0].message and "999" in result.problems[0].message


def test_centra_wholesale_cancelled_and_fully_cancelled_lines():
    node = emulator_order(status="CANCELLED")
    node.pop("customer")
    node["account"] = {"id": 77, "name": "Retailer AB"}
    node["buyer"] = {"id": 5, "email": "buyer@example.com", "firstName": "B", "lastName": "Uyer"}
    node["paymentHistory"] = []
    node["lines"].append({**copy.deepcopy(node["lines"][0]), "id": 99, "quantity": 0})
    order = centra.parse.parse_order(node, "centra-se")
    assert (order.customer.kind, order.customer.company_name, order.customer.email) == (
        CustomerKind.COMPANY, "Retailer AB", "buyer@example.com")
    assert order.cancelled_at is not None and order.paid is False and order.channel == "wholesale"
    assert [ln.external_id for ln in order.lines] == [str(node["lines"][0]["id"]), str(node["lines"][1]["id"])]


def test_centra_webhook_body_is_not_an_order():
    with pytest.raises(NeedsAttention) as err:
        centra.parse.parse_order(load("centra-webhook-1.json"), "centra-se")
    assert err.value.code == "malformed_payload" and "load_order" in err.value.message
    assert centra.parse.needs_fetch(load("centra-webhook-1.json")) == "2735"
    assert centra.parse.needs_fetch(emulator_order()) is None
    assert centra.parse.needs_fetch(load("centra-webhook-2.json")) is None


def test_centra_order_numbers_of_a_batched_body():
    body = {"events": [{"type": "order", "id": 3}, {"type": "shipment", "id": 9}, {"type": "order", "id": 4},
                       {"type": "order", "id": 3}]}
    assert centra.parse.order_numbers(body) == ["3", "4"]


# --- Norce / Brink / Geins -------------------------------------------------------------------------


@pytest.mark.parametrize("module, corpus, order_id", [
    (norce, "norce-order_confirmed_event-schema-1.json", "string"),
    (norce, "norce-order_payment_received_event-schema-1.json", "string"),
    (brink, "brink-order_webhook-1.json", "f3a1b916-63b5-469f-8654-2762d5ca8589"),
    (geins, "geins-order_webhook-1.json", "12345"),
])
def test_id_only_corpus_bodies_name_the_order_and_are_not_orders(module, corpus, order_id):
    body = load(corpus)
    assert module.parse.needs_fetch(body) == order_id
    with pytest.raises(NeedsAttention) as err:
        module.parse.parse_order(body, "shop-x")
    assert err.value.code == "malformed_payload" and "id-only" in err.value.message


@pytest.mark.parametrize("module, corpus", [
    (brink, "brink-product_webhook-1.json"), (brink, "brink-verification_webhook-1.json"),
])
def test_non_order_bodies_name_no_order(module, corpus):
    assert module.parse.needs_fetch(load(corpus)) is None
