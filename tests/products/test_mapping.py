"""Products and prices, the pure part: prices incl./excl. tax, variant SKUs, blocked → draft, price list
precedence and validity, and the delta against what the shop was told."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.config import Company
from core.sync import product_mapping as m

TODAY = date(2026, 3, 15)
COMPANY = Company(key="se", bc_company_id="6f1c3a52-9d0e-4c55-8f57-2b1e0c0a6b11", currency="SEK",
                  tax_codes={"25": "VAT25", "12": "VAT12", "6": "VAT6", "0": "VAT0"})


def item(number="2000", price=89.0, *, includes_tax=False, tax="VAT25", blocked=False, category="HOME",
         name="Coffee mug"):
    return {"number": number, "displayName": name, "blocked": blocked, "unitPrice": price,
            "priceIncludesTax": includes_tax, "taxGroupCode": tax, "itemCategoryCode": category, "type": "Inventory"}


def options(*, shop_incl=True, index=None, prices=None, rates=None):
    return m.MapOptions(shop_includes_tax=shop_incl, sku_index=index or {}, prices=prices or {},
                        rates=m.tax_rates(COMPANY) if rates is None else rates, categories={"HOME": "Home"},
                        company="se")


def row(item_no, price, *, variant="", code="WEB", currency="", start="", end="", min_qty=0, **extra):
    return {"Price_List_Code": code, "Asset_Type": "Item", "Asset_No": item_no, "Variant_Code": variant,
            "Unit_Price": price, "Currency_Code": currency, "Starting_Date": start or "0001-01-01",
            "Ending_Date": end or "0001-01-01", "Minimum_Quantity": min_qty, "Source_Type": "All_Customers",
            "Status": "Active", **extra}


def prices(*rows, currency="SEK"):
    return m.applicable_prices([m.price_line(r) for r in rows], code="WEB", currency=currency, lcy="SEK", today=TODAY)


# ---- tax ----

@pytest.mark.parametrize("amount, bc_incl, shop_incl, rate, expected", [
    ("100", False, True, "25", "125.00"),   # excl → incl
    ("125", True, False, "25", "100.00"),   # incl → excl
    ("99.90", True, False, "25", "79.92"),  # 79.92 exactly
    ("10.01", False, True, "12.5", "11.26"),  # 11.26125 rounds half-up to the cent
    ("10.02", False, True, "12.5", "11.27"),  # 11.2725
    ("89", False, False, None, "89.00"),    # same basis: no rate needed, never converted
    ("111.25", True, True, None, "111.25"),
])
def test_shop_price_converts_only_between_different_bases(amount, bc_incl, shop_incl, rate, expected):
    got = m.shop_price(Decimal(amount), bc_includes_tax=bc_incl, shop_includes_tax=shop_incl,
                       rate=Decimal(rate) if rate else None)
    assert str(got) == expected


def test_a_missing_rate_is_a_problem_of_that_item_only():
    with pytest.raises(m.PriceProblem) as info:
        m.shop_price(Decimal(10), bc_includes_tax=False, shop_includes_tax=True, rate=None, tax_group="VAT99")
    assert info.value.code == "product_tax_rate_unknown" and "VAT99" in info.value.resolution
    product, problems, _ = m.map_item(item(tax="VAT99"), [], options())
    assert product is None and [p.code for p in problems] == ["product_tax_rate_unknown"]
    product, problems, _ = m.map_item(item(tax="VAT99"), [], options(shop_incl=False))  # same basis: fine
    assert product.variants[0].price == Decimal("89.00") and not problems


def test_item_price_is_converted_with_the_rate_of_its_tax_group():
    product, _, _ = m.map_item(item("3000", 249.0, tax="VAT6", category="BOOKS", name="Cookbook"), [], options())
    assert product.variants[0].price == Decimal("263.94")  # 249 × 1.06
    product, _, _ = m.map_item(item(price=111.25, includes_tax=True), [], options(shop_incl=False))
    assert product.variants[0].price == Decimal("89.00")


# ---- SKUs, variants, status ----

VARIANTS = [{"code": "S-BLK", "description": "Small / Black"}, {"code": "M-BLK", "description": "Medium / Black"},
            {"code": "L-BLK", "description": "Large / Black"}]


def test_variant_skus_come_from_the_reverse_items_mapping_and_unmapped_variants_are_counted():
    index = {("1000", "S-BLK"): "TEE-S-BLK", ("1000", "M-BLK"): "TEE-M-BLK"}
    product, problems, no_sku = m.map_item(item("1000", 199.0, name="T-shirt Classic", category="APPAREL"),
                                           VARIANTS, options(index=index))
    assert not problems and no_sku == 1
    assert [(v.sku, v.variant, v.option, str(v.price)) for v in product.variants] == [
        ("TEE-M-BLK", "M-BLK", "Medium / Black", "248.75"), ("TEE-S-BLK", "S-BLK", "Small / Black", "248.75")]
    assert product.has_options and m.option_values(product) == ("Variant", ["Medium / Black", "Small / Black"])
    assert product.category == "APPAREL"  # a code without a known category name is shown as the code


def test_an_item_without_variants_or_without_mapped_variants_is_one_sku():
    product, _, _ = m.map_item(item(), [], options())
    assert product.skus == ["2000"] and not product.has_options and product.category == "Home"
    assert m.option_values(product) == ("Title", ["Default Title"])
    product, _, no_sku = m.map_item(item("1000"), VARIANTS, options())
    assert product.skus == ["1000"] and no_sku == 3
    product, _, _ = m.map_item(item("2000"), [], options(index={("2000", ""): "MUG-1"}))
    assert product.skus == ["MUG-1"]


def test_duplicate_variant_descriptions_fall_back_to_the_codes():
    same = [{"code": "A", "description": "One size"}, {"code": "B", "description": "One size"}]
    index = {("1000", "A"): "X-A", ("1000", "B"): "X-B"}
    product, _, _ = m.map_item(item("1000"), same, options(index=index))
    assert [v.option for v in product.variants] == ["A", "B"]


def test_blocked_items_are_drafts_and_the_title_is_the_display_name():
    assert m.map_item(item(blocked=True), [], options())[0].status == m.DRAFT
    product = m.map_item(item(), [], options())[0]
    assert product.status == m.ACTIVE and product.title == "Coffee mug"
    assert m.map_item(item(name=" "), [], options())[0].title == "2000"


# ---- price list ----

def test_a_variant_line_wins_over_the_item_line_which_wins_over_unit_price():
    index = {("1000", "S-BLK"): "TEE-S-BLK", ("1000", "M-BLK"): "TEE-M-BLK", ("1000", "L-BLK"): "TEE-L-BLK"}
    lines = prices(row("1000", 150, variant="S-BLK"), row("1000", 170))
    product, _, _ = m.map_item(item("1000", 199.0), VARIANTS, options(index=index, prices=lines))
    by_sku = {v.sku: str(v.price) for v in product.variants}
    assert by_sku == {"TEE-S-BLK": "187.50", "TEE-M-BLK": "212.50", "TEE-L-BLK": "212.50"}
    product, _, _ = m.map_item(item("2000", 89.0), [], options(prices=lines))  # no line: unitPrice
    assert product.variants[0].price == Decimal("111.25")


@pytest.mark.parametrize("line, applies", [
    (dict(), True),
    (dict(start="2026-03-15", end="2026-03-15"), True),  # both bounds inclusive
    (dict(start="2026-03-16"), False),  # not yet
    (dict(end="2026-03-14"), False),  # expired
    (dict(min_qty=1), True),
    (dict(min_qty=2), False),  # a quantity price, not the price of one unit
    (dict(currency="SEK"), True),  # the LCY named explicitly
    (dict(currency="EUR"), False),
    (dict(code="B2B"), False),
    (dict(Status="Inactive"), False),
    (dict(Source_Type="Customer"), False),
    (dict(Asset_Type="Item_Discount_Group"), False),
])
def test_which_price_list_lines_count_today(line, applies):
    got = prices(row("2000", 70, **line))
    assert (("2000", "") in got) is applies


def test_several_valid_lines_the_lowest_wins_and_a_foreign_currency_shop_reads_its_own_lines():
    got = prices(row("2000", 75), row("2000", 70, start="2026-01-01"), row("2000", 60, end="2026-01-01"))
    assert got[("2000", "")].price == Decimal(70)
    eur = prices(row("2000", 9.5, currency="EUR"), row("2000", 70), currency="EUR")
    assert eur[("2000", "")].price == Decimal("9.5")


def test_a_price_list_line_that_includes_tax_is_converted_for_a_shop_without_tax():
    lines = prices(row("2000", 100, Price_Includes_VAT=True))
    product, _, _ = m.map_item(item(), [], options(shop_incl=False, prices=lines))
    assert product.variants[0].price == Decimal("80.00")
    product, _, _ = m.map_item(item(), [], options(shop_incl=True, prices=lines))
    assert product.variants[0].price == Decimal("100.00")


# ---- delta ----

def test_delta_sends_only_what_differs_from_what_the_shop_was_told():
    index = {("1000", "S-BLK"): "TEE-S-BLK", ("1000", "M-BLK"): "TEE-M-BLK"}
    product, _, _ = m.map_item(item("1000", 199.0), VARIANTS, options(index=index))
    told = {v.sku: v.fingerprint() for v in product.variants}
    assert m.delta(product, product.fingerprint(), told.get, full=False) is None
    cheaper, _, _ = m.map_item(item("1000", 189.0), VARIANTS,
                               options(index=index, prices=prices(row("1000", 199, variant="M-BLK"))))
    change = m.delta(cheaper, product.fingerprint(), told.get, full=False)
    assert change.fields == {} and [v.sku for v in change.variants] == ["TEE-S-BLK"]
    renamed, _, _ = m.map_item(item("1000", 199.0, name="T-shirt", blocked=True), VARIANTS, options(index=index))
    change = m.delta(renamed, product.fingerprint(), told.get, full=False)
    assert change.fields == {"title": "T-shirt", "status": "draft", "category": "Home"} and not change.variants
    full = m.delta(product, product.fingerprint(), told.get, full=True)
    assert full.fields and len(full.variants) == 2
    new = m.delta(product, None, {}.get, full=False)
    assert new.fields and len(new.variants) == 2


def test_unpublish_is_a_status_only_change():
    change = m.unpublish("3000", ["3000"])
    assert change.fields == {"status": "draft"} and change.variants == () and change.product.skus == ["3000"]
