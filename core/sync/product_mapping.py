"""Products and prices BC → shop, the pure part: what the shop shows for a BC item, and what changed.

No I/O here: the pipeline (core/sync/products.py) reads BC items, variants, categories, the price list and
the snapshot and passes them in. docs/products.md says the same in the operator's words.

    lines = [price_line(row) for row in page_rows]               # published price list page (optional)
    prices = applicable_prices(lines, code=…, currency=…, lcy=…, today=…)
    product, problems, no_sku = map_item(item, variants, options)  # ShopProduct (or None) + what is wrong
    change = delta(product, told, full=False)                    # only what the shop was not told yet

Rules:
- One BC item is one shop product. An item without variants has one SKU: its [shops.items] mapping
  ("SKU" = "ITEM") or else the item number. An item with variants has one SKU per variant mapped in
  [shops.items] ("SKU" = "ITEM:VARIANT"); unmapped variants have no SKU and are counted, not pushed; when
  no variant of the item is mapped the item is pushed as one SKU (item-level), as the stock flow does.
- Price: a price list line for the variant wins over a line for the item (no variant), which wins over
  `items.unitPrice`. A line counts when it is active, for all customers, valid today (blank start/end =
  open), for a minimum quantity ≤ 1 and in the shop's currency (blank currency = the company's LCY). Of
  several such lines for the same item/variant the lowest price wins (BC's best-price rule).
- Tax: BC says per item (`priceIncludesTax`) or per price list line (`Price_Includes_VAT`) whether the
  price includes tax; the shop setting `prices_include_tax` says what the shop shows. When they differ the
  price is converted with the rate of the item's tax group (`taxGroupCode`, looked up in the company's
  `tax_codes`, rate → code): excl → incl = price × (1 + rate/100), incl → excl = price ÷ (1 + rate/100),
  rounded half-up to the cent. A tax group without a rate is a problem for that item only.
- Status: a blocked item is a draft (not for sale) in the shop; everything else is active.
- Only fields BC owns are sent: title (displayName), SKU, price, status and the product type (the item
  category's name, Shopify). Descriptions, images, tags, SEO and collections belong to the shop. Export fields
  ([[shops.export_fields]], core/sync/export_fields.py) add BC fields as metafields / meta_data; they are part
  of the product's (or variant's) hash, so a changed value is sent once and an unchanged one never.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.config import Company
from core.sync.stock_mapping import sku_for

ACTIVE = "active"
DRAFT = "draft"
CENT = Decimal("0.01")
BLANK_DATE = "0001-01-01"  # how BC serialises an empty Date
OPTION_NAME = "Variant"  # the shop option that carries BC variants


# ---- price list ----

@dataclass(frozen=True)
class PriceLine:
    code: str
    item: str
    variant: str
    price: Decimal
    currency: str  # "" = the company's local currency
    starting: date | None
    ending: date | None
    minimum_quantity: Decimal
    includes_tax: bool = False


def _date(value) -> date | None:
    text = str(value or "").strip()[:10]
    if not text or text == BLANK_DATE:
        return None
    return date.fromisoformat(text)


def price_line(row: Mapping) -> PriceLine | None:
    """A sales price list line from the published page; None for lines that are no item price for
    everyone (discount-only lines, customer/price-group specific lines, inactive lines, other assets)."""
    if str(row.get("Asset_Type", "Item")) not in ("Item", ""):
        return None
    if str(row.get("Source_Type", "All_Customers")).replace(" ", "_") not in ("All_Customers", ""):
        return None
    if str(row.get("Status", "Active")) not in ("Active", ""):
        return None
    if str(row.get("Amount_Type", "Price")) not in ("Price", "Any", ""):
        return None
    try:
        price = Decimal(str(row.get("Unit_Price")))
    except InvalidOperation:
        return None
    return PriceLine(
        code=str(row.get("Price_List_Code") or "").upper(), item=str(row.get("Asset_No") or "").upper(),
        variant=str(row.get("Variant_Code") or "").upper(), price=price,
        currency=str(row.get("Currency_Code") or "").upper(), starting=_date(row.get("Starting_Date")),
        ending=_date(row.get("Ending_Date")), minimum_quantity=Decimal(str(row.get("Minimum_Quantity") or 0)),
        includes_tax=bool(row.get("Price_Includes_VAT", False)))


def line_applies(line: PriceLine, *, code: str, currency: str, lcy: str, today: date) -> bool:
    line_currency = line.currency or lcy.upper()
    return (line.code == code.upper() and line_currency == currency.upper()
            and (line.starting is None or line.starting <= today) and (line.ending is None or today <= line.ending)
            and line.minimum_quantity <= 1)


def applicable_prices(lines: Iterable[PriceLine], *, code: str, currency: str, lcy: str,
                      today: date) -> dict[tuple[str, str], PriceLine]:
    """(item, variant code or "") → the line that sets today's price for one unit."""
    best: dict[tuple[str, str], PriceLine] = {}
    for line in lines:
        if line is None or not line_applies(line, code=code, currency=currency, lcy=lcy, today=today):
            continue
        key = (line.item, line.variant)
        if key not in best or line.price < best[key].price:
            best[key] = line
    return best


