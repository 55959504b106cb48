"""Field rules on credit memos (`document = "credit_memo"`): the same rule engine on the refund payload, with
header fields of salesCreditMemos (held to APIV2SalesCreditMemos.Page.al), comment lines, and charge lines
that make a refunded fee reconcile. Order rules never run on refunds, nor memo rules on orders."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.config import check_config
from core.platforms.shopify.parse import parse_refund
from core.sync import refund_mapping
from sandbox.samples import shopify_refund
from tests.field_mapping.test_config_rules import FIXTURE
from tests.refunds.test_refund_mapping import INVOICE_7001

MEMO_RULES = '''
[[shops.field_rules]]
name = "refunded-cod-fee"
document = "credit_memo"
target = "charge"
source = "transactions[0].receipt.cod_fee"
convert = "decimal"
on_missing = "skip"
account = "6170"
description = "Refunded cash on delivery fee"

[[shops.field_rules]]
name = "return-note"
document = "credit_memo"
target = "comment"
source = "note"
template = "Return: {value}"

[[shops.field_rules]]
name = "memo-dimension"
document = "credit_memo"
target = "header.shortcutDimension1Code"
source = "transactions[0].gateway"
lookup = { shopify_payments = "WEB" }
'''


def config(extra: str = MEMO_RULES):
    marker = "[[routing]]"
    head, _, tail = FIXTURE.partition(marker)
    text = f"{head}{extra}\n{marker}{tail}"
    # the refund sample is taxed at 25 %, which the fixture's company "us" does not map
    text = text.replace('tax_codes = { "0" = "NOVAT", "20" = "VAT20" }',
                        'tax_codes = { "0" = "NOVAT", "20" = "VAT20", "25" = "VAT25" }', 1)
    cfg, problems = check_config(text)
    return cfg, problems


def refund_payload(fee: str | None) -> dict:
    body = json.loads(json.dumps(shopify_refund(91, 7001, [(1, "1000", 1, "199.00")], note="Too small")))
    if fee is not None:
        transaction = body["transactions"][0]
        transaction["receipt"] = {"cod_fee": fee}
        transaction["amount"] = f"{Decimal(transaction['amount']) + Decimal(fee):.2f}"
    return body


def memo(payload: dict, cfg):
    refund = parse_refund(payload, "shopify-fields", prices_include_tax=True).model_copy(update={"raw": payload})
    return refund_mapping.build_credit_memo(refund, INVOICE_7001, cfg.company("us"), cfg.shop("shopify-fields"),
                                            number="SH-1001-R91")


def test_a_refunded_fee_becomes_a_charge_line_and_the_memo_reconciles_with_comment_and_header_field():
    cfg, problems = config()
    assert problems == []
    mapped = memo(refund_payload("5.33"), cfg)
    assert mapped.problems == []
    assert mapped.body["shortcutDimension1Code"] == "WEB"
    fee, comment = mapped.lines[-2:]
    assert (fee["lineType"], fee["lineObjectNumber"], fee["unitPrice"]) == ("Account", "6170", Decimal("5.33"))
    assert comment == {"lineType": "Comment", "description": "Return: Too small"}
    assert mapped.shop_total == mapped.document_total == Decimal("204.33")


def test_without_the_rule_the_same_refund_is_inconsistent_and_names_the_unexplained_amount():
    cfg, _ = config(extra="")
    [problem] = memo(refund_payload("5.33"), cfg).problems
    assert problem.code == "inconsistent_payload" and "5.33 is unexplained" in problem.message
    assert 'document = "credit_memo" and target = "charge"' in problem.resolution


def test_a_refund_without_the_fee_skips_the_charge_and_order_rules_do_not_run_on_refunds():
    cfg, _ = config()
    mapped = memo(refund_payload(None), cfg)
    assert mapped.problems == [] and [ln["lineType"] for ln in mapped.lines][-1] == "Comment"
    assert "requestedDeliveryDate" not in mapped.body  # the shop's order rule (delivery-date) is not applied


@pytest.mark.parametrize("target, says", [
    ("line.description2", "credit memos take no line targets"),
    ("header.requestedDeliveryDate", 'salesCreditMemos has no field "requestedDeliveryDate"'),
    ("header.invoiceId", "salesCreditMemos.invoiceId is set by the bridge"),
    ("header.pricesIncludeTax", "salesCreditMemos.pricesIncludeTax is read-only"),
    ("page.extras.note", "written for sales orders only"),
])
def test_check_config_holds_memo_targets_to_the_credit_memo_page(target, says):
    _, problems = config(f'[[shops.field_rules]]\nname = "m"\ndocument = "credit_memo"\ntarget = "{target}"\n'
                         'source = "note"\n')
    assert [p.where for p in problems] == ['shops["shopify-fields"].field_rules["m"].target']
    assert says in problems[0].message


def test_the_credit_memo_preview_applies_the_rules_to_the_refund_payload():
    from core.preview import preview_refund

    cfg, _ = config()
    record = preview_refund(refund_payload("5.33"), "r.json", cfg, cfg.shop("shopify-fields"), cfg.company("us"),
                            INVOICE_7001, prices_include_tax=True)
    assert record["problems"] == []
    assert record["credit_memo"]["shortcutDimension1Code"] == "WEB"
    assert record["credit_memo"]["salesCreditMemoLines"][-2]["lineObjectNumber"] == "6170"
