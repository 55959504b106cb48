"""Field mapping rules applied to real corpus payloads: the salesOrders body carries each rule's result, a
mapped fee makes the order reconcile, and a rule that cannot give its value names the rule and the path."""

from __future__ import annotations

import copy
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from core.config import FieldRule, load_config
from core.platforms import magento, shopify
from core.sync import field_mapping as fm
from core.sync import order_mapping as m
from tests.conftest import corpus_file

CONFIG = load_config(Path(__file__).parent / "fields.toml")
MAGENTO = CONFIG.shop("magento-cod")
SHOPIFY = CONFIG.shop("shopify-fields")
US = CONFIG.company("us")
COD_FEE = D("5.33")


def magento_cod_payload() -> dict:
    """The corpus Magento order event, with what a cash-on-delivery module adds: the fee in an extension
    attribute, and in grand_total. (The held-out real order is not in the corpus; this is built the same way.)"""
    event = json.loads(corpus_file("magento-order_event-1.json").read_text())
    value = event["data"]["value"]
    value["extension_attributes"] = {"msp_cod_amount": float(COD_FEE), "base_msp_cod_amount": float(COD_FEE)}
    for key in ("grand_total", "base_grand_total"):
        value[key] = float(D(str(value[key])) + COD_FEE)
    value["payment"]["method"] = "cashondelivery"
    return event


def parsed(platform, payload: dict, shop):
    order = platform.parse.parse_order(payload, shop.key, shop.orders.currency_basis)
    return order.model_copy(update={"raw": payload})


def resolved(order) -> m.Resolved:
    return m.Resolved(customer_number="WEB", items={
        line_id: m.ResolvedItem(item_id=None, item_number=number)
        for line_id, (number, _variant) in m.item_keys(order, MAGENTO).items()})


def with_rules(shop, *rules: dict):
    return shop.model_copy(update={"field_rules": [FieldRule(**r) for r in rules]})


def codes(mapped) -> list[str]:
    return [p.code for p in mapped.problems]


# --- the cash-on-delivery fee ---------------------------------------------------------------------------


def test_cod_fee_without_a_rule_is_an_inconsistent_payload():
    order = parsed(magento, magento_cod_payload(), MAGENTO)
    mapped = m.build_sales_order(order, US, with_rules(MAGENTO), resolved(order))
    [problem] = [p for p in mapped.problems if p.code == "inconsistent_payload"]
    assert "5.33 is unexplained" in problem.message  # the amount no known part explains
    assert 'target = "charge"' in problem.resolution and "magento-cod" in problem.resolution


def test_cod_fee_rule_books_a_charge_line_and_the_order_reconciles_to_the_cent():
    order = parsed(magento, magento_cod_payload(), MAGENTO)
    mapped = m.build_sales_order(order, US, MAGENTO, resolved(order))
    assert codes(mapped) == []
    charge = mapped.body["salesOrderLines"][-1]
    assert charge == {"lineType": "Account", "lineObjectNumber": "6170", "description": "Cash on delivery fee",
                      "quantity": D(1), "unitPrice": COD_FEE, "taxCode": "NOVAT"}
    assert mapped.shop_total == D("414.93")
    assert mapped.document_total == mapped.shop_total and mapped.rounding == 0
    assert mapped.field_rules == [{"rule": "cod-fee", "target": "charge",
                                   "path": "extension_attributes.msp_cod_amount", "value": COD_FEE}]


def test_cod_fee_is_read_from_a_fallback_path():
    payload = magento_cod_payload()
    ext = payload["data"]["value"]["extension_attributes"]
    ext["cod_fee"] = ext.pop("msp_cod_amount")
    order = parsed(magento, payload, MAGENTO)
    mapped = m.build_sales_order(order, US, MAGENTO, resolved(order))
    assert codes(mapped) == [] and mapped.field_rules[0]["path"] == "extension_attributes.cod_fee"


def test_order_without_the_fee_is_skipped_by_the_rule_and_adds_no_line():
    payload = json.loads(corpus_file("magento-order_event-1.json").read_text())
    order = parsed(magento, payload, MAGENTO)
    mapped = m.build_sales_order(order, US, MAGENTO, resolved(order))
    assert codes(mapped) == []
    assert [line["lineObjectNumber"] for line in mapped.body["salesOrderLines"]] == ["ADOBE_PRO_12", "6130"]
    assert mapped.field_rules[0]["skipped"].startswith("no value at extension_attributes.msp_cod_amount")


def test_the_same_rule_reads_the_rest_api_order_unwrapped():
    """Reconcile runs fetch the order by REST (no CloudEvent around it): the same paths still apply."""
    entity = magento_cod_payload()["data"]["value"]
    order = parsed(magento, entity, MAGENTO)
    mapped = m.build_sales_order(order, US, MAGENTO, resolved(order))
    assert codes(mapped) == [] and mapped.body["salesOrderLines"][-1]["unitPrice"] == COD_FEE