@dataclass(frozen=True)
class BcPrice:
    amount: Decimal
    includes_tax: bool
    source: str  # "price list <code>" / "unitPrice"


def bc_price(item: str, variant: str, item_price, item_includes_tax: bool,
             prices: Mapping[tuple[str, str], PriceLine] | None) -> BcPrice:
    """Variant line → item line → items.unitPrice."""
    for key in ((item.upper(), variant.upper()), (item.upper(), "")):
        line = (prices or {}).get(key)
        if line is not None:
            return BcPrice(line.price, line.includes_tax, f"price list {line.code}")
    return BcPrice(Decimal(str(item_price or 0)), bool(item_includes_tax), "unitPrice")


# ---- tax ----

class PriceProblem(ValueError):
    def __init__(self, message: str, resolution: str, code: str):
        super().__init__(message)
        self.message, self.resolution, self.code = message, resolution, code


def tax_rates(company: Company) -> dict[str, Decimal]:
    """BC tax code (item tax group) → rate in percent, from the company's `tax_codes` (rate → code)."""
    return {code.upper(): Decimal(rate) for rate, code in company.tax_codes.items()}


def shop_price(amount: Decimal, *, bc_includes_tax: bool, shop_includes_tax: bool, rate: Decimal | None,
               tax_group: str = "", company: str = "") -> Decimal:
    """The price the shop shows, converted between incl./excl. tax when BC and the shop differ."""
    amount = Decimal(amount)
    if bc_includes_tax != shop_includes_tax:
        if rate is None:
            raise PriceProblem(
                f"Tax group {tax_group or '(blank)'} has no rate: the BC price "
                f"{'includes' if bc_includes_tax else 'excludes'} tax and the shop shows prices "
                f"{'incl.' if shop_includes_tax else 'excl.'} tax.",
                resolution=f'add the rate to [companies.tax_codes] of company "{company}", e.g. "25" = '
                           f'"{tax_group or "VAT25"}", or set the tax group on the item in BC',
                code="product_tax_rate_unknown")
        factor = 1 + Decimal(rate) / 100
        amount = amount * factor if shop_includes_tax else amount / factor
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# ---- what the shop shows ----

@dataclass(frozen=True)
class ShopVariant:
    sku: str
    variant: str  # BC variant code ("" = the item itself)
    option: str  # the option value the shop shows (variant description, else code)
    price: Decimal
    options: tuple[str, ...] = ()  # one value per named option (a TRIMIT matrix: colour, size)
    shop_fields: tuple = ()  # export fields of the variant (core/sync/export_fields.ShopField)

    def fingerprint(self) -> str:
        told = {"price": str(self.price)}
        if self.shop_fields:  # only then: a shop without export fields keeps the hashes it had
            told["fields"] = [f.hashable() for f in self.shop_fields]
        return _hash(told)


@dataclass(frozen=True)
class ShopProduct:
    item: str
    title: str
    status: str  # ACTIVE / DRAFT
    category: str  # the item category's display name ("" = none)
    variants: tuple[ShopVariant, ...]
    has_options: bool = False  # BC variants → a shop option "Variant"
    tax_rate: Decimal | None = None  # the item's VAT in percent (its tax group's rate), when the company has one
    option_names: tuple[str, ...] = ()  # named options instead (a TRIMIT matrix, core/sync/trimit.py)
    shop_fields: tuple = ()  # export fields of the product (core/sync/export_fields.ShopField)

    def fields(self) -> dict[str, str]:
        """The product-level fields BC owns (canonical names; writers translate)."""
        return {"title": self.title, "status": self.status, "category": self.category}

    def fingerprint(self) -> str:
        told: dict = self.fields()
        if self.shop_fields:  # only then: a shop without export fields keeps the hashes it had
            told = {**told, "shop_fields": [f.hashable() for f in self.shop_fields]}
        return _hash(told)

    @property
    def skus(self) -> list[str]:
        return [v.sku for v in self.variants]


def _hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Problem:
    item: str
    code: str
    message: str
    resolution: str


@dataclass(frozen=True)
class MapOptions:
    shop_includes_tax: bool
    sku_index: Mapping[tuple[str, str], str]
    prices: Mapping[tuple[str, str], PriceLine] = field(default_factory=dict)
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)  # category code → display name
    company: str = ""


