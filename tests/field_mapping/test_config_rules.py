"""Field rules in the config: the target list held to Microsoft's page definitions, and check-config naming
each bad rule, where it is, and what to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import bc_api_fields
from core.config import check_config
from sandbox.bc_emulator.derive_schema import REFERENCE, parse_page

FIXTURE = (Path(__file__).parent / "fields.toml").read_text()


@pytest.mark.parametrize("entity_set, page_file", [
    ("salesOrders", "APIV2SalesOrders.Page.al"), ("salesOrderLines", "APIV2SalesOrderLines.Page.al"),
    ("salesCreditMemos", "APIV2SalesCreditMemos.Page.al"),
])
def test_target_fields_match_the_bc_page_definitions(entity_set, page_file):
    fields = parse_page(REFERENCE / page_file)["fields"]
    writable, read_only = bc_api_fields.PAGES[entity_set]
    assert writable == {f["name"] for f in fields if not f["readOnly"]}
    assert read_only == {f["name"] for f in fields if f["readOnly"]}


def with_rule(rule: str) -> str:
    """The fixture config with one more rule on the Shopify shop (TOML appends it to the last [[shops]])."""
    marker = "[[routing]]"
    head, _, tail = FIXTURE.partition(marker)
    return f"{head}[[shops.field_rules]]\n{rule}\n\n{marker}{tail}"


def problems_of(rule: str) -> list:
    config, problems = check_config(with_rule(rule))
    assert config is None
    return problems


def test_the_fixture_config_is_valid():
    config, problems = check_config(FIXTURE)
    assert problems == [] and len(config.shop("magento-cod").field_rules) == 1


@pytest.mark.parametrize("target, says", [
    ("header.giftMessage", 'salesOrders has no field "giftMessage"'),
    ("header.totalAmountIncludingTax", "salesOrders.totalAmountIncludingTax is read-only in BC"),
    ("line.netAmount", "salesOrderLines.netAmount is read-only in BC"),
    ("header.pricesIncludeTax", "salesOrders.pricesIncludeTax is set by the bridge"),
    ("line.unitPrice", "salesOrderLines.unitPrice is set by the bridge"),
    ("footer.note", '"footer.note" is not a target'),
])
def test_a_bad_target_is_named_with_the_rule_and_its_place(target, says):
    problems = problems_of(f'name = "gift"\ntarget = "{target}"\nsource = "note"')
    assert [p.where for p in problems] == ['shops["shopify-fields"].field_rules["gift"].target']
    assert says in problems[0].message and problems[0].fix


def test_an_unknown_field_lists_the_fields_a_rule_can_write():
    [problem] = problems_of('name = "gift"\ntarget = "line.giftMessage"\nsource = "note"')
    assert "description2" in problem.fix and "unitPrice" not in problem.fix


@pytest.mark.parametrize("rule, where, says", [
    ('name = "p"\ntarget = "header.salesperson"\nsource = "a..b"', "source", 'path "a..b" cannot be read'),
    ('name = "p"\ntarget = "header.salesperson"\nsource = "a"\nfallbacks = ["x[", "y"]', "fallbacks",
     'path "x[" cannot be read'),
    ('name = "p"\ntarget = "header.salesperson"\nsource = "a"\nwhen = { path = "" }', "when.path", "path is empty"),
    ('name = "p"\ntarget = "charge"\nsource = "a"\nconvert = "decimal"', "", "a charge line needs a G/L account"),
    ('name = "p"\ntarget = "charge"\nsource = "a"\naccount = "6170"', "", "a charge is an amount"),
    ('name = "p"\ntarget = "header.salesperson"\nsource = "a"\naccount = "6170"', "",
     'belong to target = "charge" only'),
    ('name = "p"\ntarget = "header.salesperson"\nsource = "a"\non_missing = "default"', "",
     'on_missing = "default" needs a default'),
    ('name = "p"\ntarget = "header.salesperson"\nsource = "a"\ntemplate = "Sales"', "", "does not contain {value}"),
])
def test_a_bad_rule_is_located_and_explained(rule, where, says):
    [problem] = problems_of(rule)
    assert problem.where == 'shops["shopify-fields"].field_rules["p"]' + (f".{where}" if where else "")
    assert says in problem.message
    assert problem.fix  # every rule problem says what to change


def test_cross_checks_company_duplicate_names_and_charge_tax_rate():
    rules = ('name = "colour-dimension"\ntarget = "header.salesperson"\nsource = "a"\ncompany = "nowhere"\n\n'
             '[[shops.field_rules]]\nname = "fee"\ntarget = "charge"\nsource = "fee"\nconvert = "decimal"\n'
             'account = "6170"\ntax_rate = 7\ncompany = "us"')
    problems = {(p.where, p.message.split(" ")[0]): p for p in problems_of(rules)}
    base = 'shops["shopify-fields"].field_rules'
    assert "company" in problems[(f'{base}["colour-dimension"].company', "unknown")].message
    assert "unique name" in problems[(f'{base}["colour-dimension"]', "the")].fix
    tax = problems[(f'{base}["fee"].tax_rate', "tax")]
    assert "company us" in tax.message and '"7" = "<tax code>"' in tax.fix


def test_the_commented_examples_in_example_toml_are_valid_rules():
    """config/example.toml shows field rules commented out; uncommented, each must pass check-config."""
    from core.config import EXAMPLE_CONFIG

    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    start = text.index("# [[shops.field_rules]]")
    end = text.index("\n\n", start)
    block = "\n".join(line.removeprefix("# ") for line in text[start:end].splitlines()
                      if line.startswith("# [[") or (line.startswith("# ") and " = " in line))
    config, problems = check_config(text[:start] + block + "\n" + text[end:])
    assert problems == []
    assert [r.name for r in config.shop("shopify-demo").field_rules] == ["gift-wrap-salesperson", "engraving",
                                                                          "cod-fee"]