def test_a_missing_fee_with_needs_attention_names_the_rule_and_the_paths():
    shop = with_rules(MAGENTO, {"name": "cod-fee", "target": "charge", "source": "extension_attributes.msp_cod_amount",
                                "fallbacks": ["extension_attributes.cod_fee"], "convert": "decimal",
                                "account": "6170"})
    order = parsed(magento, json.loads(corpus_file("magento-order_event-1.json").read_text()), MAGENTO)
    mapped = m.build_sales_order(order, US, shop, resolved(order))
    problem = next(p for p in mapped.problems if p.code == "field_rule_missing")
    assert '"cod-fee"' in problem.message and '"extension_attributes.msp_cod_amount"' in problem.message
    assert '"extension_attributes.cod_fee"' in problem.message
    assert "fallback or a default" in problem.resolution
    error = m.as_needs_attention(order, mapped.problems)
    assert error.code == "field_rule_missing" and "cod-fee" in error.resolution


@pytest.mark.parametrize("fee", ["five", "NaN", "Infinity", {"amount": 5.33}])
def test_a_fee_that_is_not_a_number_is_a_conversion_problem(fee):
    payload = magento_cod_payload()
    payload["data"]["value"]["extension_attributes"]["msp_cod_amount"] = fee
    order = parsed(magento, payload, MAGENTO)
    mapped = m.build_sales_order(order, US, MAGENTO, resolved(order))
    problem = next(p for p in mapped.problems if p.code == "field_rule_conversion")
    assert '"cod-fee"' in problem.message and "msp_cod_amount" in problem.message
    assert not any(line["lineObjectNumber"] == "6170" for line in mapped.body["salesOrderLines"])


# --- header and line fields on a Shopify order -------------------------------------------------------------


def shopify_order(mutate=None):
    payload = copy.deepcopy(json.loads(corpus_file("shopify-order-2.json").read_text()))
    if mutate:
        mutate(payload["order"])
    order = parsed(shopify, payload, SHOPIFY)
    items = {ln.external_id: m.ResolvedItem(item_id=None, item_number=f"ITEM-{i}") for i, ln in enumerate(order.lines)}
    return order, m.build_sales_order(order, US, SHOPIFY, m.Resolved(customer_number="WEB", items=items))


def test_note_attribute_through_a_lookup_into_a_header_field():
    _order, mapped = shopify_order()
    assert mapped.body["shortcutDimension1Code"] == "GREEN"
    assert {"rule": "colour-dimension", "target": "header.shortcutDimension1Code",
            "path": "note_attributes[name=colour].value", "value": "GREEN"} in mapped.field_rules


def test_line_property_lands_on_its_own_line_only_with_template_and_max_length():
    order, mapped = shopify_order(lambda o: o["line_items"][0]["properties"][0].update(value="Happy Birthday " * 5))
    lines = mapped.body["salesOrderLines"]
    engraved = next(i for i, ln in enumerate(order.lines) if ln.external_id == "466157049")
    assert lines[engraved]["description2"] == ("Engraving: " + "Happy Birthday " * 5)[:50]
    assert [i for i, ln in enumerate(lines) if "description2" in ln] == [engraved]


def test_condition_met_uses_the_default_when_the_source_is_missing():
    _order, mapped = shopify_order()
    assert mapped.body["requestedDeliveryDate"] == "2030-01-01"


def test_condition_not_met_leaves_the_field_out():
    _order, mapped = shopify_order(lambda o: o.update(source_name="pos"))
    assert "requestedDeliveryDate" not in mapped.body
    assert {"rule": "delivery-date", "target": "header.requestedDeliveryDate",
            "skipped": "condition not met"} in mapped.field_rules


def test_date_conversion_of_a_timestamp():
    def set_date(o):
        o["note_attributes"].append({"name": "delivery_date", "value": "2025-06-01T12:00:00+02:00"})
    _order, mapped = shopify_order(set_date)
    assert mapped.body["requestedDeliveryDate"] == "2025-06-01"


def test_a_value_missing_from_the_lookup_is_a_problem_naming_it():
    def recolour(o):
        o["note_attributes"][1]["value"] = "mauve"
    _order, mapped = shopify_order(recolour)
    problem = next(p for p in mapped.problems if p.code == "field_rule_lookup")
    assert '"mauve"' in problem.message and "colour-dimension" in problem.message
    assert '"mauve" = "<BC value>"' in problem.resolution
    assert "shortcutDimension1Code" not in mapped.body


def test_a_rule_for_another_company_does_not_apply():
    shop = with_rules(SHOPIFY, {"name": "eu-only", "target": "header.salesperson", "source": "source_name",
                                "company": "eu"})
    order = parsed(shopify, json.loads(corpus_file("shopify-order-2.json").read_text()), shop)
    assert fm.map_fields(order, shop, US).header == {}
    assert fm.map_fields(order, shop, CONFIG.company("eu")).header == {"salesperson": "web"}


def test_an_order_without_its_payload_cannot_apply_rules():
    order = parsed(shopify, json.loads(corpus_file("shopify-order-2.json").read_text()), SHOPIFY)
    results = fm.map_fields(order.model_copy(update={"raw": None}), SHOPIFY, US)
    assert {p.code for p in results.problems} == {"field_rule_no_payload"}


@pytest.mark.parametrize("path, expected", [
    ("a.b", 1), ("list[1].k", "y"), ("list[k=x].n", 5), ("list[k=z].n", fm.MISSING), ("a.missing", fm.MISSING),
    ("list[9]", fm.MISSING), ("empty", fm.MISSING), ("none", fm.MISSING), ("flag", False), ("a", {"b": 1}),
])
def test_read_path(path, expected):
    node = {"a": {"b": 1}, "list": [{"k": "x", "n": 5}, {"k": "y"}], "empty": "", "none": None, "flag": False}
    assert fm.read_path(node, path) == expected