def map_item(item: Mapping, variants: Iterable[Mapping], options: MapOptions
             ) -> tuple[ShopProduct | None, list[Problem], int]:
    """(product or None, problems, BC variants without a SKU) for one BC item and its variants."""
    number = str(item["number"]).upper()
    tax_group = str(item.get("taxGroupCode") or "").upper()
    rate = options.rates.get(tax_group)
    rows: list[tuple[str, str, str]] = []  # (sku, variant code, option)
    no_sku = 0
    bc_variants = sorted(variants, key=lambda v: str(v.get("code") or "").upper())
    for variant in bc_variants:
        code = str(variant.get("code") or "").upper()
        sku = sku_for(number, code, options.sku_index)
        if sku is None:
            no_sku += 1
        else:
            rows.append((sku, code, str(variant.get("description") or "").strip() or code))
    has_options = bool(rows)
    if not rows:  # no variants, or none mapped: the item itself
        sku = sku_for(number, "", options.sku_index)
        rows = [(sku, "", "")] if sku else []
    if len({option for _, _, option in rows}) < len(rows):  # option values must be unique in a product
        rows = [(sku, code, code) for sku, code, _ in rows]
    problems: list[Problem] = []
    shop_variants = []
    for sku, code, option in rows:
        price = bc_price(number, code, item.get("unitPrice"), bool(item.get("priceIncludesTax")), options.prices)
        try:
            amount = shop_price(price.amount, bc_includes_tax=price.includes_tax,
                                shop_includes_tax=options.shop_includes_tax, rate=rate, tax_group=tax_group,
                                company=options.company)
        except PriceProblem as exc:
            problems.append(Problem(number, exc.code, f"Item {number}: {exc.message}", exc.resolution))
            return None, problems, no_sku
        if amount < 0:
            problems.append(Problem(number, "product_negative_price", f"Item {number} has a negative price "
                                    f"({price.source}).", "correct the price in BC"))
            return None, problems, no_sku
        shop_variants.append(ShopVariant(sku=sku, variant=code, option=option, price=amount))
    if not shop_variants:
        return None, problems, no_sku
    category_code = str(item.get("itemCategoryCode") or "").upper()
    title = str(item.get("displayName") or "").strip() or number
    product = ShopProduct(
        item=number, title=title, status=DRAFT if item.get("blocked") else ACTIVE,
        category=options.categories.get(category_code, category_code) if category_code else "",
        variants=tuple(shop_variants), has_options=has_options, tax_rate=rate)
    return product, problems, no_sku


# ---- delta against what the shop was last told ----

GONE = "gone"  # snapshot marker: the item left the published set and the shop was told "draft"


@dataclass(frozen=True)
class ProductChange:
    product: ShopProduct
    fields: dict[str, str]  # product-level fields to send ({} = none)
    variants: tuple[ShopVariant, ...]  # variants whose price is to be sent

    @property
    def item(self) -> str:
        return self.product.item


def delta(product: ShopProduct, told_product: str | None, told_variant: Callable[[str], str | None], *,
          full: bool) -> ProductChange | None:
    """What to send for one product: its fields when they differ from what the shop was told, the
    variants whose price differs; every field and price on a full push. None = nothing to send."""
    fields = product.fields() if full or told_product != product.fingerprint() else {}
    variants = tuple(v for v in product.variants if full or told_variant(v.sku) != v.fingerprint())
    if not fields and not variants:
        return None
    return ProductChange(product, fields, variants)


def unpublish(item: str, skus: Iterable[str]) -> ProductChange:
    """The change for an item that left the published set (blocked and filtered out, deleted in BC): draft."""
    product = ShopProduct(item=item, title="", status=DRAFT, category="",
                          variants=tuple(ShopVariant(sku, "", "", Decimal(0)) for sku in skus))
    return ProductChange(product, {"status": DRAFT}, ())


def option_values(product: ShopProduct) -> tuple[str, list[str]]:
    """(option name, values) for creating the product in a shop with one option; named options are joined
    ("Colour / Size", "Red / M") for shops the bridge creates products with one option in."""
    if product.option_names:
        return " / ".join(product.option_names), [v.option for v in product.variants]
    if product.has_options:
        return OPTION_NAME, [v.option for v in product.variants]
    return "Title", ["Default Title"]


def product_options(product: ShopProduct) -> list[tuple[str, list[str]]]:
    """[(option name, its values in variant order)] for shops that take several options (Shopify)."""
    if not product.option_names:
        name, values = option_values(product)
        return [(name, values)]
    return [(name, list(dict.fromkeys(v.options[i] for v in product.variants)))
            for i, name in enumerate(product.option_names)]


def variant_options(product: ShopProduct) -> list[list[tuple[str, str]]]:
    """Per variant, in order: [(option name, value)], matching product_options()."""
    if not product.option_names:
        name, values = option_values(product)
        return [[(name, value)] for value in values]
    return [list(zip(product.option_names, v.options, strict=True)) for v in product.variants]
